//! Instant answers: which of the shop's quick answers match what a visitor is typing.
//!
//! Runs in the visitor's browser as they type, so it is small and allocation-light, and it
//! forgives what people do when typing fast on a phone: no accents (`envio` for `envío`),
//! any case, a letter missed, doubled, swapped or wrong (`devolucion`, `devoluciónes`,
//! `devloución`), plurals (`envíos`), and the little words of Spanish, English and
//! Portuguese (`¿cuánto tarda el envío?` is about `tarda` and `envío`).
//!
//! ```
//! use pronto_answers::Index;
//!
//! let index = Index::new([
//!     ("¿Cuánto tarda el envío?", "envío despacho entrega"),
//!     ("¿Puedo devolver un producto?", "devolución cambio"),
//! ]);
//! // Typed without accents and with a typo: still the shipping answer, first.
//! assert_eq!(index.search("cuanto tarda el envo"), [0]);
//! assert_eq!(index.search("DEVOLUCIONES"), [1]);
//! assert!(index.search("hola").is_empty());
//! ```

/// Most answers offered at once.
pub const MOST_OFFERED: usize = 3;

/// Words that say nothing about what the visitor wants, in the three languages, written as
/// [`words`] leaves them (lowercase, no accents).
const LITTLE_WORDS: &[&str] = &[
    // Spanish
    "a", "al", "como", "con", "cual", "cuando", "de", "del", "donde", "el", "en", "es", "esta",
    "hay", "hola", "la", "las", "lo", "los", "me", "mi", "mis", "no", "para", "por", "que", "se",
    "si", "su", "sus", "un", "una", "y", "yo", "puedo", "quiero", "tienen", "tengo",
    // English
    "an", "and", "are", "can", "do", "does", "for", "hello", "hi", "how", "i", "in", "is", "it",
    "my", "of", "on", "or", "the", "to", "what", "when", "where", "you", "your",
    // Portuguese
    "ao", "as", "com", "da", "das", "do", "dos", "e", "em", "eu", "na", "nas", "no", "nos", "o",
    "os", "ola", "onde", "posso", "quanto", "um", "uma", "voce", "voces",
];

/// The quick answers' words, ready to be matched as the visitor types.
#[derive(Debug, Default)]
pub struct Index {
    /// Per answer, its question's and keywords' words, each once.
    answers: Vec<Vec<String>>,
}

impl Index {
    /// `answers` as (question, keywords) pairs, in the shop's order; results are indices
    /// into it.
    pub fn new<'a>(answers: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let answers = answers
            .into_iter()
            .map(|(question, keywords)| {
                let mut all = words(question);
                for word in words(keywords) {
                    if !all.contains(&word) {
                        all.push(word);
                    }
                }
                all
            })
            .collect();
        Self { answers }
    }

    /// The answers that match `typed`, best first, at most [`MOST_OFFERED`]. An answer matches
    /// when at least half of the typed words that mean something match one of its words.
    pub fn search(&self, typed: &str) -> Vec<usize> {
        let typed = words(typed);
        if typed.is_empty() {
            return Vec::new();
        }
        // Best first, the shop's order among equals: each match goes in after those that
        // score as well (no sort: sorting code is kilobytes in every shopper's download).
        let most = 10 * u32::try_from(typed.len()).unwrap_or(u32::MAX);
        let mut best: Vec<(usize, u32)> = Vec::new();
        for (index, answer) in self.answers.iter().enumerate() {
            let score: u32 = typed.iter().map(|word| best_match(word, answer)).sum();
            if score * 2 >= most {
                let at = best
                    .iter()
                    .position(|&(_, s)| s < score)
                    .unwrap_or(best.len());
                best.insert(at, (index, score));
                best.truncate(MOST_OFFERED);
            }
        }
        best.into_iter().map(|(index, _)| index).collect()
    }
}

/// How well `word` matches the best of `answer`'s words: 10 the same, 8 the start of one
/// (the visitor is still typing it), 7 one typo away (two for long words), else 0.
fn best_match(word: &str, answer: &[String]) -> u32 {
    answer
        .iter()
        .map(|candidate| {
            if candidate == word {
                10
            } else if word.len() >= 3 && candidate.starts_with(word) {
                8
            } else if typos(word, candidate) <= allowed_typos(word.len().min(candidate.len())) {
                7
            } else {
                0
            }
        })
        .max()
        .unwrap_or(0)
}

/// Typos forgiven in a word of `len` letters: none in short words, where one changes the
/// word (`mes`, `mas`), one from four letters, two from eight.
fn allowed_typos(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// The optimal string alignment distance: letters inserted, removed, changed, or two
/// neighbours swapped. Words are short, so the table is too.
fn typos(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > 2 {
        return usize::MAX;
    }
    let width = b.len() + 1;
    let mut table: Vec<usize> = (0..(a.len() + 1) * width).collect();
    for i in 0..=a.len() {
        table[i * width] = i;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let change = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (table[(i - 1) * width + j] + 1)
                .min(table[i * width + j - 1] + 1)
                .min(table[(i - 1) * width + j - 1] + change);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(table[(i - 2) * width + j - 2] + 1);
            }
            table[i * width + j] = best;
        }
    }
    table[a.len() * width + b.len()]
}

