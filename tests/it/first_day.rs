//! Issue #15, "a new analyst's first day": one test (or more) per numbered item, on a
//! realistic two-file project with the usual mess (different id names, accounts missing
//! from one file, percentages written as 35, blank cells, column names with spaces, ids
//! with trailing spaces) and on the bundled sample.

use std::path::{Path, PathBuf};

use calamine::{open_workbook, Data, Reader, Xlsx};
use predicates::prelude::*;
use profitchain::analysis::chain::{self, ChainOptions};
use profitchain::data::{build, Study};
use tempfile::TempDir;

use crate::common::{bin, write};

/// Survey export: several respondents per account, ids under another name, a blank rating,
/// an id with a trailing space, column names with spaces.
const SURVEY: &str = "\
Account ID,Respondent,Overall Satisfaction,Quality rating,Service rating,Likely to recommend
AC-1, R1,8,7,8,9
AC-1,R2,7,6,7,10
AC-1,R3,9,8,8,9
AC-2,R1,4,3,5,3
AC-2,R2,5,4,4,6
AC-2,R3,3,3,3,2
AC-3,R1,6,5,6,7
AC-3,R2,7,6,7,8
AC-4,R1,8,8,7,9
AC-4,R2,,7,7,8
AC-4,R3,9,8,9,10
AC-5 ,R1,5,5,4,6
AC-5,R2,6,5,6,7
AC-5,R3,6,6,5,8
AC-6,R1,7,7,6,9
AC-6,R2,8,7,8,9
AC-6,R3,7,6,7,8
AC-7,R1,3,2,3,1
AC-7,R2,4,4,3,5
AC-7,R3,5,4,4,4
AC-8,R1,9,9,8,10
AC-8,R2,8,8,8,9
AC-8,R3,9,8,9,10
AC-9,R1,2,3,2,0
AC-9,R2,3,3,4,2
AC-9,R3,4,4,3,3
";

/// Finance export: SOW written as percentages, an account the survey lacks (AC-99).
const FINANCE: &str = "\
acct,Revenue 2024,SOW %,Cost to serve,Region
AC-1,1500,55,900,north
AC-2,400,20,650,south
AC-3,800,35,700,north
AC-4,1700,60,800,south
AC-5,900,40,950,north
AC-6,1200,45,700,south
AC-7,300,15,500,north
AC-8,2100,70,900,south
AC-9,250,10,600,north
AC-99,1000,50,400,south
";

fn study_toml(extra_options: &str) -> String {
    format!(
        r#"
name = "first day"
[[table]]
name = "survey"
path = "survey.csv"
id = "Account ID"
level = "respondent"
respondent = "Respondent"
[[table]]
name = "finance"
path = "finance.csv"
id = "acct"
[roles]
id = "account"
satisfaction = "Overall Satisfaction"
share_of_wallet = "SOW %"
revenue = "Revenue 2024"
cost = "Cost to serve"
attributes = ["Quality rating", "Service rating"]
recommend = "Likely to recommend"
[options]
satisfaction_scale = [1, 10]
{extra_options}
"#
    )
}

/// The project folder; returns (folder, study path).
fn project(extra_options: &str) -> (TempDir, PathBuf) {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "survey.csv", SURVEY);
    write(dir.path(), "finance.csv", FINANCE);
    let p = write(dir.path(), "study.toml", &study_toml(extra_options));
    (dir, p)
}

const PERCENT: &str = "share_of_wallet_scale = \"percent\"";

fn sample_study() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("notebooks-data/brokerage/study.toml")
}

/// Run a command that must succeed; its standard output as text.
fn stdout_of(cmd: &mut assert_cmd::Command) -> String {
    String::from_utf8(cmd.assert().success().get_output().stdout.clone()).unwrap()
}

fn no_tmp_left(dir: &Path) {
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left in {}", dir.display());
}

// ---- 1. share of wallet in percent read as a fraction

