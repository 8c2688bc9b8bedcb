//! The builder's last stages, shared by the in-memory and the streaming builder: columns
//! present in several tables, the join on the id (every lost customer counted once, where it
//! was lost), derived measures, customers without model values, ranges and segments.

use polars::prelude::*;

use super::checks::*;
use super::*;

/// From the cleaned per-customer tables (`loaded`, in study order), their ids as read
/// (`read_ids`) and the ids each table removed itself (`removed_early`) to the customer
/// table.
pub(super) fn join_and_finish(
    study: &Study,
    mut loaded: Vec<Loaded>,
    read_ids: Vec<DataFrame>,
    removed_early: Vec<DataFrame>,
    mut diag: Diagnostics,
    labels: load::TableMeta,
) -> Result<CustomerTable> {
    let id = study.roles.id.clone();
    // A non-id column present in several tables is taken from one table only: customer
    // tables first, then respondent tables, each in study order (noted).
    let mut seen: Vec<String> = vec![id.clone()];
    for ti in preference_order(&loaded) {
        let t = &mut loaded[ti];
        let dupes: Vec<String> =
            t.df.get_column_names()
                .iter()
                .map(|s| s.to_string())
                .filter(|c| c != &id && seen.contains(c))
                .collect();
        if !dupes.is_empty() {
            diag.notes.push(format!(
                "table '{}': column(s) {} also appear in another table, whose values are used",
                t.name,
                dupes.join(", ")
            ));
            t.df = t.df.drop_many(dupes.iter().map(String::as_str));
        }
        seen.extend(t.df.get_column_names().iter().map(|s| s.to_string()));
    }

    // 3. The join: an inner join of the survey and customer tables (each holds model
    // variables), then a left join of the transaction log's summary, which is optional: a
    // customer without purchases keeps the survey and finance data, with empty CLV columns
    // (counted). Every id lost is counted once, under the first table (in study order) that
    // lacks it. Ids a table removed itself were counted in step 2.
    let mut joined: Option<LazyFrame> = None;
    for t in loaded.iter().filter(|t| t.level != Level::Transaction) {
        let lf = t.df.clone().lazy();
        joined = Some(match joined {
            None => lf,
            Some(acc) => acc.inner_join(lf, col(id.as_str()), col(id.as_str())),
        });
    }
    let mut joined = joined.ok_or_else(|| Error::Internal("no tables".into()))?;
    for t in loaded.iter().filter(|t| t.level == Level::Transaction) {
        let have =
            t.df.clone()
                .lazy()
                .select([col(id.as_str())])
                .with_column(lit(true).alias("__has"));
        let without = joined
            .clone()
            .join(
                have,
                [col(id.as_str())],
                [col(id.as_str())],
                JoinArgs::new(JoinType::Left),
            )
            .filter(col("__has").is_null())
            .select([col(id.as_str())])
            .sort([id.as_str()], Default::default())
            .collect()?;
        if without.height() > 0 {
            diag.add(audit::Finding::new(
                "optional-table",
                &t.name,
                None,
                without.height(),
                first_ids(&without, &id)?,
                &[
                    ("what", "CLV".into()),
                    ("what_zh", "客户生命周期价值".into()),
                ],
            ));
        }
        joined = joined.join(
            t.df.clone().lazy(),
            [col(id.as_str())],
            [col(id.as_str())],
            JoinArgs::new(JoinType::Left),
        );
    }
    let joined = joined.sort([id.as_str()], Default::default()).collect()?;
    diag.joined_customers = joined.height();
    let names: Vec<String> = loaded.iter().map(|t| t.name.clone()).collect();
    diag.customers_read =
        unmatched_at_join(&read_ids, &removed_early, &joined, &id, &names, &mut diag)?;
    if joined.height() == 0 {
        let examples: Vec<String> = loaded
            .iter()
            .map(|t| {
                format!(
                    "'{}' has e.g. {}",
                    t.name,
                    first_ids(&t.df, &id)
                        .map(|v| v.join(", "))
                        .unwrap_or_default()
                )
            })
            .collect();
        return Err(Error::Empty {
            what: "the join of all tables on the customer id".into(),
            hint: format!(
                "No id occurs in every table ({}). Check that the id columns hold the same codes.",
                examples.join("; ")
            ),
        });
    }

    // 4. Derived measures under canonical names.
    let derived = derive(joined.lazy(), study)?;

    // 5. Missing / non-finite model values, attributed to the first offending column.
    let required = required_columns(study);
    let mut df = derived;
    for c in &required {
        let numeric = df.column(c)?.dtype().is_float();
        let bad = no_value(c, numeric);
        let (keep, gone) = split_by(df.lazy(), bad)?;
        let reason = missing_reason(study, c);
        drop_customers(&mut diag, "customers", reason, &gone, &id)?;
        df = keep;
    }
    check_magnitudes(&df, &id, &required, study)?;
    if df.height() == 0 {
        return Err(Error::Empty {
            what: "the customer table after removing missing values".into(),
            hint: "Every customer lacks a value in some model column; see the columns named above with `profitchain inspect`.".into(),
        });
    }

    // 6. Out-of-range values. A share of wallet outside [0, 1] is impossible: an error
    // naming the fix unless the study allows it.
    if let Some(w) = range_check(&df, &id, cols::SOW, 0.0, 1.0)? {
        if !study.options.allow_out_of_range {
            return Err(sow_out_of_range(&df, &id, study, &w)?);
        }
        diag.warnings.push(format!(
            "{} customers have share of wallet outside [0, 1], kept because allow_out_of_range is set (e.g. {})",
            w.count,
            crate::data::diagnostics::quote_ids(&w.examples)
        ));
        diag.out_of_range.push(w);
    }
    // (Ratings outside their scale were stopped, or kept with a warning, by the audit of
    // the table they came from; the customers concerned are recorded here.)
    if let Some([lo, hi]) = study.options.satisfaction_scale {
        if let Some(w) = range_check(&df, &id, cols::SATISFACTION, lo, hi)? {
            diag.out_of_range.push(w);
        }
    }

    // 7. Segments, then column order: id, segment, chain variables, the rest.
    let df = df
        .lazy()
        .with_column(segment_expr(&study.segments)?)
        .collect()?;
    let segments = segment_order(&df, &study.segments)?;
    if let SegmentRule::Column { column } = &study.segments {
        if segments.len() > MAX_SEGMENTS && !study.options.allow_many_segments {
            return Err(many_segments(&df, column, &segments)?.into_error());
        }
    }
    diag.warnings.extend(one_segment_warning(study, &segments));
    for s in &segments {
        let n = df
            .column(cols::SEGMENT)?
            .as_materialized_series()
            .str()?
            .iter()
            .filter(|v| *v == Some(s.as_str()))
            .count();
        diag.segments.push(SegmentCount {
            segment: s.clone(),
            customers: n,
        });
    }
    let mut order: Vec<String> = vec![
        id.clone(),
        cols::SEGMENT.into(),
        cols::SATISFACTION.into(),
        cols::SOW.into(),
        cols::REVENUE.into(),
        cols::PROFIT.into(),
    ];
    for c in df.get_column_names() {
        if !order.iter().any(|o| o == c.as_str()) {
            order.push(c.to_string());
        }
    }
    let df = df.select(order)?;
    diag.customers = df.height();
    Ok(CustomerTable {
        df,
        id,
        segments,
        diagnostics: diag,
        labels,
    })
}
