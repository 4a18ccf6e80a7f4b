#!/usr/bin/env Rscript
# Writes the composite link model's reference (issue #29, item 1) under Tests/Fixtures/composite:
#   cases.csv      the inputs: per case the modelled years, the joinpoints of the trend design
#                  and one row per bucket (first year, last year, published count);
#   years.csv      per case and modelled year, the exposure (1 unless a year is partial);
#   reference.csv  R's answers (case, family, term, what, value).
# Run from the repository root:
#   Rscript scripts/peers/composite/make-composite-reference.R
#
# The model (Thompson & Baker 1981; Eilers 2007): per modelled year t, log mu_t = x_t'beta +
# log e_t, with x_t = (1, t - mean(t), max(0, t - k) for each joinpoint k); each published
# count y_j covers a bucket B_j of whole years, and E[y_j] = lambda_j = sum over t in B_j of
# mu_t. The likelihoods are written here directly, on the bucket totals:
#   poisson: y_j ~ Poisson(lambda_j)                (dpois)
#   negbin:  y_j ~ NB(mean lambda_j, size theta)    (dnbinom(size = theta, mu = lambda_j)):
#            NB2 on the bucket total with one theta for every bucket, whatever its length.
# Each is maximised by optim(method = "BFGS", reltol = 1e-15, maxit = 10000) from a crude start
# (theta on the log scale), then polished by Newton steps whose Hessian is optimHess's finite
# differences of the gradient, until the step is below 1e-13 of the parameters. The gradient is
# coded here and checked against numDeriv::grad before use. The covariance is the inverse of the
# OBSERVED information -d2 logLik at the maximum, computed by numDeriv::jacobian (Richardson
# extrapolation) of the gradient and checked against numDeriv::hessian of the log-likelihood
# itself; for negbin it is the joint (beta, log theta) information, so the coefficients' SEs
# allow for theta being estimated, and SE(theta) = theta * SE(log theta).
# Quasi-Poisson: the Poisson estimates, dispersion = Pearson X2 / (n - p) on the buckets.
# Intervals (yearly means, bucket totals, the 1993-2022 and 1993-2024 sums of the official
# cases) are Wald intervals on the log scale (delta method), level 0.95, with z quantiles (t(n - p)
# for quasi-Poisson).
# Nothing here comes from reconcile.
suppressPackageStartupMessages(library(numDeriv))
set.seed(20240629)
dir <- "Tests/Fixtures/composite"
dir.create(dir, showWarnings = FALSE, recursive = TRUE)

# ---- cases ------------------------------------------------------------------------------
cases <- list()
bucket <- function(first, last, count) data.frame(first = first, last = last, count = count)
singles <- function(years, counts) bucket(years, years, counts)
official <- rbind(
  bucket(1993, 1998, 947),  # "up to 1998", counted from a stated start of 1993
  bucket(1999, 2001, 1043),
  singles(2002:2024, c(1142, 1285, 1898, 1384, 2028, 2554, 2803, 2914, 2402, 2706, 1502, 1514,
                       1397, 1275, 1418, 1127, 1137, 1047, 229, 63, 67, 196, 236)))
cases[["official"]] <- list(first = 1993, last = 2024, joinpoints = numeric(0), b = official,
                            e = rep(1, 32))
cases[["official_hinges"]] <- list(first = 1993, last = 2024, joinpoints = c(1998, 2008),
                                   b = official, e = rep(1, 32))
cases[["older_singles"]] <- list(first = 1993, last = 2001, joinpoints = numeric(0),
                                 b = singles(1993:2001, c(8, 51, 41, 56, 86, 71, 148, 312, 583)),
                                 e = rep(1, 9))

design <- function(first, last, joinpoints) {
  t <- first:last
  X <- cbind(1, t - mean(t))
  names <- c("(Intercept)", "year")
  for (k in joinpoints) {
    X <- cbind(X, pmax(0, t - k))
    names <- c(names, sprintf("hinge(%g)", k))
  }
  colnames(X) <- names
  X
}

# Random series: yearly NB counts on a log-linear trend (a hinge in every third), summed over
# random buckets of 1-4 years; every fifth leaves some years unpublished (a gap); every fourth
# has a partial last year. Drawn again (same stream) until both fits have an interior maximum.
random_case <- function(i) {
  n <- sample(8:30, 1)
  first <- sample(1960:2005, 1)
  last <- first + n - 1
  years <- first:last
  joinpoints <- if (i %% 3 == 0) years[sample(4:(n - 3), 1)] + 0 else numeric(0)
  e <- rep(1, n)
  if (i %% 4 == 0) e[n] <- round(runif(1, 0.3, 0.9), 4)
  X <- design(first, last, joinpoints)
  beta <- c(log(runif(1, 5, 3000)), runif(1, -0.15, 0.15), runif(length(joinpoints), -0.3, 0.3))
  mu <- as.vector(exp(X %*% beta)) * e
  y <- rnbinom(n, size = runif(1, 2, 30), mu = mu)
  b <- NULL
  s <- 1
  while (s <= n) {
    len <- min(n - s + 1, sample(1:4, 1, prob = c(0.45, 0.25, 0.2, 0.1)))
    skip <- i %% 5 == 0 && s > 1 && runif(1) < 0.2
    if (!skip) b <- rbind(b, bucket(years[s], years[s + len - 1], sum(y[s:(s + len - 1)])))
    s <- s + len
  }
  list(first = first, last = last, joinpoints = joinpoints, b = b, e = e)
}

