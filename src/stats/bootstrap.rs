//! Nonparametric bootstrap of regression-based statistics, fast and reproducible.
//!
//! A resample of n customers drawn with replacement changes the data only through how
//! often each customer is drawn (the counts cᵢ), so every OLS fit on the resample is a
//! function of the count-weighted sums Σcᵢ, Σcᵢzᵢ and Σcᵢzᵢzᵢᵀ of the standardized
//! variables. Each resample therefore costs n random draws plus one streaming pass — no
//! data copying — and all regressions of a path model come from the same sums.
//!
//! Drawing the counts (an exact Multinomial(n; 1/n, …, 1/n) vector):
//! * Rows are cut into blocks of 4096 = 2¹² rows. The number of draws landing in each
//!   block is drawn first, by the conditional-binomial decomposition of the multinomial
//!   (block b gets Binomial(draws left, rows in b / rows left); the last block the rest —
//!   the method of numpy's `multinomial`).
//! * Within a full block a draw is 12 uniform random bits (five per 64-bit word, no
//!   rejection needed for a power-of-two range); the last, partial block uses rand's exact
//!   `Uniform` (Lemire's method). Given its total, a block's counts are multinomial over
//!   its rows, so the whole vector is exactly multinomial.
//! * Counts live in a 16 KB array that stays in L1, and the block's rows are summed right
//!   away. A group of resamples walks the data block by block, so each block is read
//!   from memory once per group while it sits in L2.
//!
//! Resample `r` draws from its own ChaCha8 stream (`seed`, stream `r`) in a fixed order
//! (block totals, then block by block), so results depend neither on thread scheduling
//! nor on how resamples are grouped. The sums use four independent lanes whose order of
//! operations is fixed in the source; the AVX2 build of the kernel (chosen at run time)
//! performs the same IEEE operations as the baseline one, so output bytes do not depend
//! on the CPU either.
//!
//! Intervals: percentile, bias-corrected, and bias-corrected and accelerated (BCa; Efron
//! 1987, JASA 82; Efron & Tibshirani 1993, ch. 14) with the acceleration from the
//! jackknife.

use indicatif::ProgressBar;
use linfa_linalg::cholesky::SolveCInplace;
use ndarray::Array2;
use rand::distr::Uniform;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use crate::error::{Error, Result};

/// log₂ of the rows per block.
const BLOCK_BITS: u32 = 12;
/// Rows per block: 4096 rows × 4 variables × 8 bytes = 128 KB, well inside L2.
const BLOCK: usize = 1 << BLOCK_BITS;
/// Block-local indices taken from one 64-bit random word.
const PER_WORD: usize = 64 / BLOCK_BITS as usize;
/// Independent partial sums per term (one 256-bit AVX2 register of f64).
const LANES: usize = 4;
/// Resamples sharing one pass over the data.
const GROUP: usize = 8;

/// Most rows a bootstrap sample may have (counts are 32-bit signed integers).
pub const MAX_ROWS: usize = i32::MAX as usize;

/// Variables for the bootstrap, standardized, stored by column.
#[derive(Debug, Clone)]
pub struct BootData {
    n: usize,
    k: usize,
    /// Column j, standardized, zero-padded to a multiple of `LANES` rows.
    cols: Vec<Vec<f64>>,
    sds: Vec<f64>,
}

/// Weighted sums of a resample: total weight, Σw·z, and Σw·zzᵀ (upper triangle, packed).
#[derive(Debug, Clone)]
pub struct CrossProducts {
    k: usize,
    w: f64,
    lin: Vec<f64>,
    quad: Vec<f64>,
    sds: Vec<f64>,
}

/// Sums one block: `cols[j][lo..lo + counts.len()]` weighted by `counts` (a multiple of
/// `LANES` long), added to `out` = [Σw, Σwz (k), Σwzzᵀ (packed upper triangle)].
type Kernel = fn(&[Vec<f64>], usize, &[i32], &mut [f64]);

