//! A linear model tree: model-based recursive partitioning of one regression (Zeileis,
//! Hothorn & Hornik 2008), grown as R's partykit `lmtree()` grows it, or of several
//! regressions on the same customers at once (the chain's equations: `mob()` with a fit
//! that returns their stacked estimating functions).
//!
//! One regression's objective is its residual sum of squares (lmtree's); several
//! regressions' is their summed Gaussian negative log-likelihood Σₑ nₑ/2·(log(2π·RSSₑ/n) + 1)
//! — the likelihood of a recursive system with independent errors, so a split means "the
//! equations jointly fit better apart". The instability tests run on the stacked scores
//! (xₑ·residualₑ for every equation side by side).
//!
//! At each node: fit the regressions by least squares; unless the node has fewer than
//! 2·minsize customers or is at the maximum depth, test every partitioning variable for
//! parameter instability ([`crate::stats::mob`]), Bonferroni-adjusted; if the smallest
//! adjusted p-value is at most `alpha`, split on that variable where the two children's
//! residual sums of squares add up to the least (numeric: every observed value v as
//! "≤ v", each side at least minsize; categorical: every binary partition of the levels
//! present), and grow each child. Node ids run depth first, left child first, as
//! partykit numbers them.

use ndarray::{Array2, Axis};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::stats::mob::{self, Instability, Partition, Process};
use crate::stats::moments::{MomentFit, Sums};
use crate::stats::ols::{CovType, Design, OlsFit};

/// Settings of the tree (partykit's `mob_control()` names).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TreeOptions {
    pub alpha: f64,
    pub bonferroni: bool,
    /// Smallest node (default 10 × the number of coefficients).
    pub minsize: Option<usize>,
    /// Deepest level of nodes, the root being 1.
    pub maxdepth: usize,
    /// Share (or, above 1, number) of observations trimmed at each end of the supLM scan.
    pub trim: f64,
    /// Post-pruning by an information criterion (partykit's `prune`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prune: Option<Prune>,
}

/// The information criterion of post-pruning.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Prune {
    Aic,
    Bic,
}

impl Prune {
    pub fn parse(s: &str) -> Result<Prune> {
        match s.to_ascii_lowercase().as_str() {
            "aic" => Ok(Prune::Aic),
            "bic" => Ok(Prune::Bic),
            _ => Err(Error::Usage(format!(
                "prune '{s}': aic or bic (or leave it out for no pruning)"
            ))),
        }
    }
}

impl Default for TreeOptions {
    fn default() -> Self {
        TreeOptions {
            alpha: 0.05,
            bonferroni: true,
            minsize: None,
            maxdepth: usize::MAX,
            trim: 0.1,
            prune: None,
        }
    }
}

/// A partitioning variable: its name and values for every row of the design.
#[derive(Debug, Clone)]
pub enum Variable {
    Numeric {
        name: String,
        values: Vec<f64>,
    },
    /// Levels sorted; codes index them.
    Factor {
        name: String,
        levels: Vec<String>,
        codes: Vec<usize>,
    },
}

impl Variable {
    pub fn name(&self) -> &str {
        match self {
            Variable::Numeric { name, .. } | Variable::Factor { name, .. } => name,
        }
    }
}

/// How a node splits.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Split {
    pub variable: String,
    /// Numeric: the left child has `variable ≤ threshold`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Categorical: the levels of the left child, and of the right.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub left_levels: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub right_levels: Vec<String>,
}

/// One variable's test at a node.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Test {
    pub variable: String,
    pub statistic: f64,
    /// Bonferroni-adjusted when the tree adjusts (NaN: not testable here).
    pub p_value: f64,
}

/// A coefficient with its classical standard error.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Coefficient {
    /// The equation's response when the tree has several (empty with one).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub equation: String,
    pub term: String,
    pub estimate: f64,
    pub std_error: f64,
}

/// A node of the tree.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Node {
    pub id: usize,
    pub parent: Option<usize>,
    pub depth: usize,
    pub n: usize,
    pub leaf: bool,
    /// The rule that leads here from the parent, e.g. `tenure <= 10`.
    pub rule: String,
    pub split: Option<Split>,
    pub kids: Vec<usize>,
    pub tests: Vec<Test>,
    pub coefficients: Vec<Coefficient>,
    /// The node's objective: the residual sum of squares (one equation) or the summed
    /// Gaussian negative log-likelihood (several).
    pub objective: f64,
}

/// The grown tree.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tree {
    pub nodes: Vec<Node>,
    pub minsize: usize,
    /// The leaves' objectives added up.
    pub objective: f64,
}

