//! The outbox: every message the visitor typed that the server has not stored yet, in order,
//! each with the id it is sent under. The server stores an id once, so a message can be sent
//! again after any doubt (a socket that died before the acknowledgement, a page reload) and is
//! still stored exactly once. Pure logic: the transport owns one, persists it and writes it.

use pronto_protocol::chat::Author;
use pronto_protocol::ids::ClientMessageId;
use pronto_protocol::json::{Json, object};
use pronto_protocol::visitor::ServerToVisitor;
use pronto_protocol::{ErrorCode, ProtocolError};

use pronto_protocol::pace::is_transient;

const ID_CHARS: usize = ClientMessageId::RANDOM_CHARS;

/// One message on its way to the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    pub id: ClientMessageId,
    pub text: String,
    pub state: OutgoingState,
}

impl Outgoing {
    /// Saved as `{"id", "text", "state": "sending" | "failed", "error"?: {"code", "message"}}`.
    fn to_json(&self) -> Json {
        let (state, error) = match &self.state {
            OutgoingState::Sending => ("sending", None),
            OutgoingState::Failed { error } => (
                "failed",
                Some(object([
                    ("code", Some(error.code.as_str().into())),
                    ("message", Some(error.message.as_str().into())),
                ])),
            ),
        };
        object([
            ("id", Some(self.id.as_str().into())),
            ("text", Some(self.text.as_str().into())),
            ("state", Some(state.into())),
            ("error", error),
        ])
    }

    fn from_json(json: &Json) -> Option<Outgoing> {
        let state = match json.get("state")?.as_str()? {
            "sending" => OutgoingState::Sending,
            "failed" => {
                let error = json.get("error")?;
                OutgoingState::Failed {
                    error: ProtocolError::new(
                        ErrorCode::from_wire(error.get("code")?.as_str()?)?,
                        error.get("message")?.as_str()?,
                    ),
                }
            }
            _ => return None,
        };
        Some(Outgoing {
            id: ClientMessageId::parse(json.get("id")?.as_str()?).ok()?,
            text: json.get("text")?.as_str()?.to_owned(),
            state,
        })
    }
}

/// Where an outgoing message stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutgoingState {
    /// Sent (or about to be) and sent again after every reconnect until acknowledged.
    Sending,
    /// The server refused it for good (too long, say); it waits for the visitor to retry or
    /// delete it. A passing refusal (see `pace::is_transient`) leaves it sending.
    Failed { error: ProtocolError },
}

/// The visitor's unsent messages, oldest first.
#[derive(Clone, Debug, Default)]
pub struct Outbox {
    items: Vec<Outgoing>,
    /// Ids written on the current connection; not persisted, since a reload is a new
    /// connection on which nothing was written yet.
    written: Vec<ClientMessageId>,
}

impl Outbox {
    /// Reads the saved outbox. Storage is shared with older and newer widget versions and with
    /// whatever else runs on the page, so anything unreadable is skipped rather than trusted;
    /// one bad entry must not cost the others.
    pub fn from_json(json: &str) -> Self {
        let values = match Json::parse(json) {
            Ok(Json::Array(values)) => values,
            _ => Vec::new(),
        };
        let mut outbox = Self::default();
        for value in values {
            if let Some(mut item) = Outgoing::from_json(&value)
                && !outbox.contains(&item.id)
            {
                // Saved by a version that gave up on passing refusals: send it again.
                if matches!(&item.state, OutgoingState::Failed { error } if is_transient(error.code))
                {
                    item.state = OutgoingState::Sending;
                }
                outbox.items.push(item);
            }
        }
        outbox
    }

    pub fn to_json(&self) -> String {
        Json::Array(self.items.iter().map(Outgoing::to_json).collect()).to_text()
    }

