//! `huka`: the command line over Huka's core.
//!
//! Exit status: 0 success, 1 input rejected (or the database refused, or a bundle invalid),
//! 2 usage error. Errors are one sentence on stderr, in Chinese when the locale is Chinese,
//! else English. A passphrase comes from `$HUKA_PASSPHRASE`, or is asked on the terminal (a
//! line of standard input when there is no terminal).

use std::path::PathBuf;

macro_rules! say {
    ($($arg:tt)*) => { write_line(format_args!($($arg)*)) };
}
use std::process::ExitCode;

mod archive;

use clap::{Parser, Subcommand};
use huka_core::demo::DemoOptions;
use huka_core::school::SchoolInput;
use huka_core::import::{self, ImportKind};
use chrono::NaiveDate;
use huka_core::term::Term;
use huka_core::dropout::{self, CaseFilter, IsoWeek, WeekReport, WeekState};
use huka_core::visit::{self, VisitFilter};
use huka_core::bundle::{self, verify::VerifyReport, Limits, TrustedKey};
use huka_core::county::{self, Outcome, RegisterInput};
use huka_core::settings::{self, Mode};
use huka_core::signing::{self, KeyInfo, PublicKeyFile};
use huka_core::{aid, coverage, demo, household, paths, reconcile, school, stats, Error, Lang, Problem, RecordId, Store};

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
    /// Set up the school of a new database (with $HUKA_PASSPHRASE set, its signing key too)
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
    /// The term's paper archive (档案): a PDF per household card and the school's volume
    Archive(archive::ArchiveArgs),
    /// Counts of records per kind
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// The school's signing key (for the county bundle)
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Export the signed summary bundle for the county
    Export {
        #[command(subcommand)]
        what: ExportCommand,
    },
    /// Check a bundle and its .minisig signature against a school's public key (needs no database)
    Verify {
        /// The .huka.zip file; its .minisig must be beside it
        bundle: PathBuf,
        /// The school's public key file (.pub)
        #[arg(long, value_name = "FILE")]
        pubkey: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// The county reviewer's side: register schools' keys, ingest bundles, report
    /// (a new database used here becomes a county database)
    County {
        #[command(subcommand)]
        command: CountyCommand,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Create the school's signing key, protected by a passphrase the principal chooses
    Create {
        #[arg(long)]
        json: bool,
    },
    /// Replace the key by a new one; the old public key is kept so older bundles still verify
    Rotate {
        #[arg(long)]
        json: bool,
    },
    /// Show the current key, its fingerprint and the retired keys (the cover sheet's data)
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Write the current public key to a .pub file for the county
    Export {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// The term's signed summary for the county bureau: <code>-<term>-<yyyymmdd>.huka.zip and its .minisig
    County {
        /// The term, like 2026-autumn or 2027-spring
        #[arg(long, value_parser = parse_term)]
        term: Term,
        /// The folder to write into (a USB stick)
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum CountyCommand {
    /// Register a school's public key (check its fingerprint against the stamped cover sheet)
    Register {
        #[arg(long, value_name = "FILE")]
        pubkey: PathBuf,
        /// The school code [default: the one the .pub file names]
        #[arg(long, value_name = "CODE", default_value = "")]
        school_code: String,
        #[arg(long, value_name = "NAME", default_value = "")]
        name: String,
        #[arg(long, value_name = "TOWN", default_value = "")]
        town: String,
        /// Supervision district (督学责任区)
        #[arg(long, value_name = "DISTRICT", default_value = "")]
        district: String,
        #[arg(long)]
        json: bool,
    },
    /// Verify and ingest bundles: .huka.zip files, or folders searched for them
    Ingest {
        #[arg(required = true, value_name = "DIR_OR_FILE")]
        paths: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// The registered schools and their keys
    Schools {
        #[arg(long)]
        json: bool,
    },
    /// Write the county's summary workbook (.xlsx)
    Report {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The term [default: the latest term with bundles]
        #[arg(long, value_parser = parse_term)]
        term: Option<Term>,
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

/// The computer's own date: what "today" means to the people at the school (not UTC's).
fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
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
    // Checking a bundle needs no database: the reviewer may hold only the school's .pub.
    if let Command::Verify { bundle, pubkey, json } = &cli.command {
        return verify(bundle, pubkey, *json, lang);
    }
    let path = cli.db.unwrap_or_else(paths::default_db_path);
    let mut store = Store::open(&path)?;
    match cli.command {
        Command::Verify { .. } => unreachable!("handled above"),
        Command::Init { school_code, school_name, town, district } => {
            let s = school::setup(&mut store, &SchoolInput { code: school_code, name: school_name, town, district })?;
            say!("{} {} — {}", s.code, s.name, path.display());
            if let Some(passphrase) = env_passphrase() {
                let key = signing::create(&mut store, &passphrase)?;
                print_key(&key, lang);
            }
        }
        Command::Key { command } => return key(&mut store, command, lang),
        Command::Export { what: ExportCommand::County { term, out, json } } => {
            let today = today();
            // Fail before asking for a passphrase when there is nothing to sign with.
            bundle::preview(&store, term, today)?.key_id.ok_or(Error::NoSigningKey)?;
            let passphrase = passphrase(false, lang)?;
            let exported = bundle::export(&store, term, today, &passphrase, &out)?;
            // Read back from the stick before saying it is done.
            let verified = bundle::verify_written(&store, &exported)?;
            if json {
                print_json(&serde_json::json!({ "exported": exported, "verified": verified.report() }));
            } else {
                say!("{}", exported.bundle_path.display());
            }
        }
        Command::County { command } => return county(&mut store, command, lang),
        Command::Archive(args) => return archive::run(&mut store, args, lang),
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
            let today = today();
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
            let today = today();
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
            let today = today();
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
            let today = today();
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

fn env_passphrase() -> Option<String> {
    std::env::var("HUKA_PASSPHRASE").ok().filter(|p| !p.is_empty())
}

/// The passphrase: `$HUKA_PASSPHRASE`, else asked on the terminal without echo (twice for a
/// new key), else one line of standard input.
fn passphrase(new_key: bool, lang: Lang) -> Result<String, Error> {
    use std::io::IsTerminal;
    if let Some(p) = env_passphrase() {
        return Ok(p);
    }
    let zh = lang == Lang::Zh;
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(if zh { "签名密钥口令：" } else { "Signing key passphrase: " })?;
        if new_key {
            let again = rpassword::prompt_password(if zh { "再输入一次：" } else { "Once more: " })?;
            if again != first {
                return Err(Error::invalid("passphrase", Problem::PassphraseMismatch));
            }
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

fn print_key(key: &KeyInfo, lang: Lang) {
    if lang == Lang::Zh {
        say!("密钥编号\t{}\n指纹\t{}", key.key_id, key.fingerprint);
    } else {
        say!("key id\t{}\nfingerprint\t{}", key.key_id, key.fingerprint);
    }
}

fn key(store: &mut Store, command: KeyCommand, lang: Lang) -> Result<ExitCode, Error> {
    match command {
        KeyCommand::Create { json } | KeyCommand::Rotate { json } => {
            let rotate = matches!(command, KeyCommand::Rotate { .. });
            // Refuse before asking for a passphrase when the answer is known.
            let has = signing::current(store)?.is_some();
            if school::get(store)?.is_none() {
                return Err(Error::SchoolNotSetUp);
            }
            if has && !rotate {
                return Err(Error::SigningKeyExists);
            }
            if !has && rotate {
                return Err(Error::NoSigningKey);
            }
            let passphrase = passphrase(true, lang)?;
            let key = if rotate { signing::rotate(store, &passphrase)? } else { signing::create(store, &passphrase)? };
            if json {
                print_json(&key);
            } else {
                print_key(&key, lang);
            }
        }
        KeyCommand::Show { json } => {
            let sheet = signing::cover_sheet(store)?;
            if json {
                print_json(&sheet);
            } else {
                say!("{} {}", sheet.school.code, sheet.school.name);
                print_key(&sheet.key, lang);
                say!("{}", sheet.public_key_file.trim_end());
                for k in &sheet.retired {
                    let retired = k.retired_at.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default();
                    say!("{}\t{}\t{}", if lang == Lang::Zh { "已停用" } else { "retired" }, k.key_id, retired);
                }
            }
        }
        KeyCommand::Export { out } => {
            let key = signing::write_public_key(store, &out)?;
            say!("{}", out.display());
            print_key(&key, lang);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn verify(bundle_path: &std::path::Path, pubkey: &std::path::Path, json: bool, lang: Lang) -> Result<ExitCode, Error> {
    let key = PublicKeyFile::read(pubkey)?;
    let school_code = key.school_code.clone();
    let result = bundle::verify_file(bundle_path, &[TrustedKey { key, school_code }], &Limits::default());
    match result {
        Ok(v) => {
            let r: VerifyReport = v.report();
            if json {
                print_json(&r);
            } else {
                let f = &r.summary.figures;
                if lang == Lang::Zh {
                    say!("有效\t{}\n学校\t{} {}\n学期\t{}\n导出时间\t{}\n密钥\t{}", r.file_name, r.manifest.school.code, r.manifest.school.name, r.manifest.term, bundle::format::time_text(r.manifest.created_at), r.key_id);
                    say!("在读学生\t{}\n建档立卡等学生\t{}", f.students.enrolled, f.students.registered_poor);
                } else {
                    say!("valid\t{}\nschool\t{} {}\nterm\t{}\nexported\t{}\nkey\t{}", r.file_name, r.manifest.school.code, r.manifest.school.name, r.manifest.term, bundle::format::time_text(r.manifest.created_at), r.key_id);
                    say!("students enrolled\t{}\nregistered-poor students\t{}", f.students.enrolled, f.students.registered_poor);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ Error::Bundle(_)) if json => {
            print_json(&serde_json::json!({ "valid": false, "reason": e.report() }));
            eprintln!("huka: {}", e.message(lang));
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e),
    }
}

fn county(store: &mut Store, command: CountyCommand, lang: Lang) -> Result<ExitCode, Error> {
    // A fresh database used for county work becomes the county's; a school's stays a school's
    // (and the core refuses it).
    if settings::mode(store)? == Mode::School && school::get(store)?.is_none() && stats::get(store)?.households == 0 {
        county::setup(store)?;
    }
    let zh = lang == Lang::Zh;
    match command {
        CountyCommand::Register { pubkey, school_code, name, town, district, json } => {
            let public_key = std::fs::read_to_string(&pubkey).map_err(|_| Error::BadPublicKey)?;
            let r = county::register(store, &RegisterInput { public_key, code: school_code, name, town, district })?;
            if json {
                print_json(&r);
            } else {
                let state = match (r.new_school, r.new_key, zh) {
                    (_, false, true) => "已登记过，未改动",
                    (_, false, false) => "already registered, unchanged",
                    (true, _, true) => "新登记学校",
                    (true, _, false) => "new school",
                    (false, _, true) => "已为该校加登新公钥",
                    (false, _, false) => "new key added to the school",
                };
                say!("{}\t{}\t{}\t{}", r.school.code, r.key_id, r.fingerprint, state);
            }
        }
        CountyCommand::Ingest { paths, json } => {
            let report = county::ingest(store, &paths)?;
            if json {
                print_json(&report);
            } else {
                for v in &report.verdicts {
                    match &v.outcome {
                        Outcome::Accepted { school, term, exported_at, replaced } => {
                            let replaced = replaced.as_ref().map(|r| if zh { format!("（替换 {r} 的包）") } else { format!(" (replaces the bundle of {r})") }).unwrap_or_default();
                            say!("{}\t{}\t{school} {term} {exported_at}{replaced}", if zh { "已接收" } else { "accepted" }, v.file);
                        }
                        Outcome::Unchanged { school, term, exported_at } => {
                            say!("{}\t{}\t{school} {term} {exported_at}", if zh { "已有，未变" } else { "unchanged" }, v.file);
                        }
                        Outcome::Rejected { reason } => {
                            say!("{}\t{}\t{}", if zh { "拒收" } else { "rejected" }, v.file, if zh { &reason.message } else { &reason.message_en });
                        }
                    }
                }
                if zh {
                    say!("共 {} 个：接收 {}，未变 {}，拒收 {}", report.verdicts.len(), report.accepted, report.unchanged, report.rejected);
                } else {
                    say!("{} bundles: {} accepted, {} unchanged, {} rejected", report.verdicts.len(), report.accepted, report.unchanged, report.rejected);
                }
            }
            return Ok(if report.rejected == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) });
        }
        CountyCommand::Schools { json } => {
            let list = county::schools(store)?;
            if json {
                print_json(&list);
            } else {
                for s in list {
                    let keys: Vec<&str> = s.keys.iter().map(|k| k.key_id.as_str()).collect();
                    say!("{}\t{}\t{}\t{}\t{}", s.code, s.name, s.town, s.district, keys.join(","));
                }
            }
        }
        CountyCommand::Report { out, term, json } => {
            let term = match term {
                Some(t) => t,
                None => *county::terms(store)?.first().ok_or(Error::NotFound { kind: "bundle" })?,
            };
            let a = county::write_report(store, term, &out)?;
            if json {
                print_json(&a);
            } else if zh {
                say!("{}\n{term}：已报送 {} / 已登记 {} 所学校；跨校重复身份证号 {} 个", out.display(), a.schools_reporting, a.schools_registered, a.duplicates.len());
            } else {
                say!("{}\n{term}: {} of {} registered schools reported; {} ID numbers listed by two schools", out.display(), a.schools_reporting, a.schools_registered, a.duplicates.len());
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
    let today = today();
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
