//! Contractual retention (issue #26): the sBG on Fader & Hardie's (2007) published cohorts,
//! a subscription table with known churn and covariate effects, and bad input.

use std::fmt::Write as _;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Beta, Distribution};
use serde_json::Value;

use super::common::{bin, data, write};
use profitchain::stats::sbg;

fn fh() -> Value {
    let text = std::fs::read_to_string(data("reference/retention/fader_hardie_2007.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The two cohorts as a cohort table.
fn fh_csv(dir: &std::path::Path) -> std::path::PathBuf {
    let r = fh();
    let col = |k: &str| -> Vec<f64> {
        r["alive"][k]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    let (a, b) = (col("regular"), col("high_end"));
    let mut s = "year,regular,high_end\n".to_string();
    for i in 0..a.len() {
        let _ = writeln!(s, "{i},{},{}", a[i], b[i]);
    }
    write(dir, "cohorts.csv", &s)
}

fn json(args: &[&str]) -> Value {
    let out = bin()
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Fitted on years 1–7, both cohorts give the published α and β to the three decimals
/// printed; the projection for years 8–12 is the published parameters' projection (to the
/// rounding of those parameters) and within 5% of the customers who actually stayed.
#[test]
fn sbg_matches_fader_hardie_2007() {
    let dir = tempfile::tempdir().unwrap();
    let csv = fh_csv(dir.path());
    let out = json(&[
        "retention",
        "--cohorts",
        csv.to_str().unwrap(),
        "--fit-periods",
        "7",
    ]);
    let r = fh();
    for (k, g) in out["groups"].as_array().unwrap().iter().enumerate() {
        let name = ["regular", "high_end"][k];
        assert_eq!(g["name"], name);
        let p = &g["fit"]["params"];
        let (a, b) = (p[0].as_f64().unwrap(), p[1].as_f64().unwrap());
        let want = &r["published_estimates"][name];
        let (wa, wb) = (
            want["alpha"].as_f64().unwrap(),
            want["beta"].as_f64().unwrap(),
        );
        assert!(
            (a - wa).abs() < 5e-4 && (b - wb).abs() < 5e-4,
            "{name}: {a} {b}"
        );
        let published = sbg::survival(wa, wb, 12);
        let alive = r["alive"][name].as_array().unwrap();
        for t in 8..=12 {
            let row = &g["table"][t];
            assert_eq!(row["in_fit"], false);
            let ours = row["projected_active"].as_f64().unwrap();
            assert!(
                (ours - 1000.0 * published[t]).abs() < 1.0,
                "{name} year {t}: {ours}"
            );
            let actual = alive[t].as_f64().unwrap();
            assert!(
                (ours - actual).abs() < 0.05 * actual,
                "{name} year {t}: {ours} vs {actual}"
            );
            assert!((row["observed_survival"].as_f64().unwrap() - actual / 1000.0).abs() < 1e-12);
        }
        // Retention rises with tenure (the sBG's sorting), and matches r(t) = S(t)/S(t−1).
        let rates: Vec<f64> = (1..=12)
            .map(|t| g["table"][t]["projected_retention"].as_f64().unwrap())
            .collect();
        assert!(rates.windows(2).all(|w| w[1] > w[0]));
        let s = sbg::survival(a, b, 12);
        assert!((rates[4] - s[5] / s[4]).abs() < 1e-12);
        assert!(g["holdout"]["mean_abs_pct_error"].as_f64().unwrap() < 5.0);
    }
}

/// DEL and DERL from their closed forms (₂F₁) against the direct discounted sums of the
/// survival curve, at several tenures and discount rates.
#[test]
fn derl_closed_form_equals_the_direct_sum() {
    for (a, b) in [(0.704, 1.182), (0.668, 3.806), (3.0, 0.5)] {
        for d in [0.05f64, 0.1, 0.25] {
            let s = sbg::survival(a, b, 4000);
            for n in [1usize, 2, 5, 12] {
                // Σ_{k≥0} S(n+k)/S(n−1) / (1+d)^k
                let direct: f64 = (0..3000)
                    .map(|k| s[n + k] / s[n - 1] / (1.0 + d).powi(k as i32))
                    .sum();
                let closed = sbg::derl(a, b, d, n as f64);
                assert!(
                    (closed - direct).abs() < 1e-9 * direct,
                    "{a} {b} {d} {n}: {closed} vs {direct}"
                );
            }
            let direct: f64 = (0..3000).map(|t| s[t] / (1.0 + d).powi(t as i32)).sum();
            assert!((sbg::del(a, b, d) - direct).abs() < 1e-9 * direct);
        }
    }
}

/// A simulated subscription table: satisfaction 1–10 lowers churn (α falls and β rises
/// with it); customers start over six years, churn at renewals with their own θ ~ Beta(αᵢ,
/// βᵢ) and are observed until 2026-01-01.
fn subscriptions(n: usize, seed: u64, gamma: (f64, f64)) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (a0, b0) = (0.8, 2.0);
    let mut s = "account,opened,closed,satisfaction,plan\n".to_string();
    let as_of = 20_454; // 2026-01-01 in days since 1970
    for i in 0..n {
        let sat: f64 = rng.random_range(1..=10) as f64;
        let z = sat - 5.5;
        let (a, b) = (a0 * (gamma.0 * z).exp(), b0 * (gamma.1 * z).exp());
        let theta = Beta::new(a, b).unwrap().sample(&mut rng);
        let start = as_of - rng.random_range(1..=6 * 365);
        let mut t = 1;
        while rng.random::<f64>() >= theta && t < 200 {
            t += 1;
        }
        let end = start + (t as f64 * 365.25).round() as i32;
        let date = |d: i32| {
            let dt = chrono_free_date(d);
            format!("{:04}-{:02}-{:02}", dt.0, dt.1, dt.2)
        };
        let closed = if end <= as_of {
            date(end)
        } else {
            String::new()
        };
        let plan = if i % 3 == 0 { "premium" } else { "basic" };
        let _ = writeln!(s, "A{i},{},{closed},{sat},{plan}", date(start));
    }
    s
}

/// Civil date of a day number (Howard Hinnant's algorithm), to write the test's CSV.
fn chrono_free_date(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The covariate sBG recovers the generating α₀, β₀ and effects (within three standard
/// errors), the likelihood-ratio test finds them, and more satisfaction means less churn
/// and a longer discounted lifetime, with intervals on the right side of no effect.
#[test]
fn covariate_sbg_recovers_known_effects() {
    let dir = tempfile::tempdir().unwrap();
    let (ga, gb) = (-0.15, 0.10);
    let csv = write(dir.path(), "subs.csv", &subscriptions(20_000, 7, (ga, gb)));
    let out = json(&[
        "retention",
        "--subscriptions",
        csv.to_str().unwrap(),
        "--id",
        "account",
        "--start",
        "opened",
        "--end",
        "closed",
        "--as-of",
        "2026-01-01",
        "--segment",
        "plan",
        "--covariate",
        "satisfaction",
    ]);
    let groups = out["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 3, "all + two plans");
    assert_eq!(out["counts"]["rows"], 20_000);
    let m = &out["covariates"];
    let f = &m["fit"];
    let names: Vec<&str> = f["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "alpha",
            "beta",
            "churn shape α: satisfaction",
            "stay shape β: satisfaction"
        ]
    );
    let mean = m["covariates"][0]["mean"].as_f64().unwrap();
    assert!((mean - 5.5).abs() < 0.1);
    // α₀, β₀ at the sample's mean satisfaction (≈ 5.5, the generator's centre).
    for (i, want) in [0.8, 2.0, ga, gb].iter().enumerate() {
        let (est, se) = (
            f["params"][i].as_f64().unwrap(),
            f["std_errors"][i].as_f64().unwrap(),
        );
        let want = if i < 2 {
            let g = [ga, gb][i];
            want * (g * (mean - 5.5)).exp()
        } else {
            *want
        };
        assert!(
            (est - want).abs() < 3.0 * se,
            "{}: {est} ± {se} vs {want}",
            names[i]
        );
    }
    assert!(m["lr_p"].as_f64().unwrap() < 1e-6);
    assert_eq!(m["lr_df"], 2);
    let churn = &m["effects"][0];
    assert_eq!(churn["quantity"], "first-period churn");
    assert!(churn["estimate"].as_f64().unwrap() < 1.0 && churn["ci_high"].as_f64().unwrap() < 1.0);
    let del = &m["effects"][1];
    assert!(del["estimate"].as_f64().unwrap() > 0.0 && del["ci_low"].as_f64().unwrap() > 0.0);
    assert!(m["excluded"] == 0);
    // Each plan's own covariate model recovers the same effects (they do not depend on
    // the plan in the generator), on its own customers.
    let segs = out["covariates_by_segment"].as_array().unwrap();
    assert_eq!(segs.len(), 2);
    let n: u64 = segs
        .iter()
        .map(|g| g["model"]["customers"].as_u64().unwrap())
        .sum();
    assert_eq!(n, 20_000);
    for g in segs {
        let f = &g["model"]["fit"];
        for (i, want) in [(2, ga), (3, gb)] {
            let (est, se) = (
                f["params"][i].as_f64().unwrap(),
                f["std_errors"][i].as_f64().unwrap(),
            );
            assert!(
                (est - want).abs() < 3.5 * se,
                "{}: {est} ± {se}",
                g["segment"]
            );
        }
    }
}

/// A cohort table that rises, dates that end before they start, a constant covariate and
/// no input at all stop with exit 2 and a message naming the place and the fix; customers
/// without a covariate are counted and left out of the covariate model only.
#[test]
fn bad_retention_input_is_refused_or_counted() {
    let dir = tempfile::tempdir().unwrap();
    let rising = write(
        dir.path(),
        "rising.csv",
        "period,a\n0,100\n1,80\n2,85\n3,60\n",
    );
    let out = bin()
        .args(["retention", "--cohorts", rising.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error:") && err.contains("rises from 80 at period 1 to 85 at period 2"),
        "{err}"
    );

    let backwards = write(
        dir.path(),
        "back.csv",
        "id,start,end\na,2020-01-01,2021-01-01\nb,2021-05-01,2020-02-01\nc,2022-01-01,\n",
    );
    let out = bin()
        .args(["retention", "--subscriptions", backwards.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("row 2 (customer 'b') ends (2020-02-01) before it starts (2021-05-01)"),
        "{err}"
    );

    let mut s = subscriptions(400, 3, (0.0, 0.0));
    s = s
        .replace(",basic\n", ",basic,1\n")
        .replace(",premium\n", ",premium,1\n");
    s = s.replacen("satisfaction,plan\n", "satisfaction,plan,flag\n", 1);
    let constant = write(dir.path(), "const.csv", &s);
    let out = bin()
        .args([
            "retention",
            "--subscriptions",
            constant.to_str().unwrap(),
            "--id",
            "account",
        ])
        .args([
            "--start",
            "opened",
            "--end",
            "closed",
            "--covariate",
            "flag",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("covariate 'flag' is 1 for every customer"),
        "{err}"
    );

    // Two customers without satisfaction: counted, left out of the covariate model only.
    let mut lines: Vec<String> = subscriptions(2_000, 5, (-0.1, 0.1))
        .lines()
        .map(String::from)
        .collect();
    for l in lines.iter_mut().skip(1).take(2) {
        let mut f: Vec<&str> = l.split(',').collect();
        f[3] = "";
        *l = f.join(",");
    }
    let missing = write(dir.path(), "missing.csv", &(lines.join("\n") + "\n"));
    let out = json(&[
        "retention",
        "--subscriptions",
        missing.to_str().unwrap(),
        "--id",
        "account",
        "--start",
        "opened",
        "--end",
        "closed",
        "--covariate",
        "satisfaction",
    ]);
    assert_eq!(out["covariates"]["excluded"], 2);
    assert_eq!(out["covariates"]["customers"], 1_998);
    assert_eq!(out["groups"][0]["customers"], 2_000.0);
    assert!(out["warnings"][0]
        .as_str()
        .unwrap()
        .contains("2 customers without a value of satisfaction"));

    let cohorts = fh_csv(dir.path());
    let out = bin()
        .args([
            "retention",
            "--cohorts",
            cohorts.to_str().unwrap(),
            "--discount",
            "0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("positive fraction"));

    let out = bin().args(["retention"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--cohorts FILE"));
}

/// A covariate that separates customers — every premium customer stays — sends its effect
/// without bound: the fit says it is degenerate and why, in every output, instead of
/// reporting a huge effect as an estimate.
#[test]
fn a_separating_covariate_is_reported_as_degenerate() {
    let dir = tempfile::tempdir().unwrap();
    let text = subscriptions(3_000, 9, (0.0, 0.0));
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 {
            out.push_str(&format!("{line},premium_flag\n"));
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        // Premium customers (every third) never close.
        let premium = f[4] == "premium";
        let closed = if premium { "" } else { f[2] };
        let _ = writeln!(
            out,
            "{},{},{closed},{},{},{}",
            f[0],
            f[1],
            f[3],
            f[4],
            u8::from(premium)
        );
    }
    let csv = write(dir.path(), "sep.csv", &out);
    let r = json(&[
        "retention",
        "--subscriptions",
        csv.to_str().unwrap(),
        "--id",
        "account",
        "--start",
        "opened",
        "--end",
        "closed",
        "--covariate",
        "premium_flag",
    ]);
    let fit = &r["covariates"]["fit"];
    assert_eq!(fit["status"], "degenerate", "{fit}");
    let why = fit["explanation"].as_str().unwrap();
    assert!(why.contains("premium_flag separates customers"), "{why}");
    assert!(r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap().contains("separates customers")));
}

/// A study's `[retention]` section: the retail-bank simulator's plans (monthly churn
/// Beta(0.7, 8) at average satisfaction, a satisfaction point moving α by −0.25 and β by
/// +0.15 on the log scale, four in five households holding a plan) are fitted for all
/// households and per profit segment with the customer table's satisfaction as covariate,
/// and the generating values are recovered within three standard errors.
#[test]
fn study_retention_recovers_the_simulated_plans() {
    use profitchain::data::{simulate, Study};
    let dir = tempfile::tempdir().unwrap();
    let mut sim = simulate::simulate("retail-bank", 3, Some(20_000)).unwrap();
    simulate::write(&mut sim, dir.path()).unwrap();
    let truth = &sim.truth["subscriptions"];
    let study = Study::from_file(&dir.path().join("study.toml")).unwrap();
    let built = profitchain::analysis::study::build(&study).unwrap();
    let r = built
        .retention
        .expect("the study has a [retention] section");
    let names: Vec<&str> = r.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["all", "profitable", "unprofitable"]);
    let counts = r.counts.as_ref().unwrap();
    let holders = counts.rows as f64 / 20_000.0;
    assert!((holders - 0.8).abs() < 0.02, "{holders}");
    assert_eq!(counts.lost + counts.active, counts.rows);
    assert_eq!(r.as_of.as_deref(), Some("2025-06-30"));
    let m = r.covariates.as_ref().unwrap();
    assert_eq!(m.excluded, 0, "every plan holder is in the customer table");
    // The model centres satisfaction at the holders' mean; the generator at the
    // households' mean: α₀ and β₀ move by the difference.
    let shift = m.covariates[0].mean - truth["centred_at"].as_f64().unwrap();
    let g = &truth["truth"]["gamma"];
    let (ga, gb) = (g[0].as_f64().unwrap(), g[1].as_f64().unwrap());
    let want = [0.7 * (ga * shift).exp(), 8.0 * (gb * shift).exp(), ga, gb];
    for (i, w) in want.iter().enumerate() {
        let (est, se) = (m.fit.params[i], m.fit.std_errors[i].unwrap());
        assert!(
            (est - w).abs() < 3.0 * se,
            "{}: {est} ± {se} vs {w}",
            m.fit.names[i]
        );
    }
    assert!(m.lr_p < 1e-6);
    // More satisfied households churn less at their first renewal and stay longer.
    assert!(m.effects[0].ci_high.unwrap() < 1.0);
    assert!(m.effects[1].ci_low.unwrap() > 0.0);
    let segs: Vec<&str> = r
        .covariates_by_segment
        .iter()
        .map(|g| g.segment.as_str())
        .collect();
    assert_eq!(segs, ["profitable", "unprofitable"]);
    // Every group's CLV of a new customer is the margin (12 a month) × DEL, and the active
    // households' residual value is positive.
    for g in &r.groups {
        assert!((g.clv_new - 12.0 * g.del).abs() < 1e-9 * g.clv_new.abs().max(1.0));
        assert!(g.residual_value.unwrap() > 0.0);
    }
}
