#!/usr/bin/env Rscript
# Writes Tests/Fixtures/joinpoint/joinpoint-cases.csv (inputs) and joinpoint-reference.csv
# (R's answers) for the joinpoint tests. Run from the repository root:
#   Rscript scripts/peers/joinpoint/make-joinpoint-reference.R
#
# For every series and K = 1, 2 the script does its own EXHAUSTIVE least-squares search over
# the admissible joinpoint positions: every K-subset of the candidate positions that satisfies
# the NCI-style rule (at least 2 observations strictly before the first joinpoint, at least 2
# strictly after the last, at least 2 strictly between consecutive joinpoints), each fitted
# with lm() on the hinge design y ~ t + (t - tau_1)+ + ... (weighted when the case has weights).
# Candidates are visited in lexicographic order and the first minimum of the RSS is kept.
# Written per (case, K): the joinpoints, the RSS, the runner-up RSS gap, each segment's slope
# (b1 + d_1 + ... + d_j) and its SE from vcov(), the AAPC slope over the whole range (segment
# slopes weighted by segment length) with its SE from vcov(), and fitted values with SEs from
# predict(se.fit = TRUE). Nothing here comes from reconcile.
set.seed(20240611)

cases <- list()
counts <- c(8, 51, 41, 56, 86, 71, 148, 312, 583, 629)
exposure <- c(rep(1, 9), 211 / 365)
cases[["mou"]] <- list(year = 1993:2002, y = log(counts / exposure), w = NULL, grid = 0)

for (i in 1:22) {
  n <- sample(8:30, 1)
  start <- sample(1970:2005, 1)
  year <- start:(start + n - 1)
  kTrue <- if (n >= 14) sample(1:2, 1) else 1
  # true joinpoints at admissible observed positions (index 3..n-2, gaps >= 3)
  repeat {
    idx <- sort(sample(3:(n - 2), kTrue))
    if (kTrue == 1 || diff(idx) >= 3) break
  }
  tau <- year[idx]
  slopes <- cumsum(c(runif(1, -0.15, 0.15), runif(kTrue, 0.1, 0.3) * sample(c(-1, 1), kTrue, TRUE)))
  mu <- runif(1, 0, 5) + slopes[1] * (year - start)
  for (k in seq_len(kTrue)) mu <- mu + (slopes[k + 1] - slopes[k]) * pmax(year - tau[k], 0)
  weighted <- i %% 3 == 0
  w <- if (weighted) round(runif(n, 0.3, 3), 3) else NULL
  sd <- runif(1, 0.01, 0.08)
  y <- mu + rnorm(n, 0, sd) / sqrt(if (weighted) w else 1)
  grid <- if (i %in% c(5, 11)) 4 else 0  # two cases searched on a quarter-year grid
  cases[[sprintf("random%02d", i)]] <- list(year = year, y = round(y, 10), w = w, grid = grid)
}

# Candidate positions: the observed years, or with grid m > 0 also t_j + i/m between them.
candidates <- function(year, m) {
  if (m == 0) return(year)
  out <- c()
  for (j in seq_along(year)) {
    out <- c(out, year[j])
    if (j < length(year)) {
      i <- 1
      while (year[j] + i / m < year[j + 1]) { out <- c(out, year[j] + i / m); i <- i + 1 }
    }
  }
  out
}

admissible <- function(taus, year, minEnd = 2, minBetween = 2) {
  if (sum(year < taus[1]) < minEnd) return(FALSE)
  if (sum(year > taus[length(taus)]) < minEnd) return(FALSE)
  if (length(taus) > 1) for (k in 2:length(taus)) {
    if (!(taus[k] > taus[k - 1])) return(FALSE)
    if (sum(year > taus[k - 1] & year < taus[k]) < minBetween) return(FALSE)
  }
  TRUE
}

design <- function(year, taus) {
  x <- data.frame(t = year - mean(year))
  for (k in seq_along(taus)) x[[paste0("h", k)]] <- pmax(year - taus[k], 0)
  x
}

fitOne <- function(year, y, w, taus) {
  d <- design(year, taus)
  d$y <- y
  if (is.null(w)) lm(y ~ ., data = d) else lm(y ~ ., data = d, weights = w)
}

