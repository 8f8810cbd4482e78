//! The school a database belongs to: the counts of its records.

use std::process::ExitCode;

use huka_core::{stats, Error, Lang, Store};

use crate::out::{print_json, say};

#[derive(clap::Args)]
pub struct StatsArgs {
    #[arg(long)]
    json: bool,
    /// Print only the database's schema version (after opening it, which migrates it)
    #[arg(long, conflicts_with = "json")]
    schema: bool,
}

pub fn stats(store: &mut Store, args: StatsArgs, _lang: Lang) -> Result<ExitCode, Error> {
    if args.schema {
        say!("{}", store.schema_version()?);
        return Ok(ExitCode::SUCCESS);
    }
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