impl BootData {
    /// Standardize the columns (each of length n, at most [`MAX_ROWS`]).
    pub fn new(columns: &[&[f64]]) -> Result<Self> {
        let k = columns.len();
        let n = columns.first().map_or(0, |c| c.len());
        if n > MAX_ROWS {
            return Err(Error::Usage(format!(
                "{n} rows: the bootstrap supports at most {MAX_ROWS} per segment"
            )));
        }
        let padded = n.div_ceil(LANES) * LANES;
        let mut cols = Vec::with_capacity(k);
        let mut sds = Vec::with_capacity(k);
        for c in columns {
            let m = c.iter().sum::<f64>() / n as f64;
            let v = c.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n as f64 - 1.0).max(1.0);
            let sd = if v > 0.0 { v.sqrt() } else { 1.0 };
            let mut z: Vec<f64> = c.iter().map(|x| (x - m) / sd).collect();
            z.resize(padded, 0.0);
            cols.push(z);
            sds.push(sd);
        }
        Ok(BootData { n, k, cols, sds })
    }

    /// Number of rows (customers).
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of variables.
    pub fn k(&self) -> usize {
        self.k
    }

    /// The standard deviations the columns were divided by.
    pub(crate) fn sds(&self) -> &[f64] {
        &self.sds
    }

    /// Standardized value of variable `j` in row `i`.
    pub(crate) fn value(&self, j: usize, i: usize) -> f64 {
        self.cols[j][i]
    }

    /// Terms of the packed sums: Σw, Σwz (k), Σwzzᵀ (upper triangle).
    pub(crate) fn terms(&self) -> usize {
        1 + self.k + self.k * (self.k + 1) / 2
    }

    fn blocks(&self) -> usize {
        self.n.div_ceil(BLOCK)
    }

    /// Rows of block `b`.
    fn block_len(&self, b: usize) -> usize {
        BLOCK.min(self.n - b * BLOCK)
    }

    fn to_cross_products(&self, sums: &[f64]) -> CrossProducts {
        CrossProducts::from_packed(self.k, &self.sds, sums)
    }

    /// Cross-products of the whole sample (every weight 1).
    pub fn full(&self) -> CrossProducts {
        let kernel = select_kernel(self.k);
        let mut sums = vec![0.0; self.terms()];
        let mut ones = vec![0i32; BLOCK];
        for b in 0..self.blocks() {
            let len = self.block_len(b);
            ones.fill(0);
            ones[..len].fill(1);
            kernel(
                &self.cols,
                b * BLOCK,
                &ones[..len.div_ceil(LANES) * LANES],
                &mut sums,
            );
        }
        self.to_cross_products(&sums)
    }

    /// Sums of the resamples `first..first + count` (see the module docs).
    fn group_sums(&self, first: usize, count: usize, seed: u64, kernel: Kernel) -> Vec<Vec<f64>> {
        let nb = self.blocks();
        let mut states: Vec<(ChaCha8Rng, Vec<u64>)> = (first..first + count)
            .map(|r| {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                rng.set_stream(r as u64);
                let totals = self.block_totals(&mut rng);
                (rng, totals)
            })
            .collect();
        let mut sums = vec![vec![0.0; self.terms()]; count];
        let mut counts = vec![0i32; BLOCK];
        for b in 0..nb {
            let len = self.block_len(b);
            let counts = &mut counts[..len.div_ceil(LANES) * LANES];
            for ((rng, totals), s) in states.iter_mut().zip(&mut sums) {
                counts.fill(0);
                draw_block(rng, totals[b], len, counts);
                kernel(&self.cols, b * BLOCK, counts, s);
            }
        }
        sums
    }

    /// Draws per block: Binomial(left, rows in block / rows left), the last block the rest.
    fn block_totals(&self, rng: &mut ChaCha8Rng) -> Vec<u64> {
        let nb = self.blocks();
        let mut totals = Vec::with_capacity(nb);
        let (mut draws_left, mut rows_left) = (self.n as u64, self.n);
        for b in 0..nb {
            let len = self.block_len(b);
            let m = if b + 1 == nb {
                draws_left
            } else {
                // p = len / rows_left lies in (0, 1), so the distribution always exists.
                Binomial::new(draws_left, len as f64 / rows_left as f64)
                    .map_or(0, |d| d.sample(rng))
            };
            totals.push(m);
            draws_left -= m;
            rows_left -= len;
        }
        totals
    }

    /// The full-sample cross-products minus row i (a jackknife sample), into `cp`.
    pub fn leave_one_out(&self, full: &CrossProducts, i: usize, cp: &mut CrossProducts) {
        cp.w = full.w - 1.0;
        let mut idx = 0;
        for a in 0..self.k {
            let za = self.cols[a][i];
            cp.lin[a] = full.lin[a] - za;
            for b in a..self.k {
                cp.quad[idx] = full.quad[idx] - za * self.cols[b][i];
                idx += 1;
            }
        }
    }
}

/// Add `m` uniform draws over the block's `len` rows to `counts`.
fn draw_block(rng: &mut ChaCha8Rng, m: u64, len: usize, counts: &mut [i32]) {
    const MASK: u64 = (1 << BLOCK_BITS) - 1;
    let m = m as usize;
    if let Ok(counts) = <&mut [i32; BLOCK]>::try_from(&mut counts[..len]) {
        // Five 12-bit indices per word; the fixed-size array needs no bounds checks.
        for _ in 0..m / PER_WORD {
            let word = rng.next_u64();
            for j in 0..PER_WORD {
                counts[((word >> (j as u32 * BLOCK_BITS)) & MASK) as usize] += 1;
            }
        }
        let rest = m % PER_WORD;
        if rest > 0 {
            let word = rng.next_u64();
            for j in 0..rest {
                counts[((word >> (j as u32 * BLOCK_BITS)) & MASK) as usize] += 1;
            }
        }
    } else if let Ok(uniform) = Uniform::new(0, len as u32) {
        for _ in 0..m {
            counts[uniform.sample(rng) as usize] += 1;
        }
    }
}

