//! `profitchain drivers`

use std::path::PathBuf;

use clap::Args;

use profitchain::analysis::chain::DEFAULT_SEED;
use profitchain::analysis::drivers::{self, DriverOptions};
use profitchain::data::load;
use profitchain::report::{charts, drivers as render, regression};
use profitchain::{output, Result};

/// Key-driver analysis: OLS, Shapley (LMG) importance and Johnson's relative weights.
#[derive(Debug, Args)]
pub struct DriversArgs {
    /// Table with the outcome and the attribute ratings (respondent or customer level).
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
    /// Output format.
    #[arg(long, default_value = "text", value_parser = ["text", "json", "csv"])]
    pub format: String,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub export: super::ExportArgs,
    #[command(flatten)]
    pub file: super::data_args::FileArgs,
}

pub fn run(args: DriversArgs, lang: Option<&str>) -> Result<()> {
    let t = load::read_table(&args.data, &args.file.options()?)?;
    // A labelled code column (SPSS/Stata) groups by its labels.
    let df = match &args.by {
        Some(by) => t.meta.with_labels(t.df, by)?,
        None => t.df,
    };
    let opts = DriverOptions {
        target: args.target,
        drivers: args.drivers.iter().map(|d| d.trim().to_string()).collect(),
        by: args.by,
        bootstrap: args.bootstrap,
        seed: args.seed,
        confidence: args.confidence,
    };
    let out = drivers::run(&df, &args.data.display().to_string(), &opts)?;
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
            output::write_text(
                &target,
                &charts::importance_performance_svg(g, &title, Default::default())?,
            )?;
        }
    }
    args.export.write(|| render::export(&out))?;
    let text = match args.format.as_str() {
        "json" => super::to_json(&out)? + "\n",
        "csv" => regression::csv(&mut render::tidy(&out)?)?,
        _ => render::text_in(&out, super::language(lang, None)?),
    };
    super::emit(&args.output, &text)
}
