//! The corpus of messy exports (`tests/data/messy/`, written by `make_messy.py`): for each,
//! the exact outcome — which audit rule fired, the exit code, the counts — and that the
//! numbers analysed equal those computed on the cleaned data (issue #21).

use predicates::str::contains;
use serde_json::Value;

use crate::common::{bin, data};

fn messy(name: &str) -> std::path::PathBuf {
    data(&format!("messy/{name}"))
}

/// Run profitchain with `args` and return its standard output as JSON (exit 0 asserted).
fn json(args: &[&str]) -> Value {
    let out = bin()
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("JSON output")
}

/// The audit findings of a result's diagnostics.
fn rules(v: &Value) -> Vec<String> {
    v["diagnostics"]["audit"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["rule"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn finding<'a>(v: &'a Value, rule: &str) -> &'a Value {
    v["diagnostics"]["audit"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["rule"] == rule))
        .unwrap_or_else(|| panic!("no finding {rule} in {}", v["diagnostics"]))
}

/// Every number of two chain results (segments, regressions, mediation, comparisons,
/// summary) is the same.
fn same_chain(a: &Value, b: &Value) {
    for key in ["segments", "comparisons", "summary"] {
        assert_eq!(a[key], b[key], "{key} differ");
    }
}

/// Item 1: a refusal code labelled but not declared missing stops the analysis, naming the
/// code, its label, the count and the fix; declared missing, it is counted and the chain
/// equals the one on the survey with those answers blank.
#[test]
fn item01_refusal_codes_stop_and_missing_codes_clean() {
    let study = messy("refused.toml");
    bin()
        .args(["chain", "--bootstrap", "0", "--study"])
        .arg(&study)
        .assert()
        .code(2)
        .stderr(contains(
            "column 'satisfaction' holds 99 (\"Refused\") in 29 rows",
        ))
        .stderr(contains("missing_codes = [99]"))
        .stderr(contains("--missing-codes 99"));
    let s = study.to_string_lossy().to_string();
    let declared = json(&[
        "chain",
        "--bootstrap",
        "200",
        "--format",
        "json",
        "--missing-codes",
        "99",
        "--study",
        &s,
    ]);
    let f = finding(&declared, "missing-codes");
    assert_eq!(f["count"], 29);
    assert_eq!(f["column"], "satisfaction");
    let clean = json(&[
        "chain",
        "--bootstrap",
        "200",
        "--format",
        "json",
        "--study",
        &messy("clean.toml").to_string_lossy(),
    ]);
    same_chain(&declared, &clean);
    // The Chinese labels (拒答, 不知道) are recognised too, both codes named.
    bin()
        .args(["build", "-o", "/dev/null", "--study"])
        .arg(messy("refused-zh.toml"))
        .assert()
        .code(2)
        .stderr(contains("98 (\"不知道\"), 99 (\"拒答\")"))
        .stderr(contains("missing_codes = [98, 99]"));
}

