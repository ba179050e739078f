//! The chat as the visitor sees it: a `Chat` of signals that the server's frames change
//! through plain methods, and that the components only read; and `rows`, which merges the
//! stored conversation with the visitor's unsent messages into what the list shows.

use std::time::Duration;

use leptos::prelude::*;
use pronto_answers::Index;
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
///
/// One signal holds the conversation and all about it, rather than one signal per field:
/// each type of signal is code every shopper downloads (about 2 KB apiece), while drawing
/// again what reads the chat when any of it changes costs nothing a person could notice in a
/// widget this size. The language keeps its own signal: a new language draws everything again
/// anyway.
#[derive(Clone, Copy)]
pub struct Chat {
    /// The language on screen; the page may change it (`Pronto('locale', …)`).
    pub lang: RwSignal<Lang>,
    screen: RwSignal<Screen>,
}

/// What the widget shows besides the language: plain data, changed by the
/// server's frames through plain methods (so the unit tests need no reactive runtime).
#[derive(Debug)]
pub struct Screen {
    /// The shop's name and greeting, once welcomed.
    pub shop: Option<Shop>,
    /// Whether an agent is there to answer now; `None` until the server says.
    pub online: Option<bool>,
    /// How long the shop typically takes to answer, in seconds, when it has history enough.
    pub typical_reply_secs: Option<u32>,
    /// While the shop is closed by its opening hours: when it opens again (ms since 1970).
    pub opens_at_ms: Option<i64>,
    /// The conversation on screen, if the server named it (a conversation the visitor just
    /// started is only named by the next welcome).
    pub conversation: Option<ConversationId>,
    /// `None` while there is no conversation: the next message starts one.
    pub state: Option<ConversationState>,
    /// The conversation's messages, ordered by `seq`.
    pub messages: Vec<ChatMessage>,
    /// How far the agent has read the conversation (message number; 0: not yet).
    pub read_seq: u32,
    /// Set while waiting, once the server told the position.
    pub queue: Option<QueueSpot>,
    pub open: bool,
    /// Agent messages that arrived while the panel was closed.
    pub unread: u32,
    pub link: Link,
    /// Typed messages the server has not stored yet, oldest first (the transport's outbox).
    pub outbox: Vec<Outgoing>,
    /// Acknowledged messages whose stored copy has not arrived yet.
    acked: Vec<Acked>,
    /// A server error, shown for a moment.
    pub error: Option<String>,
    /// Whether the agent is typing a reply; lapses unless the server says so again.
    pub agent_typing: bool,
    /// What the visitor is typing; kept here so closing the panel does not lose it.
    pub draft: String,
    /// How many "typing" frames came, so an older lapse timer leaves a newer one alone.
    typing_heard: u32,
    /// A closed conversation the visitor put away with "start a new conversation"; a welcome
    /// after a reconnect must not bring it back.
    dismissed: Option<ConversationId>,
    /// The first welcome loads history, later ones (reconnects) may bring unread messages.
    welcomed: bool,
    /// The shop's quick answers in the language on screen (indices into `shop.answers`), and
    /// their words ready to match what the visitor types.
    offered: Vec<usize>,
    index: Index,
    /// The quick answers that match the draft, best first (indices into `shop.answers`).
    pub suggested: Vec<usize>,
    /// The quick answer the visitor opened, and what they said of it.
    pub answer_shown: Option<AnswerShown>,
    /// The e-mail address the shop has for the visitor: replies they miss go there.
    pub email: Option<String>,
    /// The visitor's rating of the ended conversation on screen, as far as they got.
    pub rating: Option<Rating>,
    /// Which error is on screen, so an older timer does not hide a newer error.
    error_shown: u64,
}

impl Chat {
    pub fn new(lang: Lang) -> Self {
        Self {
            lang: RwSignal::new(lang),
            screen: RwSignal::new(Screen::new()),
        }
    }

    /// Reads what is on screen; a view or effect that reads runs again when it changes.
    pub fn with<R>(&self, read: impl FnOnce(&Screen) -> R) -> R {
        self.screen.with(read)
    }

    /// Reads what is on screen without following it (in handlers and the transport).
    pub fn with_untracked<R>(&self, read: impl FnOnce(&Screen) -> R) -> R {
        self.screen.with_untracked(read)
    }

