//! The chat as the visitor sees it: a `Chat` of signals that the server's frames change
//! through plain methods, and that the components only read.

use std::time::Duration;

use leptos::prelude::*;
use pronto_protocol::chat::{Author, ChatMessage, ConversationState, WaitEstimate};
use pronto_protocol::ids::ConversationId;
use pronto_protocol::visitor::{ServerToVisitor, Shop};

use crate::i18n::Lang;
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
    pub lang: Lang,
    /// The shop's name and greeting, once welcomed.
    pub shop: RwSignal<Option<Shop>>,
    /// The conversation on screen, if the server named it (a conversation the visitor just
    /// started is only named by the next welcome).
    pub conversation: RwSignal<Option<ConversationId>>,
    /// `None` while there is no conversation: the next message starts one.
    pub state: RwSignal<Option<ConversationState>>,
    /// The conversation's messages, ordered by `seq`.
    pub messages: RwSignal<Vec<ChatMessage>>,
    /// Set while waiting, once the server told the position.
    pub queue: RwSignal<Option<QueueSpot>>,
    pub open: RwSignal<bool>,
    /// Agent messages that arrived while the panel was closed.
    pub unread: RwSignal<u32>,
    pub link: RwSignal<Link>,
    /// Typed messages the server has not stored yet.
    pub pending: RwSignal<usize>,
    /// A server error, shown for a moment.
    pub error: RwSignal<Option<String>>,
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
            lang,
            shop: RwSignal::new(None),
            conversation: RwSignal::new(None),
            state: RwSignal::new(None),
            messages: RwSignal::new(Vec::new()),
            queue: RwSignal::new(None),
            open: RwSignal::new(false),
            unread: RwSignal::new(0),
            link: RwSignal::new(Link::Idle),
            pending: RwSignal::new(0),
            error: RwSignal::new(None),
            draft: RwSignal::new(String::new()),
            dismissed: RwSignal::new(None),
            welcomed: StoredValue::new(false),
            error_shown: StoredValue::new(0),
        }
    }

    /// Takes in one frame from the server.
    pub fn apply(&self, frame: ServerToVisitor) {
        match frame {
            ServerToVisitor::Welcome {
                shop, conversation, ..
            } => {
                self.shop.set(Some(shop));
                let dismissed = self.dismissed.get_untracked();
                let conversation = conversation
                    .filter(|c| !(c.state == ConversationState::Closed && Some(c.id) == dismissed));
                let reconnect = self.welcomed.get_value();
                self.welcomed.set_value(true);
                let Some(c) = conversation else {
                    self.clear();
                    return;
                };
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
                messages.sort_by_key(|m| m.seq);
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
                let unread = is_agent(&message) && !self.open.get_untracked();
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
            }
            ServerToVisitor::Closed => {
                self.queue.set(None);
                self.state.set(Some(ConversationState::Closed));
            }
            ServerToVisitor::Error(error) => self.show_error(error.message),
        }
    }

    /// The visitor asked for a fresh conversation after one ended; the server starts it with
    /// their next message.
    pub fn start_new(&self) {
        self.dismissed.set(self.conversation.get_untracked());
        self.clear();
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
    }
}

fn is_agent(message: &ChatMessage) -> bool {
    matches!(message.author, Author::Agent { .. })
}

/// The same stored message, even across conversations whose `seq`s both start at 1.
fn same(a: &ChatMessage, b: &ChatMessage) -> bool {
    a.seq == b.seq && a.sent_at_ms == b.sent_at_ms
}

/// A key for `<For>` that tells messages of different conversations apart.
pub fn message_key(message: &ChatMessage) -> (u32, i64) {
    (message.seq, message.sent_at_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pronto_protocol::chat::Conversation;

    fn message(seq: u32, author: Author, text: &str) -> ChatMessage {
        ChatMessage {
            seq,
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
            },
            conversation,
        }
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
}
