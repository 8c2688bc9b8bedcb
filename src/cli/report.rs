//! `profitchain report`

use std::path::PathBuf;

use clap::Args;

use crate::analysis::chain;
use crate::analysis::value::{self, ValueOptions};
use crate::data::build::cols;
use crate::report::{chain as chain_render, export, html};
use crate::{output, Error, Result};

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

pub fn compute(args: ReportArgs, lang: Option<&str>) -> Result<super::Outcome> {
    // The output folder is checked before anything else is done or said.
    if args.out.extension().is_some() && !args.out.is_dir() {
        return Err(Error::Usage(format!(
            "report writes a folder (report.html, report.md, charts and tables inside it), but -o {} names a file; give a folder, e.g. -o {}",
            args.out.display(),
            args.out.with_extension("").display()
        )));
    }
    export::check_dir(&args.out, args.force, "-o")?;
    let (sample_dir, study) = study_or_sample(&args.data, &[], &[])?;
    super::not_an_input(&[Some(args.out.as_path())], &super::study_inputs(&study))?;
    let lang = super::language(lang, Some(&study))?;
    let built = crate::analysis::study::build(&study)?;
    let table = &built.table;
    let opts = args.inference.options(&study)?;
    let result = chain::run(table, &opts)?;
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
    let links = chain::links(table)?;
    let survey = crate::analysis::study::survey_sections(&study, table, &opts)?;
    let invest = super::invest::for_report(&study, &built, &opts)?;
    let feedback = super::feedback::for_report(&study, table, &opts)?;
    let rendered = html::render(
        &result,
        Some(&value),
        &sizes,
        &links,
        &survey,
        &html::Sections {
            clv: built.clv.as_ref(),
            retention: built.retention.as_ref(),
            csi: built.csi.as_ref(),
            invest: invest.as_ref(),
            found: built.found.as_ref(),
            feedback: feedback.as_ref(),
            lang,
        },
    )?;
    let mut exp = chain_render::export_in(&result, lang)?;
    exp.overview.extend(html::overview_blocks(
        &sizes,
        survey.metrics.as_ref(),
        survey.drivers.as_ref(),
    )?);
    // The customer table (one row per customer, as analysed) and, with a purchase log, the
    // CLV study in summary.json, so everything the report says can be checked.
    exp.tables.push(export::Table {
        name: "customers".into(),
        df: table.df.clone(),
    });
    if let Some(c) = &built.clv {
        exp.json = with_section(&exp.json, "clv", c)?;
    }
    if let Some(r) = &built.retention {
        exp.json = with_section(&exp.json, "retention", r)?;
        exp.tables.push(export::Table {
            name: "retention".into(),
            df: crate::report::retention::projection_table(r)?,
        });
    }
    if let Some(f) = &built.found {
        exp.json = with_section(&exp.json, "segments_found", f)?;
    }
    if let Some(f) = &feedback {
        exp.json = with_section(&exp.json, "feedback", f)?;
        exp.tables.push(export::Table {
            name: "feedback_themes".into(),
            df: crate::report::feedback::themes_table(f)?,
        });
    }
    if let Some(r) = &invest {
        exp.json = with_section(&exp.json, "invest", r)?;
        exp.tables.push(export::Table {
            name: "invest".into(),
            df: crate::report::invest::table(r)?,
        });
    }
    let json = exp.json.clone();
    let tables = exp.tables.clone();
    let page = rendered.html.clone();
    let (out, force) = (args.out.clone(), args.force);
    let mut o = super::Outcome::new(
        "report",
        json,
        super::Rendered::Text(String::new()),
        result,
        |r, l| Ok(chain_render::text_in(r, l)),
    )
    .then(Box::new(move || {
        export::write(&out, &mut exp, force)?;
        let charts = out.join("charts");
        std::fs::create_dir_all(&charts).map_err(|e| Error::Write {
            path: charts.clone(),
            reason: e.to_string(),
        })?;
        for (name, svg) in &rendered.charts {
            output::write_text(&charts.join(name), svg)?;
        }
        output::write_text(&out.join("report.md"), &rendered.markdown)?;
        output::write_text(&out.join("report.html"), &rendered.html)
    }));
    o.tables = tables;
    o.html = Some(Box::new(move |_| Ok(page.clone())));
    o.notes.extend(super::data_args::sample_note(&sample_dir));
    o.notes.push(format!(
        "Wrote the report to {}",
        args.out.join("report.html").display()
    ));
    Ok(o)
}

/// The chain's summary JSON with a study section's result added under `key` (`clv`,
/// `invest`).
fn with_section(json: &str, key: &str, section: &impl serde::Serialize) -> Result<String> {
    let mut v: serde_json::Value =
        serde_json::from_str(json).map_err(|e| Error::Internal(e.to_string()))?;
    v[key] = serde_json::to_value(section).map_err(|e| Error::Internal(e.to_string()))?;
    super::to_json(&v)
}
