//! The `profitchain` command: parse, dispatch, map errors to exit codes
//! (0 ok, 2 bad input or usage, 1 internal error).

use clap::Parser;

use profitchain::cli;

fn main() {
    let args = cli::Cli::parse();
    if let Err(e) = cli::run(args) {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code());
    }
}
