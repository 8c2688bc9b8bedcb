//! One table in many files: a hive-partitioned folder of Parquet (as Spark and warehouses
//! export it), a glob of Parquet parts, a glob of CSV parts — each read as the single file
//! it was cut from, in every command; and the mistakes such folders invite, named.

use std::path::Path;

use polars::prelude::*;
use serde_json::Value;

use crate::common::{bin, write};

/// y = 1 + 2x + noise in two regions, as one CSV.
fn table() -> DataFrame {
    let n = 400;
    let x: Vec<f64> = (0..n).map(|i| f64::from(i % 37) * 0.5).collect();
    let y: Vec<f64> = (0..n)
        .map(|i| 1.0 + 2.0 * x[i as usize] + f64::from((i * 7919) % 13) * 0.1)
        .collect();
    let region: Vec<&str> = (0..n)
        .map(|i| if i % 3 == 0 { "North" } else { "South" })
        .collect();
    df!("x" => x, "y" => y, "region" => region).unwrap()
}

fn regress(data: &Path) -> Value {
    regress_with(data, &[])
}

fn regress_with(data: &Path, extra: &[&str]) -> Value {
    let out = bin()
        .args([
            "regress",
            "--formula",
            "y ~ x",
            "--by",
            "region",
            "--format",
            "json",
            "--data",
        ])
        .arg(data)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        data.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn coefficients(v: &Value) -> Vec<(String, usize, f64, f64)> {
    v["models"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| {
            m["terms"].as_array().unwrap().iter().map(move |t| {
                (
                    m["group"].as_str().unwrap().to_string(),
                    m["n"].as_u64().unwrap() as usize,
                    t["estimate"].as_f64().unwrap(),
                    t["std_error"].as_f64().unwrap(),
                )
            })
        })
        .collect()
}

#[test]
fn a_hive_folder_and_globs_of_parts_read_as_the_single_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut whole = table();
    let single = dir.path().join("whole.csv");
    CsvWriter::new(std::fs::File::create(&single).unwrap())
        .finish(&mut whole)
        .unwrap();
    // region=North/part.parquet, region=South/part.parquet, and Spark's _SUCCESS marker.
    let hive = dir.path().join("hive");
    for region in ["North", "South"] {
        let sub = hive.join(format!("region={region}"));
        std::fs::create_dir_all(&sub).unwrap();
        let mut part = whole
            .clone()
            .lazy()
            .filter(col("region").eq(lit(region)))
            .drop(cols(["region"]))
            .collect()
            .unwrap();
        ParquetWriter::new(std::fs::File::create(sub.join("part-0.parquet")).unwrap())
            .finish(&mut part)
            .unwrap();
    }
    write(&hive, "_SUCCESS", "");
    // Three row slices, as Parquet and as CSV.
    let parts = dir.path().join("parts");
    std::fs::create_dir_all(&parts).unwrap();
    for (i, offset) in [0i64, 150, 300].iter().enumerate() {
        let mut part = whole.slice(*offset, 150);
        ParquetWriter::new(std::fs::File::create(parts.join(format!("p{i}.parquet"))).unwrap())
            .finish(&mut part)
            .unwrap();
        CsvWriter::new(std::fs::File::create(parts.join(format!("p{i}.csv"))).unwrap())
            .finish(&mut part)
            .unwrap();
    }
    let want = coefficients(&regress(&single));
    assert_eq!(want.len(), 4);
    for source in [hive.clone(), parts.join("p*.parquet"), parts.join("p?.csv")] {
        let got = coefficients(&regress(&source));
        assert_eq!(got.len(), want.len(), "{}", source.display());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!((&g.0, g.1), (&w.0, w.1), "{}", source.display());
            assert!(
                (g.2 - w.2).abs() <= 1e-10 * w.2.abs().max(1.0),
                "{g:?} vs {w:?}"
            );
            assert!(
                (g.3 - w.3).abs() <= 1e-10 * w.3.abs().max(1.0),
                "{g:?} vs {w:?}"
            );
        }
    }
    // Streamed in batches (regress --streaming), from the same sources and the single file:
    // the same models from additive sums.
    for source in [
        single.clone(),
        hive.clone(),
        parts.join("p*.parquet"),
        parts.join("p?.csv"),
    ] {
        let v = regress_with(&source, &["--streaming"]);
        let got = coefficients(&v);
        assert_eq!(got.len(), want.len(), "{}", source.display());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!((&g.0, g.1), (&w.0, w.1), "{}", source.display());
            assert!(
                (g.2 - w.2).abs() <= 1e-9 * w.2.abs().max(1.0),
                "{g:?} vs {w:?}"
            );
            assert!(
                (g.3 - w.3).abs() <= 1e-9 * w.3.abs().max(1.0),
                "{g:?} vs {w:?}"
            );
        }
        assert!(v["models"][0]["diagnostics"]["durbin_watson"].is_null());
    }
    // inspect shows the hive column beside the file's own.
    let out = bin().arg("inspect").arg(&hive).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("400 rows, 3 columns") && text.contains("region"),
        "{text}"
    );
}