#[test]
fn item01_sow_percent_read_as_fraction_is_an_error_naming_the_fix() {
    let (dir, study) = project("");
    let out = dir.path().join("c.csv");
    bin()
        .args(["build", "--study"])
        .arg(&study)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("error:"))
        .stderr(predicate::str::contains(
            "share_of_wallet_scale = \"percent\"",
        ))
        .stderr(predicate::str::contains("--sow-scale percent"))
        .stderr(predicate::str::contains("'AC-1' = 55"));
    assert!(!out.exists());
    no_tmp_left(dir.path());
    // chain stops the same way instead of running with coefficients 100× too small.
    bin()
        .args(["chain", "--bootstrap", "0", "--study"])
        .arg(&study)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "share of wallet must be a fraction",
        ));
}

#[test]
fn item01_allowed_out_of_range_values_warn_in_every_output() {
    let (dir, study) = project("allow_out_of_range = true");
    let text = stdout_of(
        bin()
            .args(["chain", "--bootstrap", "0", "--study"])
            .arg(&study),
    );
    let header: String = text.lines().take(6).collect::<Vec<_>>().join("\n");
    assert!(
        header.contains("warning:") && header.contains("outside [0, 1]"),
        "{header}"
    );
    let out = dir.path().join("rep");
    bin()
        .args(["report", "--bootstrap", "0", "--study"])
        .arg(&study)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let diag = std::fs::read_to_string(out.join("diagnostics.csv")).unwrap();
    assert!(
        diag.contains("warning,") && diag.contains("outside [0, 1]"),
        "{diag}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert!(json["diagnostics"]["warnings"][0]
        .as_str()
        .unwrap()
        .contains("outside [0, 1]"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("class=\"warn\""));
}

// ---- 2. each dropped customer counted once, at the stage that removed it

#[test]
fn item02_each_customer_is_counted_once_and_the_stages_add_up() {
    let (_dir, study) = project(&format!("{PERCENT}\nmin_respondents = 3"));
    let t = build(&Study::from_file(&study).unwrap()).unwrap();
    let d = &t.diagnostics;
    // 10 accounts: AC-3 has 2 respondents (< 3), AC-4 has 2 valid ones; AC-99 only in finance.
    assert_eq!(d.customers_read, 10);
    let survey = d.inputs.iter().find(|i| i.name == "survey").unwrap();
    assert_eq!((survey.customers, survey.customers_kept), (9, 7));
    let stage = |needle: &str| -> usize {
        d.dropped
            .iter()
            .filter(|x| x.unit == "customers" && x.reason.contains(needle))
            .map(|x| x.count)
            .sum()
    };
    assert_eq!(stage("fewer than 3"), 2);
    assert_eq!(stage("not in 'survey'"), 1, "{:?}", d.dropped);
    let join = d.dropped.iter().find(|x| x.stage == "join").unwrap();
    assert_eq!(join.examples, ["AC-99"], "AC-3/AC-4 are in the survey");
    assert_eq!(d.customers, 7);
    assert_eq!(d.customers_read - d.customers, d.customers_dropped());
}

// ---- 3. the plain-language summary

#[test]
fn item03_summary_says_reverses_gives_the_bottom_line_and_units() {
    let (_dir, study) = profitchain::data::sample::brokerage().unwrap();
    let table = build(&study).unwrap();
    let r = chain::run(
        &table,
        &ChainOptions {
            bootstrap: 1000,
            ..Default::default()
        },
    )
    .unwrap();
    let all = r.summary.join("\n");
    for seg in ["profitable", "unprofitable"] {
        let line = r
            .summary
            .iter()
            .find(|l| l.starts_with(&format!("Bottom line, {seg} customers")))
            .unwrap_or_else(|| panic!("no bottom line for {seg}:\n{all}"));
        assert!(line.contains("95% bootstrap CI ["), "{line}");
    }
    // Opposite signs are never "holds for both".
    let h4 = r.summary.iter().find(|l| l.starts_with("H4")).unwrap();
    let seg = |n: &str| r.segments.iter().find(|s| s.name == n).unwrap();
    let ind = |n: &str| seg(n).hypotheses[3].estimate;
    // On the sample the two segments' H4 indirect effects have opposite signs.
    assert!(ind("profitable") > 0.0 && ind("unprofitable") < 0.0);
    assert!(
        !h4.contains("holds for both") && h4.contains("reverses for unprofitable"),
        "{h4}"
    );
    // The pooled reversal of H2 is said as such.
    let h2all = &seg("all").hypotheses[1];
    assert_eq!(h2all.verdict, "reversed", "{h2all:?}");
    assert!(
        all.contains("Pooled over all customers, H2 reverses"),
        "{all}"
    );
    // Units: share of wallet per 10 percentage points.
    let h1 = r.summary.iter().find(|l| l.starts_with("H1")).unwrap();
    assert!(
        h1.contains("per 10 percentage points of share of wallet"),
        "{h1}"
    );
}

// ---- 4. robust standard errors are z, not t

#[test]
fn item04_robust_inference_is_labelled_z_in_every_format() {
    let study = sample_study();
    let run = |se: &str, format: &str| -> String {
        stdout_of(bin().args(["regress", "--study"]).arg(&study).args([
            "--formula",
            "profit ~ satisfaction + revenue",
            "--se",
            se,
            "--format",
            format,
        ]))
    };
    let hc3 = run("hc3", "text");
    assert!(hc3.contains("P>|z|") && !hc3.contains("P>|t|"), "{hc3}");
    assert!(run("hc3", "markdown").contains("| z | P>|z| |"));
    assert!(run("nonrobust", "text").contains("P>|t|"));
}

// ---- 5. quadratic and moderators in text, and from the study

#[test]
fn item05_quadratic_and_moderators_show_in_text_and_come_from_the_study() {
    let study = Path::new(env!("CARGO_MANIFEST_DIR")).join("notebooks-data/retail-bank/study.toml");
    let text = stdout_of(
        bin()
            .args(["chain", "--bootstrap", "0", "--quadratic", "--study"])
            .arg(&study),
    );
    assert!(text.contains("M1_extended") && text.contains("I(satisfaction ** 2)"));
    assert!(text.contains("satisfaction:income_k"));
    assert!(text.contains("at income_k = ") && text.contains("(16th percentile)"));
    assert!(text.contains("other moderators at their means"));
    // `quadratic = true` in the study's [options] reaches `report`.
    let dir = TempDir::new().unwrap();
    for f in [
        "survey.csv",
        "accounts.csv",
        "transactions.csv",
        "subscriptions.csv",
    ] {
        std::fs::copy(study.parent().unwrap().join(f), dir.path().join(f)).unwrap();
    }
    let toml = std::fs::read_to_string(&study)
        .unwrap()
        .replace("[options]\n", "[options]\nquadratic = true\n");
    let s = write(dir.path(), "study.toml", &toml);
    let rep = dir.path().join("rep");
    bin()
        .args(["report", "--bootstrap", "0", "--study"])
        .arg(&s)
        .arg("--out")
        .arg(&rep)
        .assert()
        .success();
    let md = std::fs::read_to_string(rep.join("report.md")).unwrap();
    assert!(md.contains("I(satisfaction ** 2)") && md.contains("## Moderation"));
    // The study's purchase log gives the report its CLV section.
    assert!(md.contains("## Customer lifetime value") && md.contains("| unprofitable |"));
}

// ---- 6. column names with spaces

#[test]
fn item06_column_names_with_spaces_work_in_drivers_report_and_formulas() {
    let (dir, study) = project(PERCENT);
    let survey = dir.path().join("survey.csv");
    bin()
        .args(["drivers", "--data"])
        .arg(&survey)
        .args([
            "--target",
            "Overall Satisfaction",
            "--drivers",
            "Quality rating,Service rating",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("Quality rating"));
    for formula in [
        r#"Q("Overall Satisfaction") ~ Q("Quality rating") + Q('Service rating')"#,
        "`Overall Satisfaction` ~ `Quality rating`",
    ] {
        bin()
            .args(["regress", "--data"])
            .arg(&survey)
            .args(["--formula", formula])
            .assert()
            .success()
            .stdout(predicate::str::contains("Quality rating"));
    }
    bin()
        .args(["report", "--bootstrap", "0", "--study"])
        .arg(&study)
        .arg("--out")
        .arg(dir.path().join("rep"))
        .assert()
        .success();
    let html = std::fs::read_to_string(dir.path().join("rep/report.html")).unwrap();
    assert!(html.contains("Key drivers") && html.contains("Service rating"));
}

// ---- 7. metrics per segment from a study; account-level NPS

#[test]
fn item07_metrics_by_segment_from_a_study_and_customer_rollup() {
    let (_dir, study) = project(&format!("{PERCENT}\nmin_respondents = 3"));
    let run = |extra: &[&str]| -> serde_json::Value {
        let text = stdout_of(
            bin()
                .args(["metrics", "--study"])
                .arg(&study)
                .args([
                    "--nps",
                    "Likely to recommend",
                    "--by",
                    "segment",
                    "--format",
                    "json",
                ])
                .args(extra),
        );
        serde_json::from_str(&text).unwrap()
    };
    let by_resp = run(&[]);
    let groups = by_resp["groups"].as_array().unwrap();
    let names: Vec<&str> = groups
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["profitable", "unprofitable"]);
    // Only the 7 analysed customers' respondents (AC-3 and AC-4 fall below 3 valid ones).
    let n: u64 = groups.iter().map(|g| g["n"].as_u64().unwrap()).sum();
    assert_eq!(n, 21);
    // Rolled up: one row per analysed customer; NPS classifies respondents first.
    let by_cust = run(&["--rollup", "customer"]);
    let g = by_cust["groups"].as_array().unwrap();
    let n: u64 = g.iter().map(|g| g["n"].as_u64().unwrap()).sum();
    assert_eq!(n, 7);
    // Profitable: AC-1 (9,10,9: +100), AC-6 (9,9,8: +66.7), AC-8 (10,9,10: +100).
    let prof = &g[0]["nps"];
    assert!((prof["score"].as_f64().unwrap() - (100.0 + 200.0 / 3.0 + 100.0) / 3.0).abs() < 1e-9);
    assert!(by_cust["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x.as_str().unwrap().contains("customers count equally")));
}

// ---- 8. whale curve when total profit ≤ 0

#[test]
fn item08_whale_curve_labels_its_base_and_segments_show_gross_shares() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("rep");
    bin()
        .args(["report", "--bootstrap", "0", "--out"])
        .arg(&out)
        .assert()
        .success();
    let svg = std::fs::read_to_string(out.join("charts/whale_curve.svg")).unwrap();
    assert!(
        svg.contains("cumulative % of profit of the profitable customers"),
        "the bundled sample loses money overall"
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("% of gross profit") && html.contains("% of gross loss"));
    let t = build(&profitchain::data::sample::brokerage().unwrap().1).unwrap();
    let sizes = profitchain::analysis::value::segment_profit(&t.df, &t.segments).unwrap();
    let gp: f64 = sizes.iter().map(|s| s.gross_profit_share_pct).sum();
    let gl: f64 = sizes.iter().map(|s| s.gross_loss_share_pct).sum();
    assert!((gp - 100.0).abs() < 1e-9 && (gl - 100.0).abs() < 1e-9);
    let prof = &sizes[0];
    assert!((prof.gross_profit_share_pct - 100.0).abs() < 1e-9 && prof.gross_loss.abs() < 1e-12);
}

// ---- 9. ids with surrounding spaces

#[test]
fn item09_ids_are_trimmed_counted_and_quoted() {
    let (_dir, study) = project(PERCENT);
    let t = build(&Study::from_file(&study).unwrap()).unwrap();
    let d = &t.diagnostics;
    // "AC-5 " is AC-5: one customer with 3 respondents, not two.
    let ids: Vec<String> =
        t.df.column("account")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.unwrap().to_string())
            .collect();
    assert!(ids.contains(&"AC-5".to_string()) && !ids.iter().any(|i| i.ends_with(' ')));
    assert!(
        d.notes
            .iter()
            .any(|n| n.contains("1 id with surrounding spaces") && n.contains("'AC-5 '")),
        "{:?}",
        d.notes
    );
    let text = profitchain::report::text::diagnostics(d);
    assert!(text.contains("(e.g. 'AC-99')"), "{text}");
}

// ---- 10. segment rules on derived roles, single segment, readable threshold names

#[test]
fn item10_segment_rules_in_study_mode() {
    let (_dir, study) = project(PERCENT);
    let text = stdout_of(
        bin()
            .args([
                "chain",
                "--bootstrap",
                "0",
                "--segment-rule",
                "profit>100",
                "--study",
            ])
            .arg(&study),
    );
    assert!(
        text.contains("profit > 100") && text.contains("profit ≤ 100"),
        "{text}"
    );
    let mut s = Study::from_file(&study).unwrap();
    s.segments = profitchain::data::SegmentRule::parse_cli("Revenue 2024 > 1150").unwrap();
    let t = build(&s).unwrap();
    assert_eq!(t.segments, ["Revenue 2024 > 1150", "Revenue 2024 ≤ 1150"]);
    s.segments = profitchain::data::SegmentRule::parse_cli("revenue > 1000000").unwrap();
    let t = build(&s).unwrap();
    assert!(t
        .diagnostics
        .warnings
        .iter()
        .any(|w| w.contains("one segment")));
}

// ---- 11. report.md is the HTML's equal

#[test]
fn item11_markdown_has_the_html_sections() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("rep");
    bin()
        .args(["report", "--bootstrap", "0", "--out"])
        .arg(&out)
        .assert()
        .success();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let doc = scraper::Html::parse_document(&html);
    let h2 = scraper::Selector::parse("h2").unwrap();
    for h in doc.select(&h2) {
        let title = h.text().collect::<String>();
        assert!(
            md.contains(&format!("## {title}")),
            "report.md lacks '{title}'"
        );
    }
    assert!(md.contains("Chow F") && md.contains("#### Y:"));
}

