//! Every word the console shows, in one place so a translation replaces one file.

use pronto_protocol::limits::MAX_MESSAGE_CHARS;
use pronto_protocol::{ErrorCode, ProtocolError};

use crate::api::ApiError;

pub const PRODUCT: &str = "Pronto";
pub const LOADING: &str = "Loading…";

// Sign-in.
pub const SIGN_IN_TITLE: &str = "Sign in to the console";
pub const EMAIL: &str = "Email";
pub const PASSWORD: &str = "Password";
pub const SIGN_IN: &str = "Sign in";
pub const SIGNING_IN: &str = "Signing in…";
pub const SERVER_UNREACHABLE: &str =
    "The server could not be reached. Check your connection and try again.";

// Header.
pub const SIGN_OUT: &str = "Sign out";
pub const CONNECTING: &str = "Connecting…";
pub const RECONNECTING: &str = "Reconnecting…";
pub const SIGNED_IN_AS: &str = "Signed in as";
pub const DISMISS: &str = "Dismiss";

// Queue.
pub const WAITING_VISITORS: &str = "Waiting visitors";
pub const NOBODY_WAITING: &str = "Nobody is waiting";
pub const TAKE: &str = "Take";
pub const TAKE_NEXT: &str = "Take next";

/// Under the queue list when more visitors wait than it shows.
pub fn more_waiting(count: u32) -> String {
    format!("…and {count} more waiting")
}

// Conversations.
pub const YOUR_CONVERSATIONS: &str = "Your conversations";
pub const NO_CONVERSATIONS: &str = "No open conversations. Take a visitor from the queue.";
pub const CLOSED: &str = "Closed";
pub const NO_SELECTION: &str = "Select a conversation, or take a visitor from the queue.";
pub const NO_MESSAGES: &str = "No messages yet.";
pub const VISITOR_TYPING: &str = "The visitor is typing…";
pub const MESSAGES: &str = "Messages";
pub const CLOSE_CONVERSATION: &str = "Close conversation";
pub const CONVERSATION_CLOSED: &str = "Conversation closed";
pub const REMOVE_FROM_LIST: &str = "Remove from list";
pub const REPLY: &str = "Reply";
pub const REPLY_PLACEHOLDER: &str = "Type a reply. Enter sends, Shift+Enter starts a new line.";
pub const SEND: &str = "Send";
// Internal notes.
pub const NOTE: &str = "Internal note";
pub const NOTE_PLACEHOLDER: &str = "A note only your team sees. Enter adds it.";
pub const ADD_NOTE: &str = "Add note";
/// After the author's name on a note.
pub const NOTE_SUFFIX: &str = " · internal note";
pub const SENDING: &str = "Sending…";
pub const RETRY: &str = "Retry";
pub const DISCARD: &str = "Discard";

// Handing a conversation to a teammate.
pub const TRANSFER: &str = "Transfer";
pub const TRANSFER_TO: &str = "Transfer to";
pub const LOADING_TEAM: &str = "Finding who is online…";
pub const NOBODY_TO_TRANSFER_TO: &str = "Nobody else on the team is online.";
pub const AWAY: &str = "away";
pub const CANCEL: &str = "Cancel";
pub const TRANSFER_WAITS_FOR_REPLIES: &str =
    "Your replies are still being sent; transfer once they are.";

/// After this agent handed a conversation on.
pub fn handed_away(visitor: &str, teammate: &str) -> String {
    format!("{visitor} is with {teammate} now.")
}

/// When a teammate handed this agent a conversation.
pub fn handed_to_you(teammate: &str, visitor: &str) -> String {
    format!("{teammate} handed you the conversation with {visitor}.")
}

/// Automatic assignment gave the agent a visitor from the line.
pub fn assigned_to_you(visitor: &str) -> String {
    format!("{visitor} was assigned to you.")
}

