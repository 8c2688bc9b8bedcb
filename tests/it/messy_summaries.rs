//! Issue #21, items 9–12: summaries that cannot mislead a manager, key-driver quadrants
//! that respect noise, optional transaction logs that join left, and one count per report.

use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde_json::Value;

use crate::common::{bin, write};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("notebooks-data")
        .join(name)
}

fn stdout_json(cmd: &mut assert_cmd::Command) -> Value {
    let out = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).expect("JSON output")
}

fn stdout_text(cmd: &mut assert_cmd::Command) -> String {
    String::from_utf8(cmd.assert().success().get_output().stdout.clone()).unwrap()
}

/// The summary's bottom lines.
fn bottom_lines(v: &Value) -> Vec<String> {
    v["summary"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_str())
        .filter(|s| s.starts_with("Bottom line"))
        .map(String::from)
        .collect()
}

/// The interval `[lo, hi]` a sentence gives after `CI `.
fn ci_of(sentence: &str) -> (f64, f64) {
    let at = sentence.find("CI [").expect("an interval") + 4;
    let end = at + sentence[at..].find(']').unwrap();
    let parts: Vec<f64> = sentence[at..end]
        .split(", ")
        .map(|p| p.replace(',', "").parse().unwrap())
        .collect();
    (parts[0], parts[1])
}

/// A bottom line's verdict agrees with the interval it prints (one basis per statement).
fn verdict_matches_its_interval(line: &str) {
    let (lo, hi) = ci_of(line);
    if line.contains("LESS") || line.contains("LOWER") {
        assert!(hi < 0.0, "{line}");
    } else if line.contains("no clear link") {
        assert!(lo <= 0.0 && hi >= 0.0, "{line}");
    } else {
        assert!(lo > 0.0, "{line}");
    }
}

/// A customer table where satisfaction raises profit through share of wallet and revenue
/// (+25 per point) and lowers it directly (−25 per point): inconsistent mediation, with a
/// total effect near zero.
fn opposite_paths(dir: &Path) -> PathBuf {
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let noise = |sd: f64, rng: &mut ChaCha8Rng| Normal::new(0.0, sd).unwrap().sample(rng);
    let mut csv = String::from("client_id,satisfaction,share_of_wallet,revenue,profit\n");
    for i in 0..300 {
        let sat = rng.random_range(1..=10) as f64;
        let sow = (0.05 * sat + noise(0.05, &mut rng)).clamp(0.0, 1.0);
        let revenue = 1000.0 * sow + noise(20.0, &mut rng);
        let profit = 0.5 * revenue - 25.0 * sat + noise(20.0, &mut rng);
        csv.push_str(&format!(
            "C{i:03},{sat},{sow:.4},{revenue:.2},{profit:.2}\n"
        ));
    }
    write(dir, "opposite.csv", &csv)
}

/// Item 9: inconsistent mediation is said as such, the proportion mediated only where it
/// means something, one basis of significance per statement, money in the study's units,
/// share-of-wallet effects on both bases, and CLV named when it is the outcome.
#[test]
fn item09_summaries_that_cannot_mislead() {
    let dir = tempfile::TempDir::new().unwrap();
    let data = opposite_paths(dir.path());
    let v = stdout_json(
        bin()
            .args(["chain", "--bootstrap", "1000", "--format", "json"])
            .args([
                "--data",
                &data.to_string_lossy(),
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
            ]),
    );
    let lines = bottom_lines(&v);
    // All customers and both profit segments (profitable, unprofitable).
    assert_eq!(lines.len(), 3, "{lines:?}");
    for line in &lines {
        assert!(line.contains("pull in opposite directions"), "{line}");
        assert!(!line.contains("of this"), "{line}");
        assert!(line.contains("no clear link"), "{line}");
        verdict_matches_its_interval(line);
    }
    let m = &v["segments"][0]["mediation"];
    assert!(m["proportion_mediated"].is_null(), "{m}");
    assert!(!m["proportion_mediated_note"].as_str().unwrap().is_empty());

    // The bundled sample, in USD k: every verdict matches the interval it prints, the
    // segment block states the same interval for the total effect, units go with money and
    // share-of-wallet effects are given per 10 points and per unit.
    let text = stdout_text(bin().args(["chain", "--units", "USD k"]));
    assert!(text.contains("Money amounts (revenue, profit, CLV) in USD k."));
    let v = stdout_json(bin().args(["chain", "--units", "USD k", "--format", "json"]));
    let lines = bottom_lines(&v);
    assert_eq!(lines.len(), 3);
    for line in &lines {
        verdict_matches_its_interval(line);
        assert!(line.contains("USD k profit"), "{line}");
        let (lo, hi) = ci_of(line);
        let block = format!(
            "(bootstrap CI [{}, {}])",
            profitchain::format::num(lo, 3),
            profitchain::format::num(hi, 3)
        );
        assert!(text.contains(&block), "{block} not in the segment blocks");
    }
    assert!(text.contains("per 10 percentage points of share of wallet, i.e. 2,084 per unit"));
    assert!(!text.contains("proportion mediated 1.0"));

    // With CLV as the outcome the sentences say CLV, never profit.
    let v = stdout_json(
        bin()
            .args([
                "chain",
                "--bootstrap",
                "0",
                "--outcome",
                "clv",
                "--format",
                "json",
            ])
            .arg("--study")
            .arg(sample("retail-bank").join("study.toml")),
    );
    let lines = bottom_lines(&v);
    assert_eq!(lines.len(), 3);
    for line in &lines {
        assert!(line.contains(" CLV (95%"), "{line}");
        for profit in [" profit (", "and profit", "profitable —"] {
            assert!(!line.contains(profit), "{line}");
        }
    }
}

