# Reference values for the chapter "How far the recipe reaches"
# (book/08b_recipe_reach.ipynb), beyond the multinomial (multinom.R) and Cox
# (coxph.R) fits:
# - Poisson regression of rates with an offset: McCullagh & Nelder's ship
#   damage incidents (MASS::ships), log months of service as the offset;
# - a probit model, where glm()'s IRLS is Fisher scoring and not Newton: the
#   fit, the coefficients after each IRLS iteration (glm.fit stopped after k
#   iterations), and standard errors from the observed information (numDeriv's
#   Hessian of the log-likelihood) beside R's, which use the expected one.
source("_common.R")
library(MASS)  # ships
library(numDeriv)

quiet <- function(expr) withCallingHandlers(expr, warning = function(w) invokeRestart("muffleWarning"))

ships_used <- subset(ships, service > 0)
ships_fit <- glm(incidents ~ factor(type) + factor(year) + factor(period),
                 offset = log(service), family = poisson, data = ships_used,
                 control = glm.control(epsilon = 1e-10, maxit = 100))
ships_default <- glm(incidents ~ factor(type) + factor(year) + factor(period),
                     offset = log(service), family = poisson, data = ships_used)
X <- model.matrix(ships_fit)
sm <- summary(ships_fit)$coefficients
ships_out <- list(
  names = I(colnames(X)), X = X, y = as.numeric(ships_used$incidents),
  offset = log(as.numeric(ships_used$service)),
  coef = unname(coef(ships_fit)), se = unname(sm[, 2]),
  deviance = ships_fit$deviance, null_deviance = ships_fit$null.deviance,
  df_residual = ships_fit$df.residual, loglik = as.numeric(logLik(ships_fit)),
  aic = ships_fit$aic, iter = ships_fit$iter, iter_default = ships_default$iter,
  # Rate ratio of the 1975-79 service period against 1960-74.
  period_rate_ratio = unname(exp(coef(ships_fit)["factor(period)75"])),
  n_dropped = sum(ships$service == 0)
)

# Probit: is the car's engine straight (vs = 1), given its mpg?
Xp <- cbind(1, mtcars$mpg)
yp <- mtcars$vs
probit_fit <- glm(vs ~ mpg, family = binomial(link = "probit"), data = mtcars,
                  control = glm.control(epsilon = 1e-10, maxit = 100))
probit_default <- glm(vs ~ mpg, family = binomial(link = "probit"), data = mtcars)
path <- t(vapply(1:probit_fit$iter, function(k) {
  quiet(coef(glm.fit(Xp, yp, family = binomial(link = "probit"),
                     control = glm.control(epsilon = 1e-10, maxit = k))))
}, numeric(2)))
loglik_probit <- function(b) {
  p <- pnorm(drop(Xp %*% b))
  sum(dbinom(yp, 1, p, log = TRUE))
}
observed <- -hessian(loglik_probit, coef(probit_fit))
psm <- summary(probit_fit)$coefficients
probit_out <- list(
  coef = unname(coef(probit_fit)), se_expected = unname(psm[, 2]),
  se_observed = sqrt(diag(solve(observed))),
  deviance = probit_fit$deviance, loglik = as.numeric(logLik(probit_fit)),
  iter = probit_fit$iter, iter_default = probit_default$iter,
  path = unname(path)
)

write_fixture(list(ships = ships_out, probit = probit_out), commandArgs(TRUE)[1])
