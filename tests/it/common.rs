//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

/// `tests/data/...` inside the repository.
pub fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

/// Log relative error: the number of correct significant digits (NIST's LRE).
pub fn lre(estimate: f64, certified: f64) -> f64 {
    if estimate == certified {
        return 15.0;
    }
    let rel = if certified == 0.0 {
        (estimate - certified).abs()
    } else {
        ((estimate - certified) / certified).abs()
    };
    (-rel.log10()).min(15.0)
}

/// Relative difference, with an absolute floor for values near zero.
pub fn rel_diff(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

/// Write a text file into `dir` and return its path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write test file");
    p
}

/// The profitchain binary under test.
pub fn bin() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("profitchain").expect("binary built")
}

/// Every number of `a` and `b` agrees to `tol` (relative, floor 1), the Breusch–Pagan
/// statistics and the condition numbers (from sums of squares) to 1e-6; keys that differ
/// (keys in `skip`) are skipped. Returns how many numbers were compared.
pub fn agree(
    a: &serde_json::Value,
    b: &serde_json::Value,
    path: &str,
    tol: f64,
    skip: &[&str],
) -> usize {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => x
            .iter()
            .filter(|(k, _)| !skip.contains(&k.as_str()))
            .map(|(k, v)| {
                let w = y.get(k).unwrap_or_else(|| panic!("{path}/{k} missing"));
                let t = if k == "breusch_pagan" || k == "condition_number" {
                    1e-6
                } else {
                    tol
                };
                agree(v, w, &format!("{path}/{k}"), t, skip)
            })
            .sum(),
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{path}");
            x.iter()
                .zip(y)
                .enumerate()
                .map(|(i, (u, v))| agree(u, v, &format!("{path}[{i}]"), tol, skip))
                .sum()
        }
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!(
                (x - y).abs() <= tol * x.abs().max(y.abs()).max(1.0),
                "{path}: {x} vs {y}"
            );
            1
        }
        _ => {
            assert_eq!(a, b, "{path}");
            0
        }
    }
}

/// Run `cmd`, require success (with its standard error in the message) and read its
/// standard output as JSON.
pub fn json_of(cmd: &mut assert_cmd::Command) -> serde_json::Value {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
