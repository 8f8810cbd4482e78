//! The county bundle: exporting the term's signed summary, and checking one (`huka verify`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use huka_core::bundle::{self, verify::VerifyReport, Limits, SealError, TrustedKey};
use huka_core::signing::{PublicKeyFile, SigningError};
use huka_core::term::Term;
use huka_core::{Error, Lang, Store};

use crate::args::{parse_term, today};
use crate::out::{print_json, say};
use crate::secret::passphrase;

#[derive(Subcommand)]
pub enum ExportCommand {
    /// The term's summary for the county bureau, sealed to the county's key and signed:
    /// <code>-<term>-<yyyymmdd>.huka.age and its .minisig (register the county's key first: huka key county FILE)
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
    /// The .huka.age (or older .huka.zip) file; its .minisig must be beside it
    bundle: PathBuf,
    /// The school's public key file (.pub)
    #[arg(long, value_name = "FILE")]
    pubkey: PathBuf,
    /// The county's identity file (from `huka county key export-identity`): opens a sealed
    /// bundle to check its contents too; without it only the signature is checked
    #[arg(long, value_name = "FILE")]
    identity: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

pub fn run(store: &mut Store, command: ExportCommand, lang: Lang) -> Result<ExitCode, Error> {
    match command {
        ExportCommand::County { term, out, json } => {
            let today = today();
            // Fail before asking for a passphrase when there is nothing to seal to or sign with.
            let preview = bundle::preview(store, term, today)?;
            preview.county.ok_or(SealError::NoCountyRecipient)?;
            preview.key_id.ok_or(SigningError::NoKey)?;
            let passphrase = passphrase(false, lang)?;
            let exported = bundle::export(store, term, today, &passphrase, &out)?;
            // Read back from the stick before saying it is done.
            let verified = bundle::verify_written(store, &exported)?;
            if json {
                print_json(&serde_json::json!({ "exported": exported, "verified": verified }));
            } else {
                say!("{}", exported.bundle_path.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Checks a bundle against a school's `.pub`; needs no database. A sealed bundle's contents
/// are checked too when the county's identity is given.
pub fn verify(args: VerifyArgs, lang: Lang) -> Result<ExitCode, Error> {
    let VerifyArgs { bundle: bundle_path, pubkey, identity, json } = args;
    let zh = lang == Lang::Zh;
    let key = PublicKeyFile::read(&pubkey)?;
    let school_code = key.school_code.clone();
    let keys = [TrustedKey { key, school_code }];
    let identities = match &identity {
        Some(path) => bundle::seal::read_identity_file(path)?,
        None => Vec::new(),
    };
    let result = match bundle::verify::verify_signature(&bundle_path, &keys) {
        // Sealed and no identity: the signature is all that can be checked.
        Ok(signed) if signed.sealed && identities.is_empty() => {
            if json {
                print_json(&serde_json::json!({ "valid": true, "contentsChecked": false, "signed": signed }));
            } else if zh {
                say!("签名有效\t{}\n密钥\t{}\n已加密（给县局），未打开内容：加 --identity 可一并核对", signed.file_name, signed.key_id);
            } else {
                say!("signature valid\t{}\nkey\t{}\nsealed to the county; contents not opened (give --identity to check them too)", signed.file_name, signed.key_id);
            }
            return Ok(ExitCode::SUCCESS);
        }
        Ok(_) => bundle::verify_file(&bundle_path, &keys, &identities, &Limits::default()),
        Err(e) => Err(e),
    };
    match result {
        Ok(v) => {
            let r: VerifyReport = v.report();
            if json {
                print_json(&r);
            } else {
                let f = &r.summary.figures;
                let sealed = match (r.encrypted, zh) {
                    (true, true) => "已加密",
                    (false, true) => "未加密",
                    (true, false) => "sealed",
                    (false, false) => "not encrypted",
                };
                if zh {
                    say!("有效\t{}（{sealed}）\n学校\t{} {}\n学期\t{}\n导出时间\t{}\n密钥\t{}", r.file_name, r.manifest.school.code, r.manifest.school.name, r.manifest.term, bundle::format::time_text(r.manifest.created_at), r.key_id);
                    say!("在读学生\t{}\n建档立卡等学生\t{}", f.students.enrolled, f.students.registered_poor);
                } else {
                    say!("valid\t{} ({sealed})\nschool\t{} {}\nterm\t{}\nexported\t{}\nkey\t{}", r.file_name, r.manifest.school.code, r.manifest.school.name, r.manifest.term, bundle::format::time_text(r.manifest.created_at), r.key_id);
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
