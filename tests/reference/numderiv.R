# numDeriv's grad, hessian and jacobian on the source article's examples and on
# functions of our own (2 to 10 dimensions, zero and tiny coordinates), with the
# number of times each call evaluates f. tests/test_numeric.py rebuilds every case
# from the stored inputs, with each function written there the same way as here.
#
# Written so that R and Python evaluate f to the same bits: x^2 is x*x in R (R_POW
# special-cases 2), so it is written x*x in Python; sums of terms are explicit
# left-to-right additions, because R's sum() accumulates in long double (the
# article's regression loss keeps sum(): the tests replay it in long double too).
source("_common.R")
library(numDeriv)

set.seed(7)
x_obs <- 1:20
y_obs <- 2 + 0.5 * x_obs + rnorm(20, sd = 0.5)

funs <- list(
  # the article's examples, as the article writes them
  f_fn = function(v) v[1]^2 + 2*v[2]^2 + v[1]*v[2],
  g_quartic = function(v) v[1]^4 + v[2]^4,
  f_saddle = function(v) v[1]^2 - v[2]^2,
  ex_h = function(v) v[1]^2 + v[1]*v[2] + 4*v[2]^2,
  ex_f = function(v) (v[1] - 3)^2 + (v[2] + 1)^2,
  test_fn = function(v) exp(v[1]) - v[1] + v[2]^2,
  log_loss = function(v) -log(v[1]) - log(v[2]) + v[1] + v[2],
  himmelblau = function(v) (v[1]^2 + v[2] - 11)^2 + (v[1] + v[2]^2 - 7)^2,
  resid_loss = function(theta) sum((y_obs - theta[1] - theta[2] * x_obs)^2),
  # ours
  rosenbrock = function(x) {
    s <- 0
    for (i in seq_len(length(x) - 1)) {
      a <- x[i + 1] - x[i] * x[i]
      b <- 1 - x[i]
      s <- s + 100 * (a * a) + b * b
    }
    s
  },
  mix3 = function(x) exp(0.5 * x[1]) * sin(x[2]) + log(1 + x[3] * x[3]) + x[1] * x[2] * x[3],
  mix4 = function(x) x[1] * exp(-x[2] * x[2]) + cos(x[3]) * x[4] + x[4] * x[4] * x[4] / 3,
  trig6 = function(x) {
    s <- exp(0.1 * x[1] * x[6])
    for (i in 1:5) s <- s + sin(x[i]) * x[i + 1]
    s
  },
  quad10 = function(x) {
    s <- 0
    for (i in 1:10) for (j in 1:10) s <- s + x[i] * ((i + 2 * j) %% 7 - 3 + 10 * (i == j)) * x[j]
    s / 2
  },
  # numDeriv's grad skips rows after a difference below 1e-20: at (0, 0) the first
  # difference in x1 is 0, so grad reports 0 where the derivative is -1e-8
  cubic_tilt = function(x) x[1] * x[1] * x[1] - 1e-8 * x[1] + x[2],
  cubic_tilt1 = function(x) x[1] * x[1] * x[1] - 1e-8 * x[1],
  # vector functions for jacobian
  vf3 = function(x) c(x[1] * x[2] - exp(x[3]), sin(x[1]) + x[2] * x[2] * x[3],
                      log(x[2]) * x[1], x[1] + x[2] + x[3]),
  vf2 = function(x) c(x[1] * x[1] - x[2], x[1] * x[2], exp(x[1]) * cos(x[2]))
)

counted <- function(f) {
  calls <- 0
  list(f = function(x) { calls <<- calls + 1; f(x) }, calls = function() calls)
}

run_case <- function(id, fun, what, x, method = "Richardson", args = list()) {
  counter <- counted(funs[[fun]])
  op <- switch(what, grad = grad, hessian = hessian, jacobian = jacobian)
  value <- op(counter$f, x, method = method, method.args = args)
  if (!length(args)) args <- NULL  # (an empty named list has no JSON form in _common.R)
  list(id = id, fun = fun, what = what, method = tolower(method), args = args,
       x = I(x), value = if (is.matrix(value)) value else I(value), nfev = counter$calls())
}

