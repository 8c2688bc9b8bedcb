//! Command-line interface: one module per subcommand (arguments + orchestration only).

use clap::{Parser, Subcommand};

use crate::{Error, Result};

pub use outcome::Outcome;

pub mod build;
pub mod chain;
pub mod clv;
pub mod csi;
pub mod data_args;
pub mod drivers;
pub mod feedback;
pub mod inspect;
pub mod invest;
pub mod metrics;
pub mod outcome;
pub mod regress;
pub mod report;
pub mod retention;
pub mod segments;
pub mod simulate;
pub mod value;

/// profitchain: satisfaction → share of wallet → revenue → profit, per customer segment.
#[derive(Debug, Parser)]
#[command(name = "profitchain", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Language of the human-readable output: en or zh (简体中文). Default: the study
    /// file's `language`, else en. JSON keys and CSV columns stay English.
    #[arg(long, global = true, value_name = "LANG")]
    pub lang: Option<String>,
}

// One command is parsed per run; the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Schema, row count, missing values and id uniqueness of tables.
    #[command(after_help = "Examples:
  profitchain inspect notebooks-data/brokerage/survey.csv --id client_id
  profitchain inspect notebooks-data/brokerage/accounts.csv --json")]
    Inspect(inspect::InspectArgs),
    /// Build the one-row-per-customer table from a study file (or --data and role flags).
    #[command(after_help = "Examples:
  profitchain build --study notebooks-data/brokerage/study.toml -o customers.csv
  profitchain build --data customers.csv --id client_id --satisfaction satisfaction \\
      --share-of-wallet share_of_wallet --revenue revenue --profit profit -o built.parquet")]
    Build(build::BuildArgs),
    /// Generate a sample study with known true coefficients.
    #[command(after_help = "Examples:
  profitchain simulate --scenario brokerage --seed 2005 --out my-sample
  profitchain simulate --scenario retail-bank --customers 5000 --out bank")]
    Simulate(simulate::SimulateArgs),
    /// OLS regression with full inference, robust SEs and diagnostics.
    #[command(after_help = r#"Examples:
  profitchain regress --study notebooks-data/brokerage/study.toml \
      --formula "profit ~ satisfaction + share_of_wallet + revenue" --by segment --se hc3
  profitchain regress --data notebooks-data/retail-bank/survey.csv \
      --formula "satisfaction ~ quality + service + price + convenience"
  Column names with spaces: Q("Quality rating") or `Quality rating`"#)]
    Regress(regress::RegressArgs),
    /// The satisfaction → SOW → revenue → profit chain per segment, with mediation.
    #[command(after_help = "Examples:
  profitchain chain                      (the bundled brokerage sample)
  profitchain chain --study notebooks-data/brokerage/study.toml --format markdown -o chain.md
  profitchain chain --study notebooks-data/retail-bank/study.toml --quadratic --moderator income_k")]
    Chain(chain::ChainArgs),
    /// CSAT, NPS, CES, CSI and retention, overall or by group.
    #[command(after_help = "Examples:
  profitchain metrics --study notebooks-data/retail-bank/study.toml --nps recommend --by segment
  profitchain metrics --data notebooks-data/retail-bank/survey.csv --csat satisfaction --csat-scale 1-10 \\
      --nps recommend --ces effort")]
    Metrics(metrics::MetricsArgs),
    /// Key-driver analysis: Shapley importance and relative weights of attribute ratings.
    #[command(after_help = "Example:
  profitchain drivers --data notebooks-data/retail-bank/survey.csv --target satisfaction \\
      --drivers quality,service,price,convenience --svg drivers.svg")]
    Drivers(drivers::DriversArgs),
    /// Themes in open-ended comments (Chinese and English): prevalence per segment, impact
    /// on the ratings, what the codebook misses, and through the chain their profit.
    #[command(after_help = "Examples:
  profitchain feedback --study notebooks-data/retail-bank/study.toml
  profitchain feedback --data notebooks-data/retail-bank/survey.csv --comment comment \\
      --rating satisfaction,recommend --codebook my-codebook.toml --suggest draft.toml
  profitchain feedback --write-defaults feedback-lists")]
    Feedback(feedback::FeedbackArgs),
    /// Customer value: whale curve, profit and revenue deciles, CLV, Wallet Allocation Rule.
    #[command(after_help = "Example:
  profitchain value --data notebooks-data/brokerage/accounts.csv --id client_id \\
      --revenue revenue --cost cost_to_serve --retention 0.8 --svg whale.svg")]
    Value(value::ValueArgs),
    /// Customer lifetime value from a transaction log: BG/NBD, MBG/NBD, Pareto/NBD or BG/BB
    /// purchases and Gamma-Gamma spend.
    #[command(
        after_help = "Examples (the CDNOW cohort: 39-week calibration and holdout, in weeks):
  profitchain clv --transactions CDNOW_sample.txt --id column_2 --date column_3 --amount column_5 \\
      --calibration-end 1997-09-30 --observation-end 1998-06-30 --horizon 52
  profitchain clv ... --compare all --export clv_out      # three models side by side, charts
  profitchain clv ... --format csv -o customers.csv       # one row per customer
  profitchain clv --transactions gifts.csv --id donor --date date --amount amount \\
      --model bgbb --time-unit year --calibration-end 2001-12-31 --horizon 5"
    )]
    Clv(clv::ClvArgs),
    /// Contractual retention: the shifted-beta-geometric (sBG) model per cohort or segment,
    /// projected survival, DEL, DERL and CLV; covariates such as satisfaction.
    #[command(after_help = "Examples:
  profitchain retention --cohorts cohorts.csv --fit-periods 7        (period, cohort_a, cohort_b, ...)
  profitchain retention --subscriptions accounts.csv --id account --start opened --end closed \\
      --time-unit month --segment plan --covariate satisfaction --margin 30")]
    Retention(retention::RetentionArgs),
    /// Satisfaction index model (ECSI/ACSI style): PLS path modeling of multi-item survey
    /// data, 0-100 indices, reliability, HTMT and importance-performance.
    #[command(after_help = "Examples:
  profitchain csi --data mobi.csv --model ecsi.toml               (ecsi.toml: template = \"ecsi\" + [items])
  profitchain csi --data survey.csv --model model.toml --scheme centroid --bootstrap 1000 --format json
  profitchain csi --data survey.csv --model model.toml --scale 1,10 --scores-out indices.csv")]
    Csi(csi::CsiArgs),
    /// Return on satisfaction: what raising satisfaction is worth per segment, through the
    /// fitted chain, with bootstrap intervals, against a programme's cost.
    #[command(after_help = "Examples:
  profitchain invest --add 1 --cost-per-customer 20        (the bundled brokerage sample)
  profitchain invest --study notebooks-data/retail-bank/study.toml --to 8 --rule \"satisfaction < 6\" \\
      --horizon 3 --discount 0.1 --retention 0.85 --fixed-cost 50000
  profitchain invest --study study.toml                      (the study's [[invest.scenario]])")]
    Invest(invest::InvestArgs),
    /// Where does a regression differ? A linear model tree over the variables you name
    /// (model-based recursive partitioning, as R partykit's lmtree).
    #[command(after_help = "Examples:
  profitchain segments --study notebooks-data/retail-bank/study.toml \\
      -f \"share_of_wallet ~ satisfaction\" --by income_k --by tenure_years --by region
  profitchain segments --data customers.csv -f \"profit ~ revenue\" --by channel --minsize 200 --format json")]
    Segments(segments::SegmentsArgs),
    /// Full report: HTML, Markdown, charts and CSV/JSON/XLSX/LaTeX tables in a folder.
    #[command(after_help = "Examples:
  profitchain report --out report                     (the bundled brokerage sample)
  profitchain report --study notebooks-data/retail-bank/study.toml -o bank-report --force")]
    Report(report::ReportArgs),
}

