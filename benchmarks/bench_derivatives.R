# numDeriv's hessian() on the cases of bench_derivatives.py, timed inside R so
# that R's start-up is not counted. Called by that script:
#
#   Rscript --vanilla bench_derivatives.R COMMON_R OUT_JSON TARGET_S CASE...
#
# COMMON_R is tests/reference/_common.R (its 17-digit JSON writer), TARGET_S the
# least duration of one timing sample in seconds, and each CASE is "name:n".
# The functions and points are the ones in bench_derivatives.py; the logistic
# data come from set.seed, which mathkit.rcompat.RNG reproduces bit for bit.
args <- commandArgs(TRUE)
source(args[1])
suppressPackageStartupMessages(library(numDeriv))
target <- as.numeric(args[3])

rosenbrock <- function(x) {
  n <- length(x)
  sum(100 * (x[-1] - x[-n]^2)^2 + (1 - x[-n])^2)
}

logistic_case <- function(n, m = 500, seed = 11) {
  set.seed(seed)
  X <- cbind(1, matrix(rnorm(m * (n - 1)), m, n - 1))
  beta <- seq(-1, 1, length.out = n) / 2
  y <- as.numeric(runif(m) < 1 / (1 + exp(-drop(X %*% beta))))
  # Negative log-likelihood, evaluated at the coefficients that drew y.
  list(f = function(b) { eta <- drop(X %*% b); sum(log1p(exp(eta)) - y * eta) }, x = beta)
}

make_case <- function(name, n) {
  switch(name,
    rosenbrock = list(f = rosenbrock, x = ifelse(seq_len(n) %% 2 == 1, -1.2, 1.0)),
    logistic = logistic_case(n),
    logsumexp = list(f = function(x) log(sum(exp(x))), x = sin(seq_len(n))),
    stop("unknown case ", name))
}

elapsed <- function(expr_fun, times) {
  t0 <- Sys.time()
  for (i in seq_len(times)) expr_fun()
  as.numeric(difftime(Sys.time(), t0, units = "secs")) / times
}

# Median over samples; each sample repeats the call until it lasts about `target`
# seconds, so that even sub-millisecond calls are timed to a few per cent.
time_median <- function(fun, samples = 7) {
  once <- elapsed(fun, 1)
  inner <- max(1, ceiling(target / max(once, 1e-6)))
  list(time = median(vapply(seq_len(samples), function(s) elapsed(fun, inner), 0)),
       samples = samples, inner = inner)
}

results <- lapply(args[-(1:3)], function(spec) {
  parts <- strsplit(spec, ":", fixed = TRUE)[[1]]
  case <- make_case(parts[1], as.integer(parts[2]))
  calls <- 0
  counted <- function(v) { calls <<- calls + 1; case$f(v) }
  H <- hessian(counted, case$x)
  timing <- time_median(function() hessian(case$f, case$x))
  list(name = parts[1], n = length(case$x), f0 = case$f(case$x), nfev = calls,
       time_s = timing$time, samples = timing$samples, inner = timing$inner,
       hessian = H)
})

write_fixture(list(numDeriv_version = as.character(packageVersion("numDeriv")),
                   cases = results), args[2])