// Who answers (settings).
pub const WHO_ANSWERS: &str = "Who answers";
pub const ASSIGN_AUTOMATICALLY: &str = "Assign waiting visitors automatically";
pub const ASSIGN_AUTOMATICALLY_HINT: &str = "Each visitor who writes goes at once to the agent \
     online with a free slot and the fewest chats; when every slot is full they wait in line \
     and go to the first that frees. Off: agents take visitors from the queue. Agents can \
     always take more than their slots by hand.";
pub const CHATS_AT_ONCE: &str = "chats at once";

/// The accessible name of a teammate's slots field.
pub fn chats_at_once_for(name: &str) -> String {
    format!("Chats {name} takes at once")
}

/// A teammate's slots are not a number the server takes.
pub fn slots_out_of_range(name: &str) -> String {
    format!(
        "{name}'s chats at once must be a whole number from 1 to {}.",
        pronto_protocol::limits::MAX_SLOTS
    )
}

/// How many of their slots the agent's open conversations fill, beside "Your conversations".
pub fn chats_of_slots(chats: usize, slots: u32) -> String {
    format!("{chats} of {slots}")
}

/// The accessible name of the count above.
pub fn chats_of_slots_label(chats: usize, slots: u32) -> String {
    format!("{chats} open of the {slots} chats you take at once")
}

/// The accessible name of a teammate's button in the transfer list.
pub fn transfer_to(teammate: &str) -> String {
    format!("{TRANSFER_TO} {teammate}")
}

// Alerts.
pub const VISITOR_WAITING: &str = "A visitor is waiting";
pub const ALERTS: &str = "Alerts";
pub const STEP_AWAY: &str = "Away";
pub const AWAY_HINT: &str = "While you are away, visitors see that nobody is there unless a teammate is, and are offered e-mail at once. Your chats go on.";
pub const ALERTS_BLOCKED: &str = "This browser blocks notifications from the console; allow them in its site settings to get alerts.";

// The visitor's past.
pub const NO_EARLIER: &str = "First conversation with this visitor.";

/// The summary of the visitor's past: "First seen 2026-11-20 14:05 · 2 earlier conversations".
pub fn visitor_past(first_seen: &str, earlier: usize) -> String {
    match earlier {
        0 => format!("First seen {first_seen} · {NO_EARLIER}"),
        1 => format!("First seen {first_seen} · 1 earlier conversation"),
        n => format!("First seen {first_seen} · {n} earlier conversations"),
    }
}

/// One earlier conversation, folded: "2026-11-20 14:05 · 4 messages · Ana".
pub fn earlier_conversation(started: &str, messages: usize, agent: Option<&str>) -> String {
    let count = if messages == 1 {
        "1 message".to_owned()
    } else {
        format!("{messages} messages")
    };
    match agent {
        Some(agent) => format!("{started} · {count} · {agent}"),
        None => format!("{started} · {count} · {}", NOBODY_ANSWERED),
    }
}

pub const NOBODY_ANSWERED: &str = "nobody answered";

/// A day and time, "2026-11-20 14:05".
pub fn day_and_time(day: &str, hours: u32, minutes: u32) -> String {
    format!("{day} {}", clock_time(hours, minutes))
}

// Pages of the console (owners see both).
pub const CHATS: &str = "Chats";
pub const DASHBOARD: &str = "Dashboard";
pub const SETTINGS: &str = "Settings";

// The owner's settings.
pub const QUICK_ANSWERS: &str = "Quick answers";
pub const QUICK_ANSWERS_HINT: &str = "The widget offers these while visitors type a matching question, in their language, and asks whether the answer solved it; \"no\" passes the question to your team.";
pub const LANGUAGE: &str = "Language";
pub const QUESTION: &str = "Question, as a visitor would ask it";
pub const ANSWER: &str = "Answer";
pub const KEYWORDS: &str = "Other words visitors use (optional)";
pub const REMOVE: &str = "Remove";
pub const ADD_QUICK_ANSWER: &str = "Add a quick answer";
pub const SAVE_QUICK_ANSWERS: &str = "Save quick answers";
pub const SAVE: &str = "Save";
pub const SAVED: &str = "Saved.";
pub const WAITS: &str = "Waiting and targets";
pub const ASK_EMAIL_AFTER: &str = "Offer to reply by e-mail after this many minutes in line";
pub const REPLY_TARGET: &str = "A live chat's first reply is on target within (minutes)";
pub const EMAIL_REPLY_TARGET: &str =
    "A first reply that goes by e-mail (the visitor had left) is on target within (hours)";
