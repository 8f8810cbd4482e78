//! The school a database belongs to: setting it up, and the counts of its records.

use std::path::Path;
use std::process::ExitCode;

use huka_core::school::{self, SchoolInput};
use huka_core::{signing, stats, Error, Lang, Store};

use crate::out::{print_json, say};
use crate::secret::env_passphrase;

#[derive(clap::Args)]
pub struct InitArgs {
    #[arg(long, value_name = "CODE")]
    school_code: String,
    #[arg(long, value_name = "NAME")]
    school_name: String,
    #[arg(long, value_name = "TOWN", default_value = "")]
    town: String,
    /// Supervision district (督学责任区)
    #[arg(long, value_name = "DISTRICT", default_value = "")]
    district: String,
}

#[derive(clap::Args)]
pub struct StatsArgs {
    #[arg(long)]
    json: bool,
}

/// Sets up the school of the database at `path`, and its signing key when
/// `$HUKA_PASSPHRASE` is set.
pub fn init(store: &mut Store, args: InitArgs, path: &Path, lang: Lang) -> Result<ExitCode, Error> {
    let InitArgs { school_code, school_name, town, district } = args;
    let s = school::setup(store, &SchoolInput { code: school_code, name: school_name, town, district })?;
    say!("{} {} — {}", s.code, s.name, path.display());
    if let Some(passphrase) = env_passphrase() {
        let key = signing::create(store, &passphrase)?;
        crate::signing::print_key(&key, lang);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn stats(store: &mut Store, args: StatsArgs, _lang: Lang) -> Result<ExitCode, Error> {
    let st = stats::get(store)?;
    if args.json {
        print_json(&st);
    } else {
        // One line per kind of record (by name).
        if let serde_json::Value::Object(kinds) = serde_json::to_value(st).expect("plain counts") {
            for (kind, n) in kinds {
                say!("{kind}\t{n}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
