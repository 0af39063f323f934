# What R's glm() does on the cases behind the defects D1-D8 of issue 12, so that
# the tests compare mathkit.irls with R there too.
#
# d1: a valid fit with one far-out row (x = 1e5); the data are numpy's
#     default_rng(0) draws of the issue's reproducer, written out in full.
# d2: alternating offsets of +-10 and a coin-flip y: glm.fit's IRLS cycles and
#     "converges" at a deviance far above the maximum, which exists; the maximum
#     is found by optim (BFGS) and polished by glm() started there.
# d3: Poisson counts near 1e160: R fails ("NA/NaN/Inf in 'x'").
# d6: a binomial y of 2 on a row of weight 0: R ignores it.
# d7: X = [1, x1, x1 + 1e-6 z]: R's QR (tolerance 1e-11) keeps all three columns;
#     with x1 + 0 z the third is aliased and its coefficient is NA.
# d8: Poisson counts that are not integers: AIC is Inf, logLik -Inf.
source("_common.R")

quiet_glm <- function(...) {
  warns <- character(0)
  args <- list(...)  # evaluated here, so that glm() sees values, not promises through ...
  fit <- withCallingHandlers(
    tryCatch(do.call(glm, args), error = function(e) conditionMessage(e)),
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  if (is.character(fit)) return(list(error = fit, warnings = I(unique(warns))))
  list(coef = unname(coef(fit)), se = unname(summary(fit)$coefficients[, 2]),
       iter = fit$iter, converged = fit$converged, deviance = fit$deviance,
       null_deviance = fit$null.deviance, aic = fit$aic,
       loglik = as.numeric(logLik(fit)), fitted = unname(fitted(fit)),
       warnings = I(unique(warns)))
}
tight <- glm.control(epsilon = 1e-10, maxit = 100)

d1_x <- c(0.1257302210933933, -0.13210486329130189, 0.64042265044328206, 0.10490011715303971, -0.53566937316111096, 0.36159505490948474, 1.3040000451301372, 0.94708096312924217, -0.7037352358069926, -1.2654214710460525, -0.62327446253735219, 0.041325979347243601, -2.3250307746388343, -0.21879166393254573, -1.2459109472530652, -0.73226735470345161, -0.54425898285730989, -0.31630015636915454, 0.41163053637413283, 1.0425133694426776, -0.12853466294403426, 1.3664634705496859, -0.66519467348661354, 0.35151007009301971, 0.90347018165180859, 0.094012297760874566, -0.7434992493538084, -0.92172537625841944, -0.45772582566733916, 0.22019512347004941, -1.0096181835387359, -0.20917557487171307, -0.15922500991447772, 0.54084558468580768, 0.21465912250634089, 0.35537270903992141, -0.65382860941833942, -0.12961363369276946, 0.7839754700613295, 1.4934311452207607, -1.2590655321041202, 1.5139237747390626, 1.3458754237823045, 0.78131140070042748, 0.26445563032930353, -0.31392281453642779, 1.4580206835369587, 1.9602583164499647, 1.8016348698661251, 1.31510376473437, 0.35738041065895598, -1.2083186322821715, -0.0044541331200832288, 0.65647493507633581, -1.2883614637495544, 0.39512206018200824, 0.42986369482223002, 0.69604272396286848, -1.1841179667571891, -0.66170257203903493, -0.43643524714322124, -1.1698019077728641, 1.739367877130134, -0.49591072844215189, 0.32896962946020208, -0.258572545473924, 1.5834728788021222, 1.3203609870818391, 0.63335262282491522, -2.2035098806466507, 0.052028974259886507, 0.68368619077653447, 1.0039615758421696, -0.61790704470760083, 1.8220113633283233, -1.3204309700132935, -0.66152802181521908, 0.93504998811402207, 0.049054613825311656, 2.0023925836452552, 0.18851919251246557, -0.63319409019222672, -0.37756350523280824, -1.0911461176191954, -1.277680166386608, 0.63041149076823189, 0.58116581241280574, 1.2945588194411171, -0.7546057912599311, 1.6891074524436731, -0.28738770780866629, 1.5744082788445868, -0.43278584718259677, -0.73548329234227505, 0.24978537155866684, 1.0314530848694723, 0.16100957671534466, -0.58552882412333662, -1.3412197140766691, 100000)
d1_y <- c(1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 0, 0, 1)
d1 <- list(x = d1_x, y = d1_y,
           default = quiet_glm(d1_y ~ d1_x, family = binomial),
           tight = quiet_glm(d1_y ~ d1_x, family = binomial, control = tight))

set.seed(3)
n <- 200
d2_x <- rnorm(n)
d2_offset <- rep(c(10, -10), n / 2)
d2_y <- rbinom(n, 1, 0.5)
d2_dev <- function(b) {
  eta <- b[1] + b[2] * d2_x + d2_offset
  2 * sum(log1p(exp(-abs(eta))) + pmax(eta, 0) - d2_y * eta)
}
d2_bfgs <- optim(c(0, 0), d2_dev, method = "BFGS", control = list(reltol = 1e-14, maxit = 1000))
d2 <- list(x = d2_x, y = d2_y, offset = d2_offset,
           glm = quiet_glm(d2_y ~ d2_x, family = binomial, offset = d2_offset, control = tight),
           bfgs = list(par = d2_bfgs$par, deviance = d2_bfgs$value),
           optimum = quiet_glm(d2_y ~ d2_x, family = binomial, offset = d2_offset,
                               start = d2_bfgs$par, control = tight))

d3_x <- c(0, 1, 2, 3, 4, 5)
d3_y <- c(1e158, 3e158, 1e159, 2e159, 6e159, 1e160)
d3 <- list(x = d3_x, y = d3_y, glm = quiet_glm(d3_y ~ d3_x, family = poisson))

d6_x <- c(1, 3, 2, 5, 4, 6, 7)
d6_y <- c(0, 1, 0, 0, 1, 1, 2)
d6_w <- c(1, 1, 1, 1, 1, 1, 0)
d6 <- list(x = d6_x, y = d6_y, weights = d6_w,
           glm = quiet_glm(d6_y ~ d6_x, family = binomial, weights = d6_w, control = tight),
           dropped = quiet_glm(d6_y[1:6] ~ d6_x[1:6], family = binomial, control = tight))

set.seed(11)
d7_x1 <- rnorm(50)
d7_z <- rnorm(50)
d7_x2 <- d7_x1 + 1e-6 * d7_z
d7_y <- rbinom(50, 1, plogis(0.3 + d7_x1))
d7_aliased <- glm(d7_y ~ d7_x1 + I(d7_x1 + 0 * d7_z), family = binomial)
d7 <- list(X = cbind(1, d7_x1, d7_x2), y = d7_y,
           glm = quiet_glm(d7_y ~ d7_x1 + d7_x2, family = binomial, control = tight),
           aliased_coef = unname(coef(d7_aliased)))

d8_x <- c(1, 3, 2, 5, 4, 6)
d8_y <- c(0, 0.5, 2, 1, 3, 2.5)
d8 <- list(x = d8_x, y = d8_y, glm = quiet_glm(d8_y ~ d8_x, family = poisson, control = tight))

write_fixture(list(d1 = d1, d2 = d2, d3 = d3, d6 = d6, d7 = d7, d8 = d8), commandArgs(TRUE)[1])
