//! The `huka` binary of development and tests. In a package, `huka` is the window's own
//! executable started under that name (`src-tauri/src/main.rs`): one program, two front doors.

fn main() -> std::process::ExitCode {
    huka_cli::main()
}