rows <- list()
add <- function(case, k, quantity, index, value) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, k = k, quantity = quantity, index = index,
                                          value = sprintf("%.17g", value))
}

for (name in names(cases)) {
  cs <- cases[[name]]
  year <- cs$year; y <- cs$y; w <- cs$w
  pos <- candidates(year, cs$grid)
  for (K in 1:2) {
    combos <- combn(length(pos), K)
    best <- NULL; bestRSS <- Inf; second <- Inf
    for (c in seq_len(ncol(combos))) {
      taus <- pos[combos[, c]]
      if (!admissible(taus, year)) next
      f <- fitOne(year, y, w, taus)
      r <- sum((if (is.null(w)) 1 else w) * residuals(f)^2)
      if (r < bestRSS) { second <- bestRSS; bestRSS <- r; best <- taus }
      else if (r < second) second <- r
    }
    f <- fitOne(year, y, w, best)
    V <- vcov(f); b <- coef(f)
    for (k in seq_along(best)) add(name, K, "joinpoint", k, best[k])
    add(name, K, "rss", 0, bestRSS)
    add(name, K, "runnerUpGap", 0, (second - bestRSS) / bestRSS)
    # segment j slope = b_t + sum_{k <= j} d_k
    for (j in 0:K) {
      L <- c(0, 1, rep(1, j), rep(0, K - j))
      add(name, K, "slope", j, sum(L * b))
      add(name, K, "slopeSE", j, sqrt(drop(t(L) %*% V %*% L)))
    }
    # AAPC over [first year, last year]: slopes weighted by segment length
    edges <- c(min(year), best, max(year))
    lens <- diff(edges) / (max(year) - min(year))
    L <- c(0, 1, sapply(seq_len(K), function(k) sum(lens[(k + 1):(K + 1)])))
    add(name, K, "aapcSlope", 0, sum(L * b))
    add(name, K, "aapcSE", 0, sqrt(drop(t(L) %*% V %*% L)))
    p <- predict(f, se.fit = TRUE)
    for (i in seq_along(year)) {
      add(name, K, "fitted", i - 1, p$fit[i])
      add(name, K, "fittedSE", i - 1, p$se.fit[i])
    }
  }
}

inputs <- do.call(rbind, lapply(names(cases), function(k) {
  cs <- cases[[k]]
  data.frame(case = k, grid = cs$grid, year = cs$year, y = sprintf("%.17g", cs$y),
             weight = if (is.null(cs$w)) "" else sprintf("%.17g", cs$w))
}))
dir.create("Tests/Fixtures/joinpoint", showWarnings = FALSE, recursive = TRUE)
write.csv(inputs, "Tests/Fixtures/joinpoint/joinpoint-cases.csv", row.names = FALSE, quote = FALSE)
write.csv(do.call(rbind, rows), "Tests/Fixtures/joinpoint/joinpoint-reference.csv",
          row.names = FALSE, quote = FALSE)

# Optional cross-check with segmented (Muggeo 2003, Stat Med 22:3055), which estimates the
# breakpoint continuously: on a series with a clear break its K = 1 estimate should lie within
# one period of the grid answer, and its RSS can only be at most the grid RSS. (On the MoU
# series segmented reports "No breakpoint estimated", so a random series with a clear break
# is used.) Printed only; nothing is written.
if (requireNamespace("segmented", quietly = TRUE)) {
  for (name in c("random03", "random16")) {
    cs <- cases[[name]]
    d <- data.frame(t = cs$year, y = cs$y, w = if (is.null(cs$w)) 1 else cs$w)
    grid <- as.numeric(subset(do.call(rbind, rows), case == name & k == 1 & quantity == "joinpoint")$value)
    gridRSS <- as.numeric(subset(do.call(rbind, rows), case == name & k == 1 & quantity == "rss")$value)
    s <- segmented::segmented(lm(y ~ t, data = d, weights = w), seg.Z = ~t, psi = grid)
    message(sprintf("segmented %s K=1: breakpoint %.4f (grid %g), RSS %.6g (grid %.6g)",
                    name, s$psi[1, "Est."], grid, sum(d$w * residuals(s)^2), gridRSS))
  }
}
