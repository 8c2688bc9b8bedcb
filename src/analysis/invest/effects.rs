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
//!
//! With retention per customer ([`super::retention`]) each year of the horizon weighs each
//! customer differently: the same sums are kept once more per year, weighted by the
//! customers' discounted year weights, and the totals carry the discounted Δprofit of each
//! year (`yearly`); with one rate for everyone `yearly` stays empty and the value is the
//! annual Δprofit times the horizon's multiplier.

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
    /// Years of per-customer weights (0: one rate for everyone), and per year the weighted
    /// Σ (s' − s), Σ Δx (m each), constant Δsow, and the at-risk customers' weights.
    years: usize,
    wgain: Vec<f64>,
    wfree: Vec<f64>,
    wconstant: Vec<f64>,
    risk_w: Vec<f64>,
}

/// A scenario's totals under one θ.
#[derive(Debug, Clone, Default)]
pub struct Totals {
    pub satisfaction: f64,
    pub share_of_wallet: f64,
    pub revenue: f64,
    pub profit: f64,
    /// With retention per customer: each year's discounted Δprofit (empty otherwise).
    pub yearly: Vec<f64>,
    /// Δprofit by path: direct (c'·Δs), through share of wallet (b1·Δsow) and through
    /// revenue (b2·Δrevenue); they add up to `profit`.
    pub paths: [f64; 3],
}

/// The profit equation's three paths.
fn paths(theta: &[f64], layout: Layout, gain: f64, sow: f64, revenue: f64) -> [f64; 3] {
    [
        theta[layout.c()] * gain,
        theta[layout.b1()] * sow,
        theta[layout.b2()] * revenue,
    ]
}

impl std::ops::AddAssign<&Totals> for Totals {
    fn add_assign(&mut self, o: &Totals) {
        self.satisfaction += o.satisfaction;
        self.share_of_wallet += o.share_of_wallet;
        self.revenue += o.revenue;
        self.profit += o.profit;
        if self.yearly.len() < o.yearly.len() {
            self.yearly.resize(o.yearly.len(), 0.0);
        }
        for (a, b) in self.yearly.iter_mut().zip(&o.yearly) {
            *a += b;
        }
        for (a, b) in self.paths.iter_mut().zip(&o.paths) {
            *a += b;
        }
    }
}

/// Each year's discounted Δprofit from the weighted sums of satisfaction gained and share
/// of wallet gained (the chain's revenue and profit equations, year by year).
fn years_of(theta: &[f64], layout: Layout, wgain: &[f64], wsow: &[f64]) -> Vec<f64> {
    wgain
        .iter()
        .zip(wsow)
        .map(|(g, w)| {
            let revenue = theta[layout.a2()] * g + theta[layout.d21()] * w;
            theta[layout.c()] * g + theta[layout.b1()] * w + theta[layout.b2()] * revenue
        })
        .collect()
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
    let h = model.years_len;
    let mut r = Reduced {
        free: vec![0.0; m],
        years: h,
        wgain: vec![0.0; h],
        wfree: vec![0.0; h * m],
        wconstant: vec![0.0; h],
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
        let w = model.year_weights(i);
        r.reached += 1;
        r.gain += d;
        for (g, wk) in r.wgain.iter_mut().zip(w) {
            *g += wk * d;
        }
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
            for (f, wk) in r.wfree.chunks_mut(m).zip(w) {
                for (a, x) in f.iter_mut().zip(&dx) {
                    *a += wk * x;
                }
            }
        } else if sow + lo >= 1.0 || sow + hi <= 0.0 {
            let c = if sow + lo >= 1.0 { 1.0 - sow } else { -sow };
            r.constant += c;
            for (a, wk) in r.wconstant.iter_mut().zip(w) {
                *a += wk * c;
            }
        } else {
            r.risk_sow.push(sow);
            r.risk_dx.extend_from_slice(&dx);
            r.risk_w.extend_from_slice(w);
        }
    }
    r
}

/// The totals of a reduced scenario under θ.
pub fn evaluate(r: &Reduced, theta: &[f64], layout: Layout) -> Totals {
    let m = layout.m1();
    let h = r.years;
    let dot = |x: &[f64]| -> f64 { x.iter().zip(theta).map(|(x, t)| x * t).sum() };
    let mut sow: f64 = dot(&r.free) + r.constant;
    let mut wsow: Vec<f64> = (0..h)
        .map(|k| dot(&r.wfree[k * m..(k + 1) * m]) + r.wconstant[k])
        .collect();
    for (j, (s, dx)) in r.risk_sow.iter().zip(r.risk_dx.chunks(m)).enumerate() {
        let delta = (s + dot(dx)).clamp(0.0, 1.0) - s;
        sow += delta;
        for (a, wk) in wsow.iter_mut().zip(&r.risk_w[j * h..(j + 1) * h]) {
            *a += wk * delta;
        }
    }
    let revenue = theta[layout.a2()] * r.gain + theta[layout.d21()] * sow;
    let profit =
        theta[layout.c()] * r.gain + theta[layout.b1()] * sow + theta[layout.b2()] * revenue;
    Totals {
        satisfaction: r.gain,
        share_of_wallet: sow,
        revenue,
        profit,
        yearly: years_of(theta, layout, &r.wgain, &wsow),
        paths: paths(theta, layout, r.gain, sow, revenue),
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
    /// Years of per-customer weights (0: one rate for everyone), stored after each row.
    years: usize,
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
        years: model.years_len,
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
        out.rows.extend_from_slice(model.year_weights(i));
    }
    out
}

