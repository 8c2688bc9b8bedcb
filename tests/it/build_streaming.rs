//! Issue #23 (scale): `build --streaming` — a study of survey and customer tables built on
//! polars' streaming engine gives the in-memory builder's table and diagnostics (every
//! count per stage, with the same example ids), does not depend on the thread count, and
//! stops where the builder stops, with nothing written.

use polars::prelude::*;
use profitchain::data::build::build_streaming;
use profitchain::data::{build, Study};
use serde_json::Value;
use tempfile::TempDir;

use crate::common::{bin, write};

/// Survey rows with what real exports hold: ids with zeros and spaces, a row without an
/// id, a declared refusal code (99), a blank rating, a customer with one respondent, a
/// text category; accounts with customers the survey lacks and a missing revenue and a missing cost.
const SURVEY: &str = "cid,rid,sat,channel,quality\n\
007,1,8,web,5\n007,2,6,web,4\n007,3,99,branch,3\n\
 012 ,1,4,branch,2\n012,2,,web,3\n012,3,5,branch,4\n\
,1,7,web,5\nC9,1,9,web,5\n\
D4,1,3,phone,2\nD4,2,5,phone,3\nD4,3,4,web,1\n\
H8,1,6,web,4\nH8,2,7,branch,5\n";
const ACCOUNTS: &str = "cid,revenue,category_spend,cost,region\n\
007,100,400,60,north\n012,50,100,80,south\nC9,70,140,20,north\nD4,30,0,10,west\n\
F6,90,300,50,east\nG7,,300,50,east\nH8,60,200,,south\n";

fn study(dir: &TempDir, survey: &str, accounts: &str, extra: &str) -> Study {
    write(dir.path(), "survey.csv", survey);
    write(dir.path(), "accounts.csv", accounts);
    let toml = format!(
        r#"
name = "messy"
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
attributes = ["quality"]
[options]
min_respondents = 2
satisfaction_scale = [1, 10]
missing_codes = [99]
{extra}
"#
    );
    Study::from_file(&write(dir.path(), "study.toml", &toml)).unwrap()
}

/// The diagnostics as JSON, without the streamed build's own warning.
fn diagnostics(d: &profitchain::data::diagnostics::Diagnostics) -> Value {
    let mut v = serde_json::to_value(d).unwrap();
    if let Some(w) = v["warnings"].as_array_mut() {
        w.retain(|m| {
            !m.as_str()
                .unwrap_or("")
                .starts_with("read with --streaming")
        });
    }
    v
}

#[test]
fn streamed_build_gives_the_builders_table_and_counts() {
    let dir = TempDir::new().unwrap();
    let s = study(&dir, SURVEY, ACCOUNTS, "");
    let memory = build(&s).unwrap();
    let streamed = build_streaming(&s).unwrap();
    assert!(
        memory.df.equals_missing(&streamed.df),
        "{:?}\n{:?}",
        memory.df,
        streamed.df
    );
    assert_eq!(memory.segments, streamed.segments);
    assert_eq!(
        diagnostics(&memory.diagnostics),
        diagnostics(&streamed.diagnostics)
    );
    // The case is not trivial: each kind of loss happened, and the ids kept their zeros.
    let d = &streamed.diagnostics;
    let reasons: Vec<&str> = d.dropped.iter().map(|x| x.reason.as_str()).collect();
    for needle in [
        "missing id",
        "no valid 'sat'",
        "fewer than 2",
        "not in 'survey'",
        "share of wallet not computable",
        "missing or non-finite value in 'profit'",
    ] {
        assert!(
            reasons.iter().any(|r| r.contains(needle)),
            "{needle}: {reasons:?}"
        );
    }
    let ids: Vec<&str> = streamed
        .df
        .column("cid")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(ids, ["007", "012"]);
    assert!(d.audit.iter().any(|f| f.rule == "ids-trimmed"));
    assert!(d
        .audit
        .iter()
        .any(|f| f.rule == "missing-codes" && f.count == 1));
    assert!(d
        .warnings
        .iter()
        .any(|w| w.starts_with("read with --streaming")));
    // The category is the customers' most frequent channel (ties: the first in the file).
    let channel: Vec<&str> = streamed
        .df
        .column("channel")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(channel, ["web", "branch"]);
}

