# Reference results for `profitchain segments` from R (run once; R never runs in the tests):
#   Rscript tests/data/reference/segments/make_reference.R
# Debian packages: r-base-core r-cran-partykit r-cran-flexmix. Writes, beside this script:
#   tree_data.csv     a generated case: share of wallet on satisfaction whose intercept and
#                     slope differ by tenure (a split at 10 years) and, among long-tenure
#                     customers, by region; income, age and channel are noise
#   lmtree_nodes.csv  every node: id, parent, split variable and rule, n
#   lmtree_tests.csv  every node's parameter-instability tests (sctest): statistic, p-value
#   lmtree_coef.csv   every leaf's coefficients and OLS standard errors
#   lmtree_print.txt  the tree as partykit prints it
#   versions.txt      R, partykit and flexmix versions
# and src/stats/mob/hansen1997.csv, partykit's table of Hansen's (1997) response-surface
# coefficients for the supLM p-values (25 trimming values per number of parameters 1..40).
suppressMessages({library(partykit); library(flexmix)})
here <- dirname(normalizePath(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))))
root <- normalizePath(file.path(here, "..", "..", "..", ".."))
set.seed(20261201)
n <- 800
d <- data.frame(
  id = sprintf("C%04d", 1:n),
  satisfaction = round(runif(n, 1, 10), 1),
  tenure = sample(0:30, n, replace = TRUE),
  income = round(rlnorm(n, 4, 0.4), 1),
  age = sample(20:75, n, replace = TRUE),
  region = factor(sample(c("north", "south", "east", "west"), n, replace = TRUE)),
  channel = factor(sample(c("branch", "online", "phone"), n, replace = TRUE))
)
long <- d$tenure > 10
ne <- d$region %in% c("north", "east")
a <- ifelse(!long, 0.20, ifelse(ne, 0.10, 0.30))
b <- ifelse(!long, 0.02, ifelse(ne, 0.06, 0.01))
d$share_of_wallet <- round(a + b * d$satisfaction + rnorm(n, 0, 0.05), 4)
write.csv(d, file.path(here, "tree_data.csv"), row.names = FALSE, quote = FALSE)

tr <- lmtree(share_of_wallet ~ satisfaction | tenure + income + age + region + channel,
  data = d, minsize = 40, alpha = 0.05, bonferroni = TRUE)
capture.output(print(tr), file = file.path(here, "lmtree_print.txt"))

ids <- nodeids(tr)
nodes <- do.call(rbind, lapply(ids, function(i) {
  nd <- node_party(tr[[i]])
  sp <- split_node(nd)
  parent <- if (i == 1) NA else max(ids[ids < i & sapply(ids, function(j) i %in% nodeids(tr[[j]]))])
  n_i <- nrow(data_party(tr, i))
  if (is.null(sp)) {
    data.frame(node = i, parent = parent, kind = "leaf", variable = "", rule = "", n = n_i)
  } else {
    v <- names(d[, -1])[0]
    var <- names(tr$data)[varid_split(sp)]
    rule <- if (!is.null(breaks_split(sp))) sprintf("<= %.10g", breaks_split(sp)) else
      paste(levels(tr$data[[var]])[index_split(sp) == 1L], collapse = "+")
    data.frame(node = i, parent = parent, kind = "inner", variable = var, rule = rule, n = n_i)
  }
}))
write.csv(nodes, file.path(here, "lmtree_nodes.csv"), row.names = FALSE, quote = FALSE)

tests <- do.call(rbind, lapply(ids, function(i) {
  s <- sctest.modelparty(tr, node = i)
  if (is.null(s)) return(NULL)
  data.frame(node = i, variable = colnames(s), statistic = sprintf("%.15g", s[1, ]),
    p_value = sprintf("%.15g", s[2, ]))
}))
write.csv(tests, file.path(here, "lmtree_tests.csv"), row.names = FALSE, quote = FALSE)

