//! The visitor's languages: their browser's (the `Accept-Language` it sends with the socket),
//! shown to agents beside the visitor; and the one the widget speaks to them (its socket's
//! `?lang=`), which the shop's e-mails to them are written in.

/// Tags kept per visitor: enough to find one the shop writes in.
const MAX_TAGS: usize = 4;
/// Longest tag kept (BCP 47's longest sensible ones, such as `zh-Hant-TW`, are far shorter).
const MAX_TAG_CHARS: usize = 16;

/// The language the widget says it speaks on its socket's query (`lang=es`), if it is one
/// the shop writes in.
pub fn widget_lang(query: Option<&str>) -> Option<Lang> {
    query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("lang="))
        .and_then(Lang::from_tag)
}

/// `es-CL,es;q=0.9,en;q=0.8` → `es-CL,es,en`: the tags, most preferred first (browsers send
/// them in that order), without weights; those refused (`q=0`), malformed or `*` left out.
/// `None` when no tag is left.
pub fn from_accept_language(header: &str) -> Option<String> {
    let tags: Vec<&str> = header
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let tag = pieces.next()?.trim();
            let refused = pieces.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q <= 0.0))
            });
            let well_formed = !tag.is_empty()
                && tag.len() <= MAX_TAG_CHARS
                && tag.starts_with(|c: char| c.is_ascii_alphabetic())
                && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            (well_formed && !refused).then_some(tag)
        })
        .take(MAX_TAGS)
        .collect();
    (!tags.is_empty()).then(|| tags.join(","))
}

/// A language the shop's e-mails are written in: those the widget speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Es,
    Pt,
}

impl Lang {
    /// The language to write to a visitor in: the widget's (`lang`, as stored), else the
    /// first of their browser's `locale` the shop writes in, else English — as the widget
    /// picks its own.
    pub fn for_visitor(lang: Option<&str>, locale: Option<&str>) -> Self {
        lang.and_then(Self::from_tag)
            .unwrap_or_else(|| Self::for_locale(locale))
    }

    /// The first of `locale`'s tags (as [`from_accept_language`] keeps them) the shop writes
    /// in, else English.
    fn for_locale(locale: Option<&str>) -> Self {
        locale
            .into_iter()
            .flat_map(|tags| tags.split(','))
            .find_map(Self::from_tag)
            .unwrap_or(Self::En)
    }

    /// As stored and sent: `es`, `en` or `pt`.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Es => "es",
            Self::Pt => "pt",
        }
    }

    /// Matches on the primary subtag: `es-CL` is Spanish, `pt-BR` Portuguese.
    fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.split('-').next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Self::En),
            "es" => Some(Self::Es),
            "pt" => Some(Self::Pt),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Lang, from_accept_language, widget_lang};

    #[test]
    fn tags_are_kept_in_the_browsers_order_without_weights() {
        assert_eq!(
            from_accept_language("es-CL,es;q=0.9,en;q=0.8").as_deref(),
            Some("es-CL,es,en")
        );
        assert_eq!(
            from_accept_language(" pt-BR , en-US;q=0.5 ").as_deref(),
            Some("pt-BR,en-US")
        );
        assert_eq!(
            from_accept_language("fr;q=0, de, *;q=0.1, en").as_deref(),
            Some("de,en")
        );
        assert_eq!(
            from_accept_language("a,b,c,d,e,f").as_deref(),
            Some("a,b,c,d")
        );
        for nothing in ["", " , ", "*", "<script>", "es_CL", "x".repeat(40).as_str()] {
            assert_eq!(from_accept_language(nothing), None, "{nothing:?}");
        }
    }

    #[test]
    fn the_widget_says_its_language_on_the_query() {
        assert_eq!(widget_lang(Some("lang=es")), Some(Lang::Es));
        assert_eq!(widget_lang(Some("x=1&lang=pt")), Some(Lang::Pt));
        assert_eq!(widget_lang(Some("lang=de")), None);
        assert_eq!(widget_lang(Some("lang=%3Cb%3E")), None);
        assert_eq!(widget_lang(None), None);
    }

    #[test]
    fn letters_are_in_the_first_language_the_shop_writes() {
        assert_eq!(Lang::for_locale(Some("es-CL,es,en")), Lang::Es);
        assert_eq!(Lang::for_locale(Some("de-DE,pt-BR,en")), Lang::Pt);
        assert_eq!(Lang::for_locale(Some("EN-gb")), Lang::En);
        assert_eq!(Lang::for_locale(Some("de,fr")), Lang::En);
        assert_eq!(Lang::for_locale(None), Lang::En);
        // The widget's language, when it said, wins: the shop pinned it, or picked it from
        // the same browser list.
        assert_eq!(Lang::for_visitor(Some("pt"), Some("es-CL,es")), Lang::Pt);
        assert_eq!(Lang::for_visitor(None, Some("es-CL,es")), Lang::Es);
    }
}
