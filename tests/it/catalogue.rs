//! The dead ends and the catalogue of bad and awkward inputs of issue #21: each a clear
//! error naming what the analyst sees (cell, case, line) and the fix, exit 2 and nothing
//! written — or, where the input is fine but awkward, the right answer with a note.

use predicates::str::contains;
use serde_json::Value;
use tempfile::TempDir;

use crate::common::{bin, data, write};

fn messy(name: &str) -> std::path::PathBuf {
    data(&format!("messy/{name}"))
}

/// `profitchain ARGS` must fail with exit 2, an `error:` first, and each of `needles`.
fn refused(args: &[&str], needles: &[&str]) {
    let mut a = bin()
        .args(args)
        .assert()
        .code(2)
        .stderr(predicates::str::starts_with("error:"));
    for n in needles {
        a = a.stderr(contains(*n));
    }
}

fn s(p: &std::path::Path) -> String {
    p.to_string_lossy().to_string()
}

/// A customer table for `value`, `--data` role flags and the chain.
const ACCOUNTS: &str = "id,revenue,cost\nA,100,60\nB,50,80\nC,70,20\nD,90,95\n";

/// Error locations name what the analyst sees: the Excel cell, the SPSS case, the CSV line.
#[test]
fn dead_end_error_locations_name_cell_case_and_line() {
    let dir = TempDir::new().unwrap();
    let xlsx = dir.path().join("accounts.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("data").unwrap();
    ws.write(0, 0, "Accounts 2024").unwrap();
    for (j, h) in ["id", "revenue", "cost"].iter().enumerate() {
        ws.write(2, j as u16, *h).unwrap();
    }
    for (i, (id, rev, cost)) in [("A", "100", 60.0), ("B", "fifty", 80.0), ("C", "70", 20.0)]
        .iter()
        .enumerate()
    {
        let r = 3 + i as u32;
        ws.write(r, 0, *id).unwrap();
        match rev.parse::<f64>() {
            Ok(v) => ws.write(r, 1, v).unwrap(),
            Err(_) => ws.write(r, 1, *rev).unwrap(),
        };
        ws.write(r, 2, *cost).unwrap();
    }
    wb.save(&xlsx).unwrap();
    refused(
        &[
            "value",
            "--data",
            &s(&xlsx),
            "--id",
            "id",
            "--revenue",
            "revenue",
            "--cost",
            "cost",
        ],
        &["cell B5 of sheet 'data' holds 'fifty'"],
    );
    // SPSS: the case number.
    refused(
        &[
            "regress",
            "--data",
            &s(&data("formats/survey.sav")),
            "--formula",
            "satisfaction ~ comment",
        ],
        &["case 1 holds 'Long comment", "C(comment)"],
    );
}

/// `regress` with a text column used as a number suggests C(col).
#[test]
fn dead_end_text_column_in_a_formula_suggests_categories() {
    let dir = TempDir::new().unwrap();
    let f = write(
        dir.path(),
        "d.csv",
        "y,region\n1,north\n2,south\n3,north\n4,east\n",
    );
    refused(
        &["regress", "--data", &s(&f), "--formula", "y ~ region"],
        &["line 2 holds 'north'", "write it as C(region)"],
    );
}

/// A repeated id names the file's column and the rows that hold it.
#[test]
fn dead_end_duplicate_ids_name_their_rows() {
    let dir = TempDir::new().unwrap();
    let f = write(
        dir.path(),
        "a.csv",
        "id,revenue,cost\nA,1,2\nB,3,4\nB,5,6\nC,7,8\n",
    );
    refused(
        &[
            "value",
            "--data",
            &s(&f),
            "--id",
            "id",
            "--revenue",
            "revenue",
            "--cost",
            "cost",
        ],
        &["id column 'id' must be unique", "'B' (line 3, line 4)"],
    );
}

/// `inspect` takes a per-file id; `--study .` explains a folder; `report -o rep.html` is
/// refused; `--export FILE` and `report -o FILE --force` on an existing file are exit 2.
#[test]
fn dead_end_paths_and_folders() {
    bin()
        .args(["inspect"])
        .arg(messy("finance_survey.csv"))
        .arg(messy("brokerage_accounts.csv"))
        .args([
            "--id",
            "finance_survey.csv=respondent_id",
            "--id",
            "client_id",
        ])
        .assert()
        .success()
        .stdout(contains(
            "id 'respondent_id': 358 distinct values, each once",
        ))
        .stdout(contains("id 'client_id': 81 distinct values, each once"));
    refused(
        &[
            "chain",
            "--study",
            &s(&data("../../notebooks-data/brokerage")),
        ],
        &["it is a folder", "--study", "study.toml"],
    );
    let dir = TempDir::new().unwrap();
    refused(
        &["report", "-o", &s(&dir.path().join("rep.html"))],
        &["report writes a folder", "-o"],
    );
    let file = write(dir.path(), "taken", "x");
    refused(&["report", "--force", "-o", &s(&file)], &["is a file"]);
    refused(
        &[
            "chain",
            "--bootstrap",
            "0",
            "--export",
            &s(&file),
            "--force",
        ],
        &["--export", "is a file"],
    );
    assert!(!dir.path().join("rep.html").exists());
}

/// Nothing is written unless everything is: a refused --export leaves no --customers-out
/// behind; an output naming an input is refused.
#[test]
fn contract_nothing_written_on_error_and_inputs_never_overwritten() {
    let dir = TempDir::new().unwrap();
    let busy = dir.path().join("busy");
    std::fs::create_dir(&busy).unwrap();
    write(&busy, "other.txt", "x");
    let customers = dir.path().join("customers.csv");
    refused(
        &[
            "clv",
            "--transactions",
            &s(&messy("orders_clean.csv")),
            "--id",
            "customer_id",
            "--date",
            "order_date",
            "--amount",
            "amount",
            "--calibration-end",
            "2024-12-29",
            "--customers-out",
            &s(&customers),
            "--export",
            &s(&busy),
        ],
        &["already exists and is not empty"],
    );
    assert!(
        !customers.exists(),
        "customers-out written before the error"
    );
    let input = dir.path().join("accounts.csv");
    std::fs::write(&input, ACCOUNTS).unwrap();
    refused(
        &[
            "value",
            "--data",
            &s(&input),
            "--id",
            "id",
            "--revenue",
            "revenue",
            "--cost",
            "cost",
            "-o",
            &s(&input),
        ],
        &["is one of this command's input files"],
    );
    assert_eq!(std::fs::read_to_string(&input).unwrap(), ACCOUNTS);
}

/// The workbook and CSV outputs: build writes .xlsx; a report folder carries customers.csv
/// and the CLV study in summary.json; dates are dates; sheet names stay English in a
/// Chinese workbook; CSV numbers are shortest round-trip.
#[test]
fn dead_end_outputs_an_analyst_can_use() {
    let dir = TempDir::new().unwrap();
    let xlsx = dir.path().join("customers.xlsx");
    bin()
        .args(["build", "--study"])
        .arg(messy("finance.toml"))
        .arg("-o")
        .arg(&xlsx)
        .assert()
        .success();
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto(&xlsx).unwrap();
    let range = wb.worksheet_range("customers").unwrap();
    assert_eq!(range.get_size().0, 82);
    let csv = dir.path().join("c.csv");
    bin()
        .args(["build", "--study"])
        .arg(messy("finance.toml"))
        .arg("-o")
        .arg(&csv)
        .assert()
        .success();
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.contains(",-194.08,"),
        "shortest round trip: {}",
        &text[..300]
    );
    // A Chinese report: sheet names are the English keys.
    let out = dir.path().join("rep");
    bin()
        .args(["report", "--lang", "zh", "--bootstrap", "0", "-o"])
        .arg(&out)
        .assert()
        .success();
    let wb = calamine::open_workbook_auto(out.join("summary.xlsx")).unwrap();
    let names = wb.sheet_names();
    for n in ["overview", "coefficients", "customers"] {
        assert!(names.iter().any(|x| x == n), "{names:?}");
    }
    assert!(out.join("customers.csv").exists());
    // CLV first-purchase dates are dates in the workbook.
    let exp = dir.path().join("clv");
    bin()
        .args([
            "clv",
            "--transactions",
            &s(&messy("orders_clean.csv")),
            "--id",
            "customer_id",
            "--date",
            "order_date",
            "--amount",
            "amount",
            "--calibration-end",
            "2024-12-29",
            "--export",
            &s(&exp),
        ])
        .assert()
        .success();
    let mut wb = calamine::open_workbook_auto(exp.join("summary.xlsx")).unwrap();
    let range = wb.worksheet_range("customers").unwrap();
    let header: Vec<String> = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let j = header.iter().position(|h| h == "first").unwrap();
    let cell = range.get((1, j)).unwrap();
    assert!(matches!(cell, calamine::Data::DateTime(_)), "{cell:?}");
}