coefs <- do.call(rbind, lapply(nodeids(tr, terminal = TRUE), function(i) {
  m <- summary(tr, node = i)$coefficients
  data.frame(node = i, term = rownames(m), estimate = sprintf("%.15g", m[, 1]),
    std_error = sprintf("%.15g", m[, 2]))
}))
write.csv(coefs, file.path(here, "lmtree_coef.csv"), row.names = FALSE, quote = FALSE)

beta <- partykit:::mob_beta_suplm
write.table(format(beta, digits = 17), file.path(root, "src", "stats", "mob", "hansen1997.csv"),
  sep = ",", row.names = FALSE, col.names = c("b0", "b1", "df"), quote = FALSE)

writeLines(c(R.version.string, paste("partykit", packageVersion("partykit")),
  paste("flexmix", packageVersion("flexmix"))), file.path(here, "versions.txt"))

# Finite mixture of regressions (flexmix): a 2-class case, EM from a given start (the
# `start` column), run to a tight tolerance so the fixed point is compared, not the stop.
set.seed(20261202)
n <- 600
m <- data.frame(id = sprintf("M%04d", 1:n), satisfaction = round(runif(n, 1, 10), 2))
cls <- ifelse(runif(n) < 0.6, 1L, 2L)
m$share_of_wallet <- round(ifelse(cls == 1L, 0.2 + 0.05 * m$satisfaction + rnorm(n, 0, 0.04),
  0.5 - 0.01 * m$satisfaction + rnorm(n, 0, 0.06)), 5)
m$start <- sample(1:2, n, replace = TRUE)
write.csv(m, file.path(here, "mixture_data.csv"), row.names = FALSE, quote = FALSE)
fm <- flexmix(share_of_wallet ~ satisfaction, data = m, k = 2, cluster = m$start,
  control = list(tolerance = 1e-12, iter.max = 5000, minprior = 0))
pars <- parameters(fm)
out <- data.frame(
  what = c("logLik", "iterations", "BIC", "ICL",
    paste0("prior_", 1:2), paste0("intercept_", 1:2), paste0("slope_", 1:2), paste0("sigma_", 1:2)),
  value = sprintf("%.15g", c(as.numeric(logLik(fm)), fm@iter, BIC(fm), ICL(fm), prior(fm),
    pars[1, ], pars[2, ], pars[3, ])))
write.csv(out, file.path(here, "flexmix_fit.csv"), row.names = FALSE, quote = FALSE)
write.csv(data.frame(id = m$id, p1 = sprintf("%.15g", posterior(fm)[, 1])),
  file.path(here, "flexmix_posterior.csv"), row.names = FALSE, quote = FALSE)

# The whole chain at once: a tree of the three chain equations jointly (mob() with a fit
# returning their stacked estimating functions and summed Gaussian negative
# log-likelihoods), on a case whose satisfaction -> share of wallet slope differs by income
# and whose revenue -> profit slope differs by region among high-income customers.
set.seed(20261203)
n <- 1200
cd <- data.frame(
  id = sprintf("K%04d", 1:n),
  satisfaction = round(runif(n, 1, 10), 1),
  income = round(rlnorm(n, 4, 0.4), 1),
  tenure = sample(0:30, n, replace = TRUE),
  region = factor(sample(c("north", "south", "east", "west"), n, replace = TRUE))
)
rich <- cd$income > 60
sw <- cd$region %in% c("south", "west")
cd$share_of_wallet <- round(0.1 + ifelse(rich, 0.06, 0.02) * cd$satisfaction + rnorm(n, 0, 0.05), 4)
cd$revenue <- round(200 + 10 * cd$satisfaction + 1500 * cd$share_of_wallet + rnorm(n, 0, 80), 2)
cd$profit <- round(-100 + 2 * cd$satisfaction + 50 * cd$share_of_wallet +
  ifelse(rich & sw, 0.25, -0.05) * cd$revenue + rnorm(n, 0, 30), 2)