/// The objective of fits with residual sums of squares `rss` on `n` customers: the RSS of
/// one equation, the summed Gaussian negative log-likelihood of several.
pub fn objective(rss: &[f64], n: usize) -> f64 {
    if rss.len() == 1 {
        return rss[0];
    }
    let n = n as f64;
    rss.iter()
        .map(|r| n / 2.0 * ((2.0 * std::f64::consts::PI * r / n).ln() + 1.0))
        .sum()
}

/// Grow the tree of the regressions `designs` (the same customers, row for row) over
/// `vars`.
pub fn grow(designs: &[Design], vars: &[Variable], opts: &TreeOptions) -> Result<Tree> {
    let p: usize = designs.iter().map(|d| d.x.ncols()).sum();
    let minsize = opts.minsize.unwrap_or(10 * p);
    let n = designs[0].x.nrows();
    let mut g = Grower {
        designs,
        vars,
        opts,
        minsize,
        nodes: Vec::new(),
    };
    g.node(1, None, 1, (0..n).collect(), String::new())?;
    g.nodes.sort_by_key(|nd| nd.id);
    if let Some(rule) = opts.prune {
        let k = designs.iter().map(|d| d.x.ncols()).sum();
        g.nodes = prune(g.nodes, rule, k, n, designs.len() > 1);
    }
    let objective = g
        .nodes
        .iter()
        .filter(|nd| nd.leaf)
        .map(|nd| nd.objective)
        .sum();
    Ok(Tree {
        nodes: g.nodes,
        minsize,
        objective,
    })
}

/// Post-pruning as partykit's `mob()` prunes: while some inner node has only leaves as
/// children, each such node whose information criterion beats its children's together
/// becomes a leaf; then the nodes are numbered again depth first. With one equation
/// (`lmtree`, objective RSS) the criterion is nᵢ·log(RSS) + penalty·df, with several
/// (objective the negative log-likelihood) 2·objective + penalty·df; df is the node's
/// coefficients k, or its children's k each plus one for the split; the penalty 2 (AIC) or
/// log n of the whole sample (BIC).
fn prune(mut nodes: Vec<Node>, rule: Prune, k: usize, n: usize, likelihood: bool) -> Vec<Node> {
    let pen = match rule {
        Prune::Aic => 2.0,
        Prune::Bic => (n as f64).ln(),
    };
    let find = |nodes: &[Node], id: usize| nodes.iter().position(|x| x.id == id);
    loop {
        let mut cut = Vec::new();
        for nd in nodes.iter().filter(|x| !x.leaf) {
            let kids: Vec<&Node> = nd
                .kids
                .iter()
                .filter_map(|&c| find(&nodes, c).map(|i| &nodes[i]))
                .collect();
            if kids.iter().any(|c| !c.leaf) {
                continue;
            }
            let below: f64 = kids.iter().map(|c| c.objective).sum();
            let df = (k as f64, (kids.len() * k + 1) as f64);
            let (here, there) = if likelihood {
                (2.0 * nd.objective, 2.0 * below)
            } else {
                let m = nd.n as f64;
                (m * nd.objective.ln(), m * below.ln())
            };
            if here + pen * df.0 < there + pen * df.1 {
                cut.push(nd.id);
            }
        }
        if cut.is_empty() {
            break;
        }
        let gone: Vec<usize> = nodes
            .iter()
            .filter(|x| cut.contains(&x.id))
            .flat_map(|x| x.kids.clone())
            .collect();
        nodes.retain(|x| !gone.contains(&x.id));
        for nd in nodes.iter_mut().filter(|x| cut.contains(&x.id)) {
            nd.leaf = true;
            nd.kids.clear();
            nd.split = None;
        }
    }
    // Number again depth first (the order of the ids kept).
    let old: Vec<usize> = nodes.iter().map(|x| x.id).collect();
    let new = |id: usize| old.iter().position(|&o| o == id).map_or(id, |p| p + 1);
    for nd in &mut nodes {
        nd.id = new(nd.id);
        nd.parent = nd.parent.map(new);
        nd.kids = nd.kids.iter().map(|&c| new(c)).collect();
    }
    nodes
}

struct Grower<'a> {
    designs: &'a [Design],
    vars: &'a [Variable],
    opts: &'a TreeOptions,
    minsize: usize,
    nodes: Vec<Node>,
}

