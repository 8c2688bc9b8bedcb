//! Segments found from the data as a study's segments: `--segment-rule tree:…` and
//! `[segments] rule = "tree"` / `"classes"`, then `chain` per found segment.

use crate::common::{bin, data, json_of, write};

/// The chain reference case as a one-table study on the command line.
fn chain_case() -> assert_cmd::Command {
    let mut cmd = bin();
    cmd.arg("chain")
        .arg("--data")
        .arg(data("reference/segments/chain_data.csv"))
        .args(["--id", "id", "--satisfaction", "satisfaction"])
        .args([
            "--share-of-wallet",
            "share_of_wallet",
            "--revenue",
            "revenue",
        ])
        .args(["--profit", "profit", "--allow-out-of-range"])
        .args(["--bootstrap", "300"]);
    cmd
}

/// A study `name` in `dir` of the chain reference case (copied beside it as one customer
/// table) with the `[segments]` section `segments`.
fn case_study(dir: &std::path::Path, name: &str, segments: &str) -> std::path::PathBuf {
    let table = dir.join("customers.csv");
    if !table.exists() {
        std::fs::copy(data("reference/segments/chain_data.csv"), &table).unwrap();
    }
    let base = "[[table]]\nname = \"customers\"\npath = \"customers.csv\"\n\n[roles]\nid = \"id\"\nsatisfaction = \"satisfaction\"\nshare_of_wallet = \"share_of_wallet\"\nrevenue = \"revenue\"\nprofit = \"profit\"\n\n[options]\nallow_out_of_range = true\n\n";
    write(dir, name, &format!("{base}{segments}"))
}

