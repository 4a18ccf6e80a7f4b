#!/usr/bin/env Rscript
# R's nls on the 27 NIST StRD nonlinear problems × 2 starting points (54 fits), with the
# default Gauss–Newton algorithm and with algorithm = "port" (PORT library, nl2sol).
# Prints, per fit, whether nls returned without error and the minimum log relative error
# (LRE) of the estimates and standard errors against NIST's certified values, then counts.
# Also writes Tests/Fixtures/nonlinear/nls-reference.csv: R's estimates, SEs, t intervals,
# sigma, RSS, logLik and AIC for a few sets from Start 2, which the Swift tests read.
# Run from the repository root:  Rscript scripts/peers/nist-nls.R
# The NIST folder is $NIST_STRD_DIR or ../shared/reference/nist-strd.

dir <- Sys.getenv("NIST_STRD_DIR", "../shared/reference/nist-strd")
nl <- file.path(dir, "nonlinear")
stopifnot(dir.exists(nl))

formulas <- list(
  Misra1a = y ~ b1 * (1 - exp(-b2 * x)),
  Chwirut2 = y ~ exp(-b1 * x) / (b2 + b3 * x),
  Chwirut1 = y ~ exp(-b1 * x) / (b2 + b3 * x),
  Lanczos3 = y ~ b1 * exp(-b2 * x) + b3 * exp(-b4 * x) + b5 * exp(-b6 * x),
  Gauss1 = y ~ b1 * exp(-b2 * x) + b3 * exp(-(x - b4)^2 / b5^2) + b6 * exp(-(x - b7)^2 / b8^2),
  Gauss2 = y ~ b1 * exp(-b2 * x) + b3 * exp(-(x - b4)^2 / b5^2) + b6 * exp(-(x - b7)^2 / b8^2),
  DanWood = y ~ b1 * x^b2,
  Misra1b = y ~ b1 * (1 - (1 + b2 * x / 2)^(-2)),
  Kirby2 = y ~ (b1 + b2 * x + b3 * x^2) / (1 + b4 * x + b5 * x^2),
  Hahn1 = y ~ (b1 + b2 * x + b3 * x^2 + b4 * x^3) / (1 + b5 * x + b6 * x^2 + b7 * x^3),
  Nelson = log(y) ~ b1 - b2 * x1 * exp(-b3 * x2),
  MGH17 = y ~ b1 + b2 * exp(-x * b4) + b3 * exp(-x * b5),
  Lanczos1 = y ~ b1 * exp(-b2 * x) + b3 * exp(-b4 * x) + b5 * exp(-b6 * x),
  Lanczos2 = y ~ b1 * exp(-b2 * x) + b3 * exp(-b4 * x) + b5 * exp(-b6 * x),
  Gauss3 = y ~ b1 * exp(-b2 * x) + b3 * exp(-(x - b4)^2 / b5^2) + b6 * exp(-(x - b7)^2 / b8^2),
  Misra1c = y ~ b1 * (1 - (1 + 2 * b2 * x)^(-.5)),
  Misra1d = y ~ b1 * b2 * x * ((1 + b2 * x)^(-1)),
  Roszman1 = y ~ b1 - b2 * x - atan(b3 / (x - b4)) / pi,
  ENSO = y ~ b1 + b2 * cos(2 * pi * x / 12) + b3 * sin(2 * pi * x / 12) + b5 * cos(2 * pi * x / b4) +
    b6 * sin(2 * pi * x / b4) + b8 * cos(2 * pi * x / b7) + b9 * sin(2 * pi * x / b7),
  MGH09 = y ~ b1 * (x^2 + x * b2) / (x^2 + x * b3 + b4),
  Thurber = y ~ (b1 + b2 * x + b3 * x^2 + b4 * x^3) / (1 + b5 * x + b6 * x^2 + b7 * x^3),
  BoxBOD = y ~ b1 * (1 - exp(-b2 * x)),
  Rat42 = y ~ b1 / (1 + exp(b2 - b3 * x)),
  MGH10 = y ~ b1 * exp(b2 / (x + b3)),
  Eckerle4 = y ~ (b1 / b2) * exp(-0.5 * ((x - b3) / b2)^2),
  Rat43 = y ~ b1 / ((1 + exp(b2 - b3 * x))^(1 / b4)),
  Bennett5 = y ~ b1 * (b2 + x)^(-1 / b3)
)