/// The report folder of a study with a purchase log carries the CLV study in summary.json.
#[test]
fn report_carries_the_clv_study() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("rep");
    bin()
        .args(["report", "--bootstrap", "0", "--study"])
        .arg(data("../../notebooks-data/retail-bank/study.toml"))
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(v["clv"]["model_label"], "BG/NBD");
    assert!(v["clv"]["totals"]["customers"].as_u64().unwrap() > 1000);
}

/// Broken files: every one an error naming the line, cell or header, exit 2.
#[test]
fn catalogue_broken_files() {
    for (file, needles) in [
        ("truncated.sav", &["declares 358 cases but only 166"][..]),
        ("mixed_separators.csv", &["line 42 is separated by ';'"][..]),
        (
            "extra_field.csv",
            &["line 31 has 6 fields where the header has 5"][..],
        ),
        (
            "duplicate_columns.csv",
            &["column name 'revenue' appears twice"][..],
        ),
        ("utf16.csv", &["UTF-16", "--encoding utf-16le"][..]),
        (
            "empty_first_sheet.xlsx",
            &["'Cover', 'accounts'", "--sheet"][..],
        ),
    ] {
        refused(&["inspect", &s(&messy(file))], needles);
    }
    let dir = TempDir::new().unwrap();
    let bin_file = dir.path().join("data.csv");
    std::fs::write(
        &bin_file,
        [0u8, 1, 2, 0, 0, 0, 9, 0, 0, 0, 0, 0, 7, 0, 0].repeat(20),
    )
    .unwrap();
    refused(&["inspect", &s(&bin_file)], &["binary data"]);
    // UTF-16 read with its encoding.
    bin()
        .args(["inspect", "--encoding", "utf-16le"])
        .arg(messy("utf16.csv"))
        .assert()
        .success()
        .stdout(contains("81 rows"));
}

