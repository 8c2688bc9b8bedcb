//! `segments`: the linear model tree against R partykit's `lmtree()` on a generated case, and
//! the whole chain's tree against `mob()` with the chain's stacked fit (tests/data/reference/
//! segments, written once by make_reference.R): the same splits, leaf coefficients (and
//! standard errors) to 1e-8, every node's parameter-instability statistics and
//! Bonferroni-adjusted p-values to 1e-4 (relative); mixtures against flexmix.

use profitchain::analysis::segments::tree::Prune;
use profitchain::analysis::segments::{self, TreeOptions};

use crate::common::data;

fn csv(name: &str) -> Vec<Vec<String>> {
    std::fs::read_to_string(data(&format!("reference/segments/{name}")))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// R's results written as (what, value) rows.
struct Reference(std::collections::HashMap<String, f64>);

impl Reference {
    fn read(name: &str) -> Reference {
        Reference(
            csv(name)
                .into_iter()
                .map(|r| (r[0].clone(), r[1].parse().unwrap()))
                .collect(),
        )
    }

    /// `got` equals R's `key` to `tol` (relative, floor 1).
    fn near(&self, got: f64, key: &str, tol: f64) {
        let w = self.0[key];
        assert!(
            (got - w).abs() <= tol * w.abs().max(1.0),
            "{key}: {got} vs {w}"
        );
    }
}

impl std::ops::Index<&str> for Reference {
    type Output = f64;
    fn index(&self, key: &str) -> &f64 {
        &self.0[key]
    }
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-300)
}

#[test]
fn lmtree_matches_partykit() {
    let path = data("reference/segments/tree_data.csv");
    let df = profitchain::data::load::read(&path, &Default::default()).unwrap();
    let by: Vec<String> = ["tenure", "income", "age", "region", "channel"]
        .map(String::from)
        .to_vec();
    let opts = TreeOptions {
        minsize: Some(40),
        ..Default::default()
    };
    let r = segments::run(
        &df,
        "tree_data.csv",
        &["share_of_wallet ~ satisfaction".to_string()],
        &by,
        &opts,
    )
    .unwrap();
    let nodes = &r.tree.nodes;
    same_nodes(nodes, &csv("lmtree_nodes.csv"), 1);
    for w in csv("lmtree_coef.csv") {
        let nd = nodes.iter().find(|n| n.id.to_string() == w[0]).unwrap();
        let term = w[1].replace("(Intercept)", "Intercept");
        let c = nd.coefficients.iter().find(|c| c.term == term).unwrap();
        let (est, se): (f64, f64) = (w[2].parse().unwrap(), w[3].parse().unwrap());
        assert!(
            (c.estimate - est).abs() < 1e-8,
            "node {} {term}: {} vs {est}",
            w[0],
            c.estimate
        );
        assert!((c.std_error - se).abs() < 1e-8, "node {} {term} se", w[0]);
    }
    same_tests(nodes, &csv("lmtree_tests.csv"));
}

/// Node ids, sizes, kinds and splits as R wrote them (`off`: columns before `kind`).
fn same_nodes(nodes: &[segments::tree::Node], want: &[Vec<String>], off: usize) {
    assert_eq!(nodes.len(), want.len());
    for (nd, w) in nodes.iter().zip(want) {
        assert_eq!(nd.id.to_string(), w[0]);
        assert_eq!(nd.n.to_string(), w[off + 4], "node {}", nd.id);
        assert_eq!(nd.leaf, w[off + 1] == "leaf", "node {}", nd.id);
        if let Some(s) = &nd.split {
            assert_eq!(s.variable, w[off + 2]);
            match s.threshold {
                Some(t) => assert_eq!(format!("<= {t}"), w[off + 3]),
                None => assert_eq!(s.left_levels.join("+"), w[off + 3]),
            }
        }
    }
}

/// Every node's instability statistics (1e-8) and adjusted p-values (1e-4), relative.
fn same_tests(nodes: &[segments::tree::Node], want: &[Vec<String>]) {
    for w in want {
        let nd = nodes.iter().find(|n| n.id.to_string() == w[0]).unwrap();
        let t = nd.tests.iter().find(|t| t.variable == w[1]).unwrap();
        let (stat, p): (f64, f64) = (w[2].parse().unwrap(), w[3].parse().unwrap());
        assert!(
            close(t.statistic, stat, 1e-8),
            "node {} {}: stat {} vs {stat}",
            w[0],
            w[1],
            t.statistic
        );
        assert!(
            close(t.p_value, p, 1e-4),
            "node {} {}: p {} vs {p}",
            w[0],
            w[1],
            t.p_value
        );
    }
}