#[test]
fn folders_and_patterns_that_cannot_be_one_table_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let fail = |data: &Path, expect: &[&str]| {
        let out = bin()
            .args(["regress", "--formula", "y ~ x", "--data"])
            .arg(data)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", data.display());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("error:"), "{err}");
        for e in expect {
            assert!(err.contains(e), "{err}\nshould contain: {e}");
        }
        assert!(out.stdout.is_empty());
    };
    fail(
        &dir.path().join("nothing-*.parquet"),
        &["no file matches this pattern"],
    );
    let sheet = write(dir.path(), "t.txt", "x y\n1 2\n2 4\n3 5\n4 4\n");
    let out = bin()
        .args(["regress", "--formula", "y ~ x", "--streaming", "--data"])
        .arg(&sheet)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--streaming reads Parquet, IPC or CSV"));
    let mixed = dir.path().join("mixed");
    std::fs::create_dir_all(&mixed).unwrap();
    write(&mixed, "a.csv", "x,y\n1,2\n2,4\n3,5\n");
    let mut df = df!("x" => [1.0, 2.0], "y" => [3.0, 4.0]).unwrap();
    ParquetWriter::new(std::fs::File::create(mixed.join("b.parquet")).unwrap())
        .finish(&mut df)
        .unwrap();
    fail(
        &mixed,
        &["is a folder", "a.csv", "b.parquet", "differ in type"],
    );
    // A pattern over files of two types.
    fail(
        &mixed.join("*"),
        &["mixes file types", "a.csv", "b.parquet"],
    );
    let odd = dir.path().join("odd");
    std::fs::create_dir_all(&odd).unwrap();
    write(&odd, "a.csv", "x,y\n1,2\n2,4\n3,5\n");
    write(&odd, "b.csv", "x,z\n1,2\n2,4\n3,5\n");
    fail(&odd, &["a.csv has the columns x, y but", "b.csv has x, z"]);
    // A file named like a pattern is that file.
    let bracket = write(dir.path(), "Report [2024].csv", "x,y\n1,2\n2,4\n3,5\n4,4\n");
    let out = bin()
        .args(["regress", "--formula", "y ~ x", "--data"])
        .arg(&bracket)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = bin()
        .args(["regress", "--formula", "y ~ x", "--streaming", "--data"])
        .arg(&bracket)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(empty.join("sub")).unwrap();
    fail(&empty, &["holds no table file"]);
}

