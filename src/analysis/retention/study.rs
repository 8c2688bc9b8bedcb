//! A study's `[retention]` section: the subscription table's customers joined to the built
//! customer table (its segments and covariate columns), then the sBG fitted as
//! `profitchain retention` fits it: all customers, each segment, and the covariate model.

use polars::prelude::*;

use super::{RetentionOptions, RetentionResult};
use crate::data::build::{cols, CustomerTable};
use crate::data::load;
use crate::data::study::{RetentionSection, Study};
use crate::data::subscriptions::{self, SubscriptionSpec};
use crate::data::transactions::TimeUnit;
use crate::error::{Error, Result};

/// Fit the study's retention section on `table` (the built customer table).
pub fn run(
    study: &Study,
    spec: &RetentionSection,
    table: &CustomerTable,
) -> Result<RetentionResult> {
    let section = |e: Error| Error::study("[retention]", e.to_string());
    let path = if spec.path.is_absolute() {
        spec.path.clone()
    } else {
        study.base_dir.join(&spec.path)
    };
    let file = path.display().to_string();
    let id = spec.id.clone().unwrap_or_else(|| study.roles.id.clone());
    let read = load::ReadOptions {
        text_columns: vec![id.clone()],
        ..Default::default()
    };
    let subs = load::read_table(&path, &read)?;
    let unit = TimeUnit::parse(&spec.time_unit).map_err(section)?;
    let (customers, counts, as_of) = subscriptions::lifetimes(
        &subs,
        &file,
        &SubscriptionSpec {
            id: id.clone(),
            start: spec.start.clone(),
            end: spec.end.clone(),
            date_format: spec.date_format.clone(),
            as_of: spec.as_of.clone(),
            days_per_period: unit.days(),
        },
    )?;
    for c in &spec.covariates {
        if table.df.column(c).is_err() {
            return Err(Error::study(
                "[retention] covariates",
                format!(
                    "'{c}' is not a column of the built customer table; name one of: {}",
                    table
                        .df
                        .get_column_names()
                        .iter()
                        .map(|n| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    // The customer table's segment and covariates by id; the subscription table's own
    // columns of those names give way.
    let mut wanted = vec![
        col(table.id.as_str()).cast(DataType::String).alias("__id"),
        col(cols::SEGMENT).cast(DataType::String),
    ];
    wanted.extend(spec.covariates.iter().map(|c| col(c.as_str())));
    let known = table.df.clone().lazy().select(wanted);
    let own: Vec<String> = customers
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .filter(|n| *n == cols::SEGMENT || spec.covariates.contains(n))
        .collect();
    let joined = customers
        .drop_many(own)
        .lazy()
        .with_column(col(id.as_str()).cast(DataType::String).alias("__id"))
        .join(
            known,
            [col("__id")],
            [col("__id")],
            JoinArgs::new(JoinType::Left),
        )
        .collect()?;
    let opts = RetentionOptions {
        unit,
        discount: spec.discount,
        margin: spec.margin,
        horizon: spec.horizon.unwrap_or(0),
        fit_periods: spec.fit_periods,
        seed: 1,
    };
    let mut r =
        super::from_subscriptions(&joined, &file, Some(cols::SEGMENT), &spec.covariates, &opts)
            .map_err(section)?;
    let unmatched = joined.column(cols::SEGMENT)?.null_count();
    if unmatched > 0 {
        r.warnings.insert(
            0,
            format!(
                "{unmatched} of {} subscribers in {file} are not in the study's customer table: they count in 'all' only, and without covariate values",
                joined.height()
            ),
        );
    }
    // Segments in the report's order ("all" first).
    r.groups.sort_by_key(|g| {
        (g.name != "all")
            .then(|| table.segments.iter().position(|s| *s == g.name))
            .flatten()
            .map_or(if g.name == "all" { 0 } else { usize::MAX }, |p| p + 1)
    });
    r.covariates_by_segment.sort_by_key(|g| {
        table
            .segments
            .iter()
            .position(|s| *s == g.segment)
            .unwrap_or(usize::MAX)
    });
    r.counts = Some(counts);
    r.as_of = Some(as_of);
    Ok(r)
}
