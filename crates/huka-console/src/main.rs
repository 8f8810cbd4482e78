//! `huka.exe` on Windows. The window's executable, `huka-app.exe`, is also the `huka` command
//! line, but it is a GUI program: `cmd.exe` and PowerShell do not wait for one, so its output
//! would land after the next prompt and a password could not be typed. This console program
//! (installed as `huka.exe` beside it) runs it as the command line (`HUKA_COMMAND_LINE`), in this
//! console, waits, and exits with its status — the `devenv.com` arrangement.
//!
//! It builds on every platform (the workspace is one), but only Windows packages ship it.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

const APP: &str = if cfg!(windows) { "huka-app.exe" } else { "huka-app" };

fn main() -> ExitCode {
    let app = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(APP)))
        .unwrap_or_else(|| PathBuf::from(APP));
    match Command::new(&app).args(std::env::args_os().skip(1)).env("HUKA_COMMAND_LINE", "1").status() {
        Ok(status) => ExitCode::from(status.code().map_or(1, |c| u8::try_from(c).unwrap_or(1))),
        Err(e) => {
            eprintln!("huka: 无法启动 {}（{e}）。请重新安装户卡。/ cannot start {}: {e}; reinstall Huka.", app.display(), app.display());
            ExitCode::from(2)
        }
    }
}
