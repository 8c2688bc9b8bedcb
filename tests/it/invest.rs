//! `invest`: the scenarios' effects equal hand computations from the chain's own
//! coefficients (linear, quadratic, moderated), costs give ROI, NPV, payback and break-even
//! by hand, simulated truth lies in its interval, and bad input stops with exit 2.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use crate::common::bin;

/// A customer table of 400 customers whose share of wallet stays inside (0, 1) for any
/// gain of a point: satisfaction on 1.5–8.5, an income moderator, known linear paths.
fn table(dir: &std::path::Path) -> std::path::PathBuf {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut csv = String::from("id,satisfaction,sow,revenue,profit,income,service,price\n");
    for i in 0..400 {
        let e = |rng: &mut ChaCha8Rng, sd: f64| sd * (rng.random::<f64>() - 0.5) * 3.4;
        let service: f64 = 2.0 + 6.0 * rng.random::<f64>();
        let price: f64 = 2.0 + 6.0 * rng.random::<f64>();
        let s: f64 = 0.6 + 0.6 * service + 0.3 * price + e(&mut rng, 0.3);
        let inc: f64 = 1.0 + 4.0 * rng.random::<f64>();
        let sow = 0.15 + 0.03 * s + 0.002 * s * s + 0.004 * s * inc + e(&mut rng, 0.03);
        let rev = 100.0 + 5.0 * s + 800.0 * sow + e(&mut rng, 20.0);
        let profit = 10.0 + 1.0 * s + 20.0 * sow + 0.1 * rev + e(&mut rng, 5.0);
        csv.push_str(&format!(
            "C{i:04},{s},{sow},{rev},{profit},{inc},{service},{price}\n"
        ));
    }
    crate::common::write(dir, "customers.csv", &csv)
}

const ROLES: [&str; 12] = [
    "--id",
    "id",
    "--satisfaction",
    "satisfaction",
    "--sow",
    "sow",
    "--revenue",
    "revenue",
    "--profit",
    "profit",
    "--segment-rule",
    "none",
];

fn json(verb: &str, data: &std::path::Path, extra: &[&str]) -> Value {
    crate::common::json_of(
        bin()
            .arg(verb)
            .arg("--data")
            .arg(data)
            .args(ROLES)
            .args(extra)
            .args(["--format", "json"]),
    )
}

/// The estimate of `term` in model `model` of the only segment.
fn coef(chain: &Value, model: &str, term: &str) -> f64 {
    let seg = &chain["segments"][0];
    let m = seg["regressions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["model"] == model)
        .unwrap_or_else(|| panic!("no model {model}"));
    m["terms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["term"] == term)
        .unwrap_or_else(|| panic!("no term {term} in {model}: {}", m["terms"]))["estimate"]
        .as_f64()
        .unwrap()
}

fn satisfaction(data: &std::path::Path) -> Vec<(f64, f64)> {
    std::fs::read_to_string(data)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<f64> = l.split(',').skip(1).map(|x| x.parse().unwrap()).collect();
            (f[0], f[4])
        })
        .collect()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(b.abs()).max(1.0)
}

