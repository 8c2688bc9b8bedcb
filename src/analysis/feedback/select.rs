//! What a feedback run selects to show: discovery's lists (with each key's commonest
//! written form), the bands of the first rating, and the example comments (masked on
//! request).

use super::discover::{self, Distinct};
use super::process::{self, Processed};
use super::{BandTerms, Discovery, Example, FeedbackOptions};
use crate::data::text::Tokenizer;

/// The method note of discovery.
pub(super) const DISCOVERY_METHOD: &str = "weighted log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008), document frequencies, the prior the pooled comments (as tidylo)";

/// Bands of the first rating: the lower, middle and upper thirds of its scale (0–10:
/// detractors 0–6, passives 7–8, promoters 9–10, as NPS).
pub(super) fn bands(scale: [f64; 2]) -> Vec<(String, f64, f64)> {
    let [lo, hi] = scale;
    if lo == 0.0 && hi == 10.0 {
        return vec![
            ("0-6".into(), 0.0, 6.5),
            ("7-8".into(), 6.5, 8.5),
            ("9-10".into(), 8.5, 10.0),
        ];
    }
    let (c1, c2) = (lo + (hi - lo) / 3.0, hi - (hi - lo) / 3.0);
    let f = |x: f64| crate::format::value(x, 3);
    vec![
        (format!("{}-{}", f(lo), f(c1)), lo, c1),
        (format!("{}-{}", f(c1), f(c2)), c1, c2),
        (format!("{}-{}", f(c2), f(hi)), c2, hi),
    ]
}

/// Digits to `#` and e-mail addresses to `[email]`.
pub fn mask(text: &str) -> String {
    let email = regex::Regex::new(r"[\w.+-]+@[\w-]+(\.[\w-]+)+").expect("valid pattern");
    email
        .replace_all(text, "[email]")
        .chars()
        .map(|c| {
            if c.is_numeric() && !crate::data::text::is_han(c) {
                '#'
            } else {
                c
            }
        })
        .collect()
}

/// The shortest clear examples of theme `t` per segment: comments that mention it and no
/// other theme, at least 8 characters, shortest first (ties: row order).
pub(super) fn examples(
    processed: &[Processed],
    cells: &[Option<String>],
    ids: &[String],
    seg: &[Option<usize>],
    segments: &[String],
    t: usize,
    opts: &FeedbackOptions,
) -> Vec<Example> {
    if opts.examples == 0 {
        return vec![];
    }
    let mut out = Vec::new();
    let groups: Vec<Option<usize>> = if segments.len() > 1 {
        (0..segments.len() - 1).map(Some).collect()
    } else {
        vec![None]
    };
    for g in groups {
        let mut cand: Vec<(usize, usize)> = processed
            .iter()
            .enumerate()
            .filter(|(i, p)| {
                p.excluded.is_none()
                    && p.themes == 1 << t
                    && p.chars >= 8
                    && (g.is_none() || seg[*i] == g)
            })
            .map(|(i, p)| (p.chars, i))
            .collect();
        cand.sort_unstable();
        let mut shown: Vec<&str> = Vec::new();
        for (_, i) in cand {
            if shown.len() == opts.examples {
                break;
            }
            // The same words twice say nothing new.
            let raw = cells[i].as_deref().unwrap_or_default().trim();
            if shown.contains(&raw) {
                continue;
            }
            shown.push(raw);
            let text = raw.to_string();
            out.push(Example {
                segment: g.map_or("all".into(), |s| segments[s + 1].clone()),
                id: if opts.mask {
                    mask(&ids[i])
                } else {
                    ids[i].clone()
                },
                text: if opts.mask { mask(&text) } else { text },
            });
        }
    }
    out
}

/// Discovery's lists, with each key shown by its commonest written form.
#[allow(clippy::too_many_arguments)]
pub(super) fn discovery(
    counts: &process::Counts,
    sizes: &[u32],
    processed: &[Processed],
    analysed: &[usize],
    band_list: &[(String, f64, f64)],
    opts: &FeedbackOptions,
    tok: &Tokenizer,
    cells: &[Option<String>],
) -> Discovery {
    let unmatched: Vec<usize> = analysed
        .iter()
        .copied()
        .filter(|&i| processed[i].themes == 0)
        .collect();
    let mut terms = discover::distinctive(counts, (1, 2, 0), sizes, opts.min_comments, opts.top);
    let mut frequent = discover::frequent(counts, (1, 2, 0), sizes, opts.min_comments, opts.top);
    let mut bands = Vec::new();
    for (b, (label, _, _)) in band_list.iter().enumerate() {
        // This band against the other bands' unmatched comments (comments without a
        // rating count in neither), the prior from all unmatched comments.
        let mut c = counts.clone();
        for v in c.values_mut() {
            let others: u32 = (0..band_list.len())
                .filter(|&o| o != b)
                .map(|o| v[3 + o])
                .sum();
            v.push(others);
        }
        let mut s = sizes.to_vec();
        s.push(
            (0..band_list.len())
                .filter(|&o| o != b)
                .map(|o| sizes[3 + o])
                .sum(),
        );
        let other = 3 + band_list.len();
        bands.push(BandTerms {
            band: label.clone(),
            comments: sizes[3 + b] as usize,
            terms: discover::distinctive(&c, (3 + b, other, 1), &s, opts.min_comments, opts.top),
        });
    }
    // Written forms: the commonest surface of each listed key in the unmatched comments.
    let mut wanted: std::collections::HashMap<String, std::collections::HashMap<String, u32>> =
        Default::default();
    for d in terms
        .iter()
        .chain(&frequent)
        .chain(bands.iter().flat_map(|b| &b.terms))
    {
        wanted.entry(d.key.clone()).or_default();
    }
    for &i in &unmatched {
        let Some(text) = &cells[i] else { continue };
        let tokens = tok.tokens(&crate::data::text::normalize(text));
        for (j, t) in tokens.iter().enumerate() {
            if let Some(m) = wanted.get_mut(&t.key) {
                *m.entry(t.surface.clone()).or_default() += 1;
            }
            if let Some(next) = tokens.get(j + 1) {
                let key = format!("{} {}", t.key, next.key);
                if let Some(m) = wanted.get_mut(&key) {
                    *m.entry(format!("{} {}", t.surface, next.surface))
                        .or_default() += 1;
                }
            }
        }
    }
    let shown = |d: &mut Distinct| {
        if let Some(m) = wanted.get(&d.key) {
            if let Some((s, _)) = m
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            {
                d.term = s.clone();
            }
        }
    };
    terms.iter_mut().for_each(shown);
    frequent.iter_mut().for_each(shown);
    for b in &mut bands {
        b.terms.iter_mut().for_each(shown);
    }
    Discovery {
        unmatched: unmatched.len(),
        matched: analysed.len() - unmatched.len(),
        terms,
        frequent,
        bands,
        method: DISCOVERY_METHOD.into(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn masking_hides_digits_and_addresses_but_not_chinese_numerals() {
        assert_eq!(
            super::mask("call 13812345678 or wang.li+bank@example.com.cn, 等了三十分钟"),
            "call ########### or [email], 等了三十分钟"
        );
    }
}
