//! Simulated studies with known truth (`profitchain simulate`).
//!
//! Each scenario is a documented generative model. The structural equations are written on
//! the customer-level values the builder produces (e.g. the *mean* of a customer's
//! respondent ratings), so regressions on the built table recover the true coefficients up
//! to sampling error. Noise terms are normal draws clipped symmetrically at ±2.5 sd: mean
//! zero and independent of the regressors (so OLS stays unbiased) while keeping shares in
//! [0, 1] and each segment's profit on its side of zero. Everything is drawn from one
//! ChaCha8 stream seeded by `--seed`, so the same seed gives byte-identical files.

use std::path::Path;

use polars::prelude::*;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::purchases::LogTruth;
use rand_distr::{Distribution, LogNormal, Normal};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::output;

/// Available scenarios.
pub const SCENARIOS: [&str; 3] = ["brokerage", "retail-bank", "feedback"];

/// A generated scenario: raw tables, study file and truth.
pub struct Simulated {
    pub survey: DataFrame,
    pub accounts: DataFrame,
    pub study_toml: String,
    pub truth: serde_json::Value,
    /// A transaction log (one row per purchase), when the scenario has one.
    pub transactions: Option<DataFrame>,
    /// A subscription table (one row per subscriber: start, end or blank), when the
    /// scenario has one.
    pub subscriptions: Option<DataFrame>,
}

/// Generate scenario `name` with `customers` customers (None = the scenario's default).
pub fn simulate(name: &str, seed: u64, customers: Option<usize>) -> Result<Simulated> {
    match name {
        "brokerage" => brokerage(seed, customers.unwrap_or(81)),
        "retail-bank" => retail_bank(seed, customers.unwrap_or(20_000)),
        "feedback" => super::simulate_comments::feedback(seed, customers.unwrap_or(20_000)),
        other => Err(Error::Usage(format!(
            "unknown scenario '{other}'; choose one of: {}",
            SCENARIOS.join(", ")
        ))),
    }
}

/// Write a simulated scenario into `dir` (created if needed): survey.csv, accounts.csv,
/// study.toml, truth.json, transactions.csv when the scenario has a log and
/// subscriptions.csv when it has subscriptions.
pub fn write(sim: &mut Simulated, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::Write {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    })?;
    output::write_table(&dir.join("survey.csv"), &mut sim.survey)?;
    // The feedback scenario is one survey table: no accounts, no study file.
    if sim.accounts.width() > 0 {
        output::write_table(&dir.join("accounts.csv"), &mut sim.accounts)?;
    }
    if !sim.study_toml.is_empty() {
        output::write_text(&dir.join("study.toml"), &sim.study_toml)?;
    }
    if let Some(t) = sim.transactions.as_mut() {
        output::write_table(&dir.join("transactions.csv"), t)?;
    }
    if let Some(t) = sim.subscriptions.as_mut() {
        output::write_table(&dir.join("subscriptions.csv"), t)?;
    }
    let truth =
        serde_json::to_string_pretty(&sim.truth).map_err(|e| Error::Internal(e.to_string()))?;
    output::write_text(&dir.join("truth.json"), &(truth + "\n"))?;
    Ok(())
}

/// Normal noise clipped at ±2.5 sd (symmetric, so still mean zero).
pub(crate) fn noise(rng: &mut ChaCha8Rng, sd: f64) -> f64 {
    let z: f64 = Normal::new(0.0, 1.0).expect("unit normal").sample(rng);
    sd * z.clamp(-2.5, 2.5)
}

/// An integer rating: latent value plus respondent noise, rounded and kept on the scale.
pub(crate) fn rating(rng: &mut ChaCha8Rng, latent: f64, sd: f64, lo: f64, hi: f64) -> f64 {
    (latent + noise(rng, sd)).round().clamp(lo, hi)
}

pub(crate) fn round_to(x: f64, digits: i32) -> f64 {
    let p = 10f64.powi(digits);
    (x * p).round() / p
}