tiny <- 1e-7  # below zero.tol (1.78e-5): takes the absolute step eps
iterate15 <- c(-2.9103826602998409e-10, -7.3878962289705591e-10)
iterate16 <- c(-3.1044095693541887e-10, -7.8804085128514436e-10)
cases <- list(
  # the article
  run_case("f_fn grad (1,1)", "f_fn", "grad", c(1, 1)),
  run_case("f_fn hessian (1,1)", "f_fn", "hessian", c(1, 1)),
  run_case("g_quartic hessian (1,2)", "g_quartic", "hessian", c(1, 2)),
  run_case("f_fn hessian (0,0)", "f_fn", "hessian", c(0, 0)),
  run_case("f_saddle hessian (0,0)", "f_saddle", "hessian", c(0, 0)),
  run_case("ex_h hessian (0,0)", "ex_h", "hessian", c(0, 0)),
  run_case("f_fn grad (2,2)", "f_fn", "grad", c(2, 2)),
  run_case("f_fn hessian (2,2)", "f_fn", "hessian", c(2, 2)),
  run_case("ex_f grad (0,0)", "ex_f", "grad", c(0, 0)),
  run_case("ex_f hessian (0,0)", "ex_f", "hessian", c(0, 0)),
  run_case("test_fn grad (1,1)", "test_fn", "grad", c(1, 1)),
  run_case("test_fn hessian (1,1)", "test_fn", "hessian", c(1, 1)),
  run_case("log_loss grad (3,3)", "log_loss", "grad", c(3, 3)),
  run_case("log_loss hessian (3,3)", "log_loss", "hessian", c(3, 3)),
  run_case("himmelblau grad (0,0)", "himmelblau", "grad", c(0, 0)),
  run_case("himmelblau hessian (0,0)", "himmelblau", "hessian", c(0, 0)),
  run_case("resid_loss grad (0,0)", "resid_loss", "grad", c(0, 0)),
  run_case("resid_loss hessian (0,0)", "resid_loss", "hessian", c(0, 0)),
  run_case("resid_loss grad (2,0.5)", "resid_loss", "grad", c(2, 0.5)),
  run_case("resid_loss hessian (2,0.5)", "resid_loss", "hessian", c(2, 0.5)),
  # Rosenbrock in 2, 5 and 10 dimensions
  run_case("rosenbrock grad n=2", "rosenbrock", "grad", c(-1.2, 1)),
  run_case("rosenbrock hessian n=2", "rosenbrock", "hessian", c(-1.2, 1)),
  run_case("rosenbrock grad n=5 zero", "rosenbrock", "grad", c(0.5, -0.3, 1.2, 0, 2)),
  run_case("rosenbrock hessian n=5 zero", "rosenbrock", "hessian", c(0.5, -0.3, 1.2, 0, 2)),
  run_case("rosenbrock grad n=10", "rosenbrock", "grad", seq(-0.9, 0.9, length.out = 10)),
  run_case("rosenbrock hessian n=10", "rosenbrock", "hessian", seq(-0.9, 0.9, length.out = 10)),
  run_case("rosenbrock hessian n=10 tiny", "rosenbrock", "hessian",
           c(1.3, tiny, -0.7, 0, 2.1, -tiny, 0.4, 1e-3, -1.1, 0.25)),
  run_case("rosenbrock grad n=10 tiny", "rosenbrock", "grad",
           c(1.3, tiny, -0.7, 0, 2.1, -tiny, 0.4, 1e-3, -1.1, 0.25)),
  # exp / log / sin / cos mixes
  run_case("mix3 grad", "mix3", "grad", c(0.3, -1.2, 0.8)),
  run_case("mix3 hessian", "mix3", "hessian", c(0.3, -1.2, 0.8)),
  run_case("mix3 grad zero", "mix3", "grad", c(0, tiny, 0.8)),
  run_case("mix3 hessian zero", "mix3", "hessian", c(0, tiny, 0.8)),
  run_case("mix4 grad", "mix4", "grad", c(1.5, 0.2, -2, 0.7)),
  run_case("mix4 hessian tiny", "mix4", "hessian", c(1.5, -tiny, 0, 0.7)),
  run_case("trig6 grad", "trig6", "grad", c(0.1, 0.2, -0.3, 0.4, -0.5, 0.6)),
  run_case("trig6 hessian", "trig6", "hessian", c(0.1, 0.2, -0.3, 0.4, -0.5, 0.6)),
  run_case("trig6 hessian zero", "trig6", "hessian", c(0, 0.2, 0, 1e-9, -0.5, 3)),
  run_case("quad10 grad", "quad10", "grad", (1:10) / 4 - 1.5),
  run_case("quad10 hessian", "quad10", "hessian", (1:10) / 4 - 1.5),
  run_case("quad10 hessian zero", "quad10", "hessian", c(0, 0, 1, 0, tiny, 0, -2, 0, 0, 0.5)),
  # numDeriv's skip of tiny differences (n > 1 only)
  run_case("cubic_tilt grad (0,0) skip", "cubic_tilt", "grad", c(0, 0)),
  run_case("cubic_tilt1 grad (0) no skip", "cubic_tilt1", "grad", 0),
  run_case("f_fn grad (0,0) skip", "f_fn", "grad", c(0, 0)),
  # options overriding the defaults
  run_case("mix3 grad d=1e-3 r=6", "mix3", "grad", c(0.3, -1.2, 0.8), args = list(d = 1e-3, r = 6)),
  run_case("mix3 grad v=3", "mix3", "grad", c(0.3, -1.2, 0.8), args = list(v = 3)),
  run_case("mix3 grad zero.tol eps", "mix3", "grad", c(0, tiny, 0.8),
           args = list(zero.tol = 1e-12, eps = 1e-3)),
  run_case("mix4 hessian d=1e-4", "mix4", "hessian", c(1.5, 0.2, -2, 0.7), args = list(d = 1e-4)),
  run_case("rosenbrock hessian r=6 d=0.05", "rosenbrock", "hessian", c(-1.2, 1, 0.3),
           args = list(r = 6, d = 0.05)),
  # jacobian
  run_case("vf3 jacobian", "vf3", "jacobian", c(0.5, 2, -0.25)),
  run_case("vf3 jacobian zero", "vf3", "jacobian", c(0, 1, tiny)),
  run_case("vf2 jacobian", "vf2", "jacobian", c(1.1, -0.4)),
  run_case("vf2 jacobian d=1e-2", "vf2", "jacobian", c(1.1, -0.4), args = list(d = 1e-2)),
  # complex step
  run_case("mix3 grad complex", "mix3", "grad", c(0.3, -1.2, 0.8), method = "complex"),
  run_case("test_fn grad complex", "test_fn", "grad", c(1, 1), method = "complex"),
  run_case("log_loss grad complex", "log_loss", "grad", c(3, 3), method = "complex"),
  run_case("rosenbrock grad complex n=5", "rosenbrock", "grad", c(0.5, -0.3, 1.2, 0, 2),
           method = "complex"),
  run_case("trig6 grad complex", "trig6", "grad", c(0.1, 0.2, -0.3, 0.4, -0.5, 0.6),
           method = "complex"),
  run_case("vf3 jacobian complex", "vf3", "jacobian", c(0.5, 2, -0.25), method = "complex"),
  run_case("mix3 hessian complex", "mix3", "hessian", c(0.3, -1.2, 0.8), method = "complex"),
  run_case("rosenbrock hessian complex n=2", "rosenbrock", "hessian", c(-1.2, 1),
           method = "complex"),
  # Tiny nonzero coordinates (below zero.tol, so the step is the absolute eps = 1e-4):
  # 1 ulp of f moves the Hessian by up to ~5e-4 here. First the iterates 15 and 16 of
  # the article's damped Newton on Himmelblau from (0, 0) (newton.json's trace).
  run_case("himmelblau grad iterate 15", "himmelblau", "grad", iterate15),
  run_case("himmelblau hessian iterate 15", "himmelblau", "hessian", iterate15),
  run_case("himmelblau grad iterate 16", "himmelblau", "grad", iterate16),
  run_case("himmelblau hessian iterate 16", "himmelblau", "hessian", iterate16),
  run_case("himmelblau grad tiny", "himmelblau", "grad", c(1e-9, -3e-7)),
  run_case("himmelblau hessian tiny", "himmelblau", "hessian", c(1e-9, -3e-7)),
  run_case("himmelblau hessian tinier", "himmelblau", "hessian", c(1e-12, 1e-9)),
  run_case("f_fn hessian tiny", "f_fn", "hessian", c(1e-9, -3e-7)),
  run_case("ex_h hessian tiny", "ex_h", "hessian", c(-3e-7, 1e-12)),
  run_case("rosenbrock grad n=4 tiny", "rosenbrock", "grad", c(1e-9, -3e-7, 1e-12, 0.8)),
  run_case("rosenbrock hessian n=4 tiny", "rosenbrock", "hessian", c(1e-9, -3e-7, 1e-12, 0.8)),
  run_case("mix3 grad tiny", "mix3", "grad", c(1e-9, -3e-7, 1e-12)),
  run_case("mix3 hessian tiny", "mix3", "hessian", c(1e-9, -3e-7, 1e-12)),
  run_case("mix4 hessian tiny 2", "mix4", "hessian", c(1e-12, 1e-9, -3e-7, 0.7)),
  run_case("trig6 hessian tiny", "trig6", "hessian", c(1e-9, 0.2, -3e-7, 1e-12, -0.5, 3)),
  run_case("quad10 hessian tiny", "quad10", "hessian",
           c(1e-9, 0, 1, -3e-7, 1e-12, 0, -2, 1e-9, 0, 0.5)),
  run_case("vf2 jacobian tiny", "vf2", "jacobian", c(1e-9, -3e-7)),
  run_case("vf3 jacobian tiny", "vf3", "jacobian", c(1e-12, 1, -3e-7)),
  run_case("mix3 hessian complex tiny", "mix3", "hessian", c(1e-9, -3e-7, 1e-12),
           method = "complex")
)

