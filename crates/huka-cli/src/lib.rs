//! `huka`: the command line over Huka's core, one module per noun (as the window's
//! `src-tauri/src/commands/`), each owning its subcommands and their output.
//!
//! Exit status: 0 success, 1 input rejected (or the database refused, a login refused, a
//! bundle invalid), 2 usage error (or no database at the path, or a file that cannot be read).
//! Errors are one sentence on stderr, in Chinese when the locale is Chinese, else English.
//!
//! Every command that opens a database logs in first: `--user NAME` or `$HUKA_USER`, the
//! password from `$HUKA_PASSWORD` or the terminal. Only `init` creates a database. A signing
//! key's passphrase comes from `$HUKA_PASSPHRASE`, or the terminal (or one line of stdin).

mod args;
mod out;
mod secret;

mod account;
mod aid;
mod archive;
mod audit;
mod backup;
mod bundle;
mod county;
mod coverage;
mod demo;
mod dropout;
mod household;
mod import;
mod reconcile;
mod school;
mod session;
mod signing;
mod sync;
mod visit;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use huka_core::{paths, Error, Lang};

#[derive(Parser)]
// The version `huka --version` prints: the package's, when scripts/package.sh builds one with
// another number (the clean-system test's "previous version"), else the crate's.
#[command(name = "huka", bin_name = "huka", version = option_env!("HUKA_PACKAGE_VERSION").unwrap_or(env!("CARGO_PKG_VERSION")), about = "户卡 Huka — household cards for rural schools (command line)")]
struct Cli {
    /// The database file [default: the app's database, or $HUKA_DB]
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,
    /// The account to log in as [default: $HUKA_USER]; the password comes from
    /// $HUKA_PASSWORD or the terminal
    #[arg(long, global = true, value_name = "NAME")]
    user: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Set up a new database: a school and its principal (with $HUKA_PASSPHRASE set, its
    /// signing key too), or a county and its reviewer. Prints the recovery code once
    Init(session::InitArgs),
    /// Encrypt a database from before accounts, making the principal's account
    Encrypt(session::EncryptArgs),
    /// Write an encrypted backup (the same passwords open it) into a folder
    Backup(backup::BackupArgs),
    /// Restore a backup: shows what it holds, keeps the current database as a dated copy,
    /// refuses another school's unless --force; with no database at the path, makes it
    Restore(backup::RestoreArgs),
    /// The audit trail: who changed what and when; verify its chain
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Accounts: list, add, disable, set a password (or reset the principal's with the recovery code)
    Users {
        #[command(subcommand)]
        command: account::UsersCommand,
    },
    /// Fill an empty database with a generated demo school
    Demo(demo::DemoArgs),
    /// Household cards
    Households {
        #[command(subcommand)]
        command: household::HouseholdsCommand,
    },
    /// Import the student-registration roster (学籍名册) or the poverty-household list (建档立卡户名单)
    Import {
        #[command(subcommand)]
        what: import::ImportCommand,
    },
    /// Home visits (家访)
    Visits {
        #[command(subcommand)]
        command: visit::VisitsCommand,
    },
    /// The term's coverage: students with no pairing, no plan, no visit; overdue reviews and follow-ups
    Coverage(coverage::CoverageArgs),
    /// Financial aid (资助)
    Aid {
        #[command(subcommand)]
        command: aid::AidCommand,
    },
    /// Compare the roster, the poverty-household list and the aid grants (三表比对)
    Reconcile(reconcile::ReconcileArgs),
    /// Dropout prevention (控辍保学): the weekly zero report (零报告) and the cases
    Dropout {
        #[command(subcommand)]
        command: dropout::DropoutCommand,
    },
    /// The term's paper archive (档案): a PDF per household card and the school's volume
    Archive(archive::ArchiveArgs),
    /// Counts of records per kind
    Stats(school::StatsArgs),
    /// The school's signing key (for the county bundle)
    Key {
        #[command(subcommand)]
        command: signing::KeyCommand,
    },
    /// Export the signed summary bundle for the county
    Export {
        #[command(subcommand)]
        what: bundle::ExportCommand,
    },
    /// Check a bundle and its .minisig signature against a school's public key (needs no database)
    Verify(bundle::VerifyArgs),
    /// Several computers, one school: change files on a USB stick (同步); reading one into a
    /// path with no database joins the school
    Sync {
        #[command(subcommand)]
        command: sync::SyncCommand,
    },
    /// The county reviewer's side: register schools' keys, ingest bundles, report
    /// (a new database used here becomes a county database)
    County {
        #[command(subcommand)]
        command: county::CountyCommand,
    },
}

/// Runs the command line on this process's arguments: the `huka` binary, and the window's
/// executable when it is started with a command (`huka-app stats`, or through the `huka` link).
pub fn main() -> ExitCode {
    let cli = Cli::parse(); // usage errors exit with status 2
    let lang = cli_language();
    match run(cli, lang) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("huka: {}", e.message(lang));
            ExitCode::from(if e.is_unreadable_file() || e.is_usage() { 2 } else { 1 })
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
    let path = || cli.db.clone().unwrap_or_else(paths::default_db_path);
    // What needs no login: checking a bundle (no database at all), making or converting a
    // database, and the recovery code.
    let command = match cli.command {
        Command::Verify(args) => return bundle::verify(args, lang),
        Command::Init(args) => return session::init(&path(), args, lang),
        Command::Encrypt(args) => return session::encrypt(&path(), args, lang),
        Command::Restore(args) => return backup::restore(&path(), cli.user.clone(), args, lang),
        Command::Users { command: account::UsersCommand::Passwd(args) } if args.recovery.is_some() => {
            return account::recover(&path(), args, lang)
        }
        Command::Sync { command } if command.joins(&path()) => return sync::join(&path(), cli.user.clone(), command, lang),
        command => command,
    };
    let mut store = session::login(&path(), cli.user.clone(), lang)?;
    let store = &mut store;
    match command {
        Command::Verify(_) | Command::Init(_) | Command::Encrypt(_) | Command::Restore(_) => unreachable!("handled above"),
        Command::Backup(args) => backup::backup(store, args, lang),
        Command::Users { command } => account::run(store, command, lang),
        Command::Audit { command } => audit::run(store, command, lang),
        Command::Demo(args) => demo::run(store, args, lang),
        Command::Households { command } => household::run(store, command, lang),
        Command::Import { what } => import::run(store, what, lang),
        Command::Visits { command } => visit::run(store, command, lang),
        Command::Coverage(args) => coverage::run(store, args, lang),
        Command::Aid { command } => aid::run(store, command, lang),
        Command::Reconcile(args) => reconcile::run(store, args, lang),
        Command::Dropout { command } => dropout::run(store, command, lang),
        Command::Archive(args) => archive::run(store, args, lang),
        Command::Stats(args) => school::stats(store, args, lang),
        Command::Key { command } => signing::run(store, command, lang),
        Command::Export { what } => bundle::run(store, what, lang),
        Command::County { command } => county::run(store, command, lang),
        Command::Sync { command } => sync::run(store, command, lang),
    }
}
