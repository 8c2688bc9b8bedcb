//! `invest` on the bundled studies: retention per customer from the purchase model, the
//! driver scenario's break-even interval, and the report's "Return on satisfaction" section.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{bin, data, json_of};

/// The retail-bank sample copied to `dir`, its study edited by `edit`.
fn retail_bank(dir: &Path, edit: impl Fn(String) -> String) -> PathBuf {
    let src = data("../../notebooks-data/retail-bank");
    for f in [
        "survey.csv",
        "accounts.csv",
        "transactions.csv",
        "subscriptions.csv",
        "csi_model.toml",
    ] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    let text = std::fs::read_to_string(src.join("study.toml")).unwrap();
    let study = dir.join("study.toml");
    std::fs::write(&study, edit(text)).unwrap();
    study
}

/// A CSV's columns by name (no quoted fields in the built table).
fn columns(csv: &str, names: &[&str]) -> Vec<Vec<f64>> {
    let mut lines = csv.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let idx: Vec<usize> = names
        .iter()
        .map(|n| head.iter().position(|h| h == n).unwrap())
        .collect();
    let mut out = vec![Vec::new(); names.len()];
    for l in lines {
        let cells: Vec<&str> = l.split(',').collect();
        for (o, &i) in out.iter_mut().zip(&idx) {
            // The segment column by name: 1 for profitable, 0 otherwise.
            o.push(match cells[i] {
                "profitable" => 1.0,
                "unprofitable" => 0.0,
                v => v.parse().unwrap_or(f64::NAN),
            });
        }
    }
    out
}