/// The words of `text` that mean something: lowercase, accents and marks taken off, the
/// little words left out, plurals made singular, each once.
pub fn words(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in text.chars().chain([' ']) {
        match plain(c) {
            Some(letter) => word.push(letter),
            None if !word.is_empty() => {
                let singular = singular(&word);
                if !LITTLE_WORDS.contains(&word.as_str()) && !found.contains(&singular) {
                    found.push(singular);
                }
                word.clear();
            }
            None => {}
        }
    }
    found
}

/// `c` lowercase without its accent, or `None` for what separates words. Letters are the
/// Latin ones Spanish, English and Portuguese write (and digits), lowercased by hand: the
/// standard library's Unicode tables would add kilobytes to every shopper's download.
fn plain(c: char) -> Option<char> {
    let c = match c {
        'A'..='Z' | 'À'..='Þ' if c != '×' => char::from_u32(c as u32 + 32).unwrap_or(c),
        'a'..='z' | '0'..='9' => c,
        'ß'..='ÿ' if c != '÷' => c,
        // Latin Extended-A and -B: kept as they are (a word still matches itself).
        '\u{100}'..='\u{24f}' => c,
        _ => return None,
    };
    Some(match c {
        'á' | 'à' | 'â' | 'ã' | 'ä' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        c => c,
    })
}

/// A plural made singular the simple way the three languages mostly share: `envios` →
/// `envio`, `devoluciones` → `devolucion`, `tallas` → `talla`. Short words stay.
fn singular(word: &str) -> String {
    // Bytes, not chars: the endings looked at are ASCII (and cutting them leaves whole chars).
    let bytes = word.as_bytes();
    let n = bytes.len();
    let cut = if n > 5
        && bytes.ends_with(b"es")
        && matches!(bytes[n - 3], b'n' | b'r' | b'l' | b'd' | b'z')
    {
        2
    } else if n > 3 && bytes[n - 1] == b's' && !matches!(bytes[n - 2], b's' | b'u') {
        1
    } else {
        0
    };
    word[..n - cut].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop() -> Index {
        Index::new([
            ("¿Cuánto tarda el envío?", "envío despacho entrega demora"),
            (
                "¿Puedo devolver un producto?",
                "devolución cambio reembolso",
            ),
            ("¿Cuál es el horario de atención?", "horario abierto hora"),
            ("How long does shipping take?", "shipping delivery"),
            ("Quanto tempo demora a entrega?", "entrega frete prazo"),
        ])
    }

    #[test]
    fn words_lose_accents_case_little_words_and_plurals() {
        assert_eq!(
            words("¿Cuánto TARDA el envío?"),
            ["cuanto", "tarda", "envio"]
        );
        assert_eq!(words("Devoluciones y cambios"), ["devolucion", "cambio"]);
        assert_eq!(words("Você faz entregas?"), ["faz", "entrega"]);
        assert_eq!(
            words("Niño, añadir, coração"),
            ["nino", "anadir", "coracao"]
        );
        assert_eq!(words("¡¿...?!"), Vec::<String>::new());
    }

    #[test]
    fn typos_count_insertions_removals_changes_and_swaps() {
        assert_eq!(typos("envio", "envio"), 0);
        assert_eq!(typos("envo", "envio"), 1);
        assert_eq!(typos("enviio", "envio"), 1);
        assert_eq!(typos("envoi", "envio"), 1);
        assert_eq!(typos("anvio", "envio"), 1);
        assert_eq!(typos("devlocuion", "devolucion"), 2);
        assert_eq!(typos("a", "abcdef"), usize::MAX);
    }

    #[test]
    fn visitors_find_the_answer_however_they_type() {
        let shop = shop();
        for (typed, answer) in [
            ("cuanto tarda el envio", 0),
            ("CUÁNTO TARDA EL ENVÍO", 0),
            ("cuanto tarda el envo", 0),
            ("envios", 0),
            ("despacho", 0),
            ("devoluciones", 1),
            ("quiero devolver", 1),
            ("devlocuion", 1),
            ("horario", 2),
            ("a que hora abren", 2),
            ("shipping", 3),
            ("how long does delivery take", 3),
            ("qual o prazo de entrega", 4),
            // Still typing: the start of a word is enough.
            ("horar", 2),
        ] {
            let found = shop.search(typed);
            assert_eq!(found.first(), Some(&answer), "{typed:?} found {found:?}");
        }
    }

    #[test]
    fn nothing_is_offered_for_what_no_answer_is_about() {
        let shop = shop();
        for typed in [
            "",
            "hola",
            "¿?",
            "tienen talla 42",
            "mi pedido llegó roto",
            "mes",
        ] {
            assert_eq!(shop.search(typed), Vec::<usize>::new(), "{typed:?}");
        }
    }

    #[test]
    fn at_most_three_are_offered_best_first() {
        let index = Index::new([
            ("envío normal", ""),
            ("envío express", ""),
            ("envío gratis", ""),
            ("envío internacional", ""),
            ("envío", ""),
        ]);
        assert_eq!(index.search("envío"), [0, 1, 2]);
        assert_eq!(index.search("envío express"), [1, 0, 2]);
    }
}