write.csv(cd, file.path(here, "chain_data.csv"), row.names = FALSE, quote = FALSE)

chainfit <- function(y, x, start = NULL, weights = NULL, offset = NULL, ...,
                     estfun = FALSE, object = FALSE) {
  sat <- x[, "satisfaction"]
  X <- list(cbind(1, sat), cbind(1, sat, y$share_of_wallet),
    cbind(1, sat, y$share_of_wallet, y$revenue))
  Y <- list(y$share_of_wallet, y$revenue, y$profit)
  fits <- lapply(1:3, function(e) lm.fit(X[[e]], Y[[e]]))
  nll <- sapply(fits, function(f) {
    m <- length(f$residuals); r <- sum(f$residuals^2); m / 2 * (log(2 * pi * r / m) + 1)
  })
  list(coefficients = unlist(lapply(fits, coef)), objfun = sum(nll),
    estfun = if (estfun) do.call(cbind, lapply(1:3, function(e) X[[e]] * fits[[e]]$residuals)) else NULL,
    object = NULL)
}
ct <- mob(share_of_wallet + revenue + profit ~ satisfaction | income + tenure + region,
  data = cd, fit = chainfit,
  control = mob_control(ytype = "data.frame", minsize = 100, alpha = 0.05, bonferroni = TRUE))
capture.output(print(ct), file = file.path(here, "chaintree_print.txt"))
cids <- nodeids(ct)
cnodes <- do.call(rbind, lapply(cids, function(i) {
  sp <- split_node(node_party(ct[[i]]))
  n_i <- nrow(data_party(ct, i))
  if (is.null(sp)) return(data.frame(node = i, kind = "leaf", variable = "", rule = "", n = n_i))
  var <- names(ct$data)[varid_split(sp)]
  rule <- if (!is.null(breaks_split(sp))) sprintf("<= %.10g", breaks_split(sp)) else
    paste(levels(ct$data[[var]])[index_split(sp) == 1L], collapse = "+")
  data.frame(node = i, kind = "inner", variable = var, rule = rule, n = n_i)
}))
write.csv(cnodes, file.path(here, "chaintree_nodes.csv"), row.names = FALSE, quote = FALSE)
ctests <- do.call(rbind, lapply(cids, function(i) {
  s <- sctest.modelparty(ct, node = i)
  if (is.null(s)) return(NULL)
  data.frame(node = i, variable = colnames(s), statistic = sprintf("%.15g", s[1, ]),
    p_value = sprintf("%.15g", s[2, ]))
}))
write.csv(ctests, file.path(here, "chaintree_tests.csv"), row.names = FALSE, quote = FALSE)
ccoef <- do.call(rbind, lapply(nodeids(ct, terminal = TRUE), function(i) {
  data.frame(node = i, k = seq_along(coef(ct, node = i)),
    estimate = sprintf("%.15g", coef(ct, node = i)))
}))
write.csv(ccoef, file.path(here, "chaintree_coef.csv"), row.names = FALSE, quote = FALSE)

# The chain's equations as one mixture (flexmix with a model per equation) from a given
# start, on the chain case: log-likelihood, priors, coefficients and sigmas.
cd$start <- sample(1:2, n, replace = TRUE)
write.csv(data.frame(id = cd$id, start = cd$start), file.path(here, "chainmix_start.csv"),
  row.names = FALSE, quote = FALSE)
cm <- flexmix(~ satisfaction, data = cd, k = 2, cluster = cd$start,
  model = list(FLXMRglm(share_of_wallet ~ .), FLXMRglm(revenue ~ . + share_of_wallet),
    FLXMRglm(profit ~ . + share_of_wallet + revenue)),
  control = list(tolerance = 1e-12, iter.max = 5000, minprior = 0))
cpars <- lapply(1:3, function(e) parameters(cm, model = e))
vals <- c(as.numeric(logLik(cm)), cm@iter, BIC(cm), prior(cm),
  unlist(lapply(1:2, function(j) unlist(lapply(cpars, function(p) p[, j])))))
