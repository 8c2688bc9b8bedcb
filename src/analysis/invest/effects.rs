//! A scenario's effect in one segment under any coefficients θ ([`super::model`]).
//!
//! Customer i's satisfaction moves from s to s' (capped to the scale). Through the
//! segment's chain (Hayes' model 6; the share-of-wallet equation as the study fits it):
//!   Δx_i   = (s' − s, s'² − s², mₖ(s' − s) …)     the share-of-wallet terms that move
//!   Δsow_i = clamp(sow_i + θ_M1·Δx_i, 0, 1) − sow_i   (a share stays in [0, 1])
//!   Δrev_i = a2(s' − s) + d21·Δsow_i
//!   Δπ_i   = c'(s' − s) + b1·Δsow_i + b2·Δrev_i
//! Without the cap, every total is linear in Σ Δx_i, so the customers are reduced once per
//! scenario: those whose share of wallet stays inside [0, 1] under every resample's θ (by
//! interval bounds on θ_M1·Δx_i) contribute through Σ Δx_i, those beyond a bound under
//! every θ a constant, and only the rest are evaluated customer by customer for each θ.
//! The totals are exact.

use super::model::{Layout, SegmentModel};
use super::scenario::Scenario;

/// What evaluating a scenario in a segment under any θ needs.
#[derive(Debug, Clone, Default)]
pub struct Reduced {
    /// Customers whose satisfaction rises.
    pub reached: usize,
    /// Σ (s' − s).
    pub gain: f64,
    /// Σ Δx over the customers the cap never binds for.
    free: Vec<f64>,
    /// Σ Δsow of the customers a cap binds for under every θ.
    constant: f64,
    /// The others: share of wallet and Δx (m1 values each).
    risk_sow: Vec<f64>,
    risk_dx: Vec<f64>,
    /// Customers taken beyond the segment's highest observed satisfaction, and by how much
    /// at most.
    pub beyond: usize,
    pub beyond_by: f64,
}

/// A scenario's totals under one θ.
#[derive(Debug, Clone, Copy, Default)]
pub struct Totals {
    pub satisfaction: f64,
    pub share_of_wallet: f64,
    pub revenue: f64,
    pub profit: f64,
}

impl std::ops::AddAssign for Totals {
    fn add_assign(&mut self, o: Totals) {
        self.satisfaction += o.satisfaction;
        self.share_of_wallet += o.share_of_wallet;
        self.revenue += o.revenue;
        self.profit += o.profit;
    }
}

/// Lowest and highest value of each share-of-wallet coefficient over θ and its draws.
pub fn bounds(model: &SegmentModel, layout: Layout) -> Vec<[f64; 2]> {
    (0..layout.m1())
        .map(|k| {
            model
                .draws
                .iter()
                .filter(|d| super::model::fitted(d))
                .chain(std::iter::once(&model.theta))
                .fold([f64::INFINITY, f64::NEG_INFINITY], |b, d| {
                    [b[0].min(d[k]), b[1].max(d[k])]
                })
        })
        .collect()
}

/// Reduce the customers `selected` (by segment row) of a scenario scaled by `k`.
pub fn reduce(
    model: &SegmentModel,
    layout: Layout,
    scenario: &Scenario,
    selected: &[bool],
    scale: [f64; 2],
    k: f64,
    bounds: &[[f64; 2]],
) -> Reduced {
    let m = layout.m1();
    let mut r = Reduced {
        free: vec![0.0; m],
        ..Default::default()
    };
    let mut dx = vec![0.0; m];
    for (i, &on) in selected.iter().enumerate() {
        if !on {
            continue;
        }
        let s = model.satisfaction[i];
        let s1 = scenario.new_satisfaction(s, scale, k);
        let d = s1 - s;
        if d <= 0.0 {
            continue;
        }
        r.reached += 1;
        r.gain += d;
        if s1 > model.range[1] {
            r.beyond += 1;
            r.beyond_by = r.beyond_by.max(s1 - model.range[1]);
        }
        dx[0] = d;
        let mut j = 1;
        if layout.quadratic {
            dx[1] = s1 * s1 - s * s;
            j = 2;
        }
        for (q, mv) in model.moderators.iter().enumerate() {
            dx[j + q] = mv[i] * d;
        }
        let (mut lo, mut hi) = (0.0, 0.0);
        for (x, b) in dx.iter().zip(bounds) {
            let (u, v) = (b[0] * x, b[1] * x);
            lo += u.min(v);
            hi += u.max(v);
        }
        let sow = model.share_of_wallet[i];
        if sow + lo >= 0.0 && sow + hi <= 1.0 {
            for (f, x) in r.free.iter_mut().zip(&dx) {
                *f += x;
            }
        } else if sow + lo >= 1.0 {
            r.constant += 1.0 - sow;
        } else if sow + hi <= 0.0 {
            r.constant -= sow;
        } else {
            r.risk_sow.push(sow);
            r.risk_dx.extend_from_slice(&dx);
        }
    }
    r
}

