//! Return on satisfaction: what raising satisfaction is worth, for whom, with its
//! uncertainty and cost (the "return on quality" question of Rust, Zahorik & Keiningham
//! 1995, *J. Marketing* 59(2), answered from the fitted chain).
//!
//! Each scenario moves the satisfaction of the customers it reaches ([`scenario`]); each
//! customer's change goes through their segment's fitted chain ([`effects`]: share of
//! wallet capped to [0, 1], the quadratic and moderated share-of-wallet equation as the
//! study fits it); the annual Δprofit becomes value over a horizon and is set against the
//! programme's cost ([`economics`]). Every figure is computed again under each bootstrap
//! resample's coefficients (the chain's own resamples, [`model`]): its percentile interval,
//! and the share of resamples in which the programme pays off. Segments are resampled
//! independently, so resample r of a total is the sum of the segments' resample r.

pub mod economics;
pub mod effects;
pub mod model;
pub mod scenario;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analysis::chain::ChainOptions;
use crate::data::build::cols;
use crate::data::CustomerTable;
use crate::error::{Error, Result};
use economics::Horizon;
use effects::{Prepared, Totals};
use model::{fitted, Layout, SegmentModel};
pub use scenario::{Change, Cost, Scenario};

/// Points of the grid the break-even change is found on.
const GRID: usize = 64;

/// Options of an invest run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvestOptions {
    pub scenarios: Vec<Scenario>,
    pub horizon: Horizon,
    /// Satisfaction scale [low, high] (None: the observed range, with a warning); driver
    /// scenarios use it for the attribute ratings too.
    pub scale: Option<[f64; 2]>,
    /// The attribute ratings of the key-driver regression (the study's
    /// `roles.attributes`), for driver scenarios.
    #[serde(default)]
    pub attributes: Vec<String>,
}

/// An estimate with its bootstrap percentile interval (NaN bounds without resamples).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Figure {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

impl Figure {
    fn of(estimate: f64, draws: &[f64], confidence: f64) -> Figure {
        let mut d: Vec<f64> = draws.iter().copied().filter(|v| !v.is_nan()).collect();
        if d.is_empty() {
            return Figure {
                estimate,
                low: f64::NAN,
                high: f64::NAN,
            };
        }
        d.sort_by(f64::total_cmp);
        let a = (1.0 - confidence) / 2.0;
        Figure {
            estimate,
            low: crate::stats::bootstrap::quantile_sorted(&d, a),
            high: crate::stats::bootstrap::quantile_sorted(&d, 1.0 - a),
        }
    }
}

/// A scenario in one segment (or in total).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Outcome {
    pub segment: String,
    pub customers: usize,
    pub reached: usize,
    /// Satisfaction points gained per customer reached (at the estimate).
    pub mean_gain: f64,
    /// Attribute points gained per customer reached (driver scenarios).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_driver_gain: Option<f64>,
    /// Per customer reached, per year.
    pub share_of_wallet: Figure,
    pub revenue: Figure,
    pub profit: Figure,
    /// All customers reached, per year.
    pub total_revenue: Figure,
    pub total_profit: Figure,
    /// Δprofit over the horizon (discounted, with retention).
    pub value: Figure,
    /// The programme's cost here (the fixed cost shared by customers reached).
    pub cost: f64,
    pub npv: Figure,
    /// NPV per unit of cost (NaN without a cost).
    pub roi: Figure,
    /// Share of resamples with a positive NPV.
    pub pays_off: f64,
    /// Mean annual profit per customer of the segment today (losing customers: below 0).
    pub mean_profit: f64,
    /// Customers taken above the segment's highest observed satisfaction (extrapolation),
    /// and by how many points at most.
    pub beyond_observed: usize,
    pub beyond_by: f64,
}

/// One scenario's results.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioResult {
    pub name: String,
    pub description: String,
    pub scenario: Scenario,
    pub segments: Vec<Outcome>,
    pub total: Outcome,
    /// Years until the discounted Δprofit repays the cost (NaN: not within the horizon);
    /// the interval over the resamples that repay it.
    pub payback_years: Figure,
    /// The gain per customer reached (satisfaction points; attribute points in a driver
    /// scenario, whose interval is not computed) at which NPV is 0 (NaN: none up to the top
    /// of the scale).
    pub break_even_gain: Figure,
    /// Resamples used (fitted in every segment).
    pub resamples: usize,
}

