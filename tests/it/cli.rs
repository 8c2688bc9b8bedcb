//! Bad input through the CLI: a clear `error:` on stderr, exit code 2, nothing written.

use predicates::prelude::*;
use tempfile::TempDir;

use crate::common::{bin, write};

const STUDY: &str = r#"
[[table]]
name = "survey"
path = "survey.csv"
level = "respondent"
[[table]]
name = "accounts"
path = "accounts.csv"
[roles]
id = "cid"
satisfaction = "sat"
share_of_wallet = "sow"
revenue = "revenue"
cost = "cost"
"#;

const SURVEY: &str = "cid,sat\nA,7\nA,8\nB,5\nC,9\n";
const ACCOUNTS: &str = "cid,sow,revenue,cost\nA,0.5,100,60\nB,0.2,50,80\nC,0.9,70,20\n";

/// Set up a study folder, with `edit` applied to (study, survey, accounts).
fn setup(edit: impl FnOnce(&mut String, &mut String, &mut String)) -> TempDir {
    let dir = TempDir::new().unwrap();
    let (mut s, mut sv, mut ac) = (STUDY.to_string(), SURVEY.to_string(), ACCOUNTS.to_string());
    edit(&mut s, &mut sv, &mut ac);
    write(dir.path(), "study.toml", &s);
    write(dir.path(), "survey.csv", &sv);
    write(dir.path(), "accounts.csv", &ac);
    dir
}

/// Run build; expect exit 2 with `needle` in the error and no output file.
fn fails_with(dir: &TempDir, needle: &str) {
    let out = dir.path().join("out.csv");
    bin()
        .args(["build", "--study"])
        .arg(dir.path().join("study.toml"))
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("error:"))
        .stderr(predicate::str::contains(needle));
    assert!(!out.exists(), "no output may be written on error");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

#[test]
fn good_study_builds() {
    let dir = setup(|_, _, _| {});
    let out = dir.path().join("out.csv");
    bin()
        .args(["build", "--study"])
        .arg(dir.path().join("study.toml"))
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("Customers analysed: 3"));
    let text = std::fs::read_to_string(out).unwrap();
    assert!(
        text.starts_with("cid,segment,satisfaction,share_of_wallet,revenue,profit"),
        "{text}"
    );
}

#[test]
fn missing_file() {
    let dir = setup(|_, _, _| {});
    std::fs::remove_file(dir.path().join("accounts.csv")).unwrap();
    fails_with(&dir, "cannot read");
}

#[test]
fn unknown_extension() {
    let dir = setup(|s, _, _| *s = s.replace("accounts.csv", "accounts.docx"));
    write(dir.path(), "accounts.docx", ACCOUNTS);
    fails_with(&dir, "unknown file type 'docx'");
    // A CSV saved under a workbook's extension is not silently read as text.
    let dir = setup(|s, _, _| *s = s.replace("accounts.csv", "accounts.xlsx"));
    write(dir.path(), "accounts.xlsx", ACCOUNTS);
    fails_with(&dir, "as a workbook");
}

#[test]
fn missing_column_suggests_nearest() {
    let dir = setup(|s, _, _| *s = s.replace("revenue = \"revenue\"", "revenue = \"revenu\""));
    fails_with(&dir, "did you mean 'revenue'");
}

#[test]
fn non_numeric_cell_names_row_and_column() {
    let dir = setup(|_, _, a| *a = a.replace("B,0.2,50,80", "B,0.2,fifty,80"));
    fails_with(
        &dir,
        "column 'revenue' must be numeric, but line 3 holds 'fifty'",
    );
}

#[test]
fn duplicate_id_in_accounts() {
    let dir = setup(|_, _, a| a.push_str("B,0.3,40,10\n"));
    fails_with(&dir, "1 id repeats, e.g. 'B'");
}

#[test]
fn study_key_typo() {
    let dir =
        setup(|s, _, _| *s = s.replace("cost = \"cost\"", "cost = \"cost\"\nmoderatorz = []"));
    fails_with(&dir, "moderatorz");
}

#[test]
fn unknown_segment_rule() {
    let dir = setup(|s, _, _| s.push_str("[segments]\nrule = \"quantiles\"\n"));
    fails_with(&dir, "quantiles");
}

#[test]
fn empty_table() {
    let dir = setup(|_, _, a| *a = "cid,sow,revenue,cost\n".to_string());
    fails_with(&dir, "has no rows");
}

#[test]
fn zero_row_join() {
    let dir = setup(|_, _, a| {
        *a = a
            .replace("A,", "X,")
            .replace("B,", "Y,")
            .replace("C,", "Z,")
    });
    fails_with(&dir, "No id occurs in every table");
}

