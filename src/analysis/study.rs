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
    /// Contractual retention, when the study has a `[retention]` section.
    pub retention: Option<crate::analysis::retention::RetentionResult>,
    /// The tree or mixture whose leaves or classes are the study's segments
    /// (`[segments] rule = "tree"` or `"classes"`).
    pub found: Option<super::segments::found::Found>,
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
        let mut table = build::build_with(study, prepared)?;
        carry_csi_audit(&mut table, csi.as_ref());
        let found = super::segments::found::apply(study, &mut table)?;
        return Ok(Built {
            csi: with_segments(study, &table, csi)?,
            retention: retention(study, &table)?,
            table,
            clv: None,
            found,
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
        buckets: None,
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
            col("mean_spend"),
            col("expected_spend"),
            col("clv"),
        ])
        .collect()?;
    prepared.insert(spec.name.clone(), per_customer);
    let mut table = build::build_with(study, prepared)?;
    carry_csi_audit(&mut table, csi.as_ref());
    let found = super::segments::found::apply(study, &mut table)?;

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
    let spec = clv::covariates::CovariateSpec {
        both: c.covariates.clone(),
        purchase: c.covariates_purchase.clone(),
        dropout: c.covariates_dropout.clone(),
        equal: c.covariates_equal.clone(),
        seed: 1,
    };
    // The customers in the table with a purchase history, by the names the fits use.
    let customers = || -> Result<DataFrame> {
        Ok(table
            .df
            .clone()
            .lazy()
            .filter(col("frequency").is_not_null())
            .with_columns([
                col("frequency").alias("x"),
                col("recency").alias("t_x"),
                col("age").alias("T"),
            ])
            .collect()?)
    };
    if !c.covariates_spend.is_empty() {
        let m = clv::spend_covariates::fit(
            &result,
            &customers()?,
            "[clv] covariates_spend",
            &c.covariates_spend,
            1,
        )
        .map_err(|e| Error::study("[clv] covariates_spend", e.to_string()))?;
        result.note_spend_covariates(m);
    }
    if !spec.is_empty() {
        let customers = customers()?;
        let m = clv::covariates::fit(&result, &customers, "[clv] covariates", &spec)
            .map_err(|e| Error::study("[clv] covariates", e.to_string()))?;
        result.note_covariates(m);
        // Each segment's own covariate model, where a rule makes segments.
        if table.segments.len() > 1 {
            for seg in &table.segments {
                let part = customers
                    .clone()
                    .lazy()
                    .filter(
                        col(cols::SEGMENT)
                            .cast(DataType::String)
                            .eq(lit(seg.as_str())),
                    )
                    .collect()?;
                let file = format!("[clv] covariates, segment '{seg}'");
                match clv::covariates::fit_subset(&result, &part, &file, &spec) {
                    Ok(model) => {
                        if let Some(why) = &model.fit.explanation {
                            result
                                .warnings
                                .push(format!("covariate model in segment '{seg}': {why}"));
                        }
                        result.covariates_by_segment.push(clv::SegmentCovariates {
                            segment: seg.clone(),
                            model,
                        });
                    }
                    Err(e) => result.warnings.push(format!(
                        "covariate model in segment '{seg}' not fitted: {e}"
                    )),
                }
            }
        }
    }
    // Each customer's predictions and CLV at their own covariates.
    let id = table.id.clone();
    clv::at_covariates::apply(
        &mut result,
        &mut table.df,
        ["frequency", "recency", "age"],
        "mean_spend",
        &id,
    )?;
    // Totals over the customers in the table, and per segment.
    if let Some(t) = clv::all_totals(&table.df)? {
        result.totals = t;
    }
    result.by_segment = clv::segment_totals(&table.df, cols::SEGMENT, &table.segments)?;
    Ok(Built {
        csi: with_segments(study, &table, csi)?,
        retention: retention(study, &table)?,
        table,
        clv: Some(result),
        found,
    })
}

/// The study's `[retention]` section fitted on the built table's customers.
fn retention(
    study: &Study,
    table: &CustomerTable,
) -> Result<Option<crate::analysis::retention::RetentionResult>> {
    study
        .retention
        .as_ref()
        .map(|spec| crate::analysis::retention::study::run(study, spec, table))
        .transpose()
}