# The article's follow-ups on these derivatives: Hessian eigenvalues, one Newton step.
eig <- function(fun, x) eigen(hessian(funs[[fun]], x))$values
newton_x1 <- function(fun, x) x + solve(hessian(funs[[fun]], x), -grad(funs[[fun]], x))

# R's x^2 is x * x (R_POW special-cases the exponent 2), not the C library's pow():
# numbers where glibc's pow(x, 2) is 1 ulp off the correctly rounded square, the
# last being Himmelblau's first bracket, x1^2 + x2 - 11, at iterate 15.
square_in <- c(-14.50798155696981, -11.550162238468676, 9.758941350180073,
               iterate15[1]^2 + iterate15[2] - 11)

write_fixture(list(
  numderiv_version = as.character(packageVersion("numDeriv")),
  squares = list(x = square_in, square = square_in^2, product = square_in * square_in),
  zero_tol = sqrt(.Machine$double.eps / 7e-07),
  x_obs = x_obs, y_obs = y_obs,
  cases = cases,
  eigenvalues = list(f_fn = eig("f_fn", c(0, 0)), f_saddle = eig("f_saddle", c(0, 0)),
                     ex_h = eig("ex_h", c(0, 0))),
  newton_step = list(f_fn = newton_x1("f_fn", c(2, 2)), ex_f = newton_x1("ex_f", c(0, 0)),
                     log_loss = newton_x1("log_loss", c(3, 3)))
), commandArgs(TRUE)[1])
