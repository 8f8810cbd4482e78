//! Home visits (家访).

use std::process::ExitCode;

use chrono::NaiveDate;
use clap::Subcommand;
use huka_core::visit::{self, VisitFilter};
use huka_core::{Error, Lang, RecordId, Store};

use crate::args::{parse_date, parse_id};
use crate::out::{print_json, say};

#[derive(Subcommand)]
pub enum VisitsCommand {
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

pub fn run(store: &mut Store, command: VisitsCommand, _lang: Lang) -> Result<ExitCode, Error> {
    match command {
        VisitsCommand::List { teacher, since, limit, json } => {
            let rows = visit::list(store, &VisitFilter { teacher, since, household: None }, limit)?;
            if json {
                print_json(&rows);
            } else {
                for v in rows {
                    say!("{}\t{}\t{}\t{}\t{}", v.visit_date, v.head_name, v.village, v.mode.as_str(), v.teachers.join("、"));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
