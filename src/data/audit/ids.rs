//! The id policy every command shares.
//!
//! Customer ids are text: `0001` stays `0001` (CSV columns named as ids are read as text,
//! see [`crate::data::load::ReadOptions::text_columns`]), so "5", "05" and "005" are three
//! customers and the output joins back to the CRM. Numbers read from SPSS, Stata, Excel or
//! Parquet print as whole numbers (`1`, not `1.0`). Surrounding spaces are trimmed
//! (`"AC-1000 "` is `AC-1000`) and an id that is empty or only spaces is missing: its rows
//! are counted as rows without an id, never a customer.

use polars::prelude::*;

use super::Finding;
use crate::data::diagnostics::EXAMPLES;
use crate::error::Result;

/// An id column as text under the policy: whole numbers without `.0`, spaces trimmed,
/// blank as missing.
pub fn id_text(name: &str, dtype: &DataType) -> Expr {
    let c = col(name);
    let text = if dtype.is_float() {
        let f = c.clone().cast(DataType::Float64);
        let whole = f.clone().cast(DataType::Int64);
        when(whole.clone().cast(DataType::Float64).eq(f.clone()))
            .then(whole.cast(DataType::String))
            .otherwise(f.cast(DataType::String))
    } else {
        c.cast(DataType::String)
    };
    let trimmed = text.str().strip_chars(lit(NULL));
    when(trimmed.clone().str().len_chars().eq(lit(0)))
        .then(lit(NULL).cast(DataType::String))
        .otherwise(trimmed)
}

/// `df` with its id column `id` as text under the policy, and the notes it takes: ids with
/// surrounding spaces (how many, the first few) and ids that were numbers.
pub fn normalize(df: DataFrame, id: &str, table: &str) -> Result<(DataFrame, Vec<Finding>)> {
    let dtype = df.column(id)?.dtype().clone();
    let mut notes = Vec::new();
    let raw = if dtype == DataType::String {
        col(id)
    } else {
        lit(NULL).cast(DataType::String)
    };
    let out = df
        .lazy()
        .with_columns([raw.alias("__raw_id"), id_text(id, &dtype).alias(id)])
        .collect()?;
    if dtype == DataType::String {
        let trimmed = out
            .clone()
            .lazy()
            .filter(
                col("__raw_id")
                    .neq(col(id))
                    .and(col(id).is_not_null())
                    .and(col("__raw_id").is_not_null()),
            )
            .select([col("__raw_id")])
            .collect()?;
        if trimmed.height() > 0 {
            let examples: Vec<String> = trimmed
                .column("__raw_id")?
                .as_materialized_series()
                .str()?
                .iter()
                .flatten()
                .take(EXAMPLES)
                .map(str::to_string)
                .collect();
            notes.push(Finding::new(
                "ids-trimmed",
                table,
                Some(id),
                trimmed.height(),
                examples,
                &[],
            ));
        }
    } else if dtype.is_float() {
        let example = out
            .column(id)?
            .as_materialized_series()
            .str()?
            .iter()
            .flatten()
            .next()
            .map(str::to_string)
            .unwrap_or_default();
        notes.push(Finding::new(
            "ids-numeric",
            table,
            Some(id),
            0,
            vec![],
            &[("example", format!("'{example}'"))],
        ));
    }
    Ok((out.drop("__raw_id")?, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(df: DataFrame) -> Vec<Option<String>> {
        df.column("id")
            .unwrap()
            .as_materialized_series()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.map(str::to_string))
            .collect()
    }

    #[test]
    fn ids_become_text_under_one_policy() {
        let df = df!("id" => [Some(" 0001"), Some("05 "), Some("   "), None, Some("5")]).unwrap();
        let (out, notes) = normalize(df, "id", "t").unwrap();
        assert_eq!(
            texts(out),
            [
                Some("0001".into()),
                Some("05".into()),
                None,
                None,
                Some("5".into())
            ]
        );
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].count, 2);
        let floats = df!("id" => [Some(1.0), Some(20.0), Some(2.5), None]).unwrap();
        let (out, notes) = normalize(floats, "id", "t").unwrap();
        assert_eq!(
            texts(out),
            [
                Some("1".into()),
                Some("20".into()),
                Some("2.5".into()),
                None
            ]
        );
        assert_eq!(notes[0].rule, "ids-numeric");
    }
}