/// The whole chain at once against `mob()` with a fit returning the three equations'
/// stacked scores and summed Gaussian negative log-likelihoods: it finds the income split
/// (the satisfaction → share of wallet slope) and, among high incomes, the region split
/// (the revenue → profit slope) it was made with; every coefficient to 1e-8.
#[test]
fn chain_tree_matches_mob() {
    let df = profitchain::data::load::read(
        &data("reference/segments/chain_data.csv"),
        &Default::default(),
    )
    .unwrap();
    let by: Vec<String> = ["income", "tenure", "region"].map(String::from).to_vec();
    let opts = TreeOptions {
        minsize: Some(100),
        ..Default::default()
    };
    let r = segments::run(
        &df,
        "chain_data.csv",
        &segments::chain_formulas(&[]),
        &by,
        &opts,
    )
    .unwrap();
    assert!(r.chain);
    let nodes = &r.tree.nodes;
    same_nodes(nodes, &csv("chaintree_nodes.csv"), 0);
    for w in csv("chaintree_coef.csv") {
        let nd = nodes.iter().find(|n| n.id.to_string() == w[0]).unwrap();
        let k: usize = w[1].parse().unwrap();
        let est: f64 = w[2].parse().unwrap();
        let c = &nd.coefficients[k - 1];
        assert!(
            close(c.estimate, est, 1e-8),
            "node {} coefficient {k} ({} {}): {} vs {est}",
            w[0],
            c.equation,
            c.term,
            c.estimate
        );
    }
    same_tests(nodes, &csv("chaintree_tests.csv"));
    let objective: f64 = 10851.47;
    assert!(
        (r.tree.objective - objective).abs() < 0.01,
        "{}",
        r.tree.objective
    );
}

/// Post-pruning against partykit: lenient trees (alpha 0.5; the single equation
/// unadjusted, minsize 20) grow to 45 nodes (lmtree) and 13 (the whole chain) and prune by
/// AIC to 19 and by BIC to 5 — node for node the same ids, kinds and sizes as partykit's.
#[test]
fn pruning_matches_partykit() {
    let want = csv("pruned_nodes.csv");
    let check = |tag: &str, r: &segments::TreeResult| {
        let rows: Vec<&Vec<String>> = want.iter().filter(|w| w[0] == tag).collect();
        assert_eq!(r.tree.nodes.len(), rows.len(), "{tag}");
        for (nd, w) in r.tree.nodes.iter().zip(rows) {
            assert_eq!(nd.id.to_string(), w[1], "{tag}");
            assert_eq!(nd.leaf, w[2] == "leaf", "{tag} node {}", nd.id);
            assert_eq!(nd.n.to_string(), w[3], "{tag} node {}", nd.id);
        }
    };
    let read = |f: &str| {
        profitchain::data::load::read(
            &data(&format!("reference/segments/{f}")),
            &Default::default(),
        )
        .unwrap()
    };
    let (one, chain) = (read("tree_data.csv"), read("chain_data.csv"));
    let by: Vec<String> = ["tenure", "income", "age", "region", "channel"]
        .map(String::from)
        .to_vec();
    for (tag, prune) in [
        ("lmtree_none", None),
        ("lmtree_AIC", Some(Prune::Aic)),
        ("lmtree_BIC", Some(Prune::Bic)),
    ] {
        let opts = TreeOptions {
            minsize: Some(20),
            alpha: 0.5,
            bonferroni: false,
            prune,
            ..Default::default()
        };
        let f = ["share_of_wallet ~ satisfaction".to_string()];
        check(
            tag,
            &segments::run(&one, "tree_data.csv", &f, &by, &opts).unwrap(),
        );
    }
    let by: Vec<String> = ["income", "tenure", "region"].map(String::from).to_vec();
    for (tag, prune) in [("chain_none", None), ("chain_BIC", Some(Prune::Bic))] {
        let opts = TreeOptions {
            minsize: Some(100),
            alpha: 0.5,
            prune,
            ..Default::default()
        };
        let f = segments::chain_formulas(&[]);
        check(
            tag,
            &segments::run(&chain, "chain_data.csv", &f, &by, &opts).unwrap(),
        );
    }
}