/// The survey table of a `[csi]` study was read and audited before the model was fitted:
/// its notes (declared missing codes, codes read as missing, totals) belong to the build's
/// diagnostics like any table's.
fn carry_csi_audit(table: &mut CustomerTable, csi: Option<&crate::analysis::csi::CsiResult>) {
    let Some(r) = csi else { return };
    let d = &r.diagnostics;
    for f in &d.audit {
        if !table
            .diagnostics
            .audit
            .iter()
            .any(|g| g.message == f.message)
        {
            table.diagnostics.add(f.clone());
        }
    }
    for n in &d.notes {
        if !table.diagnostics.notes.contains(n) {
            table.diagnostics.notes.push(n.clone());
        }
    }
    if let (Some(read), Some(input)) = (
        d.inputs.first(),
        table
            .diagnostics
            .inputs
            .iter_mut()
            .find(|i| i.level == "respondent"),
    ) {
        if input.declared_missing.is_empty() {
            input.declared_missing = read.declared_missing.clone();
        }
    }
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
        .with_column((col("clv") * profit_margin()).alias("clv"))
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

/// Each customer's margin, profit / revenue (0 where revenue is not positive).
fn profit_margin() -> Expr {
    when(col(cols::REVENUE).gt(lit(0.0)))
        .then(col(cols::PROFIT) / col(cols::REVENUE))
        .otherwise(lit(0.0))
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

/// The report's survey sections: metrics (CSAT, NPS, CES) and key drivers per segment, on
/// the respondents the chain analysed (valid satisfaction rating, customers in the table),
/// with the basis of each section's n and, for a section the study asks for that cannot be
/// computed, the reason (shown in its place).
#[derive(Debug, Clone, Default)]
pub struct SurveySections {
    pub metrics: Option<crate::analysis::metrics::MetricsOutput>,
    pub drivers: Option<crate::analysis::drivers::DriversOutput>,
    /// What each section's n counts.
    pub metrics_basis: String,
    pub drivers_basis: String,
    /// (section, why) for sections asked for but not computed.
    pub not_computed: Vec<(String, String)>,
}

/// Bootstrap resamples behind the report's key-driver quadrants.
pub const REPORT_DRIVER_RESAMPLES: usize = 1000;

/// Compute the survey sections a study asks for (`roles.recommend`, `roles.effort`,
/// `roles.attributes`, a satisfaction rating with a declared scale for CSAT).
pub fn survey_sections(
    study: &Study,
    table: &CustomerTable,
    opts: &crate::analysis::chain::ChainOptions,
) -> Result<SurveySections> {
    use crate::analysis::drivers::{self, DriverOptions};
    use crate::analysis::metrics::{self, MetricsOptions, Scale};
    let r = &study.roles;
    let mut out = SurveySections::default();
    if r.attributes.is_empty() && r.recommend.is_none() && r.effort.is_none() {
        return Ok(out);
    }
    let Some((df, rows_read)) = build::respondents_with_segments(study, table)? else {
        out.not_computed.push((
            "metrics".into(),
            "the study has no respondent-level table to compute survey metrics and key drivers on"
                .into(),
        ));
        return Ok(out);
    };
    let file = "survey table";
    let has = |c: &str| df.schema().contains(c);
    let index = study.csi.is_some() && r.satisfaction.ends_with("_index");
    let csat = match study.options.satisfaction_scale {
        Some([low, high]) if has(&r.satisfaction) => {
            Some((r.satisfaction.clone(), Scale { low, high }))
        }
        _ if index => {
            out.not_computed.push((
                "csat".into(),
                format!("CSAT is not computed: satisfaction is the satisfaction index '{}', computed from the CSI model's items, not a rating respondents gave (its mean and interval are in the satisfaction-index section)", r.satisfaction),
            ));
            None
        }
        _ => None,
    };
    out.metrics_basis = format!(
        "{} respondents of the {} customers analysed, each with a valid '{}' rating (the same respondents as the chain; {} survey rows read)",
        crate::format::thousands(df.height() as f64, 0),
        crate::format::thousands(table.df.height() as f64, 0),
        r.satisfaction,
        crate::format::thousands(rows_read as f64, 0)
    );
    let metric_asked = csat.is_some() || r.recommend.is_some() || r.effort.is_some();
    if metric_asked {
        out.metrics = Some(metrics::run(
            &df,
            file,
            &MetricsOptions {
                csat,
                nps: r.recommend.clone(),
                ces: r.effort.clone().map(|c| {
                    (
                        c,
                        Scale {
                            low: 1.0,
                            high: 7.0,
                        },
                    )
                }),
                csi: None,
                retained: None,
                by: Some(cols::SEGMENT.into()),
                rollup_id: None,
                confidence: opts.confidence,
                defaulted_scales: vec![],
            },
        )?);
    }
    if r.attributes.len() >= 2 {
        if has(&r.satisfaction) {
            let d = drivers::run(
                &df,
                file,
                &DriverOptions {
                    target: r.satisfaction.clone(),
                    drivers: r.attributes.clone(),
                    by: Some(cols::SEGMENT.into()),
                    bootstrap: REPORT_DRIVER_RESAMPLES,
                    seed: opts.seed,
                    confidence: opts.confidence,
                },
            )?;
            let dropped: usize = d
                .groups
                .iter()
                .flat_map(|g| g.rows_dropped.iter().map(|x| x.rows))
                .sum();
            out.drivers_basis = format!(
                "the same respondents with every attribute rated ({} left out for a missing attribute rating); quadrants from {} bootstrap resamples",
                crate::format::thousands(dropped as f64, 0),
                crate::format::thousands(REPORT_DRIVER_RESAMPLES as f64, 0)
            );
            out.drivers = Some(d);
        } else {
            out.not_computed.push((
                "drivers".into(),
                format!(
                    "Key drivers are not computed: the outcome '{}' is not a column of the survey table{}",
                    r.satisfaction,
                    if index {
                        " (it is the satisfaction index, computed from the CSI model; the satisfaction-index section's importance–performance map shows what drives it)"
                    } else {
                        ""
                    }
                ),
            ));
        }
    }
    Ok(out)
}
