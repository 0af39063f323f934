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
    warnings = I(warns)
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
