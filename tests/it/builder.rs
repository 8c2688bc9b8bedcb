//! The customer-table builder on small hand-written tables with hand-checked values.

use polars::prelude::*;
use profitchain::data::{build, Study};
use tempfile::TempDir;

use crate::common::write;

const SURVEY: &str =
    "cid,rid,sat\nA,1,8\nA,2,6\nA,3,7\nB,1,4\nB,2,\nB,3,5\nC,1,9\nD,1,3\nD,2,5\nD,3,4\n";
const ACCOUNTS: &str = "cid,revenue,category_spend,cost\nA,100,400,60\nB,50,100,80\nC,70,140,20\nD,30,0,10\nE,90,300,50\n";

fn study(dir: &TempDir, extra_options: &str) -> Study {
    write(dir.path(), "survey.csv", SURVEY);
    write(dir.path(), "accounts.csv", ACCOUNTS);
    let toml = format!(
        r#"
name = "hand"
[[table]]
name = "survey"
path = "survey.csv"
level = "respondent"
respondent = "rid"
[[table]]
name = "accounts"
path = "accounts.csv"
[roles]
id = "cid"
satisfaction = "sat"
category_spend = "category_spend"
revenue = "revenue"
cost = "cost"
[options]
min_respondents = 2
{extra_options}
"#
    );
    let p = write(dir.path(), "study.toml", &toml);
    Study::from_file(&p).unwrap()
}

fn f64s(df: &DataFrame, c: &str) -> Vec<f64> {
    df.column(c)
        .unwrap()
        .as_materialized_series()
        .f64()
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect()
}

fn strs(df: &DataFrame, c: &str) -> Vec<String> {
    df.column(c)
        .unwrap()
        .as_materialized_series()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.unwrap().to_string())
        .collect()
}

#[test]
fn aggregates_joins_derives_and_segments() {
    let dir = TempDir::new().unwrap();
    let t = build(&study(&dir, "")).unwrap();
    // A: ratings 8,6,7 -> 7; B: 4,(blank),5 -> 4.5 from 2 valid respondents.
    assert_eq!(strs(&t.df, "cid"), ["A", "B"]);
    let sat = f64s(&t.df, "satisfaction");
    assert!((sat[0] - 7.0).abs() < 1e-12 && (sat[1] - 4.5).abs() < 1e-12);
    // SOW = revenue / category spend; profit = revenue - cost.
    let sow = f64s(&t.df, "share_of_wallet");
    assert!((sow[0] - 0.25).abs() < 1e-12 && (sow[1] - 0.5).abs() < 1e-12);
    let profit = f64s(&t.df, "profit");
    assert!((profit[0] - 40.0).abs() < 1e-12 && (profit[1] + 30.0).abs() < 1e-12);
    assert_eq!(strs(&t.df, "segment"), ["profitable", "unprofitable"]);
    let n_resp: Vec<i64> =
        t.df.column("n_respondents")
            .unwrap()
            .as_materialized_series()
            .i64()
            .unwrap()
            .iter()
            .map(|v| v.unwrap())
            .collect();
    assert_eq!(n_resp, [3, 2]);
    assert_eq!(t.segments, ["profitable", "unprofitable"]);
}

#[test]
fn diagnostics_account_for_every_drop() {
    let dir = TempDir::new().unwrap();
    let d = build(&study(&dir, "")).unwrap().diagnostics;
    assert_eq!(d.inputs[0].rows_read, 10);
    assert_eq!(d.inputs[1].rows_read, 5);
    // survey: 4 customers read, C dropped (1 respondent < 2) -> 3 kept.
    assert_eq!((d.inputs[0].customers, d.inputs[0].customers_kept), (4, 3));
    assert_eq!(d.customers_read, 5);
    let find = |needle: &str| {
        d.dropped
            .iter()
            .find(|x| x.reason.contains(needle))
            .unwrap_or_else(|| panic!("no '{needle}' in {:?}", d.dropped))
    };
    let blank = find("no valid 'sat'");
    assert_eq!((blank.count, blank.unit.as_str()), (1, "rows"));
    assert_eq!(blank.examples, ["B"]);
    let few = find("fewer than 2");
    assert_eq!(
        (few.count, few.examples.clone()),
        (1, vec!["C".to_string()])
    );
    // C was removed by the survey's own rule: counted there, not again at the join.
    let unmatched = find("in 'accounts' but not in 'survey'");
    assert_eq!(
        (unmatched.count, unmatched.examples.clone()),
        (1, vec!["E".to_string()])
    );
    assert_eq!(d.joined_customers, 3);
    let sow = find("share of wallet not computable");
    assert_eq!(
        (sow.count, sow.examples.clone()),
        (1, vec!["D".to_string()])
    );
    assert_eq!(d.customers, 2);
    assert_eq!(d.segments.iter().map(|s| s.customers).sum::<usize>(), 2);
    assert_eq!(d.customers_read - d.customers, d.customers_dropped());
}

