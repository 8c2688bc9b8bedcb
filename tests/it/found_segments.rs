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
    std::fs::copy(
        data("reference/segments/chain_data.csv"),
        dir.path().join("customers.csv"),
    )
    .unwrap();
    let base = "[[table]]\nname = \"customers\"\npath = \"customers.csv\"\n\n[roles]\nid = \"id\"\nsatisfaction = \"satisfaction\"\nshare_of_wallet = \"share_of_wallet\"\nrevenue = \"revenue\"\nprofit = \"profit\"\n\n[options]\nallow_out_of_range = true\n\n";
    let study = |name: &str, segments: &str| write(dir.path(), name, &format!("{base}{segments}"));
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
