//! The three lists compared (三表比对): roster, poverty-household list, aid grants.

use std::process::ExitCode;

use huka_core::term::Term;
use huka_core::{reconcile, Error, Lang, Store};

use crate::args::{parse_term, today};
use crate::out::{print_json, say};

#[derive(clap::Args)]
pub struct ReconcileArgs {
    /// The term whose grants count [default: the current term]
    #[arg(long, value_parser = parse_term)]
    term: Option<Term>,
    /// Include mismatches already resolved or dismissed
    #[arg(long)]
    all: bool,
    #[arg(long)]
    json: bool,
}

pub fn run(store: &mut Store, args: ReconcileArgs, lang: Lang) -> Result<ExitCode, Error> {
    let today = today();
    let mut r = reconcile::reconcile(store, args.term.unwrap_or_else(|| Term::of(today)), today)?;
    if !args.all {
        r.mismatches.retain(|m| m.decision.is_none());
    }
    if args.json {
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
    Ok(ExitCode::SUCCESS)
}
