//! `profitchain drivers`

use std::path::PathBuf;

use clap::Args;

use crate::analysis::chain::DEFAULT_SEED;
use crate::analysis::drivers::{self, DriverOptions};
use crate::data::audit::{self, RatingColumn, TableAudit};
use crate::report::{charts, drivers as render, export, regression};
use crate::{output, Result};

use super::Rendered;
use crate::report::html::Standalone;

/// Key-driver analysis: OLS, Shapley (LMG) importance and Johnson's relative weights.
#[derive(Debug, Args)]
pub struct DriversArgs {
    /// Table with the outcome and the attribute ratings (respondent or customer level)
    /// CSV/TSV, .txt/.dat, Parquet, IPC, NDJSON, SPSS, Stata, Excel, ODS.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Outcome column.
    #[arg(long, value_name = "COL", default_value = "satisfaction")]
    pub target: String,
    /// Driver columns, comma-separated (2 to 15).
    #[arg(
        long,
        value_name = "COL,COL,...",
        value_delimiter = ',',
        required = true
    )]
    pub drivers: Vec<String>,
    /// Analyse each value of this column separately.
    #[arg(long, value_name = "COL")]
    pub by: Option<String>,
    /// Bootstrap resamples for importance CIs (0 = none).
    #[arg(long, default_value_t = 0)]
    pub bootstrap: usize,
    /// Bootstrap seed; the same seed gives identical output.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Confidence level of the bootstrap intervals.
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Write the importance–performance chart (SVG) here; with --by, one file per group
    /// (FILE-stem-GROUP.svg).
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Output format: text (default), json, csv (one row per group and driver) or xlsx (with
    /// -o FILE.xlsx). The extension of -o chooses it too.
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
    /// Read --data in batches on polars' streaming engine (Parquet, IPC or CSV; a file, a
    /// folder or a pattern): the regression and importances from additive sums (without
    /// --bootstrap).
    #[arg(long)]
    pub streaming: bool,
}

pub fn compute(args: DriversArgs, lang: Option<&str>) -> Result<super::Outcome> {
    let format = super::output_format(
        &args.output,
        args.format.as_deref(),
        &["text", "json", "csv", "xlsx"],
        &args.export,
    )?;
    super::not_an_input(
        &[args.output.as_deref(), args.svg.as_deref()],
        std::slice::from_ref(&args.data),
    )?;
    let drivers: Vec<String> = args.drivers.iter().map(|d| d.trim().to_string()).collect();
    let mut numeric = drivers.clone();
    numeric.push(args.target.clone());
    let mut ratings = vec![RatingColumn::rating(&args.target, "satisfaction", None)];
    ratings.extend(
        drivers
            .iter()
            .map(|d| RatingColumn::rating(d, "attribute rating", None)),
    );
    let ctx = TableAudit {
        table: args.data.display().to_string(),
        ratings,
        missing_codes: args.audit.codes()?,
        allow_out_of_range: args.audit.allow_out_of_range,
        totals: true,
        survey: true,
        ..Default::default()
    };
    let file = args.data.display().to_string();
    let opts = DriverOptions {
        target: args.target.clone(),
        drivers,
        by: args.by.clone(),
        bootstrap: args.bootstrap,
        seed: args.seed,
        confidence: args.confidence,
    };
    let out = if args.streaming {
        let lf = crate::data::load::sources::stream_scan(&args.data)?;
        let mut out = drivers::stream(lf, &file, &opts)?;
        out.diagnostics.study = file.clone();
        out.diagnostics.notes.push(
            "read with --streaming: the input audit's whole-table checks (Total rows, non-answer codes on an inferred scale, numbers stored as text) were not run".into(),
        );
        out
    } else {
        let a = audit::read(&args.data, &args.file.options()?, ctx, &numeric)?;
        let t = a.table;
        // A labelled code column (SPSS/Stata) groups by its labels.
        let df = match &args.by {
            Some(by) => t.meta.with_labels(t.df, by)?,
            None => t.df,
        };
        let mut out = drivers::run(&df, &file, &opts)?;
        out.diagnostics = a.diagnostics;
        out
    };
    let lang = super::language(lang, None)?;
    // Everything is rendered before anything is written.
    let mut charts_out = Vec::new();
    if let Some(path) = &args.svg {
        for g in &out.groups {
            let target = if out.groups.len() == 1 {
                path.clone()
            } else {
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                path.with_file_name(format!("{stem}-{}.svg", g.group))
            };
            let title = format!("Importance vs performance — {}", g.group);
            charts_out.push((
                target,
                charts::importance_performance_svg(g, &title, Default::default())?,
            ));
        }
    }
    let rendered = match format.as_str() {
        "json" => Rendered::Text(super::to_json(&out)? + "\n"),
        "csv" => Rendered::Text(regression::csv(&mut render::tidy(&out)?)?),
        "xlsx" => Rendered::Bytes(export::workbook(&render::export(&out)?)?),
        _ => Rendered::Text(render::text_in(&out, lang)),
    };
    let json = super::to_json(&out)? + "\n";
    let export = render::export(&out)?;
    let shared = std::sync::Arc::new(out);
    Ok(
        super::Outcome::shared("drivers", json, rendered, shared.clone(), |o, l| {
            Ok(render::text_in(o, l))
        })
        .to(&args.output)
        .with_export(export, &args.export)
        .with_html(shared, |d| Standalone {
            drivers: Some(d),
            ..Default::default()
        })
        .then(Box::new(move || {
            for (p, svg) in &charts_out {
                output::write_text(p, svg)?;
            }
            Ok(())
        })),
    )
}