/// Run a parsed command: compute everything, then write it.
pub fn run(cli: Cli) -> Result<()> {
    compute(cli)?.write(true)
}

/// Compute a parsed command's outcome without writing anything (the command line writes
/// it; the Python bindings return it).
pub fn compute(cli: Cli) -> Result<Outcome> {
    let lang = cli.lang.as_deref();
    let out = match cli.command {
        Command::Inspect(a) => inspect::compute(a, lang),
        Command::Build(a) => build::compute(a, lang),
        Command::Simulate(a) => simulate::compute(a, lang),
        Command::Regress(a) => regress::compute(a, lang),
        Command::Chain(a) => chain::compute(a, lang),
        Command::Value(a) => value::compute(a, lang),
        Command::Clv(a) => clv::compute(a, lang),
        Command::Retention(a) => retention::compute(a, lang),
        Command::Csi(a) => csi::compute(a, lang),
        Command::Invest(a) => invest::compute(a, lang),
        Command::Segments(a) => segments::compute(a, lang),
        Command::Drivers(a) => drivers::compute(a, lang),
        Command::Feedback(a) => feedback::compute(a, lang),
        Command::Metrics(a) => metrics::compute(a, lang),
        Command::Report(a) => report::compute(a, lang),
    }?;
    // Interrupted resampling leaves gaps: never a result.
    crate::progress::check()?;
    Ok(out)
}

