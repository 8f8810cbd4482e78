//! Spreadsheets in: the student-registration roster and the poverty-household list.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use huka_core::import::{self, ImportKind};
use huka_core::{Error, Lang, Store};

use crate::out::{print_json, say};

#[derive(Subcommand)]
pub enum ImportCommand {
    /// The student-registration roster: one row per registered student
    Roster(ImportArgs),
    /// The registered-poor household list: one row per person
    Households(ImportArgs),
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The spreadsheet: .xlsx, .xls, .ods or .csv (UTF-8 or GBK). Every sheet with a
    /// recognizable header is imported; the others are listed as skipped
    file: PathBuf,
    /// Import only this sheet (repeat for several); a hidden sheet is imported only so
    #[arg(long = "sheet", value_name = "NAME")]
    sheets: Vec<String>,
    /// Plan only: report what would happen, write nothing
    #[arg(long)]
    dry_run: bool,
    /// Write the rejected rows, with the reasons, to this .xlsx or .csv file
    #[arg(long, value_name = "OUT")]
    rejects: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

pub fn run(store: &mut Store, command: ImportCommand, lang: Lang) -> Result<ExitCode, Error> {
    let (kind, args) = match command {
        ImportCommand::Roster(a) => (ImportKind::Roster, a),
        ImportCommand::Households(a) => (ImportKind::Households, a),
    };
    import(store, kind, &args, lang)
}

fn import(store: &mut Store, kind: ImportKind, args: &ImportArgs, lang: Lang) -> Result<ExitCode, Error> {
    let bytes = import::read::read_file(&args.file)?;
    let choices = import::Choices { overrides: import::Overrides::new(), sheets: (!args.sheets.is_empty()).then(|| args.sheets.clone()) };
    if let Some(out) = &args.rejects {
        // The rejects of the plan about to be applied (the same plan: nothing is written between).
        import::save_rejects(store, kind, &bytes, &choices, out)?;
    }
    let report = if args.dry_run {
        import::dry_run(store, kind, &bytes, &choices)?
    } else {
        import::apply(store, kind, &bytes, &choices, None, &mut |_, _| {})?
    };
    if args.json {
        print_json(&report);
    } else {
        print_import_report(&report, args.dry_run, lang);
    }
    Ok(if report.rejected == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The report as a person reads it: the sheets, sentences about whole columns, then each
/// rejected row not summed up by them, the rows left out, and the totals.
fn print_import_report(report: &import::ImportReport, dry_run: bool, lang: Lang) {
    let zh = lang == Lang::Zh;
    let pick = |zh_text: &str, en_text: &str| if zh { zh_text.to_string() } else { en_text.to_string() };
    let several = report.sheets.len() > 1;
    // A household list's one sheet is named too: its line says what groups the households.
    for sheet in report.sheets.iter().filter(|s| several || s.status != import::SheetStatus::Imported || s.household_key.is_some()) {
        say!("{}", pick(&sheet.message, &sheet.message_en));
    }
    for c in &report.columns {
        say!("{}", pick(&c.message, &c.message_en));
    }
    let rows: Vec<_> = report.row_errors_not_in_columns().collect();
    for e in &rows {
        if zh {
            say!("第 {} 行\t{}\t{}", e.reference, e.column, e.message);
        } else {
            say!("row {}\t{}\t{}", e.reference, e.column, e.message_en);
        }
    }
    const SHOWN: usize = 20;
    if !report.skipped.is_empty() {
        let list: Vec<String> = report.skipped.iter().take(SHOWN).map(|s| format!("{} {}", s.reference, pick(&s.message, &s.message_en))).collect();
        let more = report.skipped.len().saturating_sub(SHOWN);
        let tail = if more > 0 { pick(&format!("……另 {more} 行"), &format!("… and {more} more")) } else { String::new() };
        say!("{}{}{tail}", pick(&format!("跳过 {} 行（不是数据）：", report.skipped.len()), &format!("{} rows skipped (not records): ", report.skipped.len())), list.join(if zh { "；" } else { "; " }));
    }
    let verb = if dry_run { pick("（试运行，未写入）", " (dry run, nothing written)") } else { String::new() };
    if zh {
        say!("共 {} 行：新增 {}，更新 {}，未变 {}，拒绝 {}{verb}", report.rows, report.imported, report.updated, report.unchanged, report.rejected);
    } else {
        say!("{} rows: {} new, {} updated, {} unchanged, {} rejected{verb}", report.rows, report.imported, report.updated, report.unchanged, report.rejected);
    }
    if let Some(n) = report.not_on_poverty_list {
        say!("{}", pick(&format!("不在建档立卡名单中的在籍学生：{n} 人"), &format!("registered students not on the poverty list: {n}")));
    }
}
