#!/usr/bin/env Rscript
# Writes Tests/Fixtures/joinpoint/count-cases.csv (inputs) and count-reference.csv (R's answers)
# for the joinpoint models of counts (`trend --model joinpoint --joinpoint-model poisson|negbin|
# weighted`). Run from the repository root:
#   Rscript scripts/peers/joinpoint-count/make-joinpoint-count-reference.R
#
# For every series and K = 0..3 (as far as the series admits K) the script does its own
# EXHAUSTIVE search over the admissible joinpoint placements: joinpoints at observed years,
# at least 2 observations strictly before the first joinpoint and strictly after the last, at
# least 2 strictly between consecutive joinpoints (NCI Joinpoint's rule, as the least-squares
# reference does). Each placement is fitted on the hinge design y ~ t + (t - tau_1)+ + ... by
#   poisson:  glm(family = poisson, offset = log(exposure)), best = smallest deviance;
#   negbin:   MASS::glm.nb(... + offset(log(exposure))), best = largest log-likelihood;
#   weighted: lm(log(y / exposure) ~ ..., weights = y), best = smallest weighted RSS
#             (the weight of log(y/e) is 1/Var(log(y/e)) ~ mu ~ y under Poisson variation).
# Placements are visited in lexicographic order and the first optimum is kept. Written per
# (case, model, K): the joinpoints, the coefficients on [1, t, hinges] with t uncentred, their
# standard errors, the log-likelihood (poisson, negbin), theta (negbin), the RSS (weighted),
# the Pearson dispersion and the likelihood-ratio statistic against glm.nb at the same joinpoints
# (poisson),
# and per (case, model) the K chosen by BIC = -2 loglik + (2K + 2 [+1 for theta]) log(n).
# Nothing here comes from reconcile.
suppressPackageStartupMessages(library(MASS))
set.seed(20261207)

cases <- list()
# The 2002 printing of the Ministry of Unification's arrivals (datasets/mou-arrivals.csv, the
# 2003-01-01 vintage): 1993-2001 and 629 by July 30, 2002 (exposure 211/365).
cases[["mou-2002"]] <- list(year = 1993:2002, y = c(8, 51, 41, 56, 86, 71, 148, 312, 583, 629),
                            e = c(rep(1, 9), 211 / 365), nb = TRUE)
# The table's single years 2002-2024 (the latest printing, its buckets left out).
cases[["mou-single"]] <- list(year = 2002:2024,
  y = c(1142, 1285, 1898, 1384, 2028, 2554, 2803, 2914, 2402, 2706, 1502, 1514, 1397, 1275, 1418,
        1127, 1137, 1047, 229, 63, 67, 196, 236), e = rep(1, 23), nb = TRUE)

for (i in 1:20) {
  n <- sample(9:22, 1)
  start <- sample(1975:2005, 1)
  year <- start:(start + n - 1)
  kTrue <- if (n >= 14) sample(0:2, 1) else sample(0:1, 1)
  repeat {
    idx <- sort(sample(3:(n - 2), kTrue))
    if (kTrue <= 1 || all(diff(idx) >= 3)) break
  }
  tau <- year[idx]
  slopes <- cumsum(c(runif(1, -0.12, 0.12), runif(kTrue, 0.1, 0.3) * sample(c(-1, 1), kTrue, TRUE)))
  eta <- log(runif(1, 20, 400)) + slopes[1] * (year - start)
  for (k in seq_len(kTrue)) eta <- eta + (slopes[k + 1] - slopes[k]) * pmax(year - tau[k], 0)
  e <- rep(1, n)
  if (i %% 4 == 0) e[n] <- round(runif(1, 0.3, 0.9), 4)  # a partial last year
  mu <- exp(eta) * e
  overdispersed <- i %% 2 == 0
  y <- if (overdispersed) rnbinom(n, size = runif(1, 8, 40), mu = mu) else rpois(n, mu)
  y <- pmax(y, 1)  # positive counts, so that log(y/e) exists for the weighted fit
  cases[[sprintf("random%02d", i)]] <- list(year = year, y = y, e = e, nb = overdispersed)
}

admissible <- function(taus, year, minEnd = 2, minBetween = 2) {
  if (length(taus) == 0) return(TRUE)
  if (sum(year < taus[1]) < minEnd) return(FALSE)
  if (sum(year > taus[length(taus)]) < minEnd) return(FALSE)
  if (length(taus) > 1) for (k in 2:length(taus)) {
    if (!(taus[k] > taus[k - 1])) return(FALSE)
    if (sum(year > taus[k - 1] & year < taus[k]) < minBetween) return(FALSE)
  }
  TRUE
}

placements <- function(year, K) {
  if (K == 0) return(list(numeric(0)))
  combos <- combn(length(year), K)
  out <- list()
  for (c in seq_len(ncol(combos))) {
    taus <- year[combos[, c]]
    if (admissible(taus, year)) out[[length(out) + 1]] <- taus
  }
  out
}

# The hinge design with t centred (for the fit's accuracy); coefficients are mapped back to
# uncentred t: b0 = a0 - c a1, with the covariance J V J'.
frame <- function(year, y, e, taus) {
  c0 <- mean(year)
  d <- data.frame(y = y, t = year - c0, off = log(e))
  for (k in seq_along(taus)) d[[paste0("h", k)]] <- pmax(year - taus[k], 0)
  list(d = d, c0 = c0)
}
formulaFor <- function(K, lhs) {
  as.formula(paste(lhs, "~ t", if (K > 0) paste("+", paste0("h", 1:K, collapse = " + ")) else ""))
}
uncentre <- function(b, V, c0) {
  J <- diag(length(b)); J[1, 2] <- -c0
  list(b = drop(J %*% b), se = sqrt(diag(J %*% V %*% t(J))))
}