/// True coefficients of one linear equation.
#[derive(Debug, Clone, Serialize)]
pub struct Equation {
    pub outcome: &'static str,
    /// (term, coefficient); "Intercept" first.
    pub coefficients: Vec<(&'static str, f64)>,
    /// Sd of the normal noise before clipping at ±2.5 sd.
    pub noise_sd: f64,
}

impl Equation {
    pub(crate) fn eval(&self, x: &[f64]) -> f64 {
        self.coefficients[0].1
            + self.coefficients[1..]
                .iter()
                .zip(x)
                .map(|((_, b), v)| b * v)
                .sum::<f64>()
    }
}

/// Brokerage-study parameters per segment: SOW, revenue and profit equations.
pub(crate) struct ChainTruth {
    pub(crate) sat_mean: f64,
    pub(crate) sow: Equation,
    pub(crate) revenue: Equation,
    pub(crate) profit: Equation,
}

pub(crate) fn brokerage_truth() -> [(&'static str, ChainTruth); 2] {
    [
        (
            "profitable",
            ChainTruth {
                sat_mean: 6.8,
                sow: Equation {
                    outcome: "share_of_wallet",
                    coefficients: vec![("Intercept", 0.10), ("satisfaction", 0.05)],
                    noise_sd: 0.05,
                },
                revenue: Equation {
                    outcome: "revenue",
                    coefficients: vec![
                        ("Intercept", 200.0),
                        ("satisfaction", 10.0),
                        ("share_of_wallet", 2000.0),
                    ],
                    noise_sd: 80.0,
                },
                profit: Equation {
                    outcome: "profit",
                    coefficients: vec![
                        ("Intercept", 80.0),
                        ("satisfaction", 0.0),
                        ("share_of_wallet", 0.0),
                        ("revenue", 0.20),
                    ],
                    noise_sd: 25.0,
                },
            },
        ),
        (
            "unprofitable",
            ChainTruth {
                sat_mean: 6.3,
                sow: Equation {
                    outcome: "share_of_wallet",
                    coefficients: vec![("Intercept", 0.30), ("satisfaction", 0.01)],
                    noise_sd: 0.05,
                },
                revenue: Equation {
                    outcome: "revenue",
                    coefficients: vec![
                        ("Intercept", 600.0),
                        ("satisfaction", 0.0),
                        ("share_of_wallet", 2500.0),
                    ],
                    noise_sd: 80.0,
                },
                profit: Equation {
                    outcome: "profit",
                    coefficients: vec![
                        ("Intercept", -50.0),
                        ("satisfaction", 0.0),
                        ("share_of_wallet", 0.0),
                        ("revenue", -0.10),
                    ],
                    noise_sd: 25.0,
                },
            },
        ),
    ]
}

/// The brokerage truth per segment (JSON), with the segments' sizes when fixed.
pub(crate) fn brokerage_segments(sizes: Option<[usize; 2]>) -> Vec<serde_json::Value> {
    brokerage_truth()
        .iter()
        .enumerate()
        .map(|(i, (name, t))| {
            let mut v = serde_json::json!({
                "segment": name,
                "latent_satisfaction_mean": t.sat_mean,
                "equations": [&t.sow, &t.revenue, &t.profit],
            });
            if let Some(s) = sizes {
                v["customers"] = s[i].into();
            }
            v
        })
        .collect()
}

/// The B2B brokerage design: 81 clients (31 profitable, 50 unprofitable at the default
/// size), 3-6 respondents each rating satisfaction 1-10.
fn brokerage(seed: u64, n: usize) -> Result<Simulated> {
    if n < 4 {
        return Err(Error::Usage(
            "--customers must be at least 4 for brokerage".into(),
        ));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let truth = brokerage_truth();
    let n_profitable = ((n as f64) * 31.0 / 81.0).round() as usize;
    let mut kinds: Vec<usize> = (0..n).map(|i| usize::from(i >= n_profitable)).collect();
    kinds.shuffle(&mut rng);

    let width = n.to_string().len().max(3);
    let (mut s_id, mut s_resp, mut s_sat) = (Vec::new(), Vec::new(), Vec::new());
    let mut a = AccountsCols::default();
    let mut tenure = Vec::with_capacity(n);
    for (i, &k) in kinds.iter().enumerate() {
        let t = &truth[k].1;
        let id = format!("B{:0width$}", i + 1);
        let latent = t.sat_mean + noise(&mut rng, 1.2);
        let k_resp = rng.random_range(3..=6);
        let mut sum = 0.0;
        for r in 0..k_resp {
            let v = rating(&mut rng, latent, 1.0, 1.0, 10.0);
            sum += v;
            s_id.push(id.clone());
            s_resp.push(format!("{id}-R{}", r + 1));
            s_sat.push(v);
        }
        let sat = sum / k_resp as f64;
        let sow = t.sow.eval(&[sat]) + noise(&mut rng, t.sow.noise_sd);
        let revenue = t.revenue.eval(&[sat, sow]) + noise(&mut rng, t.revenue.noise_sd);
        let profit = t.profit.eval(&[sat, sow, revenue]) + noise(&mut rng, t.profit.noise_sd);
        a.id.push(id);
        a.revenue.push(revenue);
        a.sow.push(sow);
        a.cost.push(revenue - profit);
        tenure.push(f64::from(rng.random_range(1..=25)));
    }
    let survey = df_from(vec![
        Column::new("client_id".into(), s_id),
        Column::new("respondent_id".into(), s_resp),
        Column::new("satisfaction".into(), s_sat),
    ])?;
    let survey = as_ints(survey, &["satisfaction"])?;
    // Money in $ thousands, rounded to cents; SOW as a percentage to 2 decimals. The
    // generative equations use the unrounded values; rounding error is far below the noise.
    let accounts = df_from(vec![
        Column::new("client_id".into(), a.id),
        Column::new(
            "revenue".into(),
            a.revenue
                .iter()
                .map(|v| round_to(*v, 2))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "share_of_wallet_pct".into(),
            a.sow
                .iter()
                .map(|v| round_to(v * 100.0, 2))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "cost_to_serve".into(),
            a.cost.iter().map(|v| round_to(*v, 2)).collect::<Vec<_>>(),
        ),
        Column::new("tenure_years".into(), tenure),
    ])?;
    let accounts = as_ints(accounts, &["tenure_years"])?;
    let study_toml =
        r#"# Brokerage study (simulated): 3-6 respondents per client, SOW given in percent,
# profit derived as revenue - cost_to_serve, segments by profit > 0.
name = "brokerage"

[[table]]
name = "survey"
path = "survey.csv"
level = "respondent"
respondent = "respondent_id"

[[table]]
name = "accounts"
path = "accounts.csv"

[roles]
id = "client_id"
satisfaction = "satisfaction"
share_of_wallet = "share_of_wallet_pct"
revenue = "revenue"
cost = "cost_to_serve"

[options]
min_respondents = 3
aggregation = "mean"
share_of_wallet_scale = "percent"
satisfaction_scale = [1, 10]

[segments]
rule = "profit"
"#
        .to_string();
    let segs = brokerage_segments(Some([n_profitable, n - n_profitable]));
    let truth = serde_json::json!({
        "scenario": "brokerage",
        "seed": seed,
        "customers": n,
        "generative_model": "Per client: latent satisfaction ~ segment mean + N(0, 1.2); 3-6 respondents rate round(latent + N(0, 1)) on 1-10; satisfaction = mean rating. share_of_wallet, revenue, profit follow the segment's linear equations in the customer-level values, each with N(0, sd) noise clipped at ±2.5 sd. cost_to_serve = revenue - profit. Segment membership is fixed in advance and every profitable client has profit > 0, every unprofitable one profit < 0.",
        "segments": segs,
    });
    Ok(Simulated {
        survey,
        accounts,
        study_toml,
        truth,
        transactions: None,
        subscriptions: None,
    })
}

#[derive(Default)]
struct AccountsCols {
    id: Vec<String>,
    revenue: Vec<f64>,
    sow: Vec<f64>,
    cost: Vec<f64>,
}

fn df_from(columns: Vec<Column>) -> Result<DataFrame> {
    Ok(DataFrame::new_infer_height(columns)?)
}

/// Ratings, counts and years are whole numbers: store them as integers.
fn as_ints(df: DataFrame, names: &[&str]) -> Result<DataFrame> {
    let exprs: Vec<Expr> = names
        .iter()
        .map(|c| col(*c).cast(DataType::Int64))
        .collect();
    Ok(df.lazy().with_columns(exprs).collect()?)
}

/// Retail-bank truth: driver weights of overall satisfaction and the moderated, concave
/// share-of-wallet equation.
fn retail_truth() -> (Equation, Equation) {
    let drivers = Equation {
        outcome: "satisfaction (respondent rating before rounding)",
        coefficients: vec![
            ("Intercept", 0.8),
            ("quality", 0.35),
            ("service", 0.25),
            ("price", 0.15),
            ("convenience", 0.10),
        ],
        noise_sd: 0.8,
    };
    let sow = Equation {
        outcome: "share_of_wallet",
        coefficients: vec![
            ("Intercept", -0.19),
            ("satisfaction", 0.12),
            ("I(satisfaction ** 2)", -0.006),
            ("income_k", 0.0005),
            ("satisfaction:income_k", -0.0002),
            ("tenure_years", -0.002),
            ("satisfaction:tenure_years", 0.0008),
        ],
        noise_sd: 0.06,
    };
    (drivers, sow)
}

/// The retail bank's satisfaction effects on the purchase log: one more point multiplies
/// the mean purchase rate by e^0.15 ≈ 1.16, and moves the dropout probability's Beta(a, b)
/// to a·e^−0.2, b·e^0.1 (less dropout).
const SAT_ON_PURCHASES: [f64; 3] = [0.15, -0.2, 0.1];

/// The retail bank's plans: monthly churn Beta(0.7, 8) at average satisfaction (8% in the
/// first month, falling as the loyal remain); a satisfaction point lowers α by 22% and
/// raises β by 16%; plans opened over six years before 2025-06-30; four in five
/// households hold one.
fn retail_bank_subscriptions() -> super::simulate_subscriptions::SubscriptionTruth {
    super::simulate_subscriptions::SubscriptionTruth {
        sbg: [0.7, 8.0],
        gamma: [-0.25, 0.15],
        days_per_period: 365.25 / 12.0,
        as_of: 20_269,
        entry_days: 2_192,
        holders: 0.8,
    }
}

/// Retail bank: households with income and tenure moderating a concave satisfaction->SOW
/// link; respondents rate overall satisfaction, four attributes, recommendation and effort.
fn retail_bank(seed: u64, n: usize) -> Result<Simulated> {
    if n < 10 {
        return Err(Error::Usage(
            "--customers must be at least 10 for retail-bank".into(),
        ));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (drivers, sow_eq) = retail_truth();
    // Population shares of the recommendation item, drawn independently of satisfaction so
    // the true NPS is known exactly: 100 * (0.40 - 0.25) = 15.
    let (p_promoter, p_passive) = (0.40, 0.35);
    let attr_means = [7.2, 6.8, 6.0, 7.5];
    let regions = ["north", "south", "east", "west"];
    let income_dist =
        LogNormal::new(65f64.ln(), 0.5).map_err(|e| Error::Internal(e.to_string()))?;
    let spend_noise = LogNormal::new(0.0, 0.3).map_err(|e| Error::Internal(e.to_string()))?;
    let cost_tail = LogNormal::new(150f64.ln(), 0.9).map_err(|e| Error::Internal(e.to_string()))?;

    let width = n.to_string().len().max(5);
    let cap = n * 3;
    let mut s_id = Vec::with_capacity(cap);
    let mut s_resp = Vec::with_capacity(cap);
    let mut s_cols: [Vec<f64>; 7] = Default::default(); // sat, 4 attributes, recommend, effort
    for c in s_cols.iter_mut() {
        c.reserve(cap);
    }
    let mut acc_id = Vec::with_capacity(n);
    let mut household_sat = Vec::with_capacity(n);
    let (mut income, mut tenure, mut region) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut revenue, mut spend, mut cost, mut retained) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for i in 0..n {
        let id = format!("H{:0width$}", i + 1);
        let latent: Vec<f64> = attr_means
            .iter()
            .map(|m| m + noise(&mut rng, 1.3))
            .collect();
        let k_resp = rng.random_range(1..=5);
        let mut sum = 0.0;
        for r in 0..k_resp {
            let attrs: Vec<f64> = latent
                .iter()
                .map(|l| rating(&mut rng, *l, 1.0, 1.0, 10.0))
                .collect();
            let overall = rating(&mut rng, drivers.eval(&attrs), drivers.noise_sd, 1.0, 10.0);
            sum += overall;
            let u: f64 = rng.random();
            let recommend = if u < p_promoter {
                f64::from(rng.random_range(9..=10))
            } else if u < p_promoter + p_passive {
                f64::from(rng.random_range(7..=8))
            } else {
                f64::from(rng.random_range(0..=6))
            };
            let effort = rating(&mut rng, 3.2, 1.2, 1.0, 7.0);
            s_id.push(id.clone());
            s_resp.push(format!("{id}-R{}", r + 1));
            s_cols[0].push(overall);
            for (j, a) in attrs.iter().enumerate() {
                s_cols[1 + j].push(*a);
            }
            s_cols[5].push(recommend);
            s_cols[6].push(effort);
        }
        let sat = sum / k_resp as f64;
        let inc = round_to(income_dist.sample(&mut rng), 1);
        let ten = f64::from(rng.random_range(0..=30));
        let sow = (sow_eq.eval(&[sat, sat * sat, inc, sat * inc, ten, sat * ten])
            + noise(&mut rng, sow_eq.noise_sd))
        .clamp(0.005, 0.995);
        let wallet = 40.0 * inc * spend_noise.sample(&mut rng);
        let rev = sow * wallet;
        let c = 200.0 + 0.35 * rev + cost_tail.sample(&mut rng);
        let p_retain = 1.0 / (1.0 + (-(-2.0 + 0.6 * sat)).exp());
        household_sat.push(sat);
        acc_id.push(id);
        income.push(inc);
        tenure.push(ten);
        region.push(regions[rng.random_range(0..regions.len())]);
        revenue.push(round_to(rev, 2));
        spend.push(round_to(wallet, 2));
        cost.push(round_to(c, 2));
        retained.push(i64::from(rng.random::<f64>() < p_retain));
    }
    let [sat, quality, service, price, convenience, recommend, effort] = s_cols;
    // The open question ("the main reason for your score"), on its own random stream.
    let comments = super::simulate_comments::reasons(seed, &service, &convenience, &price, &sat);
    let survey = df_from(vec![
        Column::new("household_id".into(), s_id),
        Column::new("respondent_id".into(), s_resp),
        Column::new("satisfaction".into(), sat),
        Column::new("quality".into(), quality),
        Column::new("service".into(), service),
        Column::new("price".into(), price),
        Column::new("convenience".into(), convenience),
        Column::new("recommend".into(), recommend),
        Column::new("effort".into(), effort),
        Column::new("comment".into(), comments),
    ])?;
    let survey = as_ints(
        survey,
        &[
            "satisfaction",
            "quality",
            "service",
            "price",
            "convenience",
            "recommend",
            "effort",
        ],
    )?;
    let accounts = df_from(vec![
        Column::new("household_id".into(), acc_id),
        Column::new("income_k".into(), income),
        Column::new("tenure_years".into(), tenure),
        Column::new("region".into(), region),
        Column::new("revenue".into(), revenue),
        Column::new("category_spend".into(), spend),
        Column::new("cost_to_serve".into(), cost),
        Column::new("retained".into(), retained),
    ])?;
    let accounts = as_ints(accounts, &["tenure_years"])?;
    // The purchase log has its own random stream, so the other files do not change with it.
    let log_truth = LogTruth {
        bg_nbd: [0.6, 8.0, 0.8, 2.6],
        gamma_gamma: [5.0, 3.5, 60.0],
        start: "2024-01-01".into(),
        entry_weeks: 12.0,
        end: "2025-06-29".into(),
    };
    let ids: Vec<String> = accounts
        .column("household_id")?
        .str()?
        .iter()
        .map(|v| v.unwrap_or_default().to_string())
        .collect();
    // Satisfaction raises the purchase rate and lowers dropout (Fader & Hardie 2007's
    // covariate form), centred at the households' mean so `bg_nbd` is the truth there.
    let sat_mean = household_sat.iter().sum::<f64>() / household_sat.len().max(1) as f64;
    let covariate = super::purchases::CovariateTruth {
        z: household_sat.iter().map(|s| s - sat_mean).collect(),
        gamma: SAT_ON_PURCHASES,
        spend: 0.0,
    };
    let transactions = super::purchases::simulate_log_with(
        &ids,
        &log_truth,
        None,
        &covariate,
        seed ^ 0x7c1f_5eed,
    )?;
    // Households' packaged-account plans (monthly renewals): satisfaction lowers churn.
    let sub_truth = retail_bank_subscriptions();
    let subscriptions = super::simulate_subscriptions::simulate(
        &ids,
        &covariate.z,
        &sub_truth,
        seed ^ 0x5b5c_41b3,
    )?
    .lazy()
    .select([
        col("id").alias("household_id"),
        col("start").alias("plan_opened"),
        col("end").alias("plan_closed"),
    ])
    .collect()?;
    let study_toml = r#"# Retail bank (simulated): households with 1-5 respondents; SOW derived as
# revenue / category_spend; profit = revenue - cost_to_serve; income and tenure moderate
# the satisfaction -> SOW link.
name = "retail-bank"

[[table]]
name = "survey"
path = "survey.csv"
level = "respondent"
respondent = "respondent_id"

[[table]]
name = "accounts"
path = "accounts.csv"

[roles]
id = "household_id"
satisfaction = "satisfaction"
category_spend = "category_spend"
revenue = "revenue"
cost = "cost_to_serve"
moderators = ["income_k", "tenure_years"]
attributes = ["quality", "service", "price", "convenience"]
recommend = "recommend"
effort = "effort"

[[table]]
name = "transactions"
path = "transactions.csv"
level = "transaction"
date = "date"
amount = "amount"

[options]
min_respondents = 1
aggregation = "mean"
satisfaction_scale = [1, 10]

[segments]
rule = "profit"

# Customer lifetime value from the purchase log: BG/NBD x Gamma-Gamma in weeks, fitted
# on 2024 and checked on the first half of 2025; each household's margin is its
# profit / revenue, so unprofitable households carry negative future value.
[clv]
calibration_end = "2024-12-29"
observation_end = "2025-06-29"
time_unit = "week"
model = "bgnbd"
horizon = 52
discount = 0.1
margin_from_profit = true
# Satisfaction's effects on purchasing and dropout (Fader & Hardie 2007).
covariates = ["satisfaction"]

# Contractual retention of the households' packaged-account plans (monthly renewals):
# the shifted-beta-geometric model for all households and per segment, and satisfaction's
# effect on churn; the plan's margin is 12 a month.
[retention]
path = "subscriptions.csv"
start = "plan_opened"
end = "plan_closed"
as_of = "2025-06-30"
time_unit = "month"
discount = 0.1
margin = 12
covariates = ["satisfaction"]

# The open question ("the main reason for your score"): themes from the starter codebook,
# linked to satisfaction, the recommendation and effort, and through the chain to profit
# (`profitchain feedback`).
[feedback]
comment = "comment"
"#
    .to_string();
    let truth = serde_json::json!({
        "scenario": "retail-bank",
        "seed": seed,
        "customers": n,
        "generative_model": "Per household: latent attribute levels quality/service/price/convenience ~ means [7.2, 6.8, 6.0, 7.5] + N(0, 1.3); 1-5 respondents rate each attribute round(latent + N(0, 1)) on 1-10 and overall satisfaction round(driver equation + N(0, 0.8)) on 1-10; recommend (0-10) is drawn independently: promoter (9-10) with p = 0.40, passive (7-8) 0.35, detractor (0-6) 0.25, uniform within the band; effort round(3.2 + N(0, 1.2)) on 1-7. Household satisfaction = mean overall rating. income_k ~ LogNormal(ln 65, 0.5) in $ thousands; tenure_years uniform 0-30; share_of_wallet from the SOW equation (in income_k and tenure_years as written), clamped to [0.005, 0.995]; category_spend = 40 * income_k * LogNormal(0, 0.3) in $; revenue = share_of_wallet * category_spend; cost_to_serve = 200 + 0.35 * revenue + LogNormal(ln 150, 0.9); retained ~ Bernoulli(logistic(-2 + 0.6 * satisfaction)). Noise terms are N(0, sd) clipped at ±2.5 sd.",
        "drivers": drivers,
        "share_of_wallet": sow_eq,
        "nps": {"promoters_pct": 40.0, "passives_pct": 35.0, "detractors_pct": 25.0, "score": 15.0},
        "effort_latent_mean": 3.2,
        "retention": "logistic(-2 + 0.6 * satisfaction)",
        "transactions": {
            "model": "BG/NBD purchases (weeks) x Gamma-Gamma spend; first purchase uniform over the first entry_weeks weeks from start; simulated to end",
            "truth": log_truth,
            "covariate": {
                "name": "satisfaction",
                "form": "household i: alpha_i = alpha * exp(-g[0] * z_i), a_i = a * exp(g[1] * z_i), b_i = b * exp(g[2] * z_i), z_i = satisfaction_i - centred_at; bg_nbd holds at z = 0",
                "centred_at": sat_mean,
                "gamma": SAT_ON_PURCHASES,
            },
        },
        "subscriptions": {
            "model": "shifted-beta-geometric: household i's monthly churn theta_i ~ Beta(alpha_i, beta_i), alpha_i = alpha * exp(g[0] * z_i), beta_i = beta * exp(g[1] * z_i), z_i = satisfaction_i - centred_at; plans opened uniformly over entry_days before as_of; holders share of households have a plan",
            "truth": sub_truth,
            "as_of": "2025-06-30",
            "centred_at": sat_mean,
        },
        "comments": {
            "model": "column comment: each respondent's reason for the score, in Chinese, English or both (see data::simulate_comments)",
            "truth": super::simulate_comments::reasons_truth(),
        },
    });
    Ok(Simulated {
        survey,
        accounts,
        study_toml,
        truth,
        transactions: Some(transactions),
        subscriptions: Some(subscriptions),
    })
}
