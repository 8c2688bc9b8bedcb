//! Issue #14: the report's charts — every SVG parses, the path diagrams' text never
//! overlaps, tick labels have no trailing `.0`, and a large-n scatter stays small.

use std::path::Path;

use profitchain::report::chain_charts::text_width;
use quick_xml::events::Event;

use crate::common::{bin, data};

/// A text element as drawn: position, anchor, size and content.
#[derive(Debug, Clone)]
struct Label {
    x: f64,
    y: f64,
    size: f64,
    anchor: String,
    dy: String,
    text: String,
}

impl Label {
    /// Estimated box (x0, y0, x1, y1) in pixels.
    fn bbox(&self) -> (f64, f64, f64, f64) {
        let w = text_width(&self.text, self.size);
        let x0 = match self.anchor.as_str() {
            "middle" => self.x - w / 2.0,
            "end" => self.x - w,
            _ => self.x,
        };
        let h = self.size;
        let y0 = match self.dy.as_str() {
            "0.5ex" => self.y - h / 2.0,
            "" => self.y - h,
            _ => self.y,
        };
        (x0, y0, x0 + w, y0 + h)
    }
}

/// Parse an SVG completely (an error fails the test) and return its text elements.
fn parse(path: &Path) -> Vec<Label> {
    let xml = std::fs::read_to_string(path).unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut out = Vec::new();
    let mut open: Option<Label> = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if e.name().as_ref() == b"text" => {
                let mut l = Label {
                    x: 0.0,
                    y: 0.0,
                    size: 12.0,
                    anchor: String::new(),
                    dy: String::new(),
                    text: String::new(),
                };
                for a in e.attributes() {
                    let a = a.unwrap();
                    let v = String::from_utf8_lossy(&a.value).to_string();
                    match a.key.as_ref() {
                        b"x" => l.x = v.parse().unwrap_or(0.0),
                        b"y" => l.y = v.parse().unwrap_or(0.0),
                        b"font-size" => l.size = v.parse().unwrap_or(12.0),
                        b"text-anchor" => l.anchor = v,
                        b"dy" => l.dy = v,
                        _ => {}
                    }
                }
                open = Some(l);
            }
            Ok(Event::Text(t)) => {
                if let Some(l) = open.as_mut() {
                    l.text.push_str(t.decode().unwrap().trim());
                }
            }
            Ok(Event::End(e)) if e.name().as_ref() == b"text" => out.extend(open.take()),
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("{} does not parse: {e}", path.display()),
        }
    }
    out
}

fn report(study: &Path, extra: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    bin()
        .args(["report", "--bootstrap", "200", "--force", "--study"])
        .arg(study)
        .arg("-o")
        .arg(dir.path())
        .args(extra)
        .assert()
        .success();
    dir
}

fn svgs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .collect();
    v.sort();
    v
}

fn overlaps(a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)) -> bool {
    a.0 < b.2 - 1.0 && b.0 < a.2 - 1.0 && a.1 < b.3 - 1.0 && b.1 < a.3 - 1.0
}

fn check(dir: &Path) {
    let files = svgs(dir);
    assert!(files.len() >= 8, "{files:?}");
    for f in &files {
        let labels = parse(f);
        for l in &labels {
            let numeric = l.text.replace([',', '-', '%'], "");
            let is_number = !numeric.is_empty() && numeric.parse::<f64>().is_ok();
            assert!(
                !(is_number && l.text.ends_with(".0")),
                "{}: tick label '{}' ends in .0",
                f.display(),
                l.text
            );
        }
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("path_") {
            // Title, 4 names, 3 R², 6 coefficients, 4 legend entries and the star key.
            assert!(labels.len() >= 19, "{name}: {} text elements", labels.len());
            for (i, a) in labels.iter().enumerate() {
                for b in &labels[i + 1..] {
                    assert!(
                        !overlaps(a.bbox(), b.bbox()),
                        "{name}: '{}' overlaps '{}' ({:?} vs {:?})",
                        a.text,
                        b.text,
                        a.bbox(),
                        b.bbox()
                    );
                }
            }
        }
    }
}

#[test]
fn brokerage_charts_parse_and_path_labels_never_overlap() {
    let study = data("../../notebooks-data/brokerage/study.toml");
    for lang in ["en", "zh"] {
        let dir = report(&study, &["--lang", lang]);
        check(dir.path());
        let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
        assert!(
            html.contains(r#"<div class="paths">"#),
            "diagrams side by side"
        );
        assert!(html.contains("@media print"), "a print stylesheet");
        assert!(dir.path().join("charts/paths.svg").exists());
    }
}

#[test]
fn a_large_study_draws_densities_in_small_files() {
    let sim = tempfile::tempdir().unwrap();
    bin()
        .args([
            "simulate",
            "--scenario",
            "retail-bank",
            "--customers",
            "12000",
            "--force",
            "--out",
        ])
        .arg(sim.path())
        .assert()
        .success();
    let dir = report(&sim.path().join("study.toml"), &[]);
    check(dir.path());
    for f in svgs(dir.path()) {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("scatter_") {
            let size = std::fs::metadata(&f).unwrap().len();
            assert!(size < 300_000, "{name}: {size} bytes");
            let text = std::fs::read_to_string(&f).unwrap();
            assert!(
                !text.contains("<circle"),
                "{name}: densities, not points, above 2,000"
            );
        }
    }
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("drawn as densities") && html.contains("99.5th percentile"));
}