fitPoisson <- function(year, y, e, taus) {
  f <- frame(year, y, e, taus)
  glm(formulaFor(length(taus), "y"), family = poisson, data = f$d, offset = off,
      control = glm.control(epsilon = 1e-12, maxit = 200))
}
fitNB <- function(year, y, e, taus) {
  f <- frame(year, y, e, taus)
  fo <- update(formulaFor(length(taus), "y"), . ~ . + offset(off))
  withCallingHandlers(
    glm.nb(fo, data = f$d, control = glm.control(epsilon = 1e-12, maxit = 500)),
    warning = function(w) stop(conditionMessage(w)))
}
fitWeighted <- function(year, y, e, taus) {
  f <- frame(year, y, e, taus)
  f$d$ly <- log(y / e)
  lm(formulaFor(length(taus), "ly"), data = f$d, weights = y)
}

rows <- list()
add <- function(case, model, k, quantity, index, value) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, model = model, k = k, quantity = quantity,
                                          index = index, value = sprintf("%.17g", value))
}

for (name in names(cases)) {
  cs <- cases[[name]]
  year <- cs$year; y <- cs$y; e <- cs$e; n <- length(year)
  kMax <- 0
  while (kMax < 3 && n >= 2 * (kMax + 1) + 3 && length(placements(year, kMax + 1)) > 0) kMax <- kMax + 1
  models <- c("poisson", "weighted", if (cs$nb) "negbin")
  for (model in models) {
    bic <- c()
    results <- list()
    allOK <- TRUE
    for (K in 0:kMax) {
      ok <- TRUE
      best <- NULL; bestScore <- Inf; bestFit <- NULL
      for (taus in placements(year, K)) {
        f <- tryCatch(switch(model, poisson = fitPoisson(year, y, e, taus), negbin = fitNB(year, y, e, taus),
                             weighted = fitWeighted(year, y, e, taus)), error = function(err) NULL)
        if (is.null(f)) { ok <- FALSE; next }
        score <- switch(model, poisson = deviance(f), negbin = -f$twologlik / 2,
                        weighted = sum(y * residuals(f)^2))
        if (score < bestScore) { bestScore <- score; best <- taus; bestFit <- f }
      }
      if (!ok) {
        # A placement R cannot fit (glm.nb: theta iteration or alternation limit, theta running
        # off to infinity): R has no exhaustive answer for this K, which is left out.
        cat(sprintf("%s %s K=%d: a placement failed in R; left out of the reference\n", name, model, K))
        allOK <- FALSE
        results[[K + 1]] <- list(taus = NULL, fit = NULL)
        next
      }
      results[[K + 1]] <- list(taus = best, fit = bestFit)
      if (model != "weighted") {
        ll <- if (model == "negbin") bestFit$twologlik / 2 else as.numeric(logLik(bestFit))
        bic <- c(bic, -2 * ll + (2 * K + 2 + (model == "negbin")) * log(n))
      }
    }
    for (K in 0:kMax) {
      r <- results[[K + 1]]; f <- r$fit
      if (is.null(f)) next
      for (k in seq_along(r$taus)) add(name, model, K, "joinpoint", k, r$taus[k])
      u <- uncentre(coef(f), vcov(f), mean(year))
      for (j in seq_along(u$b)) {
        add(name, model, K, "coefficient", j - 1, u$b[j])
        add(name, model, K, "se", j - 1, u$se[j])
      }
      if (model == "poisson") {
        add(name, model, K, "loglik", 0, as.numeric(logLik(f)))
        # Pearson dispersion of the Poisson fit and the LR test against glm.nb at the same joinpoints.
        add(name, model, K, "dispersion", 0, sum(residuals(f, "pearson")^2) / df.residual(f))
        # AAPC over [second year, last but one]: the segment slopes weighted by their length inside
        # it (Clegg et al. 2009), L = (0, 1, c_k), c_k = (to - max(from, tau_k))+ / (to - from).
        from <- year[2]; to <- year[n - 1]
        L <- c(0, 1, vapply(r$taus, function(tau) max(0, to - max(from, tau)) / (to - from), numeric(1)))
        add(name, model, K, "aapcSlope", 0, sum(L * u$b))
        J <- diag(length(u$b)); J[1, 2] <- -mean(year)
        add(name, model, K, "aapcSE", 0, sqrt(drop(t(L) %*% J %*% vcov(f) %*% t(J) %*% L)))
        nb <- tryCatch(fitNB(year, y, e, r$taus), error = function(err) NULL)
        # (glm.nb's log-likelihood loses its digits when theta runs off past about 1e6: no LR then)
        if (!is.null(nb) && nb$theta < 1e6) add(name, model, K, "lrNB", 0, 2 * (nb$twologlik / 2 - as.numeric(logLik(f))))
      }
      if (model == "negbin") { add(name, model, K, "loglik", 0, f$twologlik / 2); add(name, model, K, "theta", 0, f$theta) }
      if (model == "weighted") add(name, model, K, "rss", 0, sum(y * residuals(f)^2))
    }
    if (model != "weighted" && allOK) add(name, model, -1, "chosenK", 0, which.min(bic) - 1)
  }
}

inputs <- do.call(rbind, lapply(names(cases), function(k) {
  cs <- cases[[k]]
  data.frame(case = k, year = cs$year, count = cs$y, exposure = sprintf("%.17g", cs$e))
}))
dir.create("Tests/Fixtures/joinpoint", showWarnings = FALSE, recursive = TRUE)
write.csv(inputs, "Tests/Fixtures/joinpoint/count-cases.csv", row.names = FALSE, quote = FALSE)
write.csv(do.call(rbind, rows), "Tests/Fixtures/joinpoint/count-reference.csv", row.names = FALSE, quote = FALSE)
