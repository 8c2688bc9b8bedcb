//! The data of the report's chain-link scatter plots: per segment, the simple-regression
//! line and either the points (thinned above [`MAX_SCATTER_POINTS`]) or, above
//! [`DENSITY_ABOVE`] customers, a 2-D histogram of them; and axis ranges that a few
//! outliers cannot stretch (the 0.5th–99.5th percentiles, with the customers outside
//! counted for the caption).

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::build::cols;
use crate::data::load;
use crate::data::CustomerTable;
use crate::error::Result;
use crate::stats::bootstrap::quantile_sorted;
use crate::stats::{model_frame, Formula, OlsFit};

/// Most points per segment a scatter plot shows; larger segments are thinned evenly.
pub const MAX_SCATTER_POINTS: usize = 3000;
/// Segments with more customers are drawn as a density (binned counts), not as points.
pub const DENSITY_ABOVE: usize = 2000;
/// Share of the data left outside each axis's plotted range, split between both ends.
pub const TRIM: f64 = 0.01;
/// Bins of a density along a continuous axis.
const BINS: usize = 28;

/// A segment's customers binned on the link's plotted ranges.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Density {
    /// Bin edges along x and y (`nx + 1` and `ny + 1` values).
    pub x_edges: Vec<f64>,
    pub y_edges: Vec<f64>,
    /// Non-empty cells: (x bin, y bin, customers).
    pub cells: Vec<(u32, u32, u32)>,
}

/// One segment's points and simple-regression line for a chain link.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkSeries {
    pub segment: String,
    /// (x, y) points, at most [`MAX_SCATTER_POINTS`] (every k-th customer when thinned);
    /// empty when the segment is drawn as a density.
    pub points: Vec<(f64, f64)>,
    /// The segment's density, when it has more than [`DENSITY_ABOVE`] customers.
    pub density: Option<Density>,
    /// Customers in the segment (≥ points.len()).
    pub n: usize,
    pub intercept: f64,
    pub slope: f64,
}

/// A chain link (x → y) for scatter plots.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Link {
    pub x: String,
    pub y: String,
    pub series: Vec<LinkSeries>,
    /// True when some segment was thinned to [`MAX_SCATTER_POINTS`].
    pub thinned: bool,
    /// Plotted ranges: the 0.5th–99.5th percentiles of all customers (the full range when
    /// that leaves nobody out).
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    /// Customers outside the plotted ranges (still in the fitted lines).
    pub outside: usize,
    /// x takes a few whole values (a rating scale): points are jittered, bins are the values.
    pub x_discrete: bool,
}

/// The three links satisfaction → SOW → revenue → profit, per segment, with the
/// simple OLS line of y on x (fitted by the regression engine).
pub fn links(table: &CustomerTable) -> Result<Vec<Link>> {
    let pairs = [
        (cols::SATISFACTION, cols::SOW),
        (cols::SOW, cols::REVENUE),
        (cols::REVENUE, cols::PROFIT),
    ];
    let mut out = Vec::new();
    for (x, y) in pairs {
        let all_x = load::f64_values(&table.df, x)?;
        let all_y = load::f64_values(&table.df, y)?;
        let x_range = robust_range(&all_x);
        let y_range = robust_range(&all_y);
        let outside = all_x
            .iter()
            .zip(&all_y)
            .filter(|(a, b)| !within(**a, x_range) || !within(**b, y_range))
            .count();
        let x_discrete = is_discrete(&table.df, x)?;
        let mut series = Vec::new();
        let mut thinned = false;
        for seg in &table.segments {
            let df = crate::analysis::regress::subset(&table.df, cols::SEGMENT, seg)?;
            let n = df.height();
            let formula = Formula::parse(&format!("{y} ~ {x}"))?;
            let line = model_frame(&formula, &df, "customer table")
                .and_then(|f| OlsFit::fit(&f.design))
                .ok();
            let (points, density) = if n > DENSITY_ABOVE {
                let d = density(&df, x, y, x_range, y_range, x_discrete)?;
                (Vec::new(), Some(d))
            } else {
                let (xs, ys) = (load::f64_values(&df, x)?, load::f64_values(&df, y)?);
                let step = n.div_ceil(MAX_SCATTER_POINTS).max(1);
                thinned |= step > 1;
                let pts = xs
                    .iter()
                    .zip(&ys)
                    .step_by(step)
                    .map(|(a, b)| (*a, *b))
                    .collect();
                (pts, None)
            };
            series.push(LinkSeries {
                segment: seg.clone(),
                points,
                density,
                n,
                intercept: line.as_ref().map_or(f64::NAN, |f| f.params[0]),
                slope: line.as_ref().map_or(f64::NAN, |f| f.params[1]),
            });
        }
        out.push(Link {
            x: x.into(),
            y: y.into(),
            series,
            thinned,
            x_range,
            y_range,
            outside,
            x_discrete,
        });
    }
    Ok(out)
}

