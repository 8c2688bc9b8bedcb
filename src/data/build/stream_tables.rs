//! `build --streaming`: the builder of a study of customer and respondent tables (CSV,
//! Parquet or IPC files, folders, patterns), with every question about a table's rows put
//! to polars' streaming engine, so the respondents' rows are never held in memory: rows
//! read, rows without an id, declared missing codes, ratings outside a declared scale, the
//! respondents' roll-up to customers (mean or median, most frequent category, respondent
//! count, `min_respondents`) and repeated ids are each a streamed query; a respondent
//! answering twice for a customer is found from 8-byte hashes of the (customer,
//! respondent) pairs, confirmed on the pairs themselves. What is held is per customer: each
//! table's cleaned customers and their ids as read, from which the join, the derived
//! measures, the drops per reason, the ranges and the segments are made by the same code as
//! the in-memory builder ([`super::join`]), with the same diagnostics and messages.
//!
//! Memory: polars' streaming group-by keeps partial aggregates of each batch until the
//! end, so with customers scattered through a large survey the roll-up still grows with
//! the rows, at about a third of what the in-memory build holds (README, "At scale").
//!
//! Not run on a stream: the input audit's whole-table checks (Total rows, non-answer codes
//! such as 99 on an inferred rating scale, numbers stored as text); the diagnostics say so.
//! A study that summarizes a transaction log, fits a satisfaction index or finds its
//! segments from the data is refused with the fix.

use polars::prelude::*;

use super::checks::*;
use super::*;
use crate::data::audit::codes::out_of_scale;
use crate::data::load::meta::code_text;
use crate::data::load::Origin;

const ENGINE: Engine = Engine::Streaming;

/// One table as scanned: its spec, the lazy plan of its rows, the plan's schema, its file.
struct Scan<'a> {
    spec: &'a crate::data::study::TableSpec,
    lf: LazyFrame,
    schema: Schema,
    file: String,
    origin: Origin,
}