/// A row of the ranking: a scenario in a segment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ranked {
    pub scenario: String,
    pub segment: String,
    pub roi: f64,
    pub npv: f64,
    pub cost: f64,
}

/// The whole run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvestResult {
    pub study: String,
    pub options: InvestOptions,
    pub chain: ChainOptions,
    pub scale: [f64; 2],
    /// Δvalue per unit of annual Δprofit over the horizon.
    pub multiplier: f64,
    pub scenarios: Vec<ScenarioResult>,
    /// Scenario × segment by NPV per unit of cost, best first.
    pub ranking: Vec<Ranked>,
    /// The plain statements: what pays, and where raising satisfaction loses money (in
    /// English; filled by the renderer, which also says them in Chinese).
    #[serde(default)]
    pub statements: Vec<String>,
    pub warnings: Vec<String>,
    pub diagnostics: crate::data::Diagnostics,
}

fn check(opts: &InvestOptions, chain: &ChainOptions) -> Result<()> {
    let h = opts.horizon;
    if h.years == 0 {
        return Err(Error::Usage(
            "--horizon 0: give the number of years the gain is valued over (1 or more)".into(),
        ));
    }
    if !(h.discount.is_finite() && h.discount > -1.0) {
        return Err(Error::Usage(format!(
            "--discount {}: a yearly rate above −1, e.g. 0.1",
            h.discount
        )));
    }
    if !(0.0..=1.0).contains(&h.retention) {
        return Err(Error::Usage(format!(
            "--retention {}: a yearly rate between 0 and 1, e.g. 0.85",
            h.retention
        )));
    }
    if opts.scenarios.is_empty() {
        return Err(Error::Usage(
            "no scenario: give --add, --to or --gap, or [[invest.scenario]] in the study".into(),
        ));
    }
    crate::stats::bootstrap::check_resamples(chain.bootstrap, chain.confidence)
}

/// The chain's segments (its order; `all` alone when there are none) and each one's rows.
fn segments(table: &CustomerTable) -> Result<Vec<(String, usize, Vec<usize>)>> {
    let names: Vec<String> = table
        .segments
        .iter()
        .filter(|s| *s != "all")
        .cloned()
        .collect();
    if names.is_empty() {
        return Ok(vec![("all".into(), 0, (0..table.df.height()).collect())]);
    }
    let seg = table.df.column(cols::SEGMENT)?.cast(&DataType::String)?;
    let seg = seg.str()?;
    Ok(names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let rows = seg
                .iter()
                .enumerate()
                .filter(|(_, v)| *v == Some(name.as_str()))
                .map(|(r, _)| r)
                .collect();
            (name.clone(), i + 1, rows)
        })
        .collect())
}

/// Run every scenario on the built customer table with the chain's options.
pub fn run(
    table: &CustomerTable,
    chain: &ChainOptions,
    opts: &InvestOptions,
) -> Result<InvestResult> {
    check(opts, chain)?;
    let mut warnings = Vec::new();
    let sat = crate::data::load::f64_values(&table.df, cols::SATISFACTION)?;
    let scale = match opts.scale {
        Some(s) => s,
        None => {
            let lo = sat.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = sat.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            warnings.push(format!(
                "the satisfaction scale is taken as the observed range [{lo}, {hi}]: no one can be raised above {hi}. Declare the scale (satisfaction_scale in [options], or --scale LOW,HIGH)"
            ));
            [lo, hi]
        }
    };
    for s in &opts.scenarios {
        s.check(scale)?;
    }
    let drivers = opts.scenarios.iter().any(|s| s.driver.is_some());
    for d in opts.scenarios.iter().filter_map(|s| s.driver.as_ref()) {
        if !opts.attributes.contains(d) {
            return Err(Error::Usage(format!(
                "driver '{d}' is not an attribute of the study ({}); name it in roles.attributes or choose one of them",
                if opts.attributes.is_empty() {
                    "it has none".to_string()
                } else {
                    opts.attributes.join(", ")
                }
            )));
        }
    }
    let attributes: &[String] = if drivers { &opts.attributes } else { &[] };
    let layout = Layout {
        quadratic: chain.quadratic,
        moderators: chain.moderators.len(),
        attributes: attributes.len(),
    };
    let parts = segments(table)?;
    let progress = crate::progress::bar(
        (chain.bootstrap * parts.len()) as u64,
        "bootstrap {bar:40} {pos}/{len} resamples ({eta})",
    );
    let mut models = Vec::new();
    for (name, index, rows) in parts {
        models.push(model::fit(
            &name, index, &table.df, rows, chain, attributes, &progress,
        )?);
    }
    progress.finish_and_clear();
    let multiplier = opts.horizon.multiplier();
    let mut results = Vec::new();
    for s in &opts.scenarios {
        results.push(evaluate(table, &models, layout, s, scale, opts, chain)?);
    }
    let ranking = rank(&results);
    for m in &models {
        let failed = m.draws.iter().filter(|d| !fitted(d)).count();
        if failed > 0 {
            warnings.push(format!(
                "segment '{}': {failed} of {} resamples could not be fitted and are left out of the intervals",
                m.name,
                m.draws.len()
            ));
        }
    }
    Ok(InvestResult {
        study: table.diagnostics.study.clone(),
        options: opts.clone(),
        chain: chain.clone(),
        scale,
        multiplier,
        scenarios: results,
        ranking,
        statements: Vec::new(),
        warnings,
        diagnostics: table.diagnostics.clone(),
    })
}

