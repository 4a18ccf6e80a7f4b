#!/usr/bin/env Rscript
# Draws the 20 random data sets of the trajectory reference (issue #28) from the model's own
# prior generative process, and writes each as Tests/Fixtures/trajectory/random-NN/data.json in
# the format TrajectoryStan.dataJSON writes (same keys, same order, 1-based indices, 0 for no
# group or reference), plus truth.csv with the values drawn (log-level, level, biases, the
# hyperparameters, which statements were drawn as outliers). Run from the repository root:
#   Rscript scripts/peers/trajectory/make-datasets.R
# Base R only; fixed seed, so the output is the same on every run of the same R.
#
# Per data set: T in 5..25 years, N in 5..50 statements, S in 1..4 series; sometimes a
# reference series, sometimes evidence groups (2-4 statements each), sometimes priors other
# than the defaults. Then, as the model says:
#   x[1] ~ N(levelCenter, levelScale), x[t] = x[t-1] + tau z[t], tau ~ N+(0, smoothnessScale)
#   b[s] = sigmaB eta[s] (0 for the reference), sigmaB ~ N+(0, biasScale)
#   e[g] = omega u[g], omega ~ N+(0, errorScale)
#   sigma[i] ~ U(0.1, 0.6); s[i] = sigma[i] in a group, sqrt(sigma[i]^2 + omega^2) alone;
#   outlier with probability p, then sd sqrt(s^2 + outlierScale^2);
#   y*[i] ~ N(x[year] + b[series] + e[group], sd).
# A statement is then written as one of the four kinds, each drawn at least once per data set:
#   point y*; lower bound "at least" y* - U(0.05, 0.7); upper bound "at most" y* + U(0.05, 0.7);
#   interval y* - U(0.1, 1) .. y* + U(0.1, 1) (y is then the interval's midpoint, unused).
# Values are rounded to 4 decimals (sigma to 3, levelCenter to 2) so that they read back exactly
# in any language.
set.seed(20280028)
root <- "Tests/Fixtures/trajectory"

num <- function(v) {
  # JSON numbers as Swift's Double.description writes them for these rounded values.
  s <- sprintf("%.15g", v)
  ifelse(grepl("[.e]", s), s, paste0(s, ".0"))
}
arr <- function(v, f = num) paste0("[", paste(f(v), collapse = ", "), "]")
ints <- function(v) arr(v, function(x) sprintf("%d", as.integer(x)))

for (k in 1:20) {
  nT <- sample(5:25, 1)
  N <- sample(5:50, 1)
  S <- sample(1:4, 1)
  pri <- list(levelCenter = round(runif(1, -1, 9), 2), levelScale = 2.5, smoothnessScale = 0.5,
              biasScale = 0.5, errorScale = 0.5, outlierProbability = 0.1, outlierScale = 1.5)
  if (k %% 4 == 0) {  # other priors, so that a prior wired wrongly shows
    pri$levelScale <- sample(c(1.5, 4), 1)
    pri$smoothnessScale <- sample(c(0.25, 1), 1)
    pri$biasScale <- sample(c(0.25, 1), 1)
    pri$errorScale <- sample(c(0.25, 1), 1)
    pri$outlierProbability <- sample(c(0.05, 0.2), 1)
    pri$outlierScale <- sample(c(1, 2.5), 1)
  }
  reference <- if (runif(1) < 0.4) sample(1:S, 1) else 0L

  # Evidence groups: disjoint sets of 2-4 statements.
  group <- integer(N)
  G <- 0L
  if (runif(1) < 0.6) {
    pool <- sample(N)
    for (g in seq_len(sample(1:min(4, N %/% 3), 1))) {
      size <- sample(2:4, 1)
      if (length(pool) < size) break
      G <- G + 1L
      group[pool[1:size]] <- G
      pool <- pool[-(1:size)]
    }
  }

  # The latent quantities, from their priors.
  z <- rnorm(nT)
  tau <- abs(rnorm(1, 0, pri$smoothnessScale))
  x <- pri$levelCenter + pri$levelScale * z[1] + c(0, cumsum(tau * z[-1]))
  eta <- rnorm(S)
  sigmaB <- abs(rnorm(1, 0, pri$biasScale))
  b <- sigmaB * eta
  if (reference > 0) b[reference] <- 0
  omega <- abs(rnorm(1, 0, pri$errorScale))
  e <- omega * rnorm(G)

  # The statements.
  year <- sample(1:nT, N, replace = TRUE)
  series <- sample(1:S, N, replace = TRUE)
  sigma <- round(runif(N, 0.1, 0.6), 3)
  s <- ifelse(group > 0, sigma, sqrt(sigma^2 + omega^2))
  outlier <- runif(N) < pri$outlierProbability
  sd <- ifelse(outlier, sqrt(s^2 + pri$outlierScale^2), s)
  mu <- x[year] + b[series] + ifelse(group > 0, c(0, e)[group + 1], 0)
  ystar <- rnorm(N, mu, sd)
  kind <- sample(1:4, N, replace = TRUE, prob = c(0.55, 0.15, 0.15, 0.15))
  kind[sample(N, 4)] <- 1:4
  y <- low <- high <- numeric(N)
  for (i in 1:N) {
    if (kind[i] == 1) y[i] <- ystar[i]
    if (kind[i] == 2) y[i] <- ystar[i] - runif(1, 0.05, 0.7)
    if (kind[i] == 3) y[i] <- ystar[i] + runif(1, 0.05, 0.7)
    if (kind[i] == 4) {
      low[i] <- round(ystar[i] - runif(1, 0.1, 1), 4)
      high[i] <- round(ystar[i] + runif(1, 0.1, 1), 4)
      y[i] <- (low[i] + high[i]) / 2
    }
  }
  y <- round(y, 4)

  dir <- file.path(root, sprintf("random-%02d", k))
  dir.create(dir, recursive = TRUE, showWarnings = FALSE)
  json <- c(
    sprintf('  "T": %d', nT), sprintf('  "N": %d', N), sprintf('  "S": %d', S), sprintf('  "G": %d', G),
    paste0('  "year": ', ints(year)), paste0('  "series": ', ints(series)),
    paste0('  "group": ', ints(group)), paste0('  "kind": ', ints(kind)),
    paste0('  "y": ', arr(y)), paste0('  "low": ', arr(low)), paste0('  "high": ', arr(high)),
    paste0('  "sigma": ', arr(sigma)), sprintf('  "reference": %d', reference),
    sprintf('  "%s": %s', names(pri), num(unlist(pri))))
  writeLines(c("{", paste(json, collapse = ",\n"), "}"), file.path(dir, "data.json"))

  truth <- rbind(
    data.frame(quantity = "x", index = 1:nT, value = x),
    data.frame(quantity = "level", index = 1:nT, value = exp(x)),
    data.frame(quantity = "bias", index = 1:S, value = b),
    data.frame(quantity = c("tau", "sigmaB", "omega"), index = 1, value = c(tau, sigmaB, omega)),
    data.frame(quantity = "outlier", index = 1:N, value = as.numeric(outlier)))
  truth$value <- signif(truth$value, 6)
  write.csv(truth, file.path(dir, "truth.csv"), row.names = FALSE, quote = FALSE)
  cat(sprintf("random-%02d: T=%d N=%d S=%d G=%d reference=%d kinds=%s outliers=%d\n", k, nT, N, S, G,
              reference, paste(tabulate(kind, 4), collapse = "/"), sum(outlier)))
}