read_strd <- function(path) {
  lines <- readLines(path, warn = FALSE)
  rng <- function(label) {
    l <- grep(label, lines[1:20], value = TRUE)[1]
    as.integer(regmatches(l, gregexpr("[0-9]+", l))[[1]][1:2])
  }
  d <- rng("Data  ")
  header <- strsplit(trimws(sub("^Data:", "", lines[d[1] - 1])), "[[:space:]]+")[[1]]
  data <- read.table(text = lines[d[1]:d[2]], col.names = header)
  cert <- lines[grep("^ +b[0-9]+ += ", lines)]
  parts <- lapply(strsplit(trimws(cert), "[[:space:]=]+"), function(t) t)
  names <- sapply(parts, `[`, 1)
  num <- t(sapply(parts, function(t) as.numeric(t[2:5])))
  sd <- as.numeric(sub(".*:", "", grep("^Residual Standard Deviation", lines, value = TRUE)))
  list(data = data, names = names, start1 = num[, 1], start2 = num[, 2], estimate = num[, 3],
       se = num[, 4], sd = sd)
}

lre <- function(a, c) {
  e <- ifelse(c == 0, abs(a), abs(a - c) / abs(c))
  pmin(15, pmax(0, ifelse(e == 0, 15, -log10(e))))
}

results <- data.frame()
reference <- data.frame()
for (name in sort(names(formulas))) {
  ds <- read_strd(file.path(nl, paste0(name, ".dat")))
  for (start in 1:2) {
    st <- setNames(as.list(if (start == 1) ds$start1 else ds$start2), ds$names)
    for (algorithm in c("default", "port")) {
      fit <- tryCatch(
        suppressWarnings(nls(formulas[[name]], data = ds$data, start = st, algorithm = algorithm,
                             control = nls.control(maxiter = 1000))),
        error = function(e) e)
      ok <- !inherits(fit, "error") && isTRUE(fit$convInfo$isConv)
      est_lre <- se_lre <- sd_lre <- NA
      if (!inherits(fit, "error")) {
        s <- summary(fit)
        est_lre <- min(lre(coef(fit), ds$estimate))
        se_lre <- min(lre(s$coefficients[, 2], ds$se))
        sd_lre <- lre(s$sigma, ds$sd)
      }
      msg <- if (inherits(fit, "error")) conditionMessage(fit) else fit$convInfo$stopMessage
      results <- rbind(results, data.frame(dataset = name, start = start, algorithm = algorithm,
                                           converged = ok, est_lre = est_lre, se_lre = se_lre,
                                           sd_lre = sd_lre, message = gsub("\n", " ", msg)))
      if (ok && start == 2 && algorithm == "default" &&
          name %in% c("Misra1a", "Chwirut2", "DanWood", "Rat42", "MGH17", "Nelson")) {
        s <- summary(fit)
        df <- df.residual(fit)
        q <- qt(0.975, df)
        co <- s$coefficients
        reference <- rbind(reference, data.frame(
          dataset = name, parameter = rownames(co), estimate = co[, 1], std_error = co[, 2],
          ci_low = co[, 1] - q * co[, 2], ci_high = co[, 1] + q * co[, 2], sigma = s$sigma,
          deviance = deviance(fit), log_likelihood = as.numeric(logLik(fit)), aic = AIC(fit),
          df_residual = df))
      }
    }
  }
}

options(width = 200)
fmt <- results
fmt$est_lre <- sprintf("%.1f", fmt$est_lre)
fmt$se_lre <- sprintf("%.1f", fmt$se_lre)
fmt$sd_lre <- sprintf("%.1f", fmt$sd_lre)
fmt$message <- substr(fmt$message, 1, 70)
print(fmt, row.names = FALSE)
for (algorithm in c("default", "port")) {
  r <- results[results$algorithm == algorithm, ]
  conv <- r[r$converged, ]
  cat(sprintf("\nnls %-8s converged %d of %d; among converged: min LRE estimates %.1f, SEs %.1f; converged with estimate LRE < 4: %d\n",
              algorithm, nrow(conv), nrow(r), min(conv$est_lre), min(conv$se_lre),
              sum(conv$est_lre < 4)))
}
out <- "Tests/Fixtures/nonlinear/nls-reference.csv"
dir.create(dirname(out), showWarnings = FALSE, recursive = TRUE)
write.csv(format(reference, digits = 17), out, row.names = FALSE, quote = FALSE)
cat("wrote", out, "\n")
