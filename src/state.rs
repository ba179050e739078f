//! The chat as the visitor sees it: a `Chat` of signals that the server's frames change
//! through plain methods, and that the components only read; and `rows`, which merges the
//! stored conversation with the visitor's unsent messages into what the list shows.

use std::time::Duration;

use leptos::prelude::*;
use pronto_protocol::ProtocolError;
use pronto_protocol::chat::{Author, ChatMessage, ConversationState, WaitEstimate};
use pronto_protocol::ids::{ClientMessageId, ConversationId};
use pronto_protocol::limits::TYPING_LASTS_MS;
use pronto_protocol::visitor::{Resume, ServerToVisitor, Shop};

use crate::i18n::Lang;
use crate::outbox::{Outgoing, OutgoingState};
use crate::transport::Link;

/// How long an error from the server stays on screen.
const ERROR_SHOWN_FOR: Duration = Duration::from_secs(6);

/// The visitor's place in the shop's queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueSpot {
    pub position: u32,
    pub estimate: Option<WaitEstimate>,
}

/// Everything the widget shows. Cheap to copy: every field is a handle.
#[derive(Clone, Copy)]
pub struct Chat {
    /// The language on screen; the page may change it (`Pronto('locale', …)`).
    pub lang: RwSignal<Lang>,
    /// The shop's name and greeting, once welcomed.
    pub shop: RwSignal<Option<Shop>>,
    /// Whether an agent is there to answer now; `None` until the server says.
    pub online: RwSignal<Option<bool>>,
    /// The conversation on screen, if the server named it (a conversation the visitor just
    /// started is only named by the next welcome).
    pub conversation: RwSignal<Option<ConversationId>>,
    /// `None` while there is no conversation: the next message starts one.
    pub state: RwSignal<Option<ConversationState>>,
    /// The conversation's messages, ordered by `seq`.
    pub messages: RwSignal<Vec<ChatMessage>>,
    /// How far the agent has read the conversation (message number; 0: not yet).
    pub read_seq: RwSignal<u32>,
    /// Set while waiting, once the server told the position.
    pub queue: RwSignal<Option<QueueSpot>>,
    pub open: RwSignal<bool>,
    /// Agent messages that arrived while the panel was closed.
    pub unread: RwSignal<u32>,
    pub link: RwSignal<Link>,
    /// Typed messages the server has not stored yet, oldest first (the transport's outbox).
    pub outbox: RwSignal<Vec<Outgoing>>,
    /// Acknowledged messages whose stored copy has not arrived yet.
    acked: RwSignal<Vec<Acked>>,
    /// A server error, shown for a moment.
    pub error: RwSignal<Option<String>>,
    /// Whether the agent is typing a reply; lapses unless the server says so again.
    pub agent_typing: RwSignal<bool>,
    /// How many "typing" frames came, so an older lapse timer leaves a newer one alone.
    typing_heard: StoredValue<u32>,
    /// What the visitor is typing; kept here so closing the panel does not lose it.
    pub draft: RwSignal<String>,
    /// A closed conversation the visitor put away with "start a new conversation"; a welcome
    /// after a reconnect must not bring it back.
    dismissed: RwSignal<Option<ConversationId>>,
    /// The first welcome loads history, later ones (reconnects) may bring unread messages.
    welcomed: StoredValue<bool>,
    /// Which error is on screen, so an older timer does not hide a newer error.
    error_shown: StoredValue<u64>,
}

impl Chat {
    pub fn new(lang: Lang) -> Self {
        Self {
            lang: RwSignal::new(lang),
            shop: RwSignal::new(None),
            online: RwSignal::new(None),
            conversation: RwSignal::new(None),
            state: RwSignal::new(None),
            messages: RwSignal::new(Vec::new()),
            read_seq: RwSignal::new(0),
            queue: RwSignal::new(None),
            open: RwSignal::new(false),
            unread: RwSignal::new(0),
            link: RwSignal::new(Link::Idle),
            outbox: RwSignal::new(Vec::new()),
            acked: RwSignal::new(Vec::new()),
            error: RwSignal::new(None),
            agent_typing: RwSignal::new(false),
            typing_heard: StoredValue::new(0),
            draft: RwSignal::new(String::new()),
            dismissed: RwSignal::new(None),
            welcomed: StoredValue::new(false),
            error_shown: StoredValue::new(0),
        }
    }

