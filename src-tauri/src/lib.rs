//! The desktop window: Tauri 2 commands over `huka-core`. Each command module matches a core
//! module of the same name; a command only unpacks arguments, calls the core with the store
//! of the logged-in account (`state`: nobody logged in, no store), and turns the core's typed
//! error into a [`CommandError`]. No SQL and no rules live here.

pub mod commands;
pub mod error;
pub mod state;
#[cfg(windows)]
pub mod webview2;
pub mod window;

use std::path::PathBuf;

use tauri::Manager;

pub use error::CommandError;
pub use state::AppState;

/// Registers the state and every command on a builder (also used by the tests with the mock runtime).
pub fn with_commands<R: tauri::Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    use commands::*;
    builder.manage(state).invoke_handler(tauri::generate_handler![
        session::session_status,
        session::session_create,
        session::session_login,
        session::session_lock,
        session::session_touch,
        session::session_recover,
        session::session_convert,
        account::account_list,
        account::account_add,
        account::account_disable,
        account::account_set_password,
        account::account_rotate_keys,
        account::password_strength,
        app::app_info,
        settings::settings_set_language,
        settings::settings_archivist,
        settings::settings_set_archivist,
        settings::settings_idle_minutes,
        settings::settings_set_idle_minutes,
        school::school_update,
        demo::demo_load,
        household::household_list,
        household::household_card,
        household::household_create,
        household::household_update,
        household::household_delete,
        household::household_set_teachers,
        member::member_create,
        member::member_update,
        member::member_delete,
        member::resident_id_check,
        teacher::teacher_list,
        teacher::teacher_create,
        teacher::teacher_update,
        teacher::teacher_delete,
        teacher::teacher_classes,
        teacher::teacher_set_classes,
        backup::backup_file_name,
        backup::backup_write,
        backup::backup_auto,
        backup::backup_inspect,
        backup::backup_restore,
        audit::audit_household,
        sync::sync_export,
        sync::sync_import,
        sync::sync_devices,
        sync::sync_refused,
        sync::sync_conflicts,
        sync::sync_resolve,
        sync::sync_join,
        import::import_preview,
        import::import_apply,
        import::import_save_rejects,
        import::registration_unlinked,
        pairing::pairing_assign,
        pairing::pairing_end,
        pairing::pairing_classes,
        pairing::pairing_assign_class,
        visit::visit_create,
        visit::visit_update,
        visit::visit_delete,
        visit::visit_topics,
        visit::visit_set_topics,
        visit::visit_last_topics,
        visit::visit_set_photo,
        visit::visit_photo,
        visit::follow_up_done,
        plan::plan_get,
        plan::plan_create,
        plan::plan_update,
        plan::plan_set_status,
        plan::plan_add_review,
        plan::plan_copy_previous,
        coverage::coverage_get,
        coverage::my_students,
        aid::aid_programmes,
        aid::aid_programme_create,
        aid::aid_programme_update,
        aid::aid_coverage,
        aid::aid_grants,
        aid::aid_grant,
        aid::aid_apply,
        aid::aid_advance,
        aid::aid_start_notice,
        aid::aid_record_objections,
        aid::aid_set_amount,
        aid::aid_reverse,
        aid::aid_withdraw,
        aid::aid_notice,
        aid::aid_last_signers,
        reconcile::reconcile_get,
        reconcile::reconcile_decide,
        reconcile::reconcile_reopen,
        signing::key_list,
        signing::key_create,
        signing::key_rotate,
        signing::key_cover_sheet,
        signing::key_export,
        signing::key_county_recipient,
        signing::key_register_county,
        bundle::bundle_preview,
        bundle::bundle_export,
        county::county_register,
        county::county_schools,
        county::county_ingest,
        county::county_terms,
        county::county_aggregate,
        county::county_report,
        county::county_key,
        county::county_key_create,
        county::county_key_export,
        county::county_key_export_identity,
        dropout::dropout_list,
        dropout::dropout_get,
        dropout::dropout_create,
        dropout::dropout_update,
        dropout::dropout_delete,
        dropout::dropout_set_outcome,
        dropout::dropout_add_action,
        dropout::dropout_delete_action,
        dropout::dropout_defaults,
        dropout::dropout_candidates,
        dropout::dropout_week,
        dropout::dropout_confirm_week,
        dropout::dropout_weeks,
        archive::archive_export,
        archive::archive_open,
        policy_card::policy_card_print,
        county::county_notice,
        school::school_set_contacts,
    ])
}

/// The database the window opens: `--db PATH` on the command line, else `$HUKA_DB`, else the
/// platform data directory (the same default as the `huka` CLI).
fn db_path_from_args() -> PathBuf {
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--db" {
            if let Some(p) = args.next() {
                return PathBuf::from(p);
            }
        } else if let Some(p) = a.strip_prefix("--db=") {
            return PathBuf::from(p);
        }
    }
    huka_core::paths::default_db_path()
}

pub fn run() {
    #[cfg(windows)]
    if !webview2::ensure_runtime() {
        std::process::exit(webview2::EXIT_MISSING);
    }
    let state = AppState::new(db_path_from_args());
    with_commands(tauri::Builder::default().plugin(tauri_plugin_dialog::init()), state)
        .setup(|app| {
            state::watch_idle(app.handle().clone());
            // Created hidden (tauri.conf.json): sized to the screen it is on, then shown.
            if let Some(main) = app.get_webview_window("main") {
                if let Err(e) = window::place(&main) {
                    eprintln!("the window could not be fitted to the screen: {e}");
                    let _ = main.show();
                }
            }
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("the window could not start");
}
