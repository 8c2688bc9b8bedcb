//! Plain-text renderings for the terminal.

use std::fmt::Write;

use crate::data::diagnostics::Diagnostics;
use crate::data::inspect::Inspection;

fn examples(ids: &[String]) -> String {
    if ids.is_empty() {
        String::new()
    } else {
        format!(" (e.g. {})", ids.join(", "))
    }
}

/// The build diagnostics as a readable block.
pub fn diagnostics(d: &Diagnostics) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Build diagnostics — study '{}'", d.study);
    let _ = writeln!(s, "  Inputs:");
    for i in &d.inputs {
        let _ = writeln!(
            s,
            "    {:<12} {:>10} rows read  ({}-level, {} customers)  {}",
            i.name, i.rows_read, i.level, i.customers, i.path
        );
    }
    if d.dropped.is_empty() {
        let _ = writeln!(s, "  Dropped: nothing");
    } else {
        let _ = writeln!(s, "  Dropped:");
        for x in &d.dropped {
            let _ = writeln!(
                s,
                "    [{}] {} {}: {}{}",
                x.stage,
                x.count,
                x.unit,
                x.reason,
                examples(&x.examples)
            );
        }
    }
    let _ = writeln!(s, "  Customers in every table: {}", d.joined_customers);
    for w in &d.out_of_range {
        let _ = writeln!(
            s,
            "  warning: {} customers have '{}' outside {} (kept){}",
            w.count,
            w.column,
            w.range,
            examples(&w.examples)
        );
    }
    for n in &d.notes {
        let _ = writeln!(s, "  note: {n}");
    }
    let segs: Vec<String> = d
        .segments
        .iter()
        .map(|x| format!("{} {}", x.segment, x.customers))
        .collect();
    let _ = writeln!(
        s,
        "  Customers analysed: {} ({})",
        d.customers,
        segs.join(", ")
    );
    s
}

/// The `inspect` report for one file.
pub fn inspection(x: &Inspection) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: {} rows, {} columns",
        x.path,
        x.rows,
        x.columns.len()
    );
    let w = x
        .columns
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(4)
        .max(6);
    let _ = writeln!(s, "  {:<w$}  {:<10} {:>10}", "column", "type", "missing");
    for c in &x.columns {
        let _ = writeln!(s, "  {:<w$}  {:<10} {:>10}", c.name, c.dtype, c.missing);
    }
    if let Some(id) = &x.id {
        if id.repeated == 0 {
            let _ = writeln!(s, "  id '{}': {} distinct, unique", id.column, id.distinct);
        } else {
            let _ = writeln!(
                s,
                "  id '{}': {} distinct, {} repeated{}",
                id.column,
                id.distinct,
                id.repeated,
                examples(&id.examples)
            );
        }
    }
    s
}
