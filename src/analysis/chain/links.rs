//! The data of the report's chain-link scatter plots: per segment, the points (thinned
//! above [`MAX_SCATTER_POINTS`]) and the simple-regression line.

use serde::{Deserialize, Serialize};

use crate::data::build::cols;
use crate::data::load;
use crate::data::CustomerTable;
use crate::error::Result;
use crate::stats::{model_frame, Formula, OlsFit};

/// Most points per segment a scatter plot shows; larger segments are thinned evenly.
pub const MAX_SCATTER_POINTS: usize = 3000;

/// One segment's points and simple-regression line for a chain link.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkSeries {
    pub segment: String,
    /// (x, y) points, at most [`MAX_SCATTER_POINTS`] (every k-th customer when thinned).
    pub points: Vec<(f64, f64)>,
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
        let mut series = Vec::new();
        let mut thinned = false;
        for seg in &table.segments {
            let df = crate::analysis::regress::subset(&table.df, cols::SEGMENT, seg)?;
            let (xs, ys) = (load::f64_values(&df, x)?, load::f64_values(&df, y)?);
            let n = xs.len();
            let formula = Formula::parse(&format!("{y} ~ {x}"))?;
            let line = model_frame(&formula, &df, "customer table")
                .and_then(|f| OlsFit::fit(&f.design))
                .ok();
            let step = n.div_ceil(MAX_SCATTER_POINTS).max(1);
            thinned |= step > 1;
            series.push(LinkSeries {
                segment: seg.clone(),
                points: xs
                    .iter()
                    .zip(&ys)
                    .step_by(step)
                    .map(|(a, b)| (*a, *b))
                    .collect(),
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
        });
    }
    Ok(out)
}
