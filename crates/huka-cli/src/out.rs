//! Standard output: lines (`say!`) and pretty JSON.

/// `println!` that ends the program quietly on a closed pipe (see [`write_line`]).
macro_rules! say {
    ($($arg:tt)*) => { $crate::out::write_line(format_args!($($arg)*)) };
}
pub(crate) use say;

pub fn print_json(value: &impl serde::Serialize) {
    say!("{}", serde_json::to_string_pretty(value).expect("serializable"));
}

/// Writes a line to stdout. A closed pipe (`huka … | head`) ends the program quietly
/// instead of panicking the way `println!` does.
pub fn write_line(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(line).and_then(|()| out.write_all(b"\n")) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("huka: {e}");
        std::process::exit(1);
    }
}