/// The block kernel for k variables on this CPU.
fn select_kernel(k: usize) -> Kernel {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        return match k {
            2 => avx2::kernel::<2, 6>,
            3 => avx2::kernel::<3, 10>,
            4 => avx2::kernel::<4, 15>,
            5 => avx2::kernel::<5, 21>,
            6 => avx2::kernel::<6, 28>,
            7 => avx2::kernel::<7, 36>,
            8 => avx2::kernel::<8, 45>,
            _ => avx2::kernel_dyn,
        };
    }
    match k {
        2 => kernel::<2>,
        3 => kernel::<3>,
        4 => kernel::<4>,
        5 => kernel::<5>,
        6 => kernel::<6>,
        7 => kernel::<7>,
        8 => kernel::<8>,
        _ => kernel_dyn,
    }
}

/// Portable kernel for a fixed k: four lanes of partial sums per term.
#[allow(clippy::needless_range_loop)] // lane and triangle indices read clearest
fn kernel<const K: usize>(cols: &[Vec<f64>], lo: usize, counts: &[i32], out: &mut [f64]) {
    let z: [&[f64]; K] = std::array::from_fn(|j| &cols[j][lo..lo + counts.len()]);
    let mut w = [0.0f64; LANES];
    let mut lin = [[0.0f64; LANES]; K];
    let mut quad = [[[0.0f64; LANES]; K]; K];
    for (c, chunk) in counts.chunks_exact(LANES).enumerate() {
        let base = c * LANES;
        let cw: [f64; LANES] = std::array::from_fn(|l| f64::from(chunk[l]));
        for l in 0..LANES {
            w[l] += cw[l];
        }
        for a in 0..K {
            let za = &z[a][base..base + LANES];
            let wa: [f64; LANES] = std::array::from_fn(|l| cw[l] * za[l]);
            for l in 0..LANES {
                lin[a][l] += wa[l];
            }
            for b in a..K {
                let zb = &z[b][base..base + LANES];
                for l in 0..LANES {
                    quad[a][b][l] += wa[l] * zb[l];
                }
            }
        }
    }
    // Fold the lanes in a fixed order.
    let fold = |v: &[f64; LANES]| (v[0] + v[1]) + (v[2] + v[3]);
    out[0] += fold(&w);
    let mut idx = 1 + K;
    for a in 0..K {
        out[1 + a] += fold(&lin[a]);
        for b in a..K {
            out[idx] += fold(&quad[a][b]);
            idx += 1;
        }
    }
}

/// Kernel for any k (the key-driver analysis can have many variables).
#[inline(always)]
fn kernel_dyn(cols: &[Vec<f64>], lo: usize, counts: &[i32], out: &mut [f64]) {
    let k = cols.len();
    let mut acc = vec![[0.0f64; LANES]; 1 + k + k * (k + 1) / 2];
    let mut wa = vec![[0.0f64; LANES]; k];
    for (c, chunk) in counts.chunks_exact(LANES).enumerate() {
        let row = lo + c * LANES;
        let cw: [f64; LANES] = std::array::from_fn(|l| f64::from(chunk[l]));
        for (l, v) in cw.iter().enumerate() {
            acc[0][l] += v;
        }
        for (a, col) in cols.iter().enumerate() {
            for l in 0..LANES {
                wa[a][l] = cw[l] * col[row + l];
                acc[1 + a][l] += wa[a][l];
            }
        }
        let mut idx = 1 + k;
        for a in 0..k {
            for col in &cols[a..] {
                for l in 0..LANES {
                    acc[idx][l] += wa[a][l] * col[row + l];
                }
                idx += 1;
            }
        }
    }
    for (o, v) in out.iter_mut().zip(&acc) {
        *o += (v[0] + v[1]) + (v[2] + v[3]);
    }
}

