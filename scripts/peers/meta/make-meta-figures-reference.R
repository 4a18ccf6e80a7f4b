#!/usr/bin/env Rscript
# Reference values for `reconcile meta` on a figures file, from metafor's rma(), predict() and
# weights().
#
# Reads Tests/Fixtures/meta/figures.csv (the figures format of datasets/) and, independently of
# reconcile, turns the rows of one quantity into log estimates: a row enters when it states both
# `low` and `high` (positive, low < high) and restates no other figure (`derived_from` empty);
# yi = log(value), or log(sqrt(low * high)) when it states no value; sei = (log(high) -
# log(low)) / (2 z), z = qnorm((1 + coverage) / 2), coverage the row's own, else the default
# (0.9, or the scenario's). Then for every tau^2 estimator and both tests it writes every key of
# the JSON (`estimate`... on the log scale; `natural_*` = exp of the estimate and interval ends)
# and, per figure, `yi:ID`, `sei:ID` and `weight:ID` (percent, as weights()), into
# Tests/Fixtures/meta/figures-reference.csv (scenario, method, test, key, value).
#
# Scenarios: excess_deaths (coverage default 0.9), excess_deaths-coverage-0.5 (rows without a
# coverage read at 0.5, as `--coverage 0.5`), displaced (the file's second quantity).
# Run from the repository root:   Rscript scripts/peers/meta/make-meta-figures-reference.R
suppressPackageStartupMessages(library(metafor))
cat("metafor", as.character(packageVersion("metafor")), "\n")
figs <- read.csv("Tests/Fixtures/meta/figures.csv", colClasses = "character")
number <- function(x) suppressWarnings(as.numeric(gsub(",", "", x)))

inputs <- function(quantity, default_coverage) {
  d <- figs[figs$quantity == quantity, ]
  value <- number(d$value); low <- number(d$low); high <- number(d$high)
  coverage <- ifelse(d$coverage == "", default_coverage, number(d$coverage))
  use <- !is.na(low) & !is.na(high) & low > 0 & low < high & d$derived_from == ""
  centre <- ifelse(is.na(value), sqrt(low * high), value)
  z <- qnorm((1 + coverage) / 2)
  data.frame(id = d$id, yi = log(centre), sei = (log(high) - log(low)) / (2 * z))[use, ]
}

num <- function(x) if (is.null(x) || length(x) == 0 || is.na(x)) "NA" else sprintf("%.17g", x)
rows <- list()
add <- function(scenario, method, test, key, value) {
  rows[[length(rows) + 1]] <<- data.frame(scenario = scenario, method = method, test = test, key = key,
                                          value = num(value))
}
scenarios <- list(
  list("excess_deaths", "excess_deaths", 0.9, c("FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")),
  list("excess_deaths-coverage-0.5", "excess_deaths", 0.5, c("REML", "DL")),
  list("displaced", "displaced", 0.9, c("REML")))
for (s in scenarios) {
  d <- inputs(s[[2]], s[[3]])
  for (method in s[[4]]) {
    for (test in c("z", "knha")) {
      m <- rma(yi = d$yi, sei = d$sei, method = method, test = test)
      p <- predict(m)
      w <- weights(m)
      vals <- list(
        k = m$k, estimate = as.numeric(m$b), std_error = m$se, ci_low = m$ci.lb, ci_high = m$ci.ub,
        pi_low = if (is.null(p$pi.lb)) p$ci.lb else p$pi.lb,
        pi_high = if (is.null(p$pi.ub)) p$ci.ub else p$pi.ub,
        tau2 = m$tau2, i2 = m$I2, h2 = m$H2, q = m$QE, q_p = m$QEp, statistic = m$zval, p_value = m$pval)
      vals$natural_estimate <- exp(vals$estimate)
      vals$natural_ci_low <- exp(vals$ci_low); vals$natural_ci_high <- exp(vals$ci_high)
      vals$natural_pi_low <- exp(vals$pi_low); vals$natural_pi_high <- exp(vals$pi_high)
      for (n in names(vals)) add(s[[1]], method, test, n, vals[[n]])
      for (i in seq_len(nrow(d))) {
        add(s[[1]], method, test, paste0("yi:", d$id[i]), d$yi[i])
        add(s[[1]], method, test, paste0("sei:", d$id[i]), d$sei[i])
        add(s[[1]], method, test, paste0("weight:", d$id[i]), w[[i]])
      }
    }
  }
}
out <- do.call(rbind, rows)
write.csv(out, "Tests/Fixtures/meta/figures-reference.csv", row.names = FALSE, quote = FALSE)
cat("wrote", nrow(out), "reference values\n")
