//! Discovery of what the codebook misses: the words and two-word phrases most distinctive
//! of the comments no theme matched (against the matched ones), and of each satisfaction
//! band among them (against the other bands), by the weighted log-odds ratio with an
//! informative Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin' Words", eq. 16–22),
//! on document frequencies:
//!
//!   δ_w = log[(y_wi + α_w) / (n_i + α₀ − y_wi − α_w)] − log[(y_wj + α_w) / (n_j + α₀ − y_wj − α_w)]
//!   σ²(δ_w) ≈ 1/(y_wi + α_w) + 1/(y_wj + α_w),   z_w = δ_w / σ(δ_w)
//!
//! with y_w the number of a group's comments holding the term and n the group's comments
//! (so one long comment counts once, and a word every comment uses equally often is not
//! distinctive however many words the groups' comments have), and the prior α_w the
//! term's count over the background comments (α₀ their number), as the R package tidylo
//! sets it from the pooled counts. The prior shrinks rare terms toward no difference, so a
//! word seen twice cannot top the list.

use serde::{Deserialize, Serialize};

use super::process::Counts;

/// A distinctive term.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Distinct {
    /// The term as written most often (a stem's commonest word).
    pub term: String,
    /// The key compared (English stems).
    pub key: String,
    /// Comments of the group holding it, and their share of the group's comments.
    pub comments: u32,
    pub share: f64,
    /// Weighted log-odds ratio and its z-score.
    pub log_odds: f64,
    pub z: f64,
}

/// Terms of group `i` against group `j` (indices into the counts' vectors), background
/// `bg`, whose comments number `sizes[..]`; those in at least `min_comments` of group i's
/// comments, z > 0, best `top`.
pub fn distinctive(
    counts: &Counts,
    groups: (usize, usize, usize),
    sizes: &[u32],
    min_comments: u32,
    top: usize,
) -> Vec<Distinct> {
    let (i, _, bg) = groups;
    if sizes[i] == 0 || sizes[bg] == 0 {
        return vec![];
    }
    let mut out: Vec<Distinct> = counts
        .iter()
        .filter(|(_, v)| v[i] >= min_comments)
        .map(|(key, v)| scored(key, v, groups, sizes))
        .filter(|d| d.z.is_finite() && d.z > 0.0)
        .collect();
    // Highest z first; ties by key, so the order never depends on hashing.
    out.sort_by(|a, b| b.z.total_cmp(&a.z).then_with(|| a.key.cmp(&b.key)));
    out.truncate(top);
    out
}

/// The term `key` with counts `v`, scored for group i against group j (background bg).
fn scored(key: &str, v: &[u32], (i, j, bg): (usize, usize, usize), sizes: &[u32]) -> Distinct {
    let (ni, nj, a0) = (
        f64::from(sizes[i]),
        f64::from(sizes[j]),
        f64::from(sizes[bg]),
    );
    let (yi, yj, a) = (f64::from(v[i]), f64::from(v[j]), f64::from(v[bg]));
    let d = ((yi + a) / (ni + a0 - yi - a)).ln() - ((yj + a) / (nj + a0 - yj - a)).ln();
    let z = d / (1.0 / (yi + a) + 1.0 / (yj + a)).sqrt();
    Distinct {
        term: key.to_string(),
        key: key.to_string(),
        comments: v[i],
        share: yi / ni.max(1.0),
        log_odds: d,
        z,
    }
}

/// The terms in most of group i's comments (at least `min_comments`), best `top`, each
/// with its log-odds z against group j: what the group's comments talk about, including a
/// topic as common elsewhere (a missed theme that comes with the coded ones as often as
/// alone is frequent among the unmatched comments but not distinctive of them).
pub fn frequent(
    counts: &Counts,
    groups: (usize, usize, usize),
    sizes: &[u32],
    min_comments: u32,
    top: usize,
) -> Vec<Distinct> {
    let i = groups.0;
    let mut out: Vec<Distinct> = counts
        .iter()
        .filter(|(_, v)| v[i] >= min_comments)
        .map(|(key, v)| scored(key, v, groups, sizes))
        .collect();
    out.sort_by(|a, b| b.comments.cmp(&a.comments).then_with(|| a.key.cmp(&b.key)));
    out.truncate(top);
    out
}

/// A draft codebook from discovery's lists of the unmatched comments (the distinctive and
/// the frequent terms): one theme per word, most comments first, with the listed phrases
/// that contain it.
pub fn suggest(found: &[Distinct]) -> String {
    let mut out = String::from(
        "# Draft codebook written by `profitchain feedback --suggest`: one theme per word that is\n\
         # distinctive of, or frequent in, the comments no theme matched, with the two-word\n\
         # phrases that contain it. Rename, merge and prune before use (plain words such as\n\
         # \"ok\" are not themes); add zh names and the other language's terms. Append the\n\
         # themes you keep to your codebook.\n",
    );
    let mut words: Vec<&Distinct> = Vec::new();
    for d in found.iter().filter(|d| !d.key.contains(' ')) {
        if !words.iter().any(|w| w.key == d.key) {
            words.push(d);
        }
    }
    words.sort_by(|a, b| b.comments.cmp(&a.comments).then_with(|| a.key.cmp(&b.key)));
    for w in words {
        let mut terms = vec![w.term.clone()];
        for p in found
            .iter()
            .filter(|d| d.key.contains(' ') && d.key.split(' ').any(|k| k == w.key))
        {
            if !terms.contains(&p.term) {
                terms.push(p.term.clone());
            }
        }
        let quoted: Vec<String> = terms.iter().map(|t| toml_string(t)).collect();
        out.push_str(&format!(
            "\n# in {} unmatched comments ({:.1}%), log-odds z against the matched ones {:.1}\n[[theme]]\nname = {}\nterms = [{}]\n",
            w.comments,
            100.0 * w.share,
            w.z,
            toml_string(&w.term),
            quoted.join(", ")
        ));
    }
    out
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn a_term_frequent_in_one_group_ranks_first_and_rare_terms_are_shrunk() {
        // Groups: 0 background, 1 focal, 2 other; comments 1,000 = 200 + 800.
        let mut c: Counts = HashMap::new();
        c.insert("parking".into(), vec![60, 50, 10]);
        c.insert("staff".into(), vec![400, 80, 320]);
        c.insert("rare".into(), vec![3, 3, 0]);
        c.insert("branch".into(), vec![300, 60, 240]);
        let sizes = [1000, 200, 800];
        let d = distinctive(&c, (1, 2, 0), &sizes, 2, 10);
        assert_eq!(d[0].key, "parking");
        // Equally common in both groups (40% and 30%): not distinctive.
        assert!(
            !d.iter().any(|x| x.key == "staff" || x.key == "branch"),
            "{d:?}"
        );
        // Seen three times, all in the focal group: shrunk below the frequent term.
        let rare = d.iter().position(|x| x.key == "rare").unwrap();
        assert!(rare > 0 && d[rare].z < d[0].z);
        // Monroe et al.'s δ by hand for "parking": α = 60, α0 = 1000, n_i = 200, n_j = 800.
        let by_hand = ((50.0 + 60.0) / (200.0 + 1000.0 - 50.0 - 60.0_f64)).ln()
            - ((10.0 + 60.0) / (800.0 + 1000.0 - 10.0 - 60.0_f64)).ln();
        assert!((d[0].log_odds - by_hand).abs() < 1e-12);
        assert!(suggest(&d).contains("name = \"parking\""));
    }
}
