# Reference fits for non-canonical links: glm() with binomial(link = "logit",
# "probit", "cloglog", "cauchit") and poisson(link = "log", "identity", "sqrt")
# on R data sets, one with a rate offset, one where R halves steps that leave
# the link's domain ("step size truncated: out of bounds"), and one where R
# finds no valid coefficients at all.
#
# As in glm.R, every model stores its design matrix and is fitted with
# epsilon = 1e-10 (mathkit.irls' default tol; all reported numbers) and with R's
# default 1e-8 (iterations and coefficients: the same path). Besides R's
# standard errors (expected information, Fisher scoring) each model stores
# those from the observed information (Newton's Hessian of the log-likelihood),
# computed here from each link's second derivative and checked against
# numDeriv's Hessian of the log-likelihood.
source("_common.R")
library(MASS)  # Insurance
library(numDeriv)

# d^2 mu / d eta^2 for each link, written out by hand.
mu_eta2 <- list(
  logit = function(eta, mu) mu * (1 - mu) * (1 - 2 * mu),
  probit = function(eta, mu) -eta * dnorm(eta),
  cloglog = function(eta, mu) exp(eta) * exp(-exp(eta)) * (1 - exp(eta)),
  cauchit = function(eta, mu) -2 * eta / (pi * (1 + eta^2)^2),
  log = function(eta, mu) exp(eta),
  identity = function(eta, mu) 0 * eta,
  sqrt = function(eta, mu) 2 + 0 * eta
)

observed_se <- function(fit) {
  fam <- family(fit)
  X <- model.matrix(fit)
  eta <- fit$linear.predictors
  mu <- fitted(fit)
  y <- fit$y
  wt <- fit$prior.weights
  V <- fam$variance(mu)
  dV <- if (fam$family == "binomial") 1 - 2 * mu else 1 + 0 * mu
  me <- fam$mu.eta(eta)
  w_obs <- wt * (me^2 / V - (y - mu) * (mu_eta2[[fam$link]](eta, mu) * V - me^2 * dV) / V^2)
  info <- crossprod(X, X * w_obs)
  # The same matrix from numDeriv, as minus the Jacobian of the score.
  offset <- if (is.null(fit$offset)) 0 else fit$offset
  score <- function(b) {
    e <- drop(X %*% b) + offset
    m <- fam$linkinv(e)
    drop(crossprod(X, wt * (y - m) * fam$mu.eta(e) / fam$variance(m)))
  }
  num <- -numDeriv::jacobian(score, coef(fit))
  stopifnot(max(abs(num - info)) < 1e-7 * max(abs(info)))
  sqrt(diag(solve(info)))
}

fit_one <- function(name, formula, data, family, weights = NULL, offset = NULL) {
  warns <- character(0)
  muffle <- function(w) {
    warns <<- c(warns, conditionMessage(w))
    invokeRestart("muffleWarning")
  }
  fit_with <- function(eps) {
    args <- list(formula = formula, data = data, family = family,
                 control = glm.control(epsilon = eps, maxit = 100))
    if (!is.null(weights)) args$weights <- weights
    if (!is.null(offset)) args$offset <- offset
    withCallingHandlers(do.call(glm, args), warning = muffle)
  }
  fit <- fit_with(1e-10)
  tight_warnings <- unique(warns)
  warns <- character(0)
  dflt <- fit_with(1e-8)
  X <- model.matrix(fit)
  sm <- summary(fit)$coefficients
  list(
    name = name,
    family = family$family,
    link = family$link,
    names = I(colnames(X)),
    X = X,
    y = unname(as.numeric(fit$y)),
    weights = if (is.null(weights)) NULL else unname(as.numeric(weights)),
    offset = if (is.null(offset)) NULL else unname(as.numeric(offset)),
    coef = unname(coef(fit)),
    se = unname(sm[, 2]),
    se_observed = unname(observed_se(fit)),
    cov = unname(vcov(fit)),
    deviance = fit$deviance,
    null_deviance = fit$null.deviance,
    loglik = as.numeric(logLik(fit)),
    aic = fit$aic,
    df_residual = fit$df.residual,
    df_null = fit$df.null,
    iter = fit$iter,
    converged = fit$converged,
    boundary = fit$boundary,
    fitted = unname(fitted(fit)),
    warnings = I(tight_warnings),
    default = list(iter = dflt$iter, converged = dflt$converged,
                   coef = unname(coef(dflt)), deviance = dflt$deviance,
                   warnings = I(unique(warns)))
  )
}

esoph_num <- within(esoph, {
  total <- ncases + ncontrols
  prop <- ncases / total
})
# A Poisson count that falls towards 0 as x grows: with the sqrt link, R's
# IRLS steps leave eta > 0 and R halves them back (a valid-eta step halving).
set.seed(7)
falling <- data.frame(x = 1:25)
falling$y <- rpois(25, exp(-1 + 0.1 * falling$x))

models <- list()
for (link in c("logit", "probit", "cloglog", "cauchit")) {
  models[[length(models) + 1]] <- fit_one(paste0("am_wt_", link), am ~ wt, mtcars,
                                           binomial(link = link))
  models[[length(models) + 1]] <- fit_one(paste0("vs_mpg_wt_", link), vs ~ mpg + wt, mtcars,
                                           binomial(link = link))
  models[[length(models) + 1]] <- fit_one(paste0("esoph_", link),
                                           prop ~ agegp + alcgp + tobgp, esoph_num,
                                           binomial(link = link), weights = esoph_num$total)
}
for (link in c("log", "identity", "sqrt")) {
  models[[length(models) + 1]] <- fit_one(paste0("warpbreaks_", link), breaks ~ wool + tension,
                                           warpbreaks, poisson(link = link))
}
models[[length(models) + 1]] <- fit_one("insurance_log", Claims ~ District + Group + Age,
                                         Insurance, poisson(link = "log"),
                                         offset = log(Insurance$Holders))
models[[length(models) + 1]] <- fit_one("falling_sqrt", y ~ x, falling, poisson(link = "sqrt"))
# An offset with an intercept: R fits the null model too, from the full model's means.
models[[length(models) + 1]] <- fit_one("am_hp_offset_probit", am ~ hp, mtcars,
                                         binomial(link = "probit"),
                                         offset = 0.2 * (mtcars$mpg - 20))
models[[length(models) + 1]] <- fit_one("warpbreaks_sqrt_offset", breaks ~ wool + tension,
                                         warpbreaks, poisson(link = "sqrt"),
                                         offset = rep(c(0.5, -0.5, 0), 18))
names(models) <- vapply(models, function(m) m$name, "")

# The identity link with the log-exposure offset: R gives up at once.
no_valid <- tryCatch(
  glm(Claims ~ District + Group + Age, offset = log(Holders), data = Insurance,
      family = poisson(link = "identity")),
  error = function(e) conditionMessage(e))
X_ins <- model.matrix(~ District + Group + Age, Insurance)

write_fixture(list(models = models,
                   no_valid = list(message = no_valid, X = X_ins,
                                   y = as.numeric(Insurance$Claims),
                                   offset = log(Insurance$Holders))),
              commandArgs(TRUE)[1])
