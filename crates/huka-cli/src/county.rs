//! The county reviewer's side: schools' keys, bundles ingested, the county's workbook.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use huka_core::county::{self, Outcome, RegisterInput};
use huka_core::signing::SigningError;
use huka_core::term::Term;
use huka_core::{Error, Lang, Store};

use crate::args::parse_term;
use crate::out::{print_json, say};

#[derive(Subcommand)]
pub enum CountyCommand {
    /// Register a school's public key (check its fingerprint against the stamped cover sheet)
    Register {
        #[arg(long, value_name = "FILE")]
        pubkey: PathBuf,
        /// The school code [default: the one the .pub file names]
        #[arg(long, value_name = "CODE", default_value = "")]
        school_code: String,
        #[arg(long, value_name = "NAME", default_value = "")]
        name: String,
        #[arg(long, value_name = "TOWN", default_value = "")]
        town: String,
        /// Supervision district (督学责任区)
        #[arg(long, value_name = "DISTRICT", default_value = "")]
        district: String,
        #[arg(long)]
        json: bool,
    },
    /// Verify and ingest bundles: .huka.zip files, or folders searched for them
    Ingest {
        #[arg(required = true, value_name = "DIR_OR_FILE")]
        paths: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// The county's encryption key: create it, give its public half to the schools, or
    /// export its secret half for the standard `age` tool
    Key {
        #[command(subcommand)]
        command: CountyKeyCommand,
    },
    /// The registered schools and their keys
    Schools {
        #[arg(long)]
        json: bool,
    },
    /// Write the county's summary workbook (.xlsx)
    Report {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The term [default: the latest term with bundles]
        #[arg(long, value_parser = parse_term)]
        term: Option<Term>,
        #[arg(long)]
        json: bool,
    },
    /// Write the county's notice (县级公示) of a term's grants as a workbook and a PDF
    Notice {
        #[arg(long, value_parser = parse_term)]
        term: Term,
        /// The folder to write into (made if missing)
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum CountyKeyCommand {
    /// Make the county's key pair (a new one keeps the old, so earlier bundles still open)
    Create {
        #[arg(long)]
        json: bool,
    },
    /// Write the public recipient (age1…) for the schools, with its fingerprint
    Export {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Write the SECRET identity for `age -d -i FILE`: it opens every bundle sealed to the county
    ExportIdentity {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

pub fn run(store: &mut Store, command: CountyCommand, lang: Lang) -> Result<ExitCode, Error> {
    let zh = lang == Lang::Zh;
    match command {
        CountyCommand::Register { pubkey, school_code, name, town, district, json } => {
            let public_key = std::fs::read_to_string(&pubkey).map_err(|_| SigningError::BadPublicKey)?;
            let r = county::register(store, &RegisterInput { public_key, code: school_code, name, town, district })?;
            if json {
                print_json(&r);
            } else {
                let state = match (r.new_school, r.new_key, zh) {
                    (_, false, true) => "已登记过，未改动",
                    (_, false, false) => "already registered, unchanged",
                    (true, _, true) => "新登记学校",
                    (true, _, false) => "new school",
                    (false, _, true) => "已为该校加登新公钥",
                    (false, _, false) => "new key added to the school",
                };
                say!("{}\t{}\t{}\t{}", r.school.code, r.key_id, r.fingerprint, state);
            }
        }
        CountyCommand::Ingest { paths, json } => {
            let report = county::ingest(store, &paths)?;
            if json {
                print_json(&report);
            } else {
                for v in &report.verdicts {
                    match &v.outcome {
                        Outcome::Accepted { school, term, exported_at, replaced, encrypted, history_rewritten } => {
                            let replaced = replaced.as_ref().map(|r| if zh { format!("（替换 {r} 的包）") } else { format!(" (replaces the bundle of {r})") }).unwrap_or_default();
                            let plain = match (*encrypted, zh) {
                                (false, true) => "（未加密）",
                                (false, false) => " (not encrypted)",
                                _ => "",
                            };
                            let rewritten = match (*history_rewritten, zh) {
                                (true, true) => "（注意：修改记录与该校上次上报的不衔接，历史可能被改写）",
                                (true, false) => " (warning: the audit trail does not extend the school's earlier report: history may have been rewritten)",
                                _ => "",
                            };
                            say!("{}\t{}\t{school} {term} {exported_at}{replaced}{plain}{rewritten}", if zh { "已接收" } else { "accepted" }, v.file);
                        }
                        Outcome::Unchanged { school, term, exported_at } => {
                            say!("{}\t{}\t{school} {term} {exported_at}", if zh { "已有，未变" } else { "unchanged" }, v.file);
                        }
                        Outcome::Rejected { reason } => {
                            say!("{}\t{}\t{}", if zh { "拒收" } else { "rejected" }, v.file, if zh { &reason.message } else { &reason.message_en });
                        }
                        Outcome::Copy { of } => {
                            say!("{}\t{}\t{}", if zh { "副本" } else { "copy" }, v.file, if zh { format!("是 {of} 的副本，只计一次") } else { format!("a copy of {of}, counted once") });
                        }
                    }
                }
                let files = report.verdicts.len() - report.copies;
                let copies = match (report.copies, zh) {
                    (0, _) => String::new(),
                    (n, true) => format!("（另有副本 {n} 个）"),
                    (n, false) => format!(" (and {n} copies)"),
                };
                if zh {
                    say!("共 {} 个：接收 {}，未变 {}，拒收 {}{copies}", files, report.accepted, report.unchanged, report.rejected);
                } else {
                    say!("{} bundles: {} accepted, {} unchanged, {} rejected{copies}", files, report.accepted, report.unchanged, report.rejected);
                }
            }
            return Ok(if report.rejected == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) });
        }
        CountyCommand::Key { command } => {
            let r = match &command {
                CountyKeyCommand::Create { .. } => county::recipient::create(store)?,
                CountyKeyCommand::Export { out } => county::recipient::write_recipient_file(store, out)?,
                CountyKeyCommand::ExportIdentity { out } => {
                    let r = county::recipient::write_identity_file(store, out)?;
                    eprintln!(
                        "huka: {}",
                        if zh {
                            "注意：该文件是密钥的秘密部分，能打开所有发给本县的汇总包。请只在需要时使用，用完删除，切勿拷给他人。"
                        } else {
                            "Careful: this file is the key's secret half; it opens every bundle sealed to this county. Use it only when needed, delete it after, never pass it on."
                        }
                    );
                    r
                }
            };
            match (&command, zh) {
                (CountyKeyCommand::Create { json: true }, _) => print_json(&r),
                (_, true) => say!("县局加密公钥\t{}\n指纹\t{}", r.recipient, r.fingerprint),
                (_, false) => say!("county recipient\t{}\nfingerprint\t{}", r.recipient, r.fingerprint),
            }
        }
        CountyCommand::Schools { json } => {
            let list = county::schools(store)?;
            if json {
                print_json(&list);
            } else {
                for s in list {
                    let keys: Vec<&str> = s.keys.iter().map(|k| k.key_id.as_str()).collect();
                    say!("{}\t{}\t{}\t{}\t{}", s.code, s.name, s.town, s.district, keys.join(","));
                }
            }
        }
        CountyCommand::Notice { term, out, json } => {
            let fonts = huka_core::archive::Fonts::find()?;
            let w = county::notice::write(store, term, &fonts, &out, crate::args::today())?;
            if json {
                print_json(&w);
            } else {
                say!("{}\n{}", w.workbook.display(), w.pdf.display());
                if zh {
                    say!("{term}：{} 所学校，{} 人次，{} 元", w.schools, w.count, huka_core::aid::yuan(w.total_fen));
                } else {
                    say!("{term}: {} schools, {} grants, {} yuan", w.schools, w.count, huka_core::aid::yuan(w.total_fen));
                }
            }
        }
        CountyCommand::Report { out, term, json } => {
            let term = match term {
                Some(t) => t,
                None => *county::terms(store)?.first().ok_or(huka_core::labels::not_found("bundle"))?,
            };
            let a = county::write_report(store, term, &out)?;
            if json {
                print_json(&a);
            } else if zh {
                say!("{}\n{term}：已报送 {} / 已登记 {} 所学校；跨校重复身份证号 {} 个", out.display(), a.schools_reporting, a.schools_registered, a.duplicates.len());
            } else {
                say!("{}\n{term}: {} of {} registered schools reported; {} ID numbers listed by two schools", out.display(), a.schools_reporting, a.schools_registered, a.duplicates.len());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
