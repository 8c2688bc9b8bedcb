//! Building a study's customer table when it includes a transaction log: the log is
//! summarized and modelled ([`super::clv`]) into one row per customer, which then joins
//! like any customer table, so `chain`, `regress` and `report` can use `clv`, `p_alive`
//! and the rest.

use polars::prelude::*;

use super::clv::{self, ClvOptions, ClvResult};
use crate::data::build::{self, cols, CustomerTable};
use crate::data::diagnostics::Dropped;
use crate::data::study::{Level, Study};
use crate::data::transactions::{self, TimeUnit, TxSpec};
use crate::error::{Error, Result};
use crate::stats::btyd::PurchaseModel;

/// The columns a transaction log adds to the customer table.
pub const CLV_COLUMNS: [&str; 7] = [
    "frequency",
    "recency",
    "age",
    "p_alive",
    "expected_transactions",
    "expected_spend",
    "clv",
];

/// The built table and, when the study has a transaction log, its CLV study (totals and
/// segment totals over the customers in the table).
pub struct Built {
    pub table: CustomerTable,
    pub clv: Option<ClvResult>,
    /// The satisfaction-index study, when the study has a `[csi]` section.
    pub csi: Option<crate::analysis::csi::CsiResult>,
}

/// Build `study`'s customer table, modelling its survey with the `[csi]` model and its
/// transaction log first if it has them.
pub fn build(study: &Study) -> Result<Built> {
    let mut prepared = std::collections::HashMap::new();
    let csi = match &study.csi {
        Some(c) => Some(super::csi_study::indices(study, c, &mut prepared)?),
        None => None,
    };
    let (Some(spec), Some(c)) = (
        study.tables.iter().find(|t| t.level == Level::Transaction),
        study.clv.as_ref(),
    ) else {
        let table = build::build_with(study, prepared)?;
        return Ok(Built {
            csi: with_segments(study, &table, csi)?,
            table,
            clv: None,
        });
    };
    let path = study.resolve(spec);
    let file = path.display().to_string();
    let mut read = spec.read_options()?;
    read.text_columns = vec![study.table_id(spec).to_string()];
    let log = transactions::read(&path, &read)?;
    let model = PurchaseModel::parse(&c.model).map_err(|e| Error::study("[clv]", e.to_string()))?;
    let tx = TxSpec {
        id: study.table_id(spec).to_string(),
        date: spec.date.clone().unwrap_or_default(),
        amount: spec.amount.clone().unwrap_or_default(),
        date_format: spec.date_format.clone(),
        unit: TimeUnit::parse(&c.time_unit)?,
        calibration_end: c.calibration_end.clone(),
        observation_end: c.observation_end.clone(),
        discrete: model == PurchaseModel::BgBb,
        returns: transactions::Returns::parse(&c.returns)
            .map_err(|e| Error::study("[clv]", e.to_string()))?,
        allow_end_after_data: c.allow_end_after_data,
        in_study: true,
    };
    let rfm = transactions::summarize(&log, &file, &tx)?;
    let opts = ClvOptions {
        horizon: c.horizon,
        discount: c.discount,
        margin: if c.margin_from_profit { 1.0 } else { c.margin },
        model,
        compare: Vec::new(),
    };
    let (mut result, customers) = clv::run(&rfm, &opts)?;
    let per_customer = customers
        .lazy()
        .select([
            col("id").alias(tx.id.as_str()),
            col("x").alias("frequency"),
            col("t_x").alias("recency"),
            col("T").alias("age"),
            col("p_alive"),
            col("expected_transactions"),
            col("expected_spend"),
            col("clv"),
        ])
        .collect()?;
    prepared.insert(spec.name.clone(), per_customer);
    let mut table = build::build_with(study, prepared)?;

    // The log's own row counts in the diagnostics.
    let d = &rfm.diagnostics;
    if let Some(input) = table
        .diagnostics
        .inputs
        .iter_mut()
        .find(|i| i.name == spec.name)
    {
        input.rows_read = d.rows_read;
    }
    for (n, reason) in [
        (d.rows_missing, "transaction without id, date or amount"),
        (
            d.rows_after_observation_end,
            "transaction after the observation end",
        ),
    ] {
        if n > 0 {
            table.diagnostics.dropped.push(Dropped {
                stage: spec.name.clone(),
                reason: reason.into(),
                unit: "rows".into(),
                count: n,
                examples: vec![],
            });
        }
    }
    if d.rows_non_positive > 0 {
        table.diagnostics.notes.push(format!(
            "table '{}': {} transactions with amount ≤ 0 count as purchases without spend",
            spec.name, d.rows_non_positive
        ));
    }
    if d.customers_after_calibration > 0 {
        table.diagnostics.notes.push(format!(
            "table '{}': {} customers first bought after the calibration end ({}) and have no CLV",
            spec.name, d.customers_after_calibration, c.calibration_end
        ));
    }

    if c.margin_from_profit {
        apply_profit_margin(&mut table, &mut result)?;
    }
    // Totals over the customers in the table, and per segment.
    let mut df = table.df.clone();
    df.with_column(Column::new_scalar(
        "__all".into(),
        Scalar::new(DataType::String, "all".into()),
        df.height(),
    ))?;
    if let Some(t) = clv::segment_totals(&df, "__all", &["all".to_string()])?.pop() {
        result.totals = t;
    }
    result.by_segment = clv::segment_totals(&table.df, cols::SEGMENT, &table.segments)?;
    Ok(Built {
        csi: with_segments(study, &table, csi)?,
        table,
        clv: Some(result),
    })
}