/// Build the customer table of `study` on polars' streaming engine (see the module docs).
pub fn build(study: &Study) -> Result<CustomerTable> {
    refuse(study)?;
    let id = study.roles.id.clone();
    let mut diag = Diagnostics {
        study: study.name.clone(),
        ..Default::default()
    };

    // 1. Scan every table (ids and respondent codes as text) and check the columns the
    // roles need, as the builder does.
    let mut scans = Vec::with_capacity(study.tables.len());
    for spec in &study.tables {
        let path = study.resolve(spec);
        let file = path.display().to_string();
        let table_id = study.table_id(spec).to_string();
        let text: Vec<String> = [Some(table_id.clone()), spec.respondent.clone()]
            .into_iter()
            .flatten()
            .collect();
        let mut lf = load::sources::stream_scan_text(&path, &text)?;
        let schema = (*lf.collect_schema()?).clone();
        let empty = DataFrame::empty_with_schema(&schema);
        load::require_column(&empty, &file, &table_id)?;
        if let Some(r) = &spec.respondent {
            load::require_column(&empty, &file, r)?;
        }
        let origin = match load::Format::from_path(&path) {
            Ok(load::Format::Csv | load::Format::Tsv) => Origin::Lines { first: 2 },
            _ => Origin::Rows,
        };
        scans.push(Scan {
            spec,
            lf,
            schema,
            file,
            origin,
        });
    }
    let empties: Vec<(&crate::data::study::TableSpec, DataFrame)> = scans
        .iter()
        .map(|s| (s.spec, DataFrame::empty_with_schema(&s.schema)))
        .collect();
    let missing_codes = study_missing_codes(study, &empties)?;

    // Numeric roles are numbers in the first table holding them (customer tables first).
    let mut casts: Vec<Vec<String>> = vec![Vec::new(); scans.len()];
    for name in numeric_role_columns(study) {
        let order = (0..scans.len())
            .filter(|&i| scans[i].spec.level != Level::Respondent)
            .chain((0..scans.len()).filter(|&i| scans[i].spec.level == Level::Respondent));
        let Some(ti) = order.into_iter().find(|&i| scans[i].schema.contains(&name)) else {
            if segment_source(study).as_deref() == Some(name.as_str()) && is_canonical(&name) {
                continue;
            }
            return Err(missing_everywhere(&empties, study, &name));
        };
        let dtype = scans[ti]
            .schema
            .get(&name)
            .cloned()
            .unwrap_or(DataType::Null);
        if !(dtype.is_primitive_numeric() || dtype == DataType::Boolean || dtype == DataType::Null)
        {
            return Err(Error::InvalidData(format!(
                "{}: column '{name}' is {dtype}, not numbers. --streaming reads numbers as numbers only; run without --streaming (which reads number forms in text and says what it changed), or convert the column.",
                scans[ti].file
            )));
        }
        casts[ti].push(name);
    }
    if let Some(c) = segment_column(study) {
        let found = scans.iter().any(|s| s.schema.contains(&c));
        let derived = segment_source(study).as_deref() == Some(c.as_str()) && is_canonical(&c);
        if !(found || derived) {
            return Err(missing_everywhere(&empties, study, &c));
        }
    }

    // 2. Each table's rows: ids under the id policy, numbers, declared codes, scales;
    // then its customers (checked unique, or rolled up from respondents).
    let ratings = rating_columns(study);
    let mut loaded = Vec::with_capacity(scans.len());
    let mut read_ids = Vec::with_capacity(scans.len());
    let mut removed_early = Vec::with_capacity(scans.len());
    for (scan, cast) in scans.into_iter().zip(casts) {
        let Scan {
            spec,
            lf,
            schema,
            file,
            origin,
        } = scan;
        let table_id = study.table_id(spec).to_string();
        let id_type = schema.get(&table_id).cloned().unwrap_or(DataType::String);
        let survey = spec.level == Level::Respondent;
        let mut exprs = vec![audit::ids::id_text(&table_id, &id_type).alias(table_id.as_str())];
        if id_type == DataType::String {
            exprs.push(col(table_id.as_str()).alias("__raw_id"));
        }
        // Declared missing codes, on the columns the audit applies them to.
        let mut coded = Vec::new();
        for (name, dtype) in schema.iter() {
            let name = name.as_str();
            let numeric = cast.iter().any(|c| c == name) || dtype.is_primitive_numeric();
            if !numeric || name == table_id {
                continue;
            }
            let survey_column = ratings.iter().any(|r| r.column == name)
                || (survey && spec.respondent.as_deref() != Some(name));
            let codes = missing_codes.codes(name, survey_column);
            let v = col(name).cast(DataType::Float64);
            if codes.is_empty() {
                if cast.iter().any(|c| c == name) {
                    exprs.push(v.alias(name));
                }
                continue;
            }
            let hit = codes
                .iter()
                .fold(lit(false), |acc, c| acc.or(v.clone().eq(lit(*c))));
            exprs.push(
                when(hit.clone().fill_null(lit(false)))
                    .then(lit(NULL).cast(DataType::Float64))
                    .otherwise(v.clone())
                    .alias(name),
            );
            // The hits of the values as read, counted below.
            exprs.push(
                hit.fill_null(lit(false))
                    .alias(format!("__code{}", coded.len())),
            );
            coded.push((name.to_string(), codes));
        }
        let mut lf = lf.with_columns(exprs);
        if table_id != id {
            lf = lf.rename([table_id.as_str()], [id.as_str()], true);
        }

        // The counts of the table's rows, in one streamed pass.
        let mut counts = vec![
            len().cast(DataType::UInt64).alias("rows"),
            col(id.as_str())
                .is_null()
                .sum()
                .cast(DataType::UInt64)
                .alias("no_id"),
        ];
        if id_type == DataType::String {
            counts.push(trimmed(&id).sum().cast(DataType::UInt64).alias("trimmed"));
        }
        for k in 0..coded.len() {
            counts.push(
                col(format!("__code{k}"))
                    .sum()
                    .cast(DataType::UInt64)
                    .alias(format!("code{k}")),
            );
        }
        let scaled: Vec<(&audit::RatingColumn, [f64; 2])> = ratings
            .iter()
            .filter(|r| {
                r.rating
                    && schema
                        .get(&r.column)
                        .is_some_and(|t| t.is_primitive_numeric())
            })
            .filter_map(|r| r.scale.map(|s| (r, s)))
            .collect();
        for (k, (r, s)) in scaled.iter().enumerate() {
            counts.push(
                outside(&r.column, *s)
                    .sum()
                    .cast(DataType::UInt64)
                    .alias(format!("out{k}")),
            );
        }
        let n = run(lf.clone().select(counts), ENGINE)?;
        let get =
            |c: &str| -> Result<usize> { Ok(n.column(c)?.u64()?.get(0).unwrap_or(0) as usize) };
        let rows_read = get("rows")?;
        if rows_read == 0 {
            return Err(Error::Empty {
                what: format!("table '{}' ({file})", spec.name),
                hint: "Check that the file holds data rows below its header.".into(),
            });
        }
        if id_type == DataType::String && get("trimmed")? > 0 {
            let first = run(
                lf.clone()
                    .filter(trimmed(&id))
                    .select([col("__raw_id")])
                    .limit(EXAMPLES as IdxSize),
                ENGINE,
            )?;
            diag.add(audit::Finding::new(
                "ids-trimmed",
                &spec.name,
                Some(&table_id),
                get("trimmed")?,
                texts(&first, "__raw_id")?,
                &[],
            ));
        } else if id_type.is_float() {
            let first = run(
                lf.clone()
                    .filter(col(id.as_str()).is_not_null())
                    .select([col(id.as_str())])
                    .limit(1),
                ENGINE,
            )?;
            let example = texts(&first, &id)?.into_iter().next().unwrap_or_default();
            diag.add(audit::Finding::new(
                "ids-numeric",
                &spec.name,
                Some(&table_id),
                0,
                vec![],
                &[("example", format!("'{example}'"))],
            ));
        }
        for (k, (name, codes)) in coded.iter().enumerate() {
            let count = get(&format!("code{k}"))?;
            if count > 0 {
                let codes = codes.iter().map(|c| code_text(*c)).collect::<Vec<_>>();
                diag.add(audit::Finding::new(
                    "missing-codes",
                    &spec.name,
                    Some(name),
                    count,
                    vec![],
                    &[("codes", codes.join(", "))],
                ));
            }
        }
        for (k, (r, scale)) in scaled.iter().enumerate() {
            let count = get(&format!("out{k}"))?;
            if count == 0 {
                continue;
            }
            // The first cells outside, by their place in the file.
            let first = run(
                lf.clone()
                    .with_row_index("__row", None)
                    .filter(outside(&r.column, *scale))
                    .select([col("__row"), col(r.column.as_str()).cast(DataType::Float64)])
                    .limit(EXAMPLES as IdxSize),
                ENGINE,
            )?;
            let rows = first.column("__row")?.cast(&DataType::UInt64)?;
            let values = first.column(r.column.as_str())?.f64()?.clone();
            let examples = rows
                .u64()?
                .iter()
                .zip(values.iter())
                .map(|(i, v)| {
                    format!(
                        "{} at {}",
                        code_text(v.unwrap_or(f64::NAN)),
                        origin.row(i.unwrap_or(0) as usize)
                    )
                })
                .collect();
            let f = out_of_scale(
                &spec.name,
                &r.column,
                r.role,
                *scale,
                "declared",
                study.options.allow_out_of_range,
                count,
                examples,
            );
            audit::stop_on(std::slice::from_ref(&f))?;
            diag.add(f);
        }
        let helpers: Vec<String> = std::iter::once("__raw_id".to_string())
            .chain((0..coded.len()).map(|k| format!("__code{k}")))
            .collect();
        let lf = lf.drop(by_name(helpers, false, false));
        let no_id = get("no_id")?;
        diag.inputs.push(InputReport {
            name: spec.name.clone(),
            path: spec.path.display().to_string(),
            level: format!("{:?}", spec.level).to_lowercase(),
            rows_read,
            customers: 0,
            customers_kept: 0,
            declared_missing: vec![],
        });
        if no_id > 0 {
            diag.dropped.push(Dropped {
                stage: spec.name.clone(),
                reason: format!("missing id in '{table_id}'"),
                unit: "rows".into(),
                count: no_id,
                examples: vec![],
            });
        }
        if spec.level == Level::Customer {
            // A repeated id stops the build, with the rows that hold it (as the audit says).
            let rows = lf.clone().with_row_index("__row", None);
            let hint = duplicate_hint(study);
            let f = audit::table::duplicate_ids(
                rows, &id, &table_id, &origin, &spec.name, &file, hint, ENGINE,
            )?;
            if let Some(f) = f {
                return Err(f.into_error());
            }
        }
        let with_id = lf.filter(col(id.as_str()).is_not_null());
        let ids = run(
            with_id
                .clone()
                .select([col(id.as_str())])
                .unique(None, UniqueKeepStrategy::Any)
                .sort([id.as_str()], Default::default()),
            ENGINE,
        )?;
        let df = match spec.level {
            Level::Customer | Level::Transaction => run(with_id, ENGINE)?,
            Level::Respondent => aggregate::aggregate_respondents(
                with_id,
                &spec.name,
                &load::TableMeta::default(),
                spec.respondent.as_deref(),
                study,
                &mut diag,
                ENGINE,
            )?,
        };
        removed_early.push(
            ids.clone()
                .lazy()
                .anti_join(
                    df.clone().lazy().select([col(id.as_str())]),
                    col(id.as_str()),
                    col(id.as_str()),
                )
                .collect()?,
        );
        if let Some(input) = diag.inputs.iter_mut().find(|i| i.name == spec.name) {
            input.customers = ids.height();
            input.customers_kept = df.height();
        }
        read_ids.push(ids);
        loaded.push(Loaded {
            name: spec.name.clone(),
            level: spec.level,
            df,
            meta: Default::default(),
        });
    }
    // The words of `chain --streaming`'s warning, so `--lang zh` translates them.
    diag.warnings.push(
        "read with --streaming: the input audit's whole-table checks (Total rows, non-answer codes such as 99 on an inferred rating scale, numbers stored as text) were not run; declared missing_codes and satisfaction_scale were applied".into(),
    );
    join::join_and_finish(
        study,
        loaded,
        read_ids,
        removed_early,
        diag,
        Default::default(),
    )
}

