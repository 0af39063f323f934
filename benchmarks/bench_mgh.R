# R's nlminb and optim(method = "BFGS") on the More-Garbow-Hillstrom runs.
# Called by benchmarks/bench_mgh.py: Rscript --vanilla bench_mgh.R problems.R out.json
# problems.R defines runs: per run R code for f and its exact gradient (written by sympy
# from benchmarks/mgh.py) and the start. Base R only; the JSON is written by hand.
args <- commandArgs(trailingOnly = TRUE)
source(args[1])  # defines runs: list(key, x0, f, g) per run

num <- function(v) if (is.finite(v)) format(v, digits = 17) else "null"
out_row <- function(x, nit, nfev, success, message) {
  paste0('{"x": [', paste(vapply(x, num, ""), collapse = ", "), '], "nit": ', nit,
         ', "nfev": ', nfev, ', "success": ', if (success) "true" else "false",
         ', "message": "', gsub('"', "'", message), '"}')
}

rows <- list(nlminb = character(0), optim = character(0))
for (run in runs) {
  x0 <- run$x0
  f <- run$f
  g <- run$g
  calls <- 0
  fc <- function(x) { calls <<- calls + 1; v <- f(x); if (is.finite(v)) v else Inf }
  res <- tryCatch(nlminb(x0, fc, gradient = g, control = list(iter.max = 5000, eval.max = 10000)),
                  error = function(e) list(par = x0, iterations = 0, convergence = 1,
                                           message = conditionMessage(e)))
  rows$nlminb <- c(rows$nlminb, out_row(res$par, res$iterations, calls, res$convergence == 0,
                                        res$message))
  calls <- 0
  res <- tryCatch(optim(x0, fc, g, method = "BFGS", control = list(maxit = 5000)),
                  error = function(e) list(par = x0, counts = c(0, 0), convergence = 1,
                                           message = conditionMessage(e)))
  msg <- if (is.null(res$message)) paste("convergence", res$convergence) else res$message
  rows$optim <- c(rows$optim, out_row(res$par, res$counts[[2]], calls, res$convergence == 0, msg))
}
writeLines(paste0('{"R nlminb": [', paste(rows$nlminb, collapse = ",\n"), '],\n"R optim BFGS": [',
                  paste(rows$optim, collapse = ",\n"), "]}"), args[2])