impl Grower<'_> {
    fn subset(&self, rows: &[usize]) -> Vec<Design> {
        self.designs
            .iter()
            .map(|d| Design {
                x: d.x.select(Axis(0), rows),
                y: d.y.select(Axis(0), rows),
                names: d.names.clone(),
                y_name: d.y_name.clone(),
                intercept: d.intercept,
                x_lo: None,
                y_lo: None,
            })
            .collect()
    }

    /// Grow node `id` over `rows`; returns the largest id in its subtree.
    fn node(
        &mut self,
        id: usize,
        parent: Option<usize>,
        depth: usize,
        rows: Vec<usize>,
        rule: String,
    ) -> Result<usize> {
        let ds = self.subset(&rows);
        let several = ds.len() > 1;
        let mut fits = Vec::with_capacity(ds.len());
        let mut coefficients = Vec::new();
        for d in &ds {
            let fit = OlsFit::fit(d).map_err(|e| {
                Error::Degenerate(format!(
                    "node {id} ({} customers{}): the regression of {} cannot be fitted ({e})",
                    rows.len(),
                    if rule.is_empty() {
                        String::new()
                    } else {
                        format!(", {rule}")
                    },
                    d.y_name
                ))
            })?;
            let cov = fit.cov(CovType::Nonrobust);
            coefficients.extend(fit.names.iter().enumerate().map(|(j, t)| Coefficient {
                equation: if several {
                    d.y_name.clone()
                } else {
                    String::new()
                },
                term: t.clone(),
                estimate: fit.params[j],
                std_error: cov[[j, j]].sqrt(),
            }));
            fits.push(fit);
        }
        let rss: Vec<f64> = fits.iter().map(|f| f.rss).collect();
        let mut node = Node {
            id,
            parent,
            depth,
            n: rows.len(),
            leaf: true,
            rule,
            split: None,
            kids: Vec::new(),
            tests: Vec::new(),
            coefficients,
            objective: objective(&rss, rows.len()),
        };
        let terminal = rows.len() < 2 * self.minsize || depth >= self.opts.maxdepth;
        let mut chosen = None;
        if !terminal {
            let blocks: Vec<Array2<f64>> = ds
                .iter()
                .zip(&fits)
                .map(|(d, f)| &d.x * &f.resid.view().insert_axis(Axis(1)))
                .collect();
            let views: Vec<_> = blocks.iter().map(|b| b.view()).collect();
            let psi = ndarray::concatenate(Axis(1), &views)
                .map_err(|e| Error::Internal(e.to_string()))?;
            if let Some(process) = Process::new(&psi) {
                let results: Vec<Instability> = self
                    .vars
                    .iter()
                    .map(|v| {
                        mob::instability(
                            &process,
                            &partition(v, &rows),
                            self.minsize,
                            self.opts.trim,
                        )
                    })
                    .collect();
                let m = results.iter().filter(|r| r.log_p.is_some()).count();
                let best = results
                    .iter()
                    .enumerate()
                    .filter_map(|(j, r)| r.log_p.map(|lp| (j, lp)))
                    .fold(None::<(usize, f64)>, |b, (j, lp)| match b {
                        Some((_, blp)) if blp <= lp => b,
                        _ => Some((j, lp)),
                    });
                for (v, r) in self.vars.iter().zip(&results) {
                    let p = r.log_p.map_or(f64::NAN, f64::exp);
                    node.tests.push(Test {
                        variable: v.name().to_string(),
                        statistic: r.statistic,
                        p_value: if self.opts.bonferroni && p.is_finite() {
                            mob::bonferroni(p, m)
                        } else {
                            p
                        },
                    });
                }
                if let Some((j, _)) = best {
                    if node.tests[j].p_value <= self.opts.alpha {
                        chosen = self.find_split(&ds, &rows, j)?;
                    }
                }
            }
        }
        let Some((split, left)) = chosen else {
            self.nodes.push(node);
            return Ok(id);
        };
        let (lrows, rrows): (Vec<usize>, Vec<usize>) =
            rows.iter()
                .zip(&left)
                .fold((Vec::new(), Vec::new()), |(mut l, mut r), (&row, &on)| {
                    if on {
                        l.push(row)
                    } else {
                        r.push(row)
                    }
                    (l, r)
                });
        let (lrule, rrule) = rules(&split);
        let last_left = self.node(id + 1, Some(id), depth + 1, lrows, lrule)?;
        let last = self.node(last_left + 1, Some(id), depth + 1, rrows, rrule)?;
        node.leaf = false;
        node.kids = vec![id + 1, last_left + 1];
        node.split = Some(split);
        self.nodes.push(node);
        Ok(last)
    }

    /// The best split of the node on variable `j`: the split and, per row, whether it goes
    /// left. None when no split leaves minsize on both sides. Each side's residual sums of
    /// squares come from running shifted sums ([`Sums`], [`MomentFit`]), so a numeric
    /// variable costs one sort and two passes per equation, a categorical one a sum per
    /// level and equation.
    fn find_split(
        &self,
        ds: &[Design],
        rows: &[usize],
        j: usize,
    ) -> Result<Option<(Split, Vec<bool>)>> {
        let n = rows.len();
        let cols: Vec<Vec<usize>> = ds.iter().map(columns).collect();
        // The two children's objective from each equation's RSS on either side.
        let children = |left: &[f64], nl: usize, right: &[f64]| {
            if left.iter().chain(right).any(|r| !r.is_finite()) {
                return f64::INFINITY;
            }
            objective(left, nl) + objective(right, n - nl)
        };
        match &self.vars[j] {
            Variable::Numeric { name, values } => {
                let z: Vec<f64> = rows.iter().map(|&r| values[r]).collect();
                let mut order: Vec<usize> = (0..n).collect();
                order.sort_by(|&a, &b| z[a].total_cmp(&z[b]));
                // Boundaries: after the last row of each distinct value.
                let ends: Vec<usize> = (0..n)
                    .filter(|&t| t + 1 == n || z[order[t + 1]] != z[order[t]])
                    .collect();
                let side = |right: bool| -> Vec<Vec<f64>> {
                    ds.iter()
                        .zip(&cols)
                        .map(|(d, c)| running_rss(d, c, &order, &ends, self.minsize, right))
                        .collect()
                };
                let (left, right) = (side(false), side(true));
                let mut best: Option<(f64, f64)> = None;
                for (e, &t) in ends.iter().enumerate() {
                    let l: Vec<f64> = left.iter().map(|v| v[e]).collect();
                    let r: Vec<f64> = right.iter().map(|v| v[e]).collect();
                    let dev = children(&l, t + 1, &r);
                    if dev.is_finite() && best.is_none_or(|(_, b)| dev < b) {
                        best = Some((z[order[t]], dev));
                    }
                }
                Ok(best.map(|(u, _)| {
                    (
                        Split {
                            variable: name.clone(),
                            threshold: Some(u),
                            left_levels: Vec::new(),
                            right_levels: Vec::new(),
                        },
                        z.iter().map(|v| *v <= u).collect(),
                    )
                }))
            }
            Variable::Factor {
                name,
                levels,
                codes,
            } => {
                let c: Vec<usize> = rows.iter().map(|&r| codes[r]).collect();
                let mut present: Vec<usize> = c.clone();
                present.sort_unstable();
                present.dedup();
                let nl = present.len();
                if nl < 2 {
                    return Ok(None);
                }
                if nl > 20 {
                    return Err(Error::Usage(format!(
                        "'{name}' has {nl} levels in a node: a binary split would try 2^{} partitions; group its levels first (at most 20)",
                        nl - 1
                    )));
                }
                // Per level: its size and each equation's sums.
                let mut by_level: Vec<(Vec<Sums>, usize)> =
                    vec![(vec![Sums::default(); ds.len()], 0); nl];
                for (e, (d, cs)) in ds.iter().zip(&cols).enumerate() {
                    let mut row = vec![0.0; cs.len() + 1];
                    for (i, code) in c.iter().enumerate() {
                        let l = present.binary_search(code).unwrap_or(0);
                        fill(d, cs, i, &mut row);
                        push(&mut by_level[l].0[e], &row);
                    }
                }
                for code in &c {
                    by_level[present.binary_search(code).unwrap_or(0)].1 += 1;
                }
                let mut best: Option<(u64, f64)> = None;
                for set in 1..(1u64 << (nl - 1)) {
                    let empty = || (vec![Sums::default(); ds.len()], 0);
                    let (mut a, mut b) = (empty(), empty());
                    for (l, (sums, k)) in by_level.iter().enumerate() {
                        let side = if set >> l & 1 == 1 { &mut a } else { &mut b };
                        for (acc, s) in side.0.iter_mut().zip(sums) {
                            acc.add(s)?;
                        }
                        side.1 += k;
                    }
                    if a.1 < self.minsize || b.1 < self.minsize {
                        continue;
                    }
                    let rss_of = |sums: &[Sums]| -> Vec<f64> {
                        sums.iter()
                            .zip(ds.iter().zip(&cols))
                            .map(|(s, (d, cs))| rss(s, d, cs))
                            .collect()
                    };
                    let dev = children(&rss_of(&a.0), a.1, &rss_of(&b.0));
                    if dev.is_finite() && best.is_none_or(|(_, bd)| dev < bd) {
                        best = Some((set, dev));
                    }
                }
                Ok(best.map(|(set, _)| {
                    let name_of = |l: usize| levels[present[l]].clone();
                    let left: Vec<String> =
                        (0..nl).filter(|l| set >> l & 1 == 1).map(name_of).collect();
                    let right: Vec<String> =
                        (0..nl).filter(|l| set >> l & 1 == 0).map(name_of).collect();
                    let mask = c
                        .iter()
                        .map(|code| set >> present.binary_search(code).unwrap_or(0) & 1 == 1)
                        .collect();
                    (
                        Split {
                            variable: name.clone(),
                            threshold: None,
                            left_levels: left,
                            right_levels: right,
                        },
                        mask,
                    )
                }))
            }
        }
    }
}