pub const WHOLE_HOURS: &str = "Write the e-mail target in whole hours, 1 to 168 (a week).";
pub const WHOLE_MINUTES: &str = "Write whole minutes, such as 3.";
pub const SCRIPT_TAG: &str = "Script tag";
pub const SCRIPT_TAG_HINT: &str = "Paste this line into every page of your shop, in the head or at the end of the body. The widget takes its colour, corner and language from it: paste it again after changing them.";

// The shop.
pub const SHOP: &str = "Shop";
pub const SHOP_NAME: &str = "Shop name, at the top of the chat";
pub const GREETING: &str = "Greeting, under the name";
pub const ALLOWED_ORIGINS: &str = "Storefront addresses allowed to show the chat, one per line";
pub const ALLOWED_ORIGINS_HINT: &str =
    "Such as https://tienda.example (no path). This server's own pages are always allowed.";

// Opening hours.
pub const OPENING_HOURS: &str = "Opening hours";
pub const OPENING_HOURS_HINT: &str = "Outside these hours the widget tells visitors when you open again. A day without hours is closed; closing at 00:00 means midnight.";
pub const ALWAYS_OPEN: &str = "Always open (no schedule)";
pub const TIME_ZONE: &str = "Time zone";
pub const TIME_ZONE_HINT: &str =
    "A name such as America/Santiago or Europe/Madrid; the hours below are on its clock.";
pub const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
pub const OPENS: &str = "Opens";
pub const CLOSES: &str = "Closes";
pub const CLOSED_ALL_DAY: &str = "Closed all day.";
pub const HOLIDAYS: &str = "Holidays (closed all day)";
pub const NO_HOLIDAYS: &str = "No holidays.";
pub const CLOSED_ON: &str = "Closed on";
pub const ADD_HOLIDAY: &str = "Add a holiday";
pub const SAVE_HOURS: &str = "Save opening hours";

/// The accessible name of a weekday's "Add hours" button (its visible words first).
pub fn add_hours_on(day: &str) -> String {
    format!("{ADD_HOURS} on {day}")
}

/// The accessible name of the button removing one of a day's intervals.
pub fn remove_hours_on(day: &str, opens: &str, closes: &str) -> String {
    format!("Remove {day} {opens}–{closes}")
}

/// The accessible name of the button removing a holiday.
pub fn remove_holiday(date: &str) -> String {
    if date.is_empty() {
        "Remove this holiday".into()
    } else {
        format!("Remove the holiday {date}")
    }
}

pub const ADD_HOURS: &str = "Add hours";

// Canned replies (their title is `CANNED_REPLIES`, below).
pub const CANNED_REPLIES_HINT: &str = "Your team types /shortcut in the reply box to call one up.";
pub const SHORTCUT: &str = "Shortcut (lowercase letters, digits, - or _)";
pub const CANNED_TEXT: &str = "Reply";
pub const ADD_CANNED_REPLY: &str = "Add a canned reply";
pub const SAVE_CANNED_REPLIES: &str = "Save canned replies";

/// The accessible name of a canned reply's Remove button.
pub fn remove_canned_reply(shortcut: &str) -> String {
    if shortcut.trim().is_empty() {
        REMOVE.into()
    } else {
        format!("{REMOVE} /{}", shortcut.trim())
    }
}

// The team.
pub const TEAM: &str = "Team";
pub const ONLINE: &str = "online";
pub const OFFLINE: &str = "offline";
pub const ROLE: &str = "Role";
pub const ROLE_OWNER: &str = "Owner: chats, numbers and settings";
pub const ROLE_AGENT: &str = "Agent: chats";
pub const ADD_AGENT: &str = "Add an agent";
pub const AGENT_NAME: &str = "Name";
pub const AGENT_EMAIL: &str = "E-mail";
pub const TEMPORARY_PASSWORD: &str = "Temporary password (at least 8 characters)";
pub const TEMPORARY_PASSWORD_HINT: &str = "Tell them this password; they sign in with it.";

