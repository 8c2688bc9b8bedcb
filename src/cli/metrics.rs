//! `profitchain metrics`

use std::path::PathBuf;

use clap::Args;

use crate::analysis::drivers::{self, DriverOptions};
use crate::analysis::metrics::{self, MetricsOptions, Scale};
use crate::data::audit::{self, RatingColumn, TableAudit};
use crate::data::build::respondents_with_segments;
use crate::data::study::Level;
use crate::data::{load, Study};
use crate::report::{export, metrics as render, regression};
use crate::{Error, Result};

use super::Rendered;
use crate::report::html::Standalone;

/// CSAT, NPS, CES, a weighted satisfaction index (CSI) and retention, overall or by group.
#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// Survey table (respondent level, or one row per customer):
    /// CSV/TSV, .txt/.dat, Parquet, IPC, NDJSON, SPSS, Stata, Excel, ODS.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "study",
        conflicts_with = "study"
    )]
    pub data: Option<PathBuf>,
    /// Or: a study file. The study is built as for `chain`; its (first) respondent-level
    /// table is used, restricted to the customers the study analyses and carrying the
    /// customer table's columns (`segment`, ...) for --by; its id column is the default --id.
    #[arg(long, value_name = "FILE")]
    pub study: Option<PathBuf>,
    /// CSAT column.
    #[arg(long, value_name = "COL")]
    pub csat: Option<String>,
    /// CSAT scale (default 1-5).
    #[arg(long, value_name = "LOW-HIGH")]
    pub csat_scale: Option<String>,
    /// Likelihood-to-recommend column (0-10).
    #[arg(long, value_name = "COL")]
    pub nps: Option<String>,
    /// Customer effort column.
    #[arg(long, value_name = "COL")]
    pub ces: Option<String>,
    /// CES scale (default 1-7).
    #[arg(long, value_name = "LOW-HIGH")]
    pub ces_scale: Option<String>,
    /// CSI attributes with weights: COL:WEIGHT,COL:WEIGHT,... (or COL,COL with --weights derived).
    #[arg(long, value_name = "COL:WEIGHT,...", value_delimiter = ',')]
    pub csi: Vec<String>,
    /// Scale of the CSI attributes.
    #[arg(long, default_value = "1-10", value_name = "LOW-HIGH")]
    pub csi_scale: String,
    /// `derived`: CSI weights from the Shapley importances of the attributes on --csat.
    #[arg(long, value_parser = ["given", "derived"], default_value = "given")]
    pub weights: String,
    /// Retained flag column (1 = retained, 0 = churned).
    #[arg(long, value_name = "COL")]
    pub retained: Option<String>,
    /// Retention between two waves: the second wave's table (ids in --id); the first
    /// wave is --data.
    #[arg(long, value_name = "FILE", requires = "id")]
    pub next_wave: Option<PathBuf>,
    /// Report per value of this column.
    #[arg(long, value_name = "COL")]
    pub by: Option<String>,
    /// Customer id: with --rollup customer, average each customer's respondents first.
    #[arg(long, value_name = "COL")]
    pub id: Option<String>,
    /// Unit of the metrics: every respondent counts once, or every customer (account)
    /// counts once (ratings averaged per customer; NPS classified per respondent first).
    #[arg(long, value_parser = ["respondent", "customer"], default_value = "respondent")]
    pub rollup: String,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Read --data in batches on polars' streaming engine (Parquet, IPC or CSV; a file, a
    /// folder or a pattern) and compute CSAT, NPS, CES and retention from the counts of
    /// each rating value per group: memory is set by the counts, not by the responses.
    #[arg(long)]
    pub streaming: bool,
    /// Output format: text (default), json, csv (one row per group, metric and statistic)
    /// or xlsx (with -o FILE.xlsx). The extension of -o chooses it too.
    #[arg(long, value_parser = ["text", "json", "csv", "xlsx"])]
    pub format: Option<String>,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub export: super::ExportArgs,
    #[command(flatten)]
    pub file: super::data_args::FileArgs,
    #[command(flatten)]
    pub audit: super::data_args::AuditArgs,
}