/// Linear chain: Δprofit = (c' + a1·b1 + a1·d21·b2 + a2·b2)·Σ Δ, the product of the paths
/// plus the direct effect; a quadratic share-of-wallet equation moves customers by where
/// they start; a moderated one by their moderator.
#[test]
fn effects_equal_the_chain_by_hand() {
    let dir = tempfile::TempDir::new().unwrap();
    let data = table(dir.path());
    let rows = satisfaction(&data);
    let d = 0.5;
    let gain = d * rows.len() as f64;
    let common = ["--bootstrap", "0", "--scale", "1,10"];
    let check = |extra: &[&str], dsow: &dyn Fn(&Value, f64, f64) -> f64| {
        let mut chain_args = vec!["--bootstrap", "0"];
        chain_args.extend(extra);
        let chain = json("chain", &data, &chain_args);
        let mut args = common.to_vec();
        args.extend(["--add", "0.5"]);
        args.extend(extra);
        let inv = json("invest", &data, &args);
        let (a2, d21) = (
            coef(&chain, "M2", "satisfaction"),
            coef(&chain, "M2", "share_of_wallet"),
        );
        let (c, b1, b2) = (
            coef(&chain, "Y", "satisfaction"),
            coef(&chain, "Y", "share_of_wallet"),
            coef(&chain, "Y", "revenue"),
        );
        let sow: f64 = rows.iter().map(|&(s, inc)| dsow(&chain, s, inc)).sum();
        let revenue = a2 * gain + d21 * sow;
        let profit = c * gain + b1 * sow + b2 * revenue;
        let t = &inv["scenarios"][0]["total"];
        assert_eq!(t["reached"], 400);
        let n = 400.0;
        for (key, want) in [
            ("share_of_wallet", sow / n),
            ("revenue", revenue / n),
            ("profit", profit / n),
        ] {
            let got = t[key]["estimate"].as_f64().unwrap();
            assert!(close(got, want, 1e-9), "{extra:?} {key}: {got} vs {want}");
        }
        let got = t["total_profit"]["estimate"].as_f64().unwrap();
        assert!(close(got, profit, 1e-9), "{got} vs {profit}");
        profit
    };
    let linear = check(&[], &|c, _, _| coef(c, "M1", "satisfaction") * d);
    // The linear answer is the total effect times the gain.
    let chain = json("chain", &data, &["--bootstrap", "0"]);
    let total = coef(&chain, "T_profit_sat", "satisfaction");
    assert!(
        close(linear, total * gain, 1e-9),
        "{linear} vs {}",
        total * gain
    );
    check(&["--quadratic"], &|c, s, _| {
        coef(c, "M1_extended", "satisfaction") * d
            + coef(c, "M1_extended", "I(satisfaction ** 2)") * ((s + d).powi(2) - s * s)
    });
    check(&["--moderator", "income"], &|c, _, inc| {
        (coef(c, "M1_extended", "satisfaction")
            + coef(c, "M1_extended", "satisfaction:income") * inc)
            * d
    });
}

