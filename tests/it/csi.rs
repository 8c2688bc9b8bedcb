//! The `csi` command and study section: SmartPLS's paths through the command, bootstrap
//! reproducibility, model errors, missing values and zero-variance resamples, the index by
//! hand, group comparison, PLSc, export, and the PLS index feeding the chain.

use serde_json::Value;

use super::pls::{mobi, smartpls};
use crate::common::data;

fn run_csi(
    data: &std::path::Path,
    model: &std::path::Path,
    extra: &[&str],
) -> assert_cmd::assert::Assert {
    crate::common::bin()
        .args(["csi", "--data"])
        .arg(data)
        .arg("--model")
        .arg(model)
        .args(extra)
        .assert()
}

/// The command on the ECSI data: SmartPLS's paths, bootstrap inference, reliability, the
/// same bytes for the same seed.
#[test]
fn csi_command_reproduces_smartpls_and_is_reproducible() {
    let data = data("reference/pls/mobi.csv");
    let model = crate::common::data("reference/pls/ecsi_model.toml");
    let out = |seed: &str| {
        run_csi(
            &data,
            &model,
            &["--bootstrap", "500", "--seed", seed, "--format", "json"],
        )
        .success()
        .get_output()
        .stdout
        .clone()
    };
    let a = out("7");
    assert!(a == out("7"), "same seed, different output");
    let v: Value = serde_json::from_slice(&a).unwrap();
    let want = smartpls();
    for p in v["paths"].as_array().unwrap() {
        let key = format!(
            "{}->{}",
            p["from"].as_str().unwrap(),
            p["to"].as_str().unwrap()
        );
        let w = want["path_coefficients"][&key].as_f64().unwrap();
        let got = p["interval"]["estimate"].as_f64().unwrap();
        assert!((got - w).abs() < 1e-5, "{key}: {got} vs {w}");
        let (lo, hi) = (
            p["interval"]["ci_low"].as_f64().unwrap(),
            p["interval"]["ci_high"].as_f64().unwrap(),
        );
        assert!(lo < got && got < hi && p["interval"]["boot_se"].as_f64().unwrap() > 0.0);
    }
    assert_eq!(v["n"], 250);
    let sat = v["constructs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Satisfaction")
        .unwrap();
    // Index weights sum to 1 and the index lies on 0-100.
    let s: f64 = sat["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["index_weight"].as_f64().unwrap())
        .sum();
    assert!((s - 1.0).abs() < 1e-12);
    let idx = sat["index_mean"].as_f64().unwrap();
    assert!(idx > 0.0 && idx < 100.0);
    let rel = &sat["reliability"];
    assert!(rel["rho_c"].as_f64().unwrap() > rel["cronbach_alpha"].as_f64().unwrap());
    assert_eq!(v["ipma_target"], "Loyalty");
}

/// Each model error names what is wrong.
#[test]
fn csi_model_errors_are_named() {
    let dir = tempfile::TempDir::new().unwrap();
    let data = data("reference/pls/mobi.csv");
    let base = "[[construct]]\nname = \"Quality\"\nitems = [\"PERQ1\", \"PERQ2\"]\n[[construct]]\nname = \"Satisfaction\"\nitems = [\"CUSA1\", \"CUSA2\"]\n";
    let qs = "arrows = [[\"Quality\", \"Satisfaction\"]]\n";
    for (toml, message) in [
        (
            qs.to_string() + &base.replace("PERQ2", "PERQ22"),
            "did you mean 'PERQ2'",
        ),
        (
            qs.to_string() + &base.replace("CUSA2", "PERQ2"),
            "item 'PERQ2' is in two blocks",
        ),
        (
            "arrows = [[\"Quality\", \"Satisfaction\"], [\"Satisfaction\", \"Quality\"]]\n"
                .to_string()
                + base,
            "cycle",
        ),
        (
            qs.to_string() + base + "[[construct]]\nname = \"Value\"\nitems = [\"PERV1\"]\n",
            "construct 'Value' has no arrow",
        ),
        (
            "arrows = [[\"Quality\", \"Loyalty\"]]\n".to_string() + base,
            "'Loyalty', which is not a construct",
        ),
        (
            base.to_string() + qs,
            "arrows, scale and template go before the first [[construct]]",
        ),
        (
            "template = \"ecsi\"\n[items]\nImage = [\"IMAG1\"]\n".to_string(),
            "give the items of construct 'Expectation'",
        ),
    ] {
        let m = crate::common::write(dir.path(), "m.toml", &toml);
        run_csi(&data, &m, &["--bootstrap", "0"])
            .code(2)
            .stderr(predicates::str::contains(message));
    }
    // Settings out of range.
    let model = data_model();
    for (args, message) in [
        (&["--bootstrap", "1000000"][..], "at most 100,000 resamples"),
        (&["--confidence", "95"][..], "between 0 and 1"),
        (&["--scale", "10,1"][..], "LOW < HIGH"),
        (&["--scale", "1,5"][..], "outside its declared scale 1–5"),
    ] {
        run_csi(&data, &model, args)
            .code(2)
            .stderr(predicates::str::contains(message));
    }
}

/// Missing values: casewise deletion counts the respondents left out; mean replacement
/// counts the cells filled. An item almost without variance makes some resamples
/// unfittable: they are skipped and counted, never a crash.
#[test]
fn csi_missing_values_and_zero_variance_resamples() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut csv = String::from("a1,a2,b1,b2,c1\n");
    for r in 0..40 {
        let a = (r % 7) as f64 + 1.0;
        let b = ((r * 3) % 5) as f64 + a / 2.0;
        let c = if r == 0 { 2.0 } else { 1.0 }; // one respondent differs
        let a2 = if r == 5 {
            String::new()
        } else {
            format!("{}", a + (r % 2) as f64)
        };
        csv.push_str(&format!("{a},{a2},{b},{},{c}\n", b + (r % 3) as f64));
    }
    let data = crate::common::write(dir.path(), "s.csv", &csv);
    let model = crate::common::write(
        dir.path(),
        "m.toml",
        "arrows = [[\"A\", \"B\"], [\"B\", \"C\"]]\n[[construct]]\nname = \"A\"\nitems = [\"a1\", \"a2\"]\n[[construct]]\nname = \"B\"\nitems = [\"b1\", \"b2\"]\n[[construct]]\nname = \"C\"\nitems = [\"c1\"]\n",
    );
    let json = |extra: &[&str]| -> Value {
        let mut args = vec!["--bootstrap", "200", "--format", "json"];
        args.extend_from_slice(extra);
        serde_json::from_slice(&run_csi(&data, &model, &args).success().get_output().stdout)
            .unwrap()
    };
    let v = json(&[]);
    assert_eq!(v["n"], 39);
    assert_eq!(v["missing_handled"], 1);
    let skipped = v["bootstrap_skipped"].as_u64().unwrap();
    // P(respondent 0 is not drawn) = (1 − 1/39)^39 ≈ 0.36: about 72 of 200.
    assert!(skipped > 40 && skipped < 110, "{skipped}");
    let v = json(&["--missing", "mean"]);
    assert_eq!(v["n"], 40);
    assert_eq!(v["missing_handled"], 1);
}

