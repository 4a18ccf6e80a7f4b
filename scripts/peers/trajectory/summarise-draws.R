#!/usr/bin/env Rscript
# Rscript summarise-draws.R DRAWS.bin|DRAWS.csv RUN.txt DIR — called by sample-stan.py (binary).
# Reads the draws (columns .chain, .iteration, lp__ and the sampler's columns, then the model's
# quantities as name[index]) and writes, with R's `posterior` package (Vehtari et al. 2021):
#   DIR/stan-quantiles.csv  quantity,index,q05,q50,q95,mcse_q05,mcse_q50,mcse_q95,ess_bulk,rhat,mean,mcse_mean
#     for level[t], bias[s], tau, sigmaB, omega and outlier[i] (scalars have index 1);
#     quantiles are posterior::quantile2 (type 7), their MCSE posterior::mcse_quantile,
#     ess_bulk and rhat the rank-normalised ones;
#   DIR/stan-run.txt        RUN.txt, then divergences, tree-depth hits, the smallest bulk and
#     tail ESS and the largest R-hat over those quantities.
suppressPackageStartupMessages(library(posterior))
args <- commandArgs(trailingOnly = TRUE)
if (grepl("\\.bin$", args[1])) {
  # DRAWS.bin: little-endian doubles, one row per draw, chain by chain; DRAWS.txt beside it
  # gives the chains and draws per chain, then the column names, one a line (sample-stan.py).
  about <- readLines(sub("\\.bin$", ".txt", args[1]))
  shape <- as.integer(strsplit(about[1], " ")[[1]])
  columns <- about[-1]
  values <- readBin(args[1], "double", n = shape[1] * shape[2] * length(columns), size = 8, endian = "little")
  d <- data.frame(.chain = rep(seq_len(shape[1]), each = shape[2]), .iteration = rep(seq_len(shape[2]), shape[1]),
                  matrix(values, ncol = length(columns), byrow = TRUE), check.names = FALSE)
  names(d) <- c(".chain", ".iteration", columns)
} else {
  d <- read.csv(args[1], check.names = FALSE)
}
dir <- args[3]
draws <- as_draws_df(d)

keep <- grep("^(level|bias|outlier)\\[|^(tau|sigmaB|omega)$", names(d), value = TRUE)
rows <- lapply(keep, function(v) {
  x <- extract_variable_matrix(draws, v)
  q <- quantile2(x, probs = c(0.05, 0.5, 0.95))
  m <- mcse_quantile(x, probs = c(0.05, 0.5, 0.95))
  name <- sub("\\[.*", "", v)
  index <- if (grepl("\\[", v)) as.integer(sub(".*\\[(\\d+)\\]", "\\1", v)) else 1L
  data.frame(quantity = name, index = index,
             q05 = q[[1]], q50 = q[[2]], q95 = q[[3]],
             mcse_q05 = m[[1]], mcse_q50 = m[[2]], mcse_q95 = m[[3]],
             ess_bulk = ess_bulk(x), rhat = rhat(x), mean = mean(x), mcse_mean = mcse_mean(x),
             ess_tail = ess_tail(x))
})
tab <- do.call(rbind, rows)
order <- c(level = 1, bias = 2, tau = 3, sigmaB = 4, omega = 5, outlier = 6)
tab <- tab[order(order[tab$quantity], tab$index), ]
out <- tab[, setdiff(names(tab), "ess_tail")]
num <- vapply(out, is.double, logical(1))
out[num] <- lapply(out[num], function(v) signif(v, 8))
write.csv(out, file.path(dir, "stan-quantiles.csv"), row.names = FALSE, quote = FALSE, na = "NA")

# Diagnostics over the summarised quantities (a constant, the reference series' bias of 0, has
# NA for its ESS and R-hat and is left out); the outlier responsibilities are listed apart,
# because an outlier probability stuck near 0 has a degenerate ESS that says nothing.
main <- tab$quantity != "outlier"
run <- readLines(args[2])
diag <- c(
  sprintf("divergences: %d", sum(d$divergent__)),
  sprintf("treedepth_hits: %d", sum(d$treedepth__ >= 10)),
  sprintf("min_ess_bulk: %.0f", min(tab$ess_bulk[main], na.rm = TRUE)),
  sprintf("min_ess_tail: %.0f", min(tab$ess_tail[main], na.rm = TRUE)),
  sprintf("max_rhat: %.4f", max(tab$rhat[main], na.rm = TRUE)),
  sprintf("min_ess_bulk_outlier: %.0f", if (any(!main)) min(tab$ess_bulk[!main], na.rm = TRUE) else NA),
  sprintf("max_rhat_outlier: %.4f", if (any(!main)) max(tab$rhat[!main], na.rm = TRUE) else NA),
  sprintf("posterior_package: %s", as.character(packageVersion("posterior"))))
writeLines(c(run, diag), file.path(dir, "stan-run.txt"))