#[test]
fn median_aggregation_and_column_segments() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "s.csv",
        "id,sat,region\n1,1,n\n1,2,n\n1,9,n\n2,6,s\n2,8,s\n",
    );
    write(
        dir.path(),
        "a.csv",
        "id,rev,sow_pct,profit,region\n1,10,50,5,north\n2,20,80,-1,south\n",
    );
    let toml = r#"
[[table]]
name = "s"
path = "s.csv"
level = "respondent"
[[table]]
name = "a"
path = "a.csv"
[roles]
id = "id"
satisfaction = "sat"
share_of_wallet = "sow_pct"
revenue = "rev"
profit = "profit"
[options]
aggregation = "median"
share_of_wallet_scale = "percent"
[segments]
rule = "column"
column = "region"
"#;
    let p = write(dir.path(), "study.toml", toml);
    let t = build(&Study::from_file(&p).unwrap()).unwrap();
    let sat = f64s(&t.df, "satisfaction");
    assert!(
        (sat[0] - 2.0).abs() < 1e-12,
        "median of 1,2,9 is 2, got {}",
        sat[0]
    );
    assert!((sat[1] - 7.0).abs() < 1e-12);
    let sow = f64s(&t.df, "share_of_wallet");
    assert!((sow[0] - 0.5).abs() < 1e-12 && (sow[1] - 0.8).abs() < 1e-12);
    // The survey's text column 'region' is not aggregated; the accounts' one segments.
    assert_eq!(strs(&t.df, "segment"), ["north", "south"]);
    assert!(t.diagnostics.notes.iter().any(|n| n.contains("region")));
}

#[test]
fn out_of_range_values_are_flagged_not_dropped() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "d.csv",
        "id,sat,sow,rev,profit\n1,5,0.5,10,1\n2,11,1.2,20,-2\n3,7,0.1,5,3\n",
    );
    let toml = r#"
[[table]]
name = "d"
path = "d.csv"
[roles]
id = "id"
satisfaction = "sat"
share_of_wallet = "sow"
revenue = "rev"
profit = "profit"
[options]
satisfaction_scale = [1, 10]
allow_out_of_range = true
"#;
    let p = write(dir.path(), "study.toml", toml);
    let t = build(&Study::from_file(&p).unwrap()).unwrap();
    assert_eq!(t.df.height(), 3);
    let w = &t.diagnostics.out_of_range;
    assert_eq!(w.len(), 2);
    assert!(w.iter().all(|x| x.count == 1 && x.examples == ["2"]));
    assert_eq!(
        t.diagnostics.warnings.len(),
        2,
        "kept values are warned about"
    );
}

#[test]
fn threshold_segments() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "d.csv",
        "id,sat,sow,rev,profit\n1,5,0.5,10,1\n2,6,0.2,20,-2\n3,7,0.1,5,3\n",
    );
    let toml = r#"
[[table]]
name = "d"
path = "d.csv"
[roles]
id = "id"
satisfaction = "sat"
share_of_wallet = "sow"
revenue = "rev"
profit = "profit"
[segments]
rule = "threshold"
column = "rev"
threshold = 8
above = "large"
below = "small"
"#;
    let p = write(dir.path(), "study.toml", toml);
    let t = build(&Study::from_file(&p).unwrap()).unwrap();
    assert_eq!(strs(&t.df, "segment"), ["large", "large", "small"]);
    assert_eq!(t.segments, ["large", "small"]);
}
