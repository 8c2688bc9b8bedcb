//! Issue #13: no input can crash profitchain. Random tables (0 to a few hundred rows; NaN,
//! ±inf, empty cells, huge and tiny magnitudes, constant and duplicated columns, duplicate
//! and missing ids, non-ASCII text, random bytes in numeric cells), random formulas and
//! study options go through the library entry points behind `build`, `regress`, `chain`,
//! `metrics`, `drivers`, `value` and `report`. Each must return `Ok` or an input error
//! (exit code 2): never a panic, never an internal error.
//!
//! The default run is short and deterministic for CI; `PROPTEST_CASES=20000 cargo test
//! --release fuzz_entry` runs longer, and `FUZZ_RANDOM=1` draws new cases each run.

use std::path::PathBuf;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tempfile::TempDir;

use profitchain::analysis::chain::{self, ChainOptions};
use profitchain::analysis::drivers::{self, DriverOptions};
use profitchain::analysis::metrics::{self, MetricsOptions, Scale};
use profitchain::analysis::regress::{regress, RegressOptions};
use profitchain::analysis::value::{self, Retention, ValueOptions};
use profitchain::data::study::{Options, Roles, SowScale};
use profitchain::data::{build, SegmentRule, Study};
use profitchain::stats::CovType;
use profitchain::Error;

/// Cases whose chain ran (printed, so a run shows how deep the random inputs reach).
static REACHED_CHAIN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

/// One CSV cell of a numeric column: mostly numbers, sometimes awkward ones.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        30 => (-50.0f64..50.0).prop_map(|v| format!("{v:.3}")),
        15 => (0u8..11).prop_map(|v| v.to_string()),
        1 => Just(String::new()),
        1 => Just("NaN".to_string()),
        1 => Just("inf".to_string()),
        1 => Just("-inf".to_string()),
        1 => Just("1e300".to_string()),
        1 => Just("-1e200".to_string()),
        1 => Just("1e-300".to_string()),
        1 => Just("0".to_string()),
    ]
}

/// Not a number: text (non-ASCII too) or random bytes.
fn garbage() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zé日本\\-]{1,4}",
        proptest::collection::vec(any::<u8>(), 1..4)
            .prop_map(|b| String::from_utf8_lossy(&b).replace([',', '\n', '\r', '"'], "")),
    ]
}

/// A column: clean numbers, numbers with awkward values, one with a stray non-number,
/// or a constant.
fn column(rows: usize) -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        4 => proptest::collection::vec((-100.0f64..100.0).prop_map(|v| format!("{v:.2}")), rows),
        4 => proptest::collection::vec(number(), rows),
        1 => (proptest::collection::vec(number(), rows), garbage(), any::<prop::sample::Index>())
            .prop_map(move |(mut v, g, i)| {
                if !v.is_empty() {
                    let k = i.index(v.len());
                    v[k] = g;
                }
                v
            }),
        1 => number().prop_map(move |c| vec![c; rows]),
    ]
}

/// Ids: row numbers (unique), sometimes a repeat, a blank, padded or non-ASCII.
fn id_cell() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        30 => Just(None),
        1 => (0u16..5).prop_map(|i| Some(format!("C{i}"))),
        1 => Just(Some(String::new())),
        1 => Just(Some(" C1 ".to_string())),
        1 => "[客户é]{1,3}".prop_map(Some),
    ]
}

/// A random table as CSV text: id, sat, sow, rev, profit, x (maybe a copy of sat), seg.
fn table() -> impl Strategy<Value = String> {
    (0usize..120).prop_flat_map(|rows| {
        (
            proptest::collection::vec(id_cell(), rows),
            proptest::collection::vec(column(rows), 5),
            any::<bool>(),
            proptest::collection::vec(prop_oneof![Just("a"), Just("b"), Just("ü c")], rows),
        )
            .prop_map(|(ids, cols, dup, seg)| {
                let mut s = String::from("id,sat,sow,rev,profit,x,seg\n");
                for i in 0..ids.len() {
                    let x = if dup { &cols[0][i] } else { &cols[4][i] };
                    let id = ids[i].clone().unwrap_or_else(|| format!("R{i}"));
                    s.push_str(&format!(
                        "{},{},{},{},{},{},{}\n",
                        id, cols[0][i], cols[1][i], cols[2][i], cols[3][i], x, seg[i]
                    ));
                }
                s
            })
    })
}

/// A random formula over the table's columns.
fn formula() -> impl Strategy<Value = String> {
    let var = prop_oneof![
        Just("sat"),
        Just("sow"),
        Just("rev"),
        Just("profit"),
        Just("x")
    ];
    let term = prop_oneof![
        3 => var.clone().prop_map(str::to_string),
        1 => var.clone().prop_map(|v| format!("log({v})")),
        1 => var.clone().prop_map(|v| format!("exp({v})")),
        1 => var.clone().prop_map(|v| format!("I({v} ** 3)")),
        1 => (var.clone(), var.clone()).prop_map(|(a, b)| format!("{a}:{b}")),
        1 => (var.clone(), var.clone()).prop_map(|(a, b)| format!("{a}*{b}")),
        1 => Just("C(seg)".to_string()),
        1 => Just("I(1e308 * sat)".to_string()),
        1 => Just("Q(\"sat\")".to_string()),
    ];
    (var, proptest::collection::vec(term, 1..4), any::<bool>()).prop_map(|(y, terms, no_icept)| {
        format!(
            "{y} ~ {}{}",
            terms.join(" + "),
            if no_icept { " - 1" } else { "" }
        )
    })
}

