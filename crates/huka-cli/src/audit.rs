//! The audit trail (修改记录): who changed what, when — and whether the chain still holds.

use std::process::ExitCode;

use chrono::NaiveDate;
use clap::Subcommand;
use huka_core::audit::{self, Filter};
use huka_core::{Error, Lang, Store};

use crate::args::parse_date;
use crate::out::{print_json, say};

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Entries, newest first: time, account, device, operation, record, changed fields (ID numbers masked)
    List {
        /// Only this record's entries (its id)
        #[arg(long, value_name = "ID")]
        record: Option<String>,
        /// Only this account's entries (login or name)
        #[arg(long, value_name = "NAME")]
        user: Option<String>,
        /// Only entries on or after this date (YYYY-MM-DD, UTC)
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        since: Option<NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// Recompute every device's chain: exit 0 when it holds, 1 with the first broken entry
    Verify {
        #[arg(long)]
        json: bool,
    },
}

pub fn run(store: &mut Store, command: AuditCommand, lang: Lang) -> Result<ExitCode, Error> {
    let zh = lang == Lang::Zh;
    match command {
        AuditCommand::List { record, user, since, json } => {
            let entries = audit::list(store, &Filter { record, user, since, limit: None })?;
            if json {
                print_json(&entries);
            } else {
                for e in entries {
                    let changes: Vec<String> = e.changes.iter().map(|(f, [old, new])| format!("{f}: {old} → {new}")).collect();
                    say!("{}\t{}\t{}\t{} {}\t{}", e.at.format("%Y-%m-%d %H:%M:%S"), e.account, e.op, e.kind, e.record_id, changes.join("; "));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Verify { json } => {
            let v = audit::verify(store)?;
            if json {
                print_json(&v);
            } else if let Some(b) = &v.broken {
                say!("{}", if zh { format!("修改记录链在设备 {} 的第 {} 条断开：{}", b.device_id, b.seq, b.reason) } else { format!("The chain breaks at entry {} of device {}: {}", b.seq, b.device_id, b.reason_en) });
            } else {
                say!("{}", if zh { format!("修改记录完整：{} 条，{} 台设备", v.entries, v.heads.len()) } else { format!("The audit trail holds: {} entries from {} devices", v.entries, v.heads.len()) });
                if v.sealed_elsewhere > 0 {
                    say!(
                        "{}",
                        if zh {
                            format!("其中 {} 条的旧值已加密（或只留遮盖后的值），本机无法核对其内容：在持有第二密钥的电脑上核对；它们的前后衔接已核对。", v.sealed_elsewhere)
                        } else {
                            format!("{} of them hold old values sealed (or only masked): checked where the second key is; their links to the entries around them were checked here.", v.sealed_elsewhere)
                        }
                    );
                }
                for h in &v.heads {
                    say!("{}\t{}\t{}", h.device_id, h.count, h.hash);
                }
            }
            Ok(if v.broken.is_some() { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
    }
}