/// The command line: the tree in text (as partykit prints it), JSON and CSV; the retail-bank
/// sample, where income and tenure moderate satisfaction → share of wallet, splits on them
/// and not on region; bad input stops with exit 2 and the fix, a one-valued variable warns.
#[test]
fn command_line_and_bad_input() {
    use crate::common::{bin, json_of};
    let data = data("reference/segments/tree_data.csv");
    let out = bin()
        .args(["segments", "--data"])
        .arg(&data)
        .args([
            "-f",
            "share_of_wallet ~ satisfaction",
            "--by",
            "tenure",
            "--by",
            "region",
        ])
        .args(["--minsize", "40"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for want in [
        "[2] tenure <= 10: n = 272",
        "[4] region in east, north: n = 285",
        "Number of terminal nodes: 3",
        "Objective function (residual sum of squares): 2.154614",
    ] {
        assert!(text.contains(want), "{want}\n{text}");
    }
    let bank = crate::common::data("../../notebooks-data/retail-bank/study.toml");
    let j = json_of(
        bin()
            .args(["segments", "--study"])
            .arg(&bank)
            .args(["-f", "share_of_wallet ~ satisfaction"])
            .args(["--by", "income_k", "--by", "tenure_years", "--by", "region"])
            .args(["--maxdepth", "3", "--format", "json"]),
    );
    let split: Vec<&str> = j["tree"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["split"]["variable"].as_str())
        .collect();
    assert!(
        split.contains(&"income_k") && split.contains(&"tenure_years"),
        "{split:?}"
    );
    assert!(!split.contains(&"region"), "{split:?}");
    let zh = bin()
        .args(["--lang", "zh", "segments", "--data"])
        .arg(&data)
        .args([
            "-f",
            "share_of_wallet ~ satisfaction",
            "--by",
            "tenure",
            "--minsize",
            "40",
        ])
        .output()
        .unwrap();
    let zh = String::from_utf8(zh.stdout).unwrap();
    assert!(zh.contains("线性模型树") && zh.contains("叶节点"), "{zh}");
    let fails = |extra: &[&str], want: &str| {
        let out = bin()
            .args(["segments", "--data"])
            .arg(&data)
            .args(["-f", "share_of_wallet ~ satisfaction"])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with("error:") && err.contains(want),
            "{extra:?}: {err}"
        );
        assert!(out.stdout.is_empty());
    };
    fails(&["--by", "tenure", "--minsize", "800"], "--minsize");
    fails(&["--by", "tenur"], "tenur");
    fails(&["--by", "tenure", "--alpha", "0"], "--alpha");
    let dir = tempfile::TempDir::new().unwrap();
    let one = crate::common::write(
        dir.path(),
        "one.csv",
        &(0..100).fold("x,y,z,e\n".to_string(), |s, i| {
            s + &format!("{i},{},1,\n", (i * 7 % 13) as f64 + 0.5 * i as f64)
        }),
    );
    let by = |col: &str| {
        bin()
            .args(["segments", "--data"])
            .arg(&one)
            .args(["-f", "y ~ x", "--by", col])
            .output()
            .unwrap()
    };
    let out = by("z");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("one value only"));
    let out = by("e");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no value at all"));
}

/// EM for a mixture of two regressions from flexmix's start (the `start` column), both run
/// to a 1e-12 relative change: log-likelihood, priors, coefficients and σ to 1e-5, BIC and
/// ICL, and every customer's posterior to 1e-5.
#[test]
fn mixture_matches_flexmix() {
    use profitchain::stats::mixture::{em, EmOptions};
    let rows: Vec<Vec<String>> = csv("mixture_data.csv");
    let n = rows.len();
    let mut x = ndarray::Array2::<f64>::ones((n, 2));
    let mut y = ndarray::Array1::<f64>::zeros(n);
    let mut start = vec![0; n];
    for (i, r) in rows.iter().enumerate() {
        x[[i, 1]] = r[1].parse().unwrap();
        y[i] = r[2].parse().unwrap();
        start[i] = r[3].parse::<usize>().unwrap() - 1;
    }
    let fit = em(
        &[(&x, &y)],
        None,
        &start,
        2,
        EmOptions {
            tolerance: 1e-12,
            max_iter: 5000,
        },
    )
    .unwrap();
    let want = Reference::read("flexmix_fit.csv");
    let near = |got: f64, key: &str, tol: f64| want.near(got, key, tol);
    near(fit.log_likelihood, "logLik", 1e-5);
    near(fit.bic, "BIC", 1e-5);
    near(fit.icl, "ICL", 1e-5);
    for j in 0..2 {
        let c = &fit.components[j];
        near(c.prior, &format!("prior_{}", j + 1), 1e-5);
        near(c.coefficients[0], &format!("intercept_{}", j + 1), 1e-5);
        near(c.coefficients[1], &format!("slope_{}", j + 1), 1e-5);
        near(c.sigma[0], &format!("sigma_{}", j + 1), 1e-5);
    }
    assert!(fit.converged);
    // The same EM path: flexmix stopped after 52 iterations.
    assert!(
        (fit.iterations as f64 - want["iterations"]).abs() <= 1.0,
        "{}",
        fit.iterations
    );
    for (i, r) in csv("flexmix_posterior.csv").iter().enumerate() {
        let p1: f64 = r[1].parse().unwrap();
        assert!((fit.posterior[i * 2] - p1).abs() < 1e-5, "row {i}");
    }
}

