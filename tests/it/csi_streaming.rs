//! `csi --streaming`: the PLS model from the items' sums and the hash-block bootstrap from
//! the blocks' cross-products equal the in-memory `csi` (with `--resampling blocks`), from
//! one file or parts, on any number of threads; missing values are handled as in memory;
//! bad input stops with the row named; what a stream cannot do is refused.

use polars::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde_json::Value;

use crate::common::{agree, bin, data};

/// ECSI's model (the mobi items) on a 1–10 scale.
fn model() -> std::path::PathBuf {
    data("reference/pls/ecsi_model.toml")
}

/// Blocks of the ECSI model, in the model file's order.
const BLOCKS: [(&str, &[&str]); 7] = [
    ("Image", &["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"]),
    ("Expectation", &["CUEX1", "CUEX2", "CUEX3"]),
    (
        "Quality",
        &[
            "PERQ1", "PERQ2", "PERQ3", "PERQ4", "PERQ5", "PERQ6", "PERQ7",
        ],
    ),
    ("Value", &["PERV1", "PERV2"]),
    ("Satisfaction", &["CUSA1", "CUSA2", "CUSA3"]),
    ("Complaints", &["CUSCO"]),
    ("Loyalty", &["CUSL1", "CUSL2", "CUSL3"]),
];

/// `n` simulated respondents (id `R…`) of the ECSI structure: latent constructs from
/// known paths, each item a rounded 1–10 rating of its construct plus noise; every 97th
/// respondent skips CUSL2 when `gaps`.
fn survey(n: usize, seed: u64, gaps: bool) -> DataFrame {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let z = Normal::new(0.0, 1.0).unwrap();
    let mut cols: Vec<Vec<Option<f64>>> = (0..24).map(|_| Vec::with_capacity(n)).collect();
    for r in 0..n {
        let mut e = || z.sample(&mut rng);
        let image = e();
        let expect = 0.5 * image + 0.85 * e();
        let quality = 0.6 * expect + 0.8 * e();
        let value = 0.5 * quality + 0.2 * expect + 0.8 * e();
        let sat = 0.2 * image + 0.45 * quality + 0.25 * value + 0.7 * e();
        let compl = 0.5 * sat + 0.85 * e();
        let loyal = 0.45 * sat + 0.2 * image + 0.1 * compl + 0.8 * e();
        let latent = [image, expect, quality, value, sat, compl, loyal];
        let mut k = 0;
        for ((_, items), l) in BLOCKS.iter().zip(latent) {
            for item in items.iter() {
                let v: f64 = (6.5_f64 + 1.6 * (0.8 * l + 0.6 * e()))
                    .round()
                    .clamp(1.0, 10.0);
                let skip = gaps && *item == "CUSL2" && r % 97 == 5;
                cols[k].push((!skip).then_some(v));
                k += 1;
            }
        }
    }
    let mut out = vec![Column::new(
        "id".into(),
        (0..n).map(|i| format!("R{i:06}")).collect::<Vec<_>>(),
    )];
    let names = BLOCKS.iter().flat_map(|(_, items)| items.iter());
    for (name, c) in names.zip(cols) {
        out.push(Column::new((*name).into(), c));
    }
    DataFrame::new_infer_height(out).unwrap()
}

fn parquet(dir: &std::path::Path, name: &str, df: &mut DataFrame) -> std::path::PathBuf {
    let p = dir.join(name);
    ParquetWriter::new(std::fs::File::create(&p).unwrap())
        .finish(df)
        .unwrap();
    p
}

fn csi(data: &std::path::Path, extra: &[&str]) -> Value {
    crate::common::json_of(
        bin()
            .args(["csi", "--data"])
            .arg(data)
            .arg("--model")
            .arg(model())
            .args(extra)
            .args(["--format", "json"]),
    )
}

/// Keys that differ by design: the options (streaming is not a flag of the result), the
/// audit's diagnostics and the warnings.
const SKIP: [&str; 3] = ["options", "diagnostics", "warnings"];

/// 20,000 respondents: every path, total effect, weight, loading, HTMT and their bootstrap
/// intervals (hash blocks, BCa from the group jackknife), the reliabilities, indices and
/// the IPMA of the streamed model equal the in-memory model with `--resampling blocks` to
/// 1e-9; a folder of seven Parquet parts and a pattern of CSV parts give the same numbers.
#[test]
fn streamed_csi_equals_the_in_memory_csi() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut df = survey(20_000, 11, false);
    let file = parquet(dir.path(), "survey.parquet", &mut df);
    let args = ["--respondent", "id", "--bootstrap", "300"];
    let mut memory_args = args.to_vec();
    memory_args.extend(["--resampling", "blocks"]);
    let memory = csi(&file, &memory_args);
    let mut streamed_args = args.to_vec();
    streamed_args.push("--streaming");
    let streamed = csi(&file, &streamed_args);
    let n = agree(&memory, &streamed, "", 1e-9, &SKIP);
    assert!(n > 500, "{n} numbers compared");
    assert_eq!(streamed["resampled_groups"], 1000);
    assert_eq!(streamed["n"], 20_000);
    // The paths recover the simulated structure's signs and order.
    let path = |v: &Value, from: &str, to: &str| {
        v["paths"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["from"] == from && p["to"] == to)
            .unwrap()["interval"]
            .clone()
    };
    let q = path(&streamed, "Quality", "Satisfaction");
    assert!(q["estimate"].as_f64().unwrap() > 0.3, "{q}");
    assert!(q["ci_low"].as_f64().unwrap() > 0.0 && q["bca_low"].as_f64().unwrap() > 0.0);

    // Parts: seven Parquet files in a folder, seven CSV files by a pattern.
    let (folder, csv) = (dir.path().join("parts"), dir.path().join("csv"));
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::create_dir_all(&csv).unwrap();
    let size = df.height().div_ceil(7);
    for i in 0..7 {
        let mut part = df.slice((i * size) as i64, size);
        parquet(&folder, &format!("p{i}.parquet"), &mut part);
        CsvWriter::new(std::fs::File::create(csv.join(format!("p{i}.csv"))).unwrap())
            .finish(&mut part)
            .unwrap();
    }
    let parts = csi(&folder, &streamed_args);
    assert_eq!(parts["paths"], streamed["paths"]);
    assert_eq!(parts["constructs"], streamed["constructs"]);
    let from_csv = csi(&csv.join("p*.csv"), &streamed_args);
    agree(&from_csv, &streamed, "", 1e-12, &SKIP);
}

