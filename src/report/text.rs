//! Plain-text renderings for the terminal.

use std::fmt::Write;

use unicode_width::UnicodeWidthStr;

use super::i18n::Lang;

use crate::data::diagnostics::Diagnostics;
use crate::data::inspect::Inspection;

fn examples(ids: &[String]) -> String {
    if ids.is_empty() {
        String::new()
    } else {
        format!(" (e.g. {})", crate::data::diagnostics::quote_ids(ids))
    }
}

/// `1 row`, `2 rows`: a count with its noun in the right number (regular plurals).
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", super::format::thousands(n as f64, 0))
    }
}

/// A count with its noun in `lang`: "1 customer", "20,000 customers" / "20,000 位客户"
/// (`noun` is `row`, `customer` or `column`, with a `unit_NOUN` message).
pub fn count_in(lang: Lang, n: usize, noun: &str) -> String {
    match lang {
        Lang::En => count(n, noun),
        _ => format!(
            "{} {}",
            super::format::thousands(n as f64, 0),
            lang.t(&format!("unit_{noun}"))
        ),
    }
}

/// A warning or note of the diagnostics in `lang`: the audit's own Chinese where the audit
/// wrote it, else the pattern translation of the English.
pub fn diag_message(d: &Diagnostics, lang: Lang, message: &str) -> String {
    match (lang, d.zh_of(message)) {
        (Lang::Zh, Some(zh)) => zh.to_string(),
        _ => lang.message(message),
    }
}

/// The input's warnings, then the audit's notes (codes read as missing, totals excluded,
/// ids trimmed...), in `lang`: (is a warning, text). Every result shows them.
pub fn audit_lines(d: &Diagnostics, lang: Lang) -> Vec<(bool, String)> {
    let mut out: Vec<(bool, String)> = d
        .warnings
        .iter()
        .map(|w| (true, diag_message(d, lang, w)))
        .collect();
    out.extend(
        d.audit
            .iter()
            .filter(|f| f.severity == crate::data::audit::Severity::Note)
            .map(|f| {
                (
                    false,
                    match lang {
                        Lang::Zh => f.message_zh.clone(),
                        _ => f.message.clone(),
                    },
                )
            }),
    );
    out
}

/// [`audit_lines`] as text lines starting `warning: ` / `note: ` after `prefix`.
pub fn audit_block(d: &Diagnostics, lang: Lang, prefix: &str) -> String {
    let mut s = String::new();
    for (warn, text) in audit_lines(d, lang) {
        let label = if warn { "txt_warning" } else { "d_note" };
        let _ = writeln!(s, "{prefix}{}{text}", lang.t(label));
    }
    s
}

/// The build diagnostics as a readable block.
pub fn diagnostics(d: &Diagnostics) -> String {
    diagnostics_in(d, Lang::En)
}

/// [`diagnostics`] in `lang`.
pub fn diagnostics_in(d: &Diagnostics, lang: Lang) -> String {
    let mut s = String::new();
    let n = |k: usize, noun: &str| count_in(lang, k, noun);
    let _ = writeln!(s, "{}", lang.f("d_title", &[("study", &d.study)]));
    let _ = writeln!(s, "  {}", lang.t("d_inputs"));
    for i in &d.inputs {
        let kept = if i.customers_kept != i.customers {
            lang.f("d_kept", &[("n", &i.customers_kept)])
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "    {:<12} {:>10} {}  ({}, {}{kept})  {}",
            i.name,
            n(i.rows_read, "row"),
            lang.t("d_read"),
            lang.t(&format!("d_level_{}", i.level)),
            n(i.customers, "customer"),
            i.path
        );
    }
    let _ = writeln!(s, "  {}", lang.f("d_distinct", &[("n", &d.customers_read)]));
    if d.dropped.is_empty() {
        let _ = writeln!(s, "  {}", lang.t("d_nothing"));
    } else {
        let _ = writeln!(s, "  {}", lang.t("d_dropped"));
        for x in &d.dropped {
            let unit = x.unit.trim_end_matches('s');
            let _ = writeln!(
                s,
                "    [{}] {}: {}{}",
                lang.message(&x.stage),
                n(x.count, unit),
                lang.message(&x.reason),
                examples(&x.examples)
            );
        }
    }
    let _ = writeln!(s, "  {}", lang.f("d_joined", &[("n", &d.joined_customers)]));
    for w in &d.warnings {
        let _ = writeln!(s, "  {}{}", lang.t("txt_warning"), diag_message(d, lang, w));
    }
    for note in &d.notes {
        let _ = writeln!(s, "  {}{}", lang.t("d_note"), diag_message(d, lang, note));
    }
    let segs: Vec<String> = d
        .segments
        .iter()
        .map(|x| format!("{} {}", lang.name(&x.segment), x.customers))
        .collect();
    let _ = writeln!(
        s,
        "  {}",
        lang.f(
            "d_analysed",
            &[("n", &d.customers), ("segs", &segs.join(", "))]
        )
    );
    s
}

