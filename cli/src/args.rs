//! The command line as typed: clap definitions only. `main.rs` turns these into calls on the profile.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "rally", version, about = "Rally from the command line: identities and events, offline")]
pub struct Cli {
    /// Data folder of the profile [default: $RALLY_DATA, else the platform's data folder]
    #[arg(long, global = true, value_name = "DIR")]
    pub data: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Identities: the faces you organize and join events as
    #[command(subcommand)]
    Identity(IdentityCommand),
    /// Events, drafts included
    #[command(subcommand)]
    Event(EventCommand),
    /// Your account on a relay: sign up, log in and out (the session token goes to the OS keyring)
    #[command(subcommand)]
    Account(AccountCommand),
    /// Writes events to a file other software reads
    #[command(subcommand)]
    Export(ExportCommand),
    /// Reads events from another calendar's file, as drafts
    #[command(subcommand)]
    Import(ImportCommand),
    /// The people taking part in one of your events: list, accept, refuse, invite, export
    #[command(subcommand)]
    Participants(ParticipantsCommand),
    /// Your private "events I attend" calendar feed
    #[command(subcommand)]
    Feed(FeedCommand),
    /// Groups: a shared calendar, members with roles (membership through the relay)
    #[command(subcommand)]
    Group(GroupCommand),
    /// People, groups and events of other servers (Mobilizon, Mastodon, other relays): follow, join
    #[command(subcommand)]
    Federation(FederationCommand),
    /// Reports an event, an identity or a group to the relay's moderators
    Report {
        /// What: event, identity, group, or remote (an event or person of another server)
        kind: String,
        /// Its id (an event's or group's document id, an identity's id; for remote, its URL)
        id: String,
        /// For remote: send the report to its server's moderators too (without saying who you are)
        #[arg(long)]
        forward: bool,
        /// Who reports (username or id of one of your identities); moderators see it, nobody else
        #[arg(long)]
        identity: String,
        /// What is wrong, for the moderators
        #[arg(long)]
        comment: String,
    },
    /// Syncs this profile's documents with its relay, until interrupted (or once)
    Sync {
        /// Sync what there is now, wait until the relay has caught up, and exit
        #[arg(long)]
        once: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum FederationCommand {
    /// One of your identities follows a person or group of another server (@name@host or its URL)
    Follow {
        handle: String,
        /// Who follows (username or id)
        #[arg(long)]
        identity: String,
        #[arg(long)]
        json: bool,
    },
    /// Whom your identities follow, and whether the other server accepted
    Follows {
        #[arg(long)]
        json: bool,
    },
    /// The events of those you follow, soonest first
    Events {
        #[arg(long)]
        json: bool,
    },
    /// Asks to join a remote event (its id from `rally federation events`)
    Join {
        event: String,
        #[arg(long)]
        identity: String,
        /// A message to the organizer
        #[arg(long, default_value = "")]
        message: String,
        #[arg(long)]
        json: bool,
    },
    /// Leaves a remote event
    Leave {
        event: String,
        #[arg(long)]
        identity: String,
    },
    /// The remote events your identities take part in (or asked to), and what their servers answered
    TakingPart {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Creates a group founded by one of your identities (its first administrator); needs the relay
    Create {
        /// The founding identity (username or id)
        #[arg(long)]
        identity: String,
        #[command(flatten)]
        fields: GroupFields,
        #[arg(long)]
        json: bool,
    },
    /// Changes a group's settings (administrators; offline too, sent with the next sync)
    Edit {
        group: String,
        #[command(flatten)]
        fields: GroupFields,
        #[arg(long)]
        json: bool,
    },
    /// Shows a group this profile has, with your place in it
    Show {
        group: String,
        #[arg(long)]
        json: bool,
    },
    /// Your groups, invitations and requests, as this device last heard (refreshed first when it can)
    List {
        #[arg(long)]
        json: bool,
    },
    /// Deletes a group (administrators)
    Delete { group: String },
    /// Invites someone by username (administrators)
    Invite {
        group: String,
        username: String,
        #[arg(long)]
        json: bool,
    },
    /// Accepts an invitation, with the identity that was invited
    Accept {
        group: String,
        #[arg(long)]
        identity: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Declines an invitation
    Decline { group: String },
    /// Joins an open group, or asks to join a moderated one (by @name, id or link)
    Join {
        group: String,
        #[arg(long)]
        identity: String,
        /// A message to the administrators
        #[arg(long, default_value = "")]
        message: String,
        #[arg(long)]
        json: bool,
    },
    /// Leaves a group (or takes back a request)
    Leave { group: String },
    /// Members, invitations and requests (requests and invitations: administrators only)
    Members {
        group: String,
        #[arg(long)]
        json: bool,
    },
    /// Approves a request to join (administrators)
    Approve { group: String, member: String },
    /// Refuses a request to join (administrators)
    Refuse { group: String, member: String },
    /// Gives a member a role: administrator, moderator or member (administrators)
    Role { group: String, member: String, role: String },
    /// Removes a member, an invitation or a request (administrators)
    Remove { group: String, member: String },
}

/// A group's settings; on edit, only those given change.
#[derive(Debug, Args)]
pub struct GroupFields {
    #[arg(long)]
    pub name: Option<String>,
    /// Its @username, unique on the relay (set at creation, then fixed)
    #[arg(long)]
    pub username: Option<String>,
    #[arg(long)]
    pub summary: Option<String>,
    /// public, unlisted or private
    #[arg(long)]
    pub visibility: Option<String>,
    /// open (anyone joins), moderated (administrators approve) or invite_only
    #[arg(long)]
    pub openness: Option<String>,
    #[arg(long)]
    pub place_name: Option<String>,
    #[arg(long)]
    pub address: Option<String>,
    /// A PNG, JPEG, WebP or GIF file
    #[arg(long, value_name = "FILE")]
    pub avatar: Option<PathBuf>,
    /// A PNG, JPEG, WebP or GIF file
    #[arg(long, value_name = "FILE")]
    pub banner: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ParticipantsCommand {
    /// Requests and participants of one of your events, as this device last heard them (refreshed
    /// first when the relay can be reached)
    List {
        event: String,
        #[arg(long)]
        json: bool,
    },
    /// Accepts requests; offline, the decision is kept and sent with the next sync
    Accept {
        event: String,
        #[arg(required = true, value_name = "PARTICIPATION_ID")]
        ids: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Refuses requests; offline, the decision is kept and sent with the next sync
    Refuse {
        event: String,
        #[arg(required = true, value_name = "PARTICIPATION_ID")]
        ids: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Invites identities (by username) to an event only invited people may join
    Invite {
        event: String,
        #[arg(required = true, value_name = "USERNAME")]
        usernames: Vec<String>,
    },
    /// Writes the participant list as CSV
    Export {
        event: String,
        #[arg(short, long, value_name = "FILE.csv")]
        output: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum FeedCommand {
    /// Shows its secret address (https and webcal)
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Gives it a new secret address; the old one stops working
    Reset {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// An iCalendar (.ics) file, for any calendar application
    #[command(group = clap::ArgGroup::new("which").required(true))]
    Ics {
        /// One event, by id
        #[arg(long, group = "which")]
        event: Option<String>,
        /// Every event of one identity (username or id)
        #[arg(long, group = "which")]
        identity: Option<String>,
        /// Every event of this profile, drafts included
        #[arg(long, group = "which")]
        all: bool,
        /// Where to write it
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// An iCalendar (.ics) file: its events become drafts of one identity; importing the same file
    /// again adds nothing twice (events keep their UID)
    Ics {
        file: PathBuf,
        /// The identity (username or id) the drafts belong to
        #[arg(long)]
        identity: String,
        /// The zone for times the file gives without one, unless the file names one
        #[arg(long, default_value = "UTC")]
        tz: String,
        /// Say what would be imported and skipped, import nothing
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Creates an account; the relay mails a confirmation link. The password is asked on the
    /// terminal, or read from the first line of standard input when that is not a terminal.
    Signup {
        /// The relay, e.g. http://127.0.0.1:8787
        #[arg(long)]
        server: String,
        #[arg(long)]
        email: String,
    },
    /// Logs this profile in (password as for signup)
    Login {
        #[arg(long)]
        server: String,
        #[arg(long)]
        email: String,
    },
    /// Logs this profile out and forgets its token
    Logout,
    /// Shows which account this profile is logged into, and whether the relay accepts its session
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Asks the relay to mail a password reset link
    ResetPassword {
        #[arg(long)]
        server: String,
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum IdentityCommand {
    /// Creates an identity and prints its id
    Create {
        #[arg(long)]
        username: String,
        /// Display name (defaults to the username)
        #[arg(long, default_value = "")]
        name: String,
        #[arg(long, default_value = "")]
        bio: String,
        /// A PNG, JPEG, WebP or GIF file
        #[arg(long, value_name = "FILE")]
        avatar: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    /// Shows an identity, by username or id
    Show {
        identity: String,
        #[arg(long)]
        json: bool,
    },
    /// Changes the given fields of an identity
    Edit {
        identity: String,
        #[arg(long)]
        username: Option<String>,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        bio: Option<String>,
        #[arg(long, value_name = "FILE", conflicts_with = "remove_avatar")]
        avatar: Option<PathBuf>,
        #[arg(long)]
        remove_avatar: bool,
        #[arg(long)]
        json: bool,
    },
    /// Deletes an identity and the events it organizes
    Delete { identity: String },
}

#[derive(Debug, Subcommand)]
pub enum EventCommand {
    /// Creates an event and prints its id
    Create {
        #[command(flatten)]
        fields: Box<EventFields>,
        #[arg(long)]
        json: bool,
    },
    /// Changes the given fields of an event
    Edit {
        id: String,
        #[command(flatten)]
        fields: Box<EventFields>,
        #[arg(long)]
        json: bool,
    },
    /// Publishes a draft
    Publish {
        id: String,
        #[arg(long)]
        json: bool,
    },
    Delete {
        id: String,
    },
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Lists events in start order
    List {
        /// Only events that end after this (RFC 3339 or YYYY-MM-DD, UTC)
        #[arg(long)]
        from: Option<String>,
        /// Only events that start before this (RFC 3339 or YYYY-MM-DD, UTC)
        #[arg(long)]
        to: Option<String>,
        /// Only drafts
        #[arg(long, conflicts_with = "published")]
        drafts: bool,
        /// Only published events
        #[arg(long)]
        published: bool,
        /// Only events organized by this identity
        #[arg(long)]
        identity: Option<String>,
        /// Only the events of this group (@name or id)
        #[arg(long)]
        group: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Full-text search over titles, descriptions, tags and places
    Search {
        text: String,
        #[arg(long)]
        json: bool,
    },
    /// Asks to join an event (its id, or its page's address) as one of your identities
    Join {
        event: String,
        #[arg(long)]
        identity: String,
        /// A message to the organizer
        #[arg(long, default_value = "")]
        message: String,
        #[arg(long)]
        json: bool,
    },
    /// Leaves an event you joined
    Leave {
        event: String,
        #[arg(long)]
        identity: String,
        #[arg(long)]
        json: bool,
    },
    /// Events your identities take part in, as this device last heard (refreshed first when it can)
    Attending {
        #[arg(long)]
        json: bool,
    },
    /// The occurrences of a repeating event, cancelled and moved ones marked
    Occurrences {
        id: String,
        /// Only occurrences that end after this (RFC 3339 or YYYY-MM-DD, UTC) [default: now]
        #[arg(long)]
        from: Option<String>,
        /// Only occurrences that start before this (RFC 3339 or YYYY-MM-DD, UTC)
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Cancels one occurrence of a repeating event
    CancelOccurrence {
        id: String,
        #[command(flatten)]
        at: OccurrenceAt,
    },
    /// Moves one occurrence of a repeating event to other times
    MoveOccurrence {
        id: String,
        #[command(flatten)]
        at: OccurrenceAt,
        /// Its new start, in the forms --start takes
        #[arg(long)]
        start: String,
        /// Its new end
        #[arg(long)]
        end: String,
        #[arg(long)]
        json: bool,
    },
    /// Undoes the cancellation or the move of one occurrence
    RestoreOccurrence {
        id: String,
        #[command(flatten)]
        at: OccurrenceAt,
    },
}

#[derive(Debug, Args)]
pub struct OccurrenceAt {
    /// Which occurrence: the start the rule gives it, as a local time in the event's zone
    /// ("2026-12-08 19:00"), an RFC 3339 instant, or a day for an all-day event
    #[arg(long)]
    pub at: String,
}

/// Every editable field of an event. On create, the missing ones take their defaults; on edit, they
/// keep their current value.
#[derive(Debug, Args)]
pub struct EventFields {
    /// Organizing identity (username or id)
    #[arg(long)]
    pub identity: Option<String>,
    /// The group it belongs to (@name or id; "none" for none): its administrators and moderators edit it
    #[arg(long)]
    pub group: Option<String>,
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    /// RFC 3339 instant, or a local time (2026-12-31T19:30) in --tz, or a day with --all-day
    #[arg(long)]
    pub start: Option<String>,
    /// Same forms as --start; with --all-day, the last day
    #[arg(long)]
    pub end: Option<String>,
    /// IANA time zone, e.g. Europe/Paris
    #[arg(long)]
    pub tz: Option<String>,
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub all_day: Option<bool>,
    /// Keep it a draft (not published)
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub draft: Option<bool>,
    #[arg(long)]
    pub place_name: Option<String>,
    #[arg(long)]
    pub address: Option<String>,
    #[arg(long, allow_hyphen_values = true)]
    pub lat: Option<f64>,
    #[arg(long, allow_hyphen_values = true)]
    pub lon: Option<f64>,
    #[arg(long)]
    pub online_url: Option<String>,
    /// tentative, confirmed or cancelled
    #[arg(long)]
    pub status: Option<String>,
    /// public, unlisted or private
    #[arg(long)]
    pub visibility: Option<String>,
    /// free, approval, invite or external
    #[arg(long)]
    pub join_mode: Option<String>,
    /// Where to register, with --join-mode external
    #[arg(long)]
    pub registration_url: Option<String>,
    #[arg(long)]
    pub capacity: Option<u32>,
    /// Removes the capacity limit
    #[arg(long, conflicts_with = "capacity")]
    pub no_capacity: bool,
    /// When full, put people on a waiting list that moves up when someone leaves (else refuse them)
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub waiting_list: Option<bool>,
    /// Let people without an account take part from the public page, with a confirmed email address
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub anonymous: Option<bool>,
    /// A tag; repeat for several (on edit, replaces the tags)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Removes every tag
    #[arg(long, conflicts_with = "tags")]
    pub clear_tags: bool,
    /// A Mobilizon category, e.g. MEETING, MUSIC, COMMUNITY
    #[arg(long)]
    pub category: Option<String>,
    #[command(flatten)]
    pub repeat: RepeatFields,
    /// A PNG, JPEG, WebP or GIF file
    #[arg(long, value_name = "FILE", conflicts_with = "remove_picture")]
    pub picture: Option<PathBuf>,
    #[arg(long)]
    pub remove_picture: bool,
}

/// How an event repeats. On edit, the given flags change the rule the event has.
#[derive(Debug, Args)]
pub struct RepeatFields {
    /// How it repeats: daily, weekly, monthly, yearly, or never
    #[arg(long)]
    pub repeat: Option<String>,
    /// Every N days, weeks, months or years
    #[arg(long, value_name = "N")]
    pub every: Option<u32>,
    /// Weekly: the days it happens on, e.g. tue,thu (the first day among them)
    #[arg(long, value_delimiter = ',', value_name = "DAYS")]
    pub on: Vec<String>,
    /// Monthly: on the same date, or the same weekday counted in the month (weekday, last-weekday)
    #[arg(long, value_name = "date|weekday|last-weekday")]
    pub monthly_by: Option<String>,
    /// The last day it may happen on (YYYY-MM-DD, in the event's zone)
    #[arg(long, value_name = "DAY", conflicts_with_all = ["count", "forever"])]
    pub until: Option<String>,
    /// How many times it happens in all
    #[arg(long, conflicts_with = "forever")]
    pub count: Option<u32>,
    /// It repeats with no end
    #[arg(long)]
    pub forever: bool,
}