/// The chain's three equations as one mixture, against flexmix with a model per equation
/// from the same start: log-likelihood, BIC, priors, every coefficient and σ to 1e-5.
#[test]
fn chain_mixture_matches_flexmix() {
    use profitchain::stats::mixture::{em, EmOptions};
    let rows = csv("chain_data.csv");
    let n = rows.len();
    let col = |j: usize| -> Vec<f64> { rows.iter().map(|r| r[j].parse().unwrap()).collect() };
    let (sat, sow, rev, profit) = (col(1), col(5), col(6), col(7));
    let design = |cols: &[&Vec<f64>]| {
        ndarray::Array2::from_shape_fn((n, cols.len() + 1), |(i, j)| {
            if j == 0 {
                1.0
            } else {
                cols[j - 1][i]
            }
        })
    };
    let xs = [
        design(&[&sat]),
        design(&[&sat, &sow]),
        design(&[&sat, &sow, &rev]),
    ];
    let ys = [sow.clone(), rev.clone(), profit].map(ndarray::Array1::from);
    let eqs: Vec<_> = xs.iter().zip(&ys).collect();
    let start: Vec<usize> = csv("chainmix_start.csv")
        .iter()
        .map(|r| r[1].parse::<usize>().unwrap() - 1)
        .collect();
    let opts = EmOptions {
        tolerance: 1e-12,
        max_iter: 5000,
    };
    let fit = em(&eqs, None, &start, 2, opts).unwrap();
    let want = Reference::read("chainmix_fit.csv");
    let near = |got: f64, key: &str| want.near(got, key, 1e-5);
    near(fit.log_likelihood, "logLik");
    near(fit.bic, "BIC");
    for (j, c) in fit.components.iter().enumerate() {
        near(c.prior, &format!("prior_{}", j + 1));
        let mut t = 0;
        for (e, p) in [2, 3, 4].iter().enumerate() {
            for k in 0..*p {
                near(
                    c.coefficients[t],
                    &format!("c{}_e{}_{}", j + 1, e + 1, k + 1),
                );
                t += 1;
            }
            near(c.sigma[e], &format!("c{}_e{}_{}", j + 1, e + 1, p + 1));
        }
    }
}

