//! Size limits every side agrees on; the server enforces them, the clients respect them.

/// Largest text frame the server reads; larger frames get a `frame_too_large` error.
pub const MAX_FRAME_BYTES: usize = 16 * 1024;
/// Longest chat message, in characters (not bytes: Spanish and Portuguese use accents).
pub const MAX_MESSAGE_CHARS: usize = 4_000;
/// Longest site id (`data-site` on the script tag).
pub const MAX_SITE_ID_CHARS: usize = 64;
/// Longest visitor token the server will look up.
pub const MAX_TOKEN_CHARS: usize = 128;
/// Longest agent e-mail address or display name.
pub const MAX_NAME_CHARS: usize = 120;
/// Longest agent password accepted at sign-in (argon2 work is bounded by it).
pub const MAX_PASSWORD_CHARS: usize = 256;
