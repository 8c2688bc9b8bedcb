//! Issue #23 (scale): the hash-block bootstrap agrees with the customer bootstrap within
//! Monte Carlo error at 100,000 customers, is chosen by segment size, and says so.

use profitchain::analysis::chain::{self, ChainOptions};
use profitchain::stats::blocks::Resampling;

fn built(customers: usize) -> profitchain::data::build::CustomerTable {
    let dir = tempfile::TempDir::new().unwrap();
    let mut sim = profitchain::data::simulate::simulate("brokerage", 23, Some(customers)).unwrap();
    profitchain::data::simulate::write(&mut sim, dir.path()).unwrap();
    let study = profitchain::data::Study::from_file(&dir.path().join("study.toml")).unwrap();
    profitchain::analysis::study::build(&study).unwrap().table
}

fn run(
    table: &profitchain::data::build::CustomerTable,
    resampling: Resampling,
) -> chain::ChainResult {
    chain::run(
        table,
        &ChainOptions {
            bootstrap: 2000,
            seed: 7,
            resampling,
            id: Some(table.id.clone()),
            ..Default::default()
        },
    )
    .unwrap()
}

/// At 100,000 customers (all + 2 segments), every indirect effect's bootstrap SE and
/// percentile interval from 1,000 hash blocks agree with the customer bootstrap's within
/// Monte Carlo error: SEs within 12% (each SE carries about 1.6% Monte Carlo error from
/// 2,000 resamples and the blocks' own 2.2%), interval ends within 0.3 SE.
#[test]
fn block_bootstrap_agrees_with_the_customer_bootstrap_at_100k() {
    let table = built(100_000);
    let by_customers = run(&table, Resampling::Customers);
    let by_blocks = run(&table, Resampling::Blocks);
    let mut compared = 0;
    for (a, b) in by_customers.segments.iter().zip(&by_blocks.segments) {
        assert_eq!(a.name, b.name);
        let (ma, mb) = (a.mediation.as_ref().unwrap(), b.mediation.as_ref().unwrap());
        assert_eq!(ma.resampled_groups, None);
        assert_eq!(
            mb.resampled_groups,
            Some(profitchain::stats::blocks::BLOCKS)
        );
        for (x, y) in ma.indirect_effects.iter().zip(&mb.indirect_effects) {
            let (sa, sb) = (x.interval.boot_se, y.interval.boot_se);
            assert!(
                (sb / sa - 1.0).abs() < 0.12,
                "{} {}: SE {sb} vs {sa}",
                a.name,
                x.path
            );
            assert!(
                (x.interval.ci_low - y.interval.ci_low).abs() < 0.3 * sa,
                "{} {} low",
                a.name,
                x.path
            );
            assert!(
                (x.interval.ci_high - y.interval.ci_high).abs() < 0.3 * sa,
                "{} {} high",
                a.name,
                x.path
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 3 * 6);
    // The text says which segments resampled blocks.
    let text = profitchain::report::chain::text(&by_blocks);
    assert!(text.contains("Bootstrap by hash blocks in all, profitable, unprofitable"));
    assert!(!profitchain::report::chain::text(&by_customers).contains("hash blocks"));
}

/// `auto` resamples customers below 200,000 per segment and blocks from there; the
/// bundled samples' numbers are those of the customer bootstrap.
#[test]
fn auto_chooses_by_segment_size() {
    assert!(!Resampling::Auto.uses_blocks(199_999, "s").unwrap());
    assert!(Resampling::Auto.uses_blocks(200_000, "s").unwrap());
    assert!(!Resampling::Customers.uses_blocks(10_000_000, "s").unwrap());
    assert!(Resampling::Blocks.uses_blocks(10_000, "s").unwrap());
    let err = Resampling::Blocks
        .uses_blocks(81, "all")
        .unwrap_err()
        .to_string();
    assert!(err.contains("segment 'all' has 81 customers"), "{err}");
}

/// The duplicate-respondent check without the two-key count: respondent numbers that
/// repeat across customers (R1, R2 in every customer) are fine; the same respondent twice
/// in one customer is still refused, naming the pair.
#[test]
fn repeated_respondents_are_found_without_a_two_key_count() {
    let dir = tempfile::TempDir::new().unwrap();
    let study = crate::common::write(
        dir.path(),
        "study.toml",
        r#"
[[table]]
name = "survey"
path = "survey.csv"
level = "respondent"
respondent = "rid"
[[table]]
name = "accounts"
path = "accounts.csv"
[roles]
id = "cid"
satisfaction = "sat"
share_of_wallet = "sow"
revenue = "revenue"
profit = "profit"
"#,
    );
    let mut accounts = String::from("cid,sow,revenue,profit\n");
    let mut survey = String::from("cid,rid,sat\n");
    for c in 0..40 {
        accounts.push_str(&format!(
            "C{c},{},{},{}\n",
            0.1 + 0.01 * c as f64,
            100 + 7 * c,
            10 - c % 7
        ));
        for r in 1..=3 {
            survey.push_str(&format!("C{c},R{r},{}\n", 1 + (c + r) % 10));
        }
    }
    crate::common::write(dir.path(), "accounts.csv", &accounts);
    crate::common::write(dir.path(), "survey.csv", &survey);
    let s = profitchain::data::Study::from_file(&study).unwrap();
    assert_eq!(
        profitchain::analysis::study::build(&s)
            .unwrap()
            .table
            .df
            .height(),
        40
    );
    survey.push_str("C7,R2,5\n");
    crate::common::write(dir.path(), "survey.csv", &survey);
    let err = profitchain::analysis::study::build(&s)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("cid + rid") && err.contains("C7"), "{err}");
}
