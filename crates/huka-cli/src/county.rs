//! The county reviewer's side: schools' keys, bundles ingested, the county's workbook.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use huka_core::county::{self, Outcome, RegisterInput};
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
}

pub fn run(store: &mut Store, command: CountyCommand, lang: Lang) -> Result<ExitCode, Error> {
    let zh = lang == Lang::Zh;
    match command {
        CountyCommand::Register { pubkey, school_code, name, town, district, json } => {
            let public_key = std::fs::read_to_string(&pubkey).map_err(|_| Error::BadPublicKey)?;
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
                        Outcome::Accepted { school, term, exported_at, replaced } => {
                            let replaced = replaced.as_ref().map(|r| if zh { format!("（替换 {r} 的包）") } else { format!(" (replaces the bundle of {r})") }).unwrap_or_default();
                            say!("{}\t{}\t{school} {term} {exported_at}{replaced}", if zh { "已接收" } else { "accepted" }, v.file);
                        }
                        Outcome::Unchanged { school, term, exported_at } => {
                            say!("{}\t{}\t{school} {term} {exported_at}", if zh { "已有，未变" } else { "unchanged" }, v.file);
                        }
                        Outcome::Rejected { reason } => {
                            say!("{}\t{}\t{}", if zh { "拒收" } else { "rejected" }, v.file, if zh { &reason.message } else { &reason.message_en });
                        }
                    }
                }
                if zh {
                    say!("共 {} 个：接收 {}，未变 {}，拒收 {}", report.verdicts.len(), report.accepted, report.unchanged, report.rejected);
                } else {
                    say!("{} bundles: {} accepted, {} unchanged, {} rejected", report.verdicts.len(), report.accepted, report.unchanged, report.rejected);
                }
            }
            return Ok(if report.rejected == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) });
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
        CountyCommand::Report { out, term, json } => {
            let term = match term {
                Some(t) => t,
                None => *county::terms(store)?.first().ok_or(Error::NotFound { kind: "bundle" })?,
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