/// `clv --streaming` summarises the log in batches and gives the in-memory run's numbers:
/// the same customers table byte for byte, the same fits; what it cannot do is refused.
#[test]
fn clv_streaming_gives_the_in_memory_answers() {
    let log = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("notebooks-data/retail-bank/transactions.csv");
    let dir = tempfile::tempdir().unwrap();
    let mut df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(log.clone()))
        .unwrap()
        .finish()
        .unwrap();
    // The same log as Parquet parts (ids as text, dates as text).
    let parts = dir.path().join("log");
    std::fs::create_dir_all(&parts).unwrap();
    let n = df.height();
    let cuts = [0, n / 3, 2 * n / 3, n];
    for i in 0..3 {
        let mut part = df.slice(cuts[i] as i64, cuts[i + 1] - cuts[i]);
        ParquetWriter::new(std::fs::File::create(parts.join(format!("p{i}.parquet"))).unwrap())
            .finish(&mut part)
            .unwrap();
    }
    let _ = &mut df;
    let run = |data: &Path, extra: &[&str], format: &str| {
        let out = bin()
            .arg("clv")
            .arg("--transactions")
            .arg(data)
            .args([
                "--id",
                "household_id",
                "--date",
                "date",
                "--amount",
                "amount",
                "--calibration-end",
                "2024-12-29",
                "--format",
                format,
            ])
            .args(extra)
            .output()
            .unwrap();
        (
            out.status.code(),
            out.stdout,
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (_, want_csv, _) = run(&log, &[], "csv");
    let (_, want_json, _) = run(&log, &[], "json");
    let want: Value = serde_json::from_slice(&want_json).unwrap();
    for source in [log.clone(), parts.clone(), parts.join("p*.parquet")] {
        let (code, csv, err) = run(&source, &["--streaming"], "csv");
        assert_eq!(code, Some(0), "{err}");
        // Customers summarised in hash buckets, one after the other: the same bytes, on
        // every run.
        for buckets in ["7", "64", "64"] {
            let (_, b, _) = run(&source, &["--streaming", "--buckets", buckets], "csv");
            assert!(b == want_csv, "{} in {buckets} buckets", source.display());
        }
        assert!(
            csv == want_csv,
            "{}: the customers differ",
            source.display()
        );
        let (_, json, _) = run(&source, &["--streaming"], "json");
        let got: Value = serde_json::from_slice(&json).unwrap();
        for k in ["purchase", "gamma_gamma", "totals"] {
            assert_eq!(got[k], want[k], "{k}");
        }
        assert_eq!(
            got["diagnostics"]["customers"],
            want["diagnostics"]["customers"]
        );
        assert!(got["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("read with --streaming")));
    }
    // Refused, with the way out.
    let (code, _, err) = run(
        &log,
        &["--streaming", "--observation-end", "2025-06-29"],
        "json",
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("holdout check") && err.contains("leave out --streaming"),
        "{err}"
    );
    let refunds = write(
        dir.path(),
        "refunds.csv",
        &(std::fs::read_to_string(&log).unwrap() + "H00001,2024-02-01,-10.5\n"),
    );
    let (code, _, err) = run(&refunds, &["--streaming"], "json");
    assert_eq!(code, Some(2));
    assert!(
        err.contains("1 refunds") && err.contains("--returns drop or keep"),
        "{err}"
    );
    let (code, _, err) = run(&refunds, &["--streaming", "--returns", "drop"], "json");
    assert_eq!(code, Some(0), "{err}");
}

/// A purchase log whose mean repeat spends sit on exact ties: two-decimal amounts, 32
/// repeat purchases and an odd total in cents (the mean is a whole number of millionths
/// plus a half). Adding the amounts as floats in another order moved such a mean by a
/// millionth once rounded; summed exactly as whole units and millionths, every row order,
/// path and bucket count gives the same bytes, and the mean is the exact one.
#[test]
fn mean_spend_does_not_depend_on_row_order() {
    let mut state: u64 = 2026;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        state >> 33
    };
    // (customer, day, cents), and each 33-purchase customer's repeat total in cents.
    let mut rows: Vec<(usize, u32, u64)> = Vec::new();
    let mut ties: Vec<(usize, u64)> = Vec::new();
    for c in 0..300usize {
        let days = if c % 3 == 0 { 33 } else { 1 + c as u32 % 7 };
        let start = (c % 30) as u32;
        let mut repeat = 0;
        for k in 0..days {
            let mut cents = 100 + next() % 5000;
            if k == days - 1 && days == 33 && (repeat + cents) % 2 == 0 {
                cents += 1;
            }
            if k > 0 {
                repeat += cents;
            }
            rows.push((c, start + k * (1 + c as u32 % 5), cents));
        }
        if days == 33 {
            ties.push((c, repeat));
        }
    }
    // ISO text of 2024-01-01 + d (19,723 days after 1970-01-01), as polars writes dates.
    let dates = df!("d" => (0..366).map(|d| 19_723 + d).collect::<Vec<i32>>())
        .unwrap()
        .lazy()
        .select([col("d").cast(DataType::Date).cast(DataType::String)])
        .collect()
        .unwrap();
    let dates = dates.column("d").unwrap().str().unwrap().clone();
    let text = |order: &mut dyn Iterator<Item = &(usize, u32, u64)>| {
        let mut s = String::from("customer,date,amount\n");
        for (c, d, cents) in order {
            let date = dates.get(*d as usize).unwrap();
            s.push_str(&format!("c{c},{date},{}.{:02}\n", cents / 100, cents % 100));
        }
        s
    };
    // The data do hit the ties: the old float mean, rounded to a millionth, differs
    // between the two row orders for some customers.
    let amounts = |c: usize| -> Vec<f64> {
        rows.iter()
            .filter(|r| r.0 == c)
            .map(|r| format!("{}.{:02}", r.2 / 100, r.2 % 100).parse().unwrap())
            .collect()
    };
    let old = |v: &[f64]| ((v.iter().sum::<f64>() - v[0]) / 32.0 * 1e6).round() / 1e6;
    let flipped = ties
        .iter()
        .filter(|(c, _)| {
            let v = amounts(*c);
            let mut r: Vec<f64> = v[1..].iter().rev().copied().collect();
            r.insert(0, v[0]);
            old(&v) != old(&r)
        })
        .count();
    assert!(flipped > 0, "no tie in the test data");

    let dir = tempfile::tempdir().unwrap();
    let forward = write(dir.path(), "forward.csv", &text(&mut rows.iter()));
    let backward = write(dir.path(), "backward.csv", &text(&mut rows.iter().rev()));
    let run = |log: &Path, extra: &[&str], name: &str| -> String {
        let out = dir.path().join(name);
        bin()
            .arg("clv")
            .arg("--transactions")
            .arg(log)
            .args(["--id", "customer", "--date", "date", "--amount", "amount"])
            .args(["--calibration-end", "2024-07-03", "--customers-out"])
            .arg(&out)
            .args(extra)
            .assert()
            .success();
        std::fs::read_to_string(out).unwrap()
    };
    let want = run(&forward, &[], "a.csv");
    assert_eq!(
        run(&backward, &[], "b.csv"),
        want,
        "in memory, rows reversed"
    );
    for (log, b) in [(&forward, "1"), (&backward, "7"), (&forward, "64")] {
        let got = run(log, &["--streaming", "--buckets", b], "s.csv");
        assert_eq!(got, want, "--streaming --buckets {b}");
    }
    // Each tie's mean is the exact total over 32 (the nearest double).
    let table = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(dir.path().join("a.csv")))
        .unwrap()
        .finish()
        .unwrap();
    let ids = table.column("id").unwrap().str().unwrap().clone();
    let mean = table.column("mean_spend").unwrap().f64().unwrap().clone();
    for (c, cents) in &ties {
        let i = ids
            .iter()
            .position(|v| v == Some(&format!("c{c}")))
            .unwrap();
        let exact = *cents as f64 / 3200.0;
        let got = mean.get(i).unwrap();
        assert!(
            (got - exact).abs() <= exact * 1e-15,
            "c{c}: {got} vs {exact}"
        );
    }
}

/// An amount too large for exact sums (an account number read as the amount) stops the
/// run, in memory and streaming, naming the column.
#[test]
fn huge_amounts_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(
        dir.path(),
        "log.csv",
        "customer,date,amount\na,2024-01-02,10.5\na,2024-02-03,6222123456789012345\nb,2024-01-05,3\n",
    );
    for extra in [&[][..], &["--streaming"][..]] {
        let out = bin()
            .arg("clv")
            .arg("--transactions")
            .arg(&log)
            .args(["--id", "customer", "--date", "date", "--amount", "amount"])
            .args(["--calibration-end", "2024-02-03"])
            .args(extra)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.starts_with("error:") && err.contains("'amount'") && err.contains("1e15"),
            "{err}"
        );
    }
}