/// What `build --streaming` cannot do, refused with the fix.
fn refuse(study: &Study) -> Result<()> {
    let whole = |what: &str| {
        Err(Error::Usage(format!(
            "build --streaming: this study {what}, which is done on the whole table in memory; run `profitchain build` without --streaming, or leave that section out of the study for the streamed build"
        )))
    };
    if study.segments.found() {
        return whole(&format!(
            "finds its segments from the data (rule '{}')",
            study.segments.describe()
        ));
    }
    if study.csi.is_some() {
        return whole("fits a satisfaction index ([csi])");
    }
    if let Some(t) = study.tables.iter().find(|t| t.level == Level::Transaction) {
        return Err(Error::Usage(format!(
            "build --streaming: table '{}' is a transaction log; summarize it out of core with `profitchain clv --streaming --customers-out customers_clv.parquet …` and declare that file as a customer table, or run `profitchain build` without --streaming",
            t.name
        )));
    }
    Ok(())
}

/// An id that the policy changed (spaces trimmed): the raw text differs from the id.
fn trimmed(id: &str) -> Expr {
    col("__raw_id")
        .neq(col(id))
        .and(col(id).is_not_null())
        .and(col("__raw_id").is_not_null())
        .fill_null(lit(false))
}

/// A value of `column` outside `scale`.
fn outside(column: &str, [lo, hi]: [f64; 2]) -> Expr {
    let v = col(column).cast(DataType::Float64);
    v.clone()
        .lt(lit(lo))
        .or(v.gt(lit(hi)))
        .fill_null(lit(false))
}

/// A text column's values.
fn texts(df: &DataFrame, column: &str) -> Result<Vec<String>> {
    Ok(df
        .column(column)?
        .cast(&DataType::String)?
        .str()?
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect())
}
