//! Support for the end-to-end tests: finding (and building) the binaries under test, and a
//! small WebDriver client for the real window.

pub mod webdriver;
pub mod workbooks;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is in the workspace").to_path_buf()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"))
}

/// Builds `bin` of `package` (debug) once per test process and returns its path. Cargo has
/// released its lock by the time tests run, so this is an ordinary incremental build.
fn built(package: &str, bin: &str, cell: &'static OnceLock<PathBuf>) -> PathBuf {
    cell.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "-p", package, "--bin", bin])
            .current_dir(root())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building {bin} failed");
        target_dir().join("debug").join(bin)
    })
    .clone()
}

/// The `huka` command-line binary.
pub fn huka_bin() -> PathBuf {
    static CELL: OnceLock<PathBuf> = OnceLock::new();
    built("huka-cli", "huka", &CELL)
}

/// `huka.exe`'s console launcher (`huka-console`), built beside the window's executable.
pub fn console_bin() -> PathBuf {
    static CELL: OnceLock<PathBuf> = OnceLock::new();
    built("huka-console", "huka-console", &CELL)
}

/// A poverty-household list of one household (王建国, head, and his son 王小明, with their
/// resident ID numbers) as a CSV file in `dir`, for the tests that need a known card.
pub fn one_household_list(dir: &Path) -> PathBuf {
    let list = dir.join("名单.csv");
    std::fs::write(
        &list,
        "户编号,户主姓名,与户主关系,姓名,证件号码\n610921001,王建国,户主,王建国,610921198001010114\n610921001,王建国,之子,王小明,61092120130305001X\n",
    )
    .unwrap();
    list
}

/// The test installations' first account: every CLI test logs in as them.
pub const PRINCIPAL: &str = "wang";
pub const PASSWORD: &str = "principal-pass";

/// `huka --db DB ARGS` as the tests run it: logged in as [`PRINCIPAL`] (`$HUKA_USER`,
/// `$HUKA_PASSWORD`), stdin closed. A path with no database is set up first — a school, or
/// a county for `county …` — since only `init` creates one; `init` itself gets the principal
/// (or reviewer) unless the test names one.
pub fn huka_command(db: &Path, args: &[&str]) -> Command {
    let first = args.first().copied().unwrap_or_default();
    let joins = args.starts_with(&["sync", "import"]); // into no database: joins the school
    if !db.exists() && !["init", "encrypt", "verify"].contains(&first) && !joins {
        let setup: &[&str] = if first == "county" {
            &["init", "--county-name", "汉阴县", "--reviewer", PRINCIPAL]
        } else {
            &["init", "--school-code", "2161092101", "--school-name", "涧池镇九年制学校", "--principal", PRINCIPAL]
        };
        let out = base_command(db).args(setup).output().expect("huka runs");
        assert!(out.status.success(), "setting up {}: {}", db.display(), String::from_utf8_lossy(&out.stderr));
    }
    let mut c = base_command(db);
    c.args(args);
    let named = args.iter().any(|a| ["--principal", "--county-name", "--reviewer"].contains(a));
    if first == "init" && !named {
        c.args(["--principal", PRINCIPAL]);
    }
    c
}

fn base_command(db: &Path) -> Command {
    let mut c = Command::new(huka_bin());
    c.arg("--db")
        .arg(db)
        .env("HUKA_USER", PRINCIPAL)
        .env("HUKA_PASSWORD", PASSWORD)
        .env("LANG", "C.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("HUKA_LANG")
        .env_remove("HUKA_PASSPHRASE")
        .env_remove("HUKA_NEW_PASSWORD")
        .stdin(std::process::Stdio::null());
    c
}

/// The desktop app binary (with the front end from ui/dist embedded); `$HUKA_APP` overrides
/// it (for measuring a release build).
pub fn app_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("HUKA_APP") {
        return PathBuf::from(p);
    }
    static CELL: OnceLock<PathBuf> = OnceLock::new();
    assert!(
        root().join("ui/dist/assets").is_dir(),
        "ui/dist has no built front end: run `npm --prefix ui run build` (scripts/test.sh does)"
    );
    built("huka-app", "huka-app", &CELL)
}