    pub fn items(&self) -> &[Outgoing] {
        &self.items
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether anything still waits to be stored (failed messages wait for the visitor instead).
    pub fn has_sending(&self) -> bool {
        self.items
            .iter()
            .any(|item| item.state == OutgoingState::Sending)
    }

    fn contains(&self, id: &ClientMessageId) -> bool {
        self.items.iter().any(|item| &item.id == id)
    }

    /// Queues a new message at the end. Returns whether it changed anything.
    pub fn push(&mut self, id: ClientMessageId, text: String) -> bool {
        if self.contains(&id) {
            return false;
        }
        self.items.push(Outgoing {
            id,
            text,
            state: OutgoingState::Sending,
        });
        true
    }

    /// The oldest message still sending that was not written on this connection yet, marked
    /// as written now.
    pub fn next_to_write(&mut self) -> Option<(ClientMessageId, String)> {
        let item = self.items.iter().find(|item| {
            item.state == OutgoingState::Sending && !self.written.contains(&item.id)
        })?;
        self.written.push(item.id.clone());
        Some((item.id.clone(), item.text.clone()))
    }

    /// Whether the next message may be written now: one waits to be written, and none
    /// written is still waiting for its answer. One message at a time keeps the visitor's
    /// order whatever happens to a message: refused for going too fast, or lost with its
    /// socket, it is sent again before anything after it has gone out.
    pub fn may_write(&self) -> bool {
        !self.awaiting_answer()
            && self.items.iter().any(|item| {
                item.state == OutgoingState::Sending && !self.written.contains(&item.id)
            })
    }

    /// A new connection was welcomed: everything still sending goes out again, in order.
    pub fn rewind(&mut self) {
        self.written.clear();
    }

    /// Whether a message written on this connection still waits for the server's answer.
    pub fn awaiting_answer(&self) -> bool {
        self.items
            .iter()
            .any(|item| item.state == OutgoingState::Sending && self.written.contains(&item.id))
    }

    /// Takes in a frame from the server. Returns whether the outbox changed.
    pub fn observe(&mut self, frame: &ServerToVisitor) -> bool {
        match frame {
            ServerToVisitor::Ack { id, .. } => self.remove(id),
            // Written again after a pause (the transport's), in its place in line.
            ServerToVisitor::Rejected { id, error } if is_transient(error.code) => {
                self.written.retain(|written| written != id);
                false
            }
            ServerToVisitor::Rejected { id, error } => self.fail(id, error.clone()),
            // Stored, as another tab of this visitor (or a lost acknowledgement) may tell us
            // only this way: as good as an acknowledgement.
            ServerToVisitor::Message { message } if message.author == Author::Visitor => {
                message.client_id.as_ref().is_some_and(|id| self.remove(id))
            }
            ServerToVisitor::Welcome {
                conversation: Some(conversation),
                ..
            } => {
                let before = self.items.len();
                for message in &conversation.messages {
                    if let (Author::Visitor, Some(id)) = (&message.author, &message.client_id) {
                        self.remove(id);
                    }
                }
                self.items.len() != before
            }
            _ => false,
        }
    }

    /// Marks a message as refused, with the reason to show.
    pub fn fail(&mut self, id: &ClientMessageId, error: ProtocolError) -> bool {
        let Some(item) = self.items.iter_mut().find(|item| &item.id == id) else {
            return false;
        };
        let failed = OutgoingState::Failed { error };
        if item.state == failed {
            return false;
        }
        item.state = failed;
        true
    }

    /// The visitor asked to send a failed message again. It keeps its id (if the first try
    /// was stored after all, the server says so instead of storing it twice) unless the server
    /// said another sender owns that id: then only a `fresh` one can ever be stored.
    pub fn retry(&mut self, id: &ClientMessageId, fresh: &ClientMessageId) -> bool {
        let Some(item) = self.items.iter_mut().find(|item| &item.id == id) else {
            return false;
        };
        let OutgoingState::Failed { error } = &item.state else {
            return false;
        };
        if error.code == ErrorCode::DuplicateId {
            item.id = fresh.clone();
        }
        item.state = OutgoingState::Sending;
        self.written.retain(|written| written != id);
        true
    }

    /// The visitor deleted a message (a failed one: sending ones may already be stored).
    pub fn discard(&mut self, id: &ClientMessageId) -> bool {
        self.remove(id)
    }

    fn remove(&mut self, id: &ClientMessageId) -> bool {
        let before = self.items.len();
        self.items.retain(|item| &item.id != id);
        self.written.retain(|written| written != id);
        self.items.len() != before
    }
}

/// A new random message id, from the browser's cryptographic generator when it has one.
pub fn new_id() -> ClientMessageId {
    let mut bytes = [0u8; ID_CHARS];
    let filled = web_sys::window()
        .and_then(|window| window.crypto().ok())
        .is_some_and(|crypto| crypto.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        // Good enough for ids: they need to be unique, not secret.
        for byte in &mut bytes {
            *byte = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    ClientMessageId::from_random_bytes(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pronto_protocol::chat::{ChatMessage, Conversation, ConversationState};
    use pronto_protocol::ids::ConversationId;
    use pronto_protocol::visitor::Shop;

    fn id(raw: &str) -> ClientMessageId {
        ClientMessageId::parse(raw).unwrap()
    }

    fn texts(outbox: &Outbox) -> Vec<&str> {
        outbox.items().iter().map(|i| i.text.as_str()).collect()
    }

    fn ack(raw: &str, seq: u32) -> ServerToVisitor {
        ServerToVisitor::Ack { id: id(raw), seq }
    }

    fn rejected(raw: &str, code: ErrorCode) -> ServerToVisitor {
        ServerToVisitor::Rejected {
            id: id(raw),
            error: ProtocolError::new(code, "no"),
        }
    }

    fn stored(seq: u32, client_id: Option<&str>, author: Author) -> ChatMessage {
        ChatMessage {
            seq,
            client_id: client_id.map(id),
            author,
            text: format!("m{seq}"),
            sent_at_ms: 0,
        }
    }

    fn writes(outbox: &mut Outbox) -> Vec<String> {
        std::iter::from_fn(|| outbox.next_to_write())
            .map(|(id, _)| id.to_string())
            .collect()
    }

    #[test]
    fn ack_removes_and_a_repeated_ack_is_harmless() {
        let mut outbox = Outbox::default();
        outbox.push(id("a"), "hola".into());
        outbox.push(id("b"), "¿envíos?".into());
        assert_eq!(writes(&mut outbox), ["a", "b"]);
        assert!(outbox.awaiting_answer());

        assert!(outbox.observe(&ack("a", 1)));
        assert_eq!(texts(&outbox), ["¿envíos?"]);
        // The server acknowledges a repeated id again; nothing left to remove.
        assert!(!outbox.observe(&ack("a", 1)));
        assert_eq!(texts(&outbox), ["¿envíos?"]);

        assert!(outbox.observe(&ack("b", 2)));
        assert!(outbox.is_empty());
        assert!(!outbox.awaiting_answer());
    }

    #[test]
    fn each_connection_writes_everything_still_sending_in_order() {
        let mut outbox = Outbox::default();
        outbox.push(id("a"), "1".into());
        outbox.push(id("b"), "2".into());
        assert_eq!(writes(&mut outbox), ["a", "b"]);
        // Typed while the socket was down.
        outbox.push(id("c"), "3".into());
        outbox.observe(&rejected("b", ErrorCode::MessageTooLong));

        // The next welcome: the old ones first, the failed one not at all.
        outbox.rewind();
        assert_eq!(writes(&mut outbox), ["a", "c"]);
        assert_eq!(writes(&mut outbox), Vec::<String>::new());
    }

    #[test]
    fn rejected_becomes_failed_and_retry_keeps_the_id() {
        let mut outbox = Outbox::default();
        outbox.push(id("a"), "x".into());
        writes(&mut outbox);
        assert!(outbox.observe(&rejected("a", ErrorCode::MessageTooLong)));
        let item = &outbox.items()[0];
        assert!(
            matches!(&item.state, OutgoingState::Failed { error } if error.code == ErrorCode::MessageTooLong)
        );
        assert!(!outbox.awaiting_answer());
        outbox.rewind();
        assert_eq!(
            writes(&mut outbox),
            Vec::<String>::new(),
            "not resent by itself"
        );

        assert!(outbox.retry(&id("a"), &id("fresh")));
        assert_eq!(outbox.items()[0].state, OutgoingState::Sending);
        // Written again at once, on the same connection, under the same id.
        assert_eq!(writes(&mut outbox), ["a"]);
        // Only failed messages can be retried.
        assert!(!outbox.retry(&id("a"), &id("fresh")));
    }

    #[test]
    fn one_message_at_a_time_in_order() {
        let mut outbox = Outbox::default();
        assert!(!outbox.may_write(), "nothing to write");
        outbox.push(id("a"), "1".into());
        outbox.push(id("b"), "2".into());
        assert!(outbox.may_write());
        assert_eq!(outbox.next_to_write().unwrap().0, id("a"));
        assert!(!outbox.may_write(), "a waits for its answer");
        outbox.observe(&ack("a", 1));
        assert!(outbox.may_write());
        assert_eq!(outbox.next_to_write().unwrap().0, id("b"));
        assert!(!outbox.may_write());
        outbox.observe(&rejected("b", ErrorCode::MessageTooLong));
        assert!(!outbox.may_write(), "failed ones wait for the visitor");
    }

    #[test]
    fn a_passing_refusal_keeps_the_message_sending_and_first_in_line() {
        for code in [ErrorCode::RateLimited, ErrorCode::Internal] {
            let mut outbox = Outbox::default();
            outbox.push(id("a"), "1".into());
            outbox.push(id("b"), "2".into());
            assert_eq!(outbox.next_to_write().unwrap().0, id("a"));
            // Nothing the visitor sees changes: nothing to publish or save.
            assert!(!outbox.observe(&rejected("a", code)));
            assert!(
                outbox
                    .items()
                    .iter()
                    .all(|i| i.state == OutgoingState::Sending)
            );
            assert!(!outbox.awaiting_answer());
            assert!(outbox.has_sending());
            // The same message again, under the same id, before the next one.
            assert!(outbox.may_write());
            assert_eq!(writes(&mut outbox)[0], "a");
            // A refusal for an id we do not have is ignored.
            assert!(!outbox.observe(&rejected("zzz", code)));
        }
    }

    #[test]
    fn a_saved_message_refused_for_speed_is_sending_again() {
        let saved = r#"[{"id":"a","text":"x","state":"failed","error":{"code":"rate_limited","message":"slow down"}},{"id":"b","text":"y","state":"failed","error":{"code":"message_too_long","message":"no"}}]"#;
        let outbox = Outbox::from_json(saved);
        assert_eq!(outbox.items()[0].state, OutgoingState::Sending);
        assert!(matches!(
            outbox.items()[1].state,
            OutgoingState::Failed { .. }
        ));
    }

    #[test]
    fn retry_after_a_duplicate_id_takes_a_fresh_one() {
        let mut outbox = Outbox::default();
        outbox.push(id("a"), "x".into());
        outbox.observe(&rejected("a", ErrorCode::DuplicateId));
        assert!(outbox.retry(&id("a"), &id("fresh")));
        assert_eq!(writes(&mut outbox), ["fresh"]);
    }

    #[test]
    fn discard_removes_a_failed_message() {
        let mut outbox = Outbox::default();
        outbox.push(id("a"), "x".into());
        outbox.push(id("b"), "y".into());
        outbox.observe(&rejected("a", ErrorCode::MessageEmpty));
        assert!(outbox.discard(&id("a")));
        assert!(!outbox.discard(&id("a")));
        assert_eq!(texts(&outbox), ["y"]);
    }

    #[test]
    fn a_stored_message_with_our_id_settles_it() {
        let mut outbox = Outbox::default();
        outbox.push(id("a"), "x".into());
        outbox.push(id("b"), "y".into());
        outbox.push(id("c"), "z".into());
        // An agent's id can never settle a visitor's message.
        assert!(!outbox.observe(&ServerToVisitor::Message {
            message: stored(1, Some("a"), Author::Agent { name: "Ana".into() }),
        }));
        // Another tab's broadcast, or ours arriving before the acknowledgement.
        assert!(outbox.observe(&ServerToVisitor::Message {
            message: stored(1, Some("a"), Author::Visitor),
        }));
        // A welcome after the acknowledgement was lost with the socket.
        let welcome = ServerToVisitor::Welcome {
            token: "t".into(),
            shop: Shop {
                name: String::new(),
                greeting: String::new(),
                online: false,
                typical_reply_secs: None,
                opens_at_ms: None,
                ask_email_after_secs: 180,
                answers: Vec::new(),
            },
            conversation: Some(Conversation {
                read_seq: 0,
                id: ConversationId(1),
                state: ConversationState::Waiting,
                messages: vec![
                    stored(2, Some("b"), Author::Visitor),
                    stored(3, None, Author::Visitor),
                ],
            }),
            resumed: true,
            email: None,
        };
        assert!(outbox.observe(&welcome));
        assert_eq!(texts(&outbox), ["z"]);
    }

    #[test]
    fn the_saved_outbox_round_trips_and_bad_entries_are_skipped() {
        let mut outbox = Outbox::default();
        outbox.push(id("a"), "¿Hacen envíos a Valparaíso?".into());
        outbox.push(id("b"), "línea\n\"dos\"".into());
        outbox.observe(&rejected("b", ErrorCode::MessageTooLong));
        let json = outbox.to_json();
        assert_eq!(
            json,
            r#"[{"id":"a","text":"¿Hacen envíos a Valparaíso?","state":"sending"},{"id":"b","text":"línea\n\"dos\"","state":"failed","error":{"code":"message_too_long","message":"no"}}]"#
        );
        let loaded = Outbox::from_json(&json);
        assert_eq!(loaded.items(), outbox.items());

        let damaged = r#"[{"id":"bad id!","text":"x","state":"sending"},{"id":"c","text":"ok","state":"sending"},{"id":"c","text":"twice","state":"sending"},7]"#;
        assert_eq!(texts(&Outbox::from_json(damaged)), ["ok"]);
        assert!(Outbox::from_json("not json").is_empty());
        assert!(Outbox::from_json("").is_empty());
    }

    #[test]
    fn ids_use_only_the_allowed_symbols() {
        let bytes: [u8; ID_CHARS] = std::array::from_fn(|i| (i * 37) as u8);
        let made = ClientMessageId::from_random_bytes(&bytes);
        assert_eq!(made.as_str().len(), ID_CHARS);
        assert_eq!(
            ClientMessageId::from_random_bytes(&[255; ID_CHARS]).as_str(),
            "_".repeat(ID_CHARS)
        );
        assert_eq!(
            ClientMessageId::from_random_bytes(&[0; ID_CHARS]).as_str(),
            "A".repeat(ID_CHARS)
        );
    }
}
