//! `profitchain simulate`

use std::path::PathBuf;

use clap::Args;

use crate::data::{simulate, simulate_table};
use crate::report::export::Table;
use crate::Result;

/// Generate a sample study with known truth: raw tables, study.toml and truth.json.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// brokerage (81 B2B clients) or retail-bank (households).
    #[arg(long, value_name = "NAME", value_parser = simulate::SCENARIOS)]
    pub scenario: String,
    /// Random seed; the same seed gives byte-identical files.
    #[arg(long, default_value_t = 2005)]
    pub seed: u64,
    /// Number of customers (default: 81 for brokerage, 20000 for retail-bank).
    #[arg(long, value_name = "N")]
    pub customers: Option<usize>,
    /// Output folder (created if missing; an existing non-empty one needs --force).
    #[arg(short, long, value_name = "DIR")]
    pub out: PathBuf,
    /// Write into an existing, non-empty folder (its files of the same names are replaced).
    #[arg(long)]
    pub force: bool,
    /// csv (default): the study's raw tables. parquet: the brokerage customers as one
    /// table ready for analysis (a row per customer) in Parquet parts of 1,000,000
    /// customers (`customers/`), written part by part, for any number of customers, with
    /// a study.toml for `--study` (e.g. `chain --streaming`).
    #[arg(long, default_value = "csv", value_parser = ["csv", "parquet"])]
    pub format: String,
}

pub fn compute(args: SimulateArgs, _lang: Option<&str>) -> Result<super::Outcome> {
    crate::report::export::check_dir(&args.out, args.force, "--out")?;
    if args.format == "parquet" {
        return parquet(args);
    }
    let mut sim = simulate::simulate(&args.scenario, args.seed, args.customers)?;
    let note = format!(
        "Wrote {} ({} survey rows, {} accounts) to {}",
        args.scenario,
        sim.survey.height(),
        sim.accounts.height(),
        args.out.display()
    );
    let json = super::to_json(&serde_json::json!({
        "scenario": args.scenario,
        "seed": args.seed,
        "study_toml": sim.study_toml,
        "truth": sim.truth,
    }))? + "\n";
    let mut tables = vec![
        Table {
            name: "survey".into(),
            df: sim.survey.clone(),
        },
        Table {
            name: "accounts".into(),
            df: sim.accounts.clone(),
        },
    ];
    if let Some(t) = &sim.transactions {
        tables.push(Table {
            name: "transactions".into(),
            df: t.clone(),
        });
    }
    if let Some(t) = &sim.subscriptions {
        tables.push(Table {
            name: "subscriptions".into(),
            df: t.clone(),
        });
    }
    let mut o = outcome(json, &args, move |out| simulate::write(&mut sim, out));
    o.tables = tables;
    o.notes.push(note);
    Ok(o)
}

/// `simulate --format parquet`: the customer table in parts (written when the outcome is
/// written, like the study's files).
fn parquet(args: SimulateArgs) -> Result<super::Outcome> {
    if args.scenario != "brokerage" {
        return Err(crate::Error::Usage(format!(
            "--format parquet writes the brokerage customers; scenario '{}' is written as CSV (drop --format)",
            args.scenario
        )));
    }
    let customers = args.customers.unwrap_or(81);
    let json = super::to_json(&serde_json::json!({
        "scenario": args.scenario,
        "seed": args.seed,
        "customers": customers,
        "format": "parquet",
    }))? + "\n";
    let seed = args.seed;
    let mut o = outcome(json, &args, move |out| {
        simulate_table::write(out, seed, customers).map(|_| ())
    });
    o.notes.push(format!(
        "Wrote {customers} brokerage customers (Parquet parts of {} in customers/, study.toml, truth.json) to {}",
        simulate_table::PART,
        args.out.display()
    ));
    Ok(o)
}

/// The outcome of `simulate`: its JSON, and `write` into the prepared `--out` folder when
/// the outcome is written.
fn outcome(
    json: String,
    args: &SimulateArgs,
    mut write: impl FnMut(&std::path::Path) -> Result<()> + Send + 'static,
) -> super::Outcome {
    let (out, force) = (args.out.clone(), args.force);
    super::Outcome::new(
        "simulate",
        json.clone(),
        super::Rendered::Text(String::new()),
        json,
        |j, _| Ok(j.clone()),
    )
    .then(Box::new(move || {
        crate::report::export::prepare_dir(&out, force)?;
        write(&out)
    }))
}