    /// Whether the message numbered `seq` is on screen already.
    pub fn has_message(&self, seq: u32) -> bool {
        self.messages
            .with_untracked(|messages| messages.iter().any(|m| m.seq == seq))
    }

    /// Takes in one frame from the server.
    pub fn apply(&self, frame: ServerToVisitor) {
        match frame {
            ServerToVisitor::Welcome {
                shop,
                conversation,
                resumed,
                ..
            } => {
                self.online.set(Some(shop.online));
                self.shop.set(Some(shop));
                // A welcome holds every message stored since what we had, acknowledged ones
                // included: none needs standing in for any more.
                if !self.acked.with_untracked(Vec::is_empty) {
                    self.acked.set(Vec::new());
                }
                let dismissed = self.dismissed.get_untracked();
                let conversation = conversation
                    .filter(|c| !(c.state == ConversationState::Closed && Some(c.id) == dismissed));
                let reconnect = self.welcomed.get_value();
                self.welcomed.set_value(true);
                let Some(c) = conversation else {
                    self.clear();
                    return;
                };
                // Only the conversation on screen can be continued; anything else replaces it.
                let resumed = resumed && self.conversation.get_untracked() == Some(c.id);
                if reconnect && !self.open.get_untracked() {
                    let missed = self.messages.with_untracked(|known| {
                        c.messages
                            .iter()
                            .filter(|m| is_agent(m) && !known.iter().any(|k| same(k, m)))
                            .count()
                    });
                    self.unread
                        .update(|n| *n = n.saturating_add(u32::try_from(missed).unwrap_or(0)));
                }
                // Keep the old position on screen until the server sends the new one, rather
                // than flicker it away on every reconnect.
                let same_wait = c.state == ConversationState::Waiting
                    && self.conversation.get_untracked() == Some(c.id);
                if !same_wait {
                    self.queue.set(None);
                }
                let mut messages = c.messages;
                if resumed {
                    let known = self.messages.get_untracked();
                    messages.retain(|m| !known.iter().any(|k| k.seq == m.seq));
                    messages.extend(known);
                }
                messages.sort_unstable_by_key(|m| m.seq);
                let read_seq = if resumed {
                    c.read_seq.max(self.read_seq.get_untracked())
                } else {
                    c.read_seq
                };
                self.read_seq.set(read_seq);
                self.conversation.set(Some(c.id));
                self.state.set(Some(c.state));
                self.messages.set(messages);
            }
            ServerToVisitor::Queue { position, estimate } => {
                self.queue.set(Some(QueueSpot { position, estimate }));
                if !matches!(
                    self.state.get_untracked(),
                    Some(ConversationState::Active { .. })
                ) {
                    self.state.set(Some(ConversationState::Waiting));
                }
            }
            ServerToVisitor::Assigned { agent_name } => {
                self.queue.set(None);
                self.state
                    .set(Some(ConversationState::Active { agent_name }));
            }
            ServerToVisitor::Message { message } => {
                match self.state.get_untracked() {
                    // A message after the end belongs to a conversation started meanwhile
                    // (in another tab): show that one instead.
                    Some(ConversationState::Closed) => {
                        self.clear();
                        self.state.set(Some(ConversationState::Waiting));
                    }
                    // The visitor's first message started a conversation in the queue.
                    None => self.state.set(Some(ConversationState::Waiting)),
                    Some(_) => {}
                }
                if is_agent(&message) && self.agent_typing.get_untracked() {
                    self.agent_types(false);
                }
                let unread = is_agent(&message) && !self.open.get_untracked();
                let client_id = message.client_id.clone();
                let mut added = false;
                self.messages.update(|messages| {
                    if messages.iter().any(|m| m.seq == message.seq) {
                        return;
                    }
                    let at = messages.partition_point(|m| m.seq < message.seq);
                    messages.insert(at, message);
                    added = true;
                });
                if added && unread {
                    self.unread.update(|n| *n = n.saturating_add(1));
                }
                if let Some(id) = &client_id
                    && self
                        .acked
                        .with_untracked(|acked| acked.iter().any(|a| &a.id == id))
                {
                    self.acked.update(|acked| acked.retain(|a| &a.id != id));
                }
            }
            // Usually before the stored message itself: keep the bubble, now as sent, until
            // that arrives (the outbox lets go of it right after this).
            ServerToVisitor::Ack { id, seq } => {
                let text = self.outbox.with_untracked(|outbox| {
                    outbox
                        .iter()
                        .find(|item| item.id == id)
                        .map(|item| item.text.clone())
                });
                let Some(text) = text else { return };
                let stored = self.messages.with_untracked(|messages| {
                    messages.iter().any(|m| m.client_id.as_ref() == Some(&id))
                });
                if !stored
                    && !self
                        .acked
                        .with_untracked(|acked| acked.iter().any(|a| a.id == id))
                {
                    self.acked
                        .update(|acked| acked.push(Acked { id, seq, text }));
                }
            }
            // The outbox marks the message failed; its bubble says why.
            ServerToVisitor::Rejected { .. } => {}
            ServerToVisitor::Closed => {
                self.queue.set(None);
                self.agent_typing.set(false);
                self.state.set(Some(ConversationState::Closed));
            }
            ServerToVisitor::Typing { typing } => self.agent_types(typing),
            ServerToVisitor::Availability { online } => self.online.set(Some(online)),
            ServerToVisitor::Read { seq } => {
                if seq > self.read_seq.get_untracked() {
                    self.read_seq.set(seq);
                }
            }
            ServerToVisitor::Error(error) => self.show_error(error.message),
        }
    }

