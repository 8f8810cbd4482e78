//! The county bundle: exporting the term's signed summary, and checking one (`huka verify`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use huka_core::bundle::{self, verify::VerifyReport, Limits, TrustedKey};
use huka_core::signing::PublicKeyFile;
use huka_core::term::Term;
use huka_core::{Error, Lang, Store};

use crate::args::{parse_term, today};
use crate::out::{print_json, say};
use crate::secret::passphrase;

#[derive(Subcommand)]
pub enum ExportCommand {
    /// The term's signed summary for the county bureau: <code>-<term>-<yyyymmdd>.huka.zip and its .minisig
    County {
        /// The term, like 2026-autumn or 2027-spring
        #[arg(long, value_parser = parse_term)]
        term: Term,
        /// The folder to write into (a USB stick)
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The .huka.zip file; its .minisig must be beside it
    bundle: PathBuf,
    /// The school's public key file (.pub)
    #[arg(long, value_name = "FILE")]
    pubkey: PathBuf,
    #[arg(long)]
    json: bool,
}

pub fn run(store: &mut Store, command: ExportCommand, lang: Lang) -> Result<ExitCode, Error> {
    match command {
        ExportCommand::County { term, out, json } => {
            let today = today();
            // Fail before asking for a passphrase when there is nothing to sign with.
            bundle::preview(store, term, today)?.key_id.ok_or(Error::NoSigningKey)?;
            let passphrase = passphrase(false, lang)?;
            let exported = bundle::export(store, term, today, &passphrase, &out)?;
            // Read back from the stick before saying it is done.
            let verified = bundle::verify_written(store, &exported)?;
            if json {
                print_json(&serde_json::json!({ "exported": exported, "verified": verified.report() }));
            } else {
                say!("{}", exported.bundle_path.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Checks a bundle against a school's `.pub`; needs no database.
pub fn verify(args: VerifyArgs, lang: Lang) -> Result<ExitCode, Error> {
    let VerifyArgs { bundle: bundle_path, pubkey, json } = args;
    let key = PublicKeyFile::read(&pubkey)?;
    let school_code = key.school_code.clone();
    let result = bundle::verify_file(&bundle_path, &[TrustedKey { key, school_code }], &Limits::default());
    match result {
        Ok(v) => {
            let r: VerifyReport = v.report();
            if json {
                print_json(&r);
            } else {
                let f = &r.summary.figures;
                if lang == Lang::Zh {
                    say!("有效\t{}\n学校\t{} {}\n学期\t{}\n导出时间\t{}\n密钥\t{}", r.file_name, r.manifest.school.code, r.manifest.school.name, r.manifest.term, bundle::format::time_text(r.manifest.created_at), r.key_id);
                    say!("在读学生\t{}\n建档立卡等学生\t{}", f.students.enrolled, f.students.registered_poor);
                } else {
                    say!("valid\t{}\nschool\t{} {}\nterm\t{}\nexported\t{}\nkey\t{}", r.file_name, r.manifest.school.code, r.manifest.school.name, r.manifest.term, bundle::format::time_text(r.manifest.created_at), r.key_id);
                    say!("students enrolled\t{}\nregistered-poor students\t{}", f.students.enrolled, f.students.registered_poor);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) if json && e.domain::<huka_core::bundle::Rejection>().is_some() => {
            print_json(&serde_json::json!({ "valid": false, "reason": e.report() }));
            eprintln!("huka: {}", e.message(lang));
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e),
    }
}