/// How far a scenario can be scaled before everyone it reaches is at the top.
fn k_max(
    s: &Scenario,
    models: &[SegmentModel],
    masks: &[Vec<bool>],
    [_, hi]: [f64; 2],
    driver: Option<usize>,
) -> f64 {
    let mut k: f64 = 1.0;
    for (m, mask) in models.iter().zip(masks) {
        let values = match driver {
            Some(j) => &m.attributes[j],
            None => &m.satisfaction,
        };
        for (i, _) in mask.iter().enumerate().filter(|(_, on)| **on) {
            let x = values[i];
            let need = match s.change {
                Change::Add(d) => (hi - x) / d,
                Change::To(t) if x < t => (hi - x) / (t - x),
                Change::To(_) => 0.0,
                Change::Gap(g) => 1.0 / g,
            };
            k = k.max(need);
        }
    }
    k
}

/// Cost of reaching `reached` customers with `gain` points in all, of which this part
/// reaches `part_reached` (the fixed cost is shared by customers reached).
fn cost_of(c: &Cost, reached: usize, gain: f64, part_reached: usize, total_reached: usize) -> f64 {
    let share = if total_reached > 0 {
        part_reached as f64 / total_reached as f64
    } else {
        0.0
    };
    c.fixed * share + c.per_customer * reached as f64 + c.per_point * gain
}

