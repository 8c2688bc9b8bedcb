//! Issue #12: reports in Chinese (`--lang zh`, `language = "zh"`), and the English report
//! guarded against accidental change by golden files.

use crate::common::{bin, data};

fn brokerage() -> String {
    data("../../notebooks-data/brokerage/study.toml")
        .display()
        .to_string()
}

fn report(args: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    bin()
        .args(["report", "--study", &brokerage(), "--force", "-o"])
        .arg(dir.path())
        .args(args)
        .assert()
        .success();
    dir
}

/// The English report of the brokerage sample, byte for byte. After an intended change,
/// regenerate with `UPDATE_GOLDEN=1 cargo test --release golden` and review the diff.
#[test]
fn golden_english_report() {
    let dir = report(&[]);
    for (file, golden) in [
        ("report.md", "golden/brokerage_report.md"),
        ("report.html", "golden/brokerage_report.html"),
    ] {
        let got = std::fs::read_to_string(dir.path().join(file)).unwrap();
        let path = data(golden);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap();
        if got != want {
            let line = got
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            panic!(
                "{file} differs from {golden} at line {}:\n got: {}\nwant: {}",
                line + 1,
                got.lines().nth(line).unwrap_or(""),
                want.lines().nth(line).unwrap_or("")
            );
        }
    }
}

#[test]
fn chinese_report_is_chinese() {
    let dir = report(&["--lang", "zh"]);
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains(r#"<html lang="zh-CN">"#));
    for zh in [
        "结论摘要",
        "盈利性客户",
        "非盈利性客户",
        "假设检验",
        "路径图",
        "花费份额",
        "支持",
    ] {
        assert!(html.contains(zh), "missing {zh}");
    }
    for en in [
        ">Summary<",
        ">Hypotheses<",
        "Bottom line",
        ">supported<",
        "Path model",
    ] {
        assert!(
            !html.contains(en),
            "English left in the Chinese report: {en}"
        );
    }
    assert!(
        html.contains("Noto Sans CJK SC"),
        "a font stack that renders Chinese"
    );
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(
        md.starts_with("# 客户满意度"),
        "{}",
        &md[..80.min(md.len())]
    );
    let diagram = std::fs::read_to_string(dir.path().join("charts/path_profitable.svg")).unwrap();
    assert!(diagram.contains("客户满意度") && diagram.contains("盈利性客户"));
    // The study file's language is the default; the flag overrides it.
    let study = std::fs::read_to_string(brokerage()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    for f in ["survey.csv", "accounts.csv"] {
        std::fs::copy(
            data(&format!("../../notebooks-data/brokerage/{f}")),
            tmp.path().join(f),
        )
        .unwrap();
    }
    let p = tmp.path().join("study.toml");
    std::fs::write(&p, format!("language = \"zh\"\n{study}")).unwrap();
    let out = tmp.path().join("out");
    bin()
        .args(["report", "--bootstrap", "100", "--study"])
        .arg(&p)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("结论摘要"));
    bin()
        .args(["report", "--lang", "klingon", "--study"])
        .arg(&p)
        .arg("-o")
        .arg(tmp.path().join("x"))
        .assert()
        .code(2);
}

/// The chain's JSON and text, byte for byte, on the bundled sample and on the peer
/// reference data (with a moderator and the quadratic term): refactoring the chain module
/// must not change a digit (issue #14).
#[test]
fn golden_chain_json_and_text() {
    // Run from the data folder with relative paths: the JSON names the input file as given.
    let check = |args: &[&str], golden: &str| {
        let out = bin()
            .current_dir(data("reference/peers"))
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let path = data(golden);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, &out).unwrap();
            return;
        }
        let want = std::fs::read(&path).unwrap();
        assert!(
            out == want,
            "{golden} changed ({} vs {} bytes)",
            out.len(),
            want.len()
        );
    };
    let b = brokerage();
    check(
        &["chain", "--study", &b, "--format", "json"],
        "golden/brokerage_chain.json",
    );
    check(&["chain", "--study", &b], "golden/brokerage_chain.txt");
    let r = "chain_reference.csv";
    check(
        &[
            "chain",
            "--data",
            r,
            "--id",
            "customer_id",
            "--satisfaction",
            "satisfaction",
            "--sow",
            "share_of_wallet",
            "--revenue",
            "revenue",
            "--profit",
            "profit",
            "--moderator",
            "tenure_years",
            "--quadratic",
            "--bootstrap",
            "1000",
            "--format",
            "json",
        ],
        "golden/reference_chain.json",
    );
}