fn path_estimate(seg: &serde_json::Value, model: &str, term: &str) -> f64 {
    let m = seg["regressions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["model"] == model)
        .unwrap();
    m["terms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["term"] == term)
        .unwrap()["estimate"]
        .as_f64()
        .unwrap()
}

/// A tree of the whole chain as the segment rule: the leaves are the ones R's mob() finds
/// on this case (income, then region among high incomes), named by their conditions; the
/// chain fitted per leaf recovers the slopes the data were made with (satisfaction → share
/// of wallet 0.02 / 0.06, revenue → profit −0.05 / 0.25); every output carries the caution
/// that the segments were searched for; the same run twice gives the same bytes.
#[test]
fn tree_leaves_are_the_chain_segments() {
    let j = json_of(chain_case().args([
        "--segment-rule",
        "tree:income,tenure,region",
        "--format",
        "json",
    ]));
    let names: Vec<(&str, u64)> = j["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["n"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        names,
        [
            ("all", 1200),
            ("income <= 60", 699),
            ("income > 60 & region in east, north", 247),
            ("income > 60 & region in south, west", 254)
        ]
    );
    let seg = |k: usize| &j["segments"][k];
    let a1 = |k| path_estimate(seg(k), "M1", "satisfaction");
    let b2 = |k| path_estimate(seg(k), "Y", "revenue");
    assert!((a1(1) - 0.02).abs() < 0.006, "{}", a1(1));
    assert!((a1(2) - 0.06).abs() < 0.006 && (a1(3) - 0.06).abs() < 0.006);
    assert!((b2(1) + 0.05).abs() < 0.03 && (b2(2) + 0.05).abs() < 0.03);
    assert!((b2(3) - 0.25).abs() < 0.03, "{}", b2(3));
    let warnings = j["diagnostics"]["warnings"].to_string();
    assert!(
        warnings.contains("segments found from the data"),
        "{warnings}"
    );
    assert!(warnings.contains("do not account for the search"));
    let text = chain_case()
        .args(["--segment-rule", "tree:income,tenure,region"])
        .output()
        .unwrap();
    let again = chain_case()
        .args(["--segment-rule", "tree:income,tenure,region"])
        .output()
        .unwrap();
    assert_eq!(text.stdout, again.stdout);
    assert!(String::from_utf8_lossy(&text.stdout).contains("do not account for the search"));
}

/// The study's `[segments]` forms: a tree grown on one regression, the same tree saved by
/// `segments --format json` and applied (the same segments and counts), latent classes of
/// the chain (named `class 1…`, ordered by size); a tree without partitioning columns, a
/// missing saved tree and `--streaming` stop with exit 2 and say what to do.
#[test]
fn study_rules_saved_trees_and_classes() {
    let dir = tempfile::tempdir().unwrap();
    let study = |name: &str, segments: &str| case_study(dir.path(), name, segments);
    let grown = study(
        "grown.toml",
        "[segments]\nrule = \"tree\"\nby = [\"income\", \"tenure\"]\nformula = \"share_of_wallet ~ satisfaction\"\nmaxdepth = 2\n",
    );
    let counts = |path: &std::path::Path| -> Vec<(String, u64)> {
        let j = json_of(
            bin()
                .args(["chain", "--bootstrap", "100", "--format", "json", "--study"])
                .arg(path),
        );
        j["segments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().unwrap().to_string(),
                    s["n"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let g = counts(&grown);
    assert_eq!(g.len(), 3, "{g:?}");
    assert!(g[1].0.starts_with("income <= ") && g[2].0.starts_with("income > "));
    assert_eq!(g[1].1 + g[2].1, 1200);
    // The same tree saved and applied.
    let out = bin()
        .args(["segments", "--study"])
        .arg(&grown)
        .args([
            "-f",
            "share_of_wallet ~ satisfaction",
            "--by",
            "income",
            "--by",
            "tenure",
        ])
        .args(["--maxdepth", "2", "--format", "json", "-o"])
        .arg(dir.path().join("tree.json"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let saved = study(
        "saved.toml",
        "[segments]\nrule = \"tree\"\nfile = \"tree.json\"\n",
    );
    assert_eq!(counts(&saved), g);
    // Latent classes of the whole chain.
    let classes = study(
        "classes.toml",
        "[segments]\nrule = \"classes\"\nclasses = 2\nstarts = 3\n",
    );
    let c = counts(&classes);
    assert_eq!(c[1].0, "class 1");
    assert_eq!(c[2].0, "class 2");
    assert!(c[1].1 >= c[2].1 && c[1].1 + c[2].1 == 1200, "{c:?}");
    // Bad rules.
    for (name, segments, says) in [
        ("noby.toml", "[segments]\nrule = \"tree\"\n", "by = ["),
        (
            "nofile.toml",
            "[segments]\nrule = \"tree\"\nfile = \"gone.json\"\n",
            "gone.json",
        ),
    ] {
        let out = bin()
            .args(["chain", "--study"])
            .arg(study(name, segments))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("error:") && err.contains(says), "{err}");
    }
    let out = bin()
        .args(["chain", "--streaming", "--study"])
        .arg(&grown)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("without --streaming"));
}

/// The report of a study with found segments: the section "Where the chain differs" with
/// the tree diagram, the tests, the effects chart and the profile (which adds up to the
/// customers), the caution, the tree in summary.json; in Chinese, the same section by the
/// glossary's words; with latent classes, the BIC chart instead of the tree.
#[test]
fn report_section_where_the_chain_differs() {
    let dir = tempfile::tempdir().unwrap();
    let tree = case_study(
        dir.path(),
        "tree.toml",
        "[segments]\nrule = \"tree\"\nby = [\"income\", \"tenure\", \"region\"]\n",
    );
    let report = |lang: &str, study: &std::path::Path, out: &str| {
        let out = dir.path().join(out);
        let run = bin()
            .args(["--lang", lang, "report", "--bootstrap", "200", "--study"])
            .arg(study)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        out
    };
    let en = report("en", &tree, "en");
    let html = std::fs::read_to_string(en.join("report.html")).unwrap();
    assert!(html.contains("<h2 id=\"found\">Where the chain differs</h2>"));
    assert!(html.contains("do not account for the search"));
    assert!(html.contains("Model tree of the whole chain"));
    for chart in ["found_tree.svg", "found_effects.svg"] {
        assert!(en.join("charts").join(chart).exists(), "{chart}");
    }
    let md = std::fs::read_to_string(en.join("report.md")).unwrap();
    assert!(md.contains("## Where the chain differs") && md.contains("charts/found_tree.svg"));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(en.join("summary.json")).unwrap()).unwrap();
    let found = &summary["segments_found"];
    assert_eq!(found["search"]["kind"], "tree");
    assert_eq!(found["search"]["chain"], true);
    let n: u64 = found["profile"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["n"].as_u64().unwrap())
        .sum();
    assert_eq!(n, 1200);
    let zh = report("zh", &tree, "zh");
    let html = std::fs::read_to_string(zh.join("report.html")).unwrap();
    assert!(html.contains("链条在哪里不同") && html.contains("整条链的模型树"));
    assert!(html.contains("参数不稳定性检验"));
    assert!(html
        .contains("细分群体由数据找出：整条链在 income, tenure, region 上的模型树的 3 个叶节点"));
    let classes = case_study(
        dir.path(),
        "classes.toml",
        "[segments]\nrule = \"classes\"\nclasses = \"1-2\"\nstarts = 2\n",
    );
    let c = report("en", &classes, "classes");
    assert!(c.join("charts/found_bic.svg").exists());
    assert!(!c.join("charts/found_tree.svg").exists());
    let html = std::fs::read_to_string(c.join("report.html")).unwrap();
    assert!(
        html.contains("BIC chose 2"),
        "BIC over 1–2 classes prefers 2: the chain differs here"
    );
}