fn evaluate(
    table: &CustomerTable,
    models: &[SegmentModel],
    layout: Layout,
    s: &Scenario,
    scale: [f64; 2],
    opts: &InvestOptions,
    chain: &ChainOptions,
) -> Result<ScenarioResult> {
    if let Some(seg) = &s.segment {
        if !models.iter().any(|m| &m.name == seg) {
            return Err(Error::Usage(format!(
                "scenario '{}': no segment '{seg}'; the segments are {}",
                s.name,
                models
                    .iter()
                    .map(|m| m.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    let all = scenario::selected(&table.df, s, cols::SEGMENT)?;
    let masks: Vec<Vec<bool>> = models
        .iter()
        .map(|m| m.rows.iter().map(|&r| all[r]).collect())
        .collect();
    let bounds: Vec<Vec<[f64; 2]>> = models.iter().map(|m| effects::bounds(m, layout)).collect();
    let driver = s
        .driver
        .as_ref()
        .and_then(|d| opts.attributes.iter().position(|a| a == d));
    let reduce = |k: f64| -> Vec<Prepared> {
        models
            .iter()
            .zip(&masks)
            .zip(&bounds)
            .map(|((m, mask), b)| match driver {
                Some(j) => Prepared::Driver(effects::drive(m, layout, s, mask, j, scale, k)),
                None => Prepared::Satisfaction(effects::reduce(m, layout, s, mask, scale, k, b)),
            })
            .collect()
    };
    let reduced = reduce(1.0);
    let reached: usize = reduced.iter().map(Prepared::reached).sum();
    if reached == 0 {
        return Err(Error::Usage(format!(
            "scenario '{}' ({}) reaches no customer: no one it selects is below the target or the top of the scale [{}, {}]; check the rule and the segment",
            s.name,
            s.describe(),
            scale[0],
            scale[1]
        )));
    }
    let b = models.iter().map(|m| m.draws.len()).min().unwrap_or(0);
    let usable: Vec<usize> = (0..b)
        .filter(|&r| models.iter().all(|m| fitted(&m.draws[r])))
        .collect();
    let h = &opts.horizon;
    let mult = h.multiplier();
    let conf = chain.confidence;
    let gain: f64 = reduced.iter().map(Prepared::points).sum();
    let total_cost = cost_of(&s.cost, reached, gain, reached, reached);
    // Per segment: the totals at the estimate and under each usable resample.
    let per_segment: Vec<(Totals, Vec<Totals>)> = models
        .iter()
        .zip(&reduced)
        .map(|(m, r)| {
            let point = r.evaluate(&m.theta, layout);
            let draws = usable
                .iter()
                .map(|&i| r.evaluate(&m.draws[i], layout))
                .collect();
            (point, draws)
        })
        .collect();
    let outcome = |name: &str,
                   customers: usize,
                   mean_profit: f64,
                   r_reached: usize,
                   r_gain: f64,
                   beyond: (usize, f64),
                   point: Totals,
                   draws: &[Totals]|
     -> Outcome {
        let cost = cost_of(&s.cost, r_reached, r_gain, r_reached, reached);
        let per = |t: &Totals, f: fn(&Totals) -> f64| f(t) / r_reached.max(1) as f64;
        let fig = |f: fn(&Totals) -> f64, per_customer: bool| {
            let g = |t: &Totals| if per_customer { per(t, f) } else { f(t) };
            Figure::of(g(&point), &draws.iter().map(g).collect::<Vec<_>>(), conf)
        };
        let npv_of = |t: &Totals| t.profit * mult - cost;
        let npvs: Vec<f64> = draws.iter().map(npv_of).collect();
        let roi_of = |v: f64| if cost > 0.0 { v / cost } else { f64::NAN };
        Outcome {
            segment: name.to_string(),
            customers,
            reached: r_reached,
            mean_gain: point.satisfaction / r_reached.max(1) as f64,
            mean_driver_gain: driver.map(|_| r_gain / r_reached.max(1) as f64),
            share_of_wallet: fig(|t| t.share_of_wallet, true),
            revenue: fig(|t| t.revenue, true),
            profit: fig(|t| t.profit, true),
            total_revenue: fig(|t| t.revenue, false),
            total_profit: fig(|t| t.profit, false),
            value: Figure::of(
                point.profit * mult,
                &draws.iter().map(|t| t.profit * mult).collect::<Vec<_>>(),
                conf,
            ),
            cost,
            npv: Figure::of(npv_of(&point), &npvs, conf),
            roi: Figure::of(
                roi_of(npv_of(&point)),
                &npvs.iter().map(|v| roi_of(*v)).collect::<Vec<_>>(),
                conf,
            ),
            mean_profit,
            pays_off: if npvs.is_empty() {
                f64::NAN
            } else {
                npvs.iter().filter(|v| **v > 0.0).count() as f64 / npvs.len() as f64
            },
            beyond_observed: beyond.0,
            beyond_by: beyond.1,
        }
    };
    let segment_beyond: Vec<(usize, f64)> = models
        .iter()
        .zip(&reduced)
        .map(|(m, r)| r.beyond(&m.theta, layout))
        .collect();
    let mut segments = Vec::new();
    let mut total_point = Totals::default();
    let mut total_draws = vec![Totals::default(); usable.len()];
    for ((m, r), (point, draws)) in models.iter().zip(&reduced).zip(&per_segment) {
        total_point += *point;
        for (t, d) in total_draws.iter_mut().zip(draws) {
            *t += *d;
        }
        if r.reached() > 0 {
            segments.push(outcome(
                &m.name,
                m.rows.len(),
                m.mean_profit,
                r.reached(),
                r.points(),
                r.beyond(&m.theta, layout),
                *point,
                draws,
            ));
        }
    }
    let beyond = (
        segment_beyond.iter().map(|b| b.0).sum(),
        segment_beyond.iter().map(|b| b.1).fold(0.0, f64::max),
    );
    let customers: usize = models.iter().map(|m| m.rows.len()).sum();
    let mean_profit = models
        .iter()
        .map(|m| m.mean_profit * m.rows.len() as f64)
        .sum::<f64>()
        / customers.max(1) as f64;
    let total = outcome(
        "total",
        customers,
        mean_profit,
        reached,
        gain,
        beyond,
        total_point,
        &total_draws,
    );
    // Payback, at the estimate and per resample.
    let paybacks: Vec<f64> = total_draws
        .iter()
        .map(|t| h.payback(t.profit, total_cost).unwrap_or(f64::NAN))
        .collect();
    let payback_years = Figure::of(
        h.payback(total_point.profit, total_cost)
            .unwrap_or(f64::NAN),
        &paybacks,
        conf,
    );
    // Break-even: NPV over a grid of scaled changes.
    let top = k_max(s, models, &masks, scale, driver);
    let ks: Vec<f64> = (1..=GRID).map(|j| top * j as f64 / GRID as f64).collect();
    let grid: Vec<Vec<Prepared>> = ks.iter().map(|&k| reduce(k)).collect();
    let at_zero = -cost_of(&s.cost, reached, 0.0, reached, reached);
    let npv_at = |theta_of: &dyn Fn(&SegmentModel) -> &[f64], red: &[Prepared]| -> (f64, f64) {
        let mut profit = 0.0;
        let mut g = 0.0;
        for (m, r) in models.iter().zip(red) {
            profit += r.evaluate(theta_of(m), layout).profit;
            g += r.points();
        }
        let cost = cost_of(&s.cost, reached, g, reached, reached);
        (profit * mult - cost, g)
    };
    let gain_at = |k: f64| -> f64 {
        // The mean gain per customer reached at scale k (gains are piecewise linear in k).
        let j = (k / top * GRID as f64).floor() as usize;
        let (k0, g0) = if j == 0 {
            (0.0, 0.0)
        } else {
            (ks[j - 1], grid[j - 1].iter().map(Prepared::points).sum())
        };
        let (k1, g1) = if j < GRID {
            (ks[j], grid[j].iter().map(Prepared::points).sum::<f64>())
        } else {
            (k0, g0)
        };
        let g = if k1 > k0 {
            g0 + (g1 - g0) * (k - k0) / (k1 - k0)
        } else {
            g0
        };
        g / reached as f64
    };
    let even_of = |theta_of: &dyn Fn(&SegmentModel) -> &[f64]| -> f64 {
        let npvs: Vec<f64> = grid.iter().map(|red| npv_at(theta_of, red).0).collect();
        economics::break_even(&ks, &npvs, at_zero).map_or(f64::NAN, gain_at)
    };
    let even_point = even_of(&|m| m.theta.as_slice());
    // A driver scenario evaluates every customer under each θ: its break-even is found at
    // the estimate only (resamples × grid points × customers would be slow).
    let even_draws: Vec<f64> = if driver.is_some() {
        Vec::new()
    } else {
        usable
            .iter()
            .map(|&i| even_of(&|m| m.draws[i].as_slice()))
            .collect()
    };
    Ok(ScenarioResult {
        name: s.name.clone(),
        description: s.describe(),
        scenario: s.clone(),
        segments,
        total,
        payback_years,
        break_even_gain: Figure::of(even_point, &even_draws, conf),
        resamples: usable.len(),
    })
}

/// Scenario × segment by NPV per unit of cost (without a cost: by NPV, after).
fn rank(results: &[ScenarioResult]) -> Vec<Ranked> {
    let mut out: Vec<Ranked> = results
        .iter()
        .flat_map(|r| {
            r.segments.iter().map(move |o| Ranked {
                scenario: r.name.clone(),
                segment: o.segment.clone(),
                roi: o.roi.estimate,
                npv: o.npv.estimate,
                cost: o.cost,
            })
        })
        .collect();
    out.sort_by(|a, b| match (a.roi.is_nan(), b.roi.is_nan()) {
        (false, false) => b.roi.total_cmp(&a.roi),
        (true, true) => b.npv.total_cmp(&a.npv),
        (false, true) => std::cmp::Ordering::Less,
        (true, false) => std::cmp::Ordering::Greater,
    });
    out
}
