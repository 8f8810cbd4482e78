//! Financial aid (资助): who is due a grant, and the grants.

use std::process::ExitCode;

use clap::Subcommand;
use huka_core::term::Term;
use huka_core::{aid, Error, Lang, Store};

use crate::args::{parse_term, today};
use crate::out::{print_json, say};

#[derive(Subcommand)]
pub enum AidCommand {
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

pub fn run(store: &mut Store, command: AidCommand, _lang: Lang) -> Result<ExitCode, Error> {
    match command {
        AidCommand::Coverage { term, json } => {
            let today = today();
            let c = aid::coverage(store, term.unwrap_or_else(|| Term::of(today)), usize::MAX)?;
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
        AidCommand::Grants { term, limit, json } => {
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
    }
    Ok(ExitCode::SUCCESS)
}
