//! The desktop shell: opens the profile, starts background sync, registers the commands, shows the
//! window, and turns what sync hears of participations into desktop notifications. Everything a command does is a call on [`rally_core::profile::Profile`] or on
//! `rally_client`; the UI lives in `ui/`.

mod commands;
mod notifications;
mod open_links;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rally_client::sync::background::BackgroundSync;
use rally_core::{data_dir, profile::Profile};

/// What commands share: the profile (also sync's storage), the background sync, and where files for
/// people to open are saved.
pub struct Desktop {
    pub profile: Arc<Mutex<Profile>>,
    pub sync: BackgroundSync,
    pub downloads: PathBuf,
    /// An event page a `rally:` link asked to open, until the window takes it.
    pub opened: Arc<Mutex<Option<String>>>,
}

/// The value of `--NAME VALUE` or `--NAME=VALUE` on the command line.
fn flag(name: &str) -> Option<PathBuf> {
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == name {
            return args.next().map(PathBuf::from);
        }
        if let Some(value) = arg.strip_prefix(name).and_then(|rest| rest.strip_prefix('=')) {
            return Some(PathBuf::from(value));
        }
    }
    None
}

pub fn run() {
    // `--data DIR`, else `RALLY_DATA`, else the platform's data folder.
    let dir = data_dir::resolve(flag("--data")).unwrap_or_else(|err| {
        eprintln!("rally: cannot open the profile: {err}");
        std::process::exit(1);
    });
    let profile = Profile::open(&dir).unwrap_or_else(|err| {
        eprintln!("rally: cannot open the profile: {err}");
        std::process::exit(1);
    });
    // A `rally:` link goes to the window already open on this profile, if there is one.
    let link_arg = std::env::args().find(|a| a.starts_with("rally:"));
    let opened = Arc::new(Mutex::new(link_arg.as_deref().and_then(open_links::event_page)));
    match open_links::claim(&dir, link_arg.as_deref(), opened.clone()) {
        Ok(open_links::Claim::HandedOver) => return,
        Ok(open_links::Claim::Serving | open_links::Claim::Beside) => {}
        Err(err) => eprintln!("rally: links from other windows will not arrive: {err}"),
    }
    if let Err(err) = std::env::current_exe().and_then(|exe| open_links::register(&exe)) {
        eprintln!("rally: could not become the handler of rally: links: {err}");
    }
    let profile = Arc::new(Mutex::new(profile));
    // Sync runs on Tauri's tokio runtime; the window never waits on it.
    let sync = tauri::async_runtime::block_on(async { BackgroundSync::start(profile.clone()) });
    let (news, titles) = (sync.news(), profile.clone());
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .setup(move |app| {
            notifications::start(app.handle().clone(), news, titles);
            Ok(())
        })
        .manage(Desktop { profile, sync, downloads: data_dir::downloads(flag("--downloads")), opened })
        .invoke_handler(tauri::generate_handler![
            commands::list_identities,
            commands::create_identity,
            commands::update_identity,
            commands::delete_identity,
            commands::identity_avatar,
            commands::list_events,
            commands::calendar,
            commands::search_events,
            commands::get_event,
            commands::event_picture,
            commands::create_event,
            commands::update_event,
            commands::publish_event,
            commands::delete_event,
            commands::restore_draft,
            commands::event_occurrences,
            commands::edit_occurrence,
            commands::account_status,
            commands::withheld_documents,
            commands::sign_up,
            commands::log_in,
            commands::log_out,
            commands::request_password_reset,
            commands::sync_status,
            commands::save_event_ics,
            commands::event_links,
            commands::import_ics,
            commands::public_event,
            commands::join_event,
            commands::leave_event,
            commands::my_participations,
            commands::event_requests,
            commands::decide,
            commands::save_participants_csv,
            commands::private_feed,
            commands::open_link,
            commands::open_saved_file,
            commands::take_opened_link,
            commands::my_groups,
            commands::refresh_groups,
            commands::create_group,
            commands::update_group,
            commands::group_avatar,
            commands::group_calendar,
            commands::find_group,
            commands::join_group,
            commands::leave_group,
            commands::group_members,
            commands::decide_on_member,
            commands::federation_kept,
            commands::follow,
            commands::join_remote,
            commands::leave_remote,
            commands::group_followers,
            commands::decide_follower,
            commands::report,
            commands::moderation_desk,
            commands::moderate,
        ])
        .run(tauri::generate_context!("../tauri.conf.json"));
    if let Err(err) = result {
        eprintln!("rally: the window failed: {err}");
        std::process::exit(1);
    }
}