/// Item 10: drivers with the same importance and the same mean are "not distinguishable",
/// not "priority" against "overkill"; without a bootstrap the basis says so; the chart's
/// performance axis covers the whole rating range.
#[test]
fn item10_quadrants_respect_noise() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(10);
    let mut csv = String::from("rid,satisfaction,quality,service,price,convenience\n");
    for i in 0..400 {
        let d: Vec<i32> = (0..4).map(|_| rng.random_range(1..=10)).collect();
        let s =
            0.25 * d.iter().sum::<i32>() as f64 + Normal::new(0.0, 1.5).unwrap().sample(&mut rng);
        let d: Vec<String> = d.iter().map(|x| x.to_string()).collect();
        csv.push_str(&format!("R{i},{:.0},{}\n", s.clamp(1.0, 10.0), d.join(",")));
    }
    let data = write(dir.path(), "drivers.csv", &csv);
    let svg = dir.path().join("ipma.svg");
    let run = |boot: &str| {
        stdout_json(
            bin()
                .args(["drivers", "--format", "json", "--bootstrap", boot, "--svg"])
                .arg(&svg)
                .arg("--data")
                .arg(&data)
                .args(["--drivers", "quality,service,price,convenience"]),
        )
    };
    let v = run("500");
    let g = &v["groups"][0];
    let quadrants: Vec<&str> = g["drivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["quadrant"].as_str().unwrap())
        .collect();
    assert!(
        quadrants
            .iter()
            .all(|q| q.starts_with("not distinguishable")),
        "{quadrants:?}"
    );
    assert!(g["quadrant_basis"]
        .as_str()
        .unwrap()
        .contains("bootstrap intervals"));
    assert_eq!(g["rating_range"], serde_json::json!([1.0, 10.0]));
    // The chart's performance axis runs over the ratings, not the means' few hundredths.
    let chart = std::fs::read_to_string(&svg).unwrap();
    for tick in [">\n2\n</text>", ">\n10\n</text>"] {
        assert!(
            chart.contains(tick),
            "no tick {tick} on the performance axis"
        );
    }
    let v = run("0");
    let basis = v["groups"][0]["quadrant_basis"].as_str().unwrap();
    assert!(
        basis.contains("point estimate") && basis.contains("--bootstrap"),
        "{basis}"
    );
}

/// Copies a bundled sample into `dir`, with `filter` applied to the lines of one file.
fn copy_sample(dir: &Path, name: &str, file: &str, filter: impl Fn(usize, &str) -> bool) {
    for entry in std::fs::read_dir(sample(name)).unwrap() {
        let p = entry.unwrap().path();
        let f = p.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&p).unwrap();
        let text = if f == file {
            text.lines()
                .enumerate()
                .filter(|(i, l)| *i == 0 || filter(*i, l))
                .map(|(_, l)| format!("{l}\n"))
                .collect()
        } else {
            text
        };
        write(dir, &f, &text);
    }
}

