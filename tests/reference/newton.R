# Newton's method without and with step halving, BFGS and the critical-point
# test, run in real R on the source article's examples. mathkit.newton must
# reproduce these iterates, iteration counts and evaluation counts.
#
# newton_path() below is our own code, written to do the same floating-point
# work as the article's loops in the same order, since its numbers are what
# is being checked: per iteration numDeriv's grad() then hessian() at the
# current point, the direction from solve(H, -g), the move, and only then
# the stopping test, on the norm of that iteration's (pre-move) gradient.
source("_common.R")
suppressPackageStartupMessages(library(numDeriv))

# TRUE when the trial point is unacceptable. The article's test calls f on
# the trial point once for the finiteness check and, when that value is
# finite, once more for the comparison, and calls f(current) anew each time:
# keeping those calls keeps the evaluation counts (nfev) equal to R's.
rejects <- function(fn, current, trial) {
  if (!is.finite(fn(trial))) return(TRUE)
  fn(trial) > fn(current)
}

# Step length along `direction`: 1, halved while the trial is rejected. Once
# the halved length drops below 1e-10 (2^-34 after 34 rejections) it is
# returned untried, and the caller still moves by it.
step_length <- function(fn, current, direction, smallest = 1e-10) {
  len <- 1
  while (len >= smallest) {
    if (!rejects(fn, current, current + len * direction)) return(len)
    len <- len / 2
  }
  len
}

# Newton iterations from `start`; with halving = FALSE every full step is
# taken (1 * direction is direction, bit for bit). Returns the last point,
# the number of iterations run and every point visited, `start` first.
newton_path <- function(fn, start, halving, tol = 1e-8, max_iter = 50) {
  here <- start
  visited <- list(start)
  for (iter in seq_len(max_iter)) {
    slope <- grad(fn, here)
    direction <- solve(hessian(fn, here), -slope)
    len <- if (halving) step_length(fn, here, direction) else 1
    here <- here + len * direction
    visited[[iter + 1]] <- here
    if (sqrt(sum(slope * slope)) < tol) break
  }
  list(par = here, iterations = iter, trace = visited)
}

full_newton <- function(fn, start, ...) newton_path(fn, start, halving = FALSE, ...)
halving_newton <- function(fn, start, ...) newton_path(fn, start, halving = TRUE, ...)
# The article's exercise adds the same line search to its plain loop; it is
# the same algorithm, kept as its own fixture entry (safe_5) for the tests.
exercise_newton <- halving_newton

# "degenerate" when some Hessian eigenvalue is within 1e-8 of zero, otherwise
# named by how many eigenvalues are positive: all, none, or some.
critical_point_type <- function(fn, point) {
  lambda <- eigen(hessian(fn, point))$values
  if (min(abs(lambda)) < 1e-8) return("degenerate")
  positive <- sum(lambda > 0)
  if (positive == length(lambda)) "minimum" else if (positive == 0) "maximum" else "saddle"
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
  fit <- full_newton(cf$f, x0)
  c(list(iterations = fit$iterations, nfev = cf$count(), trace = rows(fit$trace)),
    list(final = at_point(f, fit$par)))
}

run_damped <- function(f, x0, fun = halving_newton, max_iter = 50) {
  cf <- counting(f)
  fit <- fun(cf$f, x0, max_iter = max_iter)
  list(iterations = fit$iterations, nfev = cf$count(), trace = rows(fit$trace),
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
  raphson_error = error_of(full_newton(log_loss, c(3, 3))),
  damped_3 = run_damped(log_loss, c(3, 3)),
  damped_5 = run_damped(log_loss, c(5, 5)),
  safe_5 = run_damped(log_loss, c(5, 5), fun = exercise_newton),
  bfgs_3 = run_bfgs(log_loss, c(3, 3))
))

classify <- function(f) {
  H <- hessian(f, c(0, 0))
  list(label = critical_point_type(f, c(0, 0)), hessian = H,
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
    solve_error = error_of(full_newton(flat_valley, c(1, 2))),
    first_step = rows(full_newton(flat_valley, c(1, 2), max_iter = 1)$trace)
  )
), commandArgs(TRUE)[1])
