# Reference multinomial (baseline-category) logit fits from nnet::multinom, run
# to tight tolerances (reltol = 1e-14, maxit = 1000) so that its BFGS optimum is
# the maximum-likelihood estimate to many digits. Each model stores its design
# matrix, the class of every row (0 = the baseline, the first level) and the
# prior weights, so the Python tests fit exactly the numbers R fitted.
# Coefficients and standard errors are stored p x (K - 1), one column per
# non-baseline class (R prints the transpose).
source("_common.R")
library(nnet)
library(MASS)  # housing

# The same model as a Poisson log-linear model (Venables & Ripley, MASS 4th ed.,
# section 7.3): one count per row and class, a nuisance intercept per row, and
# the class-specific coefficients as class-by-covariate terms. glm()'s IRLS
# converges to the last digit where multinom's BFGS stops a few digits short,
# so these are the digits the tests hold mathkit to.
poisson_surrogate <- function(X, y, w, K) {
  n <- nrow(X)
  p <- ncol(X)
  cls <- rep(0:(K - 1), each = n)
  Z <- cbind(diag(n)[rep(seq_len(n), K), ],
             do.call(cbind, lapply(1:(K - 1), function(k) X[rep(seq_len(n), K), ] * (cls == k))))
  count <- rep(w, K) * as.numeric(rep(y, K) == cls)
  fit <- glm.fit(Z, count, family = poisson(), control = glm.control(epsilon = 1e-13, maxit = 100))
  # The information at the final fit (glm.fit's own weights are one iteration older).
  se <- sqrt(diag(solve(crossprod(Z, Z * fit$fitted.values))))
  keep <- n + seq_len(p * (K - 1))
  mu <- matrix(fit$fitted.values, n, K)
  prob <- mu / rowSums(mu)
  list(coef = matrix(fit$coefficients[keep], p, K - 1),
       se = matrix(se[keep], p, K - 1),
       loglik = sum(w * log(prob[cbind(seq_len(n), y + 1)])),
       iter = fit$iter, converged = fit$converged)
}

fit_one <- function(name, formula, data, weights = NULL) {
  warns <- character(0)
  muffle <- function(w) {
    warns <<- c(warns, conditionMessage(w))
    invokeRestart("muffleWarning")
  }
  args <- list(formula = formula, data = data, reltol = 1e-14, maxit = 1000,
               trace = FALSE, Hess = TRUE)
  if (!is.null(weights)) args$weights <- weights
  fit <- withCallingHandlers(do.call(multinom, args), warning = muffle)
  X <- model.matrix(fit)
  yf <- model.response(model.frame(formula, data))
  yf <- factor(yf)
  sm <- summary(fit)
  w <- if (is.null(weights)) rep(1, nrow(X)) else as.numeric(weights)
  surrogate <- if (name == "separated") NULL else
    poisson_surrogate(X, as.integer(yf) - 1L, w, nlevels(yf))
  list(
    name = name,
    names = I(colnames(X)),
    classes = I(levels(yf)),
    X = X,
    y = as.integer(yf) - 1L,
    weights = if (is.null(weights)) NULL else as.numeric(weights),
    coef = t(coef(fit)),
    se = t(sm$standard.errors),
    loglik = as.numeric(logLik(fit)),
    deviance = fit$deviance,
    aic = fit$AIC,
    edf = fit$edf,
    convergence = fit$convergence,
    warnings = I(warns),
    poisson = surrogate
  )
}

# Complete separation: each class owns an interval of x.
sep <- data.frame(x = c(1, 2, 3, 4, 5, 6, 7, 8, 9),
                  y = factor(rep(c("a", "b", "c"), each = 3)))

models <- list(
  # Venables & Ripley's satisfaction model (MASS 4th ed., section 7.3).
  fit_one("housing", Sat ~ Infl + Type + Cont, housing, weights = housing$Freq),
  fit_one("mtcars_gear", gear ~ mpg + hp, mtcars),
  fit_one("separated", y ~ x, sep)
)
names(models) <- vapply(models, function(m) m$name, "")

# The factor levels of the shipped housing.csv, in R's order.
levels_housing <- lapply(Filter(is.factor, housing), levels)

write_fixture(list(models = models, housing_levels = levels_housing), commandArgs(TRUE)[1])
