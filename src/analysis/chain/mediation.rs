//! Mediation in one segment: the bootstrap of the serial model's indirect effects
//! (percentile, bias-corrected and BCa intervals; Hayes' PROCESS model 6), Baron & Kenny's
//! (1986) causal steps and Sobel's (1982) test for H3 (satisfaction → share of wallet →
//! revenue) and H4 (share of wallet → revenue → profit), the total effect and the
//! proportion mediated.

use indicatif::ProgressBar;
use polars::prelude::*;

use super::models::{coef_in, path_stats, INDIRECT_PATHS};
use super::results::*;
use super::ChainOptions;
use crate::data::build::cols;
use crate::data::load;
use crate::error::Result;
use crate::stats::blocks::{self, BlockData};
use crate::stats::bootstrap::{self, BootData, CrossProducts, Interval};
use crate::stats::correlation;

/// A segment's mediation results and the bootstrap draws (kept for segment comparisons).
pub(super) struct Estimated {
    pub mediation: Mediation,
    pub draws: Vec<Vec<f64>>,
}

/// A segment's bootstrap draws of the path statistics ([`path_stats`]) and their
/// jackknife values; `blocks` when groups of customers were resampled.
pub(super) struct Resampled {
    pub draws: Vec<Vec<f64>>,
    pub jack: Vec<Vec<f64>>,
    pub blocks: bool,
}

/// Each customer's hash block: a hash of the id column (`opts.id`), else of the row number.
pub(crate) fn block_groups(df: &DataFrame, opts: &ChainOptions, seed: u64) -> Result<Vec<u32>> {
    Ok(
        match opts.id.as_deref().filter(|c| df.schema().contains(c)) {
            Some(c) => {
                let ids = df.column(c)?.cast(&DataType::String)?;
                let ids = ids.str()?;
                blocks::groups_of(ids.iter().map(|v| v.unwrap_or("")), seed)
            }
            None => {
                let rows: Vec<String> = (0..df.height()).map(|i| i.to_string()).collect();
                blocks::groups_of(rows.iter().map(String::as_str), seed)
            }
        },
    )
}

/// The bootstrap on the segment's rows: the chain variables' values (`data`:
/// satisfaction, share of wallet, revenue, profit) and the covariates of `df`.
pub(super) fn resample_rows(
    data: &[Vec<f64>],
    df: &DataFrame,
    opts: &ChainOptions,
    seed: u64,
    progress: &ProgressBar,
    segment: &str,
) -> Result<Resampled> {
    let mut boot_cols = data.to_vec();
    for c in &opts.covariates {
        boot_cols.push(load::f64_values(df, c)?);
    }
    let boot_slices: Vec<&[f64]> = boot_cols.iter().map(Vec::as_slice).collect();
    let bd = BootData::new(&boot_slices)?;
    let n_cov = opts.covariates.len();
    let stat = |cp: &CrossProducts| path_stats(cp, n_cov);
    let blocks = opts.bootstrap > 0 && opts.resampling.uses_blocks(bd.n(), segment)?;
    if blocks {
        let bl = BlockData::new(&bd, &block_groups(df, opts, seed)?)?;
        Ok(resample_blocks(&bl, opts, seed, progress))
    } else if opts.bootstrap > 0 {
        Ok(Resampled {
            draws: bootstrap::resample(&bd, opts.bootstrap, seed, &stat, progress),
            jack: bootstrap::jackknife(&bd, &stat),
            blocks: false,
        })
    } else {
        Ok(Resampled {
            draws: vec![],
            jack: vec![],
            blocks: false,
        })
    }
}

/// The hash-block bootstrap from the segment's group sums.
pub(super) fn resample_blocks(
    bl: &BlockData,
    opts: &ChainOptions,
    seed: u64,
    progress: &ProgressBar,
) -> Resampled {
    let n_cov = opts.covariates.len();
    let stat = |cp: &CrossProducts| path_stats(cp, n_cov);
    Resampled {
        draws: bl.resample(opts.bootstrap, seed, &stat, progress),
        jack: bl.jackknife(&stat),
        blocks: true,
    }
}