    fn agent_types(&self, typing: bool) {
        let heard = self.typing_heard.get_value().wrapping_add(1);
        self.typing_heard.set_value(heard);
        self.agent_typing.set(typing);
        if typing {
            let this = *self;
            set_timeout(
                move || {
                    if this.typing_heard.get_value() == heard {
                        this.agent_typing.set(false);
                    }
                },
                Duration::from_millis(u64::from(TYPING_LASTS_MS)),
            );
        }
    }

    /// The visitor asked for a fresh conversation after one ended; the server starts it with
    /// their next message.
    pub fn start_new(&self) {
        self.dismissed.set(self.conversation.get_untracked());
        self.acked.set(Vec::new());
        self.clear();
    }

    /// What to tell the server on reconnecting: the conversation on screen and the last
    /// message we have of it, so the welcome brings only what we missed.
    pub fn resume(&self) -> Option<Resume> {
        let conversation = self.conversation.get_untracked()?;
        let last_seq = self
            .messages
            .with_untracked(|messages| messages.iter().map(|m| m.seq).max())?;
        Some(Resume {
            conversation,
            last_seq,
        })
    }

    /// What the message list shows (tracked).
    pub fn rows(&self) -> Vec<Row> {
        let seen = Seen {
            // An agent has (or had) the conversation on their console.
            delivered: self.state.with(|state| {
                matches!(
                    state,
                    Some(ConversationState::Active { .. } | ConversationState::Closed)
                )
            }),
            read_seq: self.read_seq.get(),
        };
        self.messages.with(|messages| {
            self.acked.with(|acked| {
                self.outbox
                    .with(|outbox| rows(messages, acked, outbox, seen))
            })
        })
    }

    /// Whether typed messages wait for the connection (tracked).
    pub fn has_sending(&self) -> bool {
        self.outbox.with(|outbox| {
            outbox
                .iter()
                .any(|item| item.state == OutgoingState::Sending)
        })
    }

