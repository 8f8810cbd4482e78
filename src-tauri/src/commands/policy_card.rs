//! The families' policy cards (明白卡): one PDF into the folder the user chose in the dialog.

use std::path::PathBuf;

use chrono::NaiveDate;
use huka_core::archive::policy_card::{self, Paper, Request, Written};
use huka_core::archive::Fonts;
use huka_core::policy_card::Scope;
use huka_core::term::Term;
use tauri::State;

use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

/// Prints the cards of `scope` for `term` into `folder` (from the folder dialog). The cards
/// are read under the store lock; the pages are typeset without it.
#[tauri::command(async)]
pub fn policy_card_print(state: State<'_, AppState>, term: Term, scope: Scope, paper: Paper, folder: PathBuf, today: NaiveDate) -> CommandResult<Written> {
    let fonts = Fonts::find().map_err(CommandError::from)?;
    let prepared = state.with(|store| policy_card::prepare(store, &Request { term, scope, paper, today }))?;
    prepared.write(&fonts, &folder).map_err(CommandError::from)
}
