//! Household cards (一户一卡).

use std::process::ExitCode;

use clap::Subcommand;
use huka_core::{card, household, Error, Lang, Store};

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
    /// Show one household's card (一户一卡) as the logged-in account may read it
    Show {
        /// The household number (户编号, or the 自编 number Huka made)
        number: String,
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
        HouseholdsCommand::Show { number, json } => {
            let id = household::by_number(store.conn(), &number)?.meta.id;
            let c = card::get(store, id)?;
            if json {
                print_json(&c);
            } else {
                let h = &c.household.fields;
                say!("{}\t{}\t{} {} {}\t{}", h.household_number, h.head_name, h.town, h.village, h.group, h.status.as_str());
                let size = household::family_size_text(h.family_size, c.members.len());
                say!("家庭人口 {}", if size.is_empty() { format!("— （卡上列出 {} 人）", c.members.len()) } else { size });
                for m in &c.members {
                    let class = m.student.as_ref().map(|s| format!("\t{}", huka_core::student::class_text(s.fields.grade, &s.fields.class_name))).unwrap_or_default();
                    say!("  {}\t{}{}", m.name, m.relation, class);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