/// Item 1, without labels: a CSV rating with 99 beyond the others' range and no declared
/// scale is stopped as a typical non-answer code; with a declared scale, any value outside
/// it stops; allowed, it is kept with a warning.
#[test]
fn item01_unlabelled_sentinels_and_declared_scales() {
    let dir = tempfile::TempDir::new().unwrap();
    let clean = std::fs::read_to_string(messy("brokerage_survey_clean.csv")).unwrap();
    // The blank ratings become 99.
    let coded: String = clean
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            if f.len() == 4 && f[2].is_empty() {
                format!("{},{},99,{}\n", f[0], f[1], f[3])
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(dir.path().join("survey.csv"), coded).unwrap();
    std::fs::copy(
        messy("brokerage_accounts.csv"),
        dir.path().join("accounts.csv"),
    )
    .unwrap();
    let study = std::fs::read_to_string(messy("clean.toml"))
        .unwrap()
        .replace("brokerage_survey_clean.csv", "survey.csv")
        .replace("brokerage_accounts.csv", "accounts.csv");
    std::fs::write(dir.path().join("s.toml"), &study).unwrap();
    bin()
        .args(["build", "-o"])
        .arg(dir.path().join("out.csv"))
        .arg("--study")
        .arg(dir.path().join("s.toml"))
        .assert()
        .code(2)
        .stderr(contains("holds 99 in 29 rows"))
        .stderr(contains("typical codes for a non-answer"));
    assert!(!dir.path().join("out.csv").exists());
    // Allowed: kept, with the warning in the build's output.
    bin()
        .args(["build", "--allow-out-of-range", "-o"])
        .arg(dir.path().join("out.csv"))
        .arg("--study")
        .arg(dir.path().join("s.toml"))
        .assert()
        .success()
        .stdout(contains(
            "warning: table 'survey': column 'satisfaction' holds 99",
        ));
}

/// Item 2: refunds net against the purchases they reverse; the CLV study of the messy log
/// (US dates, $ amounts, refunds) equals that of the log cleaned by hand (make_messy.py
/// applies the documented rule independently), and the diagnostics count the returns.
#[test]
fn item02_refunds_net_against_their_purchases() {
    let base = [
        "clv",
        "--id",
        "customer_id",
        "--date",
        "order_date",
        "--amount",
        "amount",
        "--calibration-end",
        "2024-12-29",
        "--observation-end",
        "2025-06-29",
        "--format",
        "json",
        "--transactions",
    ];
    let orders = messy("orders.csv").to_string_lossy().to_string();
    let mut args = base.to_vec();
    args.push(&orders);
    // US dates: the exact format is suggested.
    bin()
        .args(&args)
        .assert()
        .code(2)
        .stderr(contains("Every value fits the format '%m/%d/%Y'"));
    args.extend(["--date-format", "%m/%d/%Y"]);
    let messy_run = json(&args);
    let clean = messy("orders_clean.csv").to_string_lossy().to_string();
    let mut args_clean = base.to_vec();
    args_clean.push(&clean);
    let clean_run = json(&args_clean);
    for key in ["purchase", "gamma_gamma", "totals", "holdout"] {
        assert_eq!(messy_run[key], clean_run[key], "{key} differ");
    }
    let r = &messy_run["diagnostics"]["returns"];
    assert_eq!(r["returns"], 262);
    assert_eq!(r["netted_full"], 131);
    assert_eq!(r["netted_partial"], 131);
    assert_eq!(r["customers_emptied"], 8);
    // Refunds kept as purchases (the old behaviour, by request) change the answer.
    let mut keep = args.clone();
    keep.extend(["--returns", "keep"]);
    let kept = json(&keep);
    assert_eq!(kept["diagnostics"]["returns"]["kept"], 262);
    let e = |v: &Value| v["totals"]["expected_transactions"].as_f64().unwrap();
    assert!(
        e(&kept) > e(&messy_run) * 1.01,
        "{} vs {}",
        e(&kept),
        e(&messy_run)
    );
}

/// Item 3: an Excel Total row is not a customer: excluded and counted, and the totals equal
/// those of the clean sheet.
#[test]
fn item03_total_rows_are_excluded() {
    let run = |file: &str| {
        json(&[
            "value",
            "--data",
            &messy(file).to_string_lossy(),
            "--id",
            "client_id",
            "--revenue",
            "revenue",
            "--cost",
            "cost_to_serve",
            "--format",
            "json",
        ])
    };
    let xl = run("finance.xlsx");
    let clean = run("finance_clean.csv");
    assert_eq!(xl["customers"], 81);
    for key in ["total_revenue", "total_profit", "deciles", "whale_curve"] {
        assert_eq!(xl[key], clean[key], "{key}");
    }
    let f = finding(&xl, "total-row");
    assert_eq!(f["count"], 1);
    assert!(f["message"]
        .as_str()
        .unwrap()
        .contains("'Total' at row 86 of sheet 'FY2024'"));
}

/// Item 4: ids keep their leading zeros through every format; SPSS numeric ids print as
/// whole numbers and join text ids.
#[test]
fn item04_ids_keep_their_zeros_and_numbers_print_whole() {
    let dir = tempfile::TempDir::new().unwrap();
    let out = dir.path().join("c.csv");
    bin()
        .args(["build", "--study"])
        .arg(messy("finance.toml"))
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.lines().nth(1).unwrap().starts_with("0001,"), "{text}");
    assert_eq!(text.lines().count(), 82);
    bin()
        .args(["build", "--study"])
        .arg(messy("numeric-ids.toml"))
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stdout(contains("Customers analysed: 81"));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("\n1,") && !text.contains("1.0,"), "{text}");
    // In clv, "5", "05" and "005" are three customers, " 7 " is "7", and an id of spaces
    // is a row without an id.
    let v = json(&[
        "clv",
        "--transactions",
        &messy("ids.csv").to_string_lossy(),
        "--id",
        "id",
        "--date",
        "date",
        "--amount",
        "amount",
        "--calibration-end",
        "2024-04-25",
        "--format",
        "json",
    ]);
    assert_eq!(v["diagnostics"]["customers"], 4);
    assert_eq!(v["diagnostics"]["rows_missing"], 1);
}