/// Ok, or an input error (exit code 2). Internal errors and panics fail the case.
fn acceptable<T>(what: &str, r: profitchain::Result<T>) -> Result<Option<T>, TestCaseError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.exit_code() == 2 => {
            let msg = e.to_string();
            if std::env::var("FUZZ_DEBUG").is_ok() {
                eprintln!(
                    "REJECT {what}: {}",
                    msg.chars().take(90).collect::<String>()
                );
            }
            prop_assert!(!msg.is_empty(), "{what}: empty error message");
            Ok(None)
        }
        Err(e) => Err(TestCaseError::fail(format!(
            "{what}: internal error (exit {}): {e}",
            e.exit_code()
        ))),
    }
}

fn study(path: PathBuf, seg_rule: u8, percent: bool) -> profitchain::Result<Study> {
    let roles = Roles {
        id: "id".into(),
        satisfaction: "sat".into(),
        share_of_wallet: Some("sow".into()),
        revenue: "rev".into(),
        profit: Some("profit".into()),
        ..Roles::default()
    };
    let options = Options {
        share_of_wallet_scale: if percent {
            SowScale::Percent
        } else {
            SowScale::Fraction
        },
        allow_out_of_range: true,
        ..Options::default()
    };
    let rule = match seg_rule {
        0 => SegmentRule::Profit,
        1 => SegmentRule::None,
        2 => SegmentRule::Column {
            column: "seg".into(),
        },
        _ => SegmentRule::parse_cli("revenue > 0")?,
    };
    Study::from_single_table(path, roles, options, rule)
}

fn run_case(csv: &str, f: &str, seg_rule: u8, percent: bool) -> Result<(), TestCaseError> {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("t.csv");
    std::fs::write(&path, csv).unwrap();
    let df = acceptable(
        "read",
        profitchain::data::load::read(&path, &Default::default()),
    )?;

    // regress on the raw table.
    if let Some(df) = &df {
        for se in [CovType::Nonrobust, CovType::HC3] {
            let o = RegressOptions {
                formula: f.to_string(),
                by: None,
                se,
                confidence: 0.95,
                id: Some("id".into()),
            };
            acceptable("regress", regress(df, "t.csv", &o))?;
        }
        // metrics, drivers and value on the raw table.
        let mo = MetricsOptions {
            csat: Some(("sat".into(), Scale::parse("0-10").unwrap())),
            nps: Some("x".into()),
            ces: None,
            csi: Some((
                vec![("sow".into(), 1.0), ("rev".into(), 2.0)],
                Scale::parse("0-10").unwrap(),
            )),
            retained: None,
            by: Some("seg".into()),
            rollup_id: Some("id".into()),
            confidence: 0.95,
            defaulted_scales: vec![],
        };
        acceptable("metrics", metrics::run(df, "t.csv", &mo))?;
        let d = DriverOptions {
            target: "sat".into(),
            drivers: vec!["sow".into(), "rev".into(), "x".into()],
            by: Some("seg".into()),
            bootstrap: 40,
            seed: 1,
            confidence: 0.95,
        };
        acceptable("drivers", drivers::run(df, "t.csv", &d))?;
        let v = ValueOptions {
            id: "id".into(),
            revenue: "rev".into(),
            profit: Some("profit".into()),
            cost: None,
            retention: Some(Retention::Rate(0.8)),
            discount: 0.1,
            margin: None,
            war: None,
        };
        acceptable("value", value::run(df, "t.csv", &v))?;
    }

    // build → chain → report on the study.
    let Some(s) = acceptable("study", study(path, seg_rule, percent))? else {
        return Ok(());
    };
    let Some(table) = acceptable("build", build(&s))? else {
        return Ok(());
    };
    let opts = ChainOptions {
        bootstrap: 40,
        quadratic: percent,
        ..Default::default()
    };
    let Some(result) = acceptable("chain", chain::run(&table, &opts))? else {
        return Ok(());
    };
    REACHED_CHAIN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let vo = ValueOptions {
        id: table.id.clone(),
        revenue: "revenue".into(),
        profit: Some("profit".into()),
        cost: None,
        retention: None,
        discount: 0.0,
        margin: None,
        war: None,
    };
    let val = acceptable("value (report)", value::run(&table.df, "customers", &vo))?;
    let sizes = acceptable(
        "segment profit",
        value::segment_profit(&table.df, &table.segments),
    )?
    .unwrap_or_default();
    let links = acceptable("links", chain::links(&table))?.unwrap_or_default();
    let rendered = acceptable(
        "report",
        profitchain::report::html::render(
            &result,
            val.as_ref(),
            &sizes,
            &links,
            &Default::default(),
            &Default::default(),
        ),
    )?;
    if let Some(r) = rendered {
        prop_assert!(!r.html.contains("NaN"), "report prints NaN");
    }
    let text = profitchain::report::chain::text(&result);
    prop_assert!(!text.contains("NaN"), "chain text prints NaN:\n{text}");
    acceptable("export", profitchain::report::chain::export(&result))?;
    Ok(())
}

