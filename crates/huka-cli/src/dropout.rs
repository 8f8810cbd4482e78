//! Dropout prevention (控辍保学): the weekly zero report and the cases.

use std::process::ExitCode;

use clap::Subcommand;
use huka_core::dropout::{self, CaseFilter, IsoWeek, WeekReport, WeekState};
use huka_core::{Error, Lang, Store};

use crate::args::{parse_week, today};
use crate::out::{print_json, say};

#[derive(Subcommand)]
pub enum DropoutCommand {
    /// A week's report: enrolment, new dropouts, returns, open cases; --confirm --by NAME keeps it as confirmed
    Week {
        /// The ISO week, like 2026-W48 [default: this week]
        #[arg(long, value_parser = parse_week)]
        week: Option<IsoWeek>,
        /// Confirm the week's numbers (the principal does), with --by
        #[arg(long, requires = "by")]
        confirm: bool,
        /// Who confirms: the principal's name
        #[arg(long, value_name = "NAME", requires = "confirm")]
        by: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The cases: name, class, reason, status (never ID numbers)
    List {
        /// Only open cases
        #[arg(long)]
        open: bool,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(store: &mut Store, command: DropoutCommand, lang: Lang) -> Result<ExitCode, Error> {
    // The computer's own calendar, as the window uses.
    let today = today();
    let zh = lang == Lang::Zh;
    match command {
        DropoutCommand::Week { week, confirm, by, json } => {
            let week = week.unwrap_or_else(|| IsoWeek::of(today));
            let report = if confirm {
                dropout::confirm_week(store, week, by.as_deref().unwrap_or_default(), today)?
            } else {
                dropout::week_report(store, week, today)?
            };
            if json {
                print_json(&report);
            } else {
                print_week(&report, lang);
            }
        }
        DropoutCommand::List { open, json } => {
            let cases = dropout::list(store.conn(), &CaseFilter { open_only: open, ..CaseFilter::default() }, today)?;
            if json {
                print_json(&cases);
            } else {
                for c in cases {
                    let class = match (c.grade, zh) {
                        (Some(_), true) => huka_core::student::class_text(c.grade, &c.class_name),
                        (Some(g), false) => format!("grade {g} {}", c.class_name),
                        (None, _) => c.class_name.clone(),
                    };
                    let status = match (c.outcome, c.outcome_date) {
                        (Some(o), Some(d)) => format!("{} {d}", o.label(lang)),
                        (Some(o), None) => o.label(lang).to_string(),
                        (None, _) => c.kind.label(lang).to_string(),
                    };
                    let open = match (c.open, zh) {
                        (true, true) => "未结案",
                        (true, false) => "open",
                        (false, true) => "已结案",
                        (false, false) => "closed",
                    };
                    say!("{}\t{class}\t{}\t{status}\t{open}\t{}", c.name, c.reason.label(lang), c.reported_date);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_week(r: &WeekReport, lang: Lang) {
    let s = &r.status;
    let n = &s.numbers;
    let names = |cases: &[dropout::WeekCase]| cases.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join("、");
    if lang == Lang::Zh {
        say!("{}（{} 至 {}）{}", s.week, s.start, s.end, if s.zero { "零报告" } else { "" });
        say!("在籍学生 {}，新增辍学 {}，返校 {}，未结案 {}", n.enrolment, n.new_dropouts, n.returns, n.open_cases);
        if !r.dropouts.is_empty() {
            say!("新增辍学：{}", names(&r.dropouts));
        }
        if !r.returned.is_empty() {
            say!("返校：{}", names(&r.returned));
        }
        match (&s.confirmed, s.state) {
            (Some(c), _) => say!("已确认：{}（{}）", c.by, c.at.format("%Y-%m-%d %H:%M UTC")),
            (None, WeekState::Missing) => say!("未确认"),
            (None, _) => say!("本周尚未确认"),
        }
        if let Some(now) = s.recomputed {
            say!("确认后记录有变化，现为：在籍学生 {}，新增辍学 {}，返校 {}，未结案 {}", now.enrolment, now.new_dropouts, now.returns, now.open_cases);
        }
    } else {
        say!("{} ({} – {}){}", s.week, s.start, s.end, if s.zero { " zero report" } else { "" });
        say!("enrolment {}, new dropouts {}, returns {}, open cases {}", n.enrolment, n.new_dropouts, n.returns, n.open_cases);
        if !r.dropouts.is_empty() {
            say!("new dropouts: {}", names(&r.dropouts));
        }
        if !r.returned.is_empty() {
            say!("returned: {}", names(&r.returned));
        }
        match (&s.confirmed, s.state) {
            (Some(c), _) => say!("confirmed by {} at {}", c.by, c.at.format("%Y-%m-%d %H:%M UTC")),
            (None, WeekState::Missing) => say!("not confirmed"),
            (None, _) => say!("not confirmed yet"),
        }
        if let Some(now) = s.recomputed {
            say!(
                "the records changed since: now enrolment {}, new dropouts {}, returns {}, open cases {}",
                now.enrolment, now.new_dropouts, now.returns, now.open_cases
            );
        }
    }
}
