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