# ---- likelihoods ------------------------------------------------------------------------
setup <- function(k) {
  X <- design(k$first, k$last, k$joinpoints)
  C <- matrix(0, nrow(k$b), nrow(X))
  for (j in seq_len(nrow(k$b))) C[j, (k$b$first[j]:k$b$last[j]) - k$first + 1] <- 1
  list(X = X, C = C, y = k$b$count, off = log(k$e), p = ncol(X))
}
means <- function(s, beta) as.vector(exp(s$X %*% beta[1:s$p] + s$off))
totals <- function(s, beta) as.vector(s$C %*% means(s, beta))

loglik <- function(s, family) {
  if (family == "poisson") {
    function(par) sum(dpois(s$y, totals(s, par), log = TRUE))
  } else {
    function(par) sum(dnbinom(s$y, size = exp(par[s$p + 1]), mu = totals(s, par), log = TRUE))
  }
}
# d logLik / d beta = A' dl/dlambda with A = C diag(mu) X; d / d log(theta) for negbin.
score <- function(s, family) {
  function(par) {
    mu <- means(s, par)
    lam <- as.vector(s$C %*% mu)
    A <- s$C %*% (mu * s$X)
    y <- s$y
    if (family == "poisson") return(as.vector(crossprod(A, y / lam - 1)))
    th <- exp(par[s$p + 1])
    dl <- y / lam - (y + th) / (th + lam)
    dth <- sum(digamma(y + th) - digamma(th) + log(th) + 1 - log(th + lam) - (y + th) / (th + lam))
    c(as.vector(crossprod(A, dl)), th * dth)
  }
}

maximise <- function(s, family, start) {
  f <- loglik(s, family)
  g <- score(s, family)
  nf <- function(par) -f(par)
  ng <- function(par) -g(par)
  gn <- numDeriv::grad(f, start)
  if (max(abs(gn - g(start)) / pmax(1, abs(gn))) > 1e-6) stop("the coded score disagrees with numDeriv")
  o <- optim(start, nf, ng, method = "BFGS", control = list(reltol = 1e-15, maxit = 10000))
  if (o$convergence != 0) stop("optim did not converge")
  par <- o$par
  newton <- 0
  for (it in 1:100) {
    H <- optimHess(par, nf, ng, control = list(ndeps = rep(1e-5, length(par))))
    step <- solve(H, ng(par))
    trial <- par - step
    while (nf(trial) > nf(par) + 1e-12 * abs(nf(par))) {
      step <- step / 2
      trial <- par - step
    }
    par <- trial
    newton <- it
    if (max(abs(step) / pmax(1, abs(par))) < 1e-13) break
  }
  info <- -numDeriv::jacobian(g, par)
  info <- (info + t(info)) / 2
  check <- -numDeriv::hessian(f, par)
  if (max(abs(info - check) / max(abs(info))) > 1e-6) stop("observed information: jacobian and hessian disagree")
  cov <- solve(info)
  scaled <- max(abs(g(par)) * sqrt(diag(cov)))
  if (scaled > 1e-8) stop(sprintf("gradient %g at the maximum", scaled))
  list(par = par, cov = cov, loglik = f(par), optim_iterations = o$counts[["gradient"]],
       newton = newton, scaled_gradient = scaled)
}

# ---- fitting and writing ----------------------------------------------------------------
fmt <- function(x) sprintf("%.17g", x)
rows <- list()
add <- function(case, family, term, what, value) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, family = family, term = term, what = what,
                                          value = fmt(value))
}
z <- qnorm(0.975)

