# Newton-Raphson, damped Newton, BFGS and the critical-point classifier, in real R.
#
# The three Newton loops below are the source article's functions, token for
# token (only line breaks added): they are what is being checked, so they are
# not rewritten. mathkit.newton must reproduce their iterates and iteration
# counts with numDeriv's derivatives. newton_damped returns no trace, so its
# iterates are read off by re-running it with max_iter = 1, 2, ...: the loop is
# deterministic, so run j stops exactly at the j-th iterate.
source("_common.R")
suppressPackageStartupMessages(library(numDeriv))

newton_raphson <- function(f, x0, tol = 1e-8, max_iter = 50) {
  x <- x0
  trace <- list(x)
  for (k in seq_len(max_iter)) {
    g <- grad(f, x)
    H <- hessian(f, x)
    step <- solve(H, -g)
    x <- x + step
    trace[[k + 1]] <- x
    if (sqrt(sum(g^2)) < tol) break
  }
  list(par = x, iterations = k, trace = trace)
}

newton_damped <- function(f, x0, tol = 1e-8, max_iter = 50) {
  x <- x0
  for (k in seq_len(max_iter)) {
    g <- grad(f, x)
    H <- hessian(f, x)
    step <- solve(H, -g)
    gamma <- 1
    while (!is.finite(f(x + gamma * step)) || f(x + gamma * step) > f(x)) {
      gamma <- gamma / 2
      if (gamma < 1e-10) break
    }
    x <- x + gamma * step
    if (sqrt(sum(g^2)) < tol) break
  }
  list(par = x, iterations = k)
}

ex_newton_safe <- function(f, x0, tol = 1e-8, max_iter = 50) {
  x <- x0
  for (k in seq_len(max_iter)) {
    g <- grad(f, x)
    H <- hessian(f, x)
    step <- solve(H, -g)
    gamma <- 1
    while (!is.finite(f(x + gamma * step)) || f(x + gamma * step) > f(x)) {
      gamma <- gamma / 2
      if (gamma < 1e-10) break
    }
    x <- x + gamma * step
    if (sqrt(sum(g^2)) < tol) break
  }
  list(par = x, iterations = k)
}

inspect_critical_point <- function(f, x) {
  ev <- eigen(hessian(f, x))$values
  if (any(abs(ev) < 1e-8)) return("degenerate")
  if (all(ev > 0)) return("minimum")
  if (all(ev < 0)) return("maximum")
  "saddle"
}

# f wrapped so that every call, including numDeriv's, is counted.
counting <- function(f) {
  n <- 0
  list(f = function(v) { n <<- n + 1; f(v) }, count = function() n)
}

rows <- function(trace) do.call(rbind, trace)  # list of iterates -> matrix, one per row

# Everything the tests compare at a final point: value, numDeriv gradient,
# Hessian, its eigenvalues and 2-norm condition number.
at_point <- function(f, x) {
  H <- hessian(f, x)
  list(x = I(x), fun = I(f(x)), grad = I(grad(f, x)), hessian = H,
       eigenvalues = I(eigen(H, symmetric = TRUE)$values), kappa = I(kappa(H, exact = TRUE)))
}

run_raphson <- function(f, x0) {
  cf <- counting(f)
  fit <- newton_raphson(cf$f, x0)
  c(list(iterations = fit$iterations, nfev = cf$count(), trace = rows(fit$trace)),
    list(final = at_point(f, fit$par)))
}

run_damped <- function(f, x0, fun = newton_damped, max_iter = 50) {
  cf <- counting(f)
  fit <- fun(cf$f, x0, max_iter = max_iter)
  iterates <- lapply(seq_len(fit$iterations), function(j) fun(f, x0, max_iter = j)$par)
  stopifnot(identical(iterates[[fit$iterations]], fit$par))
  list(iterations = fit$iterations, nfev = cf$count(), trace = rows(c(list(x0), iterates)),
       final = at_point(f, fit$par))
}

run_bfgs <- function(f, x0) {
  fit <- optim(x0, f, method = "BFGS")
  list(par = I(fit$par), value = I(fit$value), counts = I(unname(fit$counts)),
       convergence = I(fit$convergence), final = at_point(f, fit$par))
}