/// AVX2 kernels: 4 f64 lanes per instruction, accumulators in the 16 ymm registers. Each
/// lane performs exactly the operations of the portable kernel (a multiply, then an add:
/// Rust never fuses them), and the lanes are folded in the same order, so results are
/// bit-for-bit those of the portable kernel (tested).
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::LANES;
    use std::arch::x86_64::{
        __m256d, _mm256_add_pd, _mm256_castpd256_pd128, _mm256_cvtepi32_pd, _mm256_extractf128_pd,
        _mm256_mul_pd, _mm256_set_pd, _mm256_setzero_pd, _mm_add_sd, _mm_cvtsd_f64, _mm_set_epi32,
        _mm_unpackhi_pd,
    };

    /// `T` = 1 + K + K(K + 1)/2 sums.
    #[target_feature(enable = "avx2")]
    fn kernel_avx2<const K: usize, const T: usize>(
        cols: &[Vec<f64>],
        lo: usize,
        counts: &[i32],
        out: &mut [f64],
    ) {
        const { assert!(T == 1 + K + K * (K + 1) / 2 && LANES == 4) };
        let n = counts.len();
        let z: [&[[f64; 4]]; K] = std::array::from_fn(|j| cols[j][lo..lo + n].as_chunks().0);
        let mut acc = [_mm256_setzero_pd(); T];
        for (c, ch) in counts.as_chunks::<4>().0.iter().enumerate() {
            let cw = _mm256_cvtepi32_pd(_mm_set_epi32(ch[3], ch[2], ch[1], ch[0]));
            acc[0] = _mm256_add_pd(acc[0], cw);
            let zs: [__m256d; K] = std::array::from_fn(|a| {
                let v = &z[a][c];
                _mm256_set_pd(v[3], v[2], v[1], v[0])
            });
            let mut idx = 1 + K;
            for a in 0..K {
                let wa = _mm256_mul_pd(cw, zs[a]);
                acc[1 + a] = _mm256_add_pd(acc[1 + a], wa);
                for zb in &zs[a..] {
                    acc[idx] = _mm256_add_pd(acc[idx], _mm256_mul_pd(wa, *zb));
                    idx += 1;
                }
            }
        }
        for (o, v) in out.iter_mut().zip(acc) {
            // (l0 + l1) + (l2 + l3), as the portable fold.
            let (l01, l23) = (_mm256_castpd256_pd128(v), _mm256_extractf128_pd::<1>(v));
            let s01 = _mm_add_sd(l01, _mm_unpackhi_pd(l01, l01));
            let s23 = _mm_add_sd(l23, _mm_unpackhi_pd(l23, l23));
            *o += _mm_cvtsd_f64(_mm_add_sd(s01, s23));
        }
    }

    #[target_feature(enable = "avx2")]
    fn kernel_dyn_avx2(cols: &[Vec<f64>], lo: usize, counts: &[i32], out: &mut [f64]) {
        super::kernel_dyn(cols, lo, counts, out);
    }

    /// Only handed out by `select_kernel` after it has detected AVX2.
    pub(super) fn kernel<const K: usize, const T: usize>(
        cols: &[Vec<f64>],
        lo: usize,
        counts: &[i32],
        out: &mut [f64],
    ) {
        // SAFETY: `select_kernel` returns this function only when the CPU has AVX2.
        unsafe { kernel_avx2::<K, T>(cols, lo, counts, out) }
    }

    /// Only handed out by `select_kernel` after it has detected AVX2.
    pub(super) fn kernel_dyn(cols: &[Vec<f64>], lo: usize, counts: &[i32], out: &mut [f64]) {
        // SAFETY: as above.
        unsafe { kernel_dyn_avx2(cols, lo, counts, out) }
    }
}

impl CrossProducts {
    /// Cross-products of `k` standardized variables (divided by `sds`) from their packed
    /// sums [Σw, Σwz (k), Σwzzᵀ (upper triangle)].
    pub(crate) fn from_packed(k: usize, sds: &[f64], sums: &[f64]) -> Self {
        CrossProducts {
            k,
            w: sums[0],
            lin: sums[1..=k].to_vec(),
            quad: sums[1 + k..].to_vec(),
            sds: sds.to_vec(),
        }
    }

    /// The packed sums (the inverse of [`CrossProducts::from_packed`]).
    pub(crate) fn packed(&self) -> Vec<f64> {
        let mut v = Vec::with_capacity(1 + self.lin.len() + self.quad.len());
        v.push(self.w);
        v.extend_from_slice(&self.lin);
        v.extend_from_slice(&self.quad);
        v
    }

    fn q(&self, a: usize, b: usize) -> f64 {
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        // Packed upper triangle: row a holds b = a..k and starts at a·k − a(a − 1)/2.
        self.quad[a * self.k - a * a.saturating_sub(1) / 2 + (b - a)]
    }

    /// Total weight (the resample size).
    pub fn weight(&self) -> f64 {
        self.w
    }

    /// Covariance of variables `a` and `b` in the original units, with divisor
    /// `w − ddof` (ddof 1: the sample covariance; 0: the plug-in one).
    pub fn covariance(&self, a: usize, b: usize, ddof: f64) -> f64 {
        let w = self.w;
        (self.q(a, b) - self.lin[a] * self.lin[b] / w) / (w - ddof) * self.sds[a] * self.sds[b]
    }

    /// Correlation matrix of all k variables under these weights.
    pub fn correlation(&self) -> Array2<f64> {
        let k = self.k;
        let w = self.w;
        let cov = |a: usize, b: usize| (self.q(a, b) - self.lin[a] * self.lin[b] / w) / (w - 1.0);
        let mut c = Array2::<f64>::eye(k);
        for a in 0..k {
            for b in (a + 1)..k {
                let r = cov(a, b) / (cov(a, a) * cov(b, b)).sqrt();
                c[[a, b]] = r;
                c[[b, a]] = r;
            }
        }
        c
    }