/// A teammate's role, in the list.
pub fn role_name(role: pronto_protocol::agent::Role) -> &'static str {
    match role {
        pronto_protocol::agent::Role::Owner => "owner",
        pronto_protocol::agent::Role::Agent => "agent",
    }
}

/// Once a new account is made.
pub fn agent_added(name: &str) -> String {
    format!("{name} can sign in now.")
}

// The widget's look.
pub const APPEARANCE: &str = "Widget";
pub const ACCENT: &str = "Accent colour";
pub const ACCENT_PICKER: &str = "Colour";
pub const ACCENT_CODE: &str = "Code, #rrggbb (empty: the default blue)";
pub const DEFAULT_ACCENT: &str = "Use the default blue";
pub const POSITION: &str = "Corner";
pub const POSITION_RIGHT: &str = "Bottom right";
pub const POSITION_LEFT: &str = "Bottom left";
pub const WIDGET_LANGUAGE: &str = "Language";
pub const FOLLOW_BROWSER: &str = "Each visitor's browser language";
pub const SAVE_APPEARANCE: &str = "Save widget look";
pub const PREVIEW: &str = "Preview";
pub const PREVIEW_HINT: &str = "The real widget with the choices above and your saved name and greeting. It is only a picture: it takes no messages.";
pub const PREVIEW_TITLE: &str = "Preview of the chat widget";
pub const COPY: &str = "Copy";
pub const COPIED: &str = "Copied.";
pub const NOT_COPIED: &str = "Could not copy: select the text and copy it.";

/// A language's name as the owner reads it.
pub fn language_name(code: &str) -> &'static str {
    match code {
        "es" => "Spanish",
        "pt" => "Portuguese",
        _ => "English",
    }
}
/// The visitor's language, from their browser's list (`es-CL,es,en`): "Spanish (es-CL)", or
/// the tag itself for a language without a name here.
pub fn visitor_language(locale: &str) -> String {
    let tag = locale.split(',').next().unwrap_or_default();
    let primary = tag
        .split('-')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let name = match primary.as_str() {
        "es" => "Spanish",
        "en" => "English",
        "pt" => "Portuguese",
        "fr" => "French",
        "de" => "German",
        "it" => "Italian",
        _ => return tag.to_owned(),
    };
    format!("{name} ({tag})")
}

/// The same, as a whole sentence for the visitor's context.
pub fn speaks(locale: &str) -> String {
    format!("Speaks {}", visitor_language(locale))
}

/// Before the page a visitor is on: "On /zapatillas".
pub const ON_PAGE: &str = "On";

/// A storefront page's address without its origin: `https://tienda.example/zapatillas?talla=38`
/// → `/zapatillas?talla=38`, the shop's home as `/`.
pub fn page_path(address: &str) -> String {
    let after_scheme = address.split_once("://").map_or(address, |(_, rest)| rest);
    match after_scheme.find(['/', '?']) {
        Some(at) if after_scheme[at..].starts_with('/') => after_scheme[at..].to_owned(),
        Some(at) => format!("/{}", &after_scheme[at..]),
        None => "/".to_owned(),
    }
}

pub const CONSOLE_PAGES: &str = "Console pages";

pub const EMAIL_TRANSCRIPT: &str = "E-mail transcript";

/// Once the transcript has gone.
pub fn transcript_sent(email: &str) -> String {
    format!("Transcript sent to {email}.")
}

// Follow-ups.
pub const FOLLOW_UPS: &str = "Follow-ups";
pub const NO_FOLLOW_UPS: &str =
    "Nothing to follow up. Mark an ended conversation to come back to it.";
