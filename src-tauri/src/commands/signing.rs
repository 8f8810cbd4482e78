use std::path::PathBuf;

use huka_core::bundle::seal::CountyRecipient;
use huka_core::signing::{self, CoverSheet, KeyInfo};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The school's signing keys: the current one first, then retired ones.
#[tauri::command]
pub fn key_list(state: State<'_, AppState>) -> CommandResult<Vec<KeyInfo>> {
    state.with(|store| signing::keys(store))
}

#[tauri::command(async)]
pub fn key_create(state: State<'_, AppState>, passphrase: String) -> CommandResult<KeyInfo> {
    state.with(|store| signing::create(store, &passphrase))
}

#[tauri::command(async)]
pub fn key_rotate(state: State<'_, AppState>, passphrase: String) -> CommandResult<KeyInfo> {
    state.with(|store| signing::rotate(store, &passphrase))
}

#[tauri::command]
pub fn key_cover_sheet(state: State<'_, AppState>) -> CommandResult<CoverSheet> {
    state.with(|store| signing::cover_sheet(store))
}

/// Writes the public key as a `.pub` file; `path` comes from the save dialog.
#[tauri::command]
pub fn key_export(state: State<'_, AppState>, path: PathBuf) -> CommandResult<KeyInfo> {
    state.with(|store| signing::write_public_key(store, &path))
}

/// The county bureau's encryption key the school's bundles are sealed to, once registered.
#[tauri::command]
pub fn key_county_recipient(state: State<'_, AppState>) -> CommandResult<Option<CountyRecipient>> {
    state.with(|store| huka_core::bundle::county_recipient(store))
}

/// Registers (or replaces) the county's encryption key from the file the bureau gave, chosen
/// in the open dialog. The window shows the fingerprint to compare with the bureau's sheet.
#[tauri::command]
pub fn key_register_county(state: State<'_, AppState>, path: PathBuf) -> CommandResult<CountyRecipient> {
    state.with(|store| {
        let text = read_small(&path).ok_or(huka_core::bundle::SealError::BadCountyRecipient)?;
        huka_core::bundle::register_county_recipient(store, &text)
    })
}

/// A small text file (a key file is a few hundred bytes); `None` when it is not one.
fn read_small(path: &std::path::Path) -> Option<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path).ok()?.take(64 * 1024).read_to_end(&mut bytes).ok()?;
    String::from_utf8(bytes).ok()
}