    /// Slopes of regressing variable `y` on variables `xs` (with an intercept), in the
    /// original units. None when the weighted system is singular.
    pub fn slopes(&self, y: usize, xs: &[usize]) -> Option<Vec<f64>> {
        let p = xs.len() + 1;
        let mut a = Array2::<f64>::zeros((p, p));
        let mut rhs = Array2::<f64>::zeros((p, 1));
        a[[0, 0]] = self.w;
        rhs[[0, 0]] = self.lin[y];
        for (i, &xi) in xs.iter().enumerate() {
            a[[0, i + 1]] = self.lin[xi];
            a[[i + 1, 0]] = self.lin[xi];
            rhs[[i + 1, 0]] = self.q(xi, y);
            for (j, &xj) in xs.iter().enumerate() {
                a[[i + 1, j + 1]] = self.q(xi, xj);
            }
        }
        a.solvec_inplace(&mut rhs).ok()?;
        let beta = rhs;
        let out: Vec<f64> = xs
            .iter()
            .enumerate()
            .map(|(i, &xi)| beta[[i + 1, 0]] * self.sds[y] / self.sds[xi])
            .collect();
        out.iter().all(|v| v.is_finite()).then_some(out)
    }
}

/// Draw `b` resamples and evaluate `stat` on each; row r of the result holds resample r's
/// statistics (NaN where the resample's fit was singular).
/// Enough resamples for a `confidence` interval: 0 (no intervals), or enough that each
/// tail of a percentile interval holds at least one resample, ⌈2 / (1 − confidence)⌉ (40
/// at 95%). `--bootstrap 1` would print an "interval" [x, x] that need not contain the
/// estimate.
pub fn check_resamples(b: usize, confidence: f64) -> crate::Result<()> {
    let need = (2.0 / (1.0 - confidence)).ceil().max(2.0) as usize;
    if b > 0 && b < need {
        return Err(crate::Error::Usage(format!(
            "--bootstrap {b}: a {:.0}% interval needs at least {need} resamples (one in each tail); use 0 for no intervals, or 1,000 or more for stable limits",
            confidence * 100.0
        )));
    }
    Ok(())
}

pub fn resample<S>(
    data: &BootData,
    b: usize,
    seed: u64,
    stat: &S,
    progress: &ProgressBar,
) -> Vec<Vec<f64>>
where
    S: Fn(&CrossProducts) -> Option<Vec<f64>> + Sync,
{
    resample_grouped(data, b, seed, stat, progress, GROUP)
}

fn resample_grouped<S>(
    data: &BootData,
    b: usize,
    seed: u64,
    stat: &S,
    progress: &ProgressBar,
    group: usize,
) -> Vec<Vec<f64>>
where
    S: Fn(&CrossProducts) -> Option<Vec<f64>> + Sync,
{
    let width = stat(&data.full()).map_or(0, |v| v.len());
    let kernel = select_kernel(data.k);
    let starts: Vec<usize> = (0..b).step_by(group.max(1)).collect();
    let per_group: Vec<Vec<Vec<f64>>> = starts
        .into_par_iter()
        .map(|first| {
            let count = group.min(b - first);
            if crate::progress::cancelled() {
                return vec![vec![f64::NAN; width]; count];
            }
            let out: Vec<Vec<f64>> = data
                .group_sums(first, count, seed, kernel)
                .iter()
                .map(|s| stat(&data.to_cross_products(s)).unwrap_or_else(|| vec![f64::NAN; width]))
                .collect();
            progress.inc(count as u64);
            out
        })
        .collect();
    per_group.into_iter().flatten().collect()
}

/// Jackknife (leave-one-out) values of `stat`, for the BCa acceleration.
pub fn jackknife<S>(data: &BootData, stat: &S) -> Vec<Vec<f64>>
where
    S: Fn(&CrossProducts) -> Option<Vec<f64>> + Sync,
{
    let full = data.full();
    let width = stat(&full).map_or(0, |v| v.len());
    (0..data.n)
        .into_par_iter()
        .map_init(
            || full.clone(),
            |cp, i| {
                data.leave_one_out(&full, i, cp);
                stat(cp).unwrap_or_else(|| vec![f64::NAN; width])
            },
        )
        .collect()
}

/// Bootstrap summary of one statistic.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Interval {
    pub estimate: f64,
    pub boot_se: f64,
    /// Percentile interval.
    pub ci_low: f64,
    pub ci_high: f64,
    /// Bias-corrected interval (BCa without acceleration; PROCESS 2.x / pyprocessmacro's
    /// default "bias-corrected bootstrap").
    pub bc_low: f64,
    pub bc_high: f64,
    /// Bias-corrected and accelerated interval.
    pub bca_low: f64,
    pub bca_high: f64,
    /// Resamples whose fit failed (excluded).
    pub failed: usize,
}

impl Interval {
    /// The point estimate alone (no resamples): every interval bound NaN.
    pub fn point(estimate: f64) -> Self {
        Interval {
            estimate,
            boot_se: f64::NAN,
            ci_low: f64::NAN,
            ci_high: f64::NAN,
            bc_low: f64::NAN,
            bc_high: f64::NAN,
            bca_low: f64::NAN,
            bca_high: f64::NAN,
            failed: 0,
        }
    }
}

