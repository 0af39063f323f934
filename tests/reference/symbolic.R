# Value, gradient and Hessian from R's symbolic deriv(), for tests/test_symbolic.py
# and chapter 1. Each case: the expression (as R deparses it, which mathkit.deriv
# also parses), its variables, the points (one vector per variable, evaluated in
# one vectorised call) and what the function built by deriv() returns there.
source("_common.R")

one_case <- function(e, vars, points) {
  fn <- deriv(e, vars, function.arg = TRUE, hessian = TRUE)
  out <- do.call(fn, unname(points))
  H <- attr(out, "hessian")
  n <- length(vars)
  list(
    expr = paste(deparse(e[[1]]), collapse = ""),
    variables = I(vars),
    points = lapply(points, I),
    value = I(as.vector(out)),
    gradient = lapply(seq_along(out), function(i) I(as.vector(attr(out, "gradient")[i, ]))),
    hessian = lapply(seq_along(out), function(i) matrix(H[i, , ], n, n))
  )
}

cases <- list(
  # The source article's worked example and its try-it exercise.
  f_article = one_case(expression(x^2 + 2*y^2 + x*y), c("x", "y"),
                       list(x = c(1, 0, -2, 0.5), y = c(1, 0, 0.5, -3))),
  g_exercise = one_case(expression(3*x^2 + x*y + y^2), c("x", "y"),
                        list(x = c(2, 1), y = c(-1, 1))),
  # Transcendental functions, a mixed term, a quotient.
  exp_sin_log = one_case(expression(exp(x) * sin(y) + log(x * y)), c("x", "y"),
                         list(x = c(0.5, 1, 2.5), y = c(0.25, 1, 3))),
  three_vars = one_case(expression(x * exp(-y^2) + sin(x * z) / y + log(1 + z^2)),
                        c("x", "y", "z"),
                        list(x = c(1, -0.5), y = c(0.75, 2), z = c(0.3, -1.2))),
  # R's normal density and distribution function, which mathkit maps to erf/exp.
  pnorm_dnorm = one_case(expression(pnorm(x * y) + dnorm(x - y)), c("x", "y"),
                         list(x = c(0.2, -1), y = c(1.5, 0.7)))
)

write_fixture(list(cases = cases), commandArgs(TRUE)[1])