/// Concomitant variables against flexmix's `FLXPmultinom(~ tenure + income)` from the same
/// start (both to a 1e-12 relative change): log-likelihood, BIC, the regressions' coefficients
/// and σ to 1e-5, the membership model's coefficients (class 2 against class 1) to 1e-3
/// (nnet's own convergence inside flexmix's M-step bounds the agreement: the log-likelihood
/// here is at least flexmix's); and through the
/// command line, the classes ordered by size with the largest the reference.
#[test]
fn concomitant_matches_flexmix() {
    use profitchain::stats::mixture::{em, EmOptions};
    let rows = csv("concomitant_data.csv");
    let n = rows.len();
    let col = |j: usize| -> Vec<f64> { rows.iter().map(|r| r[j].parse().unwrap()).collect() };
    let (sat, tenure, income, sow) = (col(1), col(2), col(3), col(4));
    let x = ndarray::Array2::from_shape_fn((n, 2), |(i, j)| if j == 0 { 1.0 } else { sat[i] });
    let z = ndarray::Array2::from_shape_fn((n, 3), |(i, j)| match j {
        0 => 1.0,
        1 => tenure[i],
        _ => income[i],
    });
    let y = ndarray::Array1::from(sow);
    let start: Vec<usize> = rows
        .iter()
        .map(|r| r[5].parse::<usize>().unwrap() - 1)
        .collect();
    let opts = EmOptions {
        tolerance: 1e-12,
        max_iter: 5000,
    };
    let fit = em(&[(&x, &y)], Some(&z), &start, 2, opts).unwrap();
    let want = Reference::read("concomitant_fit.csv");
    let near = |got: f64, key: &str, tol: f64| want.near(got, key, tol);
    near(fit.log_likelihood, "logLik", 1e-5);
    near(fit.bic, "BIC", 1e-5);
    for (j, c) in fit.components.iter().enumerate() {
        near(c.coefficients[0], &format!("intercept_{}", j + 1), 1e-5);
        near(c.coefficients[1], &format!("slope_{}", j + 1), 1e-5);
        near(c.sigma[0], &format!("sigma_{}", j + 1), 1e-5);
    }
    let g = fit.concomitant.as_ref().unwrap();
    assert_eq!(g[0], vec![0.0; 3]);
    for (t, name) in ["intercept", "tenure", "income"].iter().enumerate() {
        near(g[1][t], &format!("gamma2_{name}"), 1e-3);
    }
    // The membership model is solved exactly (Newton) where flexmix's nnet stops at its
    // relative tolerance: the fixed point here is at least as likely as flexmix's.
    assert!(
        fit.log_likelihood >= want["logLik"] - 1e-9,
        "{} vs {}",
        fit.log_likelihood,
        want["logLik"]
    );
    // The command line: two classes, the largest first and the reference.
    let j = crate::common::json_of(
        crate::common::bin()
            .args(["segments", "--data"])
            .arg(data("reference/segments/concomitant_data.csv"))
            .args(["-f", "share_of_wallet ~ satisfaction", "--classes", "2"])
            .args(["--concomitant", "tenure", "--concomitant", "income"])
            .args(["--format", "json"]),
    );
    let fit = &j["fits"][0]["fit"];
    assert_eq!(j["concomitant_terms"][1], "tenure");
    let g1 = &fit["concomitant"][1];
    // Class 2 (the smaller) is the generating class 2: more likely with tenure.
    assert!(g1[1].as_f64().unwrap() > 0.1, "{g1}");
    let ll = fit["log_likelihood"].as_f64().unwrap();
    assert!((ll - want["logLik"]).abs() < 1e-3, "{ll}");
}

/// The command line's mixture: BIC over 1–4 classes picks the 2 the data were made with,
/// the classes ordered by size recover the generating equations (0.2 + 0.05·s for 60%,
/// 0.5 − 0.01·s for 40%), the same output on a second run; bad class counts stop.
#[test]
fn mixture_command_line_recovers_the_classes() {
    use crate::common::{bin, json_of};
    let data = data("reference/segments/mixture_data.csv");
    let run = || {
        json_of(
            bin()
                .args(["segments", "--data"])
                .arg(&data)
                .args(["-f", "share_of_wallet ~ satisfaction", "--classes", "1-4"])
                .args(["--format", "json"]),
        )
    };
    let j = run();
    assert_eq!(j["chosen"], 2);
    assert_eq!(j, run());
    let two = j["fits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["k"] == 2)
        .unwrap();
    let c = two["fit"]["components"].as_array().unwrap();
    let coef = |j: usize, t: usize| c[j]["coefficients"][t].as_f64().unwrap();
    assert!((coef(0, 0) - 0.2).abs() < 0.02 && (coef(0, 1) - 0.05).abs() < 0.005);
    assert!((coef(1, 0) - 0.5).abs() < 0.03 && (coef(1, 1) + 0.01).abs() < 0.005);
    let share = c[0]["prior"].as_f64().unwrap();
    assert!((share - 0.6).abs() < 0.06, "{share}");
    let zh = bin()
        .args(["--lang", "zh", "segments", "--data"])
        .arg(&data)
        .args(["-f", "share_of_wallet ~ satisfaction", "--classes", "2"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&zh.stdout).contains("潜在类别是估计结果"));
    for bad in ["0", "3-1", "two", "400"] {
        let out = bin()
            .args(["segments", "--data"])
            .arg(&data)
            .args(["-f", "share_of_wallet ~ satisfaction", "--classes", bad])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).starts_with("error:"));
    }
}
