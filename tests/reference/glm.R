# Reference GLM fits from R's glm(): binomial (logit) and Poisson (log) models
# on R data sets, with prior weights and offsets, plus what glm() does on
# separated data. Each model stores its design matrix, so the Python tests fit
# exactly the numbers R fitted.
#
# Every model is fitted twice: with glm.control(epsilon = 1e-10), the default
# tolerance of mathkit.irls (all reported numbers come from this fit), and with
# R's default epsilon = 1e-8 (iteration count and coefficients, to check that
# both implementations walk the same path).
source("_common.R")
library(MASS)  # Insurance

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
  tight_warnings <- warns
  warns <- character(0)
  dflt <- fit_with(1e-8)
  X <- model.matrix(fit)
  sm <- summary(fit)$coefficients
  list(
    name = name,
    family = family()$family,
    names = I(colnames(X)),
    X = X,
    y = unname(as.numeric(fit$y)),
    weights = if (is.null(weights)) NULL else unname(as.numeric(weights)),
    offset = if (is.null(offset)) NULL else unname(as.numeric(offset)),
    coef = unname(coef(fit)),
    se = unname(sm[, 2]),
    z = unname(sm[, 3]),
    p = unname(sm[, 4]),
    cov = unname(vcov(fit)),
    deviance = fit$deviance,
    null_deviance = fit$null.deviance,
    loglik = as.numeric(logLik(fit)),
    aic = fit$aic,
    df_residual = fit$df.residual,
    df_null = fit$df.null,
    iter = fit$iter,
    converged = fit$converged,
    fitted = unname(fitted(fit)),
    warnings = I(tight_warnings),
    default = list(iter = dflt$iter, converged = dflt$converged,
                   coef = unname(coef(dflt)), deviance = dflt$deviance,
                   warnings = I(warns))
  )
}

esoph_num <- within(esoph, {
  total <- ncases + ncontrols
  prop <- ncases / total
})
budworm <- data.frame(ldose = rep(0:5, 2),
                      numdead = c(1, 4, 9, 13, 18, 20, 0, 2, 6, 10, 12, 16),
                      sex = factor(rep(c("M", "F"), c(6, 6))))
warp <- warpbreaks
warp_w <- rep(c(1, 2, 3), length.out = nrow(warp))
# Complete separation: y = 1 exactly when x > 5.5. Quasi-complete: two rows
# at x = 5 with y = 0 and y = 1 sit on the separating line.
sep <- data.frame(x = c(1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
                  y = c(0, 0, 0, 0, 0, 1, 1, 1, 1, 1))
quasi <- data.frame(x = c(1, 2, 3, 4, 5, 5, 6, 7, 8, 9),
                    y = c(0, 0, 0, 0, 0, 1, 1, 1, 1, 1))

models <- list(
  fit_one("am_mpg_hp", am ~ mpg + hp, mtcars, binomial),
  fit_one("am_mpg_hp_wt", am ~ mpg + hp + wt, mtcars, binomial),
  fit_one("vs_mpg_wt_disp", vs ~ mpg + wt + disp, mtcars, binomial),
  fit_one("budworm", numdead / 20 ~ sex + ldose, budworm, binomial,
          weights = rep(20, 12)),
  fit_one("esoph", prop ~ agegp + alcgp + tobgp, esoph_num, binomial,
          weights = esoph_num$total),
  fit_one("am_hp_offset", am ~ hp, mtcars, binomial,
          offset = 0.2 * (mtcars$mpg - 20)),
  fit_one("carb_hp_wt", carb ~ hp + wt, mtcars, poisson),
  fit_one("insurance", Claims ~ District + Group + Age, Insurance, poisson,
          offset = log(Insurance$Holders)),
  fit_one("warpbreaks_weighted", breaks ~ wool + tension, warp, poisson,
          weights = warp_w),
  # Without an intercept R's null model is mu = linkinv(offset), no fit needed.
  fit_one("am_no_intercept", am ~ 0 + hp + wt, mtcars, binomial),
  fit_one("carb_no_intercept_offset", carb ~ 0 + wt + cyl, mtcars, poisson,
          offset = log(mtcars$hp / 100)),
  fit_one("separated", y ~ x, sep, binomial),
  fit_one("quasi_separated", y ~ x, quasi, binomial)
)
names(models) <- vapply(models, function(m) m$name, "")

write_fixture(list(models = models), commandArgs(TRUE)[1])
