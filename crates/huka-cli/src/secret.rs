//! Secrets: from the environment, else asked on the terminal without echo, else one line of
//! standard input (a script's pipe).

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
                return Err(Error::invalid("passphrase", Problem::PassphraseMismatch));
            }
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}
