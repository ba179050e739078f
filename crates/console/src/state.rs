//! What the console knows: the signed-in agent, the link, the queue and the agent's
//! conversations, as signals the components read. Frames from the server change it in one
//! place, `Console::apply`; clicks change it through the other plain methods here.

use std::collections::HashMap;

use leptos::prelude::*;
use pronto_protocol::agent::{AgentConversation, AgentProfile, QueueEntry, ServerToAgent};
use pronto_protocol::chat::{Author, ChatMessage, ConversationState};
use pronto_protocol::ids::ConversationId;

use crate::clock;
use crate::strings;
use crate::transport::LinkStatus;

/// A conversation in the agent's list: one the agent holds, or held until it was closed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenConversation {
    pub id: ConversationId,
    pub visitor: String,
    pub state: ConversationState,
    pub messages: Vec<ChatMessage>,
    /// Visitor messages that arrived while another conversation was on screen.
    pub unread: u32,
}

impl OpenConversation {
    fn new(conversation: AgentConversation) -> Self {
        Self {
            id: conversation.id,
            visitor: conversation.visitor,
            state: conversation.state,
            messages: conversation.messages,
            unread: 0,
        }
    }

    pub fn is_closed(&self) -> bool {
        self.state == ConversationState::Closed
    }

    fn last_seq(&self) -> u32 {
        self.messages.last().map_or(0, |m| m.seq)
    }
}

/// An error the agent should see for a moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// Tells this notice from a later one with the same words, so a timer clears only its own.
    pub id: u32,
    pub text: String,
}

/// The console's state. Every field is a signal (or a stored value), so `Console` is `Copy`
/// and components take it from context.
#[derive(Clone, Copy)]
pub struct Console {
    pub agent: RwSignal<AgentProfile>,
    pub link: RwSignal<LinkStatus>,
    /// Waiting visitors of the agent's site, in the server's order.
    pub queue: RwSignal<Vec<QueueEntry>>,
    /// In the order they came to this agent.
    pub conversations: RwSignal<Vec<OpenConversation>>,
    pub selected: RwSignal<Option<ConversationId>>,
    pub error: RwSignal<Option<Notice>>,
    /// Set when a taken conversation arrives; its composer takes focus once shown.
    pub focus_composer: RwSignal<Option<ConversationId>>,
    /// The browser's clock, ticked every second while the queue is on screen.
    pub now_ms: RwSignal<i64>,
    /// The server's clock minus the browser's: wait times are measured by the server's clock,
    /// and the agent's computer may be minutes off.
    pub clock_offset_ms: RwSignal<i64>,
    /// Unsent replies, kept when the agent switches conversations. Not a signal: nothing
    /// redraws when a draft changes.
    drafts: StoredValue<HashMap<ConversationId, String>>,
    notices: StoredValue<u32>,
}

impl Console {
    pub fn new(agent: AgentProfile, now_ms: i64) -> Self {
        Self {
            agent: RwSignal::new(agent),
            link: RwSignal::new(LinkStatus::Connecting),
            queue: RwSignal::new(Vec::new()),
            conversations: RwSignal::new(Vec::new()),
            selected: RwSignal::new(None),
            error: RwSignal::new(None),
            focus_composer: RwSignal::new(None),
            now_ms: RwSignal::new(now_ms),
            clock_offset_ms: RwSignal::new(0),
            drafts: StoredValue::new(HashMap::new()),
            notices: StoredValue::new(0),
        }
    }

    /// Takes in a frame from the server.
    pub fn apply(&self, frame: ServerToAgent) {
        self.apply_at(frame, clock::now_ms());
    }

    /// `apply`, with the browser's clock at the time the frame arrived.
    fn apply_at(&self, frame: ServerToAgent, local_now_ms: i64) {
        match frame {
            ServerToAgent::Welcome {
                agent,
                now_ms,
                queue,
                conversations,
            } => {
                self.agent.set(agent);
                self.sync_clock(now_ms, local_now_ms);
                self.queue.set(queue);
                self.welcome(conversations);
            }
            ServerToAgent::Queue { now_ms, entries } => {
                self.sync_clock(now_ms, local_now_ms);
                self.queue.set(entries);
            }
            ServerToAgent::Conversation { conversation } => self.taken(conversation),
            ServerToAgent::Message {
                conversation,
                message,
            } => self.message(conversation, message),
            ServerToAgent::Closed { conversation } => {
                self.conversations.update(|list| {
                    if let Some(c) = list.iter_mut().find(|c| c.id == conversation) {
                        c.state = ConversationState::Closed;
                    }
                });
            }
            ServerToAgent::Error(error) => self.show_error(strings::error_text(&error)),
        }
    }

