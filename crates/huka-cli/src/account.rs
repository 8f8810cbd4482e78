//! Accounts: who may log in, with which role.

use std::path::Path;
use std::process::ExitCode;

use clap::Subcommand;
use huka_core::access::Role;
use huka_core::account::{self, AccountInput};
use huka_core::{session, Error, Lang, Store};

use crate::out::{print_json, say};
use crate::secret::new_password;

#[derive(Subcommand)]
pub enum UsersCommand {
    /// The accounts: login, name, role, disabled or not (no password material)
    List {
        #[arg(long)]
        json: bool,
    },
    /// Add an account; its password from $HUKA_NEW_PASSWORD or the terminal
    Add {
        /// The login name (and shown name)
        #[arg(long, value_name = "NAME")]
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// Disable an account: its password no longer opens the database; its name stays on its records
    Disable {
        #[arg(value_name = "NAME")]
        name: String,
    },
    /// Set an account's password (one's own, or anyone's by the principal), from
    /// $HUKA_NEW_PASSWORD or the terminal; with --recovery, the principal's without a login
    Passwd(PasswdArgs),
    /// Rotate the keys: a new data key, the database re-encrypted under it, every active
    /// account's slot sealed to it (passwords unchanged). After disabling an account that may
    /// have copied the key file; the other computers take the new key at their next exchange.
    RotateKeys {
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Args)]
pub struct PasswdArgs {
    #[arg(value_name = "NAME")]
    name: String,
    /// The recovery code printed at setup: resets the principal's password when every
    /// password is forgotten
    #[arg(long, value_name = "CODE")]
    pub recovery: Option<String>,
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(&s.replace('-', "_")).ok_or_else(|| "a role is principal, aid-officer, teacher or reviewer".to_string())
}

pub fn run(store: &mut Store, command: UsersCommand, lang: Lang) -> Result<ExitCode, Error> {
    let zh = lang == Lang::Zh;
    match command {
        UsersCommand::List { json } => {
            let accounts = account::list(store)?;
            if json {
                print_json(&accounts);
            } else {
                for a in accounts {
                    let role = if zh { a.role.label_zh() } else { a.role.label_en() };
                    let state = match (a.disabled_at, zh) {
                        (Some(_), true) => "已停用",
                        (Some(_), false) => "disabled",
                        (None, _) => "",
                    };
                    say!("{}\t{}\t{role}\t{state}", a.login, a.name);
                }
            }
        }
        UsersCommand::Add { name, role } => {
            // Refused before a password is asked for.
            huka_core::access::require(store, huka_core::access::Action::ManageAccounts)?;
            let password = new_password(false, lang)?;
            let a = account::add(store, &AccountInput { login: name.clone(), name, role, teacher_id: None }, &password)?;
            say!("{}\t{}", a.login, if zh { a.role.label_zh() } else { a.role.label_en() });
        }
        UsersCommand::Disable { name } => {
            let a = account::disable(store, &name)?;
            say!("{}\t{}", a.login, if zh { "已停用" } else { "disabled" });
        }
        UsersCommand::Passwd(args) => {
            let password = new_password(false, lang)?;
            account::set_password(store, &args.name, &password)?;
            say!("{}", if zh { "密码已更改。" } else { "Password changed." });
        }
        UsersCommand::RotateKeys { json } => {
            let started = std::time::Instant::now();
            let r = huka_core::keys::rotate(store)?;
            let seconds = started.elapsed().as_secs_f64();
            if json {
                print_json(&serde_json::json!({
                    "rotation": r.rotation,
                    "accounts": r.accounts,
                    "needPassword": r.need_password,
                    "recoveryCode": r.recovery_code.as_ref().map(|c| c.as_str()),
                    "seconds": seconds,
                }));
                return Ok(ExitCode::SUCCESS);
            }
            if zh {
                say!("已更换密钥：数据库已用新密钥重新加密（{seconds:.1} 秒），{} 个账号的密码不变：{}", r.accounts.len(), r.accounts.join("、"));
                say!("旧的密钥文件（包括被复制走的）再也打不开本数据库。其他电脑在下一次同步时换成新密钥。");
            } else {
                say!("Keys rotated: the database was re-encrypted under a new key ({seconds:.1} s); {} accounts keep their passwords: {}", r.accounts.len(), r.accounts.join(", "));
                say!("Old key files (copies included) no longer open this database. The other computers take the new key at their next exchange.");
            }
            if !r.need_password.is_empty() {
                if zh {
                    say!("这些账号自更新后还没有登录过，需要重设密码才能再登录：{}", r.need_password.join("、"));
                } else {
                    say!("These accounts have not logged in since the update and need a new password before they can log in again: {}", r.need_password.join(", "));
                }
            }
            if let Some(code) = &r.recovery_code {
                say!("{}", if zh { "新的恢复码（旧的已作废；只显示这一次，请打印后放入学校保险柜）：" } else { "New recovery code (the old one no longer works; shown this once: print it and keep it in the school safe):" });
                say!("{}", code.as_str());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `users passwd NAME --recovery CODE`: no login — the recovery code opens the database and
/// the principal's account gets a new password.
pub fn recover(path: &Path, args: PasswdArgs, lang: Lang) -> Result<ExitCode, Error> {
    let code = args.recovery.unwrap_or_default();
    let password = new_password(false, lang)?;
    session::recover(path, &code, &args.name, &password)?;
    say!("{}", if lang == Lang::Zh { "已用恢复码重设密码。" } else { "The password was reset with the recovery code." });
    Ok(ExitCode::SUCCESS)
}
