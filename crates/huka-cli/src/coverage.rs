//! The term's coverage: who has no pairing, no plan, no visit; what is overdue.

use std::process::ExitCode;

use huka_core::term::Term;
use huka_core::{coverage, Error, Lang, Store};

use crate::args::{parse_term, today};
use crate::out::{print_json, say};

#[derive(clap::Args)]
pub struct CoverageArgs {
    /// The term, like 2026-autumn or 2027-spring [default: the current term]
    #[arg(long, value_parser = parse_term)]
    term: Option<Term>,
    #[arg(long)]
    json: bool,
}

pub fn run(store: &mut Store, args: CoverageArgs, _lang: Lang) -> Result<ExitCode, Error> {
    let today = today();
    let c = coverage::compute(store, args.term.unwrap_or_else(|| Term::of(today)), today, i64::MAX as usize)?;
    if args.json {
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
    Ok(ExitCode::SUCCESS)
}
