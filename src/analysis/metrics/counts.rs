//! `metrics --streaming`: CSAT, NPS, CES and retention from the counts of each rating value
//! per group, counted on polars' streaming engine, so memory is set by the number of
//! distinct (group, value) pairs, not by the number of responses. Counts are whole
//! numbers, exact in any order, so the results do not depend on batches or threads; means
//! and standard deviations are taken from the counts in ascending order of the value
//! (Σk·v / Σk, and Σk·(v − mean)² / (Σk − 1)), and agree with the in-memory metrics to the
//! order of floating-point sums (test: 1e-12).
//!
//! Not from counts: the CSI (a weighted index of several attributes per response) and the
//! roll-up to customers (a mean per customer) — refused with the fix.

use polars::prelude::*;
use statrs::distribution::{ContinuousCDF, Normal};

use super::{scale_words, summarize, MetricsOptions, MetricsOutput, Summarized};
use crate::error::{Error, Result};

/// One metric's column, its tag in the aggregates, and its valid range and wording.
struct Rated {
    column: String,
    tag: &'static str,
    lo: f64,
    hi: f64,
    whole: bool,
    what: String,
}

fn rated(opts: &MetricsOptions) -> Vec<Rated> {
    let mut out = Vec::new();
    if let Some((c, s)) = &opts.csat {
        out.push(Rated {
            column: c.clone(),
            tag: "csat",
            lo: s.low,
            hi: s.high,
            whole: false,
            what: scale_words("CSAT", "--csat-scale", s, opts),
        });
    }
    if let Some(c) = &opts.nps {
        out.push(Rated {
            column: c.clone(),
            tag: "nps",
            lo: 0.0,
            hi: 10.0,
            whole: true,
            what: "0-10 scale of a likelihood-to-recommend item (whole numbers)".into(),
        });
    }
    if let Some((c, s)) = &opts.ces {
        out.push(Rated {
            column: c.clone(),
            tag: "ces",
            lo: s.low,
            hi: s.high,
            whole: false,
            what: scale_words("CES", "--ces-scale", s, opts),
        });
    }
    if let Some(c) = &opts.retained {
        out.push(Rated {
            column: c.clone(),
            tag: "ret",
            lo: 0.0,
            hi: 1.0,
            whole: true,
            what: "0/1 coding of a retained flag".into(),
        });
    }
    out
}

fn f64s(df: &DataFrame, c: &str) -> Result<Vec<f64>> {
    Ok(df
        .column(c)?
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect())
}

fn texts(df: &DataFrame, c: &str) -> Result<Vec<String>> {
    Ok(df
        .column(c)?
        .str()?
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect())
}

/// Refuse what counts cannot give.
pub fn check(opts: &MetricsOptions) -> Result<()> {
    if opts.csi.is_some() || opts.rollup_id.is_some() {
        return Err(Error::Usage(
            "--streaming counts each rating value: --csi (an index of several ratings per response) and --rollup customer (a mean per customer) need the responses in memory; run without --streaming".into(),
        ));
    }
    if rated(opts).is_empty() {
        return Err(Error::Usage(
            "name at least one metric: --csat, --nps, --ces or --retained".into(),
        ));
    }
    Ok(())
}

/// The metrics of the table `lf` (named `file` in messages), read in batches.
pub fn stream(lf: LazyFrame, file: &str, opts: &MetricsOptions) -> Result<MetricsOutput> {
    check(opts)?;
    let metrics = rated(opts);
    let mut lf = lf;
    let schema = lf.collect_schema()?;
    let names: Vec<String> = schema.iter_names().map(|s| s.to_string()).collect();
    for c in metrics.iter().map(|m| &m.column).chain(opts.by.as_ref()) {
        if !schema.contains(c.as_str()) {
            return Err(Error::MissingColumn {
                file: file.to_string(),
                column: c.clone(),
                suggestion: crate::error::closest(c, names.iter().map(String::as_str)),
                available: names.join(", "),
            });
        }
    }
    for m in &metrics {
        let dtype = schema
            .get(m.column.as_str())
            .cloned()
            .unwrap_or(DataType::Null);
        if !(dtype.is_primitive_numeric() || dtype == DataType::Null) {
            return Err(Error::InvalidData(format!(
                "{file}: column '{}' is {dtype}, not numbers. --streaming reads numbers as numbers only; run without --streaming (which reads number forms in text and says what it changed), or convert the column.",
                m.column
            )));
        }
    }
    let group = match &opts.by {
        Some(by) => col(by.as_str()).cast(DataType::String),
        None => lit("all"),
    }
    .alias("__group");
    let collect = |q: LazyFrame| -> Result<DataFrame> {
        Ok(q.collect_with_engine(Engine::Streaming)?.unwrap_single())
    };
    let rows = collect(
        // (A literal group is broadcast to the rows by with_column; a select of it alone
        // would be one row.)
        lf.clone()
            .with_column(group.clone())
            .select([col("__group")])
            .group_by([col("__group")])
            .agg([len().cast(DataType::Float64).alias("__n")])
            .sort(["__group"], Default::default()),
    )?;
    let mut counts = Counts {
        groups: texts(&rows, "__group")?
            .into_iter()
            .zip(f64s(&rows, "__n")?)
            .collect(),
        values: Default::default(),
    };
    for m in &metrics {
        let c = collect(
            lf.clone()
                .select([
                    group.clone(),
                    col(m.column.as_str()).cast(DataType::Float64).alias("__v"),
                ])
                .filter(col("__v").is_not_null())
                .group_by([col("__group"), col("__v")])
                .agg([len().cast(DataType::Float64).alias("__k")])
                .sort(["__group", "__v"], Default::default()),
        )?;
        let rows: Vec<(String, f64, f64)> = texts(&c, "__group")?
            .into_iter()
            .zip(f64s(&c, "__v")?)
            .zip(f64s(&c, "__k")?)
            .map(|((g, v), k)| (g, v, k))
            .collect();
        counts.values.insert(m.column.clone(), rows);
    }
    from_counts(counts, file, opts)
}