    /// Changes what is on screen; what reads it is drawn again. (Nothing happens once the
    /// widget is gone: a timer may fire after.)
    fn change<R: Default>(&self, change: impl FnOnce(&mut Screen) -> R) -> R {
        self.screen.try_update(change).unwrap_or_default()
    }

    pub fn is_open(&self) -> bool {
        self.with(|screen| screen.open)
    }

    /// Opens or closes the panel; opening it counts everything as read.
    pub fn set_open(&self, open: bool) {
        self.change(|screen| {
            screen.open = open;
            if open {
                screen.unread = 0;
            }
        });
    }

    /// The visitor typed. Only a draft turning empty or not (the send button), or other
    /// quick answers matching it, is news to the views, not every key press.
    pub fn set_draft(&self, draft: String) {
        self.screen.maybe_update(|screen| {
            let had_text = screen.has_draft();
            screen.draft = draft;
            let suggested = screen.suggest();
            let news = had_text != screen.has_draft() || suggested != screen.suggested;
            screen.suggested = suggested;
            news
        });
    }

    /// The language on screen changed: so do the quick answers offered.
    pub fn set_lang(&self, lang: Lang) {
        self.lang.set(lang);
        self.change(|screen| screen.index_answers(lang));
    }

    /// The visitor opened the suggested quick answer `answer` (an index into `shop.answers`).
    pub fn open_answer(&self, answer: usize) {
        self.change(|screen| {
            screen.suggested.clear();
            screen.answer_shown = Some(AnswerShown {
                answer,
                helped: false,
            });
        });
    }

    /// The visitor said the answer on screen solved their question (`true`), or not: then
    /// it goes away and a person takes the question. Returns the answer's id, to count.
    pub fn answer_helped(&self, helped: bool) -> Option<u32> {
        self.change(|screen| {
            let shown = screen.answer_shown.take()?;
            let id = screen.shop.as_ref()?.answers.get(shown.answer)?.id;
            if helped {
                screen.answer_shown = Some(AnswerShown {
                    helped: true,
                    ..shown
                });
            }
            id
        })
    }

    /// The visitor gave their e-mail address for replies they miss.
    pub fn set_email(&self, email: String) {
        // A mistyped address's error no longer applies.
        self.change(|screen| {
            screen.email = Some(email);
            screen.error = None;
        });
    }

    /// The visitor rated the ended conversation, or sent their comment.
    pub fn set_rating(&self, rating: Rating) {
        // A too-long comment's error no longer applies.
        self.change(|screen| {
            screen.rating = Some(rating);
            screen.error = None;
        });
    }

    pub fn set_link(&self, link: Link) {
        if self.with_untracked(|screen| screen.link) != link {
            self.change(|screen| screen.link = link);
        }
    }

    /// The transport's outbox changed.
    pub fn set_outbox(&self, outbox: Vec<Outgoing>) {
        self.change(|screen| screen.outbox = outbox);
    }

    /// Takes in one frame from the server.
    pub fn apply(&self, frame: ServerToVisitor) {
        match frame {
            ServerToVisitor::Error(error) => self.show_error(error.message),
            ServerToVisitor::Typing { typing } => self.agent_types(typing),
            frame => {
                let lang = self.lang.get_untracked();
                self.change(|screen| {
                    let welcome = matches!(frame, ServerToVisitor::Welcome { .. });
                    screen.apply(frame);
                    if welcome {
                        screen.index_answers(lang);
                    }
                });
            }
        }
    }

    fn agent_types(&self, typing: bool) {
        let heard = self.change(|screen| screen.agent_types(typing));
        if typing {
            let this = *self;
            set_timeout(
                move || {
                    if this.with_untracked(|screen| screen.typing_heard) == heard {
                        this.change(|screen| screen.agent_typing = false);
                    }
                },
                Duration::from_millis(u64::from(TYPING_LASTS_MS)),
            );
        }
    }

    /// Draws again what reads the chat, for words that age with the clock ("in 3 hours").
    pub fn redraw(&self) {
        self.change(|_| ());
    }

    /// The visitor asked for a fresh conversation after one ended; the server starts it with
    /// their next message.
    pub fn start_new(&self) {
        self.change(Screen::start_new);
    }

