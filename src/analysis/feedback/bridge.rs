//! From what customers say to profit: the profit that removing a theme's effect on
//! satisfaction would bring, per segment.
//!
//! For theme t in segment s, with b_t its effect on the satisfaction rating (the impact
//! regression: OLS of the respondent's rating on the theme indicators and sentiment) and
//! c_s the segment's total effect of satisfaction on profit (the slope of profit on
//! satisfaction with the chain's covariates; in Hayes' model 6 it equals c' plus the three
//! indirect effects), a customer i whose m_i of k_i rated respondents mention t would gain
//! −b_t·m_i/k_i points of satisfaction (a customer's satisfaction is the mean of their
//! respondents'), worth −b_t·c_s·m_i/k_i a year. The segment's total is the sum over its
//! customers; per customer it is divided by the customers whose respondents mention t.
//!
//! The interval is a percentile bootstrap over customers (each resample draws a segment's
//! customers with replacement and carries all their respondents), so b_t, c_s and the
//! mention shares vary together as they would in a new sample of customers. Resample r of
//! segment g draws from ChaCha8 seeded by the run's seed on stream (g, r): the same seed
//! gives the same interval on any number of threads.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::process::Processed;
use crate::stats::bootstrap::{quantile_sorted, CrossProducts};

/// One theme's bridge in one segment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Bridge {
    pub segment: String,
    pub theme: String,
    /// The theme's effect on the satisfaction rating (points).
    pub rating_effect: f64,
    /// The segment's total effect of satisfaction on profit (per point, per year).
    pub total_effect: f64,
    /// Customers whose respondents mention the theme.
    pub customers: usize,
    /// Profit per such customer of removing the theme's effect, and its interval.
    pub per_customer: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// The segment's total.
    pub total: f64,
    pub total_ci: [f64; 2],
}

/// The customers and respondents the bridge needs.
pub struct Data<'a> {
    /// Segment names, `all` first; each customer's segment index among the segments
    /// proper (0-based; `segments[1 + s]`).
    pub segments: &'a [String],
    pub customer_segment: &'a [usize],
    /// Each customer's satisfaction, profit and the chain's covariates.
    pub satisfaction: &'a [f64],
    pub profit: &'a [f64],
    pub covariates: &'a [Vec<f64>],
    /// Each respondent row's customer (None: not analysed) and satisfaction rating.
    pub row_customer: &'a [Option<usize>],
    pub rating: &'a [f64],
    pub processed: &'a [Processed],
    pub themes: &'a [String],
}

/// Packed sums [Σw, Σwz, Σwzzᵀ upper] of one row z (weight 1).
fn packed(z: &[f64], out: &mut [f64]) {
    let k = z.len();
    out[0] += 1.0;
    for a in 0..k {
        out[1 + a] += z[a];
    }
    let mut p = 1 + k;
    for a in 0..k {
        for b in a..k {
            out[p] += z[a] * z[b];
            p += 1;
        }
    }
}

/// One estimate: the themes' rating effects, the total effect of satisfaction on profit,
/// Σ w·m/k per theme and the (weighted) customers mentioning each theme.
type Estimate = (Vec<f64>, f64, Vec<f64>, Vec<f64>);

/// One segment's customers, each with its respondents' regression sums, its own sums,
/// and its mention shares m_i/k_i per theme.
struct Segment {
    themes: Vec<usize>,
    resp: Vec<Vec<f64>>,
    cust: Vec<Vec<f64>>,
    shares: Vec<Vec<f64>>,
    k_resp: usize,
    k_cust: usize,
}