/// A CLV log: amounts beyond ±1e150, a margin outside (0, 1], a header-only log and a
/// calibration end before the first purchase (different messages), datetimes read as
/// dates, a whitespace log with a header line, and empty CLV cells with their reason.
#[test]
fn catalogue_clv_inputs() {
    let dir = TempDir::new().unwrap();
    let clv = |file: &std::path::Path, cal: &str| -> Vec<String> {
        [
            "clv",
            "--transactions",
            &s(file),
            "--id",
            "id",
            "--date",
            "date",
            "--amount",
            "amount",
            "--calibration-end",
            cal,
        ]
        .iter()
        .map(|x| x.to_string())
        .collect()
    };
    fn args(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    let huge = write(
        dir.path(),
        "huge.csv",
        "id,date,amount\nA,2024-01-03,10\nA,2024-02-03,1e300\nB,2024-01-05,7\n",
    );
    refused(
        &args(&clv(&huge, "2024-02-03")),
        &["1e300 at line 3", "±1e150"],
    );
    let mut m = clv(&messy("orders_clean.csv"), "2024-12-29");
    m.iter_mut().for_each(|x| {
        if x == "id" {
            *x = "customer_id".into()
        } else if x == "date" {
            *x = "order_date".into()
        }
    });
    let mut neg = m.clone();
    neg.push("--margin=-1".into());
    refused(&args(&neg), &["--margin -1", "(0, 1]"]);
    let empty = write(dir.path(), "empty.csv", "id,date,amount\n");
    refused(
        &args(&clv(&empty, "2024-01-01")),
        &["has no rows", "header but no purchases"],
    );
    let early = write(
        dir.path(),
        "early.csv",
        "id,date,amount\nA,2024-01-03,10\nA,2024-02-03,5\n",
    );
    refused(
        &args(&clv(&early, "2023-06-30")),
        &["falls before the first purchase", "2024-01-03"],
    );
    // Datetimes are dates; a whitespace log's header line is its header.
    let mut rows = String::from("id,date,amount\n");
    for (k, c) in ["A", "B", "C", "D", "E", "F"].iter().enumerate() {
        rows.push_str(&format!("{c},2023-0{}-05 10:30:00,12\n", k % 3 + 1));
        rows.push_str(&format!("{c},2023-0{}-15 16:05:00,20\n", k % 4 + 4));
        if k % 2 == 0 {
            rows.push_str(&format!("{c},2023-08-2{k} 09:00:00,5\n"));
        }
    }
    let times = write(dir.path(), "times.csv", &rows);
    bin()
        .args(args(&clv(&times, "2023-08-25")))
        .assert()
        .success();
    let v: Value = serde_json::from_slice(
        &bin()
            .args([
                "clv",
                "--transactions",
                &s(&messy("invoices.txt")),
                "--id",
                "account",
                "--date",
                "date",
                "--amount",
                "amount",
                "--calibration-end",
                "2024-09-30",
                "--format",
                "json",
            ])
            .assert()
            .success()
            .get_output()
            .stdout,
    )
    .unwrap();
    assert!(v["diagnostics"]["customers"].as_u64().unwrap() > 100);
    // Too few repeat customers with spend for a spend model: the CSV leaves CLV empty and
    // says why, never the text NaN.
    let few = write(
        dir.path(),
        "few.csv",
        "id,date,amount\nA,2024-01-03,10\nA,2024-02-03,5\nB,2024-01-05,7\nB,2024-03-01,0\nC,2024-01-09,3\nD,2024-02-01,3\nE,2024-01-02,4\nE,2024-02-02,0\n",
    );
    let mut csv = clv(&few, "2024-03-01");
    csv.extend(["--format".into(), "csv".into()]);
    let out = bin()
        .args(args(&csv))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(!text.contains("NaN"), "{text}");
    assert!(
        text.lines().next().unwrap().ends_with(",clv_note"),
        "{text}"
    );
    assert!(text.contains("no spend model"), "{text}");
}

/// Resamples too few for an interval, and a --by column with hundreds of one-row groups, are
/// refused with the count and the fix.
#[test]
fn catalogue_options_that_cannot_give_an_answer() {
    refused(
        &["chain", "--bootstrap", "1"],
        &["--bootstrap 1", "at least 40"],
    );
    refused(
        &[
            "drivers",
            "--data",
            &s(&data("../../notebooks-data/retail-bank/survey.csv")),
            "--drivers",
            "quality,service",
            "--bootstrap",
            "5",
        ],
        &["--bootstrap 5"],
    );
    refused(
        &[
            "metrics",
            "--data",
            &s(&data("../../notebooks-data/brokerage/survey.csv")),
            "--csat",
            "satisfaction",
            "--csat-scale",
            "1-10",
            "--by",
            "respondent_id",
        ],
        &[
            "--by respondent_id",
            "358 distinct values",
            "coarser column",
        ],
    );
    refused(
        &[
            "metrics",
            "--data",
            &s(&data("../../notebooks-data/brokerage/survey.csv")),
            "--csat",
            "satisfaction",
            "--csat-scale",
            "1-10",
            "--by",
            "region",
        ],
        &["no column 'region'"],
    );
}

/// CSI model messages name the item, the line, the block and the fix.
#[test]
fn catalogue_csi_messages() {
    let dir = TempDir::new().unwrap();
    let mut rows = String::from("q1,q2,q3,s1,s2,e\n");
    for i in 0..30 {
        let v = |k: i32| (i * 7 + k * 3) % 10 + 1;
        rows.push_str(&format!("{},{},{},{},{},\n", v(1), v(2), v(3), v(4), v(5)));
    }
    let d = write(dir.path(), "d.csv", &rows);
    let model = |items: &str, extra: &str| {
        write(
            dir.path(),
            "m.toml",
            &format!("arrows = [[\"Q\", \"S\"]]\n{extra}[[construct]]\nname = \"Q\"\nitems = [{items}]\n[[construct]]\nname = \"S\"\nitems = [\"s1\", \"s2\"]\n"),
        )
    };
    let csi = |m: &std::path::Path, more: &[&str]| {
        let mut v = vec![
            "csi".to_string(),
            "--data".into(),
            s(&d),
            "--model".into(),
            s(m),
            "--bootstrap".into(),
            "0".into(),
        ];
        v.extend(more.iter().map(|x| x.to_string()));
        v
    };
    let run = |v: Vec<String>, needles: &[&str]| {
        refused(&v.iter().map(String::as_str).collect::<Vec<_>>(), needles)
    };
    run(
        csi(&model("\"q1\", \"q2\", \"qq3\"", ""), &[]),
        &["item 'qq3'", "did you mean 'q3'?"],
    );
    run(
        csi(&model("\"q1\", \"q2\", \"q1\"", ""), &[]),
        &["item 'q1' is listed twice in block 'Q'"],
    );
    run(
        csi(&model("\"q1\", \"q2\", \"e\"", ""), &[]),
        &["item 'e' has no answer in any row"],
    );
    run(
        csi(&model("\"q1\", \"q2\", \"q3\"", "scale = [1, 5]\n"), &[]),
        &[
            "item column 'q1'",
            "outside its declared scale 1–5",
            "line ",
        ],
    );
    let bad = write(dir.path(), "bad.toml", "arrows = [[\"Q\", \"S\"]\n");
    run(csi(&bad, &[]), &["line 2"]);
}

/// The formats the help texts promise are the ones the readers take.
#[test]
fn help_lists_every_format() {
    for cmd in [
        "inspect", "regress", "metrics", "drivers", "value", "clv", "csi", "chain",
    ] {
        bin()
            .args([cmd, "--help"])
            .assert()
            .success()
            .stdout(contains("SPSS"))
            .stdout(contains("Excel"));
    }
}