#[test]
fn fuzz_entry_points_never_panic() {
    let config = Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    };
    // Deterministic by default, so CI runs the same cases every time; FUZZ_RANDOM=1
    // explores new ones.
    let mut runner = if std::env::var("FUZZ_RANDOM").is_ok() {
        TestRunner::new(config)
    } else {
        TestRunner::new_with_rng(
            config,
            proptest::test_runner::TestRng::deterministic_rng(
                proptest::test_runner::RngAlgorithm::ChaCha,
            ),
        )
    };
    let strategy = (table(), formula(), 0u8..4, any::<bool>());
    let result = runner.run(&strategy, |(csv, f, rule, percent)| {
        run_case(&csv, &f, rule, percent)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!(
        "fuzz: {} cases, chain estimated in {}",
        cases(),
        REACHED_CHAIN.load(std::sync::atomic::Ordering::Relaxed)
    );
}

/// The hand-picked cases of issue #13.
#[test]
fn issue_13_cases() {
    let mut csv = String::from("id,sat,sow,rev,profit,x,seg\n");
    for i in 0..40 {
        csv.push_str(&format!(
            "C{i},{},{:.2},{},{},{},a\n",
            1 + i % 10,
            (i % 7) as f64 / 10.0,
            if i == 7 {
                1e300
            } else {
                100.0 + 13.0 * i as f64
            },
            (i as f64 - 20.0) * 3.1,
            i % 3
        ));
    }
    run_case(&csv, "rev ~ I(1e308*sat*sat)", 0, false).unwrap();
    run_case(&csv, "rev ~ exp(rev)", 0, false).unwrap();
    let dir = TempDir::new().unwrap();
    let p = dir.path().join("t.csv");
    std::fs::write(&p, &csv).unwrap();
    let e = build(&study(p, 0, false).unwrap()).unwrap_err().to_string();
    assert!(
        e.contains("1e300") && e.contains("'C7'") && e.contains("'rev'"),
        "{e}"
    );
    let df = profitchain::data::load::read(&dir.path().join("t.csv"), &Default::default()).unwrap();
    let fit = |f: &str| {
        regress(
            &df,
            "t.csv",
            &RegressOptions {
                formula: f.into(),
                by: None,
                se: CovType::Nonrobust,
                confidence: 0.95,
                id: None,
            },
        )
    };
    let e = fit("profit ~ exp(rev)").unwrap_err().to_string();
    assert!(
        e.contains("orders of magnitude") && e.contains("reaches"),
        "the range, not 'constant': {e}"
    );
    assert!(matches!(
        fit("rev ~ I(1e308*sat*sat)"),
        Err(Error::Degenerate(_))
    ));
}

/// CLI spot checks: exit 2 with `error:`, and no output file or report folder content.
#[test]
fn cli_spot_checks_exit_2_and_write_nothing() {
    use crate::common::{bin, write};
    let dir = TempDir::new().unwrap();
    let mut big = String::from("id,sat,sow,rev,profit\n");
    let mut flat = big.clone();
    for i in 0..30 {
        let rev = if i == 3 { 1e300 } else { 100.0 + i as f64 };
        big.push_str(&format!(
            "C{i},{},0.{},{rev},{}\n",
            1 + i % 9,
            i % 9,
            i as f64 - 15.0
        ));
        flat.push_str(&format!(
            "C{i},5,0.{},{},{}\n",
            i % 9,
            100 + i,
            i as f64 - 15.0
        ));
    }
    let big = write(dir.path(), "big.csv", &big);
    let flat = write(dir.path(), "flat.csv", &flat);
    let roles = [
        "--id",
        "id",
        "--satisfaction",
        "sat",
        "--sow",
        "sow",
        "--revenue",
        "rev",
        "--profit",
        "profit",
    ];
    for (data, needle) in [(&big, "1e300"), (&flat, "no segment could be analysed")] {
        let out = dir.path().join("chain.json");
        bin()
            .args(["chain", "--bootstrap", "50", "--format", "json", "--data"])
            .arg(data)
            .args(roles)
            .arg("-o")
            .arg(&out)
            .assert()
            .code(2)
            .stderr(predicates::str::starts_with("error:"))
            .stderr(predicates::str::contains(needle));
        assert!(!out.exists());
        let rep = dir.path().join("rep");
        bin()
            .args(["report", "--bootstrap", "50", "--data"])
            .arg(data)
            .args(roles)
            .arg("-o")
            .arg(&rep)
            .assert()
            .code(2);
        assert!(!rep.exists() || std::fs::read_dir(&rep).unwrap().next().is_none());
    }
    bin()
        .args(["regress", "--data"])
        .arg(&big)
        .args(["--formula", "rev ~ I(1e308*sat*sat)"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("overflow"));
}