/// A driver scenario: +0.5 on the service rating moves satisfaction by β·0.5 (β: the
/// key-driver regression's service slope, `regress satisfaction ~ service + price`), then
/// through the chain: Δprofit = total effect × β × Σ Δservice; an unknown driver is named.
#[test]
fn driver_scenario_through_the_key_driver_regression() {
    let dir = tempfile::TempDir::new().unwrap();
    let data = table(dir.path());
    let reg = bin()
        .args(["regress", "--data"])
        .arg(&data)
        .args([
            "--formula",
            "satisfaction ~ service + price",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let reg: Value = serde_json::from_slice(&reg.stdout).unwrap();
    let beta = reg["models"][0]["terms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["term"] == "service")
        .unwrap()["estimate"]
        .as_f64()
        .unwrap();
    let chain = json("chain", &data, &["--bootstrap", "0"]);
    let total = coef(&chain, "T_profit_sat", "satisfaction");
    let inv = json(
        "invest",
        &data,
        &[
            "--bootstrap",
            "300",
            "--scale",
            "1,10",
            "--add",
            "0.5",
            "--driver",
            "service",
            "--attribute",
            "service",
            "--attribute",
            "price",
        ],
    );
    let t = &inv["scenarios"][0]["total"];
    assert_eq!(t["reached"], 400);
    assert!(close(t["mean_driver_gain"].as_f64().unwrap(), 0.5, 1e-12));
    assert!(close(t["mean_gain"].as_f64().unwrap(), beta * 0.5, 1e-9));
    let want = total * beta * 0.5 * 400.0;
    let got = t["total_profit"]["estimate"].as_f64().unwrap();
    assert!(close(got, want, 1e-9), "{got} vs {want}");
    let f = &t["total_profit"];
    assert!(f["low"].as_f64().unwrap() < got && got < f["high"].as_f64().unwrap());
    let out = bin()
        .arg("invest")
        .arg("--data")
        .arg(&data)
        .args(ROLES)
        .args(["--add", "1", "--driver", "staff", "--attribute", "service"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("driver 'staff'") && e.contains("service"), "{e}");
}

/// Costs: NPV, ROI, payback and the break-even gain computed here by hand for the linear
/// chain, and the ranking and statements present.
#[test]
fn economics_by_hand() {
    let dir = tempfile::TempDir::new().unwrap();
    let data = table(dir.path());
    let inv = json(
        "invest",
        &data,
        &[
            "--bootstrap",
            "200",
            "--scale",
            "1,10",
            "--add",
            "0.5",
            "--fixed-cost",
            "100",
            "--cost-per-customer",
            "2",
            "--horizon",
            "3",
            "--discount",
            "0.1",
            "--retention",
            "0.8",
        ],
    );
    let sc = &inv["scenarios"][0];
    let t = &sc["total"];
    let p = t["total_profit"]["estimate"].as_f64().unwrap();
    let m = 1.0 / 1.1 + 0.8 / 1.21 + 0.64 / 1.331;
    let cost = 100.0 + 2.0 * 400.0;
    assert!(close(inv["multiplier"].as_f64().unwrap(), m, 1e-14));
    assert!(close(t["cost"].as_f64().unwrap(), cost, 1e-12));
    let npv = p * m - cost;
    assert!(close(t["npv"]["estimate"].as_f64().unwrap(), npv, 1e-9));
    assert!(close(
        t["roi"]["estimate"].as_f64().unwrap(),
        npv / cost,
        1e-9
    ));
    // Payback: the year in which the discounted cumulative profit reaches the cost.
    let mut cum = 0.0;
    let mut want = f64::NAN;
    for t in 1..=3 {
        let add = p * 0.8f64.powi(t - 1) / 1.1f64.powi(t);
        if cum + add >= cost {
            want = f64::from(t - 1) + (cost - cum) / add;
            break;
        }
        cum += add;
    }
    let got = sc["payback_years"]["estimate"].as_f64().unwrap_or(f64::NAN);
    assert!(
        (got.is_nan() && want.is_nan()) || close(got, want, 1e-9),
        "{got} vs {want}"
    );
    // Break-even: profit is linear in the gain, so NPV(g) = p·(g / 0.5)·M − cost.
    let even = cost / (p * m) * 0.5;
    let got = sc["break_even_gain"]["estimate"].as_f64().unwrap();
    assert!(close(got, even, 1e-9), "{got} vs {even}");
    let f = &t["npv"];
    assert!(f["low"].as_f64().unwrap() < npv && npv < f["high"].as_f64().unwrap());
    assert_eq!(inv["ranking"].as_array().unwrap().len(), 1);
    assert!(inv["statements"][0].as_str().unwrap().contains("NPV"));
}

/// Simulated brokerage clients (2,000): the true Δprofit of +1 point — each segment's
/// generative paths times the gains the scenario gives — lies in the 95% interval of every
/// segment and of the total, and the unprofitable segment is said to lose money.
#[test]
fn simulated_truth_lies_in_the_interval() {
    let dir = tempfile::TempDir::new().unwrap();
    bin()
        .args(["simulate", "--scenario", "brokerage", "--seed", "11"])
        .args(["--customers", "2000", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("truth.json")).unwrap())
            .unwrap();
    let out = bin()
        .args(["invest", "--study"])
        .arg(dir.path().join("study.toml"))
        .args(["--add", "1", "--scale", "1,10", "--bootstrap", "1000"])
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let inv: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sc = &inv["scenarios"][0];
    let mut total_truth = 0.0;
    for seg in truth["segments"].as_array().unwrap() {
        let name = seg["segment"].as_str().unwrap();
        let eq = |outcome: &str, term: &str| -> f64 {
            let e = seg["equations"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["outcome"] == outcome)
                .unwrap();
            e["coefficients"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c[0] == term)
                .map_or(0.0, |c| c[1].as_f64().unwrap())
        };
        let a1 = eq("share_of_wallet", "satisfaction");
        let (a2, d21) = (
            eq("revenue", "satisfaction"),
            eq("revenue", "share_of_wallet"),
        );
        let (c, b1, b2) = (
            eq("profit", "satisfaction"),
            eq("profit", "share_of_wallet"),
            eq("profit", "revenue"),
        );
        let effect = c + a1 * b1 + a1 * d21 * b2 + a2 * b2;
        let o = sc["segments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["segment"] == name)
            .unwrap();
        let gain = o["mean_gain"].as_f64().unwrap() * o["reached"].as_f64().unwrap();
        let want = effect * gain;
        total_truth += want;
        let f = &o["total_profit"];
        let (lo, hi) = (f["low"].as_f64().unwrap(), f["high"].as_f64().unwrap());
        assert!(
            lo < want && want < hi,
            "{name}: truth {want} outside [{lo}, {hi}]"
        );
    }
    let f = &sc["total"]["total_profit"];
    let (lo, hi) = (f["low"].as_f64().unwrap(), f["high"].as_f64().unwrap());
    assert!(
        lo < total_truth && total_truth < hi,
        "total {total_truth} outside [{lo}, {hi}]"
    );
    let said = inv["statements"].to_string();
    assert!(
        said.contains("For unprofitable customers") && said.contains("deepen their losses"),
        "{said}"
    );
}

/// Bad input: exit 2 with `error:` and the fix, nothing written.
#[test]
fn bad_scenarios_stop_with_a_clear_error() {
    let dir = tempfile::TempDir::new().unwrap();
    let data = table(dir.path());
    let out_file = dir.path().join("out.json");
    for (extra, says) in [
        (vec!["--add", "0"], "above 0"),
        (vec!["--add", "9"], "past it"),
        (
            vec!["--add", "1", "--rule", "satisfaction > 20"],
            "reaches no customer",
        ),
        (
            vec!["--add", "1", "--rule", "satisfction < 3"],
            "did you mean 'satisfaction'",
        ),
        (vec!["--add", "1", "--segment", "nope"], "no segment 'nope'"),
        (vec!["--add", "1", "--cost-per-customer", "-1"], "0 or more"),
        (vec!["--add", "1", "--horizon", "0"], "--horizon 0"),
        (vec!["--gap", "1.5"], "(0, 1]"),
        (vec![], "no scenario"),
    ] {
        let out = bin()
            .arg("invest")
            .arg("--data")
            .arg(&data)
            .args(ROLES)
            .args(["--bootstrap", "0", "--scale", "1,10"])
            .args(&extra)
            .arg("-o")
            .arg(&out_file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        let e = String::from_utf8_lossy(&out.stderr);
        assert!(
            e.starts_with("error:") && e.contains(says),
            "{extra:?}: {e}"
        );
        assert!(!out_file.exists(), "{extra:?} wrote a file");
    }
}

/// A study's `[invest]` section: its scenarios side by side with their names, its horizon;
/// the CSV has a row per scenario and segment plus totals; `--lang zh` says it in Chinese.
#[test]
fn study_scenarios_csv_and_chinese() {
    let dir = tempfile::TempDir::new().unwrap();
    bin()
        .args(["simulate", "--scenario", "brokerage", "--seed", "3"])
        .args(["--customers", "500", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let study = dir.path().join("study.toml");
    let mut text = std::fs::read_to_string(&study).unwrap();
    text.push_str(
        r#"
[invest]
horizon = 3
discount = 0.1
retention = 0.85

[[invest.scenario]]
name = "service push"
add = 1
cost_per_customer = 20

[[invest.scenario]]
name = "fix the unhappy"
to = 8
rule = "satisfaction < 6"
segment = "profitable"
fixed_cost = 500
"#,
    );
    std::fs::write(&study, text).unwrap();
    let run = |extra: &[&str]| {
        let out = bin()
            .args(extra)
            .args(["invest", "--study"])
            .arg(&study)
            .args(["--bootstrap", "200", "--scale", "1,10"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let json = crate::common::json_of(bin().args(["invest", "--study"]).arg(&study).args([
        "--bootstrap",
        "200",
        "--scale",
        "1,10",
        "--format",
        "json",
    ]));
    let names: Vec<&str> = json["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["service push", "fix the unhappy"]);
    let m = 1.0 / 1.1 + 0.85 / 1.21 + 0.85 * 0.85 / 1.331;
    assert!(close(json["multiplier"].as_f64().unwrap(), m, 1e-14));
    let unhappy = &json["scenarios"][1];
    assert_eq!(unhappy["segments"].as_array().unwrap().len(), 1);
    assert_eq!(unhappy["segments"][0]["segment"], "profitable");
    assert!(json["statements"].as_array().unwrap().len() >= 2);
    let csv = {
        let out = bin()
            .args(["invest", "--study"])
            .arg(&study)
            .args(["--bootstrap", "200", "--scale", "1,10", "--format", "csv"])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(
        csv.starts_with("scenario,segment,customers,reached"),
        "{csv}"
    );
    // service push: 2 segments + total; fix the unhappy: 1 segment + total.
    assert_eq!(csv.lines().count(), 1 + 3 + 2);
    let zh = run(&["--lang", "zh"]);
    assert!(
        zh.contains("满意度投资回报") && zh.contains("净现值（NPV）"),
        "{zh}"
    );
    assert!(
        zh.contains("非盈利性客户") && zh.contains("情景“service push”"),
        "{zh}"
    );
}