    /// Shows an error for a moment.
    pub fn show_error(&self, message: String) {
        let shown = self.change(|screen| {
            screen.error_shown = screen.error_shown.wrapping_add(1);
            screen.error = Some(message);
            screen.error_shown
        });
        let this = *self;
        set_timeout(
            move || {
                if this.with_untracked(|screen| screen.error_shown) == shown {
                    this.change(|screen| screen.error = None);
                }
            },
            ERROR_SHOWN_FOR,
        );
    }

    /// What the message list shows (tracked).
    pub fn rows(&self) -> Vec<Row> {
        self.with(Screen::rows)
    }

    /// The agent's name once one took the conversation (tracked).
    pub fn agent_name(&self) -> Option<String> {
        self.with(Screen::agent_name)
    }

    /// Whether the conversation has ended (tracked).
    pub fn is_closed(&self) -> bool {
        self.with(Screen::is_closed)
    }
}

impl Screen {
    fn new() -> Self {
        Self {
            shop: None,
            online: None,
            typical_reply_secs: None,
            opens_at_ms: None,
            conversation: None,
            state: None,
            messages: Vec::new(),
            read_seq: 0,
            queue: None,
            open: false,
            unread: 0,
            link: Link::Idle,
            outbox: Vec::new(),
            acked: Vec::new(),
            error: None,
            agent_typing: false,
            draft: String::new(),
            typing_heard: 0,
            dismissed: None,
            welcomed: false,
            offered: Vec::new(),
            index: Index::default(),
            suggested: Vec::new(),
            answer_shown: None,
            email: None,
            rating: None,
            error_shown: 0,
        }
    }

    /// Whether the message numbered `seq` is on screen already.
    pub fn has_message(&self, seq: u32) -> bool {
        // Kept in `seq` order (`insert_in_order`).
        let at = self.messages.partition_point(|m| m.seq < seq);
        self.messages.get(at).is_some_and(|m| m.seq == seq)
    }

