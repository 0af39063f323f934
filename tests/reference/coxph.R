# Reference Cox proportional-hazards fits from survival::coxph with its default
# control (eps = 1e-9, iter.max = 20, toler.chol = .Machine$double.eps^0.75),
# for the Efron and the Breslow approximation to tied event times, on the
# survival package's own data sets. Each model stores its covariate matrix
# (after na.omit), times and 0/1 events, so the Python tests fit exactly the
# numbers R fitted. Also a data set whose likelihood is monotone (the estimate
# is infinite), with the warning coxph gives.
source("_common.R")
library(survival)

fit_one <- function(name, formula, data, ties) {
  warns <- character(0)
  muffle <- function(w) {
    warns <<- c(warns, conditionMessage(w))
    invokeRestart("muffleWarning")
  }
  fit <- withCallingHandlers(coxph(formula, data = data, ties = ties, x = TRUE, y = TRUE),
                             warning = muffle)
  X <- fit$x
  s <- fit$y
  sm <- summary(fit)
  list(
    name = name,
    ties = ties,
    names = I(colnames(X)),
    X = X,
    time = as.numeric(s[, "time"]),
    event = as.integer(s[, "status"]),
    coef = unname(coef(fit)),
    se = unname(sqrt(diag(vcov(fit)))),
    cov = unname(vcov(fit)),
    loglik = fit$loglik,
    score = fit$score,
    wald = unname(fit$wald.test),
    iter = fit$iter,
    means = unname(fit$means),
    n = fit$n,
    nevent = fit$nevent,
    concordance = unname(fit$concordance["concordance"]),
    warnings = I(warns)
  )
}

# Subjects with x = 1 all fail before anyone with x = 0: the partial likelihood
# keeps rising as the coefficient of x grows.
monotone <- data.frame(time = c(1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
                       status = c(1, 1, 1, 0, 1, 1, 1, 0, 1, 1),
                       x = c(1, 1, 1, 1, 0, 0, 0, 0, 0, 0),
                       z = c(0.5, -1.2, 0.3, 2.0, -0.7, 1.1, -0.4, 0.9, -1.5, 0.2))

models <- list()
for (ties in c("efron", "breslow")) {
  models <- c(models, list(
    fit_one(paste0("lung_", ties), Surv(time, status) ~ age + sex + ph.ecog, lung, ties),
    fit_one(paste0("lung5_", ties),
            Surv(time, status) ~ age + sex + ph.ecog + ph.karno + wt.loss, lung, ties),
    fit_one(paste0("ovarian_", ties), Surv(futime, fustat) ~ age + ecog.ps + rx, ovarian, ties),
    fit_one(paste0("veteran_", ties),
            Surv(time, status) ~ trt + celltype + karno + diagtime + age + prior, veteran, ties),
    fit_one(paste0("monotone_", ties), Surv(time, status) ~ x + z, monotone, ties)
  ))
}
names(models) <- vapply(models, function(m) m$name, "")

write_fixture(list(models = models,
                   control = list(eps = coxph.control()$eps, iter_max = coxph.control()$iter.max,
                                  toler_chol = coxph.control()$toler.chol,
                                  toler_inf = coxph.control()$toler.inf),
                   veteran_levels = list(celltype = I(levels(veteran$celltype))),
                   survival_version = as.character(packageVersion("survival"))),
              commandArgs(TRUE)[1])