    fn sync_clock(&self, server_now_ms: i64, local_now_ms: i64) {
        self.clock_offset_ms.set(server_now_ms - local_now_ms);
        self.now_ms.set(local_now_ms);
    }

    /// Replaces the list with the server's, keeping what the agent had before a reconnect:
    /// the selection, unread counts, and conversations that ended meanwhile (shown closed,
    /// since the server lists open ones only).
    fn welcome(&self, incoming: Vec<AgentConversation>) {
        let selected = self.selected.get_untracked();
        let mut list: Vec<OpenConversation> = Vec::with_capacity(incoming.len());
        let previous = self.conversations.get_untracked();
        for conversation in incoming {
            let mut conversation = OpenConversation::new(conversation);
            if let Some(old) = previous.iter().find(|c| c.id == conversation.id) {
                conversation.unread = old.unread;
                if selected != Some(conversation.id) {
                    let missed = conversation
                        .messages
                        .iter()
                        .filter(|m| m.seq > old.last_seq() && m.author == Author::Visitor)
                        .count();
                    conversation.unread += u32::try_from(missed).unwrap_or(u32::MAX);
                }
            }
            list.push(conversation);
        }
        for mut old in previous {
            if !list.iter().any(|c| c.id == old.id) {
                old.state = ConversationState::Closed;
                list.push(old);
            }
        }
        let keep_selection = selected.is_some_and(|id| list.iter().any(|c| c.id == id));
        let first = list.first().map(|c| c.id);
        self.conversations.set(list);
        if !keep_selection {
            self.selected.set(first);
        }
    }

    /// A conversation the agent just took: it goes on screen, ready for a reply.
    fn taken(&self, conversation: AgentConversation) {
        let id = conversation.id;
        let conversation = OpenConversation::new(conversation);
        self.conversations
            .update(|list| match list.iter_mut().find(|c| c.id == id) {
                Some(existing) => *existing = conversation,
                None => list.push(conversation),
            });
        // The server sends the new queue too; until then the visitor should not look takeable.
        self.queue
            .update(|queue| queue.retain(|e| e.conversation != id));
        self.select(id);
        self.focus_composer.set(Some(id));
    }

    fn message(&self, id: ConversationId, message: ChatMessage) {
        let on_screen = self.selected.get_untracked() == Some(id);
        self.conversations.update(|list| {
            let Some(conversation) = list.iter_mut().find(|c| c.id == id) else {
                return;
            };
            // After a reconnect the welcome may already hold it.
            if message.seq <= conversation.last_seq() {
                return;
            }
            if !on_screen && message.author == Author::Visitor {
                conversation.unread += 1;
            }
            conversation.messages.push(message);
        });
    }

    /// Puts a conversation on screen and marks it read.
    pub fn select(&self, id: ConversationId) {
        self.selected.set(Some(id));
        self.conversations.update(|list| {
            if let Some(c) = list.iter_mut().find(|c| c.id == id) {
                c.unread = 0;
            }
        });
    }

    /// Takes a closed conversation off the list.
    pub fn dismiss(&self, id: ConversationId) {
        self.conversations
            .update(|list| list.retain(|c| c.id != id || !c.is_closed()));
        self.drafts.update_value(|drafts| {
            drafts.remove(&id);
        });
        if self.selected.get_untracked() == Some(id) {
            let next = self.conversations.with_untracked(|list| {
                list.iter()
                    .find(|c| !c.is_closed())
                    .or(list.first())
                    .map(|c| c.id)
            });
            match next {
                Some(next) => {
                    self.select(next);
                    // The button that had focus is gone; the agent's next move is a reply.
                    if !self.is_closed_untracked(next) {
                        self.focus_composer.set(Some(next));
                    }
                }
                None => self.selected.set(None),
            }
        }
    }

    fn is_closed_untracked(&self, id: ConversationId) -> bool {
        self.conversations.with_untracked(|list| {
            list.iter()
                .find(|c| c.id == id)
                .is_none_or(OpenConversation::is_closed)
        })
    }

