//! `huka`: the command line over Huka's core.
//!
//! Exit status: 0 success, 1 input rejected (or the database refused), 2 usage error.
//! Errors are one sentence on stderr, in Chinese when the locale is Chinese, else English.

use std::path::PathBuf;

macro_rules! say {
    ($($arg:tt)*) => { write_line(format_args!($($arg)*)) };
}
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use huka_core::demo::DemoOptions;
use huka_core::school::SchoolInput;
use huka_core::import::{self, ImportKind};
use chrono::NaiveDate;
use huka_core::term::Term;
use huka_core::dropout::{self, CaseFilter, IsoWeek, WeekReport, WeekState};
use huka_core::visit::{self, VisitFilter};
use huka_core::{aid, coverage, demo, reconcile, household, paths, school, stats, Error, Lang, RecordId, Store};

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
    /// Home visits (家访)
    Visits {
        #[command(subcommand)]
        command: VisitsCommand,
    },
    /// The term's coverage: students with no pairing, no plan, no visit; overdue reviews and follow-ups
    Coverage {
        /// The term, like 2026-autumn or 2027-spring [default: the current term]
        #[arg(long, value_parser = parse_term)]
        term: Option<Term>,
        #[arg(long)]
        json: bool,
    },
    /// Financial aid (资助)
    Aid {
        #[command(subcommand)]
        command: AidCommand,
    },
    /// Compare the roster, the poverty-household list and the aid grants (三表比对)
    Reconcile {
        /// The term whose grants count [default: the current term]
        #[arg(long, value_parser = parse_term)]
        term: Option<Term>,
        /// Include mismatches already resolved or dismissed
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Dropout prevention (控辍保学): the weekly zero report (零报告) and the cases
    Dropout {
        #[command(subcommand)]
        command: DropoutCommand,
    },
    /// Counts of records per kind
    Stats {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum VisitsCommand {
    /// List visits, newest first
    List {
        /// Only visits by this teacher (the teacher's id)
        #[arg(long, value_name = "ID", value_parser = parse_id)]
        teacher: Option<RecordId>,
        /// Only visits on or after this date (YYYY-MM-DD)
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        since: Option<NaiveDate>,
        #[arg(long, default_value_t = 100_000)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum AidCommand {
    /// Students due a grant, covered and missed (漏助), per programme and overall
    Coverage {
        /// The term, like 2026-autumn [default: the current term]
        #[arg(long, value_parser = parse_term)]
        term: Option<Term>,
        #[arg(long)]
        json: bool,
    },
    /// The grants of a term
    Grants {
        #[arg(long, value_parser = parse_term)]
        term: Option<Term>,
        #[arg(long, default_value_t = 100_000)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum DropoutCommand {
    /// A week's report: enrolment, new dropouts, returns, open cases; --confirm --by NAME keeps it as confirmed
    Week {
        /// The ISO week, like 2026-W48 [default: this week]
        #[arg(long, value_parser = parse_week)]
        week: Option<IsoWeek>,
        /// Confirm the week's numbers (the principal does), with --by
        #[arg(long, requires = "by")]
        confirm: bool,
        /// Who confirms: the principal's name
        #[arg(long, value_name = "NAME", requires = "confirm")]
        by: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The cases: name, class, reason, status (never ID numbers)
    List {
        /// Only open cases
        #[arg(long)]
        open: bool,
        #[arg(long)]
        json: bool,
    },
}

fn parse_week(s: &str) -> Result<IsoWeek, String> {
    IsoWeek::parse(s).ok_or_else(|| "a week looks like 2026-W48".to_string())
}

fn parse_term(s: &str) -> Result<Term, String> {
    Term::parse(s).ok_or_else(|| "a term looks like 2026-autumn or 2027-spring".to_string())
}

fn parse_id(s: &str) -> Result<RecordId, String> {
    RecordId::parse(s).ok_or_else(|| "not a record id".to_string())
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| "a date looks like 2026-09-01".to_string())
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
            say!("{} {} — {}", s.code, s.name, path.display());
        }
        Command::Demo { students, seed } => {
            let st = demo::generate(&mut store, &DemoOptions { students, seed })?;
            say!(
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
                    say!(
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
        Command::Visits { command: VisitsCommand::List { teacher, since, limit, json } } => {
            let rows = visit::list(&store, &VisitFilter { teacher, since, household: None }, limit)?;
            if json {
                print_json(&rows);
            } else {
                for v in rows {
                    say!("{}\t{}\t{}\t{}\t{}", v.visit_date, v.head_name, v.village, v.mode.as_str(), v.teachers.join("、"));
                }
            }
        }
        Command::Coverage { term, json } => {
            let today = chrono::Utc::now().date_naive();
            let c = coverage::compute(&store, term.unwrap_or_else(|| Term::of(today)), today, i64::MAX as usize)?;
            if json {
                print_json(&c);
            } else {
                say!(
                    "{}: {} students; no pairing {}, no plan in force {}, no visit {}, reviews overdue {}, follow-ups overdue {}",
                    c.term,
                    c.students,
                    c.no_pairing.count,
                    c.no_active_plan.count,
                    c.no_visit.count,
                    c.reviews_overdue.count,
                    c.follow_ups_overdue.count
                );
            }
        }
        Command::Aid { command: AidCommand::Coverage { term, json } } => {
            let today = chrono::Utc::now().date_naive();
            let c = aid::coverage(&store, term.unwrap_or_else(|| Term::of(today)), usize::MAX)?;
            if json {
                print_json(&c);
            } else {
                let rate = |due: usize, covered: usize| if due == 0 { "—".to_string() } else { format!("{:.1}%", covered as f64 * 100.0 / due as f64) };
                say!("{}: due {}, covered {} ({}), missed {}, granted {} yuan, paid {} yuan", c.term, c.due, c.covered, rate(c.due, c.covered), c.due - c.covered, aid::yuan(c.amount_fen), aid::yuan(c.paid_fen));
                for p in c.programmes.iter().filter(|p| p.due > 0 || p.grants > 0) {
                    say!("{}\t{}\tdue {}\tcovered {}\tmissed {}\tgrants {}\tpaid {}\t{} yuan", p.code, p.name, p.due, p.covered, p.missed, p.grants, p.paid, aid::yuan(p.amount_fen));
                }
            }
        }
        Command::Aid { command: AidCommand::Grants { term, limit, json } } => {
            let today = chrono::Utc::now().date_naive();
            let filter = aid::GrantFilter { term: Some(term.unwrap_or_else(|| Term::of(today))), ..Default::default() };
            let rows = aid::grants(store.conn(), &filter, limit)?;
            if json {
                print_json(&rows);
            } else {
                for g in &rows {
                    say!("{}\t{}\t{}\t{}\t{}\t{}", g.meta.id, g.student_name, g.class_name, g.programme_name, aid::yuan(g.amount_fen), g.status.as_str());
                }
            }
        }
        Command::Reconcile { term, all, json } => {
            let today = chrono::Utc::now().date_naive();
            let mut r = reconcile::reconcile(&store, term.unwrap_or_else(|| Term::of(today)), today)?;
            if !all {
                r.mismatches.retain(|m| m.decision.is_none());
            }
            if json {
                print_json(&r);
            } else {
                say!(
                    "{}: roster {} rows; unregistered {}, phantom {}, duplicate {}, no aid {} (open)",
                    r.term, r.roster_rows, r.unregistered.open, r.phantom.open, r.duplicate.open, r.no_aid.open
                );
                for m in &r.mismatches {
                    say!("{}\t{}\t{}\t{}\t{}", m.kind.as_str(), m.name, m.class_name, m.resident_id_masked, m.reason.message(lang));
                }
            }
        }
        Command::Dropout { command } => dropout(&mut store, command, lang)?,
        Command::Stats { json } => {
            let st = stats::get(&store)?;
            if json {
                print_json(&st);
            } else {
                say!(
                    "schools\t{}\nhouseholds\t{}\nmembers\t{}\nstudents\t{}\nteachers\t{}\npairings\t{}\nvisits\t{}\nplans\t{}",
                    st.schools, st.households, st.members, st.students, st.teachers, st.pairings, st.visits, st.plans
                );
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
                say!("第 {} 行\t{}\t{}", e.row, e.column, message);
            } else {
                say!("row {}\t{}\t{}", e.row, e.column, message);
            }
        }
        let verb = if args.dry_run { if zh { "（试运行，未写入）" } else { " (dry run, nothing written)" } } else { "" };
        if zh {
            say!(
                "共 {} 行：新增 {}，更新 {}，未变 {}，拒绝 {}{verb}",
                report.rows, report.imported, report.updated, report.unchanged, report.rejected
            );
        } else {
            say!(
                "{} rows: {} new, {} updated, {} unchanged, {} rejected{verb}",
                report.rows, report.imported, report.updated, report.unchanged, report.rejected
            );
        }
        if let Some(n) = report.not_on_poverty_list {
            say!("{}", if zh { format!("不在建档立卡名单中的在籍学生：{n} 人") } else { format!("registered students not on the poverty list: {n}") });
        }
    }
    Ok(if report.rejected == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn dropout(store: &mut Store, command: DropoutCommand, lang: Lang) -> Result<(), Error> {
    // The computer's own calendar, as the window uses.
    let today = chrono::Local::now().date_naive();
    let zh = lang == Lang::Zh;
    match command {
        DropoutCommand::Week { week, confirm, by, json } => {
            let week = week.unwrap_or_else(|| IsoWeek::of(today));
            let report = if confirm {
                dropout::confirm_week(store, week, by.as_deref().unwrap_or_default(), today)?
            } else {
                dropout::week_report(store, week, today)?
            };
            if json {
                print_json(&report);
            } else {
                print_week(&report, lang);
            }
        }
        DropoutCommand::List { open, json } => {
            let cases = dropout::list(store.conn(), &CaseFilter { open_only: open, ..CaseFilter::default() }, today)?;
            if json {
                print_json(&cases);
            } else {
                for c in cases {
                    let class = match (c.grade, zh) {
                        (Some(g), true) => format!("{g}年级{}", c.class_name),
                        (Some(g), false) => format!("grade {g} {}", c.class_name),
                        (None, _) => c.class_name.clone(),
                    };
                    let status = match (c.outcome, c.outcome_date) {
                        (Some(o), Some(d)) => format!("{} {d}", o.label(lang)),
                        (Some(o), None) => o.label(lang).to_string(),
                        (None, _) => c.kind.label(lang).to_string(),
                    };
                    let open = match (c.open, zh) {
                        (true, true) => "未结案",
                        (true, false) => "open",
                        (false, true) => "已结案",
                        (false, false) => "closed",
                    };
                    say!("{}\t{class}\t{}\t{status}\t{open}\t{}", c.name, c.reason.label(lang), c.reported_date);
                }
            }
        }
    }
    Ok(())
}

fn print_week(r: &WeekReport, lang: Lang) {
    let s = &r.status;
    let n = &s.numbers;
    let names = |cases: &[dropout::WeekCase]| cases.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join("、");
    if lang == Lang::Zh {
        say!("{}（{} 至 {}）{}", s.week, s.start, s.end, if s.zero { "零报告" } else { "" });
        say!("在籍学生 {}，新增辍学 {}，返校 {}，未结案 {}", n.enrolment, n.new_dropouts, n.returns, n.open_cases);
        if !r.dropouts.is_empty() {
            say!("新增辍学：{}", names(&r.dropouts));
        }
        if !r.returned.is_empty() {
            say!("返校：{}", names(&r.returned));
        }
        match (&s.confirmed, s.state) {
            (Some(c), _) => say!("已确认：{}（{}）", c.by, c.at.format("%Y-%m-%d %H:%M UTC")),
            (None, WeekState::Missing) => say!("未确认"),
            (None, _) => say!("本周尚未确认"),
        }
        if let Some(now) = s.recomputed {
            say!("确认后记录有变化，现为：在籍学生 {}，新增辍学 {}，返校 {}，未结案 {}", now.enrolment, now.new_dropouts, now.returns, now.open_cases);
        }
    } else {
        say!("{} ({} – {}){}", s.week, s.start, s.end, if s.zero { " zero report" } else { "" });
        say!("enrolment {}, new dropouts {}, returns {}, open cases {}", n.enrolment, n.new_dropouts, n.returns, n.open_cases);
        if !r.dropouts.is_empty() {
            say!("new dropouts: {}", names(&r.dropouts));
        }
        if !r.returned.is_empty() {
            say!("returned: {}", names(&r.returned));
        }
        match (&s.confirmed, s.state) {
            (Some(c), _) => say!("confirmed by {} at {}", c.by, c.at.format("%Y-%m-%d %H:%M UTC")),
            (None, WeekState::Missing) => say!("not confirmed"),
            (None, _) => say!("not confirmed yet"),
        }
        if let Some(now) = s.recomputed {
            say!(
                "the records changed since: now enrolment {}, new dropouts {}, returns {}, open cases {}",
                now.enrolment, now.new_dropouts, now.returns, now.open_cases
            );
        }
    }
}

fn print_json(value: &impl serde::Serialize) {
    say!("{}", serde_json::to_string_pretty(value).expect("serializable"));
}

/// Writes a line to stdout. A closed pipe (`huka … | head`) ends the program quietly
/// instead of panicking the way `println!` does.
fn write_line(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(line).and_then(|()| out.write_all(b"\n")) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("huka: {e}");
        std::process::exit(1);
    }
}