/// Arguments every analysis command shares for `--export DIR`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// Also write the result's tidy tables (one CSV each), summary.json and summary.xlsx
    /// into DIR (created if missing); regress and chain add tables.tex (LaTeX), clv and csi
    /// their charts (charts/*.svg), and a run with audit findings diagnostics.csv.
    #[arg(long, value_name = "DIR")]
    pub export: Option<std::path::PathBuf>,
    /// Allow --export into an existing, non-empty folder.
    #[arg(long)]
    pub force: bool,
}

impl ExportArgs {
    /// Check the export folder before anything is computed or written: a file where the
    /// folder should be, or a non-empty folder without --force, is an error with the fix.
    pub fn check(&self) -> Result<()> {
        match &self.export {
            Some(dir) => crate::report::export::check_dir(dir, self.force, "--export"),
            None => Ok(()),
        }
    }

    /// Write the export built by `make` when --export was given.
    pub fn write(
        &self,
        make: impl FnOnce() -> Result<crate::report::export::Export>,
    ) -> Result<()> {
        if let Some(dir) = &self.export {
            let mut e = make()?;
            crate::report::export::write(dir, &mut e, self.force)?;
        }
        Ok(())
    }
}

/// The format of a command's main output. The extension of `-o FILE` chooses it where it
/// names one (`.txt`, `.json`, `.csv`, `.md`, `.xlsx`); an explicit `--format` that
/// contradicts it is an error, and a format the command does not write is named with the
/// ones it does. Without either, text. The `--export` folder is checked here too, so
/// that every output option is refused before any work is done.
pub fn output_format(
    output: &Option<std::path::PathBuf>,
    flag: Option<&str>,
    supported: &[&str],
    export: &ExportArgs,
) -> Result<String> {
    export.check()?;
    let by_ext = output.as_ref().and_then(|p| {
        let ext = p.extension()?.to_string_lossy().to_lowercase();
        Some(match ext.as_str() {
            "txt" | "text" => "text",
            "json" => "json",
            "csv" => "csv",
            "md" | "markdown" => "markdown",
            "xlsx" => "xlsx",
            _ => return None,
        })
    });
    let list = supported.join(", ");
    match (by_ext, flag) {
        (Some(e), Some(f)) if e != f => Err(Error::Usage(format!(
            "-o {} names a .{} file but --format is {f}: drop --format (the extension chooses it) or give the file the extension of {f}",
            output.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
            output
                .as_ref()
                .and_then(|p| p.extension())
                .map(|e| e.to_string_lossy().to_string())
                .unwrap_or_default(),
        ))),
        (Some(e), _) if !supported.contains(&e) => Err(Error::Usage(format!(
            "-o {}: this command writes {list}, not {e}; give the file one of those extensions",
            output.as_ref().map(|p| p.display().to_string()).unwrap_or_default()
        ))),
        (Some(e), _) => Ok(e.to_string()),
        (None, Some(f)) if !supported.contains(&f) => Err(Error::Usage(format!(
            "--format {f}: this command writes {list}"
        ))),
        (None, Some(f)) => Ok(f.to_string()),
        (None, None) => Ok("text".to_string()),
    }
}

