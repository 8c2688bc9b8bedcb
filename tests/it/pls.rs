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
