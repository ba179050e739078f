//! The visitor's languages: the one the widget speaks to them (its socket's `?lang=`), then
//! the `Accept-Language` their browser sends with the socket. Shown to agents beside the
//! visitor, and the language of the e-mails the shop sends them.

/// Tags kept per visitor: enough to find one the shop writes in.
const MAX_TAGS: usize = 4;
/// Longest tag kept (BCP 47's longest sensible ones, such as `zh-Hant-TW`, are far shorter).
const MAX_TAG_CHARS: usize = 16;

/// The visitor's languages as kept: the widget's (`widget`, from the socket's query) first,
/// then their browser's, each once. `None` when neither says a usable one.
pub fn of_visitor(widget: Option<&str>, accept_language: Option<&str>) -> Option<String> {
    let widget = widget.and_then(from_accept_language);
    let browser = accept_language.and_then(from_accept_language);
    let mut tags: Vec<&str> = Vec::with_capacity(MAX_TAGS);
    for tag in widget
        .iter()
        .chain(browser.iter())
        .flat_map(|tags| tags.split(','))
    {
        if tags.len() < MAX_TAGS && !tags.iter().any(|kept| kept.eq_ignore_ascii_case(tag)) {
            tags.push(tag);
        }
    }
    (!tags.is_empty()).then(|| tags.join(","))
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
    /// The language for a visitor with `locale` (as [`from_accept_language`] keeps it): the
    /// first of their tags the shop writes in, else English — as the widget picks its own.
    pub fn for_locale(locale: Option<&str>) -> Self {
        locale
            .into_iter()
            .flat_map(|tags| tags.split(','))
            .find_map(Self::from_tag)
            .unwrap_or(Self::En)
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
    use super::{Lang, from_accept_language, of_visitor};

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
    fn the_widgets_language_comes_first_then_the_browsers() {
        assert_eq!(
            of_visitor(Some("es"), Some("en-US,en;q=0.9,es;q=0.5")).as_deref(),
            Some("es,en-US,en")
        );
        assert_eq!(of_visitor(None, Some("pt-BR")).as_deref(), Some("pt-BR"));
        assert_eq!(of_visitor(Some("pt"), None).as_deref(), Some("pt"));
        assert_eq!(
            of_visitor(Some("es,en,fr,de"), Some("it")).as_deref(),
            Some("es,en,fr,de"),
            "at most four"
        );
        assert_eq!(of_visitor(Some("<b>"), Some("")), None);
    }

    #[test]
    fn letters_are_in_the_first_language_the_shop_writes() {
        assert_eq!(Lang::for_locale(Some("es-CL,es,en")), Lang::Es);
        assert_eq!(Lang::for_locale(Some("de-DE,pt-BR,en")), Lang::Pt);
        assert_eq!(Lang::for_locale(Some("EN-gb")), Lang::En);
        assert_eq!(Lang::for_locale(Some("de,fr")), Lang::En);
        assert_eq!(Lang::for_locale(None), Lang::En);
    }
}