// ---- 12. summary.xlsx for a manager

#[test]
fn item12_workbook_has_an_overview_booleans_formats_and_frozen_headers() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("rep");
    bin()
        .args(["report", "--bootstrap", "200", "--out"])
        .arg(&out)
        .assert()
        .success();
    let path = out.join("summary.xlsx");
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(wb.sheet_names()[0], "overview");
    let ov = wb.worksheet_range("overview").unwrap();
    let texts: Vec<String> = ov
        .rows()
        .map(|r| r.first().map(|c| c.to_string()).unwrap_or_default())
        .collect();
    assert!(texts
        .iter()
        .any(|t| t.starts_with("Bottom line, profitable")));
    assert!(texts.iter().any(|t| t == "Segments: size and profit"));
    let hyp = wb.worksheet_range("hypotheses").unwrap();
    let col = (0..hyp.width())
        .find(|&j| hyp.get((0, j)) == Some(&Data::String("supported".into())))
        .unwrap();
    assert!(
        matches!(hyp.get((1, col)), Some(Data::Bool(_))),
        "{:?}",
        hyp.get((1, col))
    );
    // Frozen header, column widths and number formats are in the sheet XML.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet2.xml").unwrap(),
        &mut xml,
    )
    .unwrap();
    assert!(
        xml.contains("state=\"frozen\"") && xml.contains("<col "),
        "{xml}"
    );
    let mut styles = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/styles.xml").unwrap(), &mut styles).unwrap();
    assert!(styles.contains("0.0000") && styles.contains("#,##0"));
}

