//! Household cards (一户一卡).

use std::process::ExitCode;

use clap::Subcommand;
use huka_core::{household, Error, Lang, Store};

use crate::out::{print_json, say};

#[derive(Subcommand)]
pub enum HouseholdsCommand {
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

pub fn run(store: &mut Store, command: HouseholdsCommand, _lang: Lang) -> Result<ExitCode, Error> {
    match command {
        HouseholdsCommand::List { search, limit, json } => {
            let rows = household::list(store, &search, limit)?;
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
    }
    Ok(ExitCode::SUCCESS)
}
