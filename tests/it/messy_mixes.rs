//! Issue #21's property: for random mixes of the corpus' defects injected into the bundled
//! brokerage sample, no build ever succeeds with numbers that differ from the clean data's
//! without a finding naming the cause. Each defect either stops the build (exit 2) or is
//! undone by the audit and reported:
//!
//! * refusal code 99 in some ratings — stops; with `missing_codes = [99]` declared, they are
//!   missing (as if blank) and counted;
//! * a Total row under the accounts — excluded, warned;
//! * ids padded with spaces in the survey — trimmed, noted;
//! * revenue written as `$1,234.50` — read as numbers, noted;
//! * `n/a` in a column the chain does not use — read as missing, noted;
//! * a repeated account row — stops.
//!
//! The clean answer is the chain (no resamples) on the sample with each defect's meaning
//! applied by hand. The default run is short and deterministic; `PROPTEST_CASES=500 cargo test
//! --release messy_mixes` runs longer.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tempfile::TempDir;

use profitchain::analysis::chain::{self, ChainOptions};
use profitchain::data::Study;

const SURVEY: &str = include_str!("../../notebooks-data/brokerage/survey.csv");
const ACCOUNTS: &str = include_str!("../../notebooks-data/brokerage/accounts.csv");

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

/// Which defects a case injects.
#[derive(Debug, Clone)]
struct Mix {
    /// Respondent rows whose rating becomes 99.
    refused: Vec<usize>,
    declared: bool,
    total: bool,
    padded: bool,
    dollars: bool,
    na: bool,
    duplicate: bool,
}

fn mix() -> impl Strategy<Value = Mix> {
    (
        proptest::collection::vec(0usize..358, 0..6),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::bool::weighted(0.15),
    )
        .prop_map(
            |(refused, declared, total, padded, dollars, na, duplicate)| Mix {
                refused,
                declared,
                total,
                padded,
                dollars,
                na,
                duplicate,
            },
        )
}

/// Write the study's files with `mix`'s defects (`clean`: their meaning applied by hand).
fn write_study(dir: &std::path::Path, mix: &Mix, clean: bool) -> Study {
    let mut survey = String::new();
    for (i, line) in SURVEY.lines().enumerate() {
        if i == 0 {
            survey.push_str(line);
            survey.push('\n');
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        let refused = mix.refused.contains(&(i - 1));
        let rating = match (refused, clean) {
            (true, true) => "",
            (true, false) => "99",
            _ => f[2],
        };
        let id = if mix.padded && !clean && i % 3 == 0 {
            format!(" {} ", f[0])
        } else {
            f[0].to_string()
        };
        survey.push_str(&format!("{id},{},{rating}\n", f[1]));
    }
    let mut accounts = String::new();
    let (mut rev, mut cost) = (0.0, 0.0);
    for (i, line) in ACCOUNTS.lines().enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        if i == 0 {
            accounts.push_str(line);
            accounts.push('\n');
            continue;
        }
        rev += f[1].parse::<f64>().unwrap();
        cost += f[3].parse::<f64>().unwrap();
        let revenue = if mix.dollars && !clean {
            let v: f64 = f[1].parse().unwrap();
            format!("\"${}\"", group(v))
        } else {
            f[1].to_string()
        };
        let tenure = if mix.na && i % 5 == 0 {
            if clean { "" } else { "n/a" }.to_string()
        } else {
            f[4].to_string()
        };
        let row = format!("{},{revenue},{},{},{tenure}\n", f[0], f[2], f[3]);
        accounts.push_str(&row);
        if mix.duplicate && i == 7 {
            accounts.push_str(&row);
        }
    }
    if mix.total && !clean {
        let revenue = if mix.dollars {
            format!("\"${}\"", group(rev))
        } else {
            format!("{rev:.2}")
        };
        accounts.push_str(&format!("Total,{revenue},,{cost:.2},\n"));
    }
    std::fs::write(dir.join("survey.csv"), survey).unwrap();
    std::fs::write(dir.join("accounts.csv"), accounts).unwrap();
    let study = std::fs::read_to_string("notebooks-data/brokerage/study.toml")
        .unwrap_or_else(|_| {
            std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("notebooks-data/brokerage/study.toml"),
            )
            .unwrap()
        })
        .replace(
            "[options]",
            if mix.declared && !clean {
                "[options]\nmissing_codes = [99]"
            } else {
                "[options]"
            },
        );
    std::fs::write(dir.join("study.toml"), study).unwrap();
    Study::from_file(&dir.join("study.toml")).unwrap()
}

/// `1234.5` as `1,234.50`.
fn group(v: f64) -> String {
    let s = format!("{v:.2}");
    let (int, dec) = s.split_once('.').unwrap();
    let mut out = String::new();
    for (k, c) in int.chars().enumerate() {
        if k > 0 && (int.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out}.{dec}")
}

/// Every estimate of every segment's regressions.
fn estimates(r: &chain::ChainResult) -> Vec<f64> {
    r.segments
        .iter()
        .flat_map(|s| s.regressions.iter())
        .flat_map(|m| m.result.terms.iter().map(|t| t.estimate))
        .collect()
}

fn run_case(mix: Mix) -> Result<(), TestCaseError> {
    let opts = ChainOptions {
        bootstrap: 0,
        ..Default::default()
    };
    let dir = TempDir::new().unwrap();
    let study = write_study(dir.path(), &mix, false);
    let built = profitchain::analysis::study::build(&study);
    let must_stop = (!mix.refused.is_empty() && !mix.declared) || mix.duplicate;
    let table = match built {
        Err(e) => {
            prop_assert!(
                must_stop,
                "stopped without a stopping defect: {e} ({mix:?})"
            );
            prop_assert_eq!(e.exit_code(), 2);
            return Ok(());
        }
        Ok(b) => b.table,
    };
    prop_assert!(!must_stop, "a stopping defect passed: {mix:?}");
    let rules: Vec<&str> = table
        .diagnostics
        .audit
        .iter()
        .map(|f| f.rule.as_str())
        .collect();
    for (present, rule) in [
        (!mix.refused.is_empty(), "missing-codes"),
        (mix.total, "total-row"),
        (mix.padded, "ids-trimmed"),
        (mix.dollars, "formatted-numbers"),
    ] {
        if present {
            prop_assert!(
                rules.contains(&rule),
                "{rule} not reported: {rules:?} ({mix:?})"
            );
        }
    }
    let got = chain::run(&table, &opts).unwrap();
    let clean_dir = TempDir::new().unwrap();
    let clean = write_study(clean_dir.path(), &mix, true);
    let want = chain::run(
        &profitchain::analysis::study::build(&clean).unwrap().table,
        &opts,
    )
    .unwrap();
    let (a, b) = (estimates(&got), estimates(&want));
    prop_assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        prop_assert!(
            (x - y).abs() <= 1e-9 * y.abs().max(1.0),
            "{x} vs {y} ({mix:?})"
        );
    }
    Ok(())
}

#[test]
fn messy_mixes_never_change_a_number_silently() {
    let config = Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(
        config,
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    if let Err(e) = runner.run(&mix(), run_case) {
        panic!("{e}");
    }
}
