//! Opening the database as someone: `init` (a new school or county and its first account),
//! `encrypt` (a database from before accounts), and the login every other command does.

use std::path::Path;
use std::process::ExitCode;

use huka_core::school::SchoolInput;
use huka_core::session::{self, FirstAccount, Setup};
use huka_core::{signing, Error, Lang, Store};

use crate::out::{print_json, say};
use crate::secret::{env_passphrase, new_password, password};

#[derive(clap::Args)]
pub struct InitArgs {
    /// The school's code (a school installation)
    #[arg(long, value_name = "CODE", required_unless_present = "county_name", requires = "school_name")]
    school_code: Option<String>,
    #[arg(long, value_name = "NAME")]
    school_name: Option<String>,
    #[arg(long, value_name = "TOWN", default_value = "")]
    town: String,
    /// Supervision district (督学责任区)
    #[arg(long, value_name = "DISTRICT", default_value = "")]
    district: String,
    /// The principal's login name (and shown name): the first account
    #[arg(long, value_name = "NAME", required_unless_present = "county_name", conflicts_with = "county_name")]
    principal: Option<String>,
    /// The county's name (a county installation, instead of a school)
    #[arg(long, value_name = "NAME", conflicts_with_all = ["school_code", "school_name"], requires = "reviewer")]
    county_name: Option<String>,
    /// The county reviewer's login name: the first account of a county installation
    #[arg(long, value_name = "NAME")]
    reviewer: Option<String>,
}

/// Sets up a new database at `path`: encrypted, with its first account, whose password
/// comes from `$HUKA_PASSWORD` or the terminal. Prints the recovery code once, on its own
/// line. With `$HUKA_PASSPHRASE` set, a school's signing key is made too.
pub fn init(path: &Path, args: InitArgs, lang: Lang) -> Result<ExitCode, Error> {
    let zh = lang == Lang::Zh;
    let login = args.principal.clone().or(args.reviewer.clone()).unwrap_or_default();
    let first = FirstAccount { name: login.clone(), login, password: new_password(true, lang)? };
    let school;
    let setup = match &args.county_name {
        Some(name) => Setup::County { name },
        None => {
            school = SchoolInput {
                code: args.school_code.unwrap_or_default(),
                name: args.school_name.unwrap_or_default(),
                town: args.town,
                district: args.district,
            };
            Setup::School(&school)
        }
    };
    let (mut store, code) = session::create(path, setup, &first)?;
    match huka_core::school::get(&store)? {
        Some(s) => say!("{} {} — {}", s.code, s.name, path.display()),
        None => say!("{} — {}", huka_core::settings::county_name(&store)?, path.display()),
    }
    say!("{}", if zh { "恢复码（只显示这一次，请打印后放入学校保险柜）：" } else { "Recovery code (shown this once: print it and keep it in the school safe):" });
    say!("{}", code.as_str());
    if let (Some(passphrase), Some(_)) = (env_passphrase(), huka_core::school::get(&store)?) {
        let key = signing::create(&mut store, &passphrase)?;
        crate::signing::print_key(&key, lang);
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub struct EncryptArgs {
    /// The principal's login name: the first account, made as the database is encrypted
    #[arg(long, value_name = "NAME")]
    principal: String,
    #[arg(long)]
    json: bool,
}

/// Converts an unencrypted database (from before accounts) in place.
pub fn encrypt(path: &Path, args: EncryptArgs, lang: Lang) -> Result<ExitCode, Error> {
    let zh = lang == Lang::Zh;
    let first = FirstAccount { login: args.principal.clone(), name: args.principal, password: new_password(true, lang)? };
    let (_store, code, conversion) = session::convert(path, &first)?;
    if args.json {
        print_json(&serde_json::json!({ "recoveryCode": code.as_str(), "counts": conversion.counts }));
        return Ok(ExitCode::SUCCESS);
    }
    say!(
        "{}",
        if zh {
            "已加密，所有记录都已核对无误。注意：以前的备份和 U 盘上的副本仍是未加密的。"
        } else {
            "Encrypted; every record was checked. Note: earlier backups and copies on USB sticks are still unencrypted."
        }
    );
    say!("{}", if zh { "恢复码（只显示这一次，请打印后放入学校保险柜）：" } else { "Recovery code (shown this once: print it and keep it in the school safe):" });
    say!("{}", code.as_str());
    Ok(ExitCode::SUCCESS)
}

/// Logs in to the database at `path` as `--user` or `$HUKA_USER`, with `$HUKA_PASSWORD` or
/// a password asked on the terminal.
pub fn login(path: &Path, user: Option<String>, lang: Lang) -> Result<Store, Error> {
    // A missing database is said before anything is asked for.
    if Store::inspect(path)? == huka_core::store::DbFile::Missing {
        return Err(Error::NoDatabase);
    }
    let user = user.or_else(|| std::env::var("HUKA_USER").ok()).filter(|u| !u.trim().is_empty());
    let user = user.ok_or(Error::NeedLogin)?;
    session::unlock(path, &user, &password(lang)?)
}