/// The 0–100 index by hand: a block of two identical items gets equal weights (0.5 each),
/// so its index is the rescaled item mean; values 1..10 equally often give 50.
#[test]
fn index_by_hand() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut csv = String::from("x1,x2,y1,y2\n");
    for r in 0..100 {
        let x = (r % 10) as f64 + 1.0;
        let y = ((r * 7) % 10) as f64 + 1.0;
        csv.push_str(&format!("{x},{x},{y},{}\n", (y + x) / 2.0));
    }
    let data = crate::common::write(dir.path(), "s.csv", &csv);
    let model = crate::common::write(
        dir.path(),
        "m.toml",
        "scale = [1, 10]\narrows = [[\"X\", \"Y\"]]\n[[construct]]\nname = \"X\"\nitems = [\"x1\", \"x2\"]\n[[construct]]\nname = \"Y\"\nitems = [\"y1\", \"y2\"]\n",
    );
    let out = run_csi(&data, &model, &["--bootstrap", "0", "--format", "json"])
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let x = &v["constructs"][0];
    for it in x["items"].as_array().unwrap() {
        assert!((it["index_weight"].as_f64().unwrap() - 0.5).abs() < 1e-12);
        assert!((it["weight"]["estimate"].as_f64().unwrap() - 0.5).abs() < 1e-12);
    }
    assert!((x["index_mean"].as_f64().unwrap() - 50.0).abs() < 1e-9);
}

