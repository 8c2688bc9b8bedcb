//! `profitchain report`

use std::path::PathBuf;

use clap::Args;

use profitchain::analysis::chain;
use profitchain::analysis::drivers::{self, DriverOptions, DriversOutput};
use profitchain::analysis::metrics::{self, MetricsOptions, MetricsOutput, Scale};
use profitchain::analysis::value::{self, ValueOptions};
use profitchain::data::build::cols;
use profitchain::report::{chain as chain_render, export, html};
use profitchain::{output, Error, Result};

use super::data_args::{study_or_sample, DataArgs};

/// Write the full report (HTML, Markdown, charts, CSV/JSON/XLSX/LaTeX tables) into a folder.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub inference: super::chain::InferenceArgs,
    /// Output folder (created if missing; an existing non-empty one needs --force).
    #[arg(short, long, value_name = "DIR")]
    pub out: PathBuf,
    /// Write into an existing, non-empty folder.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: ReportArgs, lang: Option<&str>) -> Result<()> {
    let (_sample_dir, study) = study_or_sample(&args.data, &[], &[])?;
    let lang = super::language(lang, Some(&study))?;
    let built = profitchain::analysis::study::build(&study)?;
    let table = built.table;
    let opts = args.inference.options(&study)?;
    let result = chain::run(&table, &opts)?;
    let value = value::run(
        &table.df,
        "customer table",
        &ValueOptions {
            id: table.id.clone(),
            revenue: cols::REVENUE.into(),
            profit: Some(cols::PROFIT.into()),
            cost: None,
            retention: None,
            discount: 0.0,
            margin: None,
            war: None,
        },
    )?;
    let sizes = value::segment_profit(&table.df, &table.segments)?;
    // Render everything before writing anything.
    let links = chain::links(&table)?;
    let survey = survey_sections(&study, &table, &opts)?;
    let rendered = html::render(
        &result,
        Some(&value),
        &sizes,
        &links,
        survey.0.as_ref(),
        survey.1.as_ref(),
        &html::Sections {
            clv: built.clv.as_ref(),
            csi: built.csi.as_ref(),
            lang,
        },
    )?;
    let mut exp = chain_render::export_in(&result, lang)?;
    exp.overview.extend(html::overview_blocks(
        &sizes,
        survey.0.as_ref(),
        survey.1.as_ref(),
    )?);
    export::write(&args.out, &mut exp, args.force)?;
    let charts = args.out.join("charts");
    std::fs::create_dir_all(&charts).map_err(|e| Error::Write {
        path: charts.clone(),
        reason: e.to_string(),
    })?;
    for (name, svg) in &rendered.charts {
        output::write_text(&charts.join(name), svg)?;
    }
    output::write_text(&args.out.join("report.md"), &rendered.markdown)?;
    output::write_text(&args.out.join("report.html"), &rendered.html)?;
    eprintln!(
        "Wrote the report to {}",
        args.out.join("report.html").display()
    );
    Ok(())
}

/// Metrics and key drivers per segment, on the study's respondent table, when the study
/// names survey items (recommend, effort) or attribute ratings.
fn survey_sections(
    study: &profitchain::data::Study,
    table: &profitchain::data::CustomerTable,
    opts: &profitchain::analysis::chain::ChainOptions,
) -> Result<(Option<MetricsOutput>, Option<DriversOutput>)> {
    let r = &study.roles;
    if r.attributes.is_empty() && r.recommend.is_none() && r.effort.is_none() {
        return Ok((None, None));
    }
    let Some((df, _)) = profitchain::data::build::respondents_with_segments(study, table)? else {
        return Ok((None, None));
    };
    let file = "survey table";
    let has = |c: &str| df.schema().contains(c);
    let metrics = metrics::run(
        &df,
        file,
        &MetricsOptions {
            csat: study
                .options
                .satisfaction_scale
                .filter(|_| has(&r.satisfaction))
                .map(|[low, high]| (r.satisfaction.clone(), Scale { low, high })),
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
    )?;
    let drivers = if r.attributes.len() >= 2 && has(&r.satisfaction) {
        Some(drivers::run(
            &df,
            file,
            &DriverOptions {
                target: r.satisfaction.clone(),
                drivers: r.attributes.clone(),
                by: Some(cols::SEGMENT.into()),
                bootstrap: 0,
                seed: opts.seed,
                confidence: opts.confidence,
            },
        )?)
    } else {
        None
    };
    Ok((Some(metrics), drivers))
}
