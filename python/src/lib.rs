//! `profitchain._core`: the Python bindings' native module. A thin layer over the library:
//! it parses a verb's arguments with the command line's own parser, registers the
//! analyst's DataFrames (through the Arrow C stream interface, without copying) and study
//! texts where the commands read files, runs the verb with the GIL released, and hands the
//! outcome back. No statistics here; the Python package builds its API on these calls.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

use clap::{CommandFactory, Parser};
use polars::prelude::*;
use polars_arrow::ffi::{ArrowArrayStream, ArrowArrayStreamReader};
use pyo3::create_exception;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyCapsule};

use profitchain::analysis::csi::parts as csi_parts;
use profitchain::analysis::{chain, clv, regress_parts};
use profitchain::cli::{Cli, Outcome};
use profitchain::data::load::memory;
use profitchain::report::i18n::Lang;

create_exception!(
    _core,
    InputError,
    PyValueError,
    "Bad input: the command line's exit 2, with its message."
);
create_exception!(
    _core,
    InternalError,
    PyRuntimeError,
    "An internal failure (the command line's exit 1)."
);

fn to_py(e: profitchain::Error) -> PyErr {
    match e.exit_code() {
        2 => InputError::new_err(e.to_string()),
        _ => InternalError::new_err(e.to_string()),
    }
}

fn lang(code: &str) -> PyResult<Lang> {
    Lang::parse(code).map_err(to_py)
}