/// The CSI study with its comparison between the built table's segments.
fn with_segments(
    study: &Study,
    table: &CustomerTable,
    csi: Option<crate::analysis::csi::CsiResult>,
) -> Result<Option<crate::analysis::csi::CsiResult>> {
    match (csi, &study.csi) {
        (Some(mut r), Some(spec)) => {
            super::csi_study::compare_segments(study, spec, table, &mut r)?;
            Ok(Some(r))
        }
        (r, _) => Ok(r),
    }
}

/// CLV at each customer's own margin, profit / revenue (0, with a warning, where revenue is
/// not positive).
fn apply_profit_margin(table: &mut CustomerTable, result: &mut ClvResult) -> Result<()> {
    let no_revenue = table
        .df
        .clone()
        .lazy()
        .filter(col(cols::REVENUE).lt_eq(lit(0.0)))
        .collect()?
        .height();
    table.df = table
        .df
        .clone()
        .lazy()
        .with_column(
            when(col(cols::REVENUE).gt(lit(0.0)))
                .then(col("clv") * col(cols::PROFIT) / col(cols::REVENUE))
                .otherwise(lit(0.0))
                .alias("clv"),
        )
        .collect()?;
    result.options.margin = f64::NAN;
    result.warnings.push(format!(
        "CLV uses each customer's margin, profit / revenue{}",
        if no_revenue > 0 {
            format!("; {no_revenue} customers with revenue ≤ 0 get margin 0")
        } else {
            String::new()
        }
    ));
    Ok(())
}

/// Put `outcome` in profit's place for the chain's Y equation: `profit` (no change) or
/// `clv`, which needs a study with a transaction log. Observed profit is kept as
/// `observed_profit`; the segments stay as they were formed.
pub fn use_outcome(table: &mut CustomerTable, outcome: &str) -> Result<()> {
    match outcome {
        "profit" => Ok(()),
        "clv" => {
            if table.df.column("clv").is_err() {
                return Err(Error::Usage(
                    "--outcome clv needs customer lifetime value: add the transaction log to the study as a table with level = \"transaction\" and a [clv] section".into(),
                ));
            }
            // Customers without a CLV (no purchases in the log, or no spend model) cannot
            // have CLV as their outcome: left out of this analysis, counted.
            let total = table.df.height();
            let with_clv = table
                .df
                .clone()
                .lazy()
                .filter(col("clv").is_not_null().and(col("clv").is_finite()))
                .collect()?;
            if with_clv.height() == 0 {
                return Err(Error::Degenerate(
                    "no customer has a CLV (no spend model could be fitted: see the clv warnings), so CLV cannot be the chain's outcome".into(),
                ));
            }
            if with_clv.height() < total {
                let gone = total - with_clv.height();
                table.diagnostics.warnings.push(format!(
                    "{gone} of {total} customers have no CLV (no purchases in the transaction log) and are left out of the chain with CLV as its outcome"
                ));
                table.diagnostics.dropped.push(Dropped {
                    stage: "customers".into(),
                    reason: "no CLV (no purchases in the transaction log), with --outcome clv"
                        .into(),
                    unit: "customers".into(),
                    count: gone,
                    examples: vec![],
                });
                table.diagnostics.customers = with_clv.height();
                table.df = with_clv;
                // Segment sizes as analysed.
                for sc in table.diagnostics.segments.iter_mut() {
                    sc.customers = table
                        .df
                        .column(cols::SEGMENT)?
                        .as_materialized_series()
                        .str()?
                        .iter()
                        .filter(|v| *v == Some(sc.segment.as_str()))
                        .count();
                }
            }
            table.df = table
                .df
                .clone()
                .lazy()
                .rename([cols::PROFIT], ["observed_profit"], true)
                .with_column(col("clv").alias(cols::PROFIT))
                .collect()?;
            Ok(())
        }
        _ => Err(Error::Usage(format!(
            "--outcome '{outcome}': use profit or clv"
        ))),
    }
}