/// With `retention = clv`, one year undiscounted: each customer's weight is their expected
/// share of next year's purchasing, E[transactions in a year] / (E[λ | alive]·one year).
/// `clv`'s expected transactions over exactly one year (its published-verified BG/NBD
/// expectation) give that weight independently, customer by customer. Without
/// moderators and with shares of wallet away from 0 and 1, every customer reached in a
/// segment gains the same Δprofit, so the segment's Δvalue / annual Δprofit is the mean
/// weight of the customers the scenario reaches there — here two different subsets, which
/// tells per-customer weights from one common rate.
#[test]
fn retention_per_customer_from_the_purchase_model() {
    let dir = tempfile::TempDir::new().unwrap();
    let week_year = 365.25 / 7.0;
    let study = retail_bank(dir.path(), |t| {
        t.replace("moderators = [\"income_k\", \"tenure_years\"]\n", "")
            .replace("horizon = 52\n", &format!("horizon = {week_year}\n"))
    });
    // The report writes the built customer table and the CLV study's fit.
    let out = dir.path().join("report");
    bin()
        .args(["report", "--study"])
        .arg(&study)
        .args(["--bootstrap", "100", "-o"])
        .arg(&out)
        .assert()
        .success();
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    // The table's predictions come from the covariate model (satisfaction): each
    // customer's αᵢ = α₀·exp(−γ₁·(satisfaction − mean)).
    let m = &summary["clv"]["covariates"];
    let q: Vec<f64> = m["fit"]["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(m["fit"]["names"][4], "purchase rate: satisfaction");
    let mean = m["covariates"][0]["mean"].as_f64().unwrap();
    let built = out.join("customers.csv");
    let c = columns(
        &std::fs::read_to_string(&built).unwrap(),
        &[
            "satisfaction",
            "share_of_wallet",
            "frequency",
            "age",
            "expected_transactions",
            "tenure_years",
            "segment",
            "clv_gain_satisfaction",
        ],
    );
    let weight = |i: usize| {
        let alpha = q[1] * (-q[4] * (c[0][i] - mean)).exp();
        c[4][i] / ((q[0] + c[2][i]) / (alpha + c[3][i]) * week_year)
    };
    for (rule, pick) in [
        (
            "share_of_wallet > 0.1 and share_of_wallet < 0.9 and satisfaction <= 9",
            (|_: &[Vec<f64>], _: usize| true) as fn(&[Vec<f64>], usize) -> bool,
        ),
        (
            "share_of_wallet > 0.1 and share_of_wallet < 0.9 and satisfaction <= 9 and tenure_years > 10",
            |c: &[Vec<f64>], i: usize| c[5][i] > 10.0,
        ),
    ] {
        let inv = json_of(
            bin()
                .args(["invest", "--study"])
                .arg(&study)
                .args(["--add", "1", "--rule", rule, "--horizon", "1"])
                .args(["--discount", "0", "--retention", "clv"])
                .args(["--bootstrap", "200", "--format", "json"]),
        );
        let reached: Vec<usize> = (0..c[0].len())
            .filter(|&i| {
                c[1][i] > 0.1 && c[1][i] < 0.9 && c[0][i] <= 9.0 && pick(&c, i)
            })
            .collect();
        let t = &inv["scenarios"][0]["total"];
        assert_eq!(t["reached"].as_u64().unwrap() as usize, reached.len());
        for o in inv["scenarios"][0]["segments"].as_array().unwrap() {
            let seg = f64::from(u8::from(o["segment"] == "profitable"));
            let here: Vec<usize> = reached.iter().copied().filter(|&i| c[6][i] == seg).collect();
            let want = here.iter().map(|&i| weight(i)).sum::<f64>() / here.len() as f64;
            let got = o["value"]["estimate"].as_f64().unwrap()
                / o["total_profit"]["estimate"].as_f64().unwrap();
            assert!((got - want).abs() < 1e-9, "{rule} {}: {got} vs {want}", o["segment"]);
            assert!(want > 0.05 && want < 0.95, "{want}");
        }
        // The purchase model's route: a whole point for everyone reached (satisfaction ≤ 9),
        // so each reached customer's ΔCLV is the table's gain of a point.
        let life = &inv["scenarios"][0]["lifetime"];
        assert_eq!(life["model"], "BG/NBD with covariates (satisfaction)");
        assert_eq!(life["total"]["valued"].as_u64().unwrap() as usize, reached.len());
        let want: f64 = reached.iter().map(|&i| c[7][i]).sum();
        let got = life["total"]["clv_gain"].as_f64().unwrap();
        assert!((got - want).abs() < 1e-6 * want.abs().max(1.0), "{got} vs {want}");
        let by_segment: f64 = life["segments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["clv_gain"].as_f64().unwrap())
            .sum();
        assert!((by_segment - got).abs() < 1e-6 * got.abs().max(1.0));
        assert_eq!(
            inv["retention_model"],
            "BG/NBD with covariates (satisfaction)"
        );
        assert_eq!(inv["options"]["retention"], "clv");
    }
    // A study without a purchase log cannot: exit 2 and the fix.
    let out = bin()
        .args(["invest", "--study"])
        .arg(data("../../notebooks-data/brokerage/study.toml"))
        .args(["--add", "1", "--retention", "clv", "--bootstrap", "100"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error:") && err.contains("[clv]"), "{err}");
    let out = bin()
        .args(["invest", "--study"])
        .arg(data("../../notebooks-data/brokerage/study.toml"))
        .args(["--add", "1", "--retention", "often"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// A driver scenario's break-even gain carries its interval (every resample's NPV over the
/// grid of gains) like a satisfaction scenario's.
#[test]
fn driver_break_even_has_an_interval() {
    let inv = json_of(
        bin()
            .args(["invest", "--study"])
            .arg(data("../../notebooks-data/retail-bank/study.toml"))
            .args([
                "--add",
                "1",
                "--driver",
                "service",
                "--segment",
                "profitable",
            ])
            .args(["--rule", "tenure_years > 15", "--cost-per-customer", "30"])
            .args(["--bootstrap", "300", "--format", "json"]),
    );
    let sc = &inv["scenarios"][0];
    let even = &sc["break_even_gain"];
    let (e, lo, hi) = (
        even["estimate"].as_f64().unwrap(),
        even["low"].as_f64().unwrap(),
        even["high"].as_f64().unwrap(),
    );
    assert!(lo < e && e < hi, "{even}");
    assert_eq!(sc["break_even_estimate_only"], false);
    // The curve starts at the cost and reaches NPV 0 at the break-even gain.
    let curve = sc["curve"].as_array().unwrap();
    assert_eq!(curve.len(), 65);
    let cost = sc["total"]["cost"].as_f64().unwrap();
    assert!((curve[0]["npv"]["estimate"].as_f64().unwrap() + cost).abs() < 1e-9);
    let k = curve
        .iter()
        .position(|c| c["npv"]["estimate"].as_f64().unwrap() >= 0.0)
        .unwrap();
    let g = |j: usize| curve[j]["gain"].as_f64().unwrap();
    assert!(g(k - 1) <= e && e <= g(k), "{} {e} {}", g(k - 1), g(k));
}

/// The report of a study with `[[invest.scenario]]` has the section, its three charts per
/// scenario and its table, in English and in Chinese; the paths of each waterfall add up
/// to the Δprofit.
#[test]
fn report_has_the_return_on_satisfaction_section() {
    for lang in ["en", "zh"] {
        let dir = tempfile::TempDir::new().unwrap();
        let out = dir.path().join("r");
        bin()
            .args(["--lang", lang, "report", "--study"])
            .arg(data("../../notebooks-data/brokerage/study.toml"))
            .args(["--bootstrap", "300", "-o"])
            .arg(&out)
            .assert()
            .success();
        let html = std::fs::read_to_string(out.join("report.html")).unwrap();
        let title = if lang == "zh" {
            "满意度投资回报"
        } else {
            "Return on satisfaction"
        };
        assert!(html.contains("<h2 id=\"invest\">") && html.contains(title));
        let md = std::fs::read_to_string(out.join("report.md")).unwrap();
        assert!(md.contains(&format!("## {title}")));
        for f in [
            "invest_profit.svg",
            "invest_waterfall_1.svg",
            "invest_return_1.svg",
            "invest_waterfall_2.svg",
            "invest_return_2.svg",
        ] {
            let svg = std::fs::read_to_string(out.join("charts").join(f)).unwrap();
            assert!(svg.starts_with("<svg") && md.contains(f), "{f}");
        }
        assert!(out.join("invest.csv").exists());
        let summary: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap())
                .unwrap();
        let scenarios = summary["invest"]["scenarios"].as_array().unwrap();
        assert_eq!(scenarios.len(), 2);
        for o in scenarios[0]["segments"].as_array().unwrap() {
            let p = &o["profit_paths"];
            let sum: f64 = ["direct", "share_of_wallet", "revenue"]
                .iter()
                .map(|k| p[k].as_f64().unwrap())
                .sum();
            let profit = o["profit"]["estimate"].as_f64().unwrap();
            assert!((sum - profit).abs() < 1e-9 * profit.abs().max(1.0));
        }
        // The brokerage story: raising the unprofitable clients' satisfaction loses money.
        let unprofitable = &scenarios[0]["segments"][1];
        assert_eq!(unprofitable["segment"], "unprofitable");
        assert!(unprofitable["profit"]["estimate"].as_f64().unwrap() < 0.0);
    }
}