one_step <- function(f, x0) {
  g <- grad(f, x0)
  H <- hessian(f, x0)
  step <- solve(H, -g)
  list(x0 = I(x0), grad = I(g), hessian = H, step = I(step), x1 = I(x0 + step),
       fun_x1 = I(f(x0 + step)), eigenvalues = I(eigen(H, symmetric = TRUE)$values),
       kappa = I(kappa(H, exact = TRUE)))
}

error_of <- function(expr) tryCatch({ force(expr); "" }, error = function(e) conditionMessage(e))

test_fn <- function(v) exp(v[1]) - v[1] + v[2]^2
ex_target <- function(v) (v[1] - 1)^2 + (v[2] - 2)^2 + (v[1] - 1) * (v[2] - 2)
f_fn <- function(v) v[1]^2 + 2 * v[2]^2 + v[1] * v[2]
ex_f <- function(v) (v[1] - 3)^2 + (v[2] + 1)^2
ex_h <- function(v) v[1]^2 + v[1] * v[2] + 4 * v[2]^2
log_loss <- function(v) -log(v[1]) - log(v[2]) + v[1] + v[2]
himmelblau <- function(v) (v[1]^2 + v[2] - 11)^2 + (v[1] + v[2]^2 - 7)^2
flat_valley <- function(v) (v[1] + v[2])^2  # singular Hessian everywhere

X <- cbind(1, mtcars$mpg, mtcars$hp)
y <- mtcars$am
logistic_nll <- function(beta) {
  eta <- as.numeric(X %*% beta)
  -sum(y * eta - log1p(exp(eta)))
}

# log() of a negative number warns "NaNs produced"; those trial points are the point here.
log_loss_runs <- suppressWarnings(list(
  full_step = one_step(log_loss, c(3, 3)),
  raphson_error = error_of(newton_raphson(log_loss, c(3, 3))),
  damped_3 = run_damped(log_loss, c(3, 3)),
  damped_5 = run_damped(log_loss, c(5, 5)),
  safe_5 = run_damped(log_loss, c(5, 5), fun = ex_newton_safe),
  bfgs_3 = run_bfgs(log_loss, c(3, 3))
))

classify <- function(f) {
  H <- hessian(f, c(0, 0))
  list(label = inspect_critical_point(f, c(0, 0)), hessian = H,
       eigenvalues = I(eigen(H, symmetric = TRUE)$values))
}

glm_fit <- glm(am ~ mpg + hp, data = mtcars, family = binomial)

write_fixture(list(
  exp_fn = run_raphson(test_fn, c(1, 1)),
  cross_quadratic = run_raphson(ex_target, c(0, 0)),
  one_step_quadratic = one_step(f_fn, c(2, 2)),
  one_step_separable = one_step(ex_f, c(0, 0)),
  log_loss = log_loss_runs,
  himmelblau = list(
    start = at_point(himmelblau, c(0, 0)),
    damped = run_damped(himmelblau, c(0, 0)),
    raphson = run_raphson(himmelblau, c(0, 0)),
    bfgs = run_bfgs(himmelblau, c(0, 0))
  ),
  logistic = list(
    damped = run_damped(logistic_nll, c(0, 0, 0), max_iter = 100),
    glm_coef = I(unname(coef(glm_fit))),
    glm_iter = I(glm_fit$iter)
  ),
  classify = list(
    bowl = classify(function(v) v[1]^2 + v[2]^2),
    saddle = classify(function(v) v[1]^2 - v[2]^2),
    cap = classify(function(v) -v[1]^2 - v[2]^2),
    quartic = classify(function(v) v[1]^4 + v[2]^2),
    f_fn = classify(f_fn),
    ex_h = classify(ex_h)
  ),
  kappa_f_fn = I(kappa(hessian(f_fn, c(0, 0)), exact = TRUE)),
  singular = list(
    hessian = hessian(flat_valley, c(1, 2)),
    solve_error = error_of(newton_raphson(flat_valley, c(1, 2))),
    first_step = rows(newton_raphson(flat_valley, c(1, 2), max_iter = 1)$trace)
  )
), commandArgs(TRUE)[1])