/// The `inspect` report for one file.
pub fn inspection(x: &Inspection) -> String {
    inspection_in(x, Lang::En)
}

/// [`inspection`] in `lang`.
pub fn inspection_in(x: &Inspection, lang: Lang) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}",
        lang.f(
            "i_title",
            &[
                ("path", &x.path),
                ("rows", &count(x.rows, "row")),
                ("cols", &count(x.columns.len(), "column")),
                ("r", &super::format::thousands(x.rows as f64, 0)),
                ("c", &x.columns.len()),
            ]
        )
    );
    let w = x
        .columns
        .iter()
        .map(|c| c.name.width())
        .max()
        .unwrap_or(4)
        .max(6);
    let labelled = x
        .columns
        .iter()
        .any(|c| c.label.is_some() || !c.value_labels.is_empty());
    let _ = writeln!(
        s,
        "  {}  {} {}{}",
        pad(lang.t("i_column"), w),
        pad(lang.t("i_type"), 10),
        rpad(lang.t("i_missing"), 10),
        if labelled {
            format!("  {}", lang.t("i_label"))
        } else {
            String::new()
        }
    );
    for c in &x.columns {
        // Pad by display width: a Chinese character takes two terminal columns.
        let pad = w.saturating_sub(c.name.width()) + c.name.chars().count();
        let mut line = format!("  {:<pad$}  {:<10} {:>10}", c.name, c.dtype, c.missing);
        if let Some(l) = &c.label {
            let _ = write!(line, "  {l}");
        }
        if !c.value_labels.is_empty() {
            let shown: Vec<String> = c
                .value_labels
                .iter()
                .take(6)
                .map(|(v, l)| format!("{}={l}", crate::data::load::meta::code_text(*v)))
                .collect();
            let more = if c.value_labels.len() > 6 {
                ", …"
            } else {
                ""
            };
            let _ = write!(line, " [{}{more}]", shown.join(", "));
        }
        if c.declared_missing > 0 {
            let _ = write!(
                line,
                " {}",
                lang.f(
                    "i_declared",
                    &[
                        ("n", &c.declared_missing),
                        ("codes", &c.missing_codes.as_deref().unwrap_or(""))
                    ]
                )
            );
        }
        let _ = writeln!(s, "{line}");
    }
    if let Some(id) = &x.id {
        if id.repeated == 0 {
            let _ = writeln!(
                s,
                "  id '{}': {} distinct values, each once (unique)",
                id.column, id.distinct
            );
        } else {
            let _ = writeln!(
                s,
                "  id '{}': {} distinct values, {} of them on more than one row{}",
                id.column,
                id.distinct,
                id.repeated,
                examples(&id.examples)
            );
        }
    }
    if x.audit.is_empty() {
        let _ = writeln!(s, "  {}", lang.t("i_audit_clean"));
    } else {
        let _ = writeln!(s, "  {}", lang.t("i_audit"));
        for f in &x.audit {
            let label = match f.severity {
                crate::data::audit::Severity::Stop => "i_stop",
                crate::data::audit::Severity::Warn => "txt_warning",
                crate::data::audit::Severity::Note => "d_note",
            };
            let text = match lang {
                Lang::Zh => &f.message_zh,
                _ => &f.message,
            };
            let _ = writeln!(s, "    {}{text}", lang.t(label));
        }
    }
    s
}

/// `s` padded to `width` terminal columns (a Chinese character takes two).
pub fn pad(s: &str, width: usize) -> String {
    format!("{s}{}", " ".repeat(width.saturating_sub(s.width())))
}

/// `s` right-aligned in `width` terminal columns.
pub fn rpad(s: &str, width: usize) -> String {
    format!("{}{s}", " ".repeat(width.saturating_sub(s.width())))
}
