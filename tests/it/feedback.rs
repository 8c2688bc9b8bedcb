//! `feedback`: Chinese segmentation against Python's jieba, planted themes found and their
//! effects recovered, discovery of an unplanted theme, the bridge to profit, bad input.

use profitchain::analysis::feedback::{self, Codebook, FeedbackOptions, FeedbackResult};
use profitchain::data::simulate_comments::{feedback_truth, planted, THEMES};
use profitchain::data::text::{Resources, Tokenizer};
use serde_json::Value;
use tempfile::TempDir;

use crate::common::bin;

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn segmentation_matches_python_jieba_token_for_token() {
    let text =
        std::fs::read_to_string(root().join("tests/data/reference/jieba/segments.json")).unwrap();
    let reference: Value = serde_json::from_str(&text).unwrap();
    let tok = Tokenizer::new(&Resources::default(), &[]);
    let segments = reference["segments"].as_array().unwrap();
    assert_eq!(segments.len(), 80);
    let mut tokens = 0;
    for s in segments {
        let line = s["text"].as_str().unwrap();
        let want: Vec<&str> = s["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert_eq!(tok.segment(line), want, "{line}");
        tokens += want.len();
    }
    assert_eq!(tokens, 567);
}

/// The planted survey analysed with the starter codebook, by segment.
fn planted_run(seed: u64, n: usize) -> (FeedbackResult, Vec<u8>) {
    let (sim, truth) = planted(seed, n).unwrap();
    let opts = FeedbackOptions {
        comment: "comment".into(),
        ratings: vec!["satisfaction".into()],
        by: Some("segment".into()),
        id: Some("respondent_id".into()),
        scale: Some([1.0, 10.0]),
        ..Default::default()
    };
    let out = feedback::run(
        &sim.survey,
        "planted",
        &opts,
        &Codebook::starter(),
        &Resources::default(),
    )
    .unwrap();
    (out, truth)
}

#[test]
fn planted_themes_are_found_with_recall_and_precision_above_95_percent() {
    let (out, truth) = planted_run(27, 20_000);
    let names: Vec<&str> = out
        .codebook
        .themes
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    let mut checked = 0;
    for (p, planted_name) in THEMES.iter().enumerate().take(4) {
        let t = names.iter().position(|n| n == planted_name).unwrap();
        let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
        for (row, proc) in out.processed.iter().enumerate() {
            if proc.excluded.is_some() {
                continue;
            }
            let found = proc.themes >> t & 1 == 1;
            let real = truth[row] >> p & 1 == 1;
            match (found, real) {
                (true, true) => tp += 1,
                (true, false) => fp += 1,
                (false, true) => fn_ += 1,
                _ => {}
            }
        }
        let recall = tp as f64 / (tp + fn_) as f64;
        let precision = tp as f64 / (tp + fp) as f64;
        eprintln!("{planted_name}: recall {recall:.4}, precision {precision:.4} ({tp} found)");
        assert!(
            recall >= 0.95 && precision >= 0.95,
            "{planted_name}: recall {recall}, precision {precision}"
        );
        assert!(tp > 1000);
        checked += 1;
    }
    assert_eq!(checked, 4);
    // Themes nobody planted are (almost) never found: negated mentions do not count.
    for other in ["products", "complaint handling", "price"] {
        let t = out.themes.iter().find(|x| x.name == other).unwrap();
        assert!(
            t.prevalence[0].pct < 0.5,
            "{other}: {}",
            t.prevalence[0].pct
        );
    }
}

#[test]
fn planted_effects_are_recovered_within_their_intervals() {
    let (out, _) = planted_run(2026, 20_000);
    let truth = feedback_truth();
    let mut checked = 0;
    for seg in &truth.segments {
        let m = out
            .impact
            .iter()
            .find(|m| m.segment == seg.segment && m.rating == "satisfaction")
            .unwrap();
        for (p, name) in THEMES.iter().enumerate().take(4) {
            let e = m.effects.iter().find(|e| e.theme == *name).unwrap();
            // 99% interval (z 2.576): eight effects, each inside.
            let z = (e.estimate - seg.effect[p]) / e.std_error;
            eprintln!(
                "{} {name}: {:.3} (SE {:.3}) vs {}",
                seg.segment, e.estimate, e.std_error, seg.effect[p]
            );
            assert!(
                z.abs() < 2.576,
                "{} {name}: {} vs {} (z {z:.2})",
                seg.segment,
                e.estimate,
                seg.effect[p]
            );
            checked += 1;
        }
        let s = m.effects.iter().find(|e| e.theme == "sentiment").unwrap();
        assert!(
            ((s.estimate - truth.sentiment_effect) / s.std_error).abs() < 2.576,
            "sentiment {}",
            s.estimate
        );
        // Prevalence among the comments analysed: the planted rate within 3 standard errors
        // (non-answers are left out whatever the themes, so they select nothing).
        for (p, name) in THEMES.iter().enumerate().take(4) {
            let t = out.themes.iter().find(|x| x.name == *name).unwrap();
            let pr = t
                .prevalence
                .iter()
                .find(|x| x.segment == seg.segment)
                .unwrap();
            let want = seg.prevalence[p];
            let se = (want * (1.0 - want) / pr.comments as f64).sqrt();
            assert!(
                (pr.pct / 100.0 - want).abs() < 3.0 * se,
                "{name}: {} vs {want}",
                pr.pct
            );
        }
    }
    assert_eq!(checked, 8);
}

#[test]
fn discovery_surfaces_the_theme_the_codebook_lacks() {
    let (out, _) = planted_run(27, 20_000);
    let is_parking = |t: &str| t.contains("park") || t.contains("停车");
    let d = &out.discovery;
    // Parking comes with the coded themes as often as alone: among the unmatched comments
    // it is frequent (in both languages), not distinctive.
    let top: Vec<&str> = d
        .frequent
        .iter()
        .take(10)
        .map(|t| t.term.as_str())
        .collect();
    assert!(top.contains(&"parking") && top.contains(&"停车"), "{top:?}");
    // Among the lowest band's unmatched comments (parking costs 0.7 points) it leads.
    let low = &d.bands[0];
    assert!(is_parking(&low.terms[0].term), "{:?}", low.terms);
    // And a draft codebook built from discovery holds it, and parses.
    let draft = feedback::discover::suggest(&[d.terms.clone(), d.frequent.clone()].concat());
    let cb = Codebook::parse(&draft, "draft").unwrap();
    assert!(
        cb.themes
            .iter()
            .any(|t| t.terms.iter().any(|x| is_parking(x))),
        "{draft}"
    );
}

#[test]
fn the_study_carries_theme_effects_to_profit_reproducibly() {
    let study = root().join("notebooks-data/retail-bank/study.toml");
    let run = |threads: &str| {
        let out = bin()
            .env("RAYON_NUM_THREADS", threads)
            .args(["feedback", "--study"])
            .arg(&study)
            .args(["--format", "json", "--bootstrap", "200"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let one = run("1");
    assert_eq!(one, run("2"), "the output depends on the number of threads");
    let v: Value = serde_json::from_slice(&one).unwrap();
    let bridge = v["bridge"].as_array().unwrap();
    assert!(bridge.len() >= 9, "{}", bridge.len());
    let impact = v["impact"].as_array().unwrap();
    for b in bridge {
        let seg = b["segment"].as_str().unwrap();
        let theme = b["theme"].as_str().unwrap();
        let m = impact
            .iter()
            .find(|m| m["segment"] == seg && m["rating"] == "satisfaction")
            .unwrap();
        let e = m["effects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["theme"] == theme)
            .unwrap();
        // The bridge's rating effect is the impact regression's estimate.
        let (be, ie) = (
            b["rating_effect"].as_f64().unwrap(),
            e["estimate"].as_f64().unwrap(),
        );
        assert!((be - ie).abs() < 1e-9, "{seg} {theme}: {be} vs {ie}");
        // Per customer times customers is the total; the interval holds the estimate.
        let (per, n, total) = (
            b["per_customer"].as_f64().unwrap(),
            b["customers"].as_f64().unwrap(),
            b["total"].as_f64().unwrap(),
        );
        assert!((per * n - total).abs() < 1e-6 * total.abs().max(1.0));
        let (lo, hi) = (
            b["ci_low"].as_f64().unwrap(),
            b["ci_high"].as_f64().unwrap(),
        );
        assert!(
            lo <= per && per <= hi,
            "{seg} {theme}: {per} not in [{lo}, {hi}]"
        );
    }
    // Staff complaints lower satisfaction; in the profitable segment removing their effect
    // is worth profit, in the unprofitable one (more satisfaction, bigger losses) it is not.
    let get = |seg: &str| {
        bridge
            .iter()
            .find(|b| b["segment"] == seg && b["theme"] == "staff")
            .unwrap()
    };
    assert!(get("profitable")["rating_effect"].as_f64().unwrap() < -0.2);
    assert!(get("profitable")["ci_low"].as_f64().unwrap() > 0.0);
    assert!(get("unprofitable")["total_effect"].as_f64().unwrap() < 0.0);
    assert_eq!(v["languages"].as_array().unwrap().len(), 3);
}

#[test]
fn chinese_output_uses_the_codebooks_chinese_names() {
    let out = bin()
        .args(["--lang", "zh", "feedback", "--study"])
        .arg(root().join("notebooks-data/retail-bank/study.toml"))
        .args(["--bootstrap", "0", "--rating", "satisfaction"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).unwrap();
    for want in [
        "主题提及率",
        "排队等待",
        "员工服务",
        "盈利性客户",
        "编码表未覆盖",
    ] {
        assert!(s.contains(want), "missing {want}:\n{s}");
    }
}

fn write(dir: &TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn fails_with(args: &[&std::ffi::OsStr], want: &str) {
    let out = bin().args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error:") && err.contains(want), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_input_is_refused_or_counted() {
    let dir = TempDir::new().unwrap();
    let blank = write(&dir, "blank.csv", "id,sat,comment\n1,5,\n2,6,\n3,7,\n");
    let os = |s: &str| std::ffi::OsString::from(s);
    fails_with(
        &[
            &os("feedback"),
            &os("--data"),
            blank.as_os_str(),
            &os("--comment"),
            &os("comment"),
        ],
        "every one of its 3 cells is blank",
    );
    fails_with(
        &[
            &os("feedback"),
            &os("--data"),
            blank.as_os_str(),
            &os("--comment"),
            &os("remarks"),
        ],
        "remarks",
    );
    let empty = write(&dir, "empty.csv", "id,sat,comment\n");
    let out = bin()
        .args(["feedback", "--comment", "comment", "--data"])
        .arg(&empty)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let dup = write(&dir, "dup.toml", "[[theme]]\nname = \"fees\"\nterms = [\"fee\"]\n[[theme]]\nname = \"Fees\"\nterms = [\"charge\"]\n");
    let good = write(&dir, "good.csv", "id,sat,comment\n1,5,the fee is high\n");
    fails_with(
        &[
            &os("feedback"),
            &os("--data"),
            good.as_os_str(),
            &os("--comment"),
            &os("comment"),
            &os("--codebook"),
            dup.as_os_str(),
        ],
        "'Fees' appears twice",
    );
    let bad_term = write(
        &dir,
        "bad.toml",
        "[[theme]]\nname = \"fees\"\nterms = [\"fee\", \"???\"]\n",
    );
    fails_with(
        &[
            &os("feedback"),
            &os("--data"),
            good.as_os_str(),
            &os("--comment"),
            &os("comment"),
            &os("--codebook"),
            bad_term.as_os_str(),
        ],
        "term '???' has no letter or digit",
    );
    // Bytes that are not UTF-8 stop the run with the line and the fix.
    let junk = dir.path().join("junk.csv");
    std::fs::write(
        &junk,
        b"id,sat,comment\n1,5,the fee\n2,6,\xff\xfe\x00\x81junk\n",
    )
    .unwrap();
    fails_with(
        &[
            &os("feedback"),
            &os("--data"),
            junk.as_os_str(),
            &os("--comment"),
            &os("comment"),
        ],
        "line 3 holds bytes that are not UTF-8",
    );
    // A 100,000-character comment and a cell of control characters are left out and counted.
    let mut csv = String::from("id,sat,comment\n");
    for i in 0..40 {
        let said = [
            "the queue was long",
            "the fee is too high",
            "the branch is near home",
        ][i % 3];
        csv.push_str(&format!("{i},{},\"{said} {i}\"\n", 3 + i % 5));
    }
    csv.push_str(&format!("40,5,\"{}\"\n", "wait ".repeat(20_000)));
    csv.push_str("41,5,\"\u{1}\u{2}\u{3}\u{4}\u{5}\u{6}\u{7}\u{8}ab\"\n");
    let messy = write(&dir, "messy.csv", &csv);
    let out = bin()
        .args([
            "feedback",
            "--comment",
            "comment",
            "--rating",
            "sat",
            "--format",
            "json",
            "--data",
        ])
        .arg(&messy)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["analysed"], 40);
    let reasons: Vec<String> = v["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"].as_str().unwrap().to_string())
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("longer than 20,000")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("not text")),
        "{reasons:?}"
    );
    assert!(v["warnings"].as_array().unwrap().len() == 2);
    // No comment holds a lexicon word: sentiment is left out, the themes still compared.
    let m = &v["impact"][0];
    assert!(m["not_fitted"].is_null(), "{m}");
    assert!(m["left_out"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x == "sentiment"));
    assert_eq!(m["effects"].as_array().unwrap().len(), 2);
}

#[test]
fn write_defaults_gives_files_that_read_back() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("lists");
    bin()
        .args(["feedback", "--write-defaults"])
        .arg(&out)
        .assert()
        .success();
    let cb = Codebook::from_file(&out.join("codebook.toml")).unwrap();
    assert_eq!(cb.themes.len(), 7);
    // Never over an edited codebook without --force.
    std::fs::write(
        out.join("codebook.toml"),
        "[[theme]]\nname = \"mine\"\nterms = [\"x\"]\n",
    )
    .unwrap();
    let again = bin()
        .args(["feedback", "--write-defaults"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("codebook.toml is already there"));
    assert_eq!(
        Codebook::from_file(&out.join("codebook.toml"))
            .unwrap()
            .themes
            .len(),
        1
    );
    bin()
        .args(["feedback", "--force", "--write-defaults"])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(
        Codebook::from_file(&out.join("codebook.toml"))
            .unwrap()
            .themes
            .len(),
        7
    );
    let mut r = Resources::default();
    r.lexicon_from("zh", &out.join("sentiment_zh.txt")).unwrap();
    assert_eq!(r.sentiment_zh, Resources::default().sentiment_zh);
    // A lexicon line without a score names the file and line.
    std::fs::write(out.join("bad.txt"), "good\t1\nhelpful\n").unwrap();
    let e = r
        .lexicon_from("en", &out.join("bad.txt"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("bad.txt, line 2"), "{e}");
}

#[test]
fn the_report_has_a_feedback_section_in_both_languages() {
    let dir = TempDir::new().unwrap();
    for (lang, title) in [("en", "What customers say"), ("zh", "客户反馈主题")] {
        let out = dir.path().join(lang);
        bin()
            .args(["report", "--bootstrap", "0", "--lang", lang, "--study"])
            .arg(root().join("notebooks-data/retail-bank/study.toml"))
            .arg("-o")
            .arg(&out)
            .assert()
            .success();
        let html = std::fs::read_to_string(out.join("report.html")).unwrap();
        assert!(
            html.contains("id=\"feedback\"") && html.contains(title),
            "{lang}"
        );
        let md = std::fs::read_to_string(out.join("report.md")).unwrap();
        assert!(md.contains(&format!("## {title}")) && md.contains("charts/feedback_1.svg"));
        assert!(
            out.join("charts/feedback_1.svg").exists() && out.join("feedback_themes.csv").exists()
        );
        let summary: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap())
                .unwrap();
        assert_eq!(summary["feedback"]["themes"].as_array().unwrap().len(), 7);
    }
}