/// Refuse to write an output over one of the inputs (`-o survey.csv` would destroy the
/// data it was computed from).
pub fn not_an_input(
    outputs: &[Option<&std::path::Path>],
    inputs: &[std::path::PathBuf],
) -> Result<()> {
    let canon = |p: &std::path::Path| std::fs::canonicalize(p).ok();
    for o in outputs.iter().flatten() {
        let Some(co) = canon(o) else { continue };
        if inputs.iter().any(|i| canon(i).as_ref() == Some(&co)) {
            return Err(Error::Usage(format!(
                "'{}' is one of this command's input files; writing the output there would overwrite the data. Name another file.",
                o.display()
            )));
        }
    }
    Ok(())
}

/// The files a study reads (its tables, and the `[csi]` model file).
pub fn study_inputs(study: &crate::data::Study) -> Vec<std::path::PathBuf> {
    let mut v: Vec<std::path::PathBuf> = study.tables.iter().map(|t| study.resolve(t)).collect();
    if let Some(c) = &study.csi {
        v.push(study.base_dir.join(&c.model));
    }
    v
}

/// Write the main output: rendered text to `-o FILE` or standard output, or the bytes of a
/// workbook (`xlsx` needs `-o`).
pub fn emit_output(output: &Option<std::path::PathBuf>, out: Rendered) -> Result<()> {
    match out {
        Rendered::Text(t) => emit(output, &t),
        Rendered::Bytes(b) => match output {
            Some(p) => crate::output::atomic_write(p, |f| {
                use std::io::Write as _;
                f.write_all(&b).map_err(|e| Error::Write {
                    path: p.clone(),
                    reason: e.to_string(),
                })
            }),
            None => Err(Error::Usage(
                "a workbook (--format xlsx) is written to a file: give -o FILE.xlsx".into(),
            )),
        },
    }
}

/// Write a table by the extension of `path`: CSV, Parquet or an Excel workbook (one sheet).
pub fn write_table(path: &std::path::Path, df: &mut polars::prelude::DataFrame) -> Result<()> {
    let xlsx = path
        .extension()
        .is_some_and(|e| e.to_string_lossy().eq_ignore_ascii_case("xlsx"));
    if !xlsx {
        return crate::output::write_table(path, df);
    }
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "table".into());
    let bytes = crate::report::export::xlsx(
        &[],
        &[crate::report::export::Table {
            name,
            df: df.clone(),
        }],
        Default::default(),
    )?;
    emit_output(&Some(path.to_path_buf()), Rendered::Bytes(bytes))
}

/// A command's main output, rendered.
pub enum Rendered {
    Text(String),
    Bytes(Vec<u8>),
}

impl Rendered {
    /// The text, when the output is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Rendered::Text(t) => Some(t),
            Rendered::Bytes(_) => None,
        }
    }
}

/// Write `text` to `output`, or print it when no file is given.
/// The language of a command's human-readable output: `--lang`, else the study file's
/// `language`, else English.
pub fn language(
    flag: Option<&str>,
    study: Option<&crate::data::Study>,
) -> Result<crate::report::i18n::Lang> {
    match flag.or(study.and_then(|s| s.language.as_deref())) {
        Some(l) => crate::report::i18n::Lang::parse(l),
        None => Ok(Default::default()),
    }
}

pub fn emit(output: &Option<std::path::PathBuf>, text: &str) -> Result<()> {
    match output {
        Some(p) => crate::output::write_text(p, text),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

/// Pretty JSON of a result struct.
pub fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string_pretty(value).map_err(|e| Error::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Issue #15 item 14: every option of every subcommand has a help line, and every
    /// subcommand's --help ends with examples.
    #[test]
    fn every_option_has_help_and_every_command_examples() {
        let cmd = super::Cli::command();
        let mut missing = Vec::new();
        for sub in cmd.get_subcommands() {
            let after = sub
                .get_after_help()
                .map(|s| s.to_string())
                .unwrap_or_default();
            assert!(
                after.starts_with("Example"),
                "{} --help has no examples",
                sub.get_name()
            );
            for arg in sub.get_arguments() {
                let id = arg.get_id().as_str();
                if id == "help" || id == "version" {
                    continue;
                }
                if arg.get_help().is_none() {
                    missing.push(format!("{} --{id}", sub.get_name()));
                }
            }
        }
        assert!(missing.is_empty(), "options without help: {missing:?}");
    }
}