impl Segment {
    /// (b_t for each used theme, c, Σ shares·w per theme, customers mentioning per theme)
    /// under customer weights `w`.
    fn estimate(&self, w: &[u32]) -> Option<Estimate> {
        let add = |rows: &[Vec<f64>]| -> Vec<f64> {
            let mut s = vec![0.0; rows.first().map_or(0, Vec::len)];
            for (r, &wi) in rows.iter().zip(w) {
                if wi > 0 {
                    let f = f64::from(wi);
                    s.iter_mut().zip(r).for_each(|(a, b)| *a += f * b);
                }
            }
            s
        };
        let ones = |k: usize| vec![1.0; k];
        let r = CrossProducts::from_packed(self.k_resp, &ones(self.k_resp), &add(&self.resp));
        let xs: Vec<usize> = (0..self.k_resp - 1).collect();
        let b = r.slopes(self.k_resp - 1, &xs)?;
        let c = CrossProducts::from_packed(self.k_cust, &ones(self.k_cust), &add(&self.cust));
        let cx: Vec<usize> = (0..self.k_cust - 1).collect();
        let total = c.slopes(self.k_cust - 1, &cx)?[0];
        let nt = self.themes.len();
        let (mut gain, mut who) = (vec![0.0; nt], vec![0.0; nt]);
        for (s, &wi) in self.shares.iter().zip(w) {
            for t in 0..nt {
                if s[t] > 0.0 {
                    gain[t] += f64::from(wi) * s[t];
                    who[t] += f64::from(wi);
                }
            }
        }
        Some((b[..nt].to_vec(), total, gain, who))
    }
}

/// The bridge of every theme in every segment (`all` first), with `resamples` bootstrap
/// resamples (0: no intervals).
pub fn bridges(d: &Data, resamples: usize, seed: u64, confidence: f64) -> Vec<Bridge> {
    let n_cust = d.satisfaction.len();
    let mut out = Vec::new();
    for (g, name) in d.segments.iter().enumerate() {
        let members: Vec<usize> = (0..n_cust)
            .filter(|&i| g == 0 || d.customer_segment[i] == g - 1)
            .collect();
        let Some(seg) = segment(d, &members) else {
            continue;
        };
        let all_w = vec![1u32; members.len()];
        let Some((b, c, gain, who)) = seg.estimate(&all_w) else {
            continue;
        };
        let draws: Vec<Option<Estimate>> = (0..resamples)
            .into_par_iter()
            .map(|r| {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                rng.set_stream(((g as u64) << 32) | r as u64);
                let mut w = vec![0u32; members.len()];
                for _ in 0..members.len() {
                    w[rng.random_range(0..members.len())] += 1;
                }
                seg.estimate(&w)
            })
            .collect();
        let alpha = (1.0 - confidence) / 2.0;
        for (j, &t) in seg.themes.iter().enumerate() {
            let value = |b: &[f64], c: f64, gain: &[f64]| -b[j] * c * gain[j];
            let total = value(&b, c, &gain);
            let per = total / who[j].max(1.0);
            let ci = |f: &dyn Fn(&Estimate) -> f64| -> [f64; 2] {
                let mut v: Vec<f64> = draws
                    .iter()
                    .flatten()
                    .map(f)
                    .filter(|x| x.is_finite())
                    .collect();
                if v.len() < 2 {
                    return [f64::NAN, f64::NAN];
                }
                v.sort_by(f64::total_cmp);
                [quantile_sorted(&v, alpha), quantile_sorted(&v, 1.0 - alpha)]
            };
            let per_ci = ci(&|x| value(&x.0, x.1, &x.2) / x.3[j].max(1.0));
            out.push(Bridge {
                segment: name.clone(),
                theme: d.themes[t].clone(),
                rating_effect: b[j],
                total_effect: c,
                customers: who[j] as usize,
                per_customer: per,
                ci_low: per_ci[0],
                ci_high: per_ci[1],
                total,
                total_ci: ci(&|x| value(&x.0, x.1, &x.2)),
            });
        }
    }
    out
}

