//! `report`: every file, an HTML that parses and carries the right numbers, a workbook
//! that reopens with numbers as numbers, balanced LaTeX; `--force` protection.

use calamine::{open_workbook, Data, Reader, Xlsx};
use predicates::prelude::*;
use scraper::{Html, Selector};
use serde_json::Value;
use tempfile::TempDir;

use crate::common::bin;

#[test]
fn report_on_the_bundled_sample() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("rep");
    bin()
        .args(["report", "--bootstrap", "400", "--out"])
        .arg(&out)
        .assert()
        .success();
    for f in [
        "report.html",
        "report.md",
        "summary.json",
        "coefficients.csv",
        "indirect_effects.csv",
        "hypotheses.csv",
        "comparisons.csv",
        "tables.tex",
        "summary.xlsx",
        "charts/path_all.svg",
        "charts/path_profitable.svg",
        "charts/path_unprofitable.svg",
        "charts/whale_curve.svg",
    ] {
        assert!(out.join(f).exists(), "missing {f}");
    }
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();

    // HTML: parses, inline path diagrams, and the comparison table shows summary.json's numbers.
    let html = Html::parse_document(&std::fs::read_to_string(out.join("report.html")).unwrap());
    let svg = Selector::parse("svg").unwrap();
    assert!(
        html.select(&svg).count() >= 4,
        "path diagrams and whale curve inline"
    );
    let row = Selector::parse("table.comparison tr").unwrap();
    let cell = Selector::parse("td").unwrap();
    let rows: Vec<Vec<String>> = html
        .select(&row)
        .map(|r| {
            r.select(&cell)
                .map(|c| c.text().collect::<String>())
                .collect()
        })
        .filter(|r: &Vec<String>| !r.is_empty())
        .collect();
    let y_rev = rows
        .iter()
        .find(|r| r[0] == "Y: revenue")
        .expect("Y: revenue row");
    let path = summary["comparisons"][0]["paths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["model"] == "Y" && p["term"] == "revenue")
        .unwrap();
    for (shown, key) in [(&y_rev[1], "estimate_a"), (&y_rev[2], "estimate_b")] {
        let v: f64 = shown.parse().unwrap();
        let want = path[key].as_f64().unwrap();
        assert!((v - want).abs() <= 1e-3 * want.abs(), "{shown} vs {want}");
    }

    // CSV columns as specified.
    let coef = std::fs::read_to_string(out.join("coefficients.csv")).unwrap();
    assert_eq!(
        coef.lines().next().unwrap(),
        "segment,model,outcome,term,estimate,std_error,statistic,p_value,ci_low,ci_high,beta,n,r_squared"
    );

    // XLSX reopens with the expected sheets and numeric cells.
    let mut wb: Xlsx<_> = open_workbook(out.join("summary.xlsx")).unwrap();
    let sheets = wb.sheet_names();
    for s in [
        "coefficients",
        "indirect_effects",
        "hypotheses",
        "comparisons",
        "diagnostics",
    ] {
        assert!(sheets.iter().any(|x| x == s), "sheet {s} in {sheets:?}");
    }
    let range = wb.worksheet_range("coefficients").unwrap();
    assert_eq!(range.get((0, 4)), Some(&Data::String("estimate".into())));
    assert!(
        matches!(range.get((1, 4)), Some(Data::Float(_))),
        "{:?}",
        range.get((1, 4))
    );

    // LaTeX environments balance.
    let tex = std::fs::read_to_string(out.join("tables.tex")).unwrap();
    for env in ["table", "tabular"] {
        assert_eq!(
            tex.matches(&format!("\\begin{{{env}}}")).count(),
            tex.matches(&format!("\\end{{{env}}}")).count()
        );
    }
    assert!(tex.contains("\\toprule") && tex.contains("\\bottomrule"));

    // An existing folder is not overwritten without --force.
    bin()
        .args(["report", "--bootstrap", "100", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--force"));
    bin()
        .args(["report", "--bootstrap", "100", "--force", "--out"])
        .arg(&out)
        .assert()
        .success();
}

#[test]
fn every_analysis_command_exports_through_the_shared_writer() {
    let dir = TempDir::new().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let reference = root.join("tests/data/reference/peers/chain_reference.csv");
    let chain = dir.path().join("chain");
    bin()
        .args(["chain", "--bootstrap", "100", "--export"])
        .arg(&chain)
        .assert()
        .success();
    for f in [
        "coefficients.csv",
        "indirect_effects.csv",
        "hypotheses.csv",
        "comparisons.csv",
        "summary.json",
        "summary.xlsx",
        "tables.tex",
    ] {
        assert!(chain.join(f).exists(), "chain export lacks {f}");
    }
    let regress = dir.path().join("regress");
    bin()
        .args(["regress", "--data"])
        .arg(&reference)
        .args(["--formula", "profit ~ revenue", "--export"])
        .arg(&regress)
        .assert()
        .success();
    assert!(regress.join("coefficients.csv").exists() && regress.join("tables.tex").exists());
    let drivers = dir.path().join("drivers");
    bin()
        .args(["drivers", "--data"])
        .arg(&reference)
        .args([
            "--target",
            "profit",
            "--drivers",
            "satisfaction,share_of_wallet,revenue",
            "--export",
        ])
        .arg(&drivers)
        .assert()
        .success();
    assert!(drivers.join("drivers.csv").exists() && drivers.join("summary.xlsx").exists());
}

#[test]
fn report_folds_in_metrics_and_drivers_when_the_study_names_survey_items() {
    let dir = TempDir::new().unwrap();
    let mut sim = profitchain::data::simulate::simulate("retail-bank", 5, Some(1_500)).unwrap();
    profitchain::data::simulate::write(&mut sim, &dir.path().join("rb")).unwrap();
    let out = dir.path().join("rep");
    bin()
        .args(["report", "--bootstrap", "200", "--study"])
        .arg(dir.path().join("rb/study.toml"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let html = Html::parse_document(&std::fs::read_to_string(out.join("report.html")).unwrap());
    let h2 = Selector::parse("h2").unwrap();
    let titles: Vec<String> = html.select(&h2).map(|h| h.text().collect()).collect();
    assert!(
        titles.iter().any(|t| t.contains("Satisfaction metrics")),
        "{titles:?}"
    );
    assert!(
        titles.iter().any(|t| t.contains("Key drivers")),
        "{titles:?}"
    );
    assert!(out.join("charts/drivers_profitable.svg").exists());
    // The study's [retention] section: its own heading, the covariate blocks of the CLV
    // and retention models, its charts, and the same in Markdown and summary.json.
    assert!(
        titles.iter().any(|t| t.contains("Contractual retention")),
        "{titles:?}"
    );
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    // CLV and retention: all customers and each profit segment.
    assert_eq!(page.matches("Likelihood-ratio test").count(), 6);
    assert!(page.contains("Segment profitable: covariates in its own sBG"));
    assert!(page.contains("Segment unprofitable: covariates in its own BG"));
    assert!(page.contains("purchase model; this section values the subscriptions"));
    assert!(out.join("charts/retention_survival.svg").exists());
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("## Contractual retention (sBG)") && md.contains("| z |"));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["retention"]["groups"][0]["name"], "all");
}
