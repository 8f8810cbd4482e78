//! `huka archive`: the term's paper archive (档案) as PDFs, one per household card
//! (`<household number>-<head name>.pdf`) and the school's volume, written into a folder.
//! Prints the files written (or, with `--json`, what the core returns); progress goes to
//! stderr when it is a terminal.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use huka_core::archive::{self, Fonts, Request};
use huka_core::term::Term;
use huka_core::{settings, Error, Lang, Store};

use crate::args::{parse_term, today};
use crate::out::{print_json, say};

#[derive(clap::Args)]
pub struct ArchiveArgs {
    /// The term, like 2026-autumn or 2027-spring
    #[arg(long, value_parser = parse_term)]
    term: Term,
    /// The folder to write the PDFs into (made if missing)
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Only this household (its household number); no volume
    #[arg(long, value_name = "NUMBER")]
    household: Option<String>,
    /// Print resident ID numbers in full (default: masked)
    #[arg(long)]
    full_ids: bool,
    /// Name the archivist (档案管理员) printed on the covers; the name is kept for next time
    #[arg(long, value_name = "NAME")]
    archivist: Option<String>,
    #[arg(long)]
    json: bool,
}

pub fn run(store: &mut Store, args: ArchiveArgs, lang: Lang) -> Result<ExitCode, Error> {
    if let Some(name) = &args.archivist {
        settings::set_archivist(store, name)?;
    }
    // Fail before reading anything when there is no Chinese font to set the pages in.
    let fonts = Fonts::find()?;
    let request = Request { term: args.term, household: args.household, full_ids: args.full_ids, today: today() };
    let prepared = archive::prepare(store, &request)?;
    let terminal = std::io::stderr().is_terminal();
    let written = prepared.write(&fonts, &args.out, &mut |done, total| {
        if terminal {
            let label = if lang == Lang::Zh { "档案" } else { "archive" };
            eprint!("\r{label} {done}/{total}");
            let _ = std::io::stderr().flush();
        }
    });
    // The progress line ends before anything else is said, a refusal too.
    if terminal {
        eprintln!();
    }
    let written = written?;
    if args.json {
        print_json(&written);
    } else {
        for f in written.cards.iter().chain(written.volume.iter()) {
            say!("{}", f.path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
