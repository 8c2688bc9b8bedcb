//! Tables and study texts held in memory under a name, so that every command can read a
//! DataFrame the way it reads a file: the Python bindings register an analyst's polars or
//! pandas frame here for the length of one call, and the loader, the audit and the study
//! builder see it at a path of the form `/DataFrame:NAME` (a study text at
//! `/Study:NAME`). A frame is shared (polars columns are reference counted), never copied.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};

use polars::prelude::DataFrame;

/// The prefix of an in-memory table's path.
pub const PREFIX: &str = "/DataFrame:";
/// The prefix of an in-memory study's path.
pub const STUDY_PREFIX: &str = "/Study:";

/// Values registered under paths with one prefix.
struct Registry<T> {
    prefix: &'static str,
    items: LazyLock<Mutex<HashMap<PathBuf, T>>>,
}

impl<T: Clone> Registry<T> {
    const fn new(prefix: &'static str) -> Self {
        Registry {
            prefix,
            items: LazyLock::new(|| Mutex::new(HashMap::new())),
        }
    }

    /// Register `value` at `PREFIX + name` (made unique with `#2`, `#3`…).
    fn insert(&self, name: &str, value: T) -> PathBuf {
        let mut m = self.items.lock().unwrap_or_else(|e| e.into_inner());
        let mut path = PathBuf::from(format!("{}{name}", self.prefix));
        let mut k = 2;
        while m.contains_key(&path) {
            path = PathBuf::from(format!("{}{name}#{k}", self.prefix));
            k += 1;
        }
        m.insert(path.clone(), value);
        path
    }

    fn get(&self, path: &Path) -> Option<T> {
        if !path.to_string_lossy().starts_with(self.prefix) {
            return None;
        }
        self.items.lock().ok()?.get(path).cloned()
    }

    fn remove(&self, path: &Path) {
        if let Ok(mut m) = self.items.lock() {
            m.remove(path);
        }
    }
}

static FRAMES: Registry<DataFrame> = Registry::new(PREFIX);
static STUDIES: Registry<(String, PathBuf)> = Registry::new(STUDY_PREFIX);

/// A registered frame; dropping it removes the frame from the registry.
pub struct Registered {
    pub path: PathBuf,
}

impl Drop for Registered {
    fn drop(&mut self) {
        FRAMES.remove(&self.path);
    }
}

/// A registered study text; dropping it removes it.
pub struct RegisteredStudy {
    pub path: PathBuf,
}

impl Drop for RegisteredStudy {
    fn drop(&mut self) {
        STUDIES.remove(&self.path);
    }
}

/// Register `df` under `name` (made unique) and return its guard, whose `path` any
/// command accepts where it takes a table file.
pub fn register(name: &str, df: DataFrame) -> Registered {
    Registered {
        path: FRAMES.insert(name, df),
    }
}

/// The frame registered at `path`, if any.
pub fn get(path: &Path) -> Option<DataFrame> {
    FRAMES.get(path)
}

/// Register study TOML `text` whose relative table paths resolve against `base_dir`;
/// `--study` accepts the guard's `path`.
pub fn register_study(name: &str, text: String, base_dir: PathBuf) -> RegisteredStudy {
    RegisteredStudy {
        path: STUDIES.insert(name, (text, base_dir)),
    }
}

/// The study text and base folder registered at `path`, if any.
pub fn study(path: &Path) -> Option<(String, PathBuf)> {
    STUDIES.get(path)
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
        let s = super::register_study("s.toml", "name = 'x'".into(), "/tmp".into());
        assert_eq!(
            super::study(&s.path).unwrap().1,
            std::path::PathBuf::from("/tmp")
        );
        assert!(super::get(&s.path).is_none());
    }
}
