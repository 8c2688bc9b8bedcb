//! Issue #23 (scale): `chain --streaming` gives the in-memory chain's results (with the
//! hash-block bootstrap) from sums, counts what the builder counts, does not depend on
//! how the table is split into files or batches, and refuses what a stream cannot give.

use polars::prelude::*;
use serde_json::Value;

use crate::common::{bin, write};

/// A built customer table of `customers` simulated brokerage clients, as Parquet.
fn customers(dir: &std::path::Path, customers: usize) -> std::path::PathBuf {
    let sim_dir = dir.join("sim");
    let mut sim = profitchain::data::simulate::simulate("brokerage", 23, Some(customers)).unwrap();
    profitchain::data::simulate::write(&mut sim, &sim_dir).unwrap();
    let study = profitchain::data::Study::from_file(&sim_dir.join("study.toml")).unwrap();
    let mut df = profitchain::analysis::study::build(&study)
        .unwrap()
        .table
        .df;
    let path = dir.join("customers.parquet");
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut df)
        .unwrap();
    path
}

const ROLES: [&str; 10] = [
    "--id",
    "client_id",
    "--satisfaction",
    "satisfaction",
    "--sow",
    "share_of_wallet",
    "--revenue",
    "revenue",
    "--profit",
    "profit",
];

