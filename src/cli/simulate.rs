//! `profitchain simulate`

use std::path::PathBuf;

use clap::Args;

use profitchain::data::simulate;
use profitchain::Result;

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
}

pub fn run(args: SimulateArgs, _lang: Option<&str>) -> Result<()> {
    let mut sim = simulate::simulate(&args.scenario, args.seed, args.customers)?;
    profitchain::report::export::prepare_dir(&args.out, args.force)?;
    simulate::write(&mut sim, &args.out)?;
    eprintln!(
        "Wrote {} ({} survey rows, {} accounts) to {}",
        args.scenario,
        sim.survey.height(),
        sim.accounts.height(),
        args.out.display()
    );
    Ok(())
}
