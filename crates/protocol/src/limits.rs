//! Size limits every side agrees on; the server enforces them, the clients respect them.

/// Largest text frame the server reads; larger frames get a `frame_too_large` error.
pub const MAX_FRAME_BYTES: usize = 16 * 1024;
/// Longest chat message, in characters (not bytes: Spanish and Portuguese use accents).
pub const MAX_MESSAGE_CHARS: usize = 4_000;
/// Longest site id (`data-site` on the script tag).
pub const MAX_SITE_ID_CHARS: usize = 64;
/// Longest visitor token the server will look up.
pub const MAX_TOKEN_CHARS: usize = 160;
/// Longest display name (an agent's, or a visitor's from `identify`), or agent e-mail address.
pub const MAX_NAME_CHARS: usize = 120;
/// Most chats an owner may give one agent at once (`slots`): beyond a handful, answers
/// get slow and nobody's wait is honest.
pub const MAX_SLOTS: u32 = 10;
/// Longest agent password accepted at sign-in (argon2 work is bounded by it).
pub const MAX_PASSWORD_CHARS: usize = 256;
/// Longest client-generated message id.
pub const MAX_CLIENT_ID_CHARS: usize = 64;
/// Frames a connection may send per second, on average…
pub const FRAMES_PER_SECOND: u32 = 5;
/// …and at once after a pause (a burst of quick replies or a resent outbox).
pub const FRAME_BURST: u32 = 30;
/// Frames refused in a row for going too fast before the server closes the connection.
pub const RATE_STRIKES_BEFORE_CLOSE: u32 = 20;
/// Open sockets from one IP address (a family on one router, a shop floor on one Wi-Fi).
pub const MAX_CONNECTIONS_PER_IP: usize = 64;
/// Conversations one visitor may start in an hour.
pub const MAX_CONVERSATIONS_PER_HOUR: u32 = 10;
/// Failed sign-ins to one account, then to one address, within `SIGN_IN_WINDOW_SECS`
/// before further attempts are refused until the window passes.
pub const MAX_FAILED_SIGN_INS_PER_ACCOUNT: usize = 5;
pub const MAX_FAILED_SIGN_INS_PER_ADDRESS: usize = 20;
pub const SIGN_IN_WINDOW_SECS: u64 = 15 * 60;
/// Longest shop greeting, in characters.
pub const MAX_GREETING_CHARS: usize = 500;
/// Most storefront origins one site may list.
pub const MAX_ALLOWED_ORIGINS: usize = 20;
/// Longest e-mail address (RFC 5321's limit on a path).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Longest customer id a shop may pass in `identify`.
pub const MAX_USER_ID_CHARS: usize = 128;
/// Most open intervals in one day of a shop's opening hours ("09:00–13:00, 14:00–18:00" is 2).
pub const MAX_OPEN_INTERVALS_PER_DAY: usize = 8;
/// Most holidays (dates closed) a shop may list. Fewer than the weeks in a year, so a shop
/// open at least one day a week always opens again within a year.
pub const MAX_HOLIDAYS: usize = 50;

/// The longest an owner may set the wait before the widget offers e-mail, or the live chat's
/// target for a first reply: a day, in seconds.
pub const MAX_SETTING_SECS: u32 = 86_400;

/// The longest e-mail reply target an owner may set: a week.
pub const MAX_EMAIL_TARGET_SECS: u32 = 7 * 86_400;

/// Most canned replies one shop may keep…
pub const MAX_CANNED_REPLIES: usize = 200;
/// …and the longest shortcut that calls one up (`/envio`), without the slash.
pub const MAX_SHORTCUT_CHARS: usize = 32;

/// Most quick answers one shop may keep (in all its languages together)…
pub const MAX_QUICK_ANSWERS: usize = 100;
/// …the longest question one answers, and its keywords…
pub const MAX_QUESTION_CHARS: usize = 200;
pub const MAX_KEYWORDS_CHARS: usize = 200;
/// …and the longest answer.
pub const MAX_ANSWER_CHARS: usize = 2_000;

/// The longest comment a visitor may add to their rating of a conversation.
pub const MAX_RATING_COMMENT_CHARS: usize = 1_000;

/// How many of a visitor's other conversations the console shows beside the one on screen.
pub const EARLIER_CONVERSATIONS_SHOWN: usize = 20;

/// The most follow-ups `GET /api/site/follow-ups` lists (the soonest).
pub const MAX_FOLLOW_UPS_LISTED: i64 = 200;

/// How many waiting visitors the console's queue view lists; the rest are counted. Every queue
/// change goes to every agent of the site, so the frame stays small however long the line is.
pub const QUEUE_VIEW_ENTRIES: usize = 50;

/// The shortest password an owner may give a new agent.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// How often a client says again that someone is typing, while they type…
pub const TYPING_REPEAT_MS: u32 = 3_000;
/// …and how long the other side shows "typing" after the last time it heard so.
pub const TYPING_LASTS_MS: u32 = 7_000;

/// Longest address of the storefront page a visitor is on that the shop keeps; a longer one
/// is cut (its start, the shop's origin and path, is what says where they are).
pub const MAX_PAGE_CHARS: usize = 500;