fn chain(data: &std::path::Path, extra: &[&str]) -> Value {
    let out = bin()
        .args(["chain", "--data"])
        .arg(data)
        .args(ROLES)
        .args(["--covariate", "tenure_years", "--bootstrap", "1000"])
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Keys whose values differ by design between the in-memory and the streamed chain.
const SKIP: [&str; 6] = [
    "durbin_watson",
    "influential",
    "solver",
    "warnings",
    "options",
    "diagnostics_rows",
];

fn agree(a: &Value, b: &Value, path: &str, tol: f64) -> usize {
    crate::common::agree(a, b, path, tol, &SKIP)
}

/// At 60,000 customers (all + 2 segments, a covariate): the streamed chain equals the
/// in-memory chain with `--resampling blocks` — coefficients, SEs, p-values, R², the
/// robust diagnostics, correlations, Sobel tests, every bootstrap interval, the Chow
/// tests and the segment comparisons — to 1e-8; and one Parquet file, seven Parquet
/// parts in a folder and a pattern of CSV parts give the same results, byte for byte
/// where the rows come in the same order.
#[test]
fn streamed_chain_equals_the_in_memory_chain() {
    let dir = tempfile::TempDir::new().unwrap();
    let file = customers(dir.path(), 60_000);
    let memory = chain(&file, &["--resampling", "blocks"]);
    let streamed = chain(&file, &["--streaming"]);
    let n = agree(&memory["segments"], &streamed["segments"], "", 1e-8);
    assert!(n > 1000, "{n} numbers compared");
    agree(&memory["comparisons"], &streamed["comparisons"], "", 1e-8);
    assert_eq!(memory["summary"], streamed["summary"]);
    assert_eq!(streamed["options"]["resampling"], "blocks");
    for s in streamed["segments"].as_array().unwrap() {
        assert_eq!(s["mediation"]["resampled_groups"], 1000);
        let m = &s["regressions"][0];
        assert!(m["diagnostics"]["durbin_watson"].is_null());
        // The most influential customers are named by their ids.
        let first = m["diagnostics"]["influential"][0]["row"].as_str().unwrap();
        assert!(first.starts_with('B'), "{first}");
    }
    let (dm, ds) = (&memory["diagnostics"], &streamed["diagnostics"]);
    for k in ["customers", "customers_read", "segments", "dropped"] {
        assert_eq!(dm[k], ds[k], "{k}");
    }
    assert!(ds["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap().contains("read with --streaming")));

    // The same table in seven Parquet parts (a folder) and as CSV parts (a pattern).
    let whole = ParquetReader::new(std::fs::File::open(&file).unwrap())
        .finish()
        .unwrap();
    let (folder, csv) = (dir.path().join("parts"), dir.path().join("csv"));
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::create_dir_all(&csv).unwrap();
    let size = whole.height().div_ceil(7);
    for i in 0..7 {
        let mut part = whole.slice((i * size) as i64, size);
        ParquetWriter::new(std::fs::File::create(folder.join(format!("p{i}.parquet"))).unwrap())
            .finish(&mut part)
            .unwrap();
        CsvWriter::new(std::fs::File::create(csv.join(format!("p{i}.csv"))).unwrap())
            .finish(&mut part)
            .unwrap();
    }
    let parts = chain(&folder, &["--streaming"]);
    assert_eq!(parts["segments"], streamed["segments"]);
    assert_eq!(parts["comparisons"], streamed["comparisons"]);
    let from_csv = chain(&csv.join("p*.csv"), &["--streaming"]);
    agree(&from_csv["segments"], &streamed["segments"], "", 1e-12);
}

/// Same input and seed, same bytes, with one thread or eight.
#[test]
fn streamed_chain_is_reproducible_across_thread_counts() {
    let dir = tempfile::TempDir::new().unwrap();
    let file = customers(dir.path(), 30_000);
    let run = |threads: &str| {
        bin()
            .env("POLARS_MAX_THREADS", threads)
            .env("RAYON_NUM_THREADS", threads)
            .args(["chain", "--streaming", "--data"])
            .arg(&file)
            .args(ROLES)
            .args(["--bootstrap", "500", "--format", "json"])
            .output()
            .unwrap()
    };
    let (one, eight) = (run("1"), run("8"));
    assert!(one.status.success());
    assert_eq!(one.stdout, eight.stdout);
    // regress --streaming likewise.
    let regress = |threads: &str| {
        bin()
            .env("POLARS_MAX_THREADS", threads)
            .args(["regress", "--streaming", "--data"])
            .arg(&file)
            .args([
                "--formula",
                "profit ~ revenue + satisfaction",
                "--by",
                "segment",
            ])
            .args(["--se", "hc3", "--id", "client_id", "--format", "json"])
            .output()
            .unwrap()
    };
    let (one, eight) = (regress("1"), regress("8"));
    assert!(one.status.success());
    assert_eq!(one.stdout, eight.stdout);
}

/// Missing ids, missing values and impossible values are counted as the builder counts
/// them (the same stages, reasons, counts and example ids); repeated ids and shares of
/// wallet above 1 stop with the builder's errors; what a stream cannot do is refused.
#[test]
fn streamed_build_counts_and_stops_as_the_builder_does() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut rows = String::from("client_id,satisfaction,share_of_wallet,revenue,profit\n");
    for i in 0..300 {
        let sat = (i % 10 + 1) as f64;
        let sow = 0.1 + 0.002 * i as f64;
        let rev = 100.0 + 3.0 * i as f64 + sat + ((i * 7) % 13) as f64;
        let profit = if i % 3 == 0 { -5.0 - sat } else { 0.2 * rev };
        let line = match i {
            7 => format!(",{sat},{sow},{rev},{profit}\n"),
            11 | 250 => format!("C{i:04},,{sow},{rev},{profit}\n"),
            40 => format!("C{i:04},{sat},{sow},,{profit}\n"),
            41 => format!("C{i:04},{sat},{sow},NaN,{profit}\n"),
            _ => format!("C{i:04},{sat},{sow},{rev},{profit}\n"),
        };
        rows.push_str(&line);
    }
    let file = write(dir.path(), "messy.csv", &rows);
    let diag = |extra: &[&str]| -> Value {
        let out = bin()
            .args(["chain", "--data"])
            .arg(&file)
            .args(ROLES)
            .args(["--bootstrap", "0", "--format", "json"])
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["diagnostics"].clone()
    };
    let (memory, streamed) = (diag(&[]), diag(&["--streaming"]));
    for k in ["customers", "customers_read", "segments", "dropped"] {
        assert_eq!(memory[k], streamed[k], "{k}");
    }
    assert_eq!(streamed["customers"], 295);
    assert_eq!(streamed["dropped"].as_array().unwrap().len(), 3);

    // A repeated id, and a share of wallet above 1: the builder's errors, exit 2.
    let fail = |text: &str, extra: &[&str]| {
        let f = write(dir.path(), "bad.csv", text);
        let out = bin()
            .args(["chain", "--streaming", "--data"])
            .arg(&f)
            .args(ROLES)
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    let e = fail(
        &format!("{rows}C0012,5,0.3,300,60\n"),
        &["--bootstrap", "0"],
    );
    assert!(e.starts_with("error:") && e.contains("'C0012'"), "{e}");
    let e = fail(&format!("{rows}C9999,5,50,300,60\n"), &["--bootstrap", "0"]);
    assert!(e.contains("share of wallet must be a fraction"), "{e}");
    let e = fail(&rows, &["--spearman", "--bootstrap", "0"]);
    assert!(
        e.contains("--spearman") && e.contains("without --streaming"),
        "{e}"
    );
    // The bootstrap on a stream resamples hash blocks: too few customers is an error.
    let e = fail(&rows, &["--bootstrap", "100"]);
    assert!(e.contains("at least 10000"), "{e}");
}
