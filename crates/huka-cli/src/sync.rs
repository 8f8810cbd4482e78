//! Several computers, one school (同步): change files on a USB stick. How far a file has been
//! read goes to stderr when it is a terminal (a large school's file takes a while).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use huka_core::sync::{self, Report};
use huka_core::{Error, Lang, Store};

use crate::out::{print_json, say};

#[derive(Subcommand)]
pub enum SyncCommand {
    /// Write a change file for the school's other computers into a folder (a USB stick):
    /// everything this computer holds that they may not
    Export {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Every record (for a computer that joins the school, or one far behind)
        #[arg(long)]
        full: bool,
        #[arg(long)]
        json: bool,
    },
    /// Read a change file; with no database at --db, join the school from a complete one (or,
    /// as the principal or the aid officer, from a backup of the office PC: its database copied)
    Import {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Fields two computers changed since they last met: the value kept and the one that lost
    Conflicts {
        /// Decided ones too
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Keep a conflict's winner, or swap in the value that lost
    Resolve {
        #[arg(value_name = "ID")]
        id: String,
        /// Take the value that lost
        #[arg(long)]
        swap: bool,
    },
    /// The computers this one has exchanged with, and when
    Devices {
        #[arg(long)]
        json: bool,
    },
}

impl SyncCommand {
    /// Reading a file into a path with no database joins the school (no login before).
    pub fn joins(&self, db: &Path) -> bool {
        matches!(self, SyncCommand::Import { .. }) && matches!(Store::inspect(db), Ok(huka_core::store::DbFile::Missing))
    }
}

/// Joins the school at `db` from a complete change file or a backup, as `--user`/`$HUKA_USER`.
pub fn join(db: &Path, user: Option<String>, command: SyncCommand, lang: Lang) -> Result<ExitCode, Error> {
    let SyncCommand::Import { file, json } = command else { unreachable!("only import joins") };
    let user = user.or_else(|| std::env::var("HUKA_USER").ok()).filter(|u| !u.trim().is_empty()).ok_or(Error::NeedLogin)?;
    let password = crate::secret::password(lang)?;
    let (store, report) = reading(lang, |progress| sync::join_reporting(db, &file, &user, &password, progress))?;
    if json {
        print_json(&report);
    } else {
        let school = huka_core::school::get(&store)?.map(|s| format!("{} {}", s.code, s.name)).unwrap_or_default();
        say!("{}", if lang == Lang::Zh { format!("本机已加入 {school}：{}", db.display()) } else { format!("This computer joined {school}: {}", db.display()) });
        print_report(&report, lang);
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `read` with a progress that writes `已读取 n%` over itself on stderr when it is a
/// terminal, the line ended before anything else is said (a refusal too).
fn reading<T>(lang: Lang, read: impl FnOnce(sync::Progress<'_>) -> T) -> T {
    let terminal = std::io::stderr().is_terminal();
    let mut told = false;
    let out = read(&mut |done, total| {
        if terminal && total > 0 {
            let pct = done * 100 / total;
            eprint!("\r{}", if lang == Lang::Zh { format!("已读取 {pct}%") } else { format!("{pct}% read") });
            let _ = std::io::stderr().flush();
            told = true;
        }
    });
    if told {
        eprintln!();
    }
    out
}

fn print_report(r: &Report, lang: Lang) {
    if let Some(of) = &r.copy_of {
        say!("{}", if lang == Lang::Zh { format!("这是 {of} 的副本（内容相同），只计一次：") } else { format!("This is a copy of {of} (the same content), counted once:") });
    }
    if lang == Lang::Zh {
        say!("新增 {}，更新 {}，未变 {}，冲突 {}，合并 {}", r.new, r.updated, r.unchanged, r.conflicts, r.merged);
    } else {
        say!("new {}, updated {}, unchanged {}, conflicts {}, merged {}", r.new, r.updated, r.unchanged, r.conflicts, r.merged);
    }
    for w in &r.warnings {
        say!("{w}");
    }
    if !r.refused.is_empty() {
        say!("{}", if lang == Lang::Zh { format!("拒收 {} 条（作者无权修改，未写入本机）：", r.refused.len()) } else { format!("refused {} (their author may not make them; not written here):", r.refused.len()) });
        for x in &r.refused {
            say!("{}\t{} {}\t{}\t{}", x.table, x.record_id, x.label, x.author, if lang == Lang::Zh { &x.reason } else { &x.reason_en });
        }
    }
}

pub fn run(store: &mut Store, command: SyncCommand, lang: Lang) -> Result<ExitCode, Error> {
    let zh = lang == Lang::Zh;
    match command {
        SyncCommand::Export { out, full, json } => {
            let path = sync::export(store, &out, full)?;
            if json {
                print_json(&serde_json::json!({ "path": path }));
            } else {
                say!("{}", path.display());
            }
        }
        SyncCommand::Import { file, json } => {
            let report = reading(lang, |progress| sync::import_reporting(store, &file, progress))?;
            if json {
                print_json(&report);
            } else {
                print_report(&report, lang);
            }
        }
        SyncCommand::Conflicts { all, json } => {
            let list = sync::conflicts(store, !all)?;
            if json {
                print_json(&list);
            } else if list.is_empty() {
                say!("{}", if zh { "没有待处理的冲突" } else { "No open conflicts" });
            } else {
                let at = |t: &Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default();
                for c in list {
                    say!(
                        "{}\t{} {}\t{}\t{} ({} {})\t{} ({} {})\t{}",
                        c.id,
                        c.table,
                        c.record_id,
                        c.field,
                        c.kept_value,
                        c.kept_by,
                        at(&c.kept_at),
                        c.lost_value,
                        c.lost_by,
                        at(&c.lost_at),
                        c.resolution
                    );
                }
            }
        }
        SyncCommand::Resolve { id, swap } => {
            sync::resolve(store, &id, swap)?;
            say!("{}", match (zh, swap) {
                (true, true) => "已换用落选的值；下次同步后各电脑一致",
                (true, false) => "已保留胜出的值",
                (false, true) => "The value that lost is in; every computer takes it at the next exchange",
                (false, false) => "The winning value is kept",
            });
        }
        SyncCommand::Devices { json } => {
            let list = sync::devices(store)?;
            if json {
                print_json(&list);
            } else {
                for d in list {
                    let when = d.last_exchange.map(|t| t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| "—".into());
                    let this = if d.this { if zh { "（本机）" } else { " (this computer)" } } else { "" };
                    say!("{}{}\t{}\t{}\t{}", d.device_id, this, when, d.files, d.account);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