    /// Takes in one frame from the server (errors and typing, which start timers, go
    /// through `Chat::apply`).
    fn apply(&mut self, frame: ServerToVisitor) {
        match frame {
            ServerToVisitor::Welcome {
                shop,
                conversation,
                resumed,
                email,
                ..
            } => {
                self.email = email.or(self.email.take());
                self.online = Some(shop.online);
                self.typical_reply_secs = shop.typical_reply_secs;
                self.opens_at_ms = shop.opens_at_ms;
                self.shop = Some(shop);
                // A welcome holds every message stored since what we had, acknowledged ones
                // included: none needs standing in for any more.
                self.acked.clear();
                let dismissed = self.dismissed;
                let conversation = conversation
                    .filter(|c| !(c.state == ConversationState::Closed && Some(c.id) == dismissed));
                let reconnect = self.welcomed;
                self.welcomed = true;
                let Some(c) = conversation else {
                    self.clear();
                    return;
                };
                // Only the conversation on screen can be continued; anything else replaces it.
                let resumed = resumed && self.conversation == Some(c.id);
                if reconnect && !self.open {
                    let known = &self.messages;
                    let missed = c
                        .messages
                        .iter()
                        .filter(|m| is_agent(m) && !known.iter().any(|k| same(k, m)))
                        .count();
                    self.unread = self
                        .unread
                        .saturating_add(u32::try_from(missed).unwrap_or(0));
                }
                // Keep the old position on screen until the server sends the new one, rather
                // than flicker it away on every reconnect.
                let same_wait =
                    c.state == ConversationState::Waiting && self.conversation == Some(c.id);
                if !same_wait {
                    self.queue = None;
                }
                if !resumed {
                    self.messages.clear();
                }
                for message in c.messages {
                    insert_in_order(&mut self.messages, message);
                }
                self.read_seq = if resumed {
                    c.read_seq.max(self.read_seq)
                } else {
                    c.read_seq
                };
                self.conversation = Some(c.id);
                self.state = Some(c.state);
            }
            ServerToVisitor::Queue { position, estimate } => {
                self.queue = Some(QueueSpot { position, estimate });
                if !matches!(self.state, Some(ConversationState::Active { .. })) {
                    self.state = Some(ConversationState::Waiting);
                }
            }
            ServerToVisitor::Assigned { agent_name } => {
                self.queue = None;
                // Opened again to follow up: its next ending is rated afresh.
                if self.is_closed() {
                    self.rating = None;
                }
                self.state = Some(ConversationState::Active { agent_name });
            }
            ServerToVisitor::Message { message } => {
                match self.state {
                    // A message after the end belongs to a conversation started meanwhile
                    // (in another tab): show that one instead.
                    Some(ConversationState::Closed) => {
                        self.clear();
                        self.state = Some(ConversationState::Waiting);
                    }
                    // The visitor's first message started a conversation in the queue.
                    None => self.state = Some(ConversationState::Waiting),
                    Some(_) => {}
                }
                if is_agent(&message) && self.agent_typing {
                    self.agent_types(false);
                }
                let unread = is_agent(&message) && !self.open;
                let client_id = message.client_id.clone();
                if insert_in_order(&mut self.messages, message) && unread {
                    self.unread = self.unread.saturating_add(1);
                }
                if let Some(id) = &client_id {
                    self.acked.retain(|a| &a.id != id);
                }
            }
            // Usually before the stored message itself: keep the bubble, now as sent, until
            // that arrives (the outbox lets go of it right after this).
            ServerToVisitor::Ack { id, seq } => {
                let Some(item) = self.outbox.iter().find(|item| item.id == id) else {
                    return;
                };
                let stored = self
                    .messages
                    .iter()
                    .any(|m| m.client_id.as_ref() == Some(&id));
                if !stored && !self.acked.iter().any(|a| a.id == id) {
                    let text = item.text.clone();
                    self.acked.push(Acked { id, seq, text });
                }
            }
            // The outbox marks the message failed; its bubble says why.
            ServerToVisitor::Rejected { .. } => {}
            ServerToVisitor::Closed => {
                self.queue = None;
                self.agent_typing = false;
                self.state = Some(ConversationState::Closed);
            }
            ServerToVisitor::Typing { typing } => {
                self.agent_types(typing);
            }
            ServerToVisitor::Availability {
                online,
                typical_reply_secs,
                opens_at_ms,
            } => {
                self.online = Some(online);
                self.typical_reply_secs = typical_reply_secs;
                self.opens_at_ms = opens_at_ms;
            }
            ServerToVisitor::Read { seq } => self.read_seq = self.read_seq.max(seq),
            ServerToVisitor::Error(error) => self.error = Some(error.message),
        }
    }

    /// Notes that the agent is (or stopped) typing; returns which "typing" this was.
    fn agent_types(&mut self, typing: bool) -> u32 {
        self.typing_heard = self.typing_heard.wrapping_add(1);
        self.agent_typing = typing;
        self.typing_heard
    }

    fn start_new(&mut self) {
        self.dismissed = self.conversation;
        self.acked.clear();
        self.clear();
    }

    /// What to tell the server on reconnecting: the conversation on screen and the last
    /// message we have of it, so the welcome brings only what we missed.
    pub fn resume(&self) -> Option<Resume> {
        let conversation = self.conversation?;
        let last_seq = self.messages.iter().map(|m| m.seq).max()?;
        Some(Resume {
            conversation,
            last_seq,
        })
    }

    /// What the message list shows.
    pub fn rows(&self) -> Vec<Row> {
        let seen = Seen {
            // An agent has (or had) the conversation on their console.
            delivered: matches!(
                self.state,
                Some(ConversationState::Active { .. } | ConversationState::Closed)
            ),
            read_seq: self.read_seq,
        };
        rows(&self.messages, &self.acked, &self.outbox, seen)
    }

    /// Whether the visitor has written something to send.
    pub fn has_draft(&self) -> bool {
        !self.draft.trim().is_empty()
    }

    /// Whether typed messages wait for the connection.
    pub fn has_sending(&self) -> bool {
        self.outbox
            .iter()
            .any(|item| item.state == OutgoingState::Sending)
    }

    /// The agent's name once one took the conversation.
    pub fn agent_name(&self) -> Option<String> {
        match &self.state {
            Some(ConversationState::Active { agent_name }) => Some(agent_name.clone()),
            _ => None,
        }
    }

    pub fn is_closed(&self) -> bool {
        matches!(self.state, Some(ConversationState::Closed))
    }