    /// Shows an error for a moment.
    pub fn show_error(&self, message: String) {
        let shown = self.error_shown.get_value().wrapping_add(1);
        self.error_shown.set_value(shown);
        self.error.set(Some(message));
        let this = *self;
        set_timeout(
            move || {
                if this.error_shown.get_value() == shown {
                    this.error.set(None);
                }
            },
            ERROR_SHOWN_FOR,
        );
    }

    /// The agent's name once one took the conversation.
    pub fn agent_name(&self) -> Option<String> {
        self.state.with(|state| match state {
            Some(ConversationState::Active { agent_name }) => Some(agent_name.clone()),
            _ => None,
        })
    }

    pub fn is_closed(&self) -> bool {
        self.state
            .with(|state| matches!(state, Some(ConversationState::Closed)))
    }

    fn clear(&self) {
        self.conversation.set(None);
        self.state.set(None);
        self.queue.set(None);
        self.messages.set(Vec::new());
        self.read_seq.set(0);
    }
}

fn is_agent(message: &ChatMessage) -> bool {
    matches!(message.author, Author::Agent { .. })
}

/// The same stored message, even across conversations whose `seq`s both start at 1.
fn same(a: &ChatMessage, b: &ChatMessage) -> bool {
    a.seq == b.seq && a.sent_at_ms == b.sent_at_ms
}

/// A message the server acknowledged as stored under `seq` before its stored copy arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acked {
    pub id: ClientMessageId,
    pub seq: u32,
    pub text: String,
}

/// Tells rows apart across renders. A message the visitor sent keeps its id as it goes from
/// sending to sent, so its bubble stays the same element in the same place.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RowKey {
    Client(ClientMessageId),
    /// Messages without a client id (older ones); `sent_at_ms` tells conversations apart,
    /// whose `seq`s both start at 1.
    Stored {
        seq: u32,
        sent_at_ms: i64,
    },
}

/// How far a message got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Someone else's message.
    Received,
    /// The visitor's, read by the agent.
    Read,
    /// The visitor's, on the console of the agent holding the conversation.
    Delivered,
    /// The visitor's, stored by the server (waiting in the queue for an agent).
    Sent,
    /// The visitor's, on its way.
    Sending,
    /// The visitor's, refused by the server.
    Failed(ProtocolError),
}

/// One line of the message list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub key: RowKey,
    pub author: Author,
    pub text: String,
    /// By the server's clock; `None` until the stored message arrives.
    pub sent_at_ms: Option<i64>,
    pub delivery: Delivery,
}

impl Row {
    pub fn is_own(&self) -> bool {
        self.author == Author::Visitor
    }
}

/// How far the agent's side has got with the conversation, for the visitor's stored messages.
#[derive(Clone, Copy, Debug, Default)]
pub struct Seen {
    /// An agent holds (or held) the conversation, so its messages are on their console.
    pub delivered: bool,
    /// The agent has read up to this message number.
    pub read_seq: u32,
}

impl Seen {
    fn delivery(self, seq: u32) -> Delivery {
        if seq <= self.read_seq {
            Delivery::Read
        } else if self.delivered {
            Delivery::Delivered
        } else {
            Delivery::Sent
        }
    }
}