#[test]
fn flags_instead_of_study() {
    let dir = TempDir::new().unwrap();
    let data = write(
        dir.path(),
        "d.csv",
        "id,s,w,r,p\n1,5,0.5,10,1\n2,6,0.2,20,-2\n3,7,0.1,5,3\n",
    );
    let out = dir.path().join("c.parquet");
    bin()
        .args(["build", "--data"])
        .arg(&data)
        .args([
            "--id",
            "id",
            "--satisfaction",
            "s",
            "--share-of-wallet",
            "w",
            "--revenue",
            "r",
            "--profit",
            "p",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("profitable 2, unprofitable 1"));
    assert!(out.exists());
}

#[test]
fn inspect_reports_missing_and_repeated_ids() {
    let dir = TempDir::new().unwrap();
    let data = write(dir.path(), "d.csv", "id,x\n1,5\n1,\n2,7\n");
    bin()
        .args(["inspect", "--id", "id"])
        .arg(&data)
        .assert()
        .success()
        .stdout(predicate::str::contains("3 rows, 2 columns"))
        .stdout(predicate::str::contains(
            "1 of them on more than one row (e.g. '1')",
        ));
}

#[test]
fn regress_reports_dropped_rows_and_degenerate_models() {
    let dir = TempDir::new().unwrap();
    let data = write(
        dir.path(),
        "d.csv",
        "y,x,k\n1,1,3\n2,2,3\n2.5,3,3\n4,,3\n5,5,3\n6.5,6,3\n",
    );
    bin()
        .args(["regress", "--data"])
        .arg(&data)
        .args(["--formula", "y ~ x"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Dropped 1 row with missing or non-finite 'x'",
        ));
    bin()
        .args(["regress", "--data"])
        .arg(&data)
        .args(["--formula", "y ~ x + k"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("'k' is constant"));
    bin()
        .args(["regress", "--data"])
        .arg(&data)
        .args(["--formula", "y ~ log(x - 10)"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no row has finite values"));
}

#[test]
fn regress_by_group_writes_tidy_csv_and_json() {
    let dir = TempDir::new().unwrap();
    let data = write(
        dir.path(),
        "d.csv",
        "g,y,x\na,1,1\na,2.1,2\na,2.9,3\na,4.2,4\nb,5,1\nb,3.9,2\nb,3.1,3\nb,2.2,4\n",
    );
    let out = dir.path().join("r.csv");
    bin()
        .args(["regress", "--data"])
        .arg(&data)
        .args(["--formula", "y ~ x", "--by", "g", "--format", "csv", "-o"])
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "group,outcome,term,estimate,std_error,statistic,p_value,ci_low,ci_high,beta,n,r_squared"
    );
    assert_eq!(text.lines().count(), 5, "{text}");
    let json = bin()
        .args(["regress", "--data"])
        .arg(&data)
        .args(["--formula", "y ~ x", "--by", "g", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let models = v["models"].as_array().unwrap();
    assert_eq!(models.len(), 2);
    // Group b by hand: x̄ = 2.5, ȳ = 3.55, Sxy = -4.6, Sxx = 5 → slope -0.92.
    let slope = models[1]["terms"][1]["estimate"].as_f64().unwrap();
    assert!((slope - (-0.92)).abs() < 1e-12, "{slope}");
}

#[test]
fn metrics_drivers_and_value_commands_run_on_the_samples() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("notebooks-data");
    bin()
        .args(["metrics", "--study"])
        .arg(root.join("brokerage/study.toml"))
        .args([
            "--csat",
            "satisfaction",
            "--csat-scale",
            "1-10",
            "--rollup",
            "customer",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("Group all (81 customers)"));
    let dir = TempDir::new().unwrap();
    let svg = dir.path().join("ip.svg");
    bin()
        .args(["drivers", "--data"])
        .arg(root.join("retail-bank/survey.csv"))
        .args([
            "--drivers",
            "quality,service,price,convenience",
            "--format",
            "csv",
            "--svg",
        ])
        .arg(&svg)
        .assert()
        .success()
        .stdout(predicate::str::starts_with("group,driver,coefficient"));
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
    let customers = dir.path().join("c.csv");
    bin()
        .args(["build", "--study"])
        .arg(root.join("brokerage/study.toml"))
        .arg("-o")
        .arg(&customers)
        .assert()
        .success();
    let whale = dir.path().join("whale.svg");
    bin()
        .args(["value", "--data"])
        .arg(&customers)
        .args([
            "--id",
            "client_id",
            "--revenue",
            "revenue",
            "--profit",
            "profit",
            "--retention",
            "0.8",
            "--svg",
        ])
        .arg(&whale)
        .assert()
        .success()
        .stdout(predicate::str::contains("81 customers"))
        .stdout(predicate::str::contains("61.7% are unprofitable"));
    assert!(std::fs::read_to_string(&whale)
        .unwrap()
        .contains("Whale curve"));
}