    /// Whether anyone is there to answer, as the line under the greeting says it; `None`
    /// until the server has said.
    pub fn presence(&self) -> Option<Presence> {
        // Someone at the console answers, whatever the opening hours say.
        Some(match (self.online?, self.opens_at_ms) {
            (true, _) => Presence::Online {
                typical_reply_secs: self.typical_reply_secs,
            },
            (false, Some(at_ms)) => Presence::Closed { at_ms },
            (false, None) => Presence::Away,
        })
    }

    /// What the line under the greeting and the launcher's hint say: `presence`, except how
    /// soon an agent typically answers while the visitor waits in line, where the place in
    /// line says how soon already (two estimates side by side would say it twice, differently).
    pub fn presence_to_tell(&self) -> Option<Presence> {
        self.presence()
            .filter(|presence| self.queue.is_none() || !matches!(presence, Presence::Online { .. }))
    }

    fn clear(&mut self) {
        self.conversation = None;
        self.state = None;
        self.queue = None;
        self.messages.clear();
        self.read_seq = 0;
        self.rating = None;
    }

    /// Readies the quick answers written in `lang` to be matched as the visitor types.
    fn index_answers(&mut self, lang: Lang) {
        let answers = self.shop.as_ref().map_or(&[][..], |shop| &shop.answers[..]);
        self.offered = (0..answers.len())
            .filter(|&i| answers[i].lang == lang.code())
            .collect();
        self.index = Index::new(
            self.offered
                .iter()
                .map(|&i| (answers[i].question.as_str(), answers[i].keywords.as_str())),
        );
        self.suggested = self.suggest();
    }

    /// The quick answers that match the draft, best first: offered until an agent has the
    /// chat (then a person answers) and while no answer is open.
    fn suggest(&self) -> Vec<usize> {
        if self.agent_name().is_some() || self.answer_shown.is_some_and(|a| !a.helped) {
            return Vec::new();
        }
        self.index
            .search(&self.draft)
            .into_iter()
            .filter_map(|found| self.offered.get(found).copied())
            .collect()
    }

    /// Whether to offer to reply by e-mail (`Some(0)`), or in how many ms (`Some(ms)`), or
    /// not at all (`None`): while the visitor waits in line, at once when nobody is there to
    /// answer, else once they have waited the shop's `ask_email_after_secs`. Asked also when
    /// the address is known, to say where replies will go.
    pub fn email_offer_in(&self, now_ms: f64) -> Option<f64> {
        if self.state != Some(ConversationState::Waiting) {
            return None;
        }
        if !matches!(self.presence()?, Presence::Online { .. }) {
            return Some(0.0);
        }
        let after_ms = f64::from(self.shop.as_ref()?.ask_email_after_secs) * 1000.0;
        // Waiting since the visitor's first message of the conversation was stored.
        let since = self
            .messages
            .iter()
            .find(|m| m.author == Author::Visitor)
            .map_or(now_ms, |m| m.sent_at_ms as f64);
        Some((since + after_ms - now_ms).max(0.0))
    }
}

/// A quick answer the visitor opened (an index into `shop.answers`); `helped` once they
/// said it solved their question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnswerShown {
    pub answer: usize,
    pub helped: bool,
}

/// How far the visitor got in rating an ended conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rating {
    /// Rated good or bad; a comment may follow.
    Chosen { good: bool },
    /// Done, comment and all.
    Sent,
}

/// Whether anyone is there to answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// Closed by the shop's opening hours until `at_ms`.
    Closed { at_ms: i64 },
    /// An agent has the console open; they typically answer in this long, when known.
    Online { typical_reply_secs: Option<u32> },
    /// Open, but nobody is at the console.
    Away,
}