/// The stored messages and acknowledged ones in `seq` order, then the outbox in the order it
/// was typed. Each message shows once: a stored copy hides the acknowledgement standing in
/// for it, and both hide the outbox entry with the same id.
pub fn rows(
    messages: &[ChatMessage],
    acked: &[Acked],
    outbox: &[Outgoing],
    seen: Seen,
) -> Vec<Row> {
    let mut ordered: Vec<(u32, Row)> = messages
        .iter()
        .map(|m| {
            let key = match &m.client_id {
                Some(id) => RowKey::Client(id.clone()),
                None => RowKey::Stored {
                    seq: m.seq,
                    sent_at_ms: m.sent_at_ms,
                },
            };
            let delivery = if is_agent(m) {
                Delivery::Received
            } else {
                seen.delivery(m.seq)
            };
            let row = Row {
                key,
                author: m.author.clone(),
                text: m.text.clone(),
                sent_at_ms: Some(m.sent_at_ms),
                delivery,
            };
            (m.seq, row)
        })
        .collect();
    for a in acked {
        let arrived = messages
            .iter()
            .any(|m| m.seq == a.seq || m.client_id.as_ref() == Some(&a.id));
        if !arrived {
            let row = Row {
                key: RowKey::Client(a.id.clone()),
                author: Author::Visitor,
                text: a.text.clone(),
                sent_at_ms: None,
                delivery: seen.delivery(a.seq),
            };
            ordered.push((a.seq, row));
        }
    }
    ordered.sort_unstable_by_key(|(seq, _)| *seq);
    let pending = outbox.iter().map(|item| Row {
        key: RowKey::Client(item.id.clone()),
        author: Author::Visitor,
        text: item.text.clone(),
        sent_at_ms: None,
        delivery: match &item.state {
            OutgoingState::Sending => Delivery::Sending,
            OutgoingState::Failed { error } => Delivery::Failed(error.clone()),
        },
    });
    // Keys are unique or the list cannot tell rows apart; the first (most settled) wins.
    // (A list, not a set: conversations are short, and the widget's download is smaller.)
    let mut rows: Vec<Row> = Vec::new();
    for row in ordered.into_iter().map(|(_, row)| row).chain(pending) {
        if !rows.iter().any(|known| known.key == row.key) {
            rows.push(row);
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use pronto_protocol::chat::Conversation;

    fn message(seq: u32, author: Author, text: &str) -> ChatMessage {
        ChatMessage {
            seq,
            client_id: None,
            author,
            text: text.into(),
            sent_at_ms: i64::from(seq) * 1000,
        }
    }

    fn agent(seq: u32, text: &str) -> ChatMessage {
        message(seq, Author::Agent { name: "Ana".into() }, text)
    }

    fn welcome(conversation: Option<Conversation>) -> ServerToVisitor {
        ServerToVisitor::Welcome {
            token: "t".into(),
            shop: Shop {
                name: "Tienda".into(),
                greeting: "¡Hola!".into(),
                online: false,
            },
            conversation,
            resumed: false,
        }
    }

    fn resumed(conversation: Conversation) -> ServerToVisitor {
        let ServerToVisitor::Welcome { token, shop, .. } = welcome(None) else {
            unreachable!()
        };
        ServerToVisitor::Welcome {
            token,
            shop,
            conversation: Some(conversation),
            resumed: true,
        }
    }

    fn id(raw: &str) -> ClientMessageId {
        ClientMessageId::parse(raw).unwrap()
    }

    fn mine(seq: u32, client_id: &str, text: &str) -> ChatMessage {
        ChatMessage {
            client_id: Some(id(client_id)),
            ..message(seq, Author::Visitor, text)
        }
    }

    fn sending(client_id: &str, text: &str) -> Outgoing {
        Outgoing {
            id: id(client_id),
            text: text.into(),
            state: OutgoingState::Sending,
        }
    }

    /// What the list shows: each row's text and how far it got.
    fn shown(chat: &Chat) -> Vec<(String, Delivery)> {
        chat.rows()
            .into_iter()
            .map(|row| (row.text, row.delivery))
            .collect()
    }

    fn row(text: &str, delivery: Delivery) -> (String, Delivery) {
        (text.to_owned(), delivery)
    }

    fn texts(chat: &Chat) -> Vec<String> {
        chat.messages
            .get_untracked()
            .into_iter()
            .map(|m| m.text)
            .collect()
    }

    #[test]
    fn only_new_agent_messages_count_as_unread_while_closed() {
        let chat = Chat::new(Lang::En);
        let history = Conversation {
            read_seq: 0,
            id: ConversationId(1),
            state: ConversationState::Active {
                agent_name: "Ana".into(),
            },
            messages: vec![agent(1, "old")],
        };
        // History from the first welcome is not news.
        chat.apply(welcome(Some(history.clone())));
        assert_eq!(chat.unread.get_untracked(), 0);

        chat.apply(ServerToVisitor::Message {
            message: agent(2, "new"),
        });
        // The same message again (a duplicate delivery) counts once.
        chat.apply(ServerToVisitor::Message {
            message: agent(2, "new"),
        });
        chat.apply(ServerToVisitor::Message {
            message: message(3, Author::Visitor, "mine"),
        });
        assert_eq!(chat.unread.get_untracked(), 1);
        assert_eq!(texts(&chat), ["old", "new", "mine"]);

        // A reconnect brings one more that arrived while we were away.
        let mut later = history;
        later.messages.extend([
            agent(2, "new"),
            message(3, Author::Visitor, "mine"),
            agent(4, "missed"),
        ]);
        chat.apply(welcome(Some(later)));
        assert_eq!(chat.unread.get_untracked(), 2);

        chat.open.set(true);
        chat.apply(ServerToVisitor::Message {
            message: agent(5, "seen"),
        });
        assert_eq!(chat.unread.get_untracked(), 2);
    }

    #[test]
    fn waiting_then_assigned_then_closed() {
        let chat = Chat::new(Lang::En);
        chat.apply(welcome(None));
        assert_eq!(chat.state.get_untracked(), None);
        chat.apply(ServerToVisitor::Message {
            message: message(1, Author::Visitor, "hola"),
        });
        chat.apply(ServerToVisitor::Queue {
            position: 2,
            estimate: None,
        });
        assert_eq!(chat.state.get_untracked(), Some(ConversationState::Waiting));
        assert_eq!(chat.queue.get_untracked().map(|q| q.position), Some(2));

        chat.apply(ServerToVisitor::Assigned {
            agent_name: "Ana".into(),
        });
        assert_eq!(chat.queue.get_untracked(), None);
        assert_eq!(chat.agent_name().as_deref(), Some("Ana"));

        chat.apply(ServerToVisitor::Closed);
        assert!(chat.is_closed());
        assert_eq!(chat.agent_name(), None);
    }

    #[test]
    fn a_dismissed_conversation_stays_away_after_a_reconnect() {
        let chat = Chat::new(Lang::En);
        let closed = Conversation {
            read_seq: 0,
            id: ConversationId(7),
            state: ConversationState::Closed,
            messages: vec![message(1, Author::Visitor, "old question")],
        };
        chat.apply(welcome(Some(closed.clone())));
        assert!(chat.is_closed());
        chat.start_new();
        assert!(texts(&chat).is_empty());

        chat.apply(welcome(Some(closed)));
        assert!(!chat.is_closed());
        assert!(texts(&chat).is_empty());

        // The next message starts the new conversation on screen.
        chat.apply(ServerToVisitor::Message {
            message: message(1, Author::Visitor, "new question"),
        });
        assert_eq!(texts(&chat), ["new question"]);
        assert_eq!(chat.state.get_untracked(), Some(ConversationState::Waiting));
    }

    #[test]
    fn resume_names_the_conversation_and_its_last_message() {
        let chat = Chat::new(Lang::En);
        assert_eq!(chat.resume(), None);
        chat.apply(ServerToVisitor::Message {
            message: message(1, Author::Visitor, "hola"),
        });
        // A conversation only a message named: its id comes with the next welcome.
        assert_eq!(chat.resume(), None);
        chat.apply(welcome(Some(Conversation {
            read_seq: 0,
            id: ConversationId(3),
            state: ConversationState::Waiting,
            messages: vec![message(1, Author::Visitor, "hola"), agent(2, "¡Hola!")],
        })));
        assert_eq!(
            chat.resume(),
            Some(Resume {
                conversation: ConversationId(3),
                last_seq: 2
            })
        );
        chat.apply(ServerToVisitor::Closed);
        chat.start_new();
        assert_eq!(chat.resume(), None);
    }

    #[test]
    fn a_resumed_welcome_appends_without_duplicates() {
        let chat = Chat::new(Lang::En);
        let first = Conversation {
            read_seq: 0,
            id: ConversationId(3),
            state: ConversationState::Waiting,
            messages: vec![message(1, Author::Visitor, "hola"), agent(2, "¡Hola!")],
        };
        chat.apply(welcome(Some(first)));
        chat.apply(resumed(Conversation {
            read_seq: 0,
            id: ConversationId(3),
            state: ConversationState::Active {
                agent_name: "Ana".into(),
            },
            // One we already have (the server may overlap), then what we missed.
            messages: vec![
                agent(2, "¡Hola!"),
                agent(3, "¿En qué te ayudo?"),
                mine(4, "x", "talla 42"),
            ],
        }));
        assert_eq!(
            texts(&chat),
            ["hola", "¡Hola!", "¿En qué te ayudo?", "talla 42"]
        );
        assert_eq!(chat.agent_name().as_deref(), Some("Ana"));
        // Missed while closed: the two new agent messages, not the one we had.
        assert_eq!(chat.unread.get_untracked(), 1);

        // Nothing new at all.
        chat.apply(resumed(Conversation {
            read_seq: 0,
            id: ConversationId(3),
            state: ConversationState::Active {
                agent_name: "Ana".into(),
            },
            messages: Vec::new(),
        }));
        assert_eq!(texts(&chat).len(), 4);

        // "Resumed" a conversation we do not show: it can only replace ours.
        chat.apply(resumed(Conversation {
            read_seq: 0,
            id: ConversationId(9),
            state: ConversationState::Waiting,
            messages: vec![message(1, Author::Visitor, "otra")],
        }));
        assert_eq!(texts(&chat), ["otra"]);
    }

    #[test]
    fn own_messages_go_from_sent_to_delivered_to_read() {
        let chat = Chat::new(Lang::En);
        chat.apply(welcome(Some(Conversation {
            read_seq: 0,
            id: ConversationId(1),
            state: ConversationState::Waiting,
            messages: vec![
                message(1, Author::Visitor, "hola"),
                message(2, Author::Visitor, "¿talla 42?"),
            ],
        })));
        let deliveries = || {
            chat.rows()
                .into_iter()
                .map(|r| r.delivery)
                .collect::<Vec<_>>()
        };
        // In the queue: stored, nobody has it yet.
        assert_eq!(deliveries(), [Delivery::Sent, Delivery::Sent]);
        chat.apply(ServerToVisitor::Assigned {
            agent_name: "Ana".into(),
        });
        assert_eq!(deliveries(), [Delivery::Delivered, Delivery::Delivered]);
        chat.apply(ServerToVisitor::Read { seq: 1 });
        assert_eq!(deliveries(), [Delivery::Read, Delivery::Delivered]);
        // A late, older receipt moves nothing back.
        chat.apply(ServerToVisitor::Read { seq: 2 });
        chat.apply(ServerToVisitor::Read { seq: 1 });
        assert_eq!(deliveries(), [Delivery::Read, Delivery::Read]);
        // The agent's own messages are only ever received.
        chat.apply(ServerToVisitor::Message {
            message: agent(3, "Sí, quedan dos."),
        });
        assert_eq!(chat.rows()[2].delivery, Delivery::Received);

        // A reload: the welcome says how far the agent read.
        let again = Chat::new(Lang::En);
        again.apply(welcome(Some(Conversation {
            read_seq: 1,
            id: ConversationId(1),
            state: ConversationState::Active {
                agent_name: "Ana".into(),
            },
            messages: vec![
                message(1, Author::Visitor, "hola"),
                message(2, Author::Visitor, "¿talla 42?"),
            ],
        })));
        let deliveries = again
            .rows()
            .into_iter()
            .map(|r| r.delivery)
            .collect::<Vec<_>>();
        assert_eq!(deliveries, [Delivery::Read, Delivery::Delivered]);
    }

    #[test]
    fn a_pending_message_becomes_the_stored_one_in_place_and_shows_once() {
        let chat = Chat::new(Lang::En);
        chat.apply(welcome(Some(Conversation {
            read_seq: 0,
            id: ConversationId(1),
            state: ConversationState::Waiting,
            messages: vec![message(1, Author::Visitor, "hola")],
        })));
        chat.outbox
            .set(vec![sending("a", "¿talla 42?"), sending("b", "¿y 43?")]);
        assert_eq!(
            shown(&chat),
            [
                row("hola", Delivery::Sent),
                row("¿talla 42?", Delivery::Sending),
                row("¿y 43?", Delivery::Sending),
            ]
        );
        let key_before = chat.rows()[1].key.clone();

        // The acknowledgement first (the transport's outbox lets go right after).
        chat.apply(ServerToVisitor::Ack {
            id: id("a"),
            seq: 2,
        });
        chat.outbox.set(vec![sending("b", "¿y 43?")]);
        let rows_now = chat.rows();
        assert_eq!(rows_now[1].key, key_before, "the same bubble");
        assert_eq!(rows_now[1].delivery, Delivery::Sent);
        assert_eq!(rows_now.len(), 3);

        // Then the stored copy, possibly twice (the repeat of a lost acknowledgement).
        for _ in 0..2 {
            chat.apply(ServerToVisitor::Message {
                message: mine(2, "a", "¿talla 42?"),
            });
        }
        assert_eq!(chat.rows()[1].key, key_before);
        assert_eq!(
            shown(&chat),
            [
                row("hola", Delivery::Sent),
                row("¿talla 42?", Delivery::Sent),
                row("¿y 43?", Delivery::Sending),
            ]
        );
        // A repeated acknowledgement changes nothing.
        chat.apply(ServerToVisitor::Ack {
            id: id("a"),
            seq: 2,
        });
        assert_eq!(chat.rows().len(), 3);

        // The other way round: the stored copy (say from another tab's send) before the
        // acknowledgement; the outbox entry hides behind it until it goes.
        chat.apply(ServerToVisitor::Message {
            message: mine(3, "b", "¿y 43?"),
        });
        assert_eq!(shown(&chat).len(), 3);
        chat.apply(ServerToVisitor::Ack {
            id: id("b"),
            seq: 3,
        });
        chat.outbox.set(Vec::new());
        assert_eq!(
            shown(&chat),
            [
                row("hola", Delivery::Sent),
                row("¿talla 42?", Delivery::Sent),
                row("¿y 43?", Delivery::Sent),
            ]
        );
    }

    #[test]
    fn an_acknowledged_message_takes_its_place_by_seq_and_a_welcome_settles_it() {
        let chat = Chat::new(Lang::En);
        chat.apply(welcome(Some(Conversation {
            read_seq: 0,
            id: ConversationId(1),
            state: ConversationState::Waiting,
            messages: vec![message(1, Author::Visitor, "hola")],
        })));
        chat.outbox.set(vec![sending("a", "mine")]);
        chat.apply(ServerToVisitor::Ack {
            id: id("a"),
            seq: 3,
        });
        chat.outbox.set(Vec::new());
        // The agent's answer was stored between: it goes above ours.
        chat.apply(ServerToVisitor::Message {
            message: agent(2, "hi"),
        });
        assert_eq!(
            shown(&chat),
            [
                row("hola", Delivery::Sent),
                row("hi", Delivery::Received),
                row("mine", Delivery::Sent),
            ]
        );
        // The socket died before the stored copy came; the resumed welcome brings it.
        assert_eq!(chat.resume().map(|r| r.last_seq), Some(2));
        chat.apply(resumed(Conversation {
            read_seq: 0,
            id: ConversationId(1),
            state: ConversationState::Waiting,
            messages: vec![mine(3, "a", "mine")],
        }));
        assert_eq!(shown(&chat).len(), 3);
        assert_eq!(texts(&chat), ["hola", "hi", "mine"]);
    }

    #[test]
    fn a_failed_message_shows_why() {
        let error = ProtocolError::new(pronto_protocol::ErrorCode::MessageTooLong, "too long");
        let outbox = [Outgoing {
            id: id("a"),
            text: "x".into(),
            state: OutgoingState::Failed {
                error: error.clone(),
            },
        }];
        let rows = rows(&[], &[], &outbox, Seen::default());
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].delivery, Delivery::Failed(error));
        assert!(rows[0].is_own());
    }
}