#[test]
fn streamed_build_of_the_retail_bank_is_the_same_file_on_one_thread_or_many() {
    // The bundled retail-bank study's survey (60,066 respondents) and accounts, without its
    // transaction log (the streamed build refuses logs: `clv --streaming` summarizes them).
    let dir = TempDir::new().unwrap();
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("notebooks-data/retail-bank");
    let toml = format!(
        r#"
name = "retail-bank"
[[table]]
name = "survey"
path = "{}"
level = "respondent"
respondent = "respondent_id"
[[table]]
name = "accounts"
path = "{}"
[roles]
id = "household_id"
satisfaction = "satisfaction"
category_spend = "category_spend"
revenue = "revenue"
cost = "cost_to_serve"
moderators = ["income_k", "tenure_years"]
attributes = ["quality", "service", "price", "convenience"]
[options]
min_respondents = 2
satisfaction_scale = [1, 10]
[segments]
rule = "column"
column = "region"
"#,
        data.join("survey.csv").display(),
        data.join("accounts.csv").display()
    );
    let study = write(dir.path(), "study.toml", &toml);
    let run = |name: &str, extra: &[&str], threads: &str| {
        let out = dir.path().join(name);
        bin()
            .env("POLARS_MAX_THREADS", threads)
            .args(["build", "--study"])
            .arg(&study)
            .arg("-o")
            .arg(&out)
            .args(extra)
            .assert()
            .success();
        std::fs::read(out).unwrap()
    };
    let memory = run("memory.parquet", &[], "2");
    let one = run("one.parquet", &["--streaming"], "1");
    let many = run("many.parquet", &["--streaming"], "4");
    assert!(
        one == memory,
        "the streamed build differs from the in-memory build"
    );
    assert!(
        one == many,
        "the streamed build depends on the thread count"
    );
    let df = ParquetReader::new(std::io::Cursor::new(one))
        .finish()
        .unwrap();
    // Households with one respondent are dropped by min_respondents = 2.
    assert!(
        df.height() > 5_000 && df.height() < 20_000,
        "{}",
        df.height()
    );
}

#[test]
fn streamed_build_stops_where_the_builder_stops_and_writes_nothing() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("customers.parquet");
    let fails = |s: &Study, needle: &str| {
        let e = build_streaming(s).unwrap_err().to_string();
        assert!(e.contains(needle), "{e}");
        // The same message as the in-memory builder's.
        assert_eq!(e, build(s).unwrap_err().to_string());
    };
    // A customer twice in the accounts.
    let twice = format!("{ACCOUNTS}C9,1,2,3,north\n");
    fails(&study(&dir, SURVEY, &twice, ""), "C9");
    // A rating of 11 on a 1-10 scale, named by its line.
    let eleven = format!("{SURVEY}H8,3,11,web,3\n");
    fails(&study(&dir, &eleven, ACCOUNTS, ""), "line 15");
    // Kept, with a warning, when allowed.
    let kept =
        build_streaming(&study(&dir, &eleven, ACCOUNTS, "allow_out_of_range = true")).unwrap();
    assert!(kept
        .diagnostics
        .audit
        .iter()
        .any(|f| f.rule == "out-of-scale-kept"));
    // Respondents answering twice for one customer: found from the pairs' hashes,
    // confirmed on the pairs, counted and named as the builder does.
    let again = format!("{SURVEY}H8,2,5,web,3\nD4,1,2,web,3\n");
    fails(&study(&dir, &again, ACCOUNTS, ""), "2 ");

    // On the command line: exit 2, `error:`, no output file.
    study(&dir, SURVEY, &twice, "");
    let a = bin()
        .args(["build", "--streaming", "--study"])
        .arg(dir.path().join("study.toml"))
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(
        err.starts_with("error:") && err.contains("accounts.csv"),
        "{err}"
    );
    assert!(!out.exists());

    // Revenue written as text cannot be streamed: the column and the fix are named.
    let text = ACCOUNTS.replace("007,100,", "007,\"1,00\",");
    let e = build_streaming(&study(&dir, SURVEY, &text, ""))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("'revenue'") && e.contains("without --streaming"),
        "{e}"
    );
}

#[test]
fn streamed_build_refuses_what_needs_the_whole_table() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "tx.csv", "cid,date,amount\n007,2024-01-02,10\n");
    let s = study(
        &dir,
        SURVEY,
        ACCOUNTS,
        "[[table]]\nname = \"tx\"\npath = \"tx.csv\"\nlevel = \"transaction\"\ndate = \"date\"\namount = \"amount\"\n[clv]\ncalibration_end = \"2024-06-30\"\n",
    );
    let e = build_streaming(&s).unwrap_err().to_string();
    assert!(e.contains("clv --streaming"), "{e}");
}