impl Driven {
    fn width(&self, layout: Layout) -> usize {
        3 + layout.moderators + self.years
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
        let (mut wgain, mut wsow) = (vec![0.0; self.years], vec![0.0; self.years]);
        let [lo, hi] = self.scale;
        let mods = 3 + layout.moderators;
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
            for (q, m) in r[3..mods].iter().enumerate() {
                raw += theta[j + q] * m * ds;
            }
            let delta = (w + raw).clamp(0.0, 1.0) - w;
            sow += delta;
            for (k, wk) in r[mods..].iter().enumerate() {
                wgain[k] += wk * ds;
                wsow[k] += wk * delta;
            }
        }
        let revenue = theta[layout.a2()] * gain + theta[layout.d21()] * sow;
        let profit =
            theta[layout.c()] * gain + theta[layout.b1()] * sow + theta[layout.b2()] * revenue;
        Totals {
            satisfaction: gain,
            share_of_wallet: sow,
            revenue,
            profit,
            yearly: years_of(theta, layout, &wgain, &wsow),
            paths: paths(theta, layout, gain, sow, revenue),
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

#[cfg(test)]
mod tests {
    use super::super::scenario::{Change, Cost};
    use super::*;

    fn model(years: usize) -> SegmentModel {
        let n = 40;
        let satisfaction: Vec<f64> = (0..n).map(|i| 1.0 + (i % 10) as f64).collect();
        // Some shares near 0 and 1, so the cap binds for a few customers under some θ.
        let share_of_wallet: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37) % 1.0).collect();
        SegmentModel {
            name: "s".into(),
            rows: (0..n).collect(),
            satisfaction,
            share_of_wallet,
            moderators: vec![(0..n).map(|i| (i % 3) as f64).collect()],
            attributes: vec![(0..n).map(|i| 1.0 + (i % 7) as f64).collect()],
            range: [1.0, 10.0],
            mean_profit: 0.0,
            theta: vec![0.05, 0.01, 30.0, 200.0, 2.0, 50.0, 0.3, 0.6],
            draws: vec![vec![0.2, -0.02, 25.0, 150.0, 1.0, 40.0, 0.2, 0.5]],
            blocks: false,
            years: (0..n * years)
                .map(|j| 0.3 + (j as f64 * 0.61) % 0.7)
                .collect(),
            years_len: years,
        }
    }

    /// Year by year, the reduced sums give what the chain gives customer by customer:
    /// Δsow_i = clamp(sow_i + θ·Δx_i, 0, 1) − sow_i, Δrev_i, Δπ_i, weighted by the
    /// customer's year weight.
    #[test]
    fn weighted_years_equal_the_customer_by_customer_sum() {
        let layout = Layout {
            quadratic: false,
            moderators: 1,
            attributes: 1,
        };
        let m = model(3);
        let sc = Scenario {
            name: "x".into(),
            change: Change::Add(2.0),
            segment: None,
            rule: None,
            cost: Cost::default(),
            driver: None,
        };
        let all = vec![true; m.rows.len()];
        let b = bounds(&m, layout);
        let r = reduce(&m, layout, &sc, &all, [1.0, 10.0], 1.0, &b);
        for theta in [&m.theta, &m.draws[0]] {
            let t = evaluate(&r, theta, layout);
            let mut want = vec![0.0; 3];
            for i in 0..m.rows.len() {
                let s = m.satisfaction[i];
                let d = (s + 2.0).min(10.0) - s;
                let w = m.share_of_wallet[i];
                let dsow =
                    (w + theta[0] * d + theta[1] * m.moderators[0][i] * d).clamp(0.0, 1.0) - w;
                let drev = theta[2] * d + theta[3] * dsow;
                let dpi = theta[4] * d + theta[5] * dsow + theta[6] * drev;
                for (k, v) in want.iter_mut().enumerate() {
                    *v += m.year_weights(i)[k] * dpi;
                }
            }
            for (a, b) in t.yearly.iter().zip(&want) {
                assert!((a - b).abs() < 1e-9 * b.abs().max(1.0), "{a} vs {b}");
            }
            // Driver scenarios carry the same weights.
            let dsc = Scenario {
                driver: Some("a".into()),
                change: Change::Add(1.0),
                ..sc.clone()
            };
            let dr = drive(&m, layout, &dsc, &all, 0, [1.0, 10.0], 1.0);
            let td = dr.evaluate(theta, layout);
            let mut want = vec![0.0; 3];
            for i in 0..m.rows.len() {
                let a = m.attributes[0][i];
                let da = (a + 1.0).min(10.0) - a;
                if da <= 0.0 {
                    continue;
                }
                let s = m.satisfaction[i];
                let d = (s + theta[7] * da).clamp(1.0, 10.0) - s;
                let w = m.share_of_wallet[i];
                let dsow =
                    (w + theta[0] * d + theta[1] * m.moderators[0][i] * d).clamp(0.0, 1.0) - w;
                let dpi =
                    theta[4] * d + theta[5] * dsow + theta[6] * (theta[2] * d + theta[3] * dsow);
                for (k, v) in want.iter_mut().enumerate() {
                    *v += m.year_weights(i)[k] * dpi;
                }
            }
            for (a, b) in td.yearly.iter().zip(&want) {
                assert!((a - b).abs() < 1e-9 * b.abs().max(1.0), "{a} vs {b}");
            }
        }
        // Without weights, no years: the value is the annual Δprofit × the multiplier.
        let plain = SegmentModel {
            years: Vec::new(),
            years_len: 0,
            ..model(0)
        };
        let r = reduce(&plain, layout, &sc, &all, [1.0, 10.0], 1.0, &b);
        assert!(evaluate(&r, &plain.theta, layout).yearly.is_empty());
    }
}
