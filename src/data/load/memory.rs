//! Tables held in memory under a name, so that every command can read a DataFrame the way
//! it reads a file: the Python bindings register an analyst's polars or pandas frame here
//! for the length of one call, and the loader, the audit and the study builder see it at a
//! path of the form `/DataFrame:NAME`. The frame is shared (polars columns are reference
//! counted), never copied.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};

use polars::prelude::DataFrame;

/// The prefix of an in-memory table's path.
pub const PREFIX: &str = "/DataFrame:";

static FRAMES: LazyLock<Mutex<HashMap<PathBuf, DataFrame>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// A registered frame; dropping it removes the frame from the registry.
pub struct Registered {
    pub path: PathBuf,
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Ok(mut m) = FRAMES.lock() {
            m.remove(&self.path);
        }
    }
}

/// Register `df` under `name` (made unique) and return its guard, whose `path` any
/// command accepts where it takes a table file.
pub fn register(name: &str, df: DataFrame) -> Registered {
    let mut m = FRAMES.lock().unwrap_or_else(|e| e.into_inner());
    let mut path = PathBuf::from(format!("{PREFIX}{name}"));
    let mut k = 2;
    while m.contains_key(&path) {
        path = PathBuf::from(format!("{PREFIX}{name}#{k}"));
        k += 1;
    }
    m.insert(path.clone(), df);
    Registered { path }
}

/// The prefix of an in-memory study's path.
pub const STUDY_PREFIX: &str = "/Study:";

type StudyText = (String, PathBuf);

static STUDIES: LazyLock<Mutex<HashMap<PathBuf, StudyText>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// A registered study text; dropping it removes it.
pub struct RegisteredStudy {
    pub path: PathBuf,
}

impl Drop for RegisteredStudy {
    fn drop(&mut self) {
        if let Ok(mut m) = STUDIES.lock() {
            m.remove(&self.path);
        }
    }
}

/// Register study TOML `text` whose relative table paths resolve against `base_dir`;
/// `--study` accepts the guard's `path`.
pub fn register_study(name: &str, text: String, base_dir: PathBuf) -> RegisteredStudy {
    let mut m = STUDIES.lock().unwrap_or_else(|e| e.into_inner());
    let mut path = PathBuf::from(format!("{STUDY_PREFIX}{name}"));
    let mut k = 2;
    while m.contains_key(&path) {
        path = PathBuf::from(format!("{STUDY_PREFIX}{name}#{k}"));
        k += 1;
    }
    m.insert(path.clone(), (text, base_dir));
    RegisteredStudy { path }
}

/// The study text and base folder registered at `path`, if any.
pub fn study(path: &Path) -> Option<StudyText> {
    if !path.to_string_lossy().starts_with(STUDY_PREFIX) {
        return None;
    }
    STUDIES.lock().ok()?.get(path).cloned()
}

/// The frame registered at `path`, if any.
pub fn get(path: &Path) -> Option<DataFrame> {
    if !path.to_string_lossy().starts_with(PREFIX) {
        return None;
    }
    FRAMES.lock().ok()?.get(path).cloned()
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    #[test]
    fn registered_frames_are_found_until_dropped() {
        let df = df!("a" => [1.0, 2.0]).unwrap();
        let g = super::register("t", df.clone());
        let g2 = super::register("t", df);
        assert_ne!(g.path, g2.path);
        assert_eq!(super::get(&g.path).unwrap().height(), 2);
        let p = g.path.clone();
        drop(g);
        assert!(super::get(&p).is_none());
        assert!(super::get(&g2.path).is_some());
    }
}
