//! Simulated transaction logs with known buy-till-you-die truth, for the samples and for
//! the tests that must recover it.
//!
//! Each customer's first purchase falls uniformly in the first `entry_weeks` weeks; then,
//! as in the BG/NBD's story (Fader, Hardie & Lee 2005): purchases arrive at rate
//! λ ~ Gamma(r, rate α) per week while alive, and after each repeat purchase the customer
//! drops out with probability p ~ Beta(a, b). Spend per purchase is Gamma(shape p_s,
//! rate ν) with ν ~ Gamma(q, rate γ) (the Gamma-Gamma model).

use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Beta, Distribution, Exp, Gamma};
use serde::Serialize;

use crate::error::{Error, Result};

/// The truth of a simulated log.
#[derive(Debug, Clone, Serialize)]
pub struct LogTruth {
    /// BG/NBD r, α (per week), a, b.
    pub bg_nbd: [f64; 4],
    /// Gamma-Gamma p, q, γ.
    pub gamma_gamma: [f64; 3],
    /// First day of the log and weeks over which customers enter.
    pub start: String,
    pub entry_weeks: f64,
    /// Last day simulated.
    pub end: String,
}

fn dist_err(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("distribution: {e}"))
}

/// One row per purchase (`id`, `date`, `amount`) for `ids`, reproducible from `seed`.
pub fn simulate_log(ids: &[String], truth: &LogTruth, seed: u64) -> Result<DataFrame> {
    simulate(ids, truth, None, None, seed)
}

/// A covariate's known effects in a simulated log, as the covariate models parametrise them
/// (Fader & Hardie 2007, note 019): customer i's αᵢ = α·exp(−γ[0]·zᵢ), aᵢ = a·exp(γ[1]·zᵢ),
/// bᵢ = b·exp(γ[2]·zᵢ) in the BG/NBD; in the Pareto/NBD βᵢ = β·exp(−γ[1]·zᵢ) (γ[2] unused).
#[derive(Debug, Clone, Serialize)]
pub struct CovariateTruth {
    /// zᵢ per customer, in `ids` order (centred or not: the effects act on it as it is).
    pub z: Vec<f64>,
    pub gamma: [f64; 3],
    /// Effect on spend: the Gamma-Gamma's γᵢ = γ·exp(spend·zᵢ), so the mean spend per
    /// transaction scales by exp(spend·zᵢ) (0: none; the random stream is the same).
    pub spend: f64,
}

/// As [`simulate_log`] (or, with `lifetime`, [`simulate_pareto_log`]) with each customer's
/// purchase and dropout heterogeneity scaled by a covariate.
pub fn simulate_log_with(
    ids: &[String],
    truth: &LogTruth,
    lifetime: Option<[f64; 2]>,
    covariate: &CovariateTruth,
    seed: u64,
) -> Result<DataFrame> {
    simulate(ids, truth, lifetime, Some(covariate), seed)
}

/// As [`simulate_log`], but customers live for an exponential lifetime with rate
/// μ ~ Gamma(s, rate β) per week, as in the Pareto/NBD (Schmittlein, Morrison & Colombo
/// 1987); `lifetime` is [s, β], and the a, b of `truth.bg_nbd` are not used.
pub fn simulate_pareto_log(
    ids: &[String],
    truth: &LogTruth,
    lifetime: [f64; 2],
    seed: u64,
) -> Result<DataFrame> {
    simulate(ids, truth, Some(lifetime), None, seed)
}

fn simulate(
    ids: &[String],
    truth: &LogTruth,
    lifetime: Option<[f64; 2]>,
    covariate: Option<&CovariateTruth>,
    seed: u64,
) -> Result<DataFrame> {
    let [r, alpha, a, b] = truth.bg_nbd;
    let [ps, q, g] = truth.gamma_gamma;
    let start = super::transactions::day_number(&truth.start, "start")?;
    let end = super::transactions::day_number(&truth.end, "end")?;
    let horizon_weeks = f64::from(end - start) / 7.0;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let lambda_d = Gamma::new(r, 1.0 / alpha).map_err(dist_err)?;
    let p_d = Beta::new(a, b).map_err(dist_err)?;
    let nu_d = Gamma::new(q, 1.0 / g).map_err(dist_err)?;
    let (mut id_col, mut day_col, mut amount_col) = (Vec::new(), Vec::new(), Vec::new());
    for (i, id) in ids.iter().enumerate() {
        // Each customer's own mixing distributions when a covariate scales them.
        let scaled = covariate.map(|c| {
            let z = c.z.get(i).copied().unwrap_or(0.0);
            (z, c.gamma)
        });
        // ν ~ Gamma(q, rate γᵢ): the same draw scaled, so a zero effect changes nothing.
        let spend_scale = covariate.map_or(1.0, |c| {
            (c.spend * c.z.get(i).copied().unwrap_or(0.0)).exp()
        });
        let (lambda, p, beta_scale) = match scaled {
            Some((z, g)) => {
                let lambda = Gamma::new(r, 1.0 / (alpha * (-g[0] * z).exp()))
                    .map_err(dist_err)?
                    .sample(&mut rng);
                let p = Beta::new(a * (g[1] * z).exp(), b * (g[2] * z).exp())
                    .map_err(dist_err)?
                    .sample(&mut rng);
                (lambda, p, (-g[1] * z).exp())
            }
            None => (lambda_d.sample(&mut rng), p_d.sample(&mut rng), 1.0),
        };
        let nu = nu_d.sample(&mut rng) / spend_scale;
        let spend_d = Gamma::new(ps, 1.0 / nu).map_err(dist_err)?;
        let wait = Exp::new(lambda).map_err(dist_err)?;
        // Pareto/NBD: the moment the customer dies (drawn after the BG/NBD draws, so a
        // BG/NBD log's random stream is unchanged).
        let death = match lifetime {
            Some([s, beta]) => {
                let mu = Gamma::new(s, 1.0 / (beta * beta_scale))
                    .map_err(dist_err)?
                    .sample(&mut rng);
                Exp::new(mu).map_err(dist_err)?.sample(&mut rng)
            }
            None => f64::INFINITY,
        };
        let mut push = |t: f64, rng: &mut ChaCha8Rng| {
            id_col.push(id.clone());
            day_col.push(start + (t * 7.0).floor() as i32);
            amount_col.push((spend_d.sample(rng) * 100.0).round() / 100.0);
        };
        // The first purchase, then repeat purchases until drop-out or the end.
        let mut t = rng.random::<f64>() * truth.entry_weeks;
        let death = t + death;
        push(t, &mut rng);
        loop {
            t += wait.sample(&mut rng);
            if t >= horizon_weeks.min(death) {
                break;
            }
            push(t, &mut rng);
            if lifetime.is_none() && rng.random::<f64>() < p {
                break;
            }
        }
    }
    let dates = Column::new("date".into(), day_col).cast(&DataType::Date)?;
    Ok(DataFrame::new_infer_height(vec![
        Column::new("household_id".into(), id_col),
        dates,
        Column::new("amount".into(), amount_col),
    ])?)
}