/// The sums of segment `members`; None when a regression cannot be set up (too few rows).
fn segment(d: &Data, members: &[usize]) -> Option<Segment> {
    let mut place = vec![usize::MAX; d.satisfaction.len()];
    for (j, &i) in members.iter().enumerate() {
        place[i] = j;
    }
    // Respondent rows of these customers with a rating; k_i counts them all, the
    // regression uses the analysed comments among them.
    let rows: Vec<(usize, usize)> = d
        .row_customer
        .iter()
        .enumerate()
        .filter_map(|(r, c)| {
            let c = (*c)?;
            (place[c] != usize::MAX && d.rating[r].is_finite()).then_some((r, place[c]))
        })
        .collect();
    let analysed: Vec<(usize, usize)> = rows
        .iter()
        .copied()
        .filter(|(r, _)| d.processed[*r].excluded.is_none())
        .collect();
    let themes: Vec<usize> = (0..d.themes.len())
        .filter(|&t| {
            let m = analysed
                .iter()
                .filter(|(r, _)| d.processed[*r].themes >> t & 1 == 1)
                .count();
            m > 0 && m < analysed.len()
        })
        .collect();
    // As the impact regression: at least 10 residual degrees of freedom.
    if analysed.len() < themes.len() + 12 || members.len() < 3 {
        return None;
    }
    let nt = themes.len();
    // Sentiment as in the impact regression: left out when it does not vary.
    let scores: Vec<f64> = analysed
        .iter()
        .map(|(r, _)| d.processed[*r].sentiment.unwrap_or(0.0))
        .collect();
    let with_sentiment = scores.iter().any(|s| *s != scores[0]);
    let k_resp = nt + 1 + usize::from(with_sentiment);
    let row_z = |r: usize| -> Vec<f64> {
        let p = &d.processed[r];
        let mut z: Vec<f64> = themes
            .iter()
            .map(|&t| f64::from(p.themes >> t & 1 == 1))
            .collect();
        if with_sentiment {
            z.push(p.sentiment.unwrap_or(0.0));
        }
        z.push(d.rating[r]);
        z
    };
    // Centre at the segment's means for accuracy (slopes do not change).
    let mean = |zs: &mut dyn Iterator<Item = Vec<f64>>, k: usize| -> Vec<f64> {
        let (mut s, mut n) = (vec![0.0; k], 0.0f64);
        for z in zs {
            s.iter_mut().zip(&z).for_each(|(a, b)| *a += b);
            n += 1.0;
        }
        s.iter().map(|v| v / n.max(1.0)).collect()
    };
    let m_resp = mean(&mut analysed.iter().map(|(r, _)| row_z(*r)), k_resp);
    let terms = |k: usize| 1 + k + k * (k + 1) / 2;
    let mut resp = vec![vec![0.0; terms(k_resp)]; members.len()];
    for &(r, j) in &analysed {
        let z: Vec<f64> = row_z(r).iter().zip(&m_resp).map(|(a, b)| a - b).collect();
        packed(&z, &mut resp[j]);
    }
    let k_cust = 2 + d.covariates.len();
    let cust_z = |i: usize| -> Vec<f64> {
        let mut z = vec![d.satisfaction[i]];
        z.extend(d.covariates.iter().map(|c| c[i]));
        z.push(d.profit[i]);
        z
    };
    let m_cust = mean(&mut members.iter().map(|&i| cust_z(i)), k_cust);
    let mut cust = vec![vec![0.0; terms(k_cust)]; members.len()];
    for (j, &i) in members.iter().enumerate() {
        let z: Vec<f64> = cust_z(i).iter().zip(&m_cust).map(|(a, b)| a - b).collect();
        if z.iter().all(|v| v.is_finite()) {
            packed(&z, &mut cust[j]);
        }
    }
    let mut rated = vec![0.0; members.len()];
    let mut mentions = vec![vec![0.0; nt]; members.len()];
    for &(r, j) in &rows {
        rated[j] += 1.0;
        let p = &d.processed[r];
        if p.excluded.is_none() {
            for (q, &t) in themes.iter().enumerate() {
                if p.themes >> t & 1 == 1 {
                    mentions[j][q] += 1.0;
                }
            }
        }
    }
    let shares = mentions
        .into_iter()
        .zip(&rated)
        .map(|(m, k)| {
            m.iter()
                .map(|x| if *k > 0.0 { x / k } else { 0.0 })
                .collect()
        })
        .collect();
    Some(Segment {
        themes,
        resp,
        cust,
        shares,
        k_resp,
        k_cust,
    })
}