// ---- 13. messages that point the right way

#[test]
fn item13_messages_point_the_right_way() {
    let (dir, _) = project(PERCENT);
    let fin = dir.path().join("finance.csv");
    // --sow is the share-of-wallet column.
    bin()
        .args(["build", "--data"])
        .arg(&fin)
        .args([
            "--id",
            "acct",
            "--satisfaction",
            "Revenue 2024",
            "--sow",
            "SOW %",
            "--sow-scale",
            "percent",
            "--revenue",
            "Revenue 2024",
            "--cost",
            "Cost to serve",
            "-o",
        ])
        .arg(dir.path().join("o.csv"))
        .assert()
        .success();
    // A folder as --data.
    bin()
        .args(["build", "--data"])
        .arg(dir.path())
        .args([
            "--id",
            "a",
            "--satisfaction",
            "s",
            "--sow",
            "w",
            "--revenue",
            "r",
            "--profit",
            "p",
            "-o",
        ])
        .arg(dir.path().join("o2.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a folder"));
    // CSAT on 1-10 data with no declared scale.
    bin()
        .args(["metrics", "--data"])
        .arg(dir.path().join("survey.csv"))
        .args(["--csat", "Overall Satisfaction"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("default CSAT scale 1-5"))
        .stderr(predicate::str::contains("--csat-scale"));
    // A retention of 80 is a rate.
    bin()
        .args(["value", "--data"])
        .arg(&fin)
        .args([
            "--id",
            "acct",
            "--revenue",
            "Revenue 2024",
            "--cost",
            "Cost to serve",
            "--retention",
            "80",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("fraction in [0, 1)"))
        .stderr(predicate::str::contains("--retention 0.8"));
    // Duplicate ids with --data: a study file is needed, and said so.
    bin()
        .args(["build", "--data"])
        .arg(dir.path().join("survey.csv"))
        .args([
            "--id",
            "Account ID",
            "--satisfaction",
            "Overall Satisfaction",
            "--sow",
            "Quality rating",
            "--revenue",
            "Service rating",
            "--profit",
            "Service rating",
            "-o",
        ])
        .arg(dir.path().join("o3.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("write a study file"))
        .stderr(predicate::str::contains("--study"));
}

// ---- 14. CLI consistency

#[test]
fn item14_cli_consistency() {
    let dir = TempDir::new().unwrap();
    // report takes -o.
    bin()
        .args(["report", "--bootstrap", "0", "-o"])
        .arg(dir.path().join("r"))
        .assert()
        .success();
    // simulate refuses a non-empty folder without --force, like report.
    let sim = dir.path().join("sim");
    std::fs::create_dir(&sim).unwrap();
    write(&sim, "keep.txt", "mine");
    bin()
        .args(["simulate", "--scenario", "brokerage", "--out"])
        .arg(&sim)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--force"));
    assert!(!sim.join("study.toml").exists());
    bin()
        .args(["simulate", "--scenario", "brokerage", "--force", "--out"])
        .arg(&sim)
        .assert()
        .success();
    // Every subcommand's help ends with examples.
    for sub in [
        "inspect", "build", "simulate", "regress", "chain", "metrics", "drivers", "value", "report",
    ] {
        bin()
            .args([sub, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Example"));
    }
}

#[test]
fn item14_readme_examples_use_files_that_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let mut n = 0;
    for word in readme.split(|c: char| c.is_whitespace() || c == '`' || c == '(' || c == ')') {
        if let Some(p) = word.strip_prefix("notebooks-data/") {
            let p = p.trim_end_matches([',', '.', ':', ';']);
            if p.contains('.') {
                assert!(
                    root.join("notebooks-data").join(p).exists(),
                    "README names {word}"
                );
                n += 1;
            }
        }
    }
    assert!(
        n >= 5,
        "README examples should use the bundled data ({n} found)"
    );
    assert!(readme.contains("target/release/profitchain"));
}

// ---- 15. text polish

#[test]
fn item15_text_reads_as_english_with_thousands_separators() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = stdout_of(
        bin()
            .arg("inspect")
            .arg(root.join("notebooks-data/brokerage/survey.csv"))
            .args(["--id", "client_id"]),
    );
    assert!(
        text.contains("81 distinct values, 81 of them on more than one row"),
        "{text}"
    );
    let chain = stdout_of(bin().args(["chain", "--bootstrap", "0"]));
    assert!(!chain.contains("none mediation") && !chain.contains(" 1 rows"));
    let value = stdout_of(
        bin()
            .args(["value", "--data"])
            .arg(root.join("notebooks-data/retail-bank/accounts.csv"))
            .args([
                "--id",
                "household_id",
                "--revenue",
                "revenue",
                "--cost",
                "cost_to_serve",
            ]),
    );
    assert!(
        value.starts_with("20,000 customers; total revenue "),
        "{value}"
    );
    // The brokerage report has no effort item: no CES column.
    let dir = TempDir::new().unwrap();
    let (_d, study) = project(PERCENT);
    bin()
        .args(["report", "--bootstrap", "0", "--study"])
        .arg(&study)
        .arg("-o")
        .arg(dir.path().join("r"))
        .assert()
        .success();
    let html = std::fs::read_to_string(dir.path().join("r/report.html")).unwrap();
    assert!(html.contains("NPS [95% CI]") && !html.contains("CES mean"));
}