pub fn compute(mut args: MetricsArgs, lang: Option<&str>) -> Result<super::Outcome> {
    let format = super::output_format(
        &args.output,
        args.format.as_deref(),
        &["text", "json", "csv", "xlsx"],
        &args.export,
    )?;
    let study_lang = match &args.study {
        Some(s) if args.data.is_none() => Study::from_file(s)?.language,
        _ => None,
    };
    let lang = super::language(lang.or(study_lang.as_deref()), None)?;
    if args.streaming {
        return streaming(args, &format, lang);
    }
    let mut study_notes = Vec::new();
    let labels: load::TableMeta;
    let diagnostics: crate::data::Diagnostics;
    let inputs: Vec<PathBuf>;
    let (df, file) = match (&args.data, &args.study) {
        (Some(p), _) => {
            let a = audit::read(p, &args.file.options()?, survey_audit(&args, p)?, &[])?;
            labels = a.table.meta;
            diagnostics = a.diagnostics;
            inputs = vec![p.clone()];
            (a.table.df, p.display().to_string())
        }
        (None, Some(s)) => {
            let mut study = Study::from_file(s)?;
            study.options.missing_codes.merge(args.audit.codes()?);
            study.options.allow_out_of_range |= args.audit.allow_out_of_range;
            inputs = super::study_inputs(&study);
            let table = crate::analysis::study::build(&study)?.table;
            labels = table.labels.clone();
            diagnostics = table.diagnostics.clone();
            match respondents_with_segments(&study, &table)? {
                Some((df, rows_read)) => {
                    let spec = study
                        .tables
                        .iter()
                        .find(|t| t.level == Level::Respondent)
                        .ok_or_else(|| Error::Internal("respondent table".into()))?;
                    if args.id.is_none() {
                        args.id = Some(study.table_id(spec).to_string());
                    }
                    if df.height() < rows_read {
                        study_notes.push(format!(
                            "{} of {} survey rows belong to the {} customers the study analyses (same build and join as `chain`); the other {} are left out",
                            df.height(),
                            rows_read,
                            table.df.height(),
                            rows_read - df.height()
                        ));
                    }
                    let file = format!("{} (survey table '{}')", s.display(), spec.name);
                    (df, file)
                }
                None => {
                    if args.id.is_none() {
                        args.id = Some(table.id.clone());
                    }
                    (table.df, format!("{} (customer table)", s.display()))
                }
            }
        }
        (None, None) => return Err(Error::Usage("give --data FILE or --study FILE".into())),
    };
    // A labelled code column (SPSS/Stata) groups by its labels: "North", not 1.
    let df = match &args.by {
        Some(by) => labels.with_labels(df, by)?,
        None => df,
    };
    let csi = if args.csi.is_empty() {
        None
    } else if args.weights == "derived" {
        let target = args.csat.clone().ok_or_else(|| {
            Error::Usage("--weights derived needs --csat (the outcome the attributes drive)".into())
        })?;
        let names: Vec<String> = args
            .csi
            .iter()
            .map(|c| c.split(':').next().unwrap_or(c).trim().to_string())
            .collect();
        let imp = drivers::run(
            &df,
            &file,
            &DriverOptions {
                target,
                drivers: names.clone(),
                by: None,
                bootstrap: 0,
                seed: 1,
                confidence: args.confidence,
            },
        )?;
        Some((
            imp.groups[0]
                .drivers
                .iter()
                .map(|d| (d.name.clone(), d.shapley))
                .collect(),
            Scale::parse(&args.csi_scale)?,
        ))
    } else {
        let pairs = args
            .csi
            .iter()
            .map(|c| {
                let (name, w) = c.split_once(':').ok_or_else(|| {
                    Error::Usage(format!(
                        "--csi '{c}': write COL:WEIGHT, or use --weights derived"
                    ))
                })?;
                let w: f64 = w
                    .trim()
                    .parse()
                    .map_err(|_| Error::Usage(format!("--csi '{c}': '{w}' is not a number")))?;
                Ok((name.trim().to_string(), w))
            })
            .collect::<Result<Vec<_>>>()?;
        Some((pairs, Scale::parse(&args.csi_scale)?))
    };
    let opts = options(&args, csi)?;
    let wave = match &args.next_wave {
        Some(p) => {
            let id = opts
                .rollup_id
                .clone()
                .or(args.id.clone())
                .unwrap_or_default();
            let next = audit::read(
                p,
                &args.file.options()?,
                TableAudit {
                    table: p.display().to_string(),
                    id: Some(id.clone()),
                    totals: true,
                    ..Default::default()
                },
                &[],
            )?;
            Some(metrics::wave_retention(
                &df,
                &next.table.df,
                &id,
                args.confidence,
            )?)
        }
        None => None,
    };
    let has_metric = opts.csat.is_some()
        || opts.nps.is_some()
        || opts.ces.is_some()
        || opts.csi.is_some()
        || opts.retained.is_some();
    let mut out = if has_metric || wave.is_none() {
        metrics::run(&df, &file, &opts)?
    } else {
        metrics::MetricsOutput {
            unit: "customers".into(),
            csi_weights: vec![],
            groups: vec![],
            tests: vec![],
            notes: vec![],
            wave_retention: None,
            diagnostics: Default::default(),
        }
    };
    out.wave_retention = wave;
    out.notes.splice(0..0, study_notes);
    out.diagnostics = diagnostics;
    super::not_an_input(&[args.output.as_deref()], &inputs)?;
    outcome(out, &format, lang, &args)
}

/// The outcome of a metrics run: `out` rendered in `format`, its export and HTML section.
fn outcome(
    out: metrics::MetricsOutput,
    format: &str,
    lang: crate::report::i18n::Lang,
    args: &MetricsArgs,
) -> Result<super::Outcome> {
    let rendered = match format {
        "json" => Rendered::Text(super::to_json(&out)? + "\n"),
        "csv" => Rendered::Text(regression::csv(&mut render::tidy(&out)?)?),
        "xlsx" => Rendered::Bytes(export::workbook(&render::export(&out)?)?),
        _ => Rendered::Text(render::text_in(&out, lang)),
    };
    let json = super::to_json(&out)? + "\n";
    let export = render::export(&out)?;
    let shared = std::sync::Arc::new(out);
    Ok(
        super::Outcome::shared("metrics", json, rendered, shared.clone(), |o, l| {
            Ok(render::text_in(o, l))
        })
        .to(&args.output)
        .with_export(export, &args.export)
        .with_html(shared, |m| Standalone {
            metrics: Some(m),
            ..Default::default()
        }),
    )
}