/// Mediation from the fitted models (`regs`) and the bootstrap's draws.
pub(super) fn estimate(
    regs: &[ModelResult],
    resampled: Resampled,
    opts: &ChainOptions,
) -> Estimated {
    let Resampled {
        draws,
        jack,
        blocks,
    } = resampled;
    let (a1, a2, d21) = (
        coef_in(regs, "M1", "satisfaction"),
        coef_in(regs, "M2", "satisfaction"),
        coef_in(regs, "M2", "share_of_wallet"),
    );
    let (cp_, b1, b2) = (
        coef_in(regs, "Y", "satisfaction"),
        coef_in(regs, "Y", "share_of_wallet"),
        coef_in(regs, "Y", "revenue"),
    );
    let point = {
        let (i1, i2, i3) = (
            a1.estimate * b1.estimate,
            a1.estimate * d21.estimate * b2.estimate,
            a2.estimate * b2.estimate,
        );
        vec![
            i1,
            i2,
            i3,
            i1 + i2 + i3,
            a1.estimate * d21.estimate,
            d21.estimate * b2.estimate,
            cp_.estimate + i1 + i2 + i3,
        ]
    };
    let indirect_effects: Vec<IndirectEffect> = INDIRECT_PATHS
        .iter()
        .enumerate()
        .map(|(k, path)| {
            let d: Vec<f64> = draws.iter().map(|r| r[k]).collect();
            let j: Vec<f64> = jack.iter().map(|r| r[k]).collect();
            IndirectEffect {
                path: path.to_string(),
                interval: if opts.bootstrap > 0 {
                    bootstrap::interval(point[k], &d, &j, opts.confidence)
                } else {
                    Interval::point(point[k])
                },
            }
        })
        .collect();

    // Baron–Kenny and Sobel for H3 (sat → sow → revenue) and H4 (sow → revenue → profit).
    let alpha = opts.alpha;
    let bk = |h: &str, x: &str, m: &str, yv: &str, c: Path, a: Path, b: Path, c_prime: Path| {
        let sig = |p: &Path| p.p_value < alpha;
        let conclusion = if sig(&a) && sig(&b) {
            if sig(&c_prime) {
                "partial"
            } else {
                "full"
            }
        } else {
            "none"
        };
        BaronKenny {
            hypothesis: h.into(),
            x: x.into(),
            m: m.into(),
            y: yv.into(),
            c,
            a,
            b,
            c_prime,
            conclusion: conclusion.into(),
        }
    };
    let sobel = |h: &str, a: &Path, b: &Path| {
        let ind = a.estimate * b.estimate;
        let se = (b.estimate.powi(2) * a.std_error.powi(2)
            + a.estimate.powi(2) * b.std_error.powi(2))
        .sqrt();
        let z = ind / se;
        Sobel {
            hypothesis: h.into(),
            indirect: ind,
            std_error: se,
            z,
            p_value: correlation::normal_two_sided(z),
        }
    };
    let baron_kenny = vec![
        bk(
            "H3",
            cols::SATISFACTION,
            cols::SOW,
            cols::REVENUE,
            coef_in(regs, "T_revenue", "satisfaction"),
            a1.clone(),
            d21.clone(),
            a2.clone(),
        ),
        bk(
            "H4",
            cols::SOW,
            cols::REVENUE,
            cols::PROFIT,
            coef_in(regs, "T_profit_sow", "share_of_wallet"),
            d21.clone(),
            b2.clone(),
            b1.clone(),
        ),
    ];
    let sobels = vec![sobel("H3", &a1, &d21), sobel("H4", &d21, &b2)];
    let total = coef_in(regs, "T_profit_sat", "satisfaction");
    let total_effect_interval = (opts.bootstrap > 0).then(|| {
        let k = INDIRECT_PATHS.len();
        let d: Vec<f64> = draws.iter().map(|r| r[k]).collect();
        let j: Vec<f64> = jack.iter().map(|r| r[k]).collect();
        bootstrap::interval(point[k], &d, &j, opts.confidence)
    });
    let (proportion, proportion_note) =
        proportion_mediated(point[3], &total, total_effect_interval.as_ref(), opts.alpha);

    Estimated {
        mediation: Mediation {
            baron_kenny,
            sobel: sobels,
            bootstrap: opts.bootstrap,
            indirect_effects,
            direct_effect: cp_,
            total_effect: total,
            total_effect_interval,
            proportion_mediated: proportion,
            proportion_mediated_note: proportion_note,
            resampled_groups: blocks.then_some(crate::stats::blocks::BLOCKS),
        },
        draws,
    }
}

/// The proportion mediated, total indirect / total, when it means something (see
/// [`Mediation::proportion_mediated`]); else why not.
fn proportion_mediated(
    indirect: f64,
    total: &Path,
    interval: Option<&bootstrap::Interval>,
    alpha: f64,
) -> (Option<f64>, Option<String>) {
    let significant = match interval {
        Some(i) => i.ci_low > 0.0 || i.ci_high < 0.0,
        None => total.p_value < alpha,
    };
    let share = indirect / total.estimate;
    if !significant {
        (
            None,
            Some("not reported: the total effect is not significant, so a share of it is not meaningful".into()),
        )
    } else if !(0.0..=1.0).contains(&share) {
        (
            None,
            Some("not reported: the indirect and direct effects have opposite signs (inconsistent mediation), so the indirect part is not a share of the total".into()),
        )
    } else {
        (Some(share), None)
    }
}
