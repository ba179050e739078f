//! Canned replies in the reply box: finding the `/shortcut` being typed, the replies it
//! matches, and putting the chosen one in its place. Plain functions, tested natively.

use pronto_protocol::agent::CannedReply;

/// Most suggestions shown at once: more would hide the conversation behind a list.
pub const MOST_SHOWN: usize = 8;

/// The `/word` at the end of `draft`, if the agent is typing one: where it starts (the
/// slash's byte offset) and the word without the slash. A slash inside a word (`24/7`,
/// `https://`) is not a shortcut.
pub fn typed_shortcut(draft: &str) -> Option<(usize, &str)> {
    let start = draft.rfind(char::is_whitespace).map_or(0, |at| {
        at + draft[at..].chars().next().map_or(1, char::len_utf8)
    });
    let word = &draft[start..];
    let name = word.strip_prefix('/')?;
    (!name.contains('/')).then_some((start, name))
}

/// The replies whose shortcut starts with `typed` (case-insensitive), then those that only
/// contain it, each group in the owner's order; at most [`MOST_SHOWN`].
pub fn matching(replies: &[CannedReply], typed: &str) -> Vec<CannedReply> {
    let typed = typed.to_lowercase();
    let starts = replies.iter().filter(|r| r.shortcut.starts_with(&typed));
    let contains = replies
        .iter()
        .filter(|r| !r.shortcut.starts_with(&typed) && r.shortcut.contains(&typed));
    starts.chain(contains).take(MOST_SHOWN).cloned().collect()
}

/// `draft` with the shortcut that starts at `at` replaced by `text`.
pub fn insert(draft: &str, at: usize, text: &str) -> String {
    format!("{}{text}", &draft[..at])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canned(shortcut: &str) -> CannedReply {
        CannedReply {
            shortcut: shortcut.into(),
            text: format!("text of {shortcut}"),
        }
    }

    #[test]
    fn a_shortcut_is_a_slash_word_at_the_end() {
        assert_eq!(typed_shortcut("/env"), Some((0, "env")));
        assert_eq!(typed_shortcut("/"), Some((0, "")));
        assert_eq!(typed_shortcut("Hola Ana.\n/hor"), Some((10, "hor")));
        assert_eq!(typed_shortcut("¡Hola! /talla"), Some((8, "talla")));
        for not in [
            "",
            "envio",
            "/envio ",
            "abierto 24/7",
            "https://x",
            "a /b/c",
        ] {
            assert_eq!(typed_shortcut(not), None, "{not:?}");
        }
    }

    #[test]
    fn prefixes_come_before_other_matches() {
        let replies = [
            canned("devolucion"),
            canned("envio"),
            canned("envio-gratis"),
        ];
        let names = |typed| {
            matching(&replies, typed)
                .into_iter()
                .map(|r| r.shortcut)
                .collect::<Vec<_>>()
        };
        assert_eq!(names("env"), ["envio", "envio-gratis"]);
        assert_eq!(names("ENV"), ["envio", "envio-gratis"]);
        assert_eq!(names("o"), ["devolucion", "envio", "envio-gratis"]);
        assert_eq!(names("grat"), ["envio-gratis"]);
        assert_eq!(names("x").len(), 0);
        assert_eq!(names("").len(), 3);
        let many: Vec<_> = (0..20).map(|n| canned(&format!("r{n}"))).collect();
        assert_eq!(matching(&many, "r").len(), MOST_SHOWN);
    }

    #[test]
    fn the_chosen_reply_replaces_the_shortcut() {
        let draft = "Hola Ana. /env";
        let (at, _) = typed_shortcut(draft).unwrap();
        assert_eq!(
            insert(draft, at, "Enviamos en 24 h."),
            "Hola Ana. Enviamos en 24 h."
        );
    }
}
