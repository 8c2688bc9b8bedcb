//! What a command produced, before anything is written: its JSON, its main output in the
//! format asked for, the tables `--export` writes, its text in either language, and the
//! files it still has to write. The command line writes it (`Outcome::write`); the Python
//! bindings hand the same object to the analyst (tables as DataFrames, `to_dict()` from the
//! JSON) and write files only where the analyst named them.

use std::path::PathBuf;
use std::sync::Arc;

use crate::report::export::Export;
use crate::report::i18n::Lang;
use crate::Result;

use super::Rendered;

/// A deferred write (a chart, a customer table, a report folder), run only after every
/// output has been computed.
pub type Write = Box<dyn FnOnce() -> Result<()> + Send>;

/// Renders a result's human-readable text in a language.
pub type TextFn = Box<dyn Fn(Lang) -> Result<String> + Send + Sync>;

/// One command's results, computed and rendered, nothing written yet.
pub struct Outcome {
    /// The subcommand.
    pub verb: &'static str,
    /// Exactly what `--format json` prints (pretty, with the final newline).
    pub json: String,
    /// The main output in the format the command was asked for.
    pub main: Rendered,
    /// Where the main output goes (`-o`); standard output when `None`.
    pub output: Option<PathBuf>,
    /// The tidy tables, summary.json and charts that `--export` writes.
    pub export: Option<Export>,
    /// Further tables the Python result exposes beside the export's (e.g. `csi`'s scores,
    /// which the command line writes only with `--scores-out`).
    pub tables: Vec<crate::report::export::Table>,
    /// `--export DIR` and `--force`, when given.
    pub export_dir: Option<(PathBuf, bool)>,
    /// The text output in a language.
    pub text: TextFn,
    /// The report's HTML for this result in a language (a whole page, charts inline as
    /// SVG), for the commands the report covers.
    pub html: Option<TextFn>,
    /// Further files, written after the main output is ready (in order).
    pub writes: Vec<Write>,
    /// Lines for standard error after success (e.g. which sample was used).
    pub notes: Vec<String>,
}

impl Outcome {
    /// An outcome whose text comes from `render` applied to `result`.
    pub fn new<T: Send + Sync + 'static>(
        verb: &'static str,
        json: String,
        main: Rendered,
        result: T,
        render: fn(&T, Lang) -> Result<String>,
    ) -> Self {
        Self::shared(verb, json, main, Arc::new(result), render)
    }

    /// [`Outcome::new`] for a result shared with other renderers.
    pub fn shared<T: Send + Sync + 'static>(
        verb: &'static str,
        json: String,
        main: Rendered,
        result: Arc<T>,
        render: fn(&T, Lang) -> Result<String>,
    ) -> Self {
        Outcome {
            verb,
            json,
            main,
            output: None,
            export: None,
            tables: Vec::new(),
            export_dir: None,
            text: Box::new(move |lang| render(&result, lang)),
            html: None,
            writes: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// The main output to `-o FILE` (or standard output).
    pub fn to(mut self, output: &Option<PathBuf>) -> Self {
        self.output = output.clone();
        self
    }

    /// The export tables, and the `--export` folder when one was given.
    pub fn with_export(mut self, export: Export, args: &super::ExportArgs) -> Self {
        self.export = Some(export);
        self.export_dir = args.export.clone().map(|d| (d, args.force));
        self
    }

    /// The report's section for `result` as its HTML (see [`crate::report::html::standalone`]).
    pub fn with_html<T: Send + Sync + 'static>(
        mut self,
        result: Arc<T>,
        render: fn(&T) -> crate::report::html::Standalone<'_>,
    ) -> Self {
        self.html = Some(Box::new(move |lang| {
            crate::report::html::standalone(&render(&result), lang)
        }));
        self
    }

    /// A further file to write after everything is computed.
    pub fn then(mut self, write: Write) -> Self {
        self.writes.push(write);
        self
    }

    /// Write everything: the further files, the `--export` folder, then the main output
    /// (printed when `print` and no `-o`), then the notes on standard error.
    pub fn write(mut self, print: bool) -> Result<()> {
        self.write_files()?;
        if print {
            if self.output.is_none() {
                super::emit_output(
                    &None,
                    std::mem::replace(&mut self.main, Rendered::Text(String::new())),
                )?;
            }
            for n in &self.notes {
                eprintln!("{n}");
            }
        }
        Ok(())
    }

    /// Write the files: the further files, the `--export` folder, the main output when
    /// `-o` names a file. Each is written once; the outcome's tables stay readable.
    pub fn write_files(&mut self) -> Result<()> {
        for w in std::mem::take(&mut self.writes) {
            w()?;
        }
        if let (Some((dir, force)), Some(e)) = (self.export_dir.take(), self.export.as_mut()) {
            crate::report::export::write(&dir, e, force)?;
        }
        if let Some(p) = self.output.take() {
            let main = std::mem::replace(&mut self.main, Rendered::Text(String::new()));
            super::emit_output(&Some(p), main)?;
        }
        Ok(())
    }
}