/// Groups: a random split shows compositional invariance and no path difference beyond
/// chance; a group whose satisfaction answers were shuffled between respondents shows the
/// Quality -> Satisfaction difference.
#[test]
fn csi_group_comparison_detects_a_real_difference() {
    let (names, cols) = mobi();
    let dir = tempfile::TempDir::new().unwrap();
    let n = cols[0].len();
    let write_with = |file: &str, shuffle_b: bool| {
        let mut csv = names.join(",") + ",grp\n";
        for r in 0..n {
            let b = r % 2 == 1;
            let row: Vec<String> = names
                .iter()
                .enumerate()
                .map(|(j, name)| {
                    // In group B, CUSA items come from another B respondent.
                    let src = if shuffle_b && b && name.starts_with("CUSA") {
                        ((r * 37 + 11) % n) | 1
                    } else {
                        r
                    };
                    let src = if src >= n { r } else { src };
                    format!("{}", cols[j][src])
                })
                .collect();
            csv.push_str(&format!(
                "{},{}\n",
                row.join(","),
                if b { "B" } else { "A" }
            ));
        }
        crate::common::write(dir.path(), file, &csv)
    };
    let model = data("reference/pls/ecsi_model.toml");
    let json = |file: &std::path::Path| -> Value {
        serde_json::from_slice(
            &run_csi(
                file,
                &model,
                &[
                    "--bootstrap",
                    "0",
                    "--by",
                    "grp",
                    "--permutations",
                    "300",
                    "--format",
                    "json",
                ],
            )
            .success()
            .get_output()
            .stdout,
        )
        .unwrap()
    };
    let same = json(&write_with("same.csv", false));
    let g = &same["groups"][0];
    assert_eq!(
        (g["n_a"].as_u64(), g["n_b"].as_u64()),
        (Some(125), Some(125))
    );
    let significant = g["paths"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["p_value"].as_f64().unwrap() < 0.01)
        .count();
    assert!(
        significant <= 1,
        "{significant} paths differ between random halves"
    );
    let shuffled = json(&write_with("shuffled.csv", true));
    let qs = shuffled["groups"][0]["paths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["from"] == "Quality" && p["to"] == "Satisfaction")
        .unwrap()
        .clone();
    assert!(qs["difference"].as_f64().unwrap() > 0.2, "{qs}");
    assert!(qs["p_value"].as_f64().unwrap() < 0.01, "{qs}");
    for m in same["groups"][0]["micom"].as_array().unwrap() {
        assert!(m["c"].as_f64().unwrap() > 0.9, "{m}");
    }
}

/// `--consistent` runs PLSc through the command: disattenuated paths differ from PLS's and
/// the output says which estimator ran.
#[test]
fn csi_consistent_option() {
    let data = data("reference/pls/mobi.csv");
    let model = data_model();
    let get = |extra: &[&str]| -> Value {
        let mut a = vec!["--bootstrap", "50", "--format", "json"];
        a.extend_from_slice(extra);
        serde_json::from_slice(&run_csi(&data, &model, &a).success().get_output().stdout).unwrap()
    };
    let (plain, plsc) = (get(&[]), get(&["--consistent"]));
    assert_eq!(plsc["options"]["consistent"], true);
    let path = |v: &Value| v["paths"][0]["interval"]["estimate"].as_f64().unwrap();
    assert!((path(&plain) - path(&plsc)).abs() > 1e-3);
    run_csi(&data, &model, &["--bootstrap", "0", "--consistent"])
        .success()
        .stdout(predicates::str::contains("consistent PLS, PLSc"));
}

fn data_model() -> std::path::PathBuf {
    data("reference/pls/ecsi_model.toml")
}

/// A study with a `[csi]` section: the respondents' PLS satisfaction index rolls up to
/// customers and `roles.satisfaction` can name it; the chain then runs on it.
#[test]
fn study_csi_index_feeds_the_chain() {
    let (names, cols) = mobi();
    let dir = tempfile::TempDir::new().unwrap();
    let n = cols[0].len();
    let mut survey = String::from("cid,rid,") + &names.join(",") + "\n";
    for r in 0..n {
        let row: Vec<String> = cols.iter().map(|c| format!("{}", c[r])).collect();
        survey.push_str(&format!("C{},R{r},{}\n", r % 50, row.join(",")));
    }
    crate::common::write(dir.path(), "survey.csv", &survey);
    let mut accounts = String::from("cid,sow,revenue,profit\n");
    for c in 0..50 {
        let sow = 0.2 + 0.01 * (c % 37) as f64;
        let rev = 1000.0 + 37.0 * ((c * 7) % 50) as f64;
        accounts.push_str(&format!(
            "C{c},{sow},{rev},{}\n",
            rev * 0.2 - 250.0 * (c % 3) as f64
        ));
    }
    crate::common::write(dir.path(), "accounts.csv", &accounts);
    std::fs::copy(
        data("reference/pls/ecsi_model.toml"),
        dir.path().join("ecsi.toml"),
    )
    .unwrap();
    let study = crate::common::write(
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
[csi]
model = "ecsi.toml"
bootstrap = 0
"#,
    );
    let built =
        profitchain::analysis::study::build(&profitchain::data::Study::from_file(&study).unwrap())
            .unwrap();
    // The segments (profitable / unprofitable customers) are compared respondent by
    // respondent, with index means per segment.
    let csi = built.csi.as_ref().unwrap();
    assert_eq!(csi.groups.len(), 1);
    let g = &csi.groups[0];
    assert_eq!(g.n_a + g.n_b, 250);
    assert_eq!(g.micom.len(), 7);
    assert_eq!(csi.group_indices.len(), 2);
    assert!(csi.group_indices.iter().all(|g| g.means.len() == 7));
    assert_eq!(csi.group_indices.iter().map(|g| g.n).sum::<usize>(), 250);
    let df = &built.table.df;
    assert_eq!(df.height(), 50);
    let sat = profitchain::data::load::f64_values(df, "satisfaction").unwrap();
    assert!(sat.iter().all(|v| *v > 0.0 && *v < 100.0));
    // The same index from the command, averaged per customer by hand.
    crate::common::bin()
        .args(["csi", "--bootstrap", "0", "--data"])
        .arg(dir.path().join("survey.csv"))
        .arg("--model")
        .arg(dir.path().join("ecsi.toml"))
        .arg("--scores-out")
        .arg(dir.path().join("s.csv"))
        .assert()
        .success();
    let text = std::fs::read_to_string(dir.path().join("s.csv")).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let k = header.iter().position(|h| *h == "Satisfaction").unwrap();
    let mut sum = [0.0f64; 50];
    let mut cnt = [0.0f64; 50];
    for (r, line) in text.lines().skip(1).enumerate() {
        let v: f64 = line.split(',').nth(k).unwrap().parse().unwrap();
        sum[r % 50] += v;
        cnt[r % 50] += 1.0;
    }
    let ids: Vec<String> = df
        .column("cid")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.unwrap().to_string())
        .collect();
    for (i, id) in ids.iter().enumerate() {
        let c: usize = id[1..].parse().unwrap();
        assert!((sat[i] - sum[c] / cnt[c]).abs() < 1e-9, "{id}");
    }
    crate::common::bin()
        .args(["chain", "--bootstrap", "0", "--study"])
        .arg(&study)
        .assert()
        .success();
}