    pub fn show_error(&self, text: String) {
        let id = self.notices.get_value().wrapping_add(1);
        self.notices.set_value(id);
        self.error.set(Some(Notice { id, text }));
    }

    /// Clears the error if it is still the one with this id. Safe to call after the console
    /// is gone, as a late timer may.
    pub fn dismiss_error(&self, id: u32) {
        self.error.try_update(|error| {
            if error.as_ref().is_some_and(|n| n.id == id) {
                *error = None;
            }
        });
    }

    pub fn draft(&self, id: ConversationId) -> String {
        self.drafts
            .with_value(|drafts| drafts.get(&id).cloned())
            .unwrap_or_default()
    }

    pub fn set_draft(&self, id: ConversationId, text: String) {
        self.drafts.update_value(|drafts| {
            if text.is_empty() {
                drafts.remove(&id);
            } else {
                drafts.insert(id, text);
            }
        });
    }

    // Reactive reads for the components: each tracks what it reads.

    pub fn is_online(&self) -> bool {
        self.link.get() == LinkStatus::Online
    }

    /// How long a visitor has waited, in whole seconds by the server's clock.
    pub fn wait_secs(&self, waiting_since_ms: i64) -> i64 {
        let server_now = self.now_ms.get() + self.clock_offset_ms.get();
        (server_now - waiting_since_ms).max(0) / 1000
    }

    /// Zero-based place in the queue.
    pub fn queue_position(&self, id: ConversationId) -> Option<usize> {
        self.queue
            .with(|queue| queue.iter().position(|e| e.conversation == id))
    }

    pub fn conversation_ids(&self) -> Vec<ConversationId> {
        self.conversations
            .with(|list| list.iter().map(|c| c.id).collect())
    }

    fn with_conversation<T>(
        &self,
        id: ConversationId,
        read: impl FnOnce(&OpenConversation) -> T,
    ) -> Option<T> {
        self.conversations
            .with(|list| list.iter().find(|c| c.id == id).map(read))
    }

    pub fn visitor(&self, id: ConversationId) -> String {
        self.with_conversation(id, |c| c.visitor.clone())
            .unwrap_or_default()
    }

    pub fn is_closed(&self, id: ConversationId) -> bool {
        self.with_conversation(id, OpenConversation::is_closed)
            .unwrap_or(true)
    }

    pub fn unread(&self, id: ConversationId) -> u32 {
        self.with_conversation(id, |c| c.unread).unwrap_or(0)
    }

    pub fn messages(&self, id: ConversationId) -> Vec<ChatMessage> {
        self.with_conversation(id, |c| c.messages.clone())
            .unwrap_or_default()
    }

