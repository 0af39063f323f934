# R's default random numbers (Mersenne-Twister, set.seed scrambling, Inversion
# normals) for several seeds and lengths; mathkit.rcompat.RNG must match them.
source("_common.R")
stopifnot(identical(RNGkind(), c("Mersenne-Twister", "Inversion", "Rejection")))

seeds <- c(0, 1, 7, 42, 123456, -5, 2147483647)
lengths <- c(1, 5, 20, 1000, 2000)  # 2000 uniforms cross three state regenerations

streams <- lapply(seeds, function(s) {
  cases <- lapply(lengths, function(n) {
    set.seed(s); u <- runif(n)
    set.seed(s); z <- rnorm(n)
    # Long vectors: every 13th value and the last (1-based index kept), which
    # samples every 624-word block and keeps the fixture small.
    keep <- if (n <= 20 || (s == 42 && n == 2000)) seq_len(n) else unique(c(seq(1, n, by = 13), n))
    list(n = n, index = I(keep), runif = I(u[keep]), rnorm = I(z[keep]))
  })
  # One stream, several calls: the state carries over between them.
  set.seed(s)
  mixed <- list(runif_3 = I(runif(3)), rnorm_4 = I(rnorm(4)),
                # 700 more uniforms push the stream past a state regeneration.
                runif_700_tail = I(tail(runif(700, min = -2, max = 5), 10)),
                rnorm_5 = I(rnorm(5, mean = 10, sd = 0.25)),
                rnorm_sd0 = I(rnorm(2, mean = 3, sd = 0)),  # draws nothing
                runif_2 = I(runif(2)))
  list(seed = s, cases = cases, mixed = mixed)
})
# The whole state (.Random.seed) right after set.seed, for edge-case seeds, and
# after the mixed calls for one seed.
states <- lapply(c(0, -5, 2147483647), function(s) { set.seed(s); I(.Random.seed) })
set.seed(42); invisible(runif(3)); invisible(rnorm(4)); invisible(runif(700, -2, 5))
state_42_after <- .Random.seed

# qnorm, the heart of Inversion, across its three branches and the extreme tail.
p <- c(1e-300, 1e-20, 8.7e-19, 1e-12, 1.3887e-11, 1e-6, 0.01, 0.074, 0.075, 0.076,
       0.2, 0.5, 0.6, 0.924, 0.925, 0.926, 0.99, 1 - 1e-6, 1 - 1e-12)
# The article's regression data.
set.seed(7)
x_obs <- 1:20
y_obs <- 2 + 0.5 * x_obs + rnorm(20, sd = 0.5)

write_fixture(list(streams = streams, random_seed_after_set = states,
                   random_seed_42_after_mixed = I(state_42_after),
                   qnorm_p = I(p), qnorm = I(qnorm(p)),
                   seed7 = list(x_obs = I(x_obs), y_obs = I(y_obs))),
              commandArgs(TRUE)[1])
