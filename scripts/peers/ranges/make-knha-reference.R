# scripts/peers/ranges/make-knha-reference.R — metafor's Knapp–Hartung CI, the Higgins,
# Thompson & Spiegelhalter (2009) prediction interval and the Q-profile interval of tau^2 for
# sets of stated ranges read as `ranges` reads them (a range at coverage c: the log midpoint,
# sd = (log high - log low) / (2 qnorm((1 + c) / 2))), at level 0.9; and, for
# `ranges --interval z`, the Wald z CI and z prediction interval of rma(..., test = "z") and
# predict().
# Writes Tests/Fixtures/meta/ranges-knha-reference.csv. Run from the project root:
#   Rscript scripts/peers/ranges/make-knha-reference.R
suppressPackageStartupMessages(library(metafor))
cases <- list(
  five = rbind(c(50000, 300000), c(20000, 99999), c(100000, 300000), c(10000, 300000), c(30000, 120000)),
  three = rbind(c(10.8e6, 12.3e6), c(11.0e6, 12.0e6), c(16.2e6, 29.5e6)),
  four = rbind(c(100, 400), c(150, 300), c(120, 500), c(90, 250)),
  agree = rbind(c(1000, 1200), c(1010, 1190), c(990, 1210), c(1005, 1195), c(995, 1205)),
  wide = rbind(c(7101, 50000), c(20000, 858552), c(30000, 300000), c(5000, 40000), c(100000, 600000), c(60000, 90000))
)
level <- 0.9
z <- qnorm((1 + level) / 2)
rows <- list()
for (name in names(cases)) {
  r <- cases[[name]]
  yi <- (log(r[, 1]) + log(r[, 2])) / 2
  sei <- (log(r[, 2]) - log(r[, 1])) / (2 * z)
  vi <- sei^2
  k <- length(yi)
  ordinary <- rma(yi, vi, method = "DL", test = "z", level = 100 * level)
  knha <- rma(yi, vi, method = "DL", test = "knha", level = 100 * level)
  zpred <- predict(ordinary, level = 100 * level)
  half <- qt((1 + level) / 2, df = k - 2) * sqrt(ordinary$tau2 + ordinary$se^2)
  # uniroot to 1e-13 (its default tolerance, 1.2e-4, is coarser than the comparison).
  ci <- confint(ordinary, level = 100 * level, control = list(tol = 1e-13, maxiter = 10000))$random
  rows[[name]] <- data.frame(
    case = name, k = k, lows = paste(format(r[, 1], scientific = FALSE, trim = TRUE), collapse = ";"),
    highs = paste(format(r[, 2], scientific = FALSE, trim = TRUE), collapse = ";"),
    estimate = sprintf("%.17g", as.numeric(ordinary$b)), se = sprintf("%.17g", ordinary$se),
    ci_low = sprintf("%.17g", knha$ci.lb), ci_high = sprintf("%.17g", knha$ci.ub),
    pi_low = sprintf("%.17g", as.numeric(ordinary$b) - half), pi_high = sprintf("%.17g", as.numeric(ordinary$b) + half),
    tau2 = sprintf("%.17g", ordinary$tau2), tau2_low = sprintf("%.17g", ci["tau^2", "ci.lb"]),
    tau2_high = sprintf("%.17g", ci["tau^2", "ci.ub"]),
    z_ci_low = sprintf("%.17g", ordinary$ci.lb), z_ci_high = sprintf("%.17g", ordinary$ci.ub),
    z_pi_low = sprintf("%.17g", zpred$pi.lb), z_pi_high = sprintf("%.17g", zpred$pi.ub),
    weights = paste(sprintf("%.17g", weights(ordinary) / 100), collapse = ";"))
}
out <- do.call(rbind, rows)
write.csv(out, "Tests/Fixtures/meta/ranges-knha-reference.csv", row.names = FALSE, quote = TRUE)
cat(sprintf("metafor %s: %d cases\n", packageVersion("metafor"), nrow(out)))
