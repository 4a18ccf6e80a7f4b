# Reference values for the trend's prediction intervals (issue #29), from R alone:
#   Tests/Fixtures/trend/prediction-reference.csv — the predictive distribution function of a
#     count, F(y) = ∫∫ F_count(y | e^(eta + se·z), s) φ(z) φ(u) dz du (s = log θ or log φ with
#     its standard error), by nested adaptive quadrature (`integrate`), and its 2.5% and 97.5%
#     quantiles (the smallest whole y with F(y) ≥ p) — independent of reconcile's trapezoid rule;
#   Tests/Fixtures/trend/prediction-series.csv — 200 series of 20 negative binomial counts
#     (mean 40·e^(0.15 t), t = 0…19, θ log-uniform on 5–20) and the next count (t = 20), drawn by
#     `rnbinom` (seed 2029), for the small calibration test;
#   Tests/Fixtures/trend/nb-fixed-theta-reference.csv — glm(y ~ t, family =
#     negative.binomial(theta)) coefficients and standard errors.
# Usage (from the repository root; needs MASS): Rscript scripts/peers/trend/make-prediction-reference.R
suppressMessages(library(MASS))
out <- "Tests/Fixtures/trend/"

cdf_count <- function(y, mu, theta) ifelse(is.finite(theta), pnbinom(y, size = theta, mu = mu), ppois(y, mu))
# F(y) for a family: "negbin" (theta, logse = se of log theta), "quasipoisson" (phi, df), "poisson".
predictive_cdf <- function(y, family, eta, se, a, b) {
  tol <- 1e-11
  inner <- function(s, scale) {
    f <- function(z) {
      mu <- exp(eta + se * scale * z)
      th <- switch(family, negbin = rep(exp(s), length(z)), poisson = rep(Inf, length(z)),
                   quasipoisson = if (exp(s) > 1) mu / (exp(s) - 1) else rep(Inf, length(z)))
      cdf_count(y, mu, th) * dnorm(z)
    }
    if (se == 0) return(f(0) / dnorm(0))
    integrate(f, -9, 9, subdivisions = 2000L, rel.tol = tol, abs.tol = 1e-14)$value / (pnorm(9) - pnorm(-9))
  }
  if (family == "poisson") return(inner(0, 1))
  centre <- if (family == "negbin") log(a) else log(a)
  sd <- if (family == "negbin") b else sqrt(2 / b)
  g <- function(u) sapply(u, function(uu) {
    s <- centre + sd * uu
    inner(s, if (family == "quasipoisson") exp((s - centre) / 2) else 1) * dnorm(uu)
  })
  if (sd == 0) return(inner(centre, 1))
  integrate(g, -7, 7, subdivisions = 500L, rel.tol = 1e-10)$value / (pnorm(7) - pnorm(-7))
}
quantile_of <- function(p, ...) {
  lo <- -1; hi <- 1
  while (predictive_cdf(hi, ...) < p) { lo <- hi; hi <- hi * 2 }
  while (hi - lo > 1) { m <- (lo + hi) %/% 2; if (predictive_cdf(m, ...) >= p) hi <- m else lo <- m }
  hi
}
cases <- list(
  list("negbin", log(804), 0.12, 9.5, 0.38),
  list("negbin", log(804), 0.0, 9.5, 0.0),
  list("negbin", log(12.5), 0.4, 2.2, 0.5),
  list("negbin", log(1226), 0.25, 7.792, 0.52),
  list("negbin", log(3000), 1.1, 1.5, 0.26),
  list("quasipoisson", log(804), 0.1, 4.0, 18),
  list("quasipoisson", log(35), 0.3, 0.8, 10),
  list("poisson", log(804), 0.05, 0, 0)
)
rows <- do.call(rbind, lapply(cases, function(cs) {
  fam <- cs[[1]]; eta <- cs[[2]]; se <- cs[[3]]; a <- cs[[4]]; b <- cs[[5]]
  lo <- quantile_of(0.025, fam, eta, se, a, b); hi <- quantile_of(0.975, fam, eta, se, a, b)
  y1 <- round(exp(eta))
  data.frame(family = fam, eta = sprintf("%.17g", eta), se = se, spread = a, spread_b = b,
             y = y1, cdf = sprintf("%.12g", predictive_cdf(y1, fam, eta, se, a, b)),
             low = lo, high = hi,
             cdf_low_minus_1 = sprintf("%.12g", predictive_cdf(lo - 1, fam, eta, se, a, b)),
             cdf_high = sprintf("%.12g", predictive_cdf(hi, fam, eta, se, a, b)))
}))
write.csv(rows, paste0(out, "prediction-reference.csv"), row.names = FALSE, quote = FALSE)

set.seed(2029)
t <- 0:19
series <- do.call(rbind, lapply(1:200, function(i) {
  theta <- exp(runif(1, log(5), log(20)))
  mu <- 40 * exp(0.15 * 0:20)
  y <- rnbinom(21, size = theta, mu = mu)
  c(i, theta, y)
}))
colnames(series) <- c("series", "theta", paste0("y", 0:19), "next")
write.csv(series, paste0(out, "prediction-series.csv"), row.names = FALSE, quote = FALSE)

fixed <- do.call(rbind, lapply(list(list(c(312, 583), 7.792), list(c(8, 51, 41, 56, 86, 71, 148), 3.1)), function(cs) {
  y <- cs[[1]]; tt <- seq_along(y) - 1
  f <- glm(y ~ tt, family = negative.binomial(cs[[2]]), control = glm.control(epsilon = 1e-12))
  s <- summary(f, dispersion = 1)$coefficients
  data.frame(counts = paste(y, collapse = " "), theta = cs[[2]],
             intercept = sprintf("%.15g", s[1, 1]), slope = sprintf("%.15g", s[2, 1]),
             se_intercept = sprintf("%.15g", s[1, 2]), se_slope = sprintf("%.15g", s[2, 2]))
}))
write.csv(fixed, paste0(out, "nb-fixed-theta-reference.csv"), row.names = FALSE, quote = FALSE)
