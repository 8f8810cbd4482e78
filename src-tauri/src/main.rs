//! One executable, two front doors. Started plainly (or with only `--db PATH`) it opens the
//! window; started under the name `huka` (the Debian package's link to it), with a command
//! (`huka-app stats`), or by `huka.exe`, the Windows console launcher (`crates/huka-console`,
//! which sets `HUKA_COMMAND_LINE`), it is the `huka` command line.
//! One program keeps the package small: the core, SQLCipher and Typst are in it once.

// No console window on Windows release builds; the command line attaches to its caller's.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut argv = std::env::args_os();
    let name = argv.next();
    let args: Vec<OsString> = argv.collect();
    if std::env::var_os(COMMAND_LINE).is_none() && opens_window(name.as_deref(), &args) {
        huka_app::run();
        ExitCode::SUCCESS
    } else {
        #[cfg(windows)]
        attach_console();
        huka_cli::main()
    }
}

/// Set by `huka.exe` on Windows: run as the command line whatever the arguments.
const COMMAND_LINE: &str = "HUKA_COMMAND_LINE";

/// The window, unless the program runs as `huka` or is given anything but `--db PATH`.
fn opens_window(name: Option<&OsStr>, args: &[OsString]) -> bool {
    let stem = name.map(Path::new).and_then(Path::file_stem);
    if stem.is_some_and(|s| s.eq_ignore_ascii_case("huka")) {
        return false;
    }
    match args {
        [] => true,
        [a] => a.to_str().is_some_and(|a| a.starts_with("--db=")),
        [a, _] => a == "--db",
        _ => false,
    }
}

/// A Windows GUI program has no console: the command line writes to, and reads passwords
/// from, the console of whoever started it (`cmd.exe`, or `huka.exe`, the console launcher).
/// Without one (started from Explorer) the standard handles it inherited are used as they are.
#[cfg(windows)]
fn attach_console() {
    use windows_sys::Win32::System::Console::{AttachConsole, ATTACH_PARENT_PROCESS};
    // SAFETY: no arguments beyond a constant; failure (no parent console) is harmless.
    unsafe {
        AttachConsole(ATTACH_PARENT_PROCESS);
    }
}

#[cfg(test)]
mod tests {
    use super::opens_window;
    use std::ffi::{OsStr, OsString};

    fn window(name: &str, args: &[&str]) -> bool {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        opens_window(Some(OsStr::new(name)), &args)
    }

    #[test]
    fn the_window_opens_when_started_plainly_or_on_another_database() {
        assert!(window("/usr/bin/huka-app", &[]));
        assert!(window("huka-app", &["--db", "/media/u/huka.db"]));
        assert!(window("C:\\Program Files\\Huka\\huka-app.exe", &["--db=D:\\huka.db"]));
    }

    #[test]
    fn the_command_line_runs_as_huka_or_with_a_command() {
        assert!(!window("/usr/bin/huka", &[]));
        assert!(!window("/usr/bin/huka", &["--db", "x.db"]));
        assert!(!window("C:\\Huka\\HUKA.EXE", &["stats"]));
        assert!(!window("huka-app", &["stats", "--json"]));
        assert!(!window("huka-app", &["--db", "x.db", "stats"]));
        assert!(!window("huka-app", &["--version"]));
        assert!(!window("huka-app", &["--db"]));
    }
}