/// The audit of a survey table given with --data: its rating columns on their declared
/// scales (a defaulted scale is checked by the metrics themselves, which say it was
/// defaulted), the NPS item on 0–10.
fn survey_audit(args: &MetricsArgs, path: &std::path::Path) -> Result<TableAudit> {
    let scale = |s: &Option<String>| -> Result<Option<[f64; 2]>> {
        s.as_deref()
            .map(|s| Scale::parse(s).map(|x| [x.low, x.high]))
            .transpose()
    };
    let mut ratings = Vec::new();
    if let Some(c) = &args.csat {
        ratings.push(RatingColumn::rating(
            c,
            "satisfaction",
            scale(&args.csat_scale)?,
        ));
    }
    if let Some(c) = &args.nps {
        ratings.push(RatingColumn::rating(c, "recommend item", Some([0.0, 10.0])));
    }
    if let Some(c) = &args.ces {
        ratings.push(RatingColumn::rating(
            c,
            "effort item",
            scale(&args.ces_scale)?,
        ));
    }
    let csi_scale = Scale::parse(&args.csi_scale)?;
    for c in &args.csi {
        let name = c.split(':').next().unwrap_or(c).trim();
        ratings.push(RatingColumn::rating(
            name,
            "attribute rating",
            Some([csi_scale.low, csi_scale.high]),
        ));
    }
    Ok(TableAudit {
        table: path.display().to_string(),
        id: args.id.clone(),
        survey: true,
        ratings,
        missing_codes: args.audit.codes()?,
        allow_out_of_range: args.audit.allow_out_of_range,
        totals: true,
        ..Default::default()
    })
}

/// The metrics' options from the flags (`csi`: the CSI attributes and weights, if any).
fn options(args: &MetricsArgs, csi: Option<(Vec<(String, f64)>, Scale)>) -> Result<MetricsOptions> {
    let mut defaulted_scales = Vec::new();
    if args.csat_scale.is_none() {
        defaulted_scales.push("csat".to_string());
    }
    if args.ces_scale.is_none() {
        defaulted_scales.push("ces".to_string());
    }
    Ok(MetricsOptions {
        csat: match args.csat.clone() {
            Some(c) => Some((
                c,
                Scale::parse(args.csat_scale.as_deref().unwrap_or("1-5"))?,
            )),
            None => None,
        },
        nps: args.nps.clone(),
        ces: match args.ces.clone() {
            Some(c) => Some((c, Scale::parse(args.ces_scale.as_deref().unwrap_or("1-7"))?)),
            None => None,
        },
        csi,
        retained: args.retained.clone(),
        by: args.by.clone(),
        rollup_id: if args.rollup == "customer" {
            Some(
                args.id
                    .clone()
                    .ok_or_else(|| Error::Usage("--rollup customer needs --id COL".into()))?,
            )
        } else {
            None
        },
        confidence: args.confidence,
        defaulted_scales,
    })
}

/// The options of metrics from counts over a table in parts (`profitchain.spark.metrics`),
/// from `metrics`' own flags.
pub fn spec(args: MetricsArgs) -> Result<MetricsOptions> {
    if args.next_wave.is_some() || !args.csi.is_empty() {
        return Err(Error::Usage(
            "metrics from counts: --next-wave and --csi need the responses in memory".into(),
        ));
    }
    let opts = options(&args, None)?;
    metrics::counts_check(&opts)?;
    Ok(opts)
}

/// `metrics --streaming`: the table read in batches, the metrics from counts.
fn streaming(
    args: MetricsArgs,
    format: &str,
    lang: crate::report::i18n::Lang,
) -> Result<super::Outcome> {
    let Some(path) = args.data.clone() else {
        return Err(Error::Usage("--streaming reads --data FILE".into()));
    };
    if args.next_wave.is_some() || !args.csi.is_empty() {
        return Err(Error::Usage(
            "--streaming: --next-wave and --csi need the responses in memory; run without --streaming".into(),
        ));
    }
    let opts = options(&args, None)?;
    let lf = load::sources::stream_scan(&path)?;
    let mut out = metrics::stream(lf, &path.display().to_string(), &opts)?;
    let file = path.display().to_string();
    out.diagnostics.study = file.clone();
    out.diagnostics
        .inputs
        .push(crate::data::diagnostics::InputReport {
            name: file.clone(),
            path: file,
            level: "respondent".into(),
            rows_read: out.groups.iter().map(|g| g.n).sum(),
            customers: 0,
            customers_kept: 0,
            declared_missing: vec![],
        });
    super::not_an_input(&[args.output.as_deref()], &[path])?;
    outcome(out, format, lang, &args)
}