/// Responses per group, and the counts of each metric column's values per group (by
/// column name: (group, value, count) rows in any order) — what a stream or a Spark
/// aggregate counts.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    pub groups: Vec<(String, f64)>,
    pub values: std::collections::BTreeMap<String, Vec<(String, f64, f64)>>,
}

/// The metrics from the counts (`file` names the table in messages).
pub fn from_counts(mut counts: Counts, file: &str, opts: &MetricsOptions) -> Result<MetricsOutput> {
    check(opts)?;
    let metrics = rated(opts);
    counts.groups.sort_by(|a, b| a.0.cmp(&b.0));
    let rows = DataFrame::new_infer_height(vec![
        Column::new(
            "__group".into(),
            counts
                .groups
                .iter()
                .map(|g| g.0.clone())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "__n".into(),
            counts.groups.iter().map(|g| g.1).collect::<Vec<_>>(),
        ),
    ])?;
    // A column with many values (a measure, an id) is refused here, naming it.
    let group_names = crate::analysis::regress::group_values(&rows, "__group")?;
    let mut columns: Vec<Column> = rows.columns().to_vec();
    let mut ces_dist = None;
    for m in &metrics {
        let mut rows = counts.values.remove(&m.column).unwrap_or_default();
        rows.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let g: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let v: Vec<f64> = rows.iter().map(|r| r.1).collect();
        let k: Vec<f64> = rows.iter().map(|r| r.2).collect();
        for (value, count) in v.iter().zip(&k) {
            let outside = *value < m.lo || *value > m.hi || (m.whole && value.fract() != 0.0);
            if outside {
                return Err(Error::Usage(format!(
                    "{file}: column '{}' holds {value} ({count} rows), outside the {}",
                    m.column, m.what
                )));
            }
        }
        // Per group: n, mean, sd (and the top-2-box, promoter and detractor counts).
        let mut cols: Vec<Vec<f64>> = vec![Vec::new(); 6];
        for name in &group_names {
            let at: Vec<usize> = (0..g.len()).filter(|&i| &g[i] == name).collect();
            let n: f64 = at.iter().map(|&i| k[i]).sum();
            let mean = at.iter().map(|&i| k[i] * v[i]).sum::<f64>() / n;
            let ss: f64 = at.iter().map(|&i| k[i] * (v[i] - mean).powi(2)).sum();
            let sd = if n >= 2.0 {
                (ss / (n - 1.0)).sqrt()
            } else {
                f64::NAN
            };
            let count = |f: &dyn Fn(f64) -> bool| -> f64 {
                at.iter().filter(|&&i| f(v[i])).map(|&i| k[i]).sum()
            };
            let hi = m.hi;
            let stats = [
                n,
                if n > 0.0 { mean } else { f64::NAN },
                sd,
                count(&|x| x >= hi - 1.0),
                count(&|x| x >= 9.0),
                count(&|x| x < 7.0),
            ];
            for (c, x) in cols.iter_mut().zip(stats) {
                c.push(x);
            }
        }
        let t = m.tag;
        let mut add = |name: String, values: &Vec<f64>| {
            columns.push(Column::new(name.into(), values.clone()));
        };
        add(format!("{t}_n"), &cols[0]);
        add(format!("{t}_mean"), &cols[1]);
        add(format!("{t}_sd"), &cols[2]);
        if t == "csat" {
            add("csat_top2".into(), &cols[3]);
        }
        if t == "nps" {
            add("nps_p".into(), &cols[4]);
            add("nps_d".into(), &cols[5]);
        }
        if t == "ces" {
            ces_dist = Some(DataFrame::new_infer_height(vec![
                Column::new("__group".into(), g.clone()),
                Column::new("__v".into(), v.clone()),
                Column::new("__k".into(), k.clone()),
            ])?);
        }
    }
    let agg = DataFrame::new_infer_height(columns)?;
    let z = Normal::new(0.0, 1.0)
        .map(|d| d.inverse_cdf(0.5 + opts.confidence / 2.0))
        .map_err(|e| Error::Internal(e.to_string()))?;
    summarize(
        &agg,
        ces_dist.as_ref(),
        opts,
        Summarized {
            z,
            rolled_up: false,
            unit: "respondents".into(),
            notes: vec![
                "the metrics come from the counts of each rating value per group, read in parts; the input audit's whole-table checks (Total rows, non-answer codes on an inferred scale, numbers stored as text) were not run".into(),
            ],
            csi_weights: vec![],
        },
    )
}
