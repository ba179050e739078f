//! A small JSON reader and writer for the browser's side of the wire. The widget is downloaded
//! by every shop visitor who opens the chat, and serde's generic code for our frames weighs
//! more than the rest of the widget's logic, so the widget reads and writes frames through this
//! instead (see `visitor_json`). The server keeps serde; tests check that both agree.
//!
//! Numbers are kept as their text and read as whole numbers on demand: no frame carries a
//! fraction, and leaving floating point out keeps its formatting code out of the widget.

use std::fmt::Write as _;

/// A parsed JSON value. Objects keep their members in order, duplicates and all; lookups take
/// the first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Json {
    Null,
    Bool(bool),
    /// The number as written.
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// Why a text is not JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Malformed {
    /// Byte offset where reading stopped.
    pub at: usize,
}

/// Deeper nesting than any frame has is refused, so hostile text cannot exhaust the stack.
const MAX_DEPTH: usize = 32;

impl Json {
    /// Parses one JSON value, with nothing but white space around it.
    pub fn parse(text: &str) -> Result<Json, Malformed> {
        let mut reader = Reader {
            bytes: text.as_bytes(),
            at: 0,
        };
        let value = reader.value(0)?;
        reader.skip_space();
        if reader.at == reader.bytes.len() {
            Ok(value)
        } else {
            Err(reader.malformed())
        }
    }

    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Json::Number(text) => text.parse().ok(),
            _ => None,
        }
    }

    pub fn as_u32(&self) -> Option<u32> {
        // Through i64, so "-0" reads as 0, as serde reads it.
        self.as_i64().and_then(|number| u32::try_from(number).ok())
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(value) => Some(*value),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    /// Writes the value compactly, as serde_json does.
    pub fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
            Json::Number(text) => out.push_str(text),
            Json::String(text) => write_string(text, out),
            Json::Array(items) => {
                out.push('[');
                for (n, item) in items.iter().enumerate() {
                    if n > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (n, (key, value)) in members.iter().enumerate() {
                    if n > 0 {
                        out.push(',');
                    }
                    write_string(key, out);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }

    /// The value as compact JSON text.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }
}

impl From<&str> for Json {
    fn from(text: &str) -> Self {
        Json::String(text.to_owned())
    }
}

impl From<i64> for Json {
    fn from(number: i64) -> Self {
        Json::Number(number.to_string())
    }
}

impl From<u32> for Json {
    fn from(number: u32) -> Self {
        Json::Number(number.to_string())
    }
}

impl From<bool> for Json {
    fn from(value: bool) -> Self {
        Json::Bool(value)
    }
}

/// Builds an object from `(key, value)` pairs, leaving out the `None`s (absent optional
/// fields, as the serde side skips them).
pub fn object<const N: usize>(members: [(&str, Option<Json>); N]) -> Json {
    Json::Object(
        members
            .into_iter()
            .filter_map(|(key, value)| value.map(|value| (key.to_owned(), value)))
            .collect(),
    )
}

/// Writes a string literal with the escapes serde_json uses (quote, backslash, control
/// characters), leaving everything else, non-ASCII included, as it is.
fn write_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c < ' ' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn malformed(&self) -> Malformed {
        Malformed { at: self.at }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), Malformed> {
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.malformed())
        }
    }

    fn word(&mut self, word: &str, value: Json) -> Result<Json, Malformed> {
        if self.bytes[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.malformed())
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, Malformed> {
        if depth > MAX_DEPTH {
            return Err(self.malformed());
        }
        self.skip_space();
        match self.peek() {
            Some(b'n') => self.word("null", Json::Null),
            Some(b't') => self.word("true", Json::Bool(true)),
            Some(b'f') => self.word("false", Json::Bool(false)),
            Some(b'"') => self.string().map(Json::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => {
                self.at += 1;
                let mut items = Vec::new();
                self.skip_space();
                if self.peek() == Some(b']') {
                    self.at += 1;
                    return Ok(Json::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.skip_space();
                    match self.peek() {
                        Some(b',') => self.at += 1,
                        Some(b']') => {
                            self.at += 1;
                            return Ok(Json::Array(items));
                        }
                        _ => return Err(self.malformed()),
                    }
                }
            }
            Some(b'{') => {
                self.at += 1;
                let mut members = Vec::new();
                self.skip_space();
                if self.peek() == Some(b'}') {
                    self.at += 1;
                    return Ok(Json::Object(members));
                }
                loop {
                    self.skip_space();
                    let key = self.string()?;
                    self.skip_space();
                    self.expect(b':')?;
                    members.push((key, self.value(depth + 1)?));
                    self.skip_space();
                    match self.peek() {
                        Some(b',') => self.at += 1,
                        Some(b'}') => {
                            self.at += 1;
                            return Ok(Json::Object(members));
                        }
                        _ => return Err(self.malformed()),
                    }
                }
            }
            _ => Err(self.malformed()),
        }
    }

    /// A number in JSON's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Result<Json, Malformed> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.malformed()),
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.some_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            self.some_digits()?;
        }
        // Only ASCII was consumed, so this cannot fail (`from_utf8` rather than the lossy
        // kind: the string reader already needs it, and the widget downloads one, not two).
        let text = String::from_utf8(self.bytes[start..self.at].to_vec());
        Ok(Json::Number(text.map_err(|_| self.malformed())?))
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
    }

    fn some_digits(&mut self) -> Result<(), Malformed> {
        let start = self.at;
        self.digits();
        if self.at == start {
            Err(self.malformed())
        } else {
            Ok(())
        }
    }

    fn string(&mut self) -> Result<String, Malformed> {
        self.expect(b'"')?;
        let mut out = Vec::new();
        loop {
            let Some(byte) = self.peek() else {
                return Err(self.malformed());
            };
            self.at += 1;
            match byte {
                b'"' => break,
                b'\\' => {
                    let Some(escape) = self.peek() else {
                        return Err(self.malformed());
                    };
                    self.at += 1;
                    let c = match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.escaped_char()?,
                        _ => return Err(self.malformed()),
                    };
                    let mut buffer = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
                }
                0..0x20 => return Err(self.malformed()),
                byte => out.push(byte),
            }
        }
        // The input is a &str and escapes add whole characters, so this only fails on a
        // string cut inside a character, which the loop above cannot produce.
        String::from_utf8(out).map_err(|_| self.malformed())
    }

    /// The character after `\u`: four hex digits, or a surrogate pair of two escapes.
    fn escaped_char(&mut self) -> Result<char, Malformed> {
        let first = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&first) {
            self.expect(b'\\')?;
            self.expect(b'u')?;
            let second = self.hex4()?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(self.malformed());
            }
            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else {
            first
        };
        char::from_u32(code).ok_or(self.malformed())
    }

    fn hex4(&mut self) -> Result<u32, Malformed> {
        let mut code = 0;
        for _ in 0..4 {
            let digit = self
                .peek()
                .and_then(|byte| char::from(byte).to_digit(16))
                .ok_or(self.malformed())?;
            code = code * 16 + digit;
            self.at += 1;
        }
        Ok(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `text` with both readers and checks they agree on whether it is JSON and, if it
    /// is, on what it says (compared by writing ours back and reading that with serde).
    fn agrees_with_serde(text: &str) {
        let ours = Json::parse(text);
        let theirs = serde_json::from_str::<serde_json::Value>(text);
        match (ours, theirs) {
            (Ok(ours), Ok(theirs)) => {
                let written = ours.to_text();
                let reread: serde_json::Value = serde_json::from_str(&written).unwrap();
                assert_eq!(reread, theirs, "{text:?} was written back as {written:?}");
            }
            (Err(_), Err(_)) => {}
            (ours, theirs) => panic!("{text:?}: ours {ours:?}, serde {theirs:?}"),
        }
    }

    #[test]
    fn reads_what_serde_reads_and_refuses_what_it_refuses() {
        for text in [
            r#"{"type":"ack","id":"k3x9","seq":3}"#,
            r#" { "a" : [ 1 , -2 , 0 , 3.5e-2 , true , false , null ] } "#,
            r#""¿Envío a Valparaíso? \u00e9 \ud83d\ude00 \n\t\"\\\/""#,
            r#"[]"#,
            r#"{}"#,
            r#"[[[[]]]]"#,
            r#"{"a":1,}"#,
            r#"[1,]"#,
            r#"01"#,
            r#"-"#,
            r#"1."#,
            r#"1e"#,
            r#""\ud83d""#,
            r#""\x""#,
            "\"tab\there\"",
            r#"{"a" 1}"#,
            r#"nul"#,
            r#"{"a":1} x"#,
            r#""unterminated"#,
            "",
        ] {
            agrees_with_serde(text);
        }
    }

    #[test]
    fn writes_strings_as_serde_does() {
        for text in [
            "plain",
            "quote \" back \\ slash",
            "line\nbreak\r\t\u{1}\u{1f}",
            "ñ €😀",
        ] {
            let ours = Json::from(text).to_text();
            assert_eq!(ours, serde_json::to_string(text).unwrap());
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = "[".repeat(100_000);
        assert!(Json::parse(&deep).is_err());
        let fine = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(Json::parse(&fine).is_ok());
    }

    #[test]
    fn numbers_read_as_whole_numbers_only() {
        assert_eq!(Json::parse("42").unwrap().as_u32(), Some(42));
        assert_eq!(Json::parse("-7").unwrap().as_i64(), Some(-7));
        assert_eq!(Json::parse("-7").unwrap().as_u32(), None);
        assert_eq!(Json::parse("1.5").unwrap().as_i64(), None);
        assert_eq!(Json::parse("4294967296").unwrap().as_u32(), None);
    }
}
