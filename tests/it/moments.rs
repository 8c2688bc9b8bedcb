//! Issue #23: regressions from additive sums (two passes that add over any split of the
//! rows, as Spark's partitions or a stream's batches compute them) equal the in-memory QR
//! fit: every coefficient, standard error of every covariance type, R², F, the
//! log-likelihood, VIFs, the condition number, Breusch–Pagan, Jarque–Bera and the most
//! influential rows — on the simulated brokerage customers, split 1, 7 and 64 ways.

use profitchain::stats::moments::{MomentFit, Residuals, Sums};
use profitchain::stats::{model_frame, CovType, Formula, OlsFit, RegressionResult};

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(b.abs()).max(1.0)
}

fn same(a: &RegressionResult, b: &RegressionResult, tol: f64) {
    assert_eq!(a.n, b.n);
    for (x, y) in a.terms.iter().zip(&b.terms) {
        assert_eq!(x.term, y.term);
        for (u, v, what) in [
            (x.estimate, y.estimate, "estimate"),
            (x.std_error, y.std_error, "SE"),
            (x.statistic, y.statistic, "t"),
            (x.p_value, y.p_value, "p"),
            (x.ci_low, y.ci_low, "ci"),
            (x.beta.unwrap_or(0.0), y.beta.unwrap_or(0.0), "beta"),
        ] {
            assert!(
                close(u, v, tol),
                "{} {what} ({}): {u} vs {v}",
                x.term,
                a.se_type
            );
        }
    }
    for (u, v, what) in [
        (a.r_squared, b.r_squared, "R2"),
        (a.adj_r_squared, b.adj_r_squared, "adj R2"),
        (a.f_statistic, b.f_statistic, "F"),
        (a.log_likelihood, b.log_likelihood, "llf"),
        (a.aic, b.aic, "AIC"),
        (a.residual_std_error, b.residual_std_error, "sigma"),
        (
            a.diagnostics.breusch_pagan.statistic,
            b.diagnostics.breusch_pagan.statistic,
            "BP",
        ),
        (
            a.diagnostics.jarque_bera.statistic,
            b.diagnostics.jarque_bera.statistic,
            "JB",
        ),
        (a.diagnostics.skew, b.diagnostics.skew, "skew"),
        (a.diagnostics.kurtosis, b.diagnostics.kurtosis, "kurtosis"),
    ] {
        assert!(close(u, v, tol), "{what} ({}): {u} vs {v}", a.se_type);
    }
    // The condition number comes from XᵀX's eigenvalues, whose smallest carries a relative
    // error of about cond²·ε (here 1e-7): a diagnostic read to a few digits.
    assert!(
        close(a.condition_number, b.condition_number, 1e-6),
        "cond: {} vs {}",
        a.condition_number,
        b.condition_number
    );
    for ((n1, v1), (n2, v2)) in a.diagnostics.vif.iter().zip(&b.diagnostics.vif) {
        assert_eq!(n1, n2);
        assert!(close(*v1, *v2, tol), "VIF {n1}: {v1} vs {v2}");
    }
    let rows = |r: &RegressionResult| -> Vec<String> {
        r.diagnostics
            .influential
            .iter()
            .map(|i| i.row.clone())
            .collect()
    };
    assert_eq!(rows(a), rows(b));
    for (x, y) in a
        .diagnostics
        .influential
        .iter()
        .zip(&b.diagnostics.influential)
    {
        assert!(close(x.cooks_distance, y.cooks_distance, tol));
        assert!(close(x.leverage, y.leverage, tol));
    }
}