#[test]
fn chain_speaks_chinese_in_text_and_json() {
    let b = brokerage();
    let out = bin()
        .args(["chain", "--study", &b, "--lang", "zh", "--bootstrap", "200"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for zh in [
        "链条研究",
        "结论摘要",
        "细分群体：盈利性客户",
        "假设检验：",
        "客户满意度 → 花费份额",
        "支持",
    ] {
        assert!(text.contains(zh), "missing {zh}");
    }
    assert!(!text.contains("Bottom line") && !text.contains("Hypotheses:"));
    let out = bin()
        .args([
            "chain",
            "--study",
            &b,
            "--lang",
            "zh",
            "--bootstrap",
            "200",
            "--format",
            "json",
        ])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["display"]["segments"]["profitable"], "盈利性客户");
    assert_eq!(
        v["display"]["hypotheses"]["H2"],
        "客户消费额与客户利润正相关"
    );
    assert!(v["display"]["summary"][0]
        .as_str()
        .unwrap()
        .starts_with("结论"));
    let verdict = v["segments"][0]["hypotheses"][0]["verdict"]
        .as_str()
        .unwrap();
    assert!(
        ["supported", "not supported", "reversed"].contains(&verdict),
        "values stay English"
    );
}

/// Every command's text in Chinese names its content in Chinese (`--lang` is global).
#[test]
fn every_command_speaks_chinese() {
    let bank = data("../../notebooks-data/retail-bank/study.toml")
        .display()
        .to_string();
    let survey = data("../../notebooks-data/retail-bank/survey.csv")
        .display()
        .to_string();
    let accounts = data("../../notebooks-data/brokerage/accounts.csv")
        .display()
        .to_string();
    let sav = data("formats/survey.sav").display().to_string();
    let dir = tempfile::tempdir().unwrap();
    let built = dir.path().join("b.csv").display().to_string();
    let cases: Vec<(Vec<&str>, &[&str])> = vec![
        (vec!["inspect", &sav], &["行", "缺失值", "声明的缺失值"]),
        (
            vec!["build", "--study", &bank, "-o", &built],
            &["数据诊断", "纳入分析的客户", "盈利性客户"],
        ),
        (
            vec![
                "metrics",
                "--study",
                &bank,
                "--nps",
                "recommend",
                "--by",
                "segment",
            ],
            &["组别 盈利性客户", "净推荐值（NPS）", "推荐者"],
        ),
        (
            vec![
                "drivers",
                "--data",
                &survey,
                "--target",
                "satisfaction",
                "--drivers",
                "quality,service,price,convenience",
                "--bootstrap",
                "0",
            ],
            &["关键驱动因素", "优势：继续保持"],
        ),
        (
            vec![
                "value",
                "--data",
                &accounts,
                "--id",
                "client_id",
                "--revenue",
                "revenue",
                "--cost",
                "cost_to_serve",
            ],
            &["鲸鱼曲线", "十分位", "非盈利性客户"],
        ),
    ];
    let out = crate::clv::cdnow_clv()
        .args(["--lang", "zh"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for w in ["客户生命周期价值", "留出期", "存活概率", "收敛"] {
        assert!(text.contains(w), "clv lacks '{w}':\n{text}");
    }
    for (args, want) in cases {
        let out = bin().args(&args).args(["--lang", "zh"]).assert().success();
        let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        for w in want {
            assert!(text.contains(w), "{} lacks '{w}':\n{text}", args[0]);
        }
    }
}

/// `regress` in memory on the bundled samples (HC3 on the retail-bank survey; by segment
/// on the brokerage study): every number equals the golden JSON to 1e-12, so the streamed
/// and distributed paths added beside it moved nothing (issue #23).
#[test]
fn golden_regress_numbers() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for (args, golden) in [
        (
            vec![
                "--data",
                "notebooks-data/retail-bank/survey.csv",
                "--formula",
                "satisfaction ~ quality + service + price + convenience",
                "--se",
                "hc3",
            ],
            "golden/retail_bank_regress.json",
        ),
        (
            vec![
                "--study",
                "notebooks-data/brokerage/study.toml",
                "--formula",
                "profit ~ satisfaction + share_of_wallet + revenue",
                "--by",
                "segment",
            ],
            "golden/brokerage_regress.json",
        ),
    ] {
        let got = crate::common::json_of(
            bin()
                .current_dir(root)
                .arg("regress")
                .args(&args)
                .args(["--format", "json"]),
        );
        let want: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(data(golden)).unwrap()).unwrap();
        let n = crate::common::agree(&want, &got, golden, 1e-12, &["diagnostics"]);
        assert!(n > 40, "{golden}: {n} numbers");
    }
}