    pub fn last_message(&self, id: ConversationId) -> Option<String> {
        self.with_conversation(id, |c| c.messages.last().map(|m| m.text.clone()))
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pronto_protocol::ids::AgentId;
    use pronto_protocol::{ErrorCode, ProtocolError};

    fn agent() -> AgentProfile {
        AgentProfile {
            id: AgentId(1),
            name: "Ana".into(),
            email: "ana@example.com".into(),
            site: "demo".into(),
            shop_name: "Tienda".into(),
        }
    }

    fn message(seq: u32, author: Author, text: &str) -> ChatMessage {
        ChatMessage {
            seq,
            author,
            text: text.into(),
            sent_at_ms: 1_000,
        }
    }

    fn conversation(id: i64, messages: Vec<ChatMessage>) -> AgentConversation {
        AgentConversation {
            id: ConversationId(id),
            visitor: format!("Visitor {id}"),
            state: ConversationState::Active {
                agent_name: "Ana".into(),
            },
            messages,
        }
    }

    fn entry(id: i64, since: i64) -> QueueEntry {
        QueueEntry {
            conversation: ConversationId(id),
            visitor: format!("Visitor {id}"),
            waiting_since_ms: since,
            first_message: "Hola".into(),
        }
    }

    fn welcome(conversations: Vec<AgentConversation>) -> ServerToAgent {
        ServerToAgent::Welcome {
            agent: agent(),
            now_ms: 100_000,
            queue: vec![entry(9, 0)],
            conversations,
        }
    }

    #[test]
    fn wait_times_use_the_server_clock() {
        let console = Console::new(agent(), 0);
        // The browser's clock is 40 s behind the server's.
        console.apply_at(welcome(vec![]), 60_000);
        assert_eq!(console.wait_secs(0), 100);
        console.now_ms.set(65_000);
        assert_eq!(console.wait_secs(0), 105);
        assert_eq!(console.wait_secs(200_000), 0, "never negative");
    }

    #[test]
    fn welcome_selects_the_first_conversation() {
        let console = Console::new(agent(), 0);
        console.apply_at(
            welcome(vec![conversation(1, vec![]), conversation(2, vec![])]),
            0,
        );
        assert_eq!(console.selected.get_untracked(), Some(ConversationId(1)));
        assert_eq!(console.queue_position(ConversationId(9)), Some(0));
    }

    #[test]
    fn messages_elsewhere_count_as_unread_until_selected() {
        let console = Console::new(agent(), 0);
        console.apply_at(
            welcome(vec![conversation(1, vec![]), conversation(2, vec![])]),
            0,
        );
        let frame = |seq, author| ServerToAgent::Message {
            conversation: ConversationId(2),
            message: message(seq, author, "hola"),
        };
        console.apply_at(frame(1, Author::Visitor), 0);
        console.apply_at(frame(1, Author::Visitor), 0);
        console.apply_at(frame(2, Author::Agent { name: "Ana".into() }), 0);
        console.apply_at(frame(3, Author::Visitor), 0);
        assert_eq!(
            console.unread(ConversationId(2)),
            2,
            "duplicates and own replies do not count"
        );
        assert_eq!(console.messages(ConversationId(2)).len(), 3);
        console.select(ConversationId(2));
        assert_eq!(console.unread(ConversationId(2)), 0);
    }

    #[test]
    fn a_taken_conversation_comes_on_screen() {
        let console = Console::new(agent(), 0);
        console.apply_at(welcome(vec![conversation(1, vec![])]), 0);
        console.apply_at(
            ServerToAgent::Conversation {
                conversation: conversation(9, vec![message(1, Author::Visitor, "Hola")]),
            },
            0,
        );
        assert_eq!(console.selected.get_untracked(), Some(ConversationId(9)));
        assert_eq!(
            console.focus_composer.get_untracked(),
            Some(ConversationId(9))
        );
        assert_eq!(console.queue_position(ConversationId(9)), None);
        assert_eq!(
            console.conversation_ids(),
            [ConversationId(1), ConversationId(9)]
        );
    }

    #[test]
    fn closed_conversations_stay_until_dismissed() {
        let console = Console::new(agent(), 0);
        console.apply_at(
            welcome(vec![conversation(1, vec![]), conversation(2, vec![])]),
            0,
        );
        console.apply_at(
            ServerToAgent::Closed {
                conversation: ConversationId(1),
            },
            0,
        );
        assert!(console.is_closed(ConversationId(1)));
        // A reconnect lists open conversations only; the closed one stays for the agent to read.
        console.apply_at(welcome(vec![conversation(2, vec![])]), 0);
        assert_eq!(
            console.conversation_ids(),
            [ConversationId(2), ConversationId(1)]
        );
        assert_eq!(console.selected.get_untracked(), Some(ConversationId(1)));
        console.dismiss(ConversationId(1));
        assert_eq!(console.conversation_ids(), [ConversationId(2)]);
        assert_eq!(console.selected.get_untracked(), Some(ConversationId(2)));
    }

    #[test]
    fn reconnecting_counts_missed_visitor_messages() {
        let console = Console::new(agent(), 0);
        console.apply_at(
            welcome(vec![conversation(1, vec![]), conversation(2, vec![])]),
            0,
        );
        let missed = vec![
            message(1, Author::Visitor, "¿Hay talla M?"),
            message(2, Author::Visitor, "¿Hola?"),
        ];
        console.apply_at(
            welcome(vec![conversation(1, vec![]), conversation(2, missed)]),
            0,
        );
        assert_eq!(console.unread(ConversationId(2)), 2);
    }

    #[test]
    fn errors_clear_only_themselves() {
        let console = Console::new(agent(), 0);
        console.apply_at(
            ServerToAgent::Error(ProtocolError::new(ErrorCode::AlreadyTaken, "taken")),
            0,
        );
        let first = console.error.get_untracked().unwrap();
        console.show_error("again".into());
        console.dismiss_error(first.id);
        assert_eq!(console.error.get_untracked().unwrap().text, "again");
    }
}
