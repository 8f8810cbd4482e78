//! Secrets: from the environment, else asked on the terminal without echo. The signing key's
//! passphrase may also come as one line of standard input (a script's pipe); an account's
//! password never does — with no terminal and no `$HUKA_PASSWORD`, a command refuses at once
//! rather than wait on a pipe that may never close.

use std::io::IsTerminal;

use huka_core::{Error, Lang, Problem};

/// `$HUKA_PASSPHRASE`, when set and not empty.
pub fn env_passphrase() -> Option<String> {
    std::env::var("HUKA_PASSPHRASE").ok().filter(|p| !p.is_empty())
}

/// The signing key's passphrase: `$HUKA_PASSPHRASE`, else asked on the terminal without echo
/// (twice for a new key), else one line of standard input.
pub fn passphrase(new_key: bool, lang: Lang) -> Result<String, Error> {
    if let Some(p) = env_passphrase() {
        return Ok(p);
    }
    let zh = lang == Lang::Zh;
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(if zh { "签名密钥口令：" } else { "Signing key passphrase: " })?;
        if new_key {
            let again = rpassword::prompt_password(if zh { "再输入一次：" } else { "Once more: " })?;
            if again != first {
                return Err(huka_core::labels::invalid("passphrase", Problem::PassphraseMismatch));
            }
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|p| !p.is_empty())
}

/// An account's password: `$HUKA_PASSWORD`, else asked on the terminal without echo.
pub fn password(lang: Lang) -> Result<String, Error> {
    ask("HUKA_PASSWORD", if lang == Lang::Zh { "密码：" } else { "Password: " }, false, lang)
}

/// A new password (a new account's, a reset): `$HUKA_NEW_PASSWORD` — or, when `first` is set
/// (init, encrypt: the first account), `$HUKA_PASSWORD` — else asked twice on the terminal.
pub fn new_password(first: bool, lang: Lang) -> Result<String, Error> {
    if let Some(p) = env("HUKA_NEW_PASSWORD").or_else(|| first.then(|| env("HUKA_PASSWORD")).flatten()) {
        return Ok(p);
    }
    ask("HUKA_NEW_PASSWORD", if lang == Lang::Zh { "新密码（至少 8 个字符）：" } else { "New password (8 characters or more): " }, true, lang)
}

fn ask(var: &str, prompt: &str, twice: bool, lang: Lang) -> Result<String, Error> {
    if let Some(p) = env(var) {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        // A login's password is a login problem; a new one is a missing input.
        return Err(if twice { huka_core::labels::invalid("password", Problem::Required) } else { Error::NeedLogin });
    }
    let first = rpassword::prompt_password(prompt)?;
    if twice {
        let again = rpassword::prompt_password(if lang == Lang::Zh { "再输入一次：" } else { "Once more: " })?;
        if again != first {
            return Err(huka_core::labels::invalid("password", Problem::PassphraseMismatch));
        }
    }
    Ok(first)
}
