//! Financial aid (资助): who is due a grant, and the grants.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use huka_core::term::Term;
use huka_core::archive::policy_card::{self, Paper};
use huka_core::archive::Fonts;
use huka_core::policy_card::Scope;
use huka_core::school::{self, ContactsInput};
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
    /// The families' policy cards (明白卡) as one PDF: every household with a student, or one
    /// household, a class, or the households in a teacher's care
    Cards {
        /// The term, like 2026-autumn
        #[arg(long, value_parser = parse_term)]
        term: Term,
        /// The folder to write the PDF into (made if missing)
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Only this household (its household number)
        #[arg(long, value_name = "NUMBER", conflicts_with_all = ["class", "teacher"])]
        household: Option<String>,
        /// Only the households of a class: grade-class, like 3-2 or 3-2班
        #[arg(long, value_name = "GRADE-CLASS", conflicts_with = "teacher")]
        class: Option<String>,
        /// Only the households in this teacher's care (the households they visit)
        #[arg(long, value_name = "NAME")]
        teacher: Option<String>,
        /// The page: a5 (two to an A4 sheet with the printer's "2 pages per sheet") or a4
        #[arg(long, default_value = "a5", value_parser = ["a5", "a4"])]
        paper: String,
        #[arg(long)]
        json: bool,
    },
    /// Set whom families call about aid, printed on the policy cards (the principal's)
    Contacts {
        /// The school's aid officer (资助专干)
        #[arg(long, value_name = "NAME")]
        officer: Option<String>,
        #[arg(long, value_name = "PHONE")]
        phone: Option<String>,
        /// The county aid centre's (资助中心) hotline
        #[arg(long, value_name = "PHONE")]
        hotline: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(store: &mut Store, command: AidCommand, lang: Lang) -> Result<ExitCode, Error> {
    let zh = lang == Lang::Zh;
    match command {
        AidCommand::Cards { term, out, household, class, teacher, paper, json } => {
            let scope = match (household, class, teacher) {
                (Some(number), _, _) => Scope::HouseholdNumber { number },
                (_, Some(class), _) => Scope::class(&class).ok_or_else(|| {
                    let problem = huka_core::Problem::Stated { code: "bad_class", zh: "班级请写成“年级-班”，如 3-2".into(), en: "write the class as grade-class, like 3-2".into() };
                    huka_core::labels::invalid("class", problem)
                })?,
                (_, _, Some(name)) => Scope::Teacher { name },
                _ => Scope::All,
            };
            let paper = if paper == "a4" { Paper::A4 } else { Paper::A5 };
            // Fail before reading anything when there is no Chinese font to set the pages in.
            let fonts = Fonts::find()?;
            let written = policy_card::export(store, &policy_card::Request { term, scope, paper, today: today() }, &fonts, &out)?;
            if json {
                print_json(&written);
            } else {
                say!("{}", written.path.display());
                if zh {
                    say!("{} 户，{} 页", written.cards, written.pages);
                    if written.left_out > 0 {
                        say!("另有 {} 户不在您的帮扶范围内，未打印", written.left_out);
                    }
                } else {
                    say!("{} households, {} pages", written.cards, written.pages);
                    if written.left_out > 0 {
                        say!("{} more households are not in your care and were not printed", written.left_out);
                    }
                }
            }
        }
        AidCommand::Contacts { officer, phone, hotline, json } => {
            let current = school::get(store)?.ok_or(school::SchoolError::NotSetUp)?;
            let input = ContactsInput {
                aid_officer: officer.unwrap_or(current.aid_officer),
                aid_phone: phone.unwrap_or(current.aid_phone),
                county_hotline: hotline.unwrap_or(current.county_hotline),
            };
            let s = school::set_contacts(store, &input)?;
            if json {
                print_json(&s);
            } else {
                say!("{}\t{}\t{}", s.aid_officer, s.aid_phone, s.county_hotline);
            }
        }
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
