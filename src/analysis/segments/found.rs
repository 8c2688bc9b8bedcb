//! Segments found from the data as a study's segments (`[segments] rule = "tree"` or
//! `"classes"`): the built customer table's `segment` column becomes a tree's leaf or a
//! mixture's most probable class, so `chain`, `report` and every other command run per found
//! segment.
//!
//! A tree grown here partitions the whole chain (its three equations with the study's
//! covariates, [`super::chain_formulas`]) unless the rule names a `formula`; its depth is
//! at most [`DEFAULT_MAXDEPTH`] unless the rule says otherwise, so a study has a handful of
//! segments, not dozens. A saved tree (`file`, the JSON of `profitchain segments`) is
//! applied as it is: its splits, not refitted. Found segments come from the same data the
//! chain is then fitted on, so the chain's intervals within them do not count the search;
//! every output says so.

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::mixture::{self, MixtureOptions, MixtureResult};
use super::{TreeOptions, TreeResult};
use crate::data::build::{cols, first_ids, CustomerTable};
use crate::data::diagnostics::{Dropped, SegmentCount};
use crate::data::study::{SegmentRule, Study};
use crate::error::{Error, Result};

/// The deepest level of a tree grown as a study's segments, the root being 1: at most four
/// segments.
pub const DEFAULT_MAXDEPTH: usize = 3;

/// How the study's segments were found, and what their customers look like.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Found {
    pub search: Search,
    pub profile: Profile,
}

/// The tree or the mixture.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Search {
    Tree(TreeResult),
    Classes(MixtureResult),
}

/// Each found segment's customers: how many, and the mean of the chain's variables, the
/// covariates and moderators, and the tree's numeric partitioning variables.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Profile {
    pub columns: Vec<String>,
    pub rows: Vec<ProfileRow>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProfileRow {
    pub segment: String,
    pub n: usize,
    pub means: Vec<f64>,
}

const TABLE: &str = "the customer table";

/// Find the segments of `study`'s rule on the built `table` and put them in its segment
/// column (None when the rule is not a found one).
pub fn apply(study: &Study, table: &mut CustomerTable) -> Result<Option<Found>> {
    let formulas = |formula: &Option<String>| match formula {
        Some(f) => vec![f.clone()],
        None => super::chain_formulas(&study.roles.covariates),
    };
    match &study.segments {
        SegmentRule::Tree {
            by,
            formula,
            alpha,
            minsize,
            maxdepth,
            prune,
            file,
        } => {
            let tree = match file {
                Some(f) => saved(study, f)?,
                None => {
                    if by.is_empty() {
                        return Err(Error::study(
                            "[segments]",
                            "rule = \"tree\" needs the partitioning columns, e.g. by = [\"income\", \"tenure\"], or a saved tree: file = \"tree.json\"",
                        ));
                    }
                    let opts = TreeOptions {
                        alpha: alpha.unwrap_or(0.05),
                        minsize: *minsize,
                        maxdepth: maxdepth.unwrap_or(DEFAULT_MAXDEPTH),
                        prune: prune
                            .as_deref()
                            .map(super::tree::Prune::parse)
                            .transpose()
                            .map_err(|e| Error::study("[segments]", e.to_string()))?,
                        ..Default::default()
                    };
                    let df = labelled(table, by)?;
                    super::run(&df, TABLE, &formulas(formula), by, &opts)?
                }
            };
            let df = labelled(table, &tree.partition)?;
            let leaves: Vec<usize> = tree
                .tree
                .nodes
                .iter()
                .filter(|n| n.leaf)
                .map(|n| n.id)
                .collect();
            let names: Vec<String> = leaves.iter().map(|&id| tree.leaf_name(id)).collect();
            let segment = df
                .lazy()
                .select([leaf_expr(&tree, &leaves, &names)?.alias(cols::SEGMENT)])
                .collect()?
                .column(cols::SEGMENT)?
                .clone();
            let search = match file {
                Some(f) => format!("the leaves of the tree saved in {f}"),
                None => format!(
                    "the {} leaves of a model tree of {} over {}",
                    names.len(),
                    what(&tree.formula, tree.chain),
                    tree.partition.join(", ")
                ),
            };
            if names.len() == 1 {
                table.diagnostics.warnings.push(format!(
                    "the model tree of {} over {} found no split (no partitioning variable's instability test reached alpha {}): every customer is in one segment",
                    what(&tree.formula, tree.chain),
                    tree.partition.join(", "),
                    tree.options.alpha
                ));
            }
            set(
                table,
                segment,
                &names,
                &search,
                "no value in a partitioning variable of the tree, or a category it has not seen",
            )?;
            let profile = profile(study, table, &tree.partition)?;
            Ok(Some(Found {
                search: Search::Tree(tree),
                profile,
            }))
        }
        SegmentRule::Classes {
            classes,
            formula,
            starts,
            seed,
            concomitant,
        } => {
            let opts = MixtureOptions {
                ks: mixture::parse_classes(&classes.text())?,
                starts: starts.unwrap_or(10),
                seed: seed.unwrap_or(1),
                em: Default::default(),
                concomitant: concomitant.clone(),
            };
            let result = mixture::run(&table.df, TABLE, &formulas(formula), &opts)?;
            let fit = result
                .best()
                .ok_or_else(|| Error::Internal("mixture without a fit".into()))?;
            let names: Vec<String> = (1..=fit.k).map(|j| format!("class {j}")).collect();
            let mut class: Vec<Option<String>> = vec![None; table.df.height()];
            for (i, &row) in result.rows.iter().enumerate() {
                class[row] = Some(names[fit.class(i)].clone());
            }
            let segment = Column::new(cols::SEGMENT.into(), class);
            let search = format!(
                "the most probable of {} latent classes of a finite mixture of {}; the classes are estimates (the posterior probabilities say how sure)",
                fit.k,
                what(&result.formula, result.chain)
            );
            set(
                table,
                segment,
                &names,
                &search,
                "a missing value in the mixture's regression",
            )?;
            let profile = profile(study, table, &[])?;
            Ok(Some(Found {
                search: Search::Classes(result),
                profile,
            }))
        }
        _ => Ok(None),
    }
}