/// The design's regressor columns without the intercept.
fn columns(d: &Design) -> Vec<usize> {
    (usize::from(d.intercept)..d.x.ncols()).collect()
}

/// Row `i` of `d` as (regressors…, response).
fn fill(d: &Design, cols: &[usize], i: usize, row: &mut [f64]) {
    for (k, &c) in cols.iter().enumerate() {
        row[k] = d.x[[i, c]];
    }
    row[cols.len()] = d.y[i];
}

/// Add a row to sums (shifted by their first row).
fn push(s: &mut Sums, row: &[f64]) {
    if s.shift.is_empty() {
        *s = Sums::of_rows(std::iter::once(row), row);
    } else {
        s.push(row);
    }
}

/// The residual sum of squares of the regression on `s` (infinite when it cannot be
/// fitted).
fn rss(s: &Sums, d: &Design, cols: &[usize]) -> f64 {
    let names: Vec<String> = cols.iter().map(|&c| d.names[c].clone()).collect();
    MomentFit::fit(s, &names, &d.y_name, d.intercept).map_or(f64::INFINITY, |f| f.rss)
}

/// For each boundary in `ends` (the last position, in `order`, of a distinct value): the
/// RSS of the rows up to it (`right` false) or after it (`right` true), infinite where
/// either side would have fewer than `minsize` rows.
fn running_rss(
    d: &Design,
    cols: &[usize],
    order: &[usize],
    ends: &[usize],
    minsize: usize,
    right: bool,
) -> Vec<f64> {
    let n = order.len();
    let mut out = vec![f64::INFINITY; ends.len()];
    let mut s = Sums::default();
    let mut row = vec![0.0; cols.len() + 1];
    let admissible = |t: usize| t + 1 >= minsize && n - t > minsize;
    if right {
        // Rows n−1 down to t+1 are in the sums when boundary t is reached.
        let mut e = ends.len();
        for t in (0..n).rev() {
            while e > 0 && ends[e - 1] == t {
                if admissible(t) {
                    out[e - 1] = rss(&s, d, cols);
                }
                e -= 1;
            }
            fill(d, cols, order[t], &mut row);
            push(&mut s, &row);
        }
    } else {
        let mut e = 0;
        for (t, &i) in order.iter().enumerate() {
            fill(d, cols, i, &mut row);
            push(&mut s, &row);
            if e < ends.len() && ends[e] == t {
                if admissible(t) {
                    out[e] = rss(&s, d, cols);
                }
                e += 1;
            }
        }
    }
    out
}

/// A variable's values on the node's rows.
fn partition(v: &Variable, rows: &[usize]) -> Partition {
    match v {
        Variable::Numeric { values, .. } => {
            Partition::Numeric(rows.iter().map(|&r| values[r]).collect())
        }
        Variable::Factor { codes, .. } => {
            Partition::Factor(rows.iter().map(|&r| codes[r]).collect())
        }
    }
}

/// The rules of the two children, as partykit prints them.
fn rules(s: &Split) -> (String, String) {
    match s.threshold {
        Some(t) => (
            format!("{} <= {}", s.variable, short(t)),
            format!("{} > {}", s.variable, short(t)),
        ),
        None => (
            format!("{} in {}", s.variable, s.left_levels.join(", ")),
            format!("{} in {}", s.variable, s.right_levels.join(", ")),
        ),
    }
}

/// A split value as R prints it: up to 7 significant digits, no trailing zeros.
pub(crate) fn short(v: f64) -> String {
    let s = format!(
        "{:.*}",
        (6 - v.abs().log10().floor().max(-10.0) as i64).clamp(0, 16) as usize,
        v
    );
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}
