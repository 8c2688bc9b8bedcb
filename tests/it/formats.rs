//! Issue #12: the files analysts actually have — SPSS, Stata, Excel/ODS, CSV in GBK/GB18030,
//! with `;` separators and decimal commas. Fixtures and the script that wrote them are in
//! tests/data/formats/.

use serde_json::Value;

use crate::common::{bin, data};

fn fixture(name: &str) -> String {
    data(&format!("formats/{name}")).display().to_string()
}

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

fn fails(args: &[&str]) -> String {
    let out = bin().args(args).assert().code(2).get_output().clone();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(err.starts_with("error:"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn column<'a>(inspection: &'a Value, name: &str) -> &'a Value {
    inspection[0]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

/// Satisfaction of the brokerage respondents with the rows the fixture script made 98/99
/// (every 17th) left out: what a correct reader's mean must be.
fn expected_satisfaction_mean() -> (f64, usize) {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("notebooks-data/brokerage/survey.csv"),
    )
    .unwrap();
    let v: Vec<f64> = text
        .lines()
        .skip(1)
        .enumerate()
        .filter(|(i, _)| i % 17 != 0)
        .map(|(_, l)| l.rsplit(',').next().unwrap().parse::<f64>().unwrap())
        .collect();
    (v.iter().sum::<f64>() / v.len() as f64, v.len())
}

#[test]
fn spss_labels_and_declared_missing_codes_are_read() {
    for f in ["survey.sav", "survey.zsav"] {
        let x = json(&["inspect", "--json", &fixture(f)]);
        assert_eq!(x[0]["rows"], 358, "{f}");
        let sat = column(&x, "satisfaction");
        assert_eq!(
            sat["label"],
            "Overall, how satisfied are you with our service?"
        );
        assert_eq!(sat["declared_missing"], 22, "{f}");
        assert_eq!(sat["missing_codes"], "98, 99");
        assert_eq!(sat["dtype"], "f64", "a labelled rating stays numeric");
        let chan = column(&x, "channel");
        assert_eq!(chan["value_labels"][1], serde_json::json!([2.0, "Online"]));
        // The 300-character comment survives (a long string spans several SPSS records).
        assert_eq!(column(&x, "comment")["missing"], 350);
    }
}

#[test]
fn a_declared_missing_99_never_enters_a_mean() {
    let (mean, n) = expected_satisfaction_mean();
    let x = json(&[
        "metrics",
        "--data",
        &fixture("survey.sav"),
        "--csat",
        "satisfaction",
        "--csat-scale",
        "1-10",
        "--format",
        "json",
    ]);
    let csat = &x["groups"][0]["csat"];
    assert_eq!(csat["n"], n);
    assert!(
        (csat["mean"].as_f64().unwrap() - mean).abs() < 1e-12,
        "{csat}"
    );
    assert!(
        mean < 10.0,
        "with 98/99 counted the mean would be far above the scale"
    );
}

#[test]
fn spss_value_labels_name_the_groups_of_metrics_by() {
    let x = json(&[
        "metrics",
        "--data",
        &fixture("survey.zsav"),
        "--csat",
        "satisfaction",
        "--csat-scale",
        "1-10",
        "--by",
        "channel",
        "--format",
        "json",
    ]);
    let groups: Vec<&str> = x["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["Branch", "Online", "Phone"]);
}

#[test]
fn a_study_from_spss_and_stata_splits_customers_by_labelled_region() {
    let x = json(&[
        "chain",
        "--study",
        &fixture("study_spss.toml"),
        "--format",
        "json",
        "--bootstrap",
        "200",
    ]);
    let d = &x["diagnostics"];
    let segments: Vec<&str> = d["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["segment"].as_str().unwrap())
        .collect();
    for region in ["North", "South", "East", "West"] {
        assert!(segments.contains(&region), "{segments:?}");
    }
    assert_eq!(d["customers"], 81);
    let survey = &d["inputs"][0];
    assert_eq!(survey["declared_missing"][0]["column"], "satisfaction");
    assert_eq!(survey["declared_missing"][0]["count"], 22);
    let notes = d["notes"].to_string();
    assert!(notes.contains("declared missing code (98, 99)"), "{notes}");
}

#[test]
fn chinese_locale_csv_exports_give_the_same_study_as_utf8() {
    let gbk = json(&[
        "chain",
        "--study",
        &fixture("study_gbk.toml"),
        "--format",
        "json",
        "--bootstrap",
        "200",
    ]);
    let utf8 = json(&[
        "chain",
        "--study",
        &data("../../notebooks-data/brokerage/study.toml")
            .display()
            .to_string(),
        "--format",
        "json",
        "--bootstrap",
        "200",
    ]);
    assert_eq!(
        gbk["diagnostics"]["segments"],
        utf8["diagnostics"]["segments"]
    );
    let paths = |v: &Value| v["segments"][0]["paths"].to_string();
    assert_eq!(paths(&gbk), paths(&utf8));
    // Without the encoding the reader says what to do instead of garbling the header.
    let err = fails(&["inspect", &fixture("survey_gbk.csv")]);
    assert!(
        err.contains("not UTF-8") && err.contains("gb18030"),
        "{err}"
    );
    let x = json(&[
        "inspect",
        "--json",
        "--encoding",
        "gbk",
        &fixture("survey_gbk.csv"),
    ]);
    assert_eq!(x[0]["columns"][0]["name"], "客户编号");
    let bom = json(&["inspect", "--json", &fixture("accounts_bom.csv")]);
    assert_eq!(
        bom[0]["columns"][0]["name"], "客户编号",
        "a UTF-8 BOM is skipped"
    );
    let err = fails(&[
        "inspect",
        "--encoding",
        "klingon",
        &fixture("accounts_bom.csv"),
    ]);
    assert!(err.contains("unknown encoding 'klingon'"), "{err}");
}

#[test]
fn a_semicolon_file_gets_a_hint_and_loads_with_the_separator() {
    let err = fails(&["inspect", &fixture("accounts_semicolon.csv")]);
    assert!(
        err.contains("';'-separated") && err.contains("--separator"),
        "{err}"
    );
    assert!(err.contains("decimal_comma"), "{err}");
    // The same value command on the semicolon file and on the original CSV.
    let whale = |file: &str, dialect: &[&str]| {
        let mut args = vec!["value", "--data", file];
        args.extend_from_slice(dialect);
        args.extend([
            "--id",
            "client_id",
            "--revenue",
            "revenue",
            "--cost",
            "cost_to_serve",
            "--format",
            "json",
        ]);
        json(&args)["whale"].clone()
    };
    let original = data("../../notebooks-data/brokerage/accounts.csv")
        .display()
        .to_string();
    assert_eq!(
        whale(
            &fixture("accounts_semicolon.csv"),
            &["--separator", ";", "--decimal-comma"]
        ),
        whale(&original, &[]),
        "decimal commas read as the same numbers"
    );
}

#[test]
fn workbooks_sheets_dates_and_cached_formula_values() {
    let x = json(&["inspect", "--json", &fixture("accounts.xlsx")]);
    assert_eq!(x[0]["rows"], 81);
    assert_eq!(column(&x, "opened")["dtype"], "date");
    assert_eq!(column(&x, "revenue_k")["dtype"], "f64");
    for f in ["accounts.xls", "accounts.ods"] {
        let x = json(&["inspect", "--json", &fixture(f)]);
        assert_eq!(x[0]["rows"], 81, "{f}");
        assert_eq!(column(&x, "revenue")["dtype"], "f64", "{f}");
    }
    // Data on the second sheet under a title line: the header row is found.
    let x = json(&[
        "inspect",
        "--json",
        "--sheet",
        "accounts",
        &fixture("workbook.xlsx"),
    ]);
    assert_eq!(x[0]["rows"], 81);
    assert_eq!(x[0]["columns"][0]["name"], "client_id");
    let err = fails(&["inspect", &fixture("workbook.xlsx")]);
    assert!(
        err.contains("'notes', 'accounts'"),
        "empty first sheet lists the sheets: {err}"
    );
    let err = fails(&["inspect", "--sheet", "Data", &fixture("workbook.xlsx")]);
    assert!(
        err.contains("no sheet 'Data'") && err.contains("'accounts'"),
        "{err}"
    );
    let err = fails(&["inspect", &fixture("empty_header.xlsx")]);
    assert!(err.contains("header cell B1 is empty"), "{err}");
}

#[test]
fn a_cached_formula_value_is_the_formula_result() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.json");
    bin()
        .args([
            "regress",
            "--data",
            &fixture("accounts.xlsx"),
            "--formula",
            "revenue_k ~ revenue",
        ])
        .args(["--format", "json", "-o"])
        .arg(&out)
        .assert()
        .success();
    let x: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    // revenue_k holds the cached values of =B{r}/1000: an exact fit with slope 1/1000.
    let m = &x["models"][0];
    assert_eq!(m["n"], 81);
    let slope = m["terms"][1]["estimate"].as_f64().unwrap();
    assert!((slope - 0.001).abs() < 1e-15, "slope {slope}");
    assert!(m["r_squared"].as_f64().unwrap() > 1.0 - 1e-12);
}

#[test]
fn stata_labels_and_corrupt_files() {
    let x = json(&["inspect", "--json", &fixture("accounts.dta")]);
    assert_eq!(
        column(&x, "region")["value_labels"][3],
        serde_json::json!([4.0, "West"])
    );
    assert_eq!(
        column(&x, "revenue")["label"],
        "Commission revenue, 2024 (USD)"
    );
    for (f, what) in [
        ("corrupt.sav", "as an SPSS file"),
        ("corrupt.xlsx", "as a workbook"),
        ("corrupt.dta", "as a Stata file"),
        // Old binary workbooks: cut short, and a sector number past the end of the file
        // (calamine would try to allocate terabytes for it).
        ("truncated.xls", "as a workbook"),
        ("damaged.xls", "points past the end of the file"),
    ] {
        let err = fails(&["inspect", &fixture(f)]);
        assert!(err.contains(what), "{err}");
    }
}
