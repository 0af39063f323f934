# numDeriv's grad() and hessian(), Richardson and complex step, on the test functions of
# bench_derivatives.py, timed inside R so that R's start-up is not counted. Called by
# that script:
#
#   Rscript --vanilla bench_derivatives.R COMMON_R OUT_JSON TARGET_S CASE...
#
# COMMON_R is tests/reference/_common.R (its 17-digit JSON writer), TARGET_S the least
# duration of one timing sample in seconds, and each CASE is "name|x1,x2,...": the
# function's name and the point, in 17 significant digits (so R gets Python's bits).
# The functions are written as in bench_derivatives.py; each also takes complex input.
args <- commandArgs(TRUE)
source(args[1])
suppressPackageStartupMessages(library(numDeriv))
target <- as.numeric(args[3])

mtcars_X <- cbind(1, mtcars$mpg, mtcars$hp)
mtcars_y <- mtcars$am

functions <- list(
  quadratic = function(v) v[1] * v[1] + 2 * v[2] * v[2] + v[1] * v[2],
  mix3 = function(v) exp(v[1] / 2) * sin(v[2]) + log(1 + v[3] * v[3]) + v[1] * v[2] * v[3],
  himmelblau = function(v) (v[1] * v[1] + v[2] - 11)^2 + (v[1] + v[2] * v[2] - 7)^2,
  logistic_mtcars = function(v) {
    eta <- drop(mtcars_X %*% v)
    sum(log(1 + exp(eta)) - mtcars_y * eta)
  },
  rosenbrock = function(v) {
    n <- length(v)
    sum(100 * (v[-1] - v[-n]^2)^2 + (1 - v[-n])^2)
  },
  ill_scaled = function(v) {
    exp(v[1]) * cos(v[2]) + v[1] * log(1 + v[3] * v[3]) + v[4] * v[4] / 1e6 + v[2] * v[4] / 1e3
  },
  mixture = function(v) {
    n <- length(v)
    sum(sin(v[-n]) * exp(v[-1] / 2)) + log(1 + sum(v * v)) + v[1] * v[n]
  },
  logsumexp = function(v) log(sum(exp(v)))
)

elapsed <- function(fun, times) {
  t0 <- Sys.time()
  for (i in seq_len(times)) fun()
  as.numeric(difftime(Sys.time(), t0, units = "secs")) / times
}

# Median over samples; each sample repeats the call until it lasts about `target` s.
time_median <- function(fun) {
  once <- elapsed(fun, 1)
  samples <- if (once > 1) 1 else if (once > 0.05) 3 else 5
  inner <- max(1, ceiling(target / max(once, 1e-6)))
  list(time = median(vapply(seq_len(samples), function(s) elapsed(fun, inner), 0)),
       samples = samples, inner = inner)
}

run <- function(f, x, what, method) {
  calls <- 0
  counted <- function(v) { calls <<- calls + 1; f(v) }
  call <- function(g) if (what == "gradient") grad(g, x, method = method) else
    hessian(g, x, method = method)
  value <- call(counted)
  timing <- time_median(function() call(f))
  list(what = what, method = method, nfev = calls, time_s = timing$time,
       samples = timing$samples, inner = timing$inner, value = I(as.vector(value)))
}

results <- lapply(args[-(1:3)], function(spec) {
  parts <- strsplit(spec, "|", fixed = TRUE)[[1]]
  f <- functions[[parts[1]]]
  x <- as.numeric(strsplit(parts[2], ",", fixed = TRUE)[[1]])
  runs <- list()
  for (what in c("gradient", "hessian")) for (method in c("Richardson", "complex"))
    runs[[length(runs) + 1]] <- run(f, x, what, method)
  list(name = parts[1], n = length(x), f0 = f(x), runs = runs)
})

write_fixture(list(
  numDeriv_version = as.character(packageVersion("numDeriv")),
  cases = results), args[2])