/// Linear-interpolation quantile (numpy's default) of sorted data.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Percentile and BCa intervals at `level` for `estimate` from bootstrap `draws` and
/// jackknife values `jack`.
pub fn interval(estimate: f64, draws: &[f64], jack: &[f64], level: f64) -> Interval {
    let mut sorted: Vec<f64> = draws.iter().copied().filter(|v| v.is_finite()).collect();
    let failed = draws.len() - sorted.len();
    sorted.sort_by(f64::total_cmp);
    let b = sorted.len() as f64;
    let mean = sorted.iter().sum::<f64>() / b;
    let boot_se = (sorted.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (b - 1.0)).sqrt();
    let alpha = 1.0 - level;
    let (bca_low, bca_high) = bca(estimate, &sorted, jack, alpha);
    let (bc_low, bc_high) = bias_corrected(estimate, &sorted, 0.0, alpha);
    Interval {
        estimate,
        boot_se,
        ci_low: quantile_sorted(&sorted, alpha / 2.0),
        ci_high: quantile_sorted(&sorted, 1.0 - alpha / 2.0),
        bc_low,
        bc_high,
        bca_low,
        bca_high,
        failed,
    }
}

/// BCa endpoints: quantiles at Φ(z0 + (z0 + z)/(1 − a(z0 + z))) for z = z_{α/2}, z_{1−α/2},
/// with z0 = Φ⁻¹(share of draws below the estimate) and the jackknife acceleration `a`
/// (Efron & Tibshirani 1993, eq. 14.14–14.15).
pub fn bca(estimate: f64, sorted: &[f64], jack: &[f64], alpha: f64) -> (f64, f64) {
    bias_corrected(estimate, sorted, acceleration(jack), alpha)
}

/// Jackknife acceleration a = Σd³ / (6(Σd²)^{3/2}), d = mean(jackknife) − jackknife value
/// (Efron & Tibshirani 1993, eq. 14.15); 0 when the jackknife values do not vary.
pub fn acceleration(jack: &[f64]) -> f64 {
    let jack: Vec<f64> = jack.iter().copied().filter(|v| v.is_finite()).collect();
    let jm = jack.iter().sum::<f64>() / jack.len() as f64;
    let (mut s2, mut s3) = (0.0, 0.0);
    for v in &jack {
        let d = jm - v;
        s2 += d * d;
        s3 += d * d * d;
    }
    if s2 > 0.0 {
        s3 / (6.0 * s2.powf(1.5))
    } else {
        0.0
    }
}