/// The verbs and their options, from the command line's own definition (JSON): the Python
/// package makes one function per verb from it, so a new command gets its binding by
/// construction.
#[pyfunction]
fn verbs() -> PyResult<String> {
    let cmd = Cli::command();
    let globals: Vec<serde_json::Value> = cmd.get_arguments().map(arg_json).collect();
    let verbs: Vec<serde_json::Value> = cmd
        .get_subcommands()
        .map(|s| {
            serde_json::json!({
                "name": s.get_name(),
                "about": s.get_about().map(|a| a.to_string()),
                "examples": s.get_after_help().map(|a| a.to_string()),
                "args": s.get_arguments().filter(|a| !matches!(a.get_id().as_str(), "help" | "version")).map(arg_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::to_string(&serde_json::json!({"verbs": verbs, "globals": globals}))
        .map_err(|e| InternalError::new_err(e.to_string()))
}

fn arg_json(a: &clap::Arg) -> serde_json::Value {
    let takes = a.get_action().takes_values();
    serde_json::json!({
        "id": a.get_id().as_str(),
        "long": a.get_long(),
        "positional": a.is_positional(),
        "help": a.get_help().map(|h| h.to_string()),
        "takes_value": takes,
        "multiple": matches!(a.get_action(), clap::ArgAction::Append)
            || a.get_num_args().is_some_and(|n| n.max_values() > 1),
        "nargs": a.get_num_args().map(|n| n.min_values()),
        "required": a.is_required_set(),
        "default": a.get_default_values().iter().map(|v| v.to_string_lossy().to_string()).collect::<Vec<_>>(),
        "choices": a.get_possible_values().iter().map(|v| v.get_name().to_string()).collect::<Vec<_>>(),
        "value_names": a.get_value_names().map(|v| v.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
    })
}

/// A DataFrame registered where commands read files, for as long as the handle lives.
#[pyclass(module = "profitchain._core")]
struct Frame {
    guard: memory::Registered,
    #[pyo3(get)]
    rows: usize,
}

#[pymethods]
impl Frame {
    /// The path commands accept for this frame.
    #[getter]
    fn path(&self) -> String {
        self.guard.path.display().to_string()
    }
}

/// Register an object with `__arrow_c_stream__` (a polars DataFrame, a pyarrow Table) under
/// `name`. Columns are taken over, not copied (strings in Arrow's large-string layout are
/// converted to polars' string views).
#[pyfunction]
fn frame(name: &str, obj: &Bound<'_, PyAny>) -> PyResult<Frame> {
    let df = import_stream(obj)?;
    let rows = df.height();
    Ok(Frame {
        guard: memory::register(name, df),
        rows,
    })
}

fn import_stream(obj: &Bound<'_, PyAny>) -> PyResult<DataFrame> {
    let capsule = obj.call_method0("__arrow_c_stream__")?;
    let capsule = capsule.cast::<PyCapsule>()?;
    let ptr = capsule
        .pointer_checked(Some(c"arrow_array_stream"))?
        .as_ptr() as *mut ArrowArrayStream;
    // Take the stream over; the capsule keeps a released one (its destructor then does nothing).
    let stream = unsafe { std::ptr::replace(ptr, ArrowArrayStream::empty()) };
    let mut reader = unsafe { ArrowArrayStreamReader::try_new(Box::new(stream)) }
        .map_err(|e| InputError::new_err(format!("the DataFrame could not be read: {e}")))?;
    let fields = match reader.field().dtype() {
        polars_arrow::datatypes::ArrowDataType::Struct(f) => f.clone(),
        other => {
            return Err(InputError::new_err(format!(
                "expected a table (a stream of record batches), got {other:?}"
            )))
        }
    };
    let mut columns: Vec<Vec<Box<dyn polars_arrow::array::Array>>> = vec![Vec::new(); fields.len()];
    while let Some(chunk) = unsafe { reader.next() } {
        let chunk = chunk.map_err(|e| InputError::new_err(e.to_string()))?;
        let s = chunk
            .as_any()
            .downcast_ref::<polars_arrow::array::StructArray>()
            .ok_or_else(|| InputError::new_err("a batch of the stream is not a record batch"))?;
        for (c, a) in columns.iter_mut().zip(s.values()) {
            c.push(a.clone());
        }
    }
    let mut out = Vec::with_capacity(fields.len());
    for (f, chunks) in fields.iter().zip(columns) {
        let s = if chunks.is_empty() {
            Series::new_empty(f.name.clone(), &DataType::from_arrow_field(f))
        } else {
            Series::try_from((f.name.clone(), chunks))
                .map_err(|e| InputError::new_err(format!("column '{}': {e}", f.name)))?
        };
        out.push(s.into_column());
    }
    DataFrame::new_infer_height(out).map_err(|e| InputError::new_err(e.to_string()))
}

/// A study text registered where `--study` reads files; relative table paths resolve
/// against `base_dir`.
#[pyclass(module = "profitchain._core")]
struct StudyText {
    guard: memory::RegisteredStudy,
}

#[pymethods]
impl StudyText {
    #[getter]
    fn path(&self) -> String {
        self.guard.path.display().to_string()
    }
}

#[pyfunction]
fn study_text(name: &str, toml: String, base_dir: String) -> StudyText {
    StudyText {
        guard: memory::register_study(name, toml, base_dir.into()),
    }
}

/// A study given as JSON (a Python dict) in TOML, the study file's language.
#[pyfunction]
fn json_to_toml(json: &str) -> PyResult<String> {
    let v: serde_json::Value =
        serde_json::from_str(json).map_err(|e| InputError::new_err(e.to_string()))?;
    let t = toml::Value::try_from(v).map_err(|e| {
        InputError::new_err(format!("the study dict cannot be written as a study file: {e} (None values are not allowed: leave the key out)"))
    })?;
    toml::to_string(&t).map_err(|e| InputError::new_err(e.to_string()))
}

/// Run `profitchain ARGV…` (without the program name) and return its outcome; nothing is
/// written. The work runs on its own thread with the GIL released; every 50 ms the call
/// reports progress to `progress(done, total)` (when given) and checks for Ctrl-C, which
/// stops the resampling and raises `KeyboardInterrupt`. A panic becomes `InternalError`.
#[pyfunction]
#[pyo3(signature = (argv, progress=None))]
fn run(py: Python<'_>, argv: Vec<String>, progress: Option<Py<PyAny>>) -> PyResult<PyOutcome> {
    let cli = Cli::try_parse_from(std::iter::once("profitchain".to_string()).chain(argv)).map_err(
        |e| {
            let text = e.render().to_string();
            let text = text.trim_start_matches("error: ");
            let text = text
                .split("\n\nFor more information")
                .next()
                .unwrap_or(text);
            InputError::new_err(text.trim().replace("--help", "help(profitchain.VERB)"))
        },
    )?;
    let lang = cli.lang.clone();
    let o = guarded(py, progress.as_ref(), move || {
        profitchain::cli::compute(cli)
    })?;
    Ok(PyOutcome {
        lang: lang.unwrap_or_else(|| "en".into()),
        inner: Mutex::new(o),
    })
}

/// Run `work` on its own thread with the GIL released: every 50 ms report progress to
/// `progress(done, total)` and check for Ctrl-C (which stops the resampling and raises
/// `KeyboardInterrupt`); an error becomes `InputError`/`InternalError`, a panic
/// `InternalError` — it never unwinds into Python.
fn guarded<T: Send + 'static>(
    py: Python<'_>,
    progress: Option<&Py<PyAny>>,
    work: impl FnOnce() -> profitchain::Result<T> + Send + 'static,
) -> PyResult<T> {
    profitchain::progress::set_quiet(true);
    profitchain::progress::reset();
    let worker = std::thread::spawn(move || catch_unwind(AssertUnwindSafe(work)));
    let mut last = (u64::MAX, 0);
    while !worker.is_finished() {
        py.detach(|| std::thread::sleep(std::time::Duration::from_millis(50)));
        if let Err(e) = py.check_signals() {
            profitchain::progress::cancel();
            let _ = py.detach(|| worker.join());
            profitchain::progress::reset();
            return Err(e);
        }
        let now = profitchain::progress::current();
        if let (Some(cb), true) = (progress, now != last && now.1 > 0) {
            if let Err(e) = cb.call1(py, now) {
                // A failing progress callback stops the work as Ctrl-C does.
                profitchain::progress::cancel();
                let _ = py.detach(|| worker.join());
                profitchain::progress::reset();
                return Err(e);
            }
            last = now;
        }
    }
    let out = py.detach(|| worker.join()).unwrap_or_else(Err);
    if let (Some(cb), (_, total)) = (progress, profitchain::progress::current()) {
        if total > 0 {
            cb.call1(py, (total, total))?;
        }
    }
    match out {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(to_py(e)),
        Err(p) => Err(InternalError::new_err(format!(
            "internal error (a bug; please report it with the input): {}",
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        ))),
    }
}

/// Panics inside the boundary, for the test that no panic reaches Python.
#[pyfunction]
fn _panic_inside(py: Python<'_>) -> PyResult<()> {
    guarded(py, None, || -> profitchain::Result<()> {
        panic!("a deliberate panic")
    })
}

/// What a verb produced (see `profitchain::cli::Outcome`).
#[pyclass(module = "profitchain._core", name = "Outcome")]
struct PyOutcome {
    lang: String,
    inner: Mutex<Outcome>,
}

impl PyOutcome {
    fn with<T>(&self, f: impl FnOnce(&mut Outcome) -> PyResult<T>) -> PyResult<T> {
        let mut o = self
            .inner
            .lock()
            .map_err(|_| InternalError::new_err("the result is unavailable after a failure"))?;
        f(&mut o)
    }
}

#[pymethods]
impl PyOutcome {
    #[getter]
    fn verb(&self) -> PyResult<String> {
        self.with(|o| Ok(o.verb.to_string()))
    }

    /// Exactly the command line's `--format json` output.
    fn json(&self) -> PyResult<String> {
        self.with(|o| Ok(o.json.clone()))
    }

    /// The text output in `lang` (en or zh; default: the run's language).
    #[pyo3(signature = (lang=None))]
    fn text(&self, lang: Option<&str>) -> PyResult<String> {
        let l = self::lang(lang.unwrap_or(&self.lang))?;
        self.with(|o| (o.text)(l).map_err(to_py))
    }

    /// The report's HTML page for this result (chain, report), or None.
    #[pyo3(signature = (lang=None))]
    fn html(&self, lang: Option<&str>) -> PyResult<Option<String>> {
        let l = self::lang(lang.unwrap_or(&self.lang))?;
        self.with(|o| match &o.html {
            Some(f) => f(l).map(Some).map_err(to_py),
            None => Ok(None),
        })
    }

    /// The names of the result's tables (those `--export` writes, then the others).
    fn table_names(&self) -> PyResult<Vec<String>> {
        self.with(|o| {
            Ok(o.export
                .iter()
                .flat_map(|e| e.tables.iter())
                .chain(o.tables.iter())
                .map(|t| t.name.clone())
                .collect())
        })
    }

    /// A table as Arrow IPC bytes.
    fn table<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyBytes>> {
        let mut df = self.with(|o| {
            o.export
                .iter()
                .flat_map(|e| e.tables.iter())
                .chain(o.tables.iter())
                .find(|t| t.name == name)
                .map(|t| t.df.clone())
                .ok_or_else(|| PyValueError::new_err(format!("no table '{name}'")))
        })?;
        let mut buf = Vec::new();
        IpcWriter::new(&mut buf)
            .finish(&mut df)
            .map_err(|e| InternalError::new_err(e.to_string()))?;
        Ok(PyBytes::new(py, &buf))
    }

    /// The summary.json `--export` writes.
    fn export_json(&self) -> PyResult<Option<String>> {
        self.with(|o| Ok(o.export.as_ref().map(|e| e.json.clone())))
    }

    /// The charts (file name, SVG) of the export.
    fn charts(&self) -> PyResult<Vec<(String, String)>> {
        self.with(|o| {
            Ok(o.export
                .iter()
                .flat_map(|e| e.files.iter())
                .filter(|(n, _)| n.ends_with(".svg"))
                .cloned()
                .collect())
        })
    }

    /// The summary workbook (`summary.xlsx`) as bytes.
    fn workbook<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyBytes>>> {
        let bytes = self.with(|o| match &o.export {
            Some(e) => profitchain::report::export::workbook(e)
                .map(Some)
                .map_err(to_py),
            None => Ok(None),
        })?;
        Ok(bytes.map(|b| PyBytes::new(py, &b)))
    }

    /// Write the files the call named (-o, --export, charts, customer tables, folders).
    fn write_files(&self, py: Python<'_>) -> PyResult<()> {
        self.with(|o| py.detach(|| o.write_files()).map_err(to_py))
    }
}

/// Fit the CLV models from additive summaries (`profitchain::analysis::clv::Summaries` as
/// JSON) with options (`ClvOptions` as JSON); returns the fitted models as JSON. The Spark
/// path's driver calls this on the tuple counts its executors computed.
#[pyfunction]
fn clv_fit(py: Python<'_>, summaries: &str, options: &str) -> PyResult<String> {
    let s: clv::Summaries = serde_json::from_str(summaries)
        .map_err(|e| InputError::new_err(format!("CLV summaries: {e}")))?;
    let o: clv::ClvOptions = serde_json::from_str(options)
        .map_err(|e| InputError::new_err(format!("CLV options: {e}")))?;
    let fitted = py.detach(|| clv::summaries::fit(&s, &o)).map_err(to_py)?;
    serde_json::to_string(&fitted).map_err(|e| InternalError::new_err(e.to_string()))
}

/// Per-customer P(alive), expected transactions, expected spend and CLV from fitted models
/// (the JSON `clv_fit` returns): the values `profitchain clv` gives the same customers.
/// Spark's executors call this on each Arrow batch.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn clv_predict(
    py: Python<'_>,
    fitted: &str,
    x: Vec<f64>,
    t_x: Vec<f64>,
    t: Vec<f64>,
    mean_spend: Vec<f64>,
) -> PyResult<(Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>)> {
    let f: clv::Fitted = serde_json::from_str(fitted)
        .map_err(|e| InputError::new_err(format!("fitted CLV models: {e}")))?;
    let rows = py
        .detach(|| clv::summaries::predict(&f, &x, &t_x, &t, &mean_spend))
        .map_err(to_py)?;
    Ok((
        rows.iter().map(|r| r.0).collect(),
        rows.iter().map(|r| r.1).collect(),
        rows.iter().map(|r| r.2).collect(),
        rows.iter().map(|r| r.3).collect(),
    ))
}

/// The columns a formula reads (Spark selects only these).
#[pyfunction]
fn formula_columns(formula: &str) -> PyResult<Vec<String>> {
    let f = profitchain::stats::Formula::parse(formula).map_err(to_py)?;
    Ok(f.columns().into_iter().map(|(c, _)| c).collect())
}

fn json<T: serde::Serialize>(v: &T) -> PyResult<String> {
    serde_json::to_string(v).map_err(|e| InternalError::new_err(e.to_string()))
}

fn parse<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> PyResult<T> {
    serde_json::from_str(text).map_err(|e| InputError::new_err(format!("{what}: {e}")))
}

/// `regress` pass 1 on one part (an Arrow table): per group, the design's sums (JSON).
#[pyfunction]
#[pyo3(signature = (table, formula, by=None))]
fn regress_part(
    py: Python<'_>,
    table: &Bound<'_, PyAny>,
    formula: &str,
    by: Option<&str>,
) -> PyResult<String> {
    let df = import_stream(table)?;
    let parts = py
        .detach(|| regress_parts::part_sums(&df, formula, by))
        .map_err(to_py)?;
    json(&parts)
}

/// Merge the parts' pass-1 sums (each a JSON list) per group.
#[pyfunction]
fn regress_merge(parts: Vec<String>) -> PyResult<String> {
    let mut all = Vec::new();
    for p in &parts {
        all.extend(parse::<Vec<regress_parts::Part>>(p, "regress part")?);
    }
    json(&regress_parts::merge(all).map_err(to_py)?)
}

/// `regress` pass 2 on one part: per group, the residual sums under the merged fits.
#[pyfunction]
#[pyo3(signature = (table, formula, merged, by=None, id=None))]
fn regress_residuals(
    py: Python<'_>,
    table: &Bound<'_, PyAny>,
    formula: &str,
    merged: &str,
    by: Option<&str>,
    id: Option<&str>,
) -> PyResult<String> {
    let df = import_stream(table)?;
    let merged: Vec<regress_parts::Part> = parse(merged, "merged sums")?;
    let parts = py
        .detach(|| regress_parts::part_residuals(&df, formula, by, id, &merged))
        .map_err(to_py)?;
    json(&parts)
}

/// The models from the merged sums and the parts' residual sums: `regress --format json`.
#[pyfunction]
fn regress_finish(merged: &str, residuals: Vec<String>, options: &str) -> PyResult<String> {
    let merged: Vec<regress_parts::Part> = parse(merged, "merged sums")?;
    let mut all = Vec::new();
    for r in &residuals {
        all.extend(parse::<Vec<regress_parts::ResidualPart>>(
            r,
            "residual part",
        )?);
    }
    let opts: profitchain::analysis::regress::RegressOptions = parse(options, "regress options")?;
    let out = regress_parts::finish(&merged, all, &opts).map_err(to_py)?;
    profitchain::cli::to_json(&out).map_err(to_py)
}

/// `profitchain VERB ARGV…` parsed by the command line's own parser.
fn parse_verb(verb: &str, argv: Vec<String>) -> PyResult<profitchain::cli::Command> {
    let cli = Cli::try_parse_from(
        ["profitchain".to_string(), verb.to_string()]
            .into_iter()
            .chain(argv),
    )
    .map_err(|e| InputError::new_err(e.render().to_string().trim().to_string()))?;
    Ok(cli.command)
}

/// The study and options of a chain over a Spark DataFrame, from `chain`'s own flags
/// (`--data` names the table in messages): JSON for every other chain call.
#[pyfunction]
fn chain_spec(argv: Vec<String>) -> PyResult<String> {
    let profitchain::cli::Command::Chain(args) = parse_verb("chain", argv)? else {
        return Err(InternalError::new_err("not a chain command"));
    };
    json(&profitchain::cli::chain::spec(args).map_err(to_py)?)
}

/// `chain` pass 1 on one part (an Arrow table): its counts and per-segment sums (JSON).
#[pyfunction]
fn chain_part1(py: Python<'_>, table: &Bound<'_, PyAny>, spec: &str) -> PyResult<String> {
    let df = import_stream(table)?;
    let spec: chain::parts::ChainSpec = parse(spec, "chain spec")?;
    json(
        &py.detach(|| chain::parts::part1(df, &spec))
            .map_err(to_py)?,
    )
}

/// Merge the parts' pass-1 results (in part order): the segments, the merged sums and
/// the diagnostics (JSON); `table` names the table in messages.
#[pyfunction]
fn chain_stage2(parts: Vec<String>, spec: &str, table: &str) -> PyResult<String> {
    let spec: chain::parts::ChainSpec = parse(spec, "chain spec")?;
    let parts = parts
        .iter()
        .map(|p| parse::<chain::Pass1>(p, "chain part"))
        .collect::<PyResult<Vec<_>>>()?;
    json(&chain::parts::stage2(parts, &spec, table).map_err(to_py)?)
}

/// `chain` pass 2 on one part: per segment, the residual and hash-group sums (JSON).
#[pyfunction]
fn chain_part2(
    py: Python<'_>,
    table: &Bound<'_, PyAny>,
    spec: &str,
    stage2: &str,
) -> PyResult<String> {
    let df = import_stream(table)?;
    let spec: chain::parts::ChainSpec = parse(spec, "chain spec")?;
    let stage: chain::parts::Stage2 = parse(stage2, "chain stage 2")?;
    json(
        &py.detach(|| chain::parts::part2(df, &spec, &stage))
            .map_err(to_py)?,
    )
}

/// The chain from the merged pass-1 sums and the parts' pass-2 sums: `chain --format
/// json`'s result, and its text in `lang`.
#[pyfunction]
fn chain_finish(
    py: Python<'_>,
    spec: &str,
    stage2: &str,
    parts: Vec<String>,
    lang_code: &str,
) -> PyResult<(String, String)> {
    let spec: chain::parts::ChainSpec = parse(spec, "chain spec")?;
    let stage: chain::parts::Stage2 = parse(stage2, "chain stage 2")?;
    let parts = parts
        .iter()
        .map(|p| parse::<chain::Pass2>(p, "chain part"))
        .collect::<PyResult<Vec<_>>>()?;
    let l = lang(lang_code)?;
    let r = py
        .detach(|| chain::parts::finish(&spec, stage, parts))
        .map_err(to_py)?;
    let text = profitchain::report::chain::text_in(&r, l);
    Ok((
        profitchain::report::chain::json_in(&r, l).map_err(to_py)?,
        text,
    ))
}

/// The options of metrics from counts (JSON), from `metrics`' own flags.
#[pyfunction]
fn metrics_spec(argv: Vec<String>) -> PyResult<String> {
    let profitchain::cli::Command::Metrics(args) = parse_verb("metrics", argv)? else {
        return Err(InternalError::new_err("not a metrics command"));
    };
    json(&profitchain::cli::metrics::spec(args).map_err(to_py)?)
}

/// The metrics from counts per group and value (JSON `Counts`): `metrics --format json`'s
/// result, and its text in `lang`.
#[pyfunction]
fn metrics_from_counts(
    counts: &str,
    spec: &str,
    table: &str,
    lang_code: &str,
) -> PyResult<(String, String)> {
    use profitchain::analysis::metrics;
    let counts: metrics::Counts = parse(counts, "metric counts")?;
    let opts: metrics::MetricsOptions = parse(spec, "metrics options")?;
    let l = lang(lang_code)?;
    let out = metrics::from_counts(counts, table, &opts).map_err(to_py)?;
    Ok((
        profitchain::cli::to_json(&out).map_err(to_py)?,
        profitchain::report::metrics::text_in(&out, l),
    ))
}

/// The regression formula of a driver analysis (JSON `DriverOptions`), checked: Spark runs
/// `regress`'s passes on it.
#[pyfunction]
fn drivers_formula(options: &str) -> PyResult<String> {
    use profitchain::analysis::drivers;
    let opts: drivers::DriverOptions = parse(options, "driver options")?;
    drivers::check(&opts).map_err(to_py)?;
    if opts.bootstrap > 0 {
        return Err(InputError::new_err(
            "on Spark the bootstrap of importances (which resamples rows) is not available: bootstrap=0",
        ));
    }
    Ok(drivers::formula_of(&opts))
}

/// The driver analysis from the regression's merged sums, the parts' residual sums and
/// each group's rating range (JSON {group: [low, high]}): `drivers --format json`'s result,
/// and its text in `lang`.
#[pyfunction]
fn drivers_finish(
    options: &str,
    merged: &str,
    residuals: Vec<String>,
    ranges: &str,
    lang_code: &str,
) -> PyResult<(String, String)> {
    use profitchain::analysis::{drivers, regress::RegressOptions};
    let opts: drivers::DriverOptions = parse(options, "driver options")?;
    let merged: Vec<regress_parts::Part> = parse(merged, "merged sums")?;
    let mut all = Vec::new();
    for r in &residuals {
        all.extend(parse::<Vec<regress_parts::ResidualPart>>(
            r,
            "residual part",
        )?);
    }
    let ranges: std::collections::BTreeMap<String, [f64; 2]> = parse(ranges, "rating ranges")?;
    let reg_opts = RegressOptions {
        formula: drivers::formula_of(&opts),
        by: opts.by.clone(),
        se: profitchain::stats::CovType::Nonrobust,
        confidence: opts.confidence,
        id: None,
    };
    let l = lang(lang_code)?;
    let out = regress_parts::finish(&merged, all, &reg_opts).map_err(to_py)?;
    let out = drivers::from_parts(out, merged, &ranges, &opts).map_err(to_py)?;
    Ok((
        profitchain::cli::to_json(&out).map_err(to_py)?,
        profitchain::report::drivers::text_in(&out, l),
    ))
}

/// The model, options, id column and non-answer codes of a CSI over a Spark DataFrame,
/// from `csi`'s own flags (`--data` names the table in messages): JSON for the other calls.
#[pyfunction]
fn csi_spec(argv: Vec<String>) -> PyResult<String> {
    let profitchain::cli::Command::Csi(args) = parse_verb("csi", argv)? else {
        return Err(InternalError::new_err("not a csi command"));
    };
    json(&profitchain::cli::csi::spec(&args).map_err(to_py)?)
}

/// `csi` pass 1 on one part (an Arrow table): the items' sums and ranges, counts (JSON).
#[pyfunction]
fn csi_part1(py: Python<'_>, table: &Bound<'_, PyAny>, spec: &str) -> PyResult<String> {
    let df = import_stream(table)?;
    let spec: csi_parts::CsiSpec = parse(spec, "csi spec")?;
    json(&py.detach(|| csi_parts::part1(df, &spec)).map_err(to_py)?)
}

/// Merge the parts' pass 1 (in part order) and check it: the stage for pass 2 (JSON), and
/// whether pass 2 is needed (a bootstrap, or mean replacement).
#[pyfunction]
fn csi_stage(parts: Vec<String>, spec: &str) -> PyResult<(String, bool)> {
    let spec: csi_parts::CsiSpec = parse(spec, "csi spec")?;
    let parts = parts
        .iter()
        .map(|p| parse::<csi_parts::Pass1>(p, "csi part"))
        .collect::<PyResult<Vec<_>>>()?;
    let merged = csi_parts::merge1(parts).map_err(to_py)?;
    let stage = csi_parts::stage(merged, &spec).map_err(to_py)?;
    Ok((json(&stage)?, csi_parts::needs_pass2(&stage)))
}

/// `csi` pass 2 on one part: keyed pieces (key, bytes) to reduce by key — each hash
/// block's sums and the analysed rows' sums (key -1).
#[pyfunction]
fn csi_part2<'py>(
    py: Python<'py>,
    table: &Bound<'py, PyAny>,
    spec: &str,
    stage: &str,
) -> PyResult<Vec<(i64, Bound<'py, PyBytes>)>> {
    let df = import_stream(table)?;
    let spec: csi_parts::CsiSpec = parse(spec, "csi spec")?;
    let stage: csi_parts::Stage = parse(stage, "csi stage")?;
    let pieces = py
        .detach(|| csi_parts::part2(df, &spec, &stage)?.pieces())
        .map_err(to_py)?;
    Ok(pieces
        .into_iter()
        .map(|(k, b)| (k, PyBytes::new(py, &b)))
        .collect())
}

/// Add the pieces of one key, in part order (the cluster sorts them by partition).
#[pyfunction]
fn csi_reduce<'py>(
    py: Python<'py>,
    key: i64,
    pieces: Vec<Vec<u8>>,
    stage: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    let stage: csi_parts::Stage = parse(stage, "csi stage")?;
    let terms = profitchain::stats::blocks::terms(stage.center.len());
    let b = csi_parts::reduce_pieces(key, &pieces, terms).map_err(to_py)?;
    Ok(PyBytes::new(py, &b))
}

/// The study from the stage and the reduced pieces (one per key; none when pass 2 was not
/// needed): `csi --format json`'s result, and its text in `lang`.
#[pyfunction]
fn csi_finish(
    py: Python<'_>,
    spec: &str,
    stage: &str,
    pieces: Vec<(i64, Vec<u8>)>,
    lang_code: &str,
) -> PyResult<(String, String)> {
    let spec: csi_parts::CsiSpec = parse(spec, "csi spec")?;
    let stage: csi_parts::Stage = parse(stage, "csi stage")?;
    let l = lang(lang_code)?;
    let terms = profitchain::stats::blocks::terms(stage.center.len());
    let r = py
        .detach(|| {
            let pass2 = if csi_parts::needs_pass2(&stage) {
                Some(csi_parts::Pass2::from_pieces(pieces, terms)?)
            } else {
                None
            };
            csi_parts::finish(&spec, stage, pass2, &profitchain::progress::bar(0, ""))
        })
        .map_err(to_py)?;
    Ok((
        profitchain::cli::to_json(&r).map_err(to_py)?,
        profitchain::report::csi::text_in(&r, l),
    ))
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("InputError", m.py().get_type::<InputError>())?;
    m.add("InternalError", m.py().get_type::<InternalError>())?;
    m.add_function(wrap_pyfunction!(verbs, m)?)?;
    m.add_function(wrap_pyfunction!(frame, m)?)?;
    m.add_function(wrap_pyfunction!(study_text, m)?)?;
    m.add_function(wrap_pyfunction!(json_to_toml, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(clv_fit, m)?)?;
    m.add_function(wrap_pyfunction!(clv_predict, m)?)?;
    m.add_function(wrap_pyfunction!(formula_columns, m)?)?;
    m.add_function(wrap_pyfunction!(regress_part, m)?)?;
    m.add_function(wrap_pyfunction!(regress_merge, m)?)?;
    m.add_function(wrap_pyfunction!(regress_residuals, m)?)?;
    m.add_function(wrap_pyfunction!(regress_finish, m)?)?;
    m.add_function(wrap_pyfunction!(chain_spec, m)?)?;
    m.add_function(wrap_pyfunction!(chain_part1, m)?)?;
    m.add_function(wrap_pyfunction!(chain_stage2, m)?)?;
    m.add_function(wrap_pyfunction!(chain_part2, m)?)?;
    m.add_function(wrap_pyfunction!(chain_finish, m)?)?;
    m.add_function(wrap_pyfunction!(metrics_spec, m)?)?;
    m.add_function(wrap_pyfunction!(metrics_from_counts, m)?)?;
    m.add_function(wrap_pyfunction!(drivers_formula, m)?)?;
    m.add_function(wrap_pyfunction!(drivers_finish, m)?)?;
    m.add_function(wrap_pyfunction!(csi_spec, m)?)?;
    m.add_function(wrap_pyfunction!(csi_part1, m)?)?;
    m.add_function(wrap_pyfunction!(csi_stage, m)?)?;
    m.add_function(wrap_pyfunction!(csi_part2, m)?)?;
    m.add_function(wrap_pyfunction!(csi_reduce, m)?)?;
    m.add_function(wrap_pyfunction!(csi_finish, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_inside, m)?)?;
    m.add_class::<Frame>()?;
    m.add_class::<StudyText>()?;
    m.add_class::<PyOutcome>()?;
    Ok(())
}