pub const DUE: &str = "Due";
pub const FOLLOW_UP_NOW: &str = "Follow up now";
pub const STILL_OPEN: &str = "Still open";
pub const FOLLOW_UP_ON: &str = "Follow up on";
pub const SET_FOLLOW_UP: &str = "Set follow-up";
pub const TAKE_OFF_FOLLOW_UP: &str = "Cancel follow-up";

/// The count beside the title, e.g. "2 due".
pub fn due_count(due: usize) -> String {
    format!("{due} due")
}

/// The label of one "Follow up now" button, for screen readers (starting with what it says,
/// for voice control).
pub fn follow_up_with(visitor: &str) -> String {
    format!("Follow up now with {visitor}")
}

pub fn cancel_follow_up_with(visitor: &str) -> String {
    format!("Cancel follow-up with {visitor}")
}

pub fn marked_by(agent: &str) -> String {
    format!("Marked by {agent}")
}

/// Under an ended conversation marked for a day.
pub fn follow_up_on(day: &str) -> String {
    format!("Follow up on {day}")
}

// The owner's dashboard.
pub const NUMBERS: &str = "Numbers";
pub const PERIOD: &str = "Period";
pub const DOWNLOAD_CSV: &str = "Download CSV";
pub const LOADING_NUMBERS: &str = "Adding up…";
pub const CONVERSATIONS: &str = "Conversations";
pub const ANSWERED: &str = "Answered";
pub const MISSED: &str = "Missed (ended with no reply)";
pub const UNANSWERED_NOW: &str = "Waiting for a reply now";
pub const FIRST_REPLY: &str = "First reply";
pub const TIME_IN_QUEUE: &str = "Time in queue";
pub const MEDIAN: &str = "median";
pub const P90: &str = "9 in 10 within";
pub const PER_DAY: &str = "Per day";
pub const PER_AGENT: &str = "Per agent";
pub const DATE: &str = "Date";
pub const AGENT: &str = "Agent";
pub const ON_TARGET: &str = "On target";
pub const BY_EMAIL_ON_TARGET: &str = "By e-mail, on target";
pub const SATISFACTION: &str = "Rated good";
pub const INSTANT_ANSWERS: &str = "Quick answers that solved it";
pub const NONE_YET: &str = "—";
pub const CHART_LABEL: &str = "Conversations per day; the darker part was answered on target";

/// "Last 7 days".
pub fn last_days(days: u32) -> String {
    format!("Last {days} days")
}

/// The heading of the share answered on target: "First reply on target (2 min live, 3 h by
/// e-mail)".
pub fn on_target_heading(live_secs: u32, email_secs: u32) -> String {
    format!(
        "First reply on target ({} live, {} by e-mail)",
        target_time(live_secs),
        target_time(email_secs)
    )
}

/// The heading of the share of e-mailed first replies on target: "By e-mail within 3 h".
pub fn email_on_target_heading(email_secs: u32) -> String {
    format!("First reply by e-mail within {}", target_time(email_secs))
}

/// A target as the owner set it: "2 min", "3 h", or to the second when neither.
fn target_time(secs: u32) -> String {
    if secs >= 3600 && secs.is_multiple_of(3600) {
        format!("{} h", secs / 3600)
    } else if secs.is_multiple_of(60) {
        format!("{} min", secs / 60)
    } else {
        wait_time(i64::from(secs))
    }
}

/// "75 % (3 of 4)", or a dash with nothing to count.
pub fn share(part: u32, whole: u32) -> String {
    if whole == 0 {
        return NONE_YET.into();
    }
    let percent = (u64::from(part) * 100 + u64::from(whole) / 2) / u64::from(whole);
    format!("{percent} % ({part} of {whole})")
}

/// A duration in the dashboard, or a dash when there is nothing to measure.
pub fn maybe_duration(secs: Option<u32>) -> String {
    secs.map_or_else(|| NONE_YET.into(), |secs| wait_time(i64::from(secs)))
}

/// A bar's tooltip in the chart.
pub fn day_bar(date: &str, conversations: u32, on_target: u32) -> String {
    format!("{date}: {conversations} conversations, {on_target} answered on target")
}

