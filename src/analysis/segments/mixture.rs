//! Latent segments: finite mixtures of one regression ([`crate::stats::mixture`]), with
//! several random starts per number of classes and the number chosen by BIC.
//!
//! Starts: each assigns every customer a class at random (ChaCha8 seeded by the seed, K and
//! the start's number, so a run is reproducible); EM runs from each, the best
//! log-likelihood per K is kept. Classes are ordered by size (largest first) so labels do
//! not depend on the start. The classes are estimates: a customer's class is only its most
//! probable one (the posterior probabilities say how sure).

use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::stats::formula::Formula;
use crate::stats::mixture::{self, EmOptions, MixtureFit};

/// Settings of a mixture run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MixtureOptions {
    /// Numbers of classes tried.
    pub ks: Vec<usize>,
    pub starts: usize,
    pub seed: u64,
    pub em: EmOptions,
    /// Concomitant variables: class membership as a multinomial logit on these columns
    /// (categories as indicators, like a formula's terms).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub concomitant: Vec<String>,
}

/// The best fit for one number of classes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KFit {
    pub k: usize,
    pub fit: MixtureFit,
    /// Starts that converged, of those run.
    pub converged_starts: usize,
    pub failed_starts: usize,
}

/// A mixture study's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MixtureResult {
    /// The regression, or the chain's equations joined by `; `.
    pub formula: String,
    /// Whether the classes mix the whole chain (its equations jointly).
    #[serde(default)]
    pub chain: bool,
    /// Each equation's response.
    pub responses: Vec<String>,
    /// The coefficients' terms, every equation's one after the other.
    pub terms: Vec<String>,
    /// The equation (index in `responses`) of each term.
    pub term_equation: Vec<usize>,
    /// The terms of the class-membership model (with concomitant variables).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub concomitant_terms: Vec<String>,
    pub n: usize,
    pub options: MixtureOptions,
    pub fits: Vec<KFit>,
    /// The number of classes with the smallest BIC.
    pub chosen: usize,
    pub warnings: Vec<String>,
    /// The row of the input table of each posterior row (rows with a missing value are
    /// left out).
    #[serde(skip)]
    pub rows: Vec<usize>,
}

impl MixtureResult {
    /// The chosen number of classes' fit.
    pub fn best(&self) -> Option<&MixtureFit> {
        self.fits
            .iter()
            .find(|f| f.k == self.chosen)
            .map(|f| &f.fit)
    }
}

/// Fit mixtures of `formulas` (one regression, or several jointly such as
/// [`super::chain_formulas`]) on `df` for every K in `opts.ks`.
pub fn run(
    df: &DataFrame,
    file: &str,
    formulas: &[String],
    opts: &MixtureOptions,
) -> Result<MixtureResult> {
    if opts.ks.is_empty() || opts.ks.contains(&0) || opts.starts == 0 {
        return Err(Error::Usage(
            "--classes: one or more numbers of classes (e.g. 2 or 1-4), each at least 1; --starts at least 1".into(),
        ));
    }
    let parsed: Vec<Formula> = formulas
        .iter()
        .map(|f| Formula::parse(f))
        .collect::<Result<_>>()?;
    let mut all = parsed.clone();
    if !opts.concomitant.is_empty() {
        // The membership model's design from a formula of the concomitant variables.
        let terms: Vec<String> = opts
            .concomitant
            .iter()
            .map(|c| crate::stats::formula::quote_name(c))
            .collect();
        let response = &designs_response(&parsed[0]);
        all.push(Formula::parse(&format!(
            "{response} ~ {}",
            terms.join(" + ")
        ))?);
    }
    let (mut designs, rows, _) = super::designs(df, file, &all)?;
    let z = (!opts.concomitant.is_empty())
        .then(|| designs.pop())
        .flatten();
    let dropped = df.height() - rows.len();
    let eqs: Vec<mixture::Equation> = designs.iter().map(|d| (&d.x, &d.y)).collect();
    let n = designs[0].x.nrows();
    let mut warnings = Vec::new();
    if dropped > 0 {
        warnings.push(format!(
            "{dropped} rows have no usable value in a column of the formula and are left out"
        ));
    }
    let mut fits = Vec::new();
    for &k in &opts.ks {
        // Starts run in parallel; each has its own seed, and the best is picked in start
        // order, so the result does not depend on the threads.
        let runs: Vec<Result<MixtureFit>> = (0..opts.starts)
            .into_par_iter()
            .map(|s| {
                let mut rng = ChaCha8Rng::seed_from_u64(
                    opts.seed ^ ((k as u64) << 32) ^ (s as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                );
                let start: Vec<usize> = (0..n).map(|_| rng.random_range(0..k)).collect();
                mixture::em(&eqs, z.as_ref().map(|d| &d.x), &start, k, opts.em)
            })
            .collect();
        let mut best: Option<MixtureFit> = None;
        let (mut ok, mut failed) = (0, 0);
        let mut last_err = None;
        for run in runs {
            match run {
                Ok(fit) => {
                    ok += usize::from(fit.converged);
                    if best
                        .as_ref()
                        .is_none_or(|b| fit.log_likelihood > b.log_likelihood)
                    {
                        best = Some(fit);
                    }
                }
                Err(e) => {
                    failed += 1;
                    last_err = Some(e);
                }
            }
        }
        let Some(mut fit) = best else {
            return Err(last_err.unwrap_or_else(|| Error::Internal("no start".into())));
        };
        mixture::order_by_size(&mut fit);
        if !fit.converged {
            warnings.push(format!(
                "{k} classes: EM did not converge within {} iterations",
                opts.em.max_iter
            ));
        }
        fits.push(KFit {
            k,
            fit,
            converged_starts: ok,
            failed_starts: failed,
        });
    }
    let chosen = fits
        .iter()
        .min_by(|a, b| a.fit.bic.total_cmp(&b.fit.bic))
        .map_or(1, |f| f.k);
    Ok(MixtureResult {
        formula: formulas.join("; "),
        chain: formulas.len() > 1,
        responses: designs.iter().map(|d| d.y_name.clone()).collect(),
        terms: designs.iter().flat_map(|d| d.names.clone()).collect(),
        term_equation: designs
            .iter()
            .enumerate()
            .flat_map(|(e, d)| std::iter::repeat_n(e, d.names.len()))
            .collect(),
        concomitant_terms: z.as_ref().map(|d| d.names.clone()).unwrap_or_default(),
        n,
        options: opts.clone(),
        fits,
        chosen,
        warnings,
        rows,
    })
}

/// A formula's response as written (its left-hand side), for a formula of its own.
fn designs_response(f: &Formula) -> String {
    f.text
        .split('~')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// `1-4` or `3` as the numbers of classes.
pub fn parse_classes(text: &str) -> Result<Vec<usize>> {
    let bad = || {
        Error::Usage(format!(
            "--classes {text}: a number of classes (e.g. 2) or a range (e.g. 1-4)"
        ))
    };
    let parse = |s: &str| s.trim().parse::<usize>().map_err(|_| bad());
    match text.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (parse(a)?, parse(b)?);
            if a == 0 || b < a {
                return Err(bad());
            }
            Ok((a..=b).collect())
        }
        None => Ok(vec![parse(text)?]),
    }
}
