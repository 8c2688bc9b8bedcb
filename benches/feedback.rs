//! Feedback themes (issue #27 target: 1,000,000 comments, mixed Chinese and English, about
//! 20 words each, tokenised, themed and linked in under 20 s): the simulator's planted
//! survey with each comment joined to the next four (so a comment holds five reasons,
//! about 20 words), analysed by segment against satisfaction with the starter codebook:
//! segmentation, stemming, themes, sentiment, prevalence, the impact regressions with
//! Shapley shares, discovery and examples. `PROFITCHAIN_BENCH_COMMENTS` sets the number of
//! comments (default 1,000,000).

use criterion::{criterion_group, criterion_main, Criterion};
use polars::prelude::*;
use profitchain::analysis::feedback::{self, Codebook, FeedbackOptions};
use profitchain::data::simulate_comments::planted;
use profitchain::data::text::{normalize, Resources, Tokenizer};

fn bench(c: &mut Criterion) {
    let n: usize = std::env::var("PROFITCHAIN_BENCH_COMMENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let (sim, _) = planted(11, n).unwrap();
    let text: Vec<Option<String>> = sim
        .survey
        .column("comment")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.map(str::to_string))
        .collect();
    let long: Vec<Option<String>> = (0..n)
        .map(|i| {
            let parts: Vec<&str> = (0..5)
                .filter_map(|k| text[(i + k) % n].as_deref())
                .collect();
            (!parts.is_empty()).then(|| parts.join("。"))
        })
        .collect();
    let mut df = sim.survey.clone();
    df.with_column(Column::new("comment".into(), long.clone()))
        .unwrap();
    let tok = Tokenizer::new(&Resources::default(), &[]);
    // Words as written (jieba's tokens with a letter or digit: Chinese words and English
    // words alike) and words left after stop words, over the first 10,000 comments.
    let first: Vec<&String> = long.iter().take(10_000).flatten().collect();
    let mean = |f: &dyn Fn(&str) -> usize| {
        first.iter().map(|s| f(s)).sum::<usize>() as f64 / first.len() as f64
    };
    let written = mean(&|s| {
        tok.segment(&normalize(s))
            .iter()
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .count()
    });
    let content = mean(&|s| tok.tokens(&normalize(s)).len());
    let chars: usize = long.iter().flatten().map(|s| s.chars().count()).sum();
    eprintln!("{n} comments, {chars} characters, {written:.1} words each as written, {content:.1} after stop words");
    let opts = FeedbackOptions {
        comment: "comment".into(),
        ratings: vec!["satisfaction".into()],
        by: Some("segment".into()),
        id: Some("respondent_id".into()),
        scale: Some([1.0, 10.0]),
        ..Default::default()
    };
    let codebook = Codebook::starter();
    let res = Resources::default();
    let mut g = c.benchmark_group("feedback");
    g.sample_size(10);
    g.bench_function(
        format!("{n} comments: tokenise, theme, sentiment, link, discover"),
        |b| b.iter(|| feedback::run(&df, "bench", &opts, &codebook, &res).unwrap()),
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