/// Item 5: a labelled category is rolled up by its most frequent value, never a mean, and
/// a column: segment rule on it works (segments named by the labels).
#[test]
fn item05_labelled_categories_roll_up_by_their_mode() {
    let v = json(&[
        "chain",
        "--bootstrap",
        "0",
        "--format",
        "json",
        "--missing-codes",
        "99",
        "--segment-rule",
        "column:channel",
        "--study",
        &messy("refused.toml").to_string_lossy(),
    ]);
    let names: Vec<&str> = v["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["all", "Branch", "Online", "Phone"]);
    assert!(rules(&v).contains(&"category-rollup".to_string()));
    let dir = tempfile::TempDir::new().unwrap();
    let out = dir.path().join("c.csv");
    bin()
        .args(["build", "--missing-codes", "99", "-o"])
        .arg(&out)
        .arg("--study")
        .arg(messy("refused.toml"))
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let j = header.iter().position(|c| *c == "channel").unwrap();
    for line in text.lines().skip(1) {
        let c = line.split(',').nth(j).unwrap();
        assert!(["1", "2", "3"].contains(&c), "channel {c} is not a code");
    }
}

/// Item 6: a calibration or observation end after the log's last transaction is an error
/// naming the last date, unless allowed.
#[test]
fn item06_ends_after_the_data_are_refused() {
    let args = |cal: &str| -> Vec<String> {
        [
            "clv",
            "--transactions",
            &messy("orders_clean.csv").to_string_lossy(),
            "--id",
            "customer_id",
            "--date",
            "order_date",
            "--amount",
            "amount",
            "--calibration-end",
            cal,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    bin()
        .args(args("2025-12-31"))
        .assert()
        .code(2)
        .stderr(contains("falls after the last transaction"))
        .stderr(contains("--allow-end-after-data"));
    bin()
        .args(args("2025-12-31"))
        .arg("--allow-end-after-data")
        .assert()
        .success();
    bin()
        .args(args("2024-12-29"))
        .args(["--observation-end", "2026-06-30"])
        .assert()
        .code(2)
        .stderr(contains(
            "--observation-end 2026-06-30 falls after the last transaction",
        ));
}

/// Item 7: steady buyers drive every purchase model to its limit: the fits say
/// "degenerate" with an explanation, the likelihoods agree (the Poisson, no-drop-out limit
/// is one model), predictions are finite and the command succeeds with the warning.
#[test]
fn item07_degenerate_fits_say_so() {
    let v = json(&[
        "clv",
        "--transactions",
        &messy("steady.csv").to_string_lossy(),
        "--id",
        "id",
        "--date",
        "date",
        "--amount",
        "amount",
        "--calibration-end",
        "2024-12-31",
        "--observation-end",
        "2025-06-30",
        "--model",
        "pnbd",
        "--compare",
        "all",
        "--format",
        "json",
    ]);
    assert_eq!(v["purchase"]["status"], "degenerate");
    assert!(v["purchase"]["explanation"]
        .as_str()
        .unwrap()
        .contains("do not"));
    let ll = v["purchase"]["log_likelihood"].as_f64().unwrap();
    for c in v["compared"].as_array().unwrap() {
        assert_eq!(c["fit"]["status"], "degenerate", "{}", c["label"]);
        let other = c["fit"]["log_likelihood"].as_f64().unwrap();
        assert!((other - ll).abs() < 1e-3, "{}: {other} vs {ll}", c["label"]);
    }
    assert!(ll < -1000.0, "a log-likelihood, not a breakdown: {ll}");
    let w = v["warnings"].as_array().unwrap();
    assert!(w
        .iter()
        .any(|w| w.as_str().unwrap().contains("degenerate fit")));
    let totals = &v["totals"];
    let e = totals["expected_transactions"].as_f64().unwrap();
    assert!(e.is_finite() && e > 0.0);
    // The holdout check: 12,420 actual holdout transactions, the limit predicts within 2%.
    let h = &v["holdout"];
    let (ex, ac) = (
        h["expected_total"].as_f64().unwrap(),
        h["actual_total"].as_f64().unwrap(),
    );
    assert!((ex / ac - 1.0).abs() < 0.02, "{ex} vs {ac}");
}

/// Item 8: the output's extension chooses its format, and contradicting --format is an
/// error; chain --format csv writes the coefficient table.
#[test]
fn item08_the_extension_chooses_the_format() {
    let dir = tempfile::TempDir::new().unwrap();
    let xlsx = dir.path().join("out.xlsx");
    bin()
        .args(["chain", "--bootstrap", "0", "-o"])
        .arg(&xlsx)
        .assert()
        .success();
    let bytes = std::fs::read(&xlsx).unwrap();
    assert_eq!(&bytes[..2], b"PK", "an xlsx is a zip file");
    let csv = dir.path().join("out.csv");
    bin()
        .args(["chain", "--bootstrap", "0", "--format", "json", "-o"])
        .arg(&csv)
        .assert()
        .code(2)
        .stderr(contains("names a .csv file but --format is json"));
    assert!(!csv.exists());
    bin()
        .args(["chain", "--bootstrap", "0", "--format", "csv"])
        .assert()
        .success()
        .stdout(predicates::str::starts_with("segment,model,"));
    let j = dir.path().join("out.json");
    bin()
        .args(["chain", "--bootstrap", "0", "-o"])
        .arg(&j)
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&std::fs::read(&j).unwrap()).unwrap();
    assert!(v["segments"].is_array());
}

/// Item 13: a numeric column offered as segments is refused with a threshold suggested;
/// a segment too small for its chain gets no bottom line and says the minimum.
#[test]
fn item13_numeric_segment_columns_are_refused() {
    let base = [
        "chain",
        "--bootstrap",
        "0",
        "--data",
        &messy("numeric_segments.csv").to_string_lossy(),
        "--id",
        "client_id",
        "--satisfaction",
        "satisfaction",
        "--sow",
        "share_of_wallet",
        "--revenue",
        "revenue",
        "--profit",
        "profit",
    ]
    .map(|s| s.to_string());
    bin()
        .args(&base)
        .args(["--segment-rule", "column:Q4_Price"])
        .assert()
        .code(2)
        .stderr(contains("gives 81 segments"))
        .stderr(contains("--segment-rule \"Q4_Price>"));
    let out = bin()
        .args(&base)
        .args([
            "--segment-rule",
            "column:Q4_Price",
            "--allow-many-segments",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let summary: Vec<&str> = v["summary"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let bottom = summary
        .iter()
        .filter(|s| s.starts_with("Bottom line"))
        .count();
    assert_eq!(bottom, 1, "only the pooled group: {summary:?}");
    // The one-customer segments are too small to estimate: said, never a bottom line.
    assert!(summary
        .iter()
        .any(|s| s.starts_with("Segment '") && s.contains("the chain needs at least 6")));
}
