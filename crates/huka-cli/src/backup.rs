//! Backups (备份) and restoring one (恢复).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use huka_core::backup;
use huka_core::{Error, Lang, Store};

use crate::out::{print_json, say};

#[derive(clap::Args)]
pub struct BackupArgs {
    /// The folder to write into (a USB stick): huka-<school>-<date>-<time>.hukabackup
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct RestoreArgs {
    /// The .hukabackup file
    #[arg(value_name = "BACKUP")]
    backup: PathBuf,
    /// Restore even a backup of another school (the principal's decision)
    #[arg(long)]
    force: bool,
    #[arg(long)]
    json: bool,
}

/// Writes an encrypted backup into a folder; prints its path.
pub fn backup(store: &mut Store, args: BackupArgs, lang: Lang) -> Result<ExitCode, Error> {
    let path = args.out.join(backup::file_name(store, chrono::Utc::now())?);
    let info = backup::write(store, &path)?;
    if args.json {
        print_json(&serde_json::json!({ "path": path, "backup": info }));
    } else {
        say!("{}", path.display());
        say!("{}", if lang == Lang::Zh { "已加密：用同样的账号和密码才能打开。" } else { "Encrypted: the same accounts and passwords open it." });
    }
    Ok(ExitCode::SUCCESS)
}

/// Restores a backup to the database path (there may be none yet), logging in to both.
pub fn restore(db: &Path, user: Option<String>, args: RestoreArgs, lang: Lang) -> Result<ExitCode, Error> {
    let zh = lang == Lang::Zh;
    let user = user.or_else(|| std::env::var("HUKA_USER").ok()).filter(|u| !u.trim().is_empty()).ok_or(Error::NeedLogin)?;
    let password = crate::secret::password(lang)?;
    let r = backup::restore(db, &args.backup, &user, &password, args.force)?;
    if args.json {
        print_json(&r);
        return Ok(ExitCode::SUCCESS);
    }
    let b = &r.backup;
    let school = format!("{} {}", b.school_code.clone().unwrap_or_default(), b.school_name.clone().unwrap_or_default());
    let when = b.description.created_at.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M");
    if zh {
        say!("已恢复：{school} 于 {when} 的备份（{} 户，{} 名学生）", b.counts.households, b.counts.students);
    } else {
        say!("Restored: the backup of {school} made {when} ({} households, {} students)", b.counts.households, b.counts.students);
    }
    if let Some(kept) = &r.kept_previous {
        say!("{}{}", if zh { "原数据库已另存为：" } else { "The database that was there is kept as: " }, kept.display());
    }
    Ok(ExitCode::SUCCESS)
}