/// Bias-corrected interval with acceleration `a` (0 gives the plain bias-corrected one).
pub fn bias_corrected(estimate: f64, sorted: &[f64], a: f64, alpha: f64) -> (f64, f64) {
    let Ok(norm) = Normal::new(0.0, 1.0) else {
        return (f64::NAN, f64::NAN);
    };
    let b = sorted.len() as f64;
    let below = sorted.iter().filter(|v| **v < estimate).count() as f64;
    let ties = sorted.iter().filter(|v| **v == estimate).count() as f64;
    let prop = (below + 0.5 * ties) / b;
    if !(prop > 0.0 && prop < 1.0) {
        return (f64::NAN, f64::NAN);
    }
    let z0 = norm.inverse_cdf(prop);
    let adj = |z: f64| norm.cdf(z0 + (z0 + z) / (1.0 - a * (z0 + z)));
    let lo = adj(norm.inverse_cdf(alpha / 2.0));
    let hi = adj(norm.inverse_cdf(1.0 - alpha / 2.0));
    (quantile_sorted(sorted, lo), quantile_sorted(sorted, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bca_hand_computed_case() {
        // Draws 1..100, estimate 40.5: z0 = Φ⁻¹(0.40) = −0.253347. Jackknife 1, 2, 3, 10:
        // d = 3, 2, 1, −6 → a = −180 / (6·50^1.5) = −0.0848528. Endpoint levels
        // Φ(z0 + (z0 + z)/(1 − a(z0 + z))) = 0.0014486 and 0.8920295 (Efron 1987, eq. 2.3),
        // i.e. quantiles 1 + 99·level of the draws.
        let draws: Vec<f64> = (1..=100).map(f64::from).collect();
        let (lo, hi) = bca(40.5, &draws, &[1.0, 2.0, 3.0, 10.0], 0.05);
        assert!((lo - 1.143_407_76).abs() < 1e-6, "{lo}");
        assert!((hi - 89.310_923_4).abs() < 1e-6, "{hi}");
    }

    #[test]
    fn bca_equals_percentile_without_bias_or_acceleration() {
        let draws: Vec<f64> = (1..=101).map(f64::from).collect();
        let (lo, hi) = bca(51.0, &draws, &[1.0, 2.0, 3.0], 0.10);
        assert!((lo - quantile_sorted(&draws, 0.05)).abs() < 1e-9);
        assert!((hi - quantile_sorted(&draws, 0.95)).abs() < 1e-9);
    }

    #[test]
    fn cross_product_slopes_match_ols() {
        // y = 1 + 2x exactly → slope 2 from the unit-weight cross-products.
        let x = [1.0, 2.0, 4.0, 7.0, 11.0];
        let y: Vec<f64> = x.iter().map(|v| 1.0 + 2.0 * v).collect();
        let d = BootData::new(&[&x, &y]).unwrap();
        let full = d.full();
        assert_eq!(full.weight(), 5.0);
        let s = full.slopes(1, &[0]).unwrap();
        assert!((s[0] - 2.0).abs() < 1e-12, "{s:?}");
        // Sample variance of x in original units: 66 / 4 = 16.5.
        assert!((full.covariance(0, 0, 1.0) - 16.5).abs() < 1e-12);
    }

    /// Columns with distinct values over a few blocks (last one partial).
    fn sample(n: usize, k: usize) -> BootData {
        let cols: Vec<Vec<f64>> = (0..k)
            .map(|j| {
                (0..n)
                    .map(|i| ((i * (j + 3)) % 97) as f64 + (i as f64).sqrt() * (j as f64 + 1.0))
                    .collect()
            })
            .collect();
        let slices: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        BootData::new(&slices).unwrap()
    }

    /// The counts resample `r` draws, by the engine's own two steps.
    fn counts_of(d: &BootData, seed: u64, r: usize) -> Vec<i32> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(r as u64);
        let totals = d.block_totals(&mut rng);
        let mut all = Vec::with_capacity(d.n);
        for (b, m) in totals.iter().enumerate() {
            let mut c = vec![0; d.block_len(b)];
            draw_block(&mut rng, *m, c.len(), &mut c);
            all.extend(c);
        }
        all
    }

    #[test]
    fn resample_sums_equal_brute_force_sums_of_the_drawn_counts() {
        let d = sample(2 * BLOCK + 333, 3);
        let sums = d.group_sums(5, 2, 99, select_kernel(3));
        for (s, r) in sums.iter().zip(5..) {
            let c = counts_of(&d, 99, r);
            assert_eq!(c.iter().map(|v| i64::from(*v)).sum::<i64>(), d.n as i64);
            let mut naive = vec![0.0; d.terms()];
            for (i, ci) in c.iter().enumerate() {
                let w = f64::from(*ci);
                naive[0] += w;
                let mut idx = 1 + d.k;
                for a in 0..d.k {
                    naive[1 + a] += w * d.cols[a][i];
                    for b in a..d.k {
                        naive[idx] += w * d.cols[a][i] * d.cols[b][i];
                        idx += 1;
                    }
                }
            }
            for (x, y) in s.iter().zip(&naive) {
                assert!((x - y).abs() <= 1e-9 * (1.0 + y.abs()), "{x} vs {y}");
            }
        }
    }

    #[test]
    fn every_kernel_gives_the_same_bits() {
        // The module's promise: the kernel this CPU runs (AVX2 or portable), the portable
        // fixed-k one and the general one perform the same IEEE operations in the same
        // order, so they agree to the last bit (and output does not depend on the CPU).
        for k in [2, 4, 5, 8, 10] {
            let d = sample(BLOCK + 13, k);
            let counts: Vec<i32> = (0..BLOCK).map(|i| (i % 5) as i32).collect();
            let bits = |f: Kernel| {
                let mut out = vec![0.0; d.terms()];
                f(&d.cols, 0, &counts, &mut out);
                out.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            };
            let general = bits(kernel_dyn);
            assert_eq!(bits(select_kernel(k)), general, "k={k}: selected kernel");
            let fixed = match k {
                2 => bits(kernel::<2>),
                4 => bits(kernel::<4>),
                5 => bits(kernel::<5>),
                8 => bits(kernel::<8>),
                _ => general.clone(),
            };
            assert_eq!(fixed, general, "k={k}: portable fixed-k kernel");
        }
    }

    #[test]
    fn grouping_does_not_change_any_resample() {
        let d = sample(BLOCK + 500, 4);
        let stat = |cp: &CrossProducts| cp.slopes(3, &[0, 1, 2]);
        let pb = ProgressBar::hidden();
        let one = resample_grouped(&d, 21, 7, &stat, &pb, 1);
        let eight = resample_grouped(&d, 21, 7, &stat, &pb, 8);
        assert_eq!(one, eight);
        assert_ne!(one[0], one[1], "resamples must differ");
        assert_ne!(
            one,
            resample_grouped(&d, 21, 8, &stat, &pb, 8),
            "seeds must matter"
        );
    }

    /// Pearson χ² statistic and its upper-tail p-value.
    fn chi_square(observed: &[f64], expected: &[f64]) -> f64 {
        let x2: f64 = observed
            .iter()
            .zip(expected)
            .map(|(o, e)| (o - e).powi(2) / e)
            .sum();
        let df = (observed.len() - 1) as f64;
        statrs::distribution::ChiSquared::new(df).unwrap().sf(x2)
    }

    #[test]
    fn counts_are_exactly_multinomial_within_a_block() {
        // n = 3: the 10 count vectors have probabilities 1/27 (3,0,0), 3/27 (2,1,0) and
        // 6/27 (1,1,1) under Multinomial(3; 1/3, 1/3, 1/3).
        let d = sample(3, 1);
        let reps = 27_000;
        let mut freq = std::collections::BTreeMap::<Vec<i32>, f64>::new();
        for r in 0..reps {
            *freq.entry(counts_of(&d, 3, r)).or_default() += 1.0;
        }
        assert_eq!(freq.len(), 10);
        let (obs, exp): (Vec<f64>, Vec<f64>) = freq
            .iter()
            .map(|(c, o)| {
                let m = c.iter().filter(|v| **v > 0).count();
                let p = match m {
                    1 => 1.0 / 27.0,
                    2 => 3.0 / 27.0,
                    _ => 6.0 / 27.0,
                };
                (*o, p * reps as f64)
            })
            .unzip();
        let p = chi_square(&obs, &exp);
        assert!(p > 1e-3, "χ² p = {p}");
    }

    #[test]
    fn counts_are_exactly_multinomial_across_blocks() {
        // Three blocks (4096, 4096, 100 rows): block totals are Binomial(n, len/n) in
        // mean and variance, and a row's count is Binomial(n, 1/n): P(0) ≈ e⁻¹.
        let d = sample(2 * BLOCK + 100, 1);
        let n = d.n as f64;
        let reps = 4000;
        let mut totals = vec![Vec::new(); 3];
        let mut zero = [0.0; 3];
        for r in 0..reps {
            let c = counts_of(&d, 11, r);
            for b in 0..3 {
                let block = &c[b * BLOCK..(b * BLOCK + d.block_len(b))];
                totals[b].push(f64::from(block.iter().sum::<i32>()));
                zero[b] += f64::from(u8::from(block[7] == 0));
            }
        }
        for b in 0..3 {
            let p = d.block_len(b) as f64 / n;
            let mean = totals[b].iter().sum::<f64>() / reps as f64;
            let var = totals[b].iter().map(|t| (t - mean).powi(2)).sum::<f64>() / reps as f64;
            let (em, ev) = (n * p, n * p * (1.0 - p));
            assert!(
                (mean - em).abs() < 4.0 * (ev / reps as f64).sqrt(),
                "block {b}: {mean} vs {em}"
            );
            assert!(
                (var / ev - 1.0).abs() < 0.1,
                "block {b}: variance {var} vs {ev}"
            );
            let p0 = (1.0 - 1.0 / n).powf(n);
            let se = (p0 * (1.0 - p0) / reps as f64).sqrt();
            assert!(
                (zero[b] / reps as f64 - p0).abs() < 4.0 * se,
                "block {b}: P(0)"
            );
        }
    }

    #[test]
    fn bca_on_efron_tibshirani_spatial_data() {
        // Efron & Tibshirani (1993), Table 14.1: spatial test scores A of 26 children;
        // θ = plug-in variance = 171.5. Table 14.2 (B = 2000): percentile 90% interval
        // (100.8, 233.9), BCa (115.8, 259.6); eq. 14.15 gives â = 0.061. R's
        // bootstrap::bcanon with B = 20000 gives BCa (116.2, 264.0), boot's percentile
        // (97.8, 235.6).
        let a = [
            48.0, 36.0, 20.0, 29.0, 42.0, 42.0, 20.0, 42.0, 22.0, 41.0, 45.0, 14.0, 6.0, 0.0, 33.0,
            28.0, 34.0, 4.0, 32.0, 24.0, 47.0, 41.0, 24.0, 26.0, 30.0, 41.0,
        ];
        let d = BootData::new(&[&a]).unwrap();
        let stat = |cp: &CrossProducts| Some(vec![cp.covariance(0, 0, 0.0)]);
        let theta = stat(&d.full()).unwrap()[0];
        assert!((theta - 171.534_023_668_639).abs() < 1e-9, "{theta}");
        let jack: Vec<f64> = jackknife(&d, &stat).iter().map(|v| v[0]).collect();
        let acc = acceleration(&jack);
        assert!((acc - 0.061).abs() < 0.0005, "â = {acc}");
        let draws: Vec<f64> = resample(&d, 20_000, 1, &stat, &ProgressBar::hidden())
            .iter()
            .map(|v| v[0])
            .collect();
        let iv = interval(theta, &draws, &jack, 0.90);
        // Tolerances are 3-4 SDs of the combined Monte Carlo error: over 20 seeds here the
        // endpoints at B = 20000 vary with SD 0.5 (BCa low), 1.05 (BCa high), 0.5
        // (percentile); the book's B = 2000 figures carry about three times that.
        for (got, book, r_20k, tol_book, tol_r) in [
            (iv.bca_low, 115.8, 116.2, 4.0, 3.0),
            (iv.bca_high, 259.6, 264.0, 9.0, 6.0),
            (iv.ci_low, 100.8, 97.8, 6.0, 2.5),
            (iv.ci_high, 233.9, 235.6, 6.0, 2.5),
        ] {
            assert!(
                (got - book).abs() < tol_book,
                "{got} vs Table 14.2's {book}"
            );
            assert!((got - r_20k).abs() < tol_r, "{got} vs R's {r_20k}");
        }
        // The BCa shift is the point: both endpoints sit well above the percentile ones.
        assert!(iv.bca_low - iv.ci_low > 10.0 && iv.bca_high - iv.ci_high > 15.0);
        assert!((iv.boot_se - 41.8).abs() < 1.0, "SE {}", iv.boot_se);
    }
}
