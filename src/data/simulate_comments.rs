//! Simulated open-ended comments with planted themes (issue #27), in Chinese, English
//! and both at once.
//!
//! A comment is put together from phrases: one per theme present (several wordings per
//! theme and language, none holding a sentiment-lexicon word), a tone phrase (positive,
//! negative or none, some of them negated: "not bad at all", "总体不满意"), now and then a
//! negated mention of a theme that must not count ("I did not have to wait", "这次没有排队")
//! and neutral filler. So the comment's themes are known exactly, and its lexicon
//! sentiment equals its tone (−1, 0, +1).
//!
//! `parking` is planted but is in no codebook: discovery must surface it.

use polars::prelude::*;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::simulate::{noise, Simulated};
use crate::error::{Error, Result};

/// The planted themes, in codebook order (parking last: not in the starter codebook).
pub const THEMES: [&str; 5] = ["staff", "waiting time", "fees", "app and online", "parking"];

/// Wordings per theme: (English, Chinese).
const PHRASES: [(&[&str], &[&str]); 5] = [
    (
        &[
            "the teller at the counter",
            "my relationship manager called me back",
            "the staff at the branch",
        ],
        &["柜员办理业务", "客户经理联系了我", "工作人员给我解释"],
    ),
    (
        &[
            "waited 40 minutes in the queue",
            "the queue at the branch",
            "was on hold for half an hour",
        ],
        &["排队等了很久", "排队的人太多", "等待时间一个小时"],
    ),
    (
        &[
            "the monthly fee",
            "transfer charges on my statement",
            "the fee for cash withdrawals",
        ],
        &["手续费", "每年的年费", "转账扣费"],
    ),
    (
        &[
            "the mobile app",
            "online banking login",
            "logging in to the website",
        ],
        &["手机银行", "网银登录", "线上办理"],
    ),
    (
        &[
            "parking near the branch",
            "finding parking downtown",
            "the parking lot",
        ],
        &["附近停车", "找地方停车", "停车要绕很远"],
    ),
];

/// Tone phrases: (positive, negative) per language; their lexicon score is exactly ±1.
const TONE: [(&[&str], &[&str]); 2] = [
    (
        &["overall satisfied", "not bad at all", "very pleased"],
        &[
            "not satisfied overall",
            "very disappointed",
            "never pleased",
        ],
    ),
    (
        &["总体很满意", "还不错", "非常满意"],
        &["总体不满意", "很失望", "一点都不满意"],
    ),
];

/// Negated mentions that carry no theme.
const DECOYS: [&[&str]; 2] = [
    &["i did not have to wait", "there was no queue"],
    &["这次没有排队", "没排队"],
];

/// Neutral filler.
const FILLER: [&[&str]; 2] = [&["this time", "on my visit"], &["这次", "上周"]];

/// Plain remarks of a respondent with no reason and no tone.
const PLAIN: [&[&str]; 2] = [&["it was ok", "nothing special"], &["还行", "一般般"]];

/// Share of comments that are a non-answer ("n/a", "无").
pub const NON_ANSWER: f64 = 0.05;

/// A comment's language: 0 English, 1 Chinese, 2 mixed (themes in one, tone in the other).
fn language(rng: &mut ChaCha8Rng, shares: [f64; 2]) -> usize {
    let u: f64 = rng.random();
    if u < shares[0] {
        1
    } else if u < shares[0] + shares[1] {
        0
    } else {
        2
    }
}