nm <- c("logLik", "iterations", "BIC", "prior_1", "prior_2",
  unlist(lapply(1:2, function(j) unlist(lapply(1:3, function(e)
    paste0("c", j, "_e", e, "_", seq_len(nrow(cpars[[e]]))))))))
write.csv(data.frame(what = nm, value = sprintf("%.15g", vals)),
  file.path(here, "chainmix_fit.csv"), row.names = FALSE, quote = FALSE)

# Post-pruning: lenient trees (alpha 0.5, and unadjusted for lmtree, let noise split) pruned by AIC and BIC, as
# partykit prunes them (lmtree: n·log(RSS) + penalty·df; mob with a likelihood: 2·objective
# + penalty·df; df = coefficients of a node, or of its kids plus one for the split).
pruned <- function(tr, tag) {
  ids <- nodeids(tr)
  out <- do.call(rbind, lapply(ids, function(i) {
    sp <- split_node(node_party(tr[[i]]))
    data.frame(tree = tag, node = i, kind = if (is.null(sp)) "leaf" else "inner",
      n = nrow(data_party(tr, i)))
  }))
  out
}
lenient <- lapply(c("none", "AIC", "BIC"), function(p)
  pruned(lmtree(share_of_wallet ~ satisfaction | tenure + income + age + region + channel,
    data = d, minsize = 20, alpha = 0.5, bonferroni = FALSE, prune = if (p == "none") NULL else p),
    paste0("lmtree_", p)))
clenient <- lapply(c("none", "BIC"), function(p)
  pruned(mob(share_of_wallet + revenue + profit ~ satisfaction | income + tenure + region,
    data = cd, fit = chainfit, control = mob_control(ytype = "data.frame", minsize = 100,
      alpha = 0.5, bonferroni = TRUE, prune = if (p == "none") NULL else p)), paste0("chain_", p)))
write.csv(do.call(rbind, c(lenient, clenient)), file.path(here, "pruned_nodes.csv"),
  row.names = FALSE, quote = FALSE)

# Concomitant variables: class membership by a multinomial logit on tenure and income
# (flexmix's FLXPmultinom), from a given start, to a 1e-12 relative change.
set.seed(20261204)
n <- 800
cc <- data.frame(id = sprintf("Z%04d", 1:n), satisfaction = round(runif(n, 1, 10), 2),
  tenure = round(runif(n, 0, 20), 1), income = round(rlnorm(n, 4, 0.3), 1))
cls <- ifelse(runif(n) < plogis(-1.5 + 0.18 * cc$tenure - 0.005 * cc$income), 2L, 1L)
cc$share_of_wallet <- round(ifelse(cls == 1L, 0.2 + 0.05 * cc$satisfaction + rnorm(n, 0, 0.05),
  0.55 - 0.015 * cc$satisfaction + rnorm(n, 0, 0.06)), 5)
cc$start <- sample(1:2, n, replace = TRUE)
write.csv(cc, file.path(here, "concomitant_data.csv"), row.names = FALSE, quote = FALSE)
cf <- flexmix(share_of_wallet ~ satisfaction, data = cc, k = 2, cluster = cc$start,
  concomitant = FLXPmultinom(~ tenure + income),
  control = list(tolerance = 1e-12, iter.max = 5000, minprior = 0))
cp <- parameters(cf)
gamma <- parameters(cf, which = "concomitant")
write.csv(data.frame(
  what = c("logLik", "iterations", "BIC", paste0("intercept_", 1:2), paste0("slope_", 1:2),
    paste0("sigma_", 1:2), paste0("gamma2_", c("intercept", "tenure", "income"))),
  value = sprintf("%.15g", c(as.numeric(logLik(cf)), cf@iter, BIC(cf), cp[1, ], cp[2, ], cp[3, ],
    gamma[, 2]))), file.path(here, "concomitant_fit.csv"), row.names = FALSE, quote = FALSE)
