#!/usr/bin/env Rscript
# Writes Tests/Fixtures/statistics/glm-cases.csv (inputs) and glm-reference.csv (R's answers):
# MASS::glm.nb with default control, Poisson and quasi-Poisson glm() with a log(exposure) offset (R's default control, and a
# tight epsilon = 1e-11 labelled *_tight), and lm() on log rates, for the
# seed series and for random count series with partial periods. Run from the repository root:
#   Rscript scripts/peers/make-glm-reference.R
# The Swift tests read both files; the numbers come from R, never from reconcile.
set.seed(20021130)
cases <- list()
cases[["mou"]] <- data.frame(year = 1993:2002, y = c(8, 51, 41, 56, 86, 71, 148, 312, 583, 629),
                             exposure = c(rep(1, 9), 211 / 365))
cases[["unhcr_persons"]] <- data.frame(year = 1998:2002, y = c(3, 11, 32, 82, 92),
                                       exposure = c(1, 1, 1, 1, 135 / 365))
cases[["unhcr_cases"]] <- data.frame(year = 1998:2002, y = c(3, 10, 26, 54, 61),
                                     exposure = c(1, 1, 1, 1, 135 / 365))
for (i in 1:12) {
  n <- sample(10:40, 1)
  start <- sample(1960:2000, 1)
  year <- start:(start + n - 1)
  exposure <- rep(1, n)
  partial <- sample(n, sample(1:3, 1))
  exposure[partial] <- round(runif(length(partial), 0.1, 0.95), 4)
  rate <- exp(runif(1, 0, 5) + runif(1, -0.15, 0.15) * (year - start))
  y <- rpois(n, rate * exposure * rgamma(n, shape = 5, rate = 5))
  if (i %% 4 == 0) y[sample(n, 1)] <- 0
  cases[[sprintf("random%02d", i)]] <- data.frame(year = year, y = y, exposure = exposure)
}
inputs <- do.call(rbind, lapply(names(cases), function(k) cbind(case = k, cases[[k]])))
write.csv(inputs, "Tests/Fixtures/statistics/glm-cases.csv", row.names = FALSE, quote = FALSE)

fmt <- function(x) sprintf("%.17g", x)
rows <- list()
add <- function(case, model, term, what, value) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, model = model, term = term, what = what, value = fmt(value))
}
ctl <- glm.control(epsilon = 1e-11, maxit = 100)
for (k in names(cases)) {
  d <- cases[[k]]
  for (variant in c("poisson", "quasipoisson", "poisson_tight", "quasipoisson_tight")) {
    fam <- sub("_tight", "", variant)
    m <- glm(y ~ year + offset(log(exposure)), family = get(fam), data = d,
             control = if (grepl("_tight", variant)) ctl else glm.control())
    if (!m$converged) stop(paste("R did not converge:", k, variant))
    s <- summary(m)
    for (t in c("(Intercept)", "year")) {
      add(k, variant, t, "estimate", coef(s)[t, 1])
      add(k, variant, t, "std_error", coef(s)[t, 2])
    }
    add(k, variant, "", "deviance", deviance(m))
    add(k, variant, "", "dispersion", s$dispersion)
    add(k, variant, "", "iterations", m$iter)
    if (fam == "poisson") {
      add(k, variant, "", "aic", AIC(m))
      add(k, variant, "", "log_likelihood", as.numeric(logLik(m)))
    }
  }
  nb <- suppressWarnings(MASS::glm.nb(y ~ year + offset(log(exposure)), data = d))
  s <- summary(nb)
  for (t in c("(Intercept)", "year")) {
    add(k, "negbin", t, "estimate", coef(s)[t, 1])
    add(k, "negbin", t, "std_error", coef(s)[t, 2])
  }
  add(k, "negbin", "", "theta", nb$theta)
  add(k, "negbin", "", "theta_se", nb$SE.theta)
  add(k, "negbin", "", "log_likelihood", nb$twologlik / 2)
  add(k, "negbin", "", "aic", AIC(nb))
  add(k, "negbin", "", "deviance", deviance(nb))
  # 1 when theta.ml stopped at its iteration limit (theta -> infinity: no overdispersion).
  add(k, "negbin", "", "theta_limit", as.numeric(!is.null(nb$th.warn)))
  pos <- d[d$y > 0, ]
  m <- lm(log(y / exposure) ~ year, data = pos)
  s <- summary(m)
  for (t in c("(Intercept)", "year")) {
    add(k, "loglinear", t, "estimate", coef(s)[t, 1])
    add(k, "loglinear", t, "std_error", coef(s)[t, 2])
  }
  add(k, "loglinear", "", "residual_sd", s$sigma)
  add(k, "loglinear", "", "r_squared", s$r.squared)
  add(k, "loglinear", "", "aic", AIC(m))
  add(k, "loglinear", "", "log_likelihood", as.numeric(logLik(m)))
}
out <- do.call(rbind, rows)
write.csv(out, "Tests/Fixtures/statistics/glm-reference.csv", row.names = FALSE, quote = TRUE)
cat("wrote", nrow(inputs), "input rows and", nrow(out), "reference values\n")