/// The totals of a reduced scenario under θ.
pub fn evaluate(r: &Reduced, theta: &[f64], layout: Layout) -> Totals {
    let m = layout.m1();
    let mut sow: f64 = r.free.iter().zip(theta).map(|(x, t)| x * t).sum::<f64>() + r.constant;
    for (s, dx) in r.risk_sow.iter().zip(r.risk_dx.chunks(m)) {
        let raw: f64 = dx.iter().zip(theta).map(|(x, t)| x * t).sum();
        sow += (s + raw).clamp(0.0, 1.0) - s;
    }
    let revenue = theta[layout.a2()] * r.gain + theta[layout.d21()] * sow;
    let profit =
        theta[layout.c()] * r.gain + theta[layout.b1()] * sow + theta[layout.b2()] * revenue;
    Totals {
        satisfaction: r.gain,
        share_of_wallet: sow,
        revenue,
        profit,
    }
}

/// A driver scenario in one segment: the customers reached with their attribute gain Δd.
/// Satisfaction moves by β·Δd (β: the segment's key-driver slope of the attribute, in each
/// resample), kept on the scale; then through the chain as above. Each customer reached is
/// evaluated under each θ (β moves every customer's change).
#[derive(Debug, Clone, Default)]
pub struct Driven {
    pub reached: usize,
    /// Σ Δd: attribute points gained.
    pub gain: f64,
    /// Per customer reached: satisfaction, share of wallet, Δd, moderator values.
    rows: Vec<f64>,
    /// θ's index of β.
    beta: usize,
    scale: [f64; 2],
    /// The segment's highest observed satisfaction.
    top: f64,
}

/// The customers `selected` of a driver scenario on attribute `attribute` (index into the
/// key-driver attributes), its change scaled by `k`.
pub fn drive(
    model: &SegmentModel,
    layout: Layout,
    scenario: &Scenario,
    selected: &[bool],
    attribute: usize,
    scale: [f64; 2],
    k: f64,
) -> Driven {
    let mut out = Driven {
        beta: layout.attribute(attribute),
        scale,
        top: model.range[1],
        ..Default::default()
    };
    let values = &model.attributes[attribute];
    for (i, &on) in selected.iter().enumerate() {
        if !on {
            continue;
        }
        let d = scenario.new_satisfaction(values[i], scale, k) - values[i];
        if d <= 0.0 {
            continue;
        }
        out.reached += 1;
        out.gain += d;
        out.rows
            .extend([model.satisfaction[i], model.share_of_wallet[i], d]);
        out.rows.extend(model.moderators.iter().map(|m| m[i]));
    }
    out
}

impl Driven {
    fn width(&self, layout: Layout) -> usize {
        3 + layout.moderators
    }

    /// Customers whose satisfaction is taken above the segment's highest observed value
    /// under θ, and by how much at most.
    pub fn beyond(&self, theta: &[f64], layout: Layout) -> (usize, f64) {
        let (mut n, mut by) = (0, 0.0f64);
        for r in self.rows.chunks(self.width(layout)) {
            let s1 = (r[0] + theta[self.beta] * r[2]).clamp(self.scale[0], self.scale[1]);
            if s1 > self.top {
                n += 1;
                by = by.max(s1 - self.top);
            }
        }
        (n, by)
    }

    /// The totals under θ.
    pub fn evaluate(&self, theta: &[f64], layout: Layout) -> Totals {
        let (mut gain, mut sow) = (0.0, 0.0);
        let [lo, hi] = self.scale;
        for r in self.rows.chunks(self.width(layout)) {
            let (s, w) = (r[0], r[1]);
            let ds = (s + theta[self.beta] * r[2]).clamp(lo, hi) - s;
            gain += ds;
            let mut raw = theta[0] * ds;
            let mut j = 1;
            if layout.quadratic {
                raw += theta[1] * ((s + ds) * (s + ds) - s * s);
                j = 2;
            }
            for (q, m) in r[3..].iter().enumerate() {
                raw += theta[j + q] * m * ds;
            }
            sow += (w + raw).clamp(0.0, 1.0) - w;
        }
        let revenue = theta[layout.a2()] * gain + theta[layout.d21()] * sow;
        let profit =
            theta[layout.c()] * gain + theta[layout.b1()] * sow + theta[layout.b2()] * revenue;
        Totals {
            satisfaction: gain,
            share_of_wallet: sow,
            revenue,
            profit,
        }
    }
}

/// A scenario in one segment, prepared for evaluation under any θ.
pub enum Prepared {
    Satisfaction(Reduced),
    Driver(Driven),
}

impl Prepared {
    pub fn reached(&self) -> usize {
        match self {
            Prepared::Satisfaction(r) => r.reached,
            Prepared::Driver(d) => d.reached,
        }
    }

    /// The points the cost per point counts: satisfaction points, or attribute points.
    pub fn points(&self) -> f64 {
        match self {
            Prepared::Satisfaction(r) => r.gain,
            Prepared::Driver(d) => d.gain,
        }
    }

    pub fn evaluate(&self, theta: &[f64], layout: Layout) -> Totals {
        match self {
            Prepared::Satisfaction(r) => evaluate(r, theta, layout),
            Prepared::Driver(d) => d.evaluate(theta, layout),
        }
    }

    /// Extrapolation at the estimate `theta`.
    pub fn beyond(&self, theta: &[f64], layout: Layout) -> (usize, f64) {
        match self {
            Prepared::Satisfaction(r) => (r.beyond, r.beyond_by),
            Prepared::Driver(d) => d.beyond(theta, layout),
        }
    }
}
