//! One scenario through every segment's fitted chain: the totals at the estimate and under
//! each resample, the economics, payback and the break-even change with the net return
//! against the size of the change ([`super`] describes the method).

use super::economics;
use super::effects::{self, Prepared, Totals};
use super::model::{fitted, Layout, SegmentModel};
use super::scenario::{self, Change, Cost, Scenario};
use super::{CurvePoint, Figure, InvestOptions, Outcome, ProfitPaths, ScenarioResult};
use crate::analysis::chain::ChainOptions;
use crate::data::build::cols;
use crate::data::CustomerTable;
use crate::error::{Error, Result};

/// Points of the grid the break-even change is found on.
const GRID: usize = 64;

/// Customer evaluations (customers reached × resamples × grid points) a driver scenario's
/// break-even interval may take (about a second).
const DRIVER_BUDGET: f64 = 1e9;

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

pub(super) fn evaluate(
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
    // Δvalue: each year's discounted Δprofit summed (retention per customer), or the
    // annual Δprofit times the horizon's multiplier.
    let value_of = move |t: &Totals| -> f64 {
        if t.yearly.is_empty() {
            t.profit * mult
        } else {
            t.yearly.iter().sum()
        }
    };
    let payback_of = move |t: &Totals, cost: f64| -> f64 {
        let yearly = if t.yearly.is_empty() {
            h.weights().iter().map(|w| w * t.profit).collect()
        } else {
            t.yearly.clone()
        };
        economics::payback(&yearly, cost).unwrap_or(f64::NAN)
    };
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
        let npv_of = |t: &Totals| value_of(t) - cost;
        let npvs: Vec<f64> = draws.iter().map(npv_of).collect();
        let roi_of = |v: f64| if cost > 0.0 { v / cost } else { f64::NAN };
        Outcome {
            segment: name.to_string(),
            customers,
            reached: r_reached,
            mean_gain: point.satisfaction / r_reached.max(1) as f64,
            mean_driver_gain: driver.map(|_| r_gain / r_reached.max(1) as f64),
            share_of_wallet: fig(|t| t.share_of_wallet, true),
            profit_paths: {
                let n = r_reached.max(1) as f64;
                ProfitPaths {
                    direct: point.paths[0] / n,
                    share_of_wallet: point.paths[1] / n,
                    revenue: point.paths[2] / n,
                }
            },
            revenue: fig(|t| t.revenue, true),
            profit: fig(|t| t.profit, true),
            total_revenue: fig(|t| t.revenue, false),
            total_profit: fig(|t| t.profit, false),
            value: Figure::of(
                value_of(&point),
                &draws.iter().map(value_of).collect::<Vec<_>>(),
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
        total_point += point;
        for (t, d) in total_draws.iter_mut().zip(draws) {
            *t += d;
        }
        if r.reached() > 0 {
            segments.push(outcome(
                &m.name,
                m.rows.len(),
                m.mean_profit,
                r.reached(),
                r.points(),
                r.beyond(&m.theta, layout),
                point.clone(),
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
        total_point.clone(),
        &total_draws,
    );
    // Payback, at the estimate and per resample.
    let paybacks: Vec<f64> = total_draws
        .iter()
        .map(|t| payback_of(t, total_cost))
        .collect();
    let payback_years = Figure::of(payback_of(&total_point, total_cost), &paybacks, conf);
    // Break-even: NPV over a grid of scaled changes.
    let top = k_max(s, models, &masks, scale, driver);
    let ks: Vec<f64> = (1..=GRID).map(|j| top * j as f64 / GRID as f64).collect();
    let grid: Vec<Vec<Prepared>> = ks.iter().map(|&k| reduce(k)).collect();
    let at_zero = -cost_of(&s.cost, reached, 0.0, reached, reached);
    let npv_at = |theta_of: &dyn Fn(&SegmentModel) -> &[f64], red: &[Prepared]| -> (f64, f64) {
        let mut value = 0.0;
        let mut g = 0.0;
        for (m, r) in models.iter().zip(red) {
            value += value_of(&r.evaluate(theta_of(m), layout));
            g += r.points();
        }
        let cost = cost_of(&s.cost, reached, g, reached, reached);
        (value - cost, g)
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
    let curve_of = |theta_of: &dyn Fn(&SegmentModel) -> &[f64]| -> Vec<f64> {
        grid.iter().map(|red| npv_at(theta_of, red).0).collect()
    };
    let even_of = |npvs: &[f64]| -> f64 {
        economics::break_even(&ks, npvs, at_zero).map_or(f64::NAN, gain_at)
    };
    let point_curve = curve_of(&|m| m.theta.as_slice());
    let even_point = even_of(&point_curve);
    // A driver scenario evaluates every customer under each θ at each grid point: its
    // interval is computed up to a budget of customer evaluations, else the estimate only
    // (said in the result's `break_even_estimate_only`).
    let work = reached as f64 * usable.len() as f64 * GRID as f64;
    let skip = driver.is_some() && work > DRIVER_BUDGET;
    let draw_curves: Vec<Vec<f64>> = if skip {
        Vec::new()
    } else {
        usable
            .iter()
            .map(|&i| curve_of(&|m| m.draws[i].as_slice()))
            .collect()
    };
    let even_draws: Vec<f64> = draw_curves.iter().map(|c| even_of(c)).collect();
    let curve = std::iter::once(CurvePoint {
        gain: 0.0,
        npv: Figure::of(at_zero, &vec![at_zero; draw_curves.len()], conf),
    })
    .chain((0..GRID).map(|j| CurvePoint {
        gain: gain_at(ks[j]),
        npv: Figure::of(
            point_curve[j],
            &draw_curves.iter().map(|c| c[j]).collect::<Vec<_>>(),
            conf,
        ),
    }))
    .collect();
    Ok(ScenarioResult {
        name: s.name.clone(),
        description: s.describe(),
        scenario: s.clone(),
        segments,
        total,
        payback_years,
        break_even_gain: Figure::of(even_point, &even_draws, conf),
        break_even_estimate_only: skip,
        curve,
        resamples: usable.len(),
        lifetime: None,
    })
}