// Canned replies.
pub const CANNED_REPLIES: &str = "Canned replies";
pub const CANNED_HINT: &str = "↑ ↓ to choose, Enter or Tab to insert, Esc to close";

/// How long a visitor has waited: "45 s", "2 min 05 s", "1 h 02 min".
pub fn wait_time(secs: i64) -> String {
    let secs = secs.max(0);
    let (hours, minutes, seconds) = (secs / 3600, secs / 60 % 60, secs % 60);
    if hours > 0 {
        format!("{hours} h {minutes:02} min")
    } else if minutes > 0 {
        format!("{minutes} min {seconds:02} s")
    } else {
        format!("{seconds} s")
    }
}

/// A message's time of day, "HH:MM".
pub fn clock_time(hours: u32, minutes: u32) -> String {
    format!("{hours:02}:{minutes:02}")
}

/// The accessible name of a queue entry's Take button; it starts with the visible word.
pub fn take_visitor(visitor: &str) -> String {
    format!("{TAKE} {visitor}")
}

/// Read out beside an unread badge, whose bare number means nothing to a screen reader.
pub fn unread(count: u32) -> String {
    format!("{count} unread")
}

/// Under a reply the server refused, with why.
pub fn not_sent(reason: &str) -> String {
    format!("Not sent: {reason}")
}

/// In the banner, for a refused reply to a conversation no longer on screen.
pub fn reply_not_sent(reason: &str) -> String {
    format!("A reply could not be sent: {reason}")
}

/// What an error frame means for the agent. Codes the console can explain get our words
/// (and will get translations); anything else shows the server's message, which is written
/// for people too.
pub fn error_text(error: &ProtocolError) -> String {
    match error.code {
        ErrorCode::AlreadyTaken => "This visitor was already taken by another agent.".into(),
        ErrorCode::NotYourConversation => "That conversation belongs to another agent.".into(),
        ErrorCode::ConversationNotFound => "That conversation no longer exists.".into(),
        ErrorCode::ConversationClosed => "That conversation is closed.".into(),
        ErrorCode::MessageTooLong => {
            format!("Messages are at most {MAX_MESSAGE_CHARS} characters.")
        }
        ErrorCode::Unauthorized => "Your session has ended. Please sign in again.".into(),
        ErrorCode::MessageEmpty => "The reply is empty.".into(),
        ErrorCode::DuplicateId => "Another message already has this reply's id.".into(),
        // The server's message names the teammate and why.
        ErrorCode::AgentUnavailable => format!("Not transferred: {}.", error.message),
        _ => error.message.clone(),
    }
}

/// What a failed HTTP call means for the agent.
pub fn api_error_text(error: &ApiError) -> String {
    match error {
        ApiError::Refused(refusal) => error_text(refusal),
        ApiError::Status(_) | ApiError::Network(_) => SERVER_UNREACHABLE.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_shown_by_its_path() {
        assert_eq!(
            page_path("https://tienda.example/zapatillas/runner?talla=38"),
            "/zapatillas/runner?talla=38"
        );
        assert_eq!(page_path("https://tienda.example"), "/");
        assert_eq!(page_path("https://tienda.example/"), "/");
        assert_eq!(page_path("http://127.0.0.1:4173?p=12"), "/?p=12");
    }

    #[test]
    fn wait_times_read_naturally() {
        assert_eq!(wait_time(-3), "0 s");
        assert_eq!(wait_time(45), "45 s");
        assert_eq!(wait_time(125), "2 min 05 s");
        assert_eq!(wait_time(3600 + 2 * 60 + 9), "1 h 02 min");
    }

    #[test]
    fn shares_are_whole_percentages_with_the_counts() {
        assert_eq!(share(2, 3), "67 % (2 of 3)");
        assert_eq!(share(0, 0), "—");
        assert_eq!(maybe_duration(Some(90)), "1 min 30 s");
        assert_eq!(maybe_duration(None), "—");
    }

    #[test]
    fn clock_times_are_zero_padded() {
        assert_eq!(clock_time(9, 5), "09:05");
    }
}
