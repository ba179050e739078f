//! A real SMTP server on loopback for tests: it speaks the part of RFC 5321 a sending client
//! uses (EHLO or HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) over TCP, accepts every message,
//! and keeps them for the test to read, decoded (RFC 2047 headers, quoted-printable or
//! base64 bodies).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// How long [`SmtpSink::next`] waits for a message.
const PATIENCE: Duration = Duration::from_secs(20);

/// One message as it arrived.
#[derive(Clone, Debug)]
pub struct Received {
    /// The envelope's sender and recipients (`MAIL FROM`, `RCPT TO`).
    pub from: String,
    pub to: Vec<String>,
    /// Everything after `DATA`, dots unstuffed, lines joined with `\r\n`.
    pub data: String,
}

impl Received {
    /// A header's value, encoded words decoded; empty when missing.
    pub fn header(&self, name: &str) -> String {
        let (head, _) = self.data.split_once("\r\n\r\n").unwrap_or((&self.data, ""));
        // Folded lines continue with white space.
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded
            .lines()
            .find_map(|line| {
                let (key, value) = line.split_once(':')?;
                key.eq_ignore_ascii_case(name)
                    .then(|| decode_words(value.trim()))
            })
            .unwrap_or_default()
    }

    /// The body as text, its transfer encoding undone.
    pub fn body(&self) -> String {
        let (_, body) = self.data.split_once("\r\n\r\n").unwrap_or(("", &self.data));
        match self
            .header("Content-Transfer-Encoding")
            .to_ascii_lowercase()
            .as_str()
        {
            "base64" => {
                let compact: String = body.split_whitespace().collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .unwrap_or_default();
                String::from_utf8_lossy(&bytes).into_owned()
            }
            "quoted-printable" => quoted_printable(body, false),
            _ => body.to_owned(),
        }
        .replace("\r\n", "\n")
    }
}

/// The SMTP server; it stops with the test (its task ends with the runtime).
pub struct SmtpSink {
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    arrived: Arc<Notify>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("its address");
        let received = Arc::new(Mutex::new(Vec::new()));
        let arrived = Arc::new(Notify::new());
        let (store, tell) = (received.clone(), arrived.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (store, tell) = (store.clone(), tell.clone());
                tokio::spawn(async move {
                    let _ = converse(stream, &store, &tell).await;
                });
            }
        });
        Self {
            addr,
            received,
            arrived,
        }
    }

    /// What a server's `SMTP_URL` should be to send here.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Every message so far, in the order they arrived.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("not poisoned").clone()
    }

    /// Waits until `count` messages have arrived, and returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let arrived = self.arrived.notified();
            let so_far = self.received();
            if so_far.len() >= count {
                return so_far;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!("{count} e-mails did not arrive; got {so_far:?}");
            }
        }
    }
}

async fn converse(
    stream: TcpStream,
    store: &Mutex<Vec<Received>>,
    arrived: &Notify,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 pronto-test ESMTP\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    while let Some(line) = lines.next_line().await? {
        let verb = line.get(..4).unwrap_or(&line).to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-pronto-test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "MAIL" => {
                from = address(&line);
                to.clear();
                b"250 OK\r\n"
            }
            "RCPT" => {
                to.push(address(&line));
                b"250 OK\r\n"
            }
            "DATA" => {
                write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut data = Vec::new();
                while let Some(line) = lines.next_line().await? {
                    if line == "." {
                        break;
                    }
                    data.push(line.strip_prefix('.').map_or(line.clone(), str::to_owned));
                }
                store.lock().expect("not poisoned").push(Received {
                    from: from.clone(),
                    to: to.clone(),
                    data: data.join("\r\n"),
                });
                arrived.notify_waiters();
                b"250 OK: queued\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"250 OK\r\n",
        };
        write.write_all(reply).await?;
    }
    Ok(())
}

/// The address in `MAIL FROM:<a@b> …` or `RCPT TO:<a@b>`.
fn address(line: &str) -> String {
    line.split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(address, _)| address.to_owned())
        .unwrap_or_default()
}

/// RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) decoded; other text kept.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        let parts: Vec<&str> = rest[start + 2..].splitn(3, '?').collect();
        let Some(end) = parts.get(2).and_then(|text| text.find("?=")) else {
            break;
        };
        // White space between two encoded words is not part of the text.
        let between = &rest[..start];
        if !(after_word && between.trim().is_empty()) {
            out.push_str(between);
        }
        let text = &parts[2][..end];
        out.push_str(&match parts[1].to_ascii_lowercase().as_str() {
            "b" => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .unwrap_or_default();
                String::from_utf8_lossy(&bytes).into_owned()
            }
            _ => quoted_printable(text, true),
        });
        let word_len = 2 + parts[0].len() + 1 + parts[1].len() + 1 + end + 2;
        rest = &rest[start + word_len..];
        after_word = true;
    }
    out.push_str(rest);
    out
}

/// Quoted-printable undone (`=C3=B1` bytes, `=` at a line's end joining lines); in encoded
/// words `_` also stands for a space.
fn quoted_printable(text: &str, in_word: bool) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let escaped = (bytes[at] == b'=' && at + 2 < bytes.len())
            .then(|| std::str::from_utf8(&bytes[at + 1..at + 3]).ok())
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (escaped, bytes[at]) {
            (Some(byte), _) => {
                out.push(byte);
                at += 3;
                continue;
            }
            (None, b'_') if in_word => out.push(b' '),
            (None, byte) => out.push(byte),
        }
        at += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words_and_bodies_are_decoded() {
        assert_eq!(
            decode_words("=?utf-8?b?QW5hIOKAlCBUaWVuZGE=?="),
            "Ana — Tienda"
        );
        assert_eq!(decode_words("=?utf-8?q?Ma=C3=B1ana_s=C3=AD?="), "Mañana sí");
        assert_eq!(decode_words("Hola"), "Hola");
        assert_eq!(decode_words("=?utf-8?q?a?= =?utf-8?q?b?= c"), "ab c");
        assert_eq!(
            quoted_printable("Ma=C3=B1ana=\r\n llega", false),
            "Mañana llega"
        );
    }
}