/// `--export`, `--format csv`, and non-convergence reported with its iteration count and
/// last change rather than silently.
#[test]
fn csi_export_csv_and_non_convergence() {
    let data = data("reference/pls/mobi.csv");
    let model = data_model();
    let dir = tempfile::TempDir::new().unwrap();
    run_csi(&data, &model, &["--bootstrap", "100", "--format", "csv"])
        .success()
        .stdout(predicates::str::starts_with(
            "from,to,estimate,boot_se,t,p,ci_low,ci_high,bca_low,bca_high,f_squared\nImage,Expectation,0.5049",
        ));
    let out = dir.path().join("csi");
    crate::common::bin()
        .args(["csi", "--bootstrap", "100", "--data"])
        .arg(&data)
        .arg("--model")
        .arg(&model)
        .arg("--export")
        .arg(&out)
        .assert()
        .success();
    for f in [
        "constructs.csv",
        "items.csv",
        "paths.csv",
        "total_effects.csv",
        "htmt.csv",
        "ipma.csv",
        "summary.json",
        "summary.xlsx",
        "charts/csi_ipma.svg",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    run_csi(
        &data,
        &model,
        &["--bootstrap", "0", "--max-iterations", "2"],
    )
    .success()
    .stdout(predicates::str::contains(
        "NOT converged after 2 iterations",
    ))
    .stdout(predicates::str::contains(
        "did not converge in 2 iterations (largest weight change in the last one:",
    ));
}

/// Golden: every number of `csi`'s JSON on the ECSI sample (500 resamples) and on the
/// retail-bank survey (60,066 respondents, 200 resamples) equals what the release before
/// the moments-based indices and the streamed path printed, to 1e-12.
#[test]
fn csi_numbers_do_not_move() {
    for (data, model, extra, golden) in [
        (
            "reference/pls/mobi.csv",
            crate::common::data("reference/pls/ecsi_model.toml"),
            vec!["--bootstrap", "500", "--seed", "7"],
            "golden/ecsi_csi.json",
        ),
        (
            "",
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("notebooks-data/retail-bank/csi_model.toml"),
            vec!["--bootstrap", "200"],
            "golden/retail_bank_csi.json",
        ),
    ] {
        let data = if data.is_empty() {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("notebooks-data/retail-bank/survey.csv")
        } else {
            crate::common::data(data)
        };
        let mut args = extra.clone();
        args.extend(["--format", "json"]);
        let out = run_csi(&data, &model, &args)
            .success()
            .get_output()
            .stdout
            .clone();
        let got: Value = serde_json::from_slice(&out).unwrap();
        let want: Value =
            serde_json::from_str(&std::fs::read_to_string(crate::common::data(golden)).unwrap())
                .unwrap();
        let n = crate::common::agree(&want, &got, golden, 1e-12, &["diagnostics"]);
        assert!(n > 100, "{golden}: {n} numbers");
    }
}
