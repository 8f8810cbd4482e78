//! The demo school: a generated one, to try the app with.

use std::process::ExitCode;

use huka_core::demo::{self, DemoOptions};
use huka_core::{Error, Lang, Store};

use crate::out::say;

#[derive(clap::Args)]
pub struct DemoArgs {
    #[arg(long, default_value_t = DemoOptions::default().students)]
    students: usize,
    #[arg(long, default_value_t = DemoOptions::default().seed)]
    seed: u64,
}

pub fn run(store: &mut Store, args: DemoArgs, _lang: Lang) -> Result<ExitCode, Error> {
    let st = demo::generate(store, &DemoOptions { students: args.students, seed: args.seed })?;
    say!(
        "{} households, {} members, {} students, {} teachers",
        st.households, st.members, st.students, st.teachers
    );
    Ok(ExitCode::SUCCESS)
}
