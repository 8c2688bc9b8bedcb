//! The four hypotheses of the chain and their verdicts: H1 (share of wallet → revenue) and
//! H2 (revenue → profit) from the path coefficients, H3 and H4 (the mediations) from the
//! bootstrap interval of the indirect effect, or Sobel's test without resamples. A
//! significant effect of the wrong sign "reverses"; it never "holds".

use super::models::{coef_in, INDIRECT_PATHS};
use super::results::*;
use super::{verdict_of, ChainOptions};

/// H1–H4 for one segment.
pub(super) fn verdicts(
    regs: &[ModelResult],
    mediation: &Mediation,
    opts: &ChainOptions,
) -> Vec<Hypothesis> {
    let alpha = opts.alpha;
    let d21 = coef_in(regs, "M2", "share_of_wallet");
    let b2 = coef_in(regs, "Y", "revenue");
    let indirect_effects = &mediation.indirect_effects;
    let sobels = &mediation.sobel;
    let positive = |id: &str, statement: &str, p: &Path, basis: &str| Hypothesis {
        id: id.into(),
        statement: statement.into(),
        supported: p.estimate > 0.0 && p.p_value < alpha,
        verdict: verdict_of(p.p_value < alpha, p.estimate).into(),
        estimate: p.estimate,
        p_value: Some(p.p_value),
        ci_low: None,
        ci_high: None,
        basis: basis.into(),
    };
    let mediated = |id: &str, statement: &str, k: usize, s: &Sobel| {
        let iv = &indirect_effects[k].interval;
        let (significant, basis) = if opts.bootstrap > 0 {
            (
                iv.ci_low > 0.0 || iv.ci_high < 0.0,
                format!(
                    "bootstrap {:.0}% percentile CI of {} excludes 0",
                    opts.confidence * 100.0,
                    INDIRECT_PATHS[k]
                ),
            )
        } else {
            (
                s.p_value < alpha,
                format!("Sobel test of {}", INDIRECT_PATHS[k]),
            )
        };
        Hypothesis {
            id: id.into(),
            statement: statement.into(),
            supported: significant && iv.estimate > 0.0,
            verdict: verdict_of(significant, iv.estimate).into(),
            estimate: iv.estimate,
            // One basis for significance per statement: the bootstrap interval when
            // resampled (Sobel's p stays in `mediation.sobel`), else Sobel's p.
            p_value: (opts.bootstrap == 0).then_some(s.p_value),
            ci_low: (opts.bootstrap > 0).then_some(iv.ci_low),
            ci_high: (opts.bootstrap > 0).then_some(iv.ci_high),
            basis,
        }
    };
    // With `--outcome clv` the Y of the chain is customer lifetime value.
    let y = super::outcome_word(opts);
    vec![
        positive(
            "H1",
            "Share of wallet is positively related to revenue",
            &d21,
            "M2: coefficient of share_of_wallet",
        ),
        positive(
            "H2",
            &format!("Revenue is positively related to {y}"),
            &b2,
            "Y: coefficient of revenue",
        ),
        mediated(
            "H3",
            "Share of wallet mediates satisfaction -> revenue",
            4,
            &sobels[0],
        ),
        mediated(
            "H4",
            &format!("Revenue mediates share of wallet -> {y}"),
            5,
            &sobels[1],
        ),
    ]
}