/// Puts a message in its place by `seq`, unless one with that number is there already (the
/// stored copy wins over an older one of the same number: the server's is the truth).
/// Returns whether it was new. (Insertion, not a sort: the widget's download is smaller.)
fn insert_in_order(messages: &mut Vec<ChatMessage>, message: ChatMessage) -> bool {
    let at = messages.partition_point(|m| m.seq < message.seq);
    if messages.get(at).is_some_and(|m| m.seq == message.seq) {
        messages[at] = message;
        return false;
    }
    messages.insert(at, message);
    true
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
            let at = ordered.partition_point(|(seq, _)| *seq <= a.seq);
            ordered.insert(at, (a.seq, row));
        }
    }
    let mut rows: Vec<Row> = ordered.into_iter().map(|(_, row)| row).collect();
    // A message still in the outbox may be stored already (sent again after a lost
    // connection): the stored copy shows, once. Stored and acknowledged messages never
    // repeat an id (the server keeps each once), so only the outbox is checked, newest rows
    // first, where a copy would be: a thousand-message conversation stays cheap to draw.
    for item in outbox {
        let key = RowKey::Client(item.id.clone());
        let known = rows.iter().rev().any(|row| row.key == key);
        if !known {
            rows.push(Row {
                key,
                author: Author::Visitor,
                text: item.text.clone(),
                sent_at_ms: None,
                delivery: match &item.state {
                    OutgoingState::Sending => Delivery::Sending,
                    OutgoingState::Failed { error } => Delivery::Failed(error.clone()),
                },
            });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use pronto_protocol::answers::QuickAnswer;
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
                typical_reply_secs: None,
                opens_at_ms: None,
                ask_email_after_secs: 180,
                answers: Vec::new(),
            },
            conversation,
            resumed: false,
            email: None,
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
            email: None,
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
    fn shown(chat: &Screen) -> Vec<(String, Delivery)> {
        chat.rows()
            .into_iter()
            .map(|row| (row.text, row.delivery))
            .collect()
    }

    fn row(text: &str, delivery: Delivery) -> (String, Delivery) {
        (text.to_owned(), delivery)
    }

    fn texts(chat: &Screen) -> Vec<String> {
        chat.messages.iter().map(|m| m.text.clone()).collect()
    }

    #[test]
    fn only_new_agent_messages_count_as_unread_while_closed() {
        let mut chat = Screen::new();
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
        assert_eq!(chat.unread, 0);

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
        assert_eq!(chat.unread, 1);
        assert_eq!(texts(&chat), ["old", "new", "mine"]);

        // A reconnect brings one more that arrived while we were away.
        let mut later = history;
        later.messages.extend([
            agent(2, "new"),
            message(3, Author::Visitor, "mine"),
            agent(4, "missed"),
        ]);
        chat.apply(welcome(Some(later)));
        assert_eq!(chat.unread, 2);

        chat.open = true;
        chat.apply(ServerToVisitor::Message {
            message: agent(5, "seen"),
        });
        assert_eq!(chat.unread, 2);
    }

    #[test]
    fn someone_at_the_console_answers_whatever_the_hours_say() {
        let mut chat = Screen::new();
        assert_eq!(chat.presence(), None);
        chat.apply(ServerToVisitor::Availability {
            online: false,
            typical_reply_secs: Some(240),
            opens_at_ms: Some(1_000),
        });
        assert_eq!(chat.presence(), Some(Presence::Closed { at_ms: 1_000 }));
        chat.apply(ServerToVisitor::Availability {
            online: true,
            typical_reply_secs: Some(240),
            opens_at_ms: Some(1_000),
        });
        assert_eq!(
            chat.presence(),
            Some(Presence::Online {
                typical_reply_secs: Some(240)
            })
        );
        // Each frame says all three again: an opening time no longer said is gone.
        chat.apply(ServerToVisitor::Availability {
            online: false,
            typical_reply_secs: None,
            opens_at_ms: None,
        });
        assert_eq!(chat.presence(), Some(Presence::Away));
    }

    #[test]
    fn the_typical_reply_gives_way_to_the_place_in_line() {
        let mut chat = Screen::new();
        chat.apply(ServerToVisitor::Availability {
            online: true,
            typical_reply_secs: Some(240),
            opens_at_ms: None,
        });
        let online = Some(Presence::Online {
            typical_reply_secs: Some(240),
        });
        assert_eq!(chat.presence_to_tell(), online);
        chat.apply(ServerToVisitor::Queue {
            position: 2,
            estimate: None,
        });
        assert_eq!(chat.presence_to_tell(), None);
        // A shop closed (or away) is news even in line: nobody may answer for a while.
        chat.apply(ServerToVisitor::Availability {
            online: false,
            typical_reply_secs: Some(240),
            opens_at_ms: Some(1_000),
        });
        assert_eq!(
            chat.presence_to_tell(),
            Some(Presence::Closed { at_ms: 1_000 })
        );
        chat.apply(ServerToVisitor::Availability {
            online: true,
            typical_reply_secs: Some(240),
            opens_at_ms: None,
        });
        chat.apply(ServerToVisitor::Assigned {
            agent_name: "Ana".into(),
        });
        assert_eq!(chat.presence_to_tell(), online);
    }

    fn shop_with_answers() -> ServerToVisitor {
        let ServerToVisitor::Welcome {
            token, mut shop, ..
        } = welcome(None)
        else {
            unreachable!()
        };
        let answer = |id, lang: &str, question: &str, keywords: &str| QuickAnswer {
            id: Some(id),
            lang: lang.into(),
            question: question.into(),
            answer: "…".into(),
            keywords: keywords.into(),
        };
        shop.answers = vec![
            answer(7, "en", "How long does shipping take?", "delivery"),
            answer(8, "es", "¿Cuánto tarda el envío?", "despacho entrega"),
            answer(9, "es", "¿Puedo devolver un producto?", "devolución cambio"),
        ];
        ServerToVisitor::Welcome {
            token,
            shop,
            conversation: None,
            resumed: false,
            email: None,
        }
    }

    #[test]
    fn quick_answers_in_the_visitors_language_follow_the_draft_until_an_agent_answers() {
        let mut chat = Screen::new();
        chat.apply(shop_with_answers());
        chat.index_answers(Lang::Es);
        chat.draft = "cuanto tarda el envio".into();
        assert_eq!(chat.suggest(), [1]);
        chat.draft = "DEVOLUCIONES".into();
        assert_eq!(chat.suggest(), [2]);
        // The English answer is not offered to a Spanish speaker…
        chat.draft = "shipping".into();
        assert!(chat.suggest().is_empty());
        // …until the page switches the language.
        chat.index_answers(Lang::En);
        assert_eq!(chat.suggest(), [0]);
        // While an answer is open, or once a person has the chat, none is offered.
        chat.answer_shown = Some(AnswerShown {
            answer: 0,
            helped: false,
        });
        assert!(chat.suggest().is_empty());
        chat.answer_shown = None;
        chat.apply(ServerToVisitor::Assigned {
            agent_name: "Ana".into(),
        });
        assert!(chat.suggest().is_empty());
    }

    #[test]
    fn a_conversation_opened_again_to_follow_up_is_rated_afresh() {
        let mut chat = Screen::new();
        chat.apply(welcome(None));
        chat.apply(ServerToVisitor::Message {
            message: message(1, Author::Visitor, "¿Vuelve la 38?"),
        });
        chat.apply(ServerToVisitor::Closed);
        chat.rating = Some(Rating::Sent);
        chat.apply(ServerToVisitor::Assigned {
            agent_name: "Ana".into(),
        });
        assert!(!chat.is_closed());
        assert_eq!(chat.rating, None);
        assert_eq!(
            chat.messages.len(),
            1,
            "the same conversation, history and all"
        );
    }

    #[test]
    fn email_is_offered_while_waiting_with_nobody_there_or_past_the_shops_threshold() {
        let mut chat = Screen::new();
        chat.apply(welcome(None));
        // Nothing to reply to yet.
        assert_eq!(chat.email_offer_in(0.0), None);
        chat.apply(ServerToVisitor::Message {
            message: message(1, Author::Visitor, "hola"),
        });
        let sent = chat.messages[0].sent_at_ms as f64;
        // Nobody online: at once.
        assert_eq!(chat.email_offer_in(sent), Some(0.0));
        chat.apply(ServerToVisitor::Availability {
            online: true,
            typical_reply_secs: None,
            opens_at_ms: None,
        });
        // Someone online: after the shop's 180 s in line, counted from the first message.
        assert_eq!(chat.email_offer_in(sent + 30_000.0), Some(150_000.0));
        assert_eq!(chat.email_offer_in(sent + 200_000.0), Some(0.0));
        // Once an agent has the chat, there is nothing to offer.
        chat.apply(ServerToVisitor::Assigned {
            agent_name: "Ana".into(),
        });
        assert_eq!(chat.email_offer_in(sent + 200_000.0), None);
    }

    #[test]
    fn a_rating_belongs_to_the_conversation_it_rated() {
        let mut chat = Screen::new();
        chat.apply(welcome(None));
        chat.apply(ServerToVisitor::Message {
            message: message(1, Author::Visitor, "hola"),
        });
        chat.apply(ServerToVisitor::Closed);
        chat.rating = Some(Rating::Chosen { good: true });
        chat.start_new();
        assert_eq!(chat.rating, None);
    }

    #[test]
    fn waiting_then_assigned_then_closed() {
        let mut chat = Screen::new();
        chat.apply(welcome(None));
        assert_eq!(chat.state.clone(), None);
        chat.apply(ServerToVisitor::Message {
            message: message(1, Author::Visitor, "hola"),
        });
        chat.apply(ServerToVisitor::Queue {
            position: 2,
            estimate: None,
        });
        assert_eq!(chat.state.clone(), Some(ConversationState::Waiting));
        assert_eq!(chat.queue.map(|q| q.position), Some(2));

        chat.apply(ServerToVisitor::Assigned {
            agent_name: "Ana".into(),
        });
        assert_eq!(chat.queue, None);
        assert_eq!(chat.agent_name().as_deref(), Some("Ana"));

        chat.apply(ServerToVisitor::Closed);
        assert!(chat.is_closed());
        assert_eq!(chat.agent_name(), None);
    }

    #[test]
    fn a_dismissed_conversation_stays_away_after_a_reconnect() {
        let mut chat = Screen::new();
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
        assert_eq!(chat.state.clone(), Some(ConversationState::Waiting));
    }

    #[test]
    fn resume_names_the_conversation_and_its_last_message() {
        let mut chat = Screen::new();
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
        let mut chat = Screen::new();
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
        assert_eq!(chat.unread, 1);

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
        let mut chat = Screen::new();
        chat.apply(welcome(Some(Conversation {
            read_seq: 0,
            id: ConversationId(1),
            state: ConversationState::Waiting,
            messages: vec![
                message(1, Author::Visitor, "hola"),
                message(2, Author::Visitor, "¿talla 42?"),
            ],
        })));
        let deliveries = |chat: &Screen| {
            chat.rows()
                .into_iter()
                .map(|r| r.delivery)
                .collect::<Vec<_>>()
        };
        // In the queue: stored, nobody has it yet.
        assert_eq!(deliveries(&chat), [Delivery::Sent, Delivery::Sent]);
        chat.apply(ServerToVisitor::Assigned {
            agent_name: "Ana".into(),
        });
        assert_eq!(
            deliveries(&chat),
            [Delivery::Delivered, Delivery::Delivered]
        );
        chat.apply(ServerToVisitor::Read { seq: 1 });
        assert_eq!(deliveries(&chat), [Delivery::Read, Delivery::Delivered]);
        // A late, older receipt moves nothing back.
        chat.apply(ServerToVisitor::Read { seq: 2 });
        chat.apply(ServerToVisitor::Read { seq: 1 });
        assert_eq!(deliveries(&chat), [Delivery::Read, Delivery::Read]);
        // The agent's own messages are only ever received.
        chat.apply(ServerToVisitor::Message {
            message: agent(3, "Sí, quedan dos."),
        });
        assert_eq!(chat.rows()[2].delivery, Delivery::Received);

        // A reload: the welcome says how far the agent read.
        let mut again = Screen::new();
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
        let mut chat = Screen::new();
        chat.apply(welcome(Some(Conversation {
            read_seq: 0,
            id: ConversationId(1),
            state: ConversationState::Waiting,
            messages: vec![message(1, Author::Visitor, "hola")],
        })));
        chat.outbox = vec![sending("a", "¿talla 42?"), sending("b", "¿y 43?")];
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
        chat.outbox = vec![sending("b", "¿y 43?")];
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
        chat.outbox = Vec::new();
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
        let mut chat = Screen::new();
        chat.apply(welcome(Some(Conversation {
            read_seq: 0,
            id: ConversationId(1),
            state: ConversationState::Waiting,
            messages: vec![message(1, Author::Visitor, "hola")],
        })));
        chat.outbox = vec![sending("a", "mine")];
        chat.apply(ServerToVisitor::Ack {
            id: id("a"),
            seq: 3,
        });
        chat.outbox = Vec::new();
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
