//! The school's signing key (`huka key`), with which the county bundle is signed.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use huka_core::school::SchoolError;
use huka_core::signing::{self, KeyInfo, SigningError};
use huka_core::{school, Error, Lang, Store};

use crate::out::{print_json, say};
use crate::secret::passphrase;

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Create the school's signing key, protected by a passphrase the principal chooses
    Create {
        #[arg(long)]
        json: bool,
    },
    /// Replace the key by a new one; the old public key is kept so older bundles still verify
    Rotate {
        #[arg(long)]
        json: bool,
    },
    /// Show the current key, its fingerprint and the retired keys (the cover sheet's data)
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Write the current public key to a .pub file for the county
    Export {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Register the county bureau's encryption key (the file it gave; compare the fingerprint
    /// printed with the one on its sheet): bundles are sealed to it
    County {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(store: &mut Store, command: KeyCommand, lang: Lang) -> Result<ExitCode, Error> {
    match command {
        KeyCommand::Create { json } | KeyCommand::Rotate { json } => {
            let rotate = matches!(command, KeyCommand::Rotate { .. });
            // Refuse before asking for a passphrase when the answer is known.
            let has = signing::current(store)?.is_some();
            if school::get(store)?.is_none() {
                return Err(SchoolError::NotSetUp.into());
            }
            if has && !rotate {
                return Err(SigningError::KeyExists.into());
            }
            if !has && rotate {
                return Err(SigningError::NoKey.into());
            }
            let passphrase = passphrase(true, lang)?;
            let key = if rotate { signing::rotate(store, &passphrase)? } else { signing::create(store, &passphrase)? };
            if json {
                print_json(&key);
            } else {
                print_key(&key, lang);
            }
        }
        KeyCommand::Show { json } => {
            let sheet = signing::cover_sheet(store)?;
            if json {
                print_json(&sheet);
            } else {
                say!("{} {}", sheet.school.code, sheet.school.name);
                print_key(&sheet.key, lang);
                say!("{}", sheet.public_key_file.trim_end());
                for k in &sheet.retired {
                    let retired = k.retired_at.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default();
                    say!("{}\t{}\t{}", if lang == Lang::Zh { "已停用" } else { "retired" }, k.key_id, retired);
                }
            }
        }
        KeyCommand::Export { out } => {
            let key = signing::write_public_key(store, &out)?;
            say!("{}", out.display());
            print_key(&key, lang);
        }
        KeyCommand::County { file, json } => {
            let text = std::fs::read_to_string(&file)?;
            let r = huka_core::bundle::register_county_recipient(store, &text)?;
            if json {
                print_json(&r);
            } else if lang == Lang::Zh {
                say!("已登记县局加密公钥\t{}\n指纹\t{}", r.county, r.fingerprint);
            } else {
                say!("county key registered\t{}\nfingerprint\t{}", r.county, r.fingerprint);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn print_key(key: &KeyInfo, lang: Lang) {
    if lang == Lang::Zh {
        say!("密钥编号\t{}\n指纹\t{}", key.key_id, key.fingerprint);
    } else {
        say!("key id\t{}\nfingerprint\t{}", key.key_id, key.fingerprint);
    }
}
