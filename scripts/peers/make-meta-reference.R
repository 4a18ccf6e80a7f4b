#!/usr/bin/env Rscript
# Writes Tests/Fixtures/statistics/meta-cases.csv (inputs yi, vi) and meta-reference.csv:
# metafor's rma(method = "DL") and rma(method = "FE") with predict(), for random sets of 2-50
# estimates and for metafor's dat.bcg log risk ratios. Run from the repository root:
#   Rscript scripts/peers/make-meta-reference.R
suppressPackageStartupMessages(library(metafor))
set.seed(7)
cases <- list()
dat <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
cases[["bcg"]] <- data.frame(yi = as.numeric(dat$yi), vi = as.numeric(dat$vi))
for (i in 1:20) {
  k <- sample(2:50, 1)
  vi <- runif(k, 0.01, 1)
  yi <- rnorm(k, runif(1, -2, 2), sqrt(vi + runif(1, 0, 0.5)))
  cases[[sprintf("random%02d", i)]] <- data.frame(yi = yi, vi = vi)
}
inputs <- do.call(rbind, lapply(names(cases), function(k) cbind(case = k, cases[[k]])))
inputs$yi <- sprintf("%.17g", inputs$yi); inputs$vi <- sprintf("%.17g", inputs$vi)
write.csv(inputs, "Tests/Fixtures/statistics/meta-cases.csv", row.names = FALSE, quote = FALSE)
rows <- list()
for (k in names(cases)) {
  d <- cases[[k]]
  for (method in c("DL", "FE")) {
    m <- rma(yi, vi, data = d, method = method)
    p <- predict(m)
    vals <- c(estimate = as.numeric(m$b), std_error = m$se, ci_low = m$ci.lb, ci_high = m$ci.ub,
              pi_low = if (is.null(p$pi.lb)) p$ci.lb else p$pi.lb,
              pi_high = if (is.null(p$pi.ub)) p$ci.ub else p$pi.ub,
              tau2 = m$tau2, q = m$QE, q_p = m$QEp, i2 = m$I2, h2 = m$H2)
    for (n in names(vals)) rows[[length(rows) + 1]] <- data.frame(case = k, method = method, what = n, value = sprintf("%.17g", vals[[n]]))
  }
}
out <- do.call(rbind, rows)
write.csv(out, "Tests/Fixtures/statistics/meta-reference.csv", row.names = FALSE, quote = TRUE)
cat("wrote", length(cases), "cases\n")
