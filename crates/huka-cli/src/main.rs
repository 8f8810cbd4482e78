//! `huka`: the command line over Huka's core.
//!
//! Exit status: 0 success, 1 input rejected (or the database refused), 2 usage error.
//! Errors are one sentence on stderr, in Chinese when the locale is Chinese, else English.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use huka_core::demo::DemoOptions;
use huka_core::school::SchoolInput;
use huka_core::import::{self, ImportKind};
use huka_core::{demo, household, paths, school, stats, Error, Lang, Store};

#[derive(Parser)]
#[command(name = "huka", version, about = "户卡 Huka — household cards for rural schools (command line)")]
struct Cli {
    /// The database file [default: the app's database, or $HUKA_DB]
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Set up the school of a new database
    Init {
        #[arg(long, value_name = "CODE")]
        school_code: String,
        #[arg(long, value_name = "NAME")]
        school_name: String,
        #[arg(long, value_name = "TOWN", default_value = "")]
        town: String,
        /// Supervision district (督学责任区)
        #[arg(long, value_name = "DISTRICT", default_value = "")]
        district: String,
    },
    /// Fill an empty database with a generated demo school
    Demo {
        #[arg(long, default_value_t = DemoOptions::default().students)]
        students: usize,
        #[arg(long, default_value_t = DemoOptions::default().seed)]
        seed: u64,
    },
    /// Household cards
    Households {
        #[command(subcommand)]
        command: HouseholdsCommand,
    },
    /// Import the student-registration roster (学籍名册) or the poverty-household list (建档立卡户名单)
    Import {
        #[command(subcommand)]
        what: ImportCommand,
    },
    /// Counts of records per kind
    Stats {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// The student-registration roster: one row per registered student
    Roster(ImportArgs),
    /// The registered-poor household list: one row per person
    Households(ImportArgs),
}

#[derive(clap::Args)]
struct ImportArgs {
    /// The spreadsheet: .xlsx, .xls or .csv (UTF-8 or GBK)
    file: PathBuf,
    /// Plan only: report what would happen, write nothing
    #[arg(long)]
    dry_run: bool,
    /// Write the rejected rows, with the reasons, to this .xlsx or .csv file
    #[arg(long, value_name = "OUT")]
    rejects: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum HouseholdsCommand {
    /// List households, optionally filtered by a search text (name, ID fragment, village …)
    List {
        #[arg(long, value_name = "TEXT", default_value = "")]
        search: String,
        #[arg(long, default_value_t = 100_000)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse(); // usage errors exit with status 2
    let lang = cli_language();
    match run(cli, lang) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("huka: {}", e.message(lang));
            ExitCode::from(if e.is_unreadable_file() { 2 } else { 1 })
        }
    }
}

fn cli_language() -> Lang {
    let locale = ["HUKA_LANG", "LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_default();
    if locale.starts_with("zh") {
        Lang::Zh
    } else {
        Lang::En
    }
}

fn run(cli: Cli, lang: Lang) -> Result<ExitCode, Error> {
    let path = cli.db.unwrap_or_else(paths::default_db_path);
    let mut store = Store::open(&path)?;
    match cli.command {
        Command::Init { school_code, school_name, town, district } => {
            let s = school::setup(&mut store, &SchoolInput { code: school_code, name: school_name, town, district })?;
            println!("{} {} — {}", s.code, s.name, path.display());
        }
        Command::Demo { students, seed } => {
            let st = demo::generate(&mut store, &DemoOptions { students, seed })?;
            println!(
                "{} households, {} members, {} students, {} teachers",
                st.households, st.members, st.students, st.teachers
            );
        }
        Command::Households { command: HouseholdsCommand::List { search, limit, json } } => {
            let rows = household::list(&store, &search, limit)?;
            if json {
                print_json(&rows);
            } else {
                for h in rows {
                    println!(
                        "{}\t{}\t{} {} {}\t{}\t{} 人\t{} 学生",
                        h.household_number,
                        h.head_name,
                        h.town,
                        h.village,
                        h.group,
                        h.status.as_str(),
                        h.member_count,
                        h.student_count
                    );
                }
            }
        }
        Command::Import { what } => {
            let (kind, args) = match what {
                ImportCommand::Roster(a) => (ImportKind::Roster, a),
                ImportCommand::Households(a) => (ImportKind::Households, a),
            };
            return import(&mut store, kind, &args, lang);
        }
        Command::Stats { json } => {
            let st = stats::get(&store)?;
            if json {
                print_json(&st);
            } else {
                println!("schools\t{}\nhouseholds\t{}\nmembers\t{}\nstudents\t{}\nteachers\t{}", st.schools, st.households, st.members, st.students, st.teachers);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn import(store: &mut Store, kind: ImportKind, args: &ImportArgs, lang: Lang) -> Result<ExitCode, Error> {
    let bytes = std::fs::read(&args.file)?;
    let none = import::Overrides::new();
    let report = if args.dry_run {
        import::dry_run(store, kind, &bytes, &none)?
    } else {
        import::apply(store, kind, &bytes, &none, None, &mut |_, _| {})?
    };
    if let Some(out) = &args.rejects {
        let (table, mapping) = import::open(store, kind, &bytes, &none)?;
        import::rejects::write(&table, &mapping, &report.errors, out)?;
    }
    if args.json {
        print_json(&report);
    } else {
        let zh = lang == Lang::Zh;
        for e in &report.errors {
            let message = if zh { &e.message } else { &e.message_en };
            if zh {
                println!("第 {} 行\t{}\t{}", e.row, e.column, message);
            } else {
                println!("row {}\t{}\t{}", e.row, e.column, message);
            }
        }
        let verb = if args.dry_run { if zh { "（试运行，未写入）" } else { " (dry run, nothing written)" } } else { "" };
        if zh {
            println!(
                "共 {} 行：新增 {}，更新 {}，未变 {}，拒绝 {}{verb}",
                report.rows, report.imported, report.updated, report.unchanged, report.rejected
            );
        } else {
            println!(
                "{} rows: {} new, {} updated, {} unchanged, {} rejected{verb}",
                report.rows, report.imported, report.updated, report.unchanged, report.rejected
            );
        }
        if let Some(n) = report.not_on_poverty_list {
            println!("{}", if zh { format!("不在建档立卡名单中的在籍学生：{n} 人") } else { format!("registered students not on the poverty list: {n}") });
        }
    }
    Ok(if report.rejected == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn print_json(value: &impl serde::Serialize) {
    println!("{}", serde_json::to_string_pretty(value).expect("serializable"));
}