#[test]
fn regressions_from_sums_split_any_way_equal_the_qr_fit() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut sim = profitchain::data::simulate::simulate("brokerage", 5, Some(5_000)).unwrap();
    profitchain::data::simulate::write(&mut sim, dir.path()).unwrap();
    let study = profitchain::data::Study::from_file(&dir.path().join("study.toml")).unwrap();
    let table = profitchain::analysis::study::build(&study).unwrap().table;
    let f = "profit ~ satisfaction + share_of_wallet + revenue + I(satisfaction ** 2)";
    let formula = Formula::parse(f).unwrap();
    let frame = model_frame(&formula, &table.df, "customers").unwrap();
    let design = &frame.design;
    let fit = OlsFit::fit(design).unwrap();
    let n = design.y.len();
    let q = design.x.ncols() - 1;
    // Rows of (regressors without the intercept, response), labelled 1..n as the QR path
    // labels rows without ids.
    let rows: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            let mut r: Vec<f64> = (1..=q).map(|j| design.x[[i, j]]).collect();
            r.push(design.y[i]);
            r
        })
        .collect();
    // A rough shift: the first row (any constant will do; a mean keeps the sums small).
    let shift = rows[0].clone();
    let names: Vec<String> = design.names[1..].to_vec();
    for k in [1usize, 7, 64] {
        let mut sums = Sums {
            shift: shift.clone(),
            sum: vec![0.0; q + 1],
            cross: vec![vec![0.0; q + 1]; q + 1],
            n: 0.0,
        };
        for part in 0..k {
            let s = Sums::of_rows((part..n).step_by(k).map(|i| rows[i].as_slice()), &shift);
            sums.add(&s).unwrap();
        }
        let mf = MomentFit::fit(&sums, &names, &design.y_name, true).unwrap();
        let mut res = Residuals::default();
        for part in 0..k {
            let r = mf
                .residuals(
                    (part..n)
                        .step_by(k)
                        .map(|i| (rows[i].as_slice(), (i + 1).to_string())),
                )
                .unwrap();
            if part == 0 {
                res = r;
            } else {
                res.add(&r);
            }
        }
        for cov in [
            CovType::Nonrobust,
            CovType::HC0,
            CovType::HC1,
            CovType::HC2,
            CovType::HC3,
        ] {
            let want = RegressionResult::new(&fit, cov, 0.95, f, "all", None).unwrap();
            let got = RegressionResult::from_moments(&mf, &res, cov, 0.95, f, "all").unwrap();
            same(&got, &want, 1e-9);
            assert!(got.diagnostics.durbin_watson.is_nan());
            assert!(got
                .warnings
                .iter()
                .any(|w| w.contains("Durbin-Watson not computed")));
        }
    }
}

/// A constant regressor is named, not a NaN table.
#[test]
fn a_constant_regressor_is_named() {
    let rows: Vec<Vec<f64>> = (0..20).map(|i| vec![3.0, f64::from(i)]).collect();
    let s = Sums::of_rows(rows.iter().map(Vec::as_slice), &[0.0, 0.0]);
    let err = MomentFit::fit(&s, &["x".to_string()], "y", true).unwrap_err();
    assert!(err.to_string().contains("'x' is constant"), "{err}");
}

/// `regress --by` on a table cut into parts (rows dealt out as Spark or a stream would),
/// each part's design built by the formula code, merged and finished in two passes:
/// the one-machine models, group by group, influential rows named by the id.
#[test]
fn regress_in_parts_equals_regress_on_the_whole_table() {
    use profitchain::analysis::regress::{self, RegressOptions};
    use profitchain::analysis::regress_parts as parts;
    let dir = tempfile::TempDir::new().unwrap();
    let mut sim = profitchain::data::simulate::simulate("brokerage", 9, Some(3_000)).unwrap();
    profitchain::data::simulate::write(&mut sim, dir.path()).unwrap();
    let study = profitchain::data::Study::from_file(&dir.path().join("study.toml")).unwrap();
    let table = profitchain::analysis::study::build(&study).unwrap().table;
    let df = table.df.clone();
    let formula = "revenue ~ satisfaction + share_of_wallet + log(tenure_years + 1)";
    for se in [CovType::Nonrobust, CovType::HC3] {
        let opts = RegressOptions {
            formula: formula.into(),
            by: Some("segment".into()),
            se,
            confidence: 0.95,
            id: Some(table.id.clone()),
        };
        let want = regress::regress(&df, "customers", &opts).unwrap();
        for k in [1usize, 7, 64] {
            let n = df.height();
            let chunk = n.div_ceil(k);
            let slices: Vec<_> = (0..k)
                .map(|i| df.slice((i * chunk) as i64, chunk))
                .filter(|s| s.height() > 0)
                .collect();
            let mut p1 = Vec::new();
            for s in &slices {
                p1.extend(parts::part_sums(s, formula, Some("segment")).unwrap());
            }
            let merged = parts::merge(p1).unwrap();
            let mut p2 = Vec::new();
            for s in &slices {
                p2.extend(
                    parts::part_residuals(s, formula, Some("segment"), Some(&table.id), &merged)
                        .unwrap(),
                );
            }
            let got = parts::finish(&merged, p2, &opts).unwrap();
            assert_eq!(got.models.len(), want.models.len());
            for (g, w) in got.models.iter().zip(&want.models) {
                assert_eq!(g.group, w.group);
                same(g, w, 1e-9);
            }
        }
    }
}
