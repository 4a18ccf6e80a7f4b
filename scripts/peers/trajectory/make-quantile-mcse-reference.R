#!/usr/bin/env Rscript
# Reference values of the quantiles' Monte Carlo standard errors for Sources/Statistics/
# Trajectory/TrajectoryQuantileMCSE.swift: R's `posterior` package (Vehtari et al. 2021),
# `ess_quantile` and `mcse_quantile`, on the chains of Tests/Fixtures/statistics/
# trajectory-diagnostics-draws.csv (written by make-diagnostics-reference.R).
# Usage (from the repository root): Rscript scripts/peers/trajectory/make-quantile-mcse-reference.R
# Writes Tests/Fixtures/statistics/trajectory-quantile-mcse-reference.csv
# (case, chains, prob, ess_quantile, mcse_quantile).
suppressPackageStartupMessages(library(posterior))
out <- "Tests/Fixtures/statistics"
draws <- read.csv(file.path(out, "trajectory-diagnostics-draws.csv"), colClasses = c("character", "integer", "numeric"))
probs <- c(0.05, 0.25, 0.5, 0.95, 1)
reference <- data.frame()
for (name in unique(draws$case)) {
  d <- draws[draws$case == name, ]
  chains <- max(d$chain)
  x <- matrix(d$value, ncol = chains)  # iterations x chains, chain after chain as in the file
  for (p in probs) {
    reference <- rbind(reference, data.frame(
      case = name, chains = chains, prob = p,
      ess_quantile = sprintf("%.17g", ess_quantile(x, p)),
      mcse_quantile = sprintf("%.17g", mcse_quantile(x, p))))
  }
}
write.csv(reference, file.path(out, "trajectory-quantile-mcse-reference.csv"), row.names = FALSE, quote = FALSE)
cat("posterior", as.character(packageVersion("posterior")), "\n")