fn within(v: f64, (lo, hi): (f64, f64)) -> bool {
    v >= lo && v <= hi
}

/// The 0.5th–99.5th percentiles of the finite values.
fn robust_range(v: &[f64]) -> (f64, f64) {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        return (0.0, 1.0);
    }
    let (lo, hi) = (
        quantile_sorted(&s, TRIM / 2.0),
        quantile_sorted(&s, 1.0 - TRIM / 2.0),
    );
    if hi > lo {
        (lo, hi)
    } else {
        (s[0], s[s.len() - 1].max(s[0] + 1.0))
    }
}

/// Whole numbers with at most 11 distinct values (a 0–10 or 1–10 rating, say).
fn is_discrete(df: &DataFrame, c: &str) -> Result<bool> {
    let v = df
        .clone()
        .lazy()
        .select([
            col(c).n_unique().alias("k"),
            col(c)
                .neq(col(c).cast(DataType::Int64).cast(DataType::Float64))
                .sum()
                .alias("frac"),
        ])
        .collect()?;
    let k = v.column("k")?.get(0)?.extract::<u64>().unwrap_or(u64::MAX);
    let fractional = v.column("frac")?.get(0)?.extract::<u64>().unwrap_or(1);
    Ok(k <= 11 && fractional == 0)
}

/// Customers of `df` binned on the plotted ranges (a polars group-by on the bin indices).
fn density(
    df: &DataFrame,
    x: &str,
    y: &str,
    xr: (f64, f64),
    yr: (f64, f64),
    x_discrete: bool,
) -> Result<Density> {
    // A rating axis gets one bin per value; a continuous one BINS equal bins.
    let (x0, nx, wx) = if x_discrete {
        let lo = xr.0.round();
        (lo - 0.5, (xr.1.round() - lo) as usize + 1, 1.0)
    } else {
        (xr.0, BINS, (xr.1 - xr.0) / BINS as f64)
    };
    let ny = BINS;
    let wy = (yr.1 - yr.0) / ny as f64;
    let bin = |c: &str, lo: f64, w: f64, n: usize| {
        // In range, so ≥ 0; the top edge itself belongs to the last bin.
        let b = ((col(c) - lit(lo)) / lit(w)).cast(DataType::Int64);
        when(b.clone().gt(lit(n as i64 - 1)))
            .then(lit(n as i64 - 1))
            .otherwise(b)
            .alias(format!("__b{c}"))
    };
    let in_range = col(x)
        .gt_eq(lit(x0))
        .and(col(x).lt_eq(lit(x0 + wx * nx as f64)))
        .and(col(y).gt_eq(lit(yr.0)))
        .and(col(y).lt_eq(lit(yr.1)));
    let counts = df
        .clone()
        .lazy()
        .filter(in_range)
        .select([bin(x, x0, wx, nx), bin(y, yr.0, wy, ny)])
        .group_by_stable([col(format!("__b{x}")), col(format!("__b{y}"))])
        .agg([len().alias("n")])
        .sort([format!("__b{x}"), format!("__b{y}")], Default::default())
        .collect()?;
    let bx = load::f64_values(&counts, &format!("__b{x}"))?;
    let by = load::f64_values(&counts, &format!("__b{y}"))?;
    let n = load::f64_values(&counts, "n")?;
    Ok(Density {
        x_edges: (0..=nx).map(|i| x0 + wx * i as f64).collect(),
        y_edges: (0..=ny).map(|i| yr.0 + wy * i as f64).collect(),
        cells: bx
            .iter()
            .zip(&by)
            .zip(&n)
            .map(|((a, b), c)| (*a as u32, *b as u32, *c as u32))
            .collect(),
    })
}
