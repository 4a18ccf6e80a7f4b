#!/usr/bin/env Rscript
# Reference values of the convergence diagnostics for Sources/Statistics/Trajectory/
# TrajectoryDiagnostics.swift: rank-normalised split R-hat, bulk ESS and tail ESS of R's
# `posterior` package (Vehtari et al. 2021) on a few sets of chains.
# Usage (from the repository root): Rscript scripts/peers/trajectory/make-diagnostics-reference.R
# Writes Tests/Fixtures/statistics/trajectory-diagnostics-draws.csv (case, chain, value, in
# iteration order) and trajectory-diagnostics-reference.csv (case, chains, rhat, ess_bulk, ess_tail).
suppressPackageStartupMessages(library(posterior))
set.seed(2028)
ar1 <- function(n, phi) {
  x <- numeric(n)
  x[1] <- rnorm(1) / sqrt(1 - phi^2)
  for (i in 2:n) x[i] <- phi * x[i - 1] + rnorm(1)
  x
}
cases <- list(
  independent = sapply(1:4, function(c) rnorm(100)),
  ar09 = sapply(1:4, function(c) ar1(200, 0.9)),
  shifted = sapply(1:4, function(c) rnorm(120) + (c == 1) * 0.8),
  odd = sapply(1:3, function(c) ar1(101, 0.5)),
  heavy = sapply(1:2, function(c) exp(rt(150, df = 2))),
  ties = sapply(1:4, function(c) round(rnorm(80), 1)),
  antithetic = sapply(1:4, function(c) ar1(100, -0.6)),
  one = matrix(ar1(200, 0.3), ncol = 1)
)
draws <- data.frame()
reference <- data.frame()
for (name in names(cases)) {
  x <- cases[[name]]
  for (c in seq_len(ncol(x))) {
    draws <- rbind(draws, data.frame(case = name, chain = c, value = sprintf("%.17g", x[, c])))
  }
  reference <- rbind(reference, data.frame(
    case = name, chains = ncol(x), rhat = sprintf("%.17g", rhat(x)),
    ess_bulk = sprintf("%.17g", ess_bulk(x)), ess_tail = sprintf("%.17g", ess_tail(x))))
}
out <- "Tests/Fixtures/statistics"
write.csv(draws, file.path(out, "trajectory-diagnostics-draws.csv"), row.names = FALSE, quote = FALSE)
write.csv(reference, file.path(out, "trajectory-diagnostics-reference.csv"), row.names = FALSE, quote = FALSE)
cat("posterior", as.character(packageVersion("posterior")), "\n")