/// Item 11: households without purchases in the log keep their survey and finance data:
/// the chain keeps all 20,000 and the audit counts those without CLV.
#[test]
fn item11_transaction_logs_join_left() {
    let dir = tempfile::TempDir::new().unwrap();
    let gone = |l: &str| l.split(',').next().is_some_and(|id| id <= "H00025");
    copy_sample(dir.path(), "retail-bank", "transactions.csv", |_, l| {
        !gone(l)
    });
    let v = stdout_json(
        bin()
            .args(["chain", "--bootstrap", "0", "--format", "json", "--study"])
            .arg(dir.path().join("study.toml")),
    );
    let all = v["segments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "all")
        .unwrap();
    assert_eq!(all["n"], 20_000);
    let f = v["diagnostics"]["audit"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "optional-table")
        .expect("the customers without purchases are counted");
    assert_eq!(f["count"], 25);
    assert_eq!(f["examples"][0], "H00001");
}

/// Item 12: the report's sections count the same respondents (the chain's customers only)
/// and say their basis; a section the study asks for but cannot have says why in place.
#[test]
fn item12_one_count_per_report_and_sections_say_why() {
    let dir = tempfile::TempDir::new().unwrap();
    // 100 households leave the accounts table: the build drops their respondents.
    copy_sample(dir.path(), "retail-bank", "accounts.csv", |i, _| i > 100);
    let survey = std::fs::read_to_string(dir.path().join("survey.csv")).unwrap();
    let kept = survey
        .lines()
        .skip(1)
        .filter(|l| l.split(',').next().unwrap() > "H00100")
        .count();
    let out = dir.path().join("rep");
    bin()
        .args(["report", "--bootstrap", "0", "--study"])
        .arg(dir.path().join("study.toml"))
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let thousands = |n: usize| profitchain::format::thousands(n as f64, 0);
    let basis = format!(
        "Basis: {} respondents of the {} customers analysed",
        thousands(kept),
        thousands(19_900)
    );
    assert!(md.contains(&basis), "no '{basis}' in the metrics section");
    let section = |title: &str| {
        let at = md
            .find(title)
            .unwrap_or_else(|| panic!("no section {title}"));
        let rest = &md[at + title.len()..];
        rest[..rest.find("\n## ").unwrap_or(rest.len())].to_string()
    };
    // The metrics table's respondents and the drivers' n add up to the same count.
    let metrics = section("## Satisfaction metrics by segment");
    let respondents: usize = metrics
        .lines()
        .filter(|l| l.starts_with("| profitable") || l.starts_with("| unprofitable"))
        .map(|l| {
            l.split('|')
                .nth(2)
                .unwrap()
                .trim()
                .replace(',', "")
                .parse::<usize>()
                .unwrap()
        })
        .sum();
    assert_eq!(respondents, kept);
    let drivers = section("## Key drivers of satisfaction by segment");
    assert!(drivers.contains("*Basis: the same respondents"));
    let n: usize = drivers
        .lines()
        .filter(|l| l.starts_with("### "))
        .map(|l| {
            let at = l.find("(n = ").unwrap() + 5;
            let end = at + l[at..].find(", R").unwrap();
            l[at..end].replace(',', "").parse::<usize>().unwrap()
        })
        .sum();
    assert_eq!(n, kept);

    // Satisfaction as the CSI index: CSAT and key drivers say in place why they are absent.
    let dir = tempfile::TempDir::new().unwrap();
    let (names, cols) = crate::pls::mobi();
    let mut survey = String::from("cid,rid,") + &names.join(",") + "\n";
    for r in 0..cols[0].len() {
        let row: Vec<String> = cols.iter().map(|c| c[r].to_string()).collect();
        survey.push_str(&format!("C{},R{r},{}\n", r % 50, row.join(",")));
    }
    write(dir.path(), "survey.csv", &survey);
    let mut accounts = String::from("cid,sow,revenue,profit\n");
    for c in 0..50 {
        let rev = 1000.0 + 37.0 * ((c * 7) % 50) as f64;
        let sow = 0.2 + 0.01 * (c % 37) as f64;
        let profit = rev * 0.2 - 250.0 * (c % 3) as f64;
        accounts.push_str(&format!("C{c},{sow},{rev},{profit}\n"));
    }
    write(dir.path(), "accounts.csv", &accounts);
    std::fs::copy(
        crate::common::data("reference/pls/ecsi_model.toml"),
        dir.path().join("ecsi.toml"),
    )
    .unwrap();
    let study = write(
        dir.path(),
        "study.toml",
        r#"
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
satisfaction = "Satisfaction_index"
share_of_wallet = "sow"
revenue = "revenue"
profit = "profit"
attributes = ["PERQ1", "PERV1", "IMAG1"]
[csi]
model = "ecsi.toml"
bootstrap = 0
"#,
    );
    let out = dir.path().join("rep");
    bin()
        .args(["report", "--bootstrap", "0", "--study"])
        .arg(&study)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("CSAT is not computed: satisfaction is the satisfaction index"));
    assert!(md.contains("Key drivers are not computed"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Key drivers are not computed"));
}