/// What a found segmentation modelled, in words.
fn what(formula: &str, chain: bool) -> String {
    if chain {
        "the whole chain".into()
    } else {
        formula.into()
    }
}

/// A tree saved by `profitchain segments --format json -o FILE`, relative to the study.
fn saved(study: &Study, file: &str) -> Result<TreeResult> {
    let path = study.base_dir.join(file);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::MissingFile {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    serde_json::from_str(&text).map_err(|e| {
        Error::study(
            "[segments]",
            format!(
                "{} is not a saved tree ({e}); write one with profitchain segments … --by … --format json -o {file}",
                path.display()
            ),
        )
    })
}

/// The table with the value-labelled category columns among `by` shown by their labels.
fn labelled(table: &CustomerTable, by: &[String]) -> Result<DataFrame> {
    let mut df = table.df.clone();
    for c in by {
        if let Some(cm) = table.labels.columns.get(c) {
            if !cm.value_labels.is_empty() && !crate::data::build::rating_labels(cm) {
                df = table.labels.with_labels(df, c)?;
            }
        }
    }
    Ok(df)
}

/// Each row's leaf name: the conjunction of the splits from the root down to each leaf
/// (null where a value is missing or a category is one the tree has not seen).
fn leaf_expr(tree: &TreeResult, leaves: &[usize], names: &[String]) -> Result<Expr> {
    let node = |id: usize| tree.tree.nodes.iter().find(|n| n.id == id);
    let mut out = lit(NULL).cast(DataType::String);
    for (&leaf, name) in leaves.iter().zip(names).rev() {
        let mut cond = lit(true);
        let mut at = node(leaf);
        while let Some(nd) = at {
            let Some(parent) = nd.parent.and_then(node) else {
                break;
            };
            let split = parent.split.as_ref().ok_or_else(|| {
                Error::Internal(format!("tree node {} has children but no split", parent.id))
            })?;
            let left = parent.kids.first() == Some(&nd.id);
            let v = col(split.variable.as_str());
            let here = match split.threshold {
                Some(t) if left => v.cast(DataType::Float64).lt_eq(lit(t)),
                Some(t) => v.cast(DataType::Float64).gt(lit(t)),
                None => {
                    let levels = if left {
                        &split.left_levels
                    } else {
                        &split.right_levels
                    };
                    levels
                        .iter()
                        .map(|l| v.clone().cast(DataType::String).eq(lit(l.clone())))
                        .reduce(|a, b| a.or(b))
                        .unwrap_or(lit(false))
                }
            };
            cond = cond.and(here.fill_null(lit(false)));
            at = Some(parent);
        }
        out = when(cond).then(lit(name.clone())).otherwise(out);
    }
    Ok(out)
}

/// Put `segment` in the table (customers without one are dropped and counted with
/// `reason`), its segments in leaf/class order, and the caution in the diagnostics.
fn set(
    table: &mut CustomerTable,
    segment: Column,
    names: &[String],
    search: &str,
    reason: &str,
) -> Result<()> {
    let segment = segment.with_name(cols::SEGMENT.into());
    table.df.with_column(segment)?;
    let missing = table.df.column(cols::SEGMENT)?.null_count();
    if missing > 0 {
        let gone = table
            .df
            .clone()
            .lazy()
            .filter(col(cols::SEGMENT).is_null())
            .collect()?;
        table.diagnostics.dropped.push(Dropped {
            stage: "segments".into(),
            reason: reason.into(),
            unit: "customers".into(),
            count: missing,
            examples: first_ids(&gone, &table.id)?,
        });
        table.df = table
            .df
            .clone()
            .lazy()
            .filter(col(cols::SEGMENT).is_not_null())
            .collect()?;
    }
    let seg = table.df.column(cols::SEGMENT)?.str()?.clone();
    let counts: Vec<SegmentCount> = names
        .iter()
        .map(|name| SegmentCount {
            segment: name.clone(),
            customers: seg.iter().filter(|v| *v == Some(name.as_str())).count(),
        })
        .filter(|c| c.customers > 0)
        .collect();
    table.segments = counts.iter().map(|c| c.segment.clone()).collect();
    table.diagnostics.segments = counts;
    table.diagnostics.customers = table.df.height();
    if names.len() > 1 {
        table.diagnostics.warnings.push(format!(
            "segments found from the data: {search}. The chain is then fitted on the same customers, so its intervals and tests within these segments do not account for the search"
        ));
    }
    Ok(())
}

/// The found segments' profile: means per segment of the chain variables, the study's
/// covariates and moderators, and the numeric columns among `by`.
fn profile(study: &Study, table: &CustomerTable, by: &[String]) -> Result<Profile> {
    let mut columns: Vec<String> = [cols::SATISFACTION, cols::SOW, cols::REVENUE, cols::PROFIT]
        .map(String::from)
        .to_vec();
    for c in study
        .roles
        .covariates
        .iter()
        .chain(&study.roles.moderators)
        .chain(by)
    {
        let numeric = table
            .df
            .schema()
            .get(c)
            .is_some_and(|t| t.is_primitive_numeric());
        if numeric && !columns.contains(c) {
            columns.push(c.clone());
        }
    }
    let means = table
        .df
        .clone()
        .lazy()
        .group_by([col(cols::SEGMENT)])
        .agg(
            std::iter::once(len().alias("__n"))
                .chain(
                    columns
                        .iter()
                        .map(|c| col(c.as_str()).cast(DataType::Float64).mean()),
                )
                .collect::<Vec<_>>(),
        )
        .collect()?;
    let seg = means.column(cols::SEGMENT)?.str()?.clone();
    let rows = table
        .segments
        .iter()
        .filter_map(|name| {
            let i = seg.iter().position(|v| v == Some(name.as_str()))?;
            let get = |c: &str| -> Option<f64> {
                means
                    .column(c)
                    .ok()?
                    .cast(&DataType::Float64)
                    .ok()?
                    .f64()
                    .ok()?
                    .get(i)
            };
            Some(ProfileRow {
                segment: name.clone(),
                n: get("__n").unwrap_or(0.0) as usize,
                means: columns.iter().map(|c| get(c).unwrap_or(f64::NAN)).collect(),
            })
        })
        .collect();
    Ok(Profile { columns, rows })
}