/// Without a bootstrap the streamed model equals the in-memory model on the ECSI sample
/// (250 respondents), casewise and with mean replacement of missing items, and PLSc too.
#[test]
fn streamed_point_estimates_equal_in_memory_ones_with_missing_items() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut df = survey(3_000, 5, true);
    let file = parquet(dir.path(), "gaps.parquet", &mut df);
    for extra in [
        vec!["--missing", "casewise"],
        vec!["--missing", "mean"],
        vec!["--consistent"],
    ] {
        let mut a = vec!["--bootstrap", "0"];
        a.extend(&extra);
        let memory = csi(&file, &a);
        a.push("--streaming");
        let streamed = csi(&file, &a);
        let n = agree(&memory, &streamed, "", 1e-10, &SKIP);
        assert!(n > 300, "{extra:?}: {n}");
        assert_eq!(memory["missing_handled"], streamed["missing_handled"]);
        assert!(
            streamed["missing_handled"].as_u64().unwrap() > 20,
            "{extra:?}"
        );
    }
    let mobi = data("reference/pls/mobi.csv");
    let memory = csi(&mobi, &["--bootstrap", "0"]);
    let streamed = csi(&mobi, &["--bootstrap", "0", "--streaming"]);
    agree(&memory, &streamed, "", 1e-10, &SKIP);
}

/// Same input and seed, same bytes, with one thread or eight.
#[test]
fn streamed_csi_is_reproducible_across_thread_counts() {
    let dir = tempfile::TempDir::new().unwrap();
    let file = parquet(dir.path(), "s.parquet", &mut survey(12_000, 3, true));
    let run = |threads: &str| {
        bin()
            .env("POLARS_MAX_THREADS", threads)
            .env("RAYON_NUM_THREADS", threads)
            .args(["csi", "--streaming", "--data"])
            .arg(&file)
            .arg("--model")
            .arg(model())
            .args([
                "--respondent",
                "id",
                "--bootstrap",
                "200",
                "--format",
                "json",
            ])
            .output()
            .unwrap()
    };
    let (one, eight) = (run("1"), run("8"));
    assert!(
        one.status.success(),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    assert_eq!(one.stdout, eight.stdout);
}

/// A value outside the declared scale stops with its row; a declared non-answer code is
/// read as missing; a bootstrap needs an id and 10,000 respondents; --by is refused.
#[test]
fn streamed_csi_stops_on_bad_input_with_the_row_named() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut df = survey(500, 9, false);
    let mut bad = df.clone();
    let col = bad.column("CUSA2").unwrap().f64().unwrap().clone();
    let vals: Vec<Option<f64>> = col
        .iter()
        .enumerate()
        .map(|(i, v)| if i == 41 { Some(99.0) } else { v })
        .collect();
    bad.with_column(Column::new("CUSA2".into(), vals)).unwrap();
    let bad = parquet(dir.path(), "bad.parquet", &mut bad);
    let fail = |file: &std::path::Path, extra: &[&str]| -> String {
        let out = bin()
            .args(["csi", "--streaming", "--data"])
            .arg(file)
            .arg("--model")
            .arg(model())
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let e = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(e.starts_with("error:"), "{e}");
        e
    };
    let e = fail(&bad, &["--bootstrap", "0"]);
    assert!(
        e.contains("row 42") && e.contains("CUSA2") && e.contains("99"),
        "{e}"
    );
    // 99 declared a non-answer code: the respondent is left out casewise.
    let ok = csi(
        &bad,
        &["--bootstrap", "0", "--streaming", "--missing-codes", "99"],
    );
    assert_eq!(ok["n"], 499);
    assert_eq!(ok["missing_handled"], 1);
    let good = parquet(dir.path(), "good.parquet", &mut df);
    let e = fail(&good, &["--bootstrap", "100"]);
    assert!(e.contains("--respondent"), "{e}");
    let e = fail(&good, &["--bootstrap", "100", "--respondent", "id"]);
    assert!(
        e.contains("10000") && e.contains("without --streaming"),
        "{e}"
    );
    let e = fail(&good, &["--bootstrap", "0", "--by", "CUSCO"]);
    assert!(e.contains("--by"), "{e}");
    let e = fail(&good, &["--bootstrap", "0", "--respondent", "nope"]);
    assert!(e.contains("nope"), "{e}");
}