/// Compose a comment with the themes in `present` (indices into [`THEMES`]) and `tone`.
pub fn compose(rng: &mut ChaCha8Rng, present: &[usize], tone: i8, shares: [f64; 2]) -> String {
    let lang = language(rng, shares);
    let (theme_lang, tone_lang) = match lang {
        2 => {
            let l = rng.random_range(0..2);
            (l, 1 - l)
        }
        l => (l, l),
    };
    let mut parts: Vec<String> = Vec::new();
    if rng.random::<f64>() < 0.2 {
        parts.push(
            FILLER[theme_lang]
                .choose(rng)
                .copied()
                .unwrap_or_default()
                .into(),
        );
    }
    for &t in present {
        let (en, zh) = PHRASES[t];
        let bank = if theme_lang == 0 { en } else { zh };
        parts.push(bank.choose(rng).copied().unwrap_or_default().into());
    }
    // A negated mention of waiting, only where waiting is not a theme of the comment.
    if !present.contains(&1) && rng.random::<f64>() < 0.1 {
        parts.push(
            DECOYS[theme_lang]
                .choose(rng)
                .copied()
                .unwrap_or_default()
                .into(),
        );
    }
    match tone {
        1 => parts.push(
            TONE[tone_lang]
                .0
                .choose(rng)
                .copied()
                .unwrap_or_default()
                .into(),
        ),
        -1 => parts.push(
            TONE[tone_lang]
                .1
                .choose(rng)
                .copied()
                .unwrap_or_default()
                .into(),
        ),
        _ => {}
    }
    if parts.is_empty() {
        // Nothing to report: a plain remark, still a comment (so what is left out does
        // not depend on the themes).
        parts.push(
            PLAIN[theme_lang]
                .choose(rng)
                .copied()
                .unwrap_or_default()
                .into(),
        );
    }
    // A non-answer, whatever the experience: independent of themes and tone, so leaving
    // these out selects nothing.
    if rng.random::<f64>() < NON_ANSWER {
        return if theme_lang == 0 {
            "n/a".into()
        } else {
            "无".into()
        };
    }
    let sep = if theme_lang == 1 && tone_lang == 1 {
        "，"
    } else {
        ", "
    };
    let mut s = parts.join(sep);
    if theme_lang == 0 {
        // Sentence case, as people write.
        let mut c = s.chars();
        if let Some(f) = c.next() {
            s = f.to_uppercase().chain(c).collect();
        }
    }
    s
}

/// The planted truth of one segment.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentTruth {
    pub segment: &'static str,
    /// Share of respondents of the segment.
    pub share: f64,
    /// Satisfaction of a comment with no theme and neutral tone (before rounding).
    pub base: f64,
    /// Each theme's prevalence among comments, and its effect on satisfaction (points).
    pub prevalence: [f64; 5],
    pub effect: [f64; 5],
}