fit_case <- function(name, k) {
  s <- setup(k)
  covered <- colSums(s$C) > 0
  start <- c(log(sum(s$y) / sum(covered) + 0.5), rep(0, s$p - 1))
  fits <- list()
  fits$poisson <- maximise(s, "poisson", start)
  lam <- totals(s, fits$poisson$par)
  theta0 <- length(s$y) / sum((s$y / lam - 1)^2)
  fits$negbin <- maximise(s, "negbin", c(fits$poisson$par, log(min(max(theta0, 0.01), 1e4))))
  th <- exp(fits$negbin$par[s$p + 1])
  if (th > 1e5) return(NULL)
  for (family in c("poisson", "negbin", "quasipoisson")) {
    f <- fits[[if (family == "negbin") "negbin" else "poisson"]]
    beta <- f$par[1:s$p]
    cov <- f$cov[1:s$p, 1:s$p]
    mu <- means(s, beta)
    lam <- totals(s, beta)
    y <- s$y
    theta <- if (family == "negbin") exp(f$par[s$p + 1]) else Inf
    v <- if (family == "negbin") lam + lam^2 / theta else lam
    pearson <- sum((y - lam)^2 / v)
    dispersion <- if (family == "quasipoisson") pearson / (length(y) - s$p) else 1
    cov <- cov * dispersion
    for (i in 1:s$p) {
      add(name, family, colnames(s$X)[i], "estimate", beta[i])
      add(name, family, colnames(s$X)[i], "std_error", sqrt(cov[i, i]))
    }
    dev <- if (family == "negbin") {
      2 * sum(ifelse(y > 0, y * log(y / lam), 0) - (y + theta) * log((y + theta) / (lam + theta)))
    } else {
      2 * sum(ifelse(y > 0, y * log(y / lam), 0) - (y - lam))
    }
    add(name, family, "", "deviance", dev)
    add(name, family, "", "pearson", pearson)
    add(name, family, "", "dispersion", dispersion)
    if (family != "quasipoisson") {
      add(name, family, "", "log_likelihood", f$loglik)
      add(name, family, "", "scaled_gradient", f$scaled_gradient)
      add(name, family, "", "newton_steps", f$newton)
    }
    if (family == "negbin") {
      add(name, family, "", "theta", theta)
      add(name, family, "", "theta_se", theta * sqrt(f$cov[s$p + 1, s$p + 1]))
    }
    # Interval ends: Wald on the log scale with z (t(n - p) for quasi-Poisson).
    q <- if (family == "quasipoisson") qt(0.975, length(y) - s$p) else z
    ends <- function(est, grad_log) {
      se <- sqrt(as.numeric(t(grad_log) %*% cov %*% grad_log))
      c(est * exp(-q * se), est * exp(q * se))
    }
    A <- s$C %*% (mu * s$X)
    for (j in seq_along(y)) {
      label <- sprintf("%d-%d", k$b$first[j], k$b$last[j])
      ci <- ends(lam[j], A[j, ] / lam[j])
      add(name, family, label, "bucket_fitted", lam[j])
      add(name, family, label, "bucket_low", ci[1])
      add(name, family, label, "bucket_high", ci[2])
    }
    years <- k$first:k$last
    for (t in seq_along(years)) {
      ci <- ends(mu[t], s$X[t, ])
      add(name, family, years[t], "mean", mu[t])
      add(name, family, years[t], "mean_low", ci[1])
      add(name, family, years[t], "mean_high", ci[2])
    }
    if (k$first == 1993 && k$last == 2024) {
      for (through in c(2022, 2024)) {
        idx <- years <= through
        total <- sum(mu[idx])
        ci <- ends(total, colSums(mu[idx] * s$X[idx, , drop = FALSE]) / total)
        label <- sprintf("1993-%d", through)
        add(name, family, label, "cumulative_fitted", total)
        add(name, family, label, "cumulative_low", ci[1])
        add(name, family, label, "cumulative_high", ci[2])
      }
    }
  }
  TRUE
}

for (name in names(cases)) if (is.null(fit_case(name, cases[[name]]))) stop(paste("theta unbounded:", name))
i <- 1
while (i <= 20) {
  name <- sprintf("random%02d", i)
  k <- random_case(i)
  if (nrow(k$b) < ncol(design(k$first, k$last, k$joinpoints)) + 3) next
  ok <- tryCatch(fit_case(name, k), error = function(e) NULL)
  if (is.null(ok)) {
    # Drop the rows of the failed attempt and draw again.
    rows <- Filter(function(r) r$case != name, rows)
    next
  }
  cases[[name]] <- k
  i <- i + 1
}

inputs <- do.call(rbind, lapply(names(cases), function(n) {
  k <- cases[[n]]
  data.frame(case = n, first_year = k$first, last_year = k$last,
             joinpoints = paste(k$joinpoints, collapse = ";"),
             bucket_first = k$b$first, bucket_last = k$b$last, count = k$b$count)
}))
write.csv(inputs, file.path(dir, "cases.csv"), row.names = FALSE, quote = FALSE)
years <- do.call(rbind, lapply(names(cases), function(n) {
  k <- cases[[n]]
  data.frame(case = n, year = k$first:k$last, exposure = fmt(k$e))
}))
write.csv(years, file.path(dir, "years.csv"), row.names = FALSE, quote = FALSE)
out <- do.call(rbind, rows)
write.csv(out, file.path(dir, "reference.csv"), row.names = FALSE, quote = FALSE)
cat("wrote", length(cases), "cases,", nrow(inputs), "buckets and", nrow(out), "reference values\n")