/// The `feedback` scenario's truth.
#[derive(Debug, Clone, Serialize)]
pub struct FeedbackTruth {
    pub themes: [&'static str; 5],
    pub segments: [SegmentTruth; 2],
    /// Tone shares (positive, negative) and the effect of a point of sentiment.
    pub tone: [f64; 2],
    pub sentiment_effect: f64,
    pub noise_sd: f64,
    /// Shares of respondents writing Chinese and English (the rest mixed).
    pub languages: [f64; 2],
    /// Respondents leaving the comment blank.
    pub blank: f64,
    pub note: &'static str,
}

pub fn feedback_truth() -> FeedbackTruth {
    FeedbackTruth {
        themes: THEMES,
        segments: [
            SegmentTruth {
                segment: "profitable",
                share: 0.6,
                base: 6.8,
                prevalence: [0.20, 0.15, 0.10, 0.25, 0.10],
                effect: [-0.8, -0.6, -0.5, -0.4, -0.7],
            },
            SegmentTruth {
                segment: "unprofitable",
                share: 0.4,
                base: 6.2,
                prevalence: [0.30, 0.30, 0.20, 0.15, 0.10],
                effect: [-1.0, -1.4, -0.9, -0.3, -0.7],
            },
        ],
        tone: [0.35, 0.35],
        sentiment_effect: 0.9,
        noise_sd: 1.0,
        languages: [0.55, 0.35],
        blank: 0.15,
        note: "satisfaction = round(base + sum of effects of the themes present + sentiment_effect * tone + noise), noise normal clipped at 2.5 sd, kept on 1-10; themes independent Bernoulli draws; parking is planted but in no codebook; 5% of the written comments are a non-answer (n/a, 无) whatever the themes",
    }
}

/// The `feedback` scenario: `n` respondents of two segments, each with a satisfaction
/// rating (1–10), a recommendation (0–10) and a comment with planted themes.
pub fn feedback(seed: u64, n: usize) -> Result<Simulated> {
    Ok(planted(seed, n)?.0)
}

/// [`feedback`] with each respondent's planted themes (bit t: [`THEMES`]\[t\]), for tests
/// of recall and precision.
pub fn planted(seed: u64, n: usize) -> Result<(Simulated, Vec<u8>)> {
    if n < 100 {
        return Err(Error::Usage(
            "--customers must be at least 100 for feedback".into(),
        ));
    }
    let truth = feedback_truth();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let width = n.to_string().len().max(5);
    let (mut ids, mut segs, mut sat, mut rec, mut comments) =
        (vec![], vec![], vec![], vec![], Vec::<Option<String>>::new());
    let mut planted = Vec::with_capacity(n);
    for i in 0..n {
        let s = usize::from(rng.random::<f64>() >= truth.segments[0].share);
        let st = &truth.segments[s];
        let present: Vec<usize> = (0..5)
            .filter(|&t| rng.random::<f64>() < st.prevalence[t])
            .collect();
        let u: f64 = rng.random();
        let tone: i8 = if u < truth.tone[0] {
            1
        } else if u < truth.tone[0] + truth.tone[1] {
            -1
        } else {
            0
        };
        let latent = st.base
            + present.iter().map(|&t| st.effect[t]).sum::<f64>()
            + truth.sentiment_effect * f64::from(tone)
            + noise(&mut rng, truth.noise_sd);
        let blank = rng.random::<f64>() < truth.blank;
        let text = compose(&mut rng, &present, tone, truth.languages);
        ids.push(format!("R{:0width$}", i + 1));
        segs.push(st.segment);
        sat.push(latent.round().clamp(1.0, 10.0) as i64);
        rec.push(
            (latent + 1.0 + noise(&mut rng, 1.0))
                .round()
                .clamp(0.0, 10.0) as i64,
        );
        comments.push((!blank).then_some(text));
        planted.push(present.iter().fold(0u8, |m, &t| m | 1 << t));
    }
    let survey = DataFrame::new_infer_height(vec![
        Column::new("respondent_id".into(), ids),
        Column::new("segment".into(), segs),
        Column::new("satisfaction".into(), sat),
        Column::new("recommend".into(), rec),
        Column::new("comment".into(), comments),
    ])?;
    let sim = Simulated {
        survey,
        accounts: DataFrame::empty(),
        study_toml: String::new(),
        truth: serde_json::to_value(&truth).map_err(|e| Error::Internal(e.to_string()))?,
        transactions: None,
        subscriptions: None,
    };
    Ok((sim, planted))
}

/// How the retail-bank sample's comments arise: the reason for a respondent's score.
/// Staff, waiting time and fees are mentioned more the lower the respondent rated
/// service, convenience and price (logistic in the rating), the app and parking at fixed
/// rates; the tone follows the overall rating.
#[derive(Debug, Clone, Serialize)]
pub struct ReasonsTruth {
    /// P(theme) = 1 / (1 + exp(−(a + b·(c − rating)))) as (a, b, c) for staff (service),
    /// waiting (convenience) and fees (price).
    pub logistic: [[f64; 3]; 3],
    /// Fixed rates of app and online, and parking.
    pub fixed: [f64; 2],
    pub blank: f64,
    pub languages: [f64; 2],
    pub note: &'static str,
}

pub fn reasons_truth() -> ReasonsTruth {
    ReasonsTruth {
        logistic: [[-1.6, 0.6, 6.0], [-1.6, 0.6, 6.5], [-1.8, 0.6, 6.0]],
        fixed: [0.15, 0.06],
        blank: 0.2,
        languages: [0.6, 0.3],
        note: "tone: positive with probability 0.6 when satisfaction >= 8, negative with probability 0.6 when it is <= 5, else 0.2 each; comments drawn on their own random stream",
    }
}

/// A comment per survey row from its service, convenience, price and satisfaction ratings
/// (own random stream: the other columns do not change).
pub fn reasons(
    seed: u64,
    service: &[f64],
    convenience: &[f64],
    price: &[f64],
    satisfaction: &[f64],
) -> Vec<Option<String>> {
    let truth = reasons_truth();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x636f_6d6d_656e_7473);
    let logistic = |x: f64| 1.0 / (1.0 + (-x).exp());
    (0..service.len())
        .map(|i| {
            let ratings = [service[i], convenience[i], price[i]];
            let mut present = Vec::new();
            for (t, [a, b, c]) in truth.logistic.iter().enumerate() {
                if rng.random::<f64>() < logistic(a + b * (c - ratings[t])) {
                    present.push(t);
                }
            }
            for (j, p) in truth.fixed.iter().enumerate() {
                if rng.random::<f64>() < *p {
                    present.push(3 + j);
                }
            }
            let (pos, neg) = match satisfaction[i] {
                s if s >= 8.0 => (0.6, 0.1),
                s if s <= 5.0 => (0.1, 0.6),
                _ => (0.2, 0.2),
            };
            let u: f64 = rng.random();
            let tone = if u < pos {
                1
            } else if u < pos + neg {
                -1
            } else {
                0
            };
            let blank = rng.random::<f64>() < truth.blank;
            let text = compose(&mut rng, &present, tone, truth.languages);
            (!blank).then_some(text)
        })
        .collect()
}
