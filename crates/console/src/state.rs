//! What the console knows: the signed-in agent, the link, the queue, the agent's
//! conversations and the replies not yet stored, as signals the components read. Frames from
//! the server change it in one place, `Console::apply`; clicks change it through the other
//! plain methods here.

use std::collections::HashMap;

use leptos::prelude::*;
use pronto_protocol::agent::{
    AgentConversation, AgentProfile, AgentToServer, CannedReply, FollowUps, Note, QueueEntry,
    ServerToAgent,
};
use pronto_protocol::chat::{Author, ChatMessage, ConversationState};
use pronto_protocol::ids::{ClientMessageId, ConversationId};
use pronto_protocol::limits::TYPING_LASTS_MS;
use pronto_protocol::{ErrorCode, ProtocolError};

use crate::alerts;
use crate::clock;
use crate::outbox::{self, Kind, Outbox, PendingReply, ReplyState};
use crate::storage;
use crate::strings;
use crate::transport::{LinkStatus, Sender};
use pronto_protocol::pace::{is_transient, refusal_pause_ms, typing_news};

/// A conversation in the agent's list: one the agent holds, or held until it was closed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenConversation {
    pub id: ConversationId,
    pub visitor: String,
    pub visitor_email: Option<String>,
    pub state: ConversationState,
    pub messages: Vec<ChatMessage>,
    /// The team's internal notes, in the order stored.
    pub notes: Vec<Note>,
    /// Visitor messages that arrived while another conversation was on screen.
    pub unread: u32,
}

/// One line of a conversation on screen: a message, or a note among them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    Message(ChatMessage),
    Note(Note),
}

impl OpenConversation {
    fn new(conversation: AgentConversation) -> Self {
        let mut messages = conversation.messages;
        // `add` relies on the order; the server keeps it, this only makes sure.
        messages.sort_by_key(|m| m.seq);
        messages.dedup_by_key(|m| m.seq);
        Self {
            id: conversation.id,
            visitor: conversation.visitor,
            visitor_email: conversation.visitor_email,
            state: conversation.state,
            messages,
            notes: conversation.notes,
            unread: 0,
        }
    }

    /// Puts a note at the end unless it is there (told again after a resend or reconnect).
    /// Returns whether it is new.
    fn add_note(&mut self, note: Note) -> bool {
        let known = self.notes.iter().any(|n| n.client_id == note.client_id);
        if !known {
            self.notes.push(note);
        }
        !known
    }

    /// Puts a message in its place by `seq`. One already there with that `seq` is replaced,
    /// as the server's copy of our own reply replaces the one shown at its acknowledgement.
    /// Returns whether the message is new.
    fn add(&mut self, message: ChatMessage) -> bool {
        match self.messages.binary_search_by_key(&message.seq, |m| m.seq) {
            Ok(at) => {
                self.messages[at] = message;
                false
            }
            Err(at) => {
                self.messages.insert(at, message);
                true
            }
        }
    }

    fn holds(&self, id: &ClientMessageId) -> bool {
        self.messages
            .iter()
            .any(|m| m.client_id.as_ref() == Some(id))
            || self.notes.iter().any(|n| &n.client_id == id)
    }

    /// Messages in order, each note after the message it followed when written.
    pub fn entries(&self) -> Vec<Entry> {
        let mut entries = Vec::with_capacity(self.messages.len() + self.notes.len());
        let mut notes = self.notes.iter().peekable();
        for message in &self.messages {
            while let Some(note) = notes.next_if(|n| n.after_seq < message.seq) {
                entries.push(Entry::Note(note.clone()));
            }
            entries.push(Entry::Message(message.clone()));
        }
        entries.extend(notes.cloned().map(Entry::Note));
        entries
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
    /// The first waiting visitors of the agent's site, in the server's order.
    pub queue: RwSignal<Vec<QueueEntry>>,
    /// How many visitors wait in all (the list above shows the first few dozen).
    pub queue_total: RwSignal<u32>,
    /// In the order they came to this agent.
    pub conversations: RwSignal<Vec<OpenConversation>>,
    pub selected: RwSignal<Option<ConversationId>>,
    pub error: RwSignal<Option<Notice>>,
    /// News that is not a failure (a conversation handed over), shown for a moment.
    pub info: RwSignal<Option<Notice>>,
    /// The shop's canned replies, offered in the reply box at `/shortcut`.
    pub canned: RwSignal<Vec<CannedReply>>,
    /// The shop's conversations marked to follow up, soonest first (`components::follow_ups`
    /// reads them again whenever they may have changed).
    pub follow_ups: RwSignal<Option<FollowUps>>,
    /// The agent said they stepped away: visitors do not count them as there.
    pub away: RwSignal<bool>,
    /// How many chats the owner set this agent to hold at once (automatic assignment gives
    /// no more).
    pub slots: RwSignal<u32>,
    /// Set when a taken conversation arrives; its composer takes focus once shown.
    pub focus_composer: RwSignal<Option<ConversationId>>,
    /// The browser's clock, ticked every second while the queue is on screen.
    pub now_ms: RwSignal<i64>,
    /// The server's clock minus the browser's: wait times are measured by the server's clock,
    /// and the agent's computer may be minutes off.
    pub clock_offset_ms: RwSignal<i64>,
    /// Replies the server has not acknowledged, also kept in localStorage.
    pub outbox: RwSignal<Outbox>,
    /// Conversations whose visitor is typing, each with the number of the last "typing"
    /// heard (a timer clears it unless a newer one came).
    visitor_typing: RwSignal<Vec<(ConversationId, u32)>>,
    typing_heard: StoredValue<u32>,
    /// When this console last told each conversation "typing" (browser ms).
    typing_told: StoredValue<HashMap<ConversationId, f64>>,
    /// What the agent is typing in each conversation, kept when they switch. Not a signal:
    /// nothing redraws when a draft changes.
    drafts: StoredValue<HashMap<ConversationId, String>>,
    notices: StoredValue<u32>,
    /// Whether the console's tab is in view: only then does a conversation on screen count
    /// as read.
    pub page_visible: RwSignal<bool>,
    /// The newest visitor message each conversation was told read up to.
    read_told: StoredValue<HashMap<ConversationId, u32>>,
    /// The socket, once the desk has opened it.
    sender: StoredValue<Option<Sender>>,
    /// Set while replies wait out a pause after the server refused one for a passing reason.
    paused: StoredValue<bool>,
    /// Passing refusals in a row; each one doubles the pause.
    refusals: StoredValue<u32>,
}

impl Console {
    /// The console for `agent`, with the replies they left unsent last time.
    pub fn new(agent: AgentProfile, now_ms: i64) -> Self {
        let outbox = storage::load_outbox(agent.id);
        Self {
            agent: RwSignal::new(agent),
            link: RwSignal::new(LinkStatus::Connecting),
            queue: RwSignal::new(Vec::new()),
            queue_total: RwSignal::new(0),
            conversations: RwSignal::new(Vec::new()),
            selected: RwSignal::new(None),
            error: RwSignal::new(None),
            info: RwSignal::new(None),
            canned: RwSignal::new(Vec::new()),
            follow_ups: RwSignal::new(None),
            away: RwSignal::new(false),
            slots: RwSignal::new(1),
            focus_composer: RwSignal::new(None),
            now_ms: RwSignal::new(now_ms),
            clock_offset_ms: RwSignal::new(0),
            outbox: RwSignal::new(outbox),
            visitor_typing: RwSignal::new(Vec::new()),
            typing_heard: StoredValue::new(0),
            typing_told: StoredValue::new(HashMap::new()),
            drafts: StoredValue::new(HashMap::new()),
            notices: StoredValue::new(0),
            page_visible: RwSignal::new(true),
            read_told: StoredValue::new(HashMap::new()),
            sender: StoredValue::new(None),
            paused: StoredValue::new(false),
            refusals: StoredValue::new(0),
        }
    }

    /// Where replies go. Until this is called they wait in the outbox.
    pub fn attach(&self, sender: Sender) {
        self.sender.set_value(Some(sender));
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
                queue_total,
                conversations,
                away,
                slots,
            } => {
                self.agent.set(agent);
                self.away.set(away);
                self.slots.set(slots);
                self.sync_clock(now_ms, local_now_ms);
                self.queue.set(queue);
                self.queue_total.set(queue_total);
                self.welcome(conversations);
                self.resend();
            }
            ServerToAgent::Queue {
                now_ms,
                total,
                entries,
            } => {
                self.sync_clock(now_ms, local_now_ms);
                // Someone joined the line: worth a look even from another tab.
                if total > self.queue_total.get_untracked() {
                    let newest = (entries.len() == total as usize)
                        .then(|| entries.last())
                        .flatten()
                        .map(|e| {
                            format!("{}: {}", strings::visitor_name(&e.visitor), e.first_message)
                        });
                    alerts::alert(
                        strings::visitor_waiting(),
                        &newest.unwrap_or_default(),
                        "queue",
                    );
                }
                self.queue.set(entries);
                self.queue_total.set(total);
            }
            ServerToAgent::Away { away } => self.away.set(away),
            ServerToAgent::Conversation {
                conversation,
                from,
                assigned,
            } => match from {
                Some(from) => self.handed_to_me(conversation, &from),
                None if assigned => self.assigned_to_me(conversation),
                None => self.taken(conversation),
            },
            ServerToAgent::Slots { slots } => self.slots.set(slots),
            ServerToAgent::Transferred {
                conversation,
                to_name,
            } => self.handed_away(conversation, &to_name),
            ServerToAgent::Note { conversation, note } => self.noted(conversation, note),
            ServerToAgent::Visitor {
                conversation,
                visitor,
                visitor_email,
            } => self.conversations.update(|list| {
                if let Some(open) = list.iter_mut().find(|c| c.id == conversation) {
                    open.visitor = visitor;
                    open.visitor_email = visitor_email;
                }
            }),
            ServerToAgent::Ack {
                conversation,
                id,
                seq,
            } => self.acknowledged(conversation, &id, seq, local_now_ms),
            ServerToAgent::Rejected { id, error } => self.rejected(&id, &error),
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
            ServerToAgent::Typing {
                conversation,
                typing,
            } => self.visitor_types(conversation, typing),
            ServerToAgent::Error(error) => self.show_error(strings::error_text(&error)),
        }
    }

    /// Whether the visitor of `conversation` is typing (reactive).
    pub fn visitor_is_typing(&self, conversation: ConversationId) -> bool {
        self.visitor_typing
            .with(|typing| typing.iter().any(|(id, _)| *id == conversation))
    }

    fn visitor_types(&self, conversation: ConversationId, typing: bool) {
        self.visitor_typing
            .update(|list| list.retain(|(id, _)| *id != conversation));
        if !typing {
            return;
        }
        let heard = self.typing_heard.get_value().wrapping_add(1);
        self.typing_heard.set_value(heard);
        self.visitor_typing
            .update(|list| list.push((conversation, heard)));
        // Lapses unless the visitor says so again meanwhile.
        let list = self.visitor_typing;
        clock::after(TYPING_LASTS_MS, move || {
            list.update(|list| list.retain(|entry| *entry != (conversation, heard)));
        });
    }

    /// The agent typed in `conversation`'s composer: tells the visitor, at most every
    /// `TYPING_REPEAT_MS` while there is text, and once when the box is emptied.
    pub fn agent_types(&self, conversation: ConversationId, has_text: bool) {
        let now = clock::now_ms() as f64;
        let told_at = self
            .typing_told
            .with_value(|told| told.get(&conversation).copied());
        if !typing_news(told_at, now, has_text) {
            return;
        }
        self.typing_told.update_value(|told| {
            if has_text {
                told.insert(conversation, now);
            } else {
                told.remove(&conversation);
            }
        });
        self.sender.with_value(|sender| {
            if let Some(sender) = sender {
                sender.send(AgentToServer::Typing {
                    conversation,
                    typing: has_text,
                });
            }
        });
    }

    /// Read receipts: with conversation `id` on screen and the tab in view, the `read` frame
    /// for its newest visitor message, once per new message (tracked: call it from an effect).
    pub fn read_receipt(&self, id: ConversationId) -> Option<AgentToServer> {
        if !self.page_visible.get() || self.selected.get() != Some(id) {
            return None;
        }
        let newest = self
            .with_conversation(id, |c| {
                c.messages
                    .iter()
                    .filter(|m| m.author == Author::Visitor)
                    .map(|m| m.seq)
                    .max()
            })
            .flatten()?;
        let told = self
            .read_told
            .with_value(|told| told.get(&id).copied().unwrap_or(0));
        if newest <= told {
            return None;
        }
        self.read_told.update_value(|told| {
            told.insert(id, newest);
        });
        Some(AgentToServer::Read {
            conversation: id,
            seq: newest,
        })
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
                // The server listens for new messages before it reads this list, so one
                // stored in between arrived (on the new socket) before the welcome and is
                // missing from the list: keep it. Stored messages never change.
                let listed = conversation.last_seq();
                for message in old.messages.iter().filter(|m| m.seq > listed) {
                    conversation.add(message.clone());
                }
                for note in &old.notes {
                    conversation.add_note(note.clone());
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
        self.put(OpenConversation::new(conversation));
        // The server sends the new queue too; until then the visitor should not look takeable.
        self.leave_queue(id);
        self.select(id);
        self.focus_composer.set(Some(id));
    }

    /// Takes conversation `id` out of the queue on screen, if it is there.
    fn leave_queue(&self, id: ConversationId) {
        let mut was_waiting = false;
        self.queue.update(|queue| {
            let before = queue.len();
            queue.retain(|e| e.conversation != id);
            was_waiting = queue.len() < before;
        });
        if was_waiting {
            self.queue_total.update(|n| *n = n.saturating_sub(1));
        }
    }

    /// Puts `conversation` in the list: in the place of its older copy, or at the end.
    fn put(&self, conversation: OpenConversation) {
        self.conversations.update(
            |list| match list.iter_mut().find(|c| c.id == conversation.id) {
                Some(existing) => *existing = conversation,
                None => list.push(conversation),
            },
        );
    }

    /// A teammate handed this agent a conversation: see [`Console::unasked`].
    fn handed_to_me(&self, conversation: AgentConversation, from: &str) {
        let visitor = strings::visitor_name(&conversation.visitor);
        self.unasked(conversation);
        self.show_info(strings::handed_to_you(from, &visitor));
    }

    /// Automatic assignment gave this agent a visitor from the line: see
    /// [`Console::unasked`]. They did not ask, so they hear it (sound, and a desktop
    /// notification when allowed) as they would a visitor joining the line.
    fn assigned_to_me(&self, conversation: AgentConversation) {
        let id = conversation.id;
        let visitor = strings::visitor_name(&conversation.visitor);
        let first = conversation
            .messages
            .first()
            .map(|m| m.text.clone())
            .unwrap_or_default();
        self.unasked(conversation);
        self.show_info(strings::assigned_to_you(&visitor));
        alerts::alert(&visitor, &first, &format!("conversation-{id}"));
    }

    /// A conversation came to this agent without their asking. It joins the list unread,
    /// without pulling them away from the conversation on their screen (unless there is
    /// none).
    fn unasked(&self, conversation: AgentConversation) {
        let id = conversation.id;
        let mut conversation = OpenConversation::new(conversation);
        // What the visitor said since the last reply is what waits for an answer.
        let waiting = conversation
            .messages
            .iter()
            .rev()
            .take_while(|m| m.author == Author::Visitor)
            .count();
        conversation.unread = u32::try_from(waiting).unwrap_or(u32::MAX).max(1);
        self.put(conversation);
        let free = self
            .selected
            .get_untracked()
            .is_none_or(|on_screen| self.is_closed_untracked(on_screen));
        if free {
            self.select(id);
        }
        // The server sends the new queue too; until then the visitor should not look takeable.
        self.leave_queue(id);
    }

    /// This agent handed a conversation to a teammate: it is theirs now and leaves the list.
    fn handed_away(&self, id: ConversationId, to_name: &str) {
        let visitor = self.conversations.with_untracked(|list| {
            list.iter()
                .find(|c| c.id == id)
                .map(|c| strings::visitor_name(&c.visitor))
        });
        let Some(visitor) = visitor else {
            // Told again (another tab of this console handed it): already gone.
            return;
        };
        self.conversations
            .update(|list| list.retain(|c| c.id != id));
        self.drafts.update_value(|drafts| {
            drafts.remove(&id);
        });
        self.visitor_types(id, false);
        self.move_selection_off(id);
        self.show_info(strings::handed_away(&visitor, to_name));
    }

    fn message(&self, id: ConversationId, message: ChatMessage) {
        let on_screen = self.selected.get_untracked() == Some(id);
        // A message from the visitor ends their typing; one of ours ends the agent's.
        if message.author == Author::Visitor {
            self.visitor_types(id, false);
        } else {
            self.typing_told.update_value(|told| {
                told.remove(&id);
            });
        }
        // Our own reply, stored before its acknowledgement came (or sent from another tab
        // with this outbox): the stored message takes the pending one's place.
        if let Some(client_id) = &message.client_id {
            self.settle(|outbox| outbox.remove(client_id).is_some());
            self.flush();
        }
        let mut news = None;
        self.conversations.update(|list| {
            let Some(conversation) = list.iter_mut().find(|c| c.id == id) else {
                return;
            };
            let visitor = message.author == Author::Visitor;
            // Not new after a reconnect, whose welcome may already hold it.
            let text = visitor.then(|| message.text.clone());
            if conversation.add(message)
                && let Some(text) = text
            {
                if !on_screen {
                    conversation.unread += 1;
                }
                news = Some((strings::visitor_name(&conversation.visitor), text));
            }
        });
        // The agent is not looking at it: on another conversation, or in another tab.
        if let Some((visitor, text)) = news
            && (!on_screen || !self.page_visible.get_untracked())
        {
            alerts::alert(&visitor, &text, &format!("conversation-{id}"));
        }
    }

    /// A note stored in one of this agent's conversations: if it is one of ours, this is its
    /// acknowledgement, and it leaves the outbox.
    fn noted(&self, id: ConversationId, note: Note) {
        let mut ours = false;
        self.settle(|outbox| {
            ours = outbox.remove(&note.client_id).is_some();
            ours
        });
        if ours {
            self.refusals.set_value(0);
        }
        self.flush();
        self.conversations.update(|list| {
            if let Some(conversation) = list.iter_mut().find(|c| c.id == id) {
                conversation.add_note(note);
            }
        });
    }

    /// Sends every reply still sending again, in order, with its old id: the server stores
    /// the ones it lacks and acknowledges the rest again. Replies the welcome shows stored are
    /// done; failed ones to conversations no longer listed can never go, so they are dropped.
    fn resend(&self) {
        let list = self.conversations.get_untracked();
        self.settle(|outbox| {
            outbox.retain(
                |reply| match list.iter().find(|c| c.id == reply.conversation) {
                    Some(conversation) => !conversation.holds(&reply.id),
                    None => reply.state == ReplyState::Sending,
                },
            )
        });
        self.outbox.update_untracked(Outbox::rewind);
        self.flush();
    }

    /// Sends the next reply if it may go now: the link is up, no pause after a passing
    /// refusal is running, and the server has answered the last reply (see `Outbox`). Called
    /// whenever one of those may have changed; the transport paces what it is given.
    fn flush(&self) {
        if self.link.get_untracked() != LinkStatus::Online || self.paused.get_value() {
            return;
        }
        // Which reply is on its way is not something anyone sees: no redraw.
        if let Some(frame) = self.outbox.update_untracked(Outbox::next_to_send) {
            self.send(frame);
        }
    }

    /// The pause after a passing refusal is over: replies go again, the refused one first.
    pub fn resume(&self) {
        // A timer that fires after sign-out finds the console gone: nothing to send.
        if self.paused.try_set_value(false).is_some() {
            return;
        }
        self.flush();
    }

    /// The server stored a reply as `seq`. It leaves the outbox and shows as stored at once,
    /// so it is never missing from the conversation nor shown twice while the server's copy
    /// is on its way.
    fn acknowledged(
        &self,
        conversation: ConversationId,
        id: &ClientMessageId,
        seq: u32,
        local_now_ms: i64,
    ) {
        let mut acknowledged = None;
        self.settle(|outbox| {
            acknowledged = outbox.remove(id);
            acknowledged.is_some()
        });
        self.refusals.set_value(0);
        self.flush();
        // A repeated acknowledgement: the reply is already in place.
        let Some(reply) = acknowledged else {
            return;
        };
        let message = ChatMessage {
            seq,
            client_id: Some(reply.id),
            author: Author::Agent {
                name: self.agent.with_untracked(|a| a.name.clone()),
            },
            text: reply.text,
            // The server's time comes with its copy; until then, the server's clock now.
            sent_at_ms: local_now_ms + self.clock_offset_ms.get_untracked(),
        };
        self.conversations.update(|list| {
            if let Some(c) = list.iter_mut().find(|c| c.id == conversation)
                && c.messages.binary_search_by_key(&seq, |m| m.seq).is_err()
            {
                c.add(message);
            }
        });
    }

    /// The server refused a reply. It stays in its conversation, failed, for the agent to
    /// retry or discard; with no conversation on screen to show it in, the banner says so.
    fn rejected(&self, id: &ClientMessageId, error: &ProtocolError) {
        if is_transient(error.code) {
            // Too fast, or a hiccup on the server: the same reply a little later will do. It
            // stays sending, first in line, and nothing goes until the pause is over.
            let requeued = self.outbox.update_untracked(|outbox| outbox.requeue(id));
            if requeued && !self.paused.get_value() {
                let refusals = self.refusals.get_value().saturating_add(1);
                self.refusals.set_value(refusals);
                self.paused.set_value(true);
                let console = *self;
                clock::after(refusal_pause_ms(refusals), move || console.resume());
            }
            return;
        }
        let reason = strings::error_text(error);
        let Some(conversation) = self
            .outbox
            .with_untracked(|outbox| outbox.get(id).map(|r| r.conversation))
        else {
            return;
        };
        let listed = self
            .conversations
            .with_untracked(|list| list.iter().any(|c| c.id == conversation));
        if listed {
            self.settle(|outbox| {
                outbox.fail(id, reason.clone());
                // Another sender's message has this id, so it would be refused forever:
                // Retry sends under a new one. (Not for other refusals: a retry after, say, a
                // restart must keep the id, in case the first try was stored after all.)
                if error.code == ErrorCode::DuplicateId {
                    outbox.renew(id, outbox::new_id());
                }
                true
            });
        } else {
            self.settle(|outbox| outbox.remove(id).is_some());
            self.show_error(strings::reply_not_sent(&reason));
        }
        // The refused one waits for the agent; the next may go.
        self.flush();
    }

    /// Changes the outbox and, if `change` says it did, saves it.
    fn settle(&self, change: impl FnOnce(&mut Outbox) -> bool) {
        let mut changed = false;
        self.outbox.maybe_update(|outbox| {
            changed = change(outbox);
            changed
        });
        if changed {
            let agent = self.agent.with_untracked(|a| a.id);
            self.outbox
                .with_untracked(|outbox| storage::save_outbox(agent, outbox));
        }
    }

    fn send(&self, frame: AgentToServer) {
        self.sender.with_value(|sender| {
            if let Some(sender) = sender {
                sender.send(frame);
            }
        });
    }

    /// Queues a reply (already checked with `validate_text`); it goes in its turn (see
    /// `flush`): now if the link is up and nothing is on its way, else after the ones before
    /// it or after the next welcome.
    pub fn reply(&self, conversation: ConversationId, id: ClientMessageId, text: String) {
        self.write(conversation, id, Kind::Reply, text);
    }

    /// Queues an internal note (already checked), in line with the replies.
    pub fn note(&self, conversation: ConversationId, id: ClientMessageId, text: String) {
        self.write(conversation, id, Kind::Note, text);
    }

    fn write(&self, conversation: ConversationId, id: ClientMessageId, kind: Kind, text: String) {
        self.settle(|outbox| {
            outbox.push_kind(conversation, id, kind, text);
            true
        });
        self.flush();
    }

    /// Sends a failed reply again, with the same id, after the ones waiting now.
    pub fn retry(&self, id: &ClientMessageId) {
        self.settle(|outbox| outbox.retry(id).is_some());
        self.flush();
    }

    /// Gives up on a failed reply.
    pub fn discard(&self, id: &ClientMessageId) {
        self.settle(|outbox| outbox.remove(id).is_some());
        self.flush();
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
        // Whatever was not sent to it can never be.
        self.settle(|outbox| outbox.retain(|reply| reply.conversation != id));
        self.flush();
        self.move_selection_off(id);
    }

    /// `id` left the list: if it was on screen, the next open conversation takes its place.
    fn move_selection_off(&self, id: ConversationId) {
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
        self.error.set(Some(self.notice(text)));
    }

    pub fn show_info(&self, text: String) {
        self.info.set(Some(self.notice(text)));
    }

    fn notice(&self, text: String) -> Notice {
        let id = self.notices.get_value().wrapping_add(1);
        self.notices.set_value(id);
        Notice { id, text }
    }

    /// Clears the news if it is still the one with this id (see `dismiss_error`).
    pub fn dismiss_info(&self, id: u32) {
        self.info.try_update(|info| {
            if info.as_ref().is_some_and(|n| n.id == id) {
                *info = None;
            }
        });
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

    /// The visitor of conversation `id`, as shown (see `strings::visitor_name`).
    pub fn visitor(&self, id: ConversationId) -> String {
        self.with_conversation(id, |c| strings::visitor_name(&c.visitor))
            .unwrap_or_default()
    }

    pub fn visitor_email(&self, id: ConversationId) -> Option<String> {
        self.with_conversation(id, |c| c.visitor_email.clone())
            .flatten()
    }

    pub fn is_closed(&self, id: ConversationId) -> bool {
        self.with_conversation(id, OpenConversation::is_closed)
            .unwrap_or(true)
    }

    pub fn unread(&self, id: ConversationId) -> u32 {
        self.with_conversation(id, |c| c.unread).unwrap_or(0)
    }

    #[cfg(test)]
    pub fn messages(&self, id: ConversationId) -> Vec<ChatMessage> {
        self.with_conversation(id, |c| c.messages.clone())
            .unwrap_or_default()
    }

    /// The conversation's messages with the team's notes among them.
    pub fn entries(&self, id: ConversationId) -> Vec<Entry> {
        self.with_conversation(id, OpenConversation::entries)
            .unwrap_or_default()
    }

    /// The agent's unacknowledged replies to a conversation, shown after its messages.
    pub fn pending(&self, id: ConversationId) -> Vec<PendingReply> {
        self.outbox.with(|outbox| outbox.for_conversation(id))
    }

    pub fn last_message(&self, id: ConversationId) -> Option<String> {
        self.with_conversation(id, |c| c.messages.last().map(|m| m.text.clone()))
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::channel::mpsc::UnboundedReceiver;
    use pronto_protocol::ids::AgentId;

    fn agent() -> AgentProfile {
        AgentProfile {
            role: pronto_protocol::agent::Role::Agent,
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
            client_id: None,
            author,
            text: text.into(),
            sent_at_ms: 1_000,
        }
    }

    fn ana() -> Author {
        Author::Agent { name: "Ana".into() }
    }

    fn id(raw: &str) -> ClientMessageId {
        ClientMessageId::parse(raw).unwrap()
    }

    /// The agent's reply `raw` as the server stores it.
    fn stored(seq: u32, raw: &str, text: &str) -> ChatMessage {
        ChatMessage {
            client_id: Some(id(raw)),
            sent_at_ms: 2_000,
            ..message(seq, ana(), text)
        }
    }

    /// A console that has been welcomed with conversations 1 and 2 (2 holding one visitor
    /// message) and whose frames go to the returned receiver.
    fn online() -> (Console, UnboundedReceiver<AgentToServer>) {
        let console = Console::new(agent(), 0);
        let (sender, frames) = Sender::channel();
        console.attach(sender);
        console.link.set(LinkStatus::Online);
        console.apply_at(
            welcome(vec![
                conversation(1, vec![]),
                conversation(2, vec![message(1, Author::Visitor, "Hola")]),
            ]),
            0,
        );
        (console, frames)
    }

    /// The ids of the replies sent since the last call, in order.
    fn sent(frames: &mut UnboundedReceiver<AgentToServer>) -> Vec<String> {
        std::iter::from_fn(|| frames.try_recv().ok())
            .map(|frame| match frame {
                AgentToServer::Send { id, .. } => id.to_string(),
                AgentToServer::Note { id, .. } => format!("note:{id}"),
                other => panic!("not a reply: {other:?}"),
            })
            .collect()
    }

    fn texts(console: &Console, conversation: i64) -> Vec<String> {
        let id = ConversationId(conversation);
        let stored = console.messages(id).into_iter().map(|m| m.text);
        let pending = console.pending(id).into_iter().map(|r| r.text);
        stored.chain(pending).collect()
    }

    fn ack(conversation: i64, raw: &str, seq: u32) -> ServerToAgent {
        ServerToAgent::Ack {
            conversation: ConversationId(conversation),
            id: id(raw),
            seq,
        }
    }

    fn stored_frame(conversation: i64, message: ChatMessage) -> ServerToAgent {
        ServerToAgent::Message {
            conversation: ConversationId(conversation),
            message,
        }
    }

    fn conversation(id: i64, messages: Vec<ChatMessage>) -> AgentConversation {
        AgentConversation {
            id: ConversationId(id),
            visitor: format!("Visitor {id}"),
            visitor_email: None,
            state: ConversationState::Active {
                agent_name: "Ana".into(),
            },
            messages,
            notes: vec![],
        }
    }

    fn entry(id: i64, since: i64) -> QueueEntry {
        QueueEntry {
            conversation: ConversationId(id),
            visitor: format!("Visitor {id}"),
            visitor_email: None,
            locale: None,
            page: None,
            waiting_since_ms: since,
            first_message: "Hola".into(),
        }
    }

    fn welcome(conversations: Vec<AgentConversation>) -> ServerToAgent {
        ServerToAgent::Welcome {
            agent: agent(),
            now_ms: 100_000,
            queue: vec![entry(9, 0)],
            queue_total: 1,
            conversations,
            away: false,
            slots: 2,
        }
    }

    #[test]
    fn the_visitor_typing_shows_until_they_stop_or_their_message_arrives() {
        let (console, _frames) = online();
        let two = ConversationId(2);
        let typing = |typing| ServerToAgent::Typing {
            conversation: two,
            typing,
        };
        console.apply_at(typing(true), 0);
        assert!(console.visitor_is_typing(two));
        assert!(!console.visitor_is_typing(ConversationId(1)));
        console.apply_at(
            ServerToAgent::Message {
                conversation: two,
                message: message(2, Author::Visitor, "¿Y la talla 40?"),
            },
            0,
        );
        assert!(!console.visitor_is_typing(two));
        console.apply_at(typing(true), 0);
        console.apply_at(typing(false), 0);
        assert!(!console.visitor_is_typing(two));
    }

    #[test]
    fn a_message_that_arrives_before_the_welcome_stays() {
        let (console, _frames) = online();
        // Reconnected: the server listens, a visitor message is stored and arrives, and
        // the welcome's list, read a moment before, lacks it.
        console.apply_at(stored_frame(2, message(2, Author::Visitor, "¿Y la 40?")), 0);
        console.apply_at(
            welcome(vec![
                conversation(1, vec![]),
                conversation(2, vec![message(1, Author::Visitor, "Hola")]),
            ]),
            0,
        );
        assert_eq!(texts(&console, 2), ["Hola", "¿Y la 40?"]);
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
                from: None,
                assigned: false,
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
    fn an_assigned_visitor_leaves_the_queue_and_waits_unread_without_taking_the_screen() {
        let console = Console::new(agent(), 0);
        console.apply_at(welcome(vec![conversation(1, vec![])]), 0);
        assert_eq!(console.slots.get_untracked(), 2);
        console.select(ConversationId(1));
        console.apply_at(
            ServerToAgent::Conversation {
                conversation: conversation(9, vec![message(1, Author::Visitor, "Hola")]),
                from: None,
                assigned: true,
            },
            0,
        );
        assert_eq!(console.selected.get_untracked(), Some(ConversationId(1)));
        assert_eq!(console.focus_composer.get_untracked(), None);
        assert_eq!(console.queue_position(ConversationId(9)), None);
        assert_eq!(console.queue_total.get_untracked(), 0);
        assert_eq!(console.unread(ConversationId(9)), 1);
        assert!(
            console
                .info
                .get_untracked()
                .is_some_and(|notice| notice.text.contains("assigned to you"))
        );
        console.apply_at(ServerToAgent::Slots { slots: 3 }, 0);
        assert_eq!(console.slots.get_untracked(), 3);
    }

    #[test]
    fn a_conversation_handed_over_waits_unread_without_taking_the_screen() {
        let console = Console::new(agent(), 0);
        console.apply_at(welcome(vec![conversation(1, vec![])]), 0);
        console.set_draft(ConversationId(1), "Un momento…".into());
        let history = vec![
            message(1, Author::Visitor, "Hola"),
            message(2, ana(), "Te paso con Bruno"),
            message(3, Author::Visitor, "Vale"),
            message(4, Author::Visitor, "Gracias"),
        ];
        console.apply_at(
            ServerToAgent::Conversation {
                conversation: conversation(9, history),
                from: Some("Bruno".into()),
                assigned: false,
            },
            0,
        );
        // The agent stays where they were, in the middle of a reply.
        assert_eq!(console.selected.get_untracked(), Some(ConversationId(1)));
        assert_eq!(console.focus_composer.get_untracked(), None);
        assert_eq!(console.draft(ConversationId(1)), "Un momento…");
        // The visitor's two messages since the last reply wait for an answer.
        assert_eq!(console.unread(ConversationId(9)), 2);
        let info = console.info.get_untracked().map(|n| n.text);
        assert_eq!(
            info.as_deref(),
            Some("Bruno handed you the conversation with Visitor 9.")
        );
    }

    #[test]
    fn a_conversation_handed_away_leaves_the_list_and_the_screen() {
        let console = Console::new(agent(), 0);
        console.apply_at(
            welcome(vec![conversation(1, vec![]), conversation(2, vec![])]),
            0,
        );
        console.select(ConversationId(1));
        console.set_draft(ConversationId(1), "borrador".into());
        let away = ServerToAgent::Transferred {
            conversation: ConversationId(1),
            to_name: "Bruno".into(),
        };
        console.apply_at(away.clone(), 0);
        assert_eq!(console.conversation_ids(), [ConversationId(2)]);
        assert_eq!(console.selected.get_untracked(), Some(ConversationId(2)));
        assert_eq!(console.draft(ConversationId(1)), "");
        let info = console.info.get_untracked().map(|n| n.text);
        assert_eq!(info.as_deref(), Some("Visitor 1 is with Bruno now."));
        // Told again (another tab of this console handed it): nothing changes.
        console.info.set(None);
        console.apply_at(away, 0);
        assert_eq!(console.conversation_ids(), [ConversationId(2)]);
        assert_eq!(console.info.get_untracked(), None);
    }

    fn note(client_id: &str, after_seq: u32, text: &str) -> Note {
        Note {
            client_id: id(client_id),
            author: "Ana".into(),
            text: text.into(),
            sent_at_ms: 0,
            after_seq,
        }
    }

    #[test]
    fn a_note_goes_in_line_and_shows_after_the_message_it_followed() {
        let (console, mut frames) = online();
        console.apply_at(
            welcome(vec![conversation(
                1,
                vec![
                    message(1, Author::Visitor, "Hola"),
                    message(2, Author::Visitor, "¿Hay?"),
                ],
            )]),
            0,
        );
        console.note(ConversationId(1), id("n1"), "Cliente VIP".into());
        console.reply(ConversationId(1), id("r1"), "¡Hola!".into());
        // One at a time, in the order written: the reply waits for the note's answer.
        assert_eq!(sent(&mut frames), ["note:n1"]);
        console.apply_at(
            ServerToAgent::Note {
                conversation: ConversationId(1),
                note: note("n1", 2, "Cliente VIP"),
            },
            0,
        );
        assert_eq!(sent(&mut frames), ["r1"]);
        assert!(
            console
                .pending(ConversationId(1))
                .iter()
                .all(|r| r.id != id("n1"))
        );
        // Told again (a resend, another tab): shown once.
        console.apply_at(
            ServerToAgent::Note {
                conversation: ConversationId(1),
                note: note("n1", 2, "Cliente VIP"),
            },
            0,
        );
        console.apply_at(ack(1, "r1", 3), 0);
        let lines: Vec<String> = console
            .entries(ConversationId(1))
            .into_iter()
            .map(|entry| match entry {
                Entry::Message(m) => m.text,
                Entry::Note(n) => format!("note: {}", n.text),
            })
            .collect();
        assert_eq!(lines, ["Hola", "¿Hay?", "note: Cliente VIP", "¡Hola!"]);
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

    #[test]
    fn messages_go_in_seq_order_once() {
        let (console, _frames) = online();
        console.apply_at(stored_frame(2, message(3, Author::Visitor, "tres")), 0);
        console.apply_at(stored_frame(2, message(2, Author::Visitor, "dos")), 0);
        console.apply_at(stored_frame(2, message(3, Author::Visitor, "tres")), 0);
        assert_eq!(texts(&console, 2), ["Hola", "dos", "tres"]);
        assert_eq!(console.unread(ConversationId(2)), 2);
    }

    #[test]
    fn an_ack_turns_the_pending_reply_into_the_stored_one() {
        let (console, mut frames) = online();
        console.reply(ConversationId(2), id("r1"), "¿Qué talla?".into());
        assert_eq!(sent(&mut frames), ["r1"], "sent at once while online");
        assert_eq!(
            console.pending(ConversationId(2))[0].state,
            ReplyState::Sending
        );

        console.apply_at(ack(2, "r1", 2), 0);
        assert!(console.pending(ConversationId(2)).is_empty());
        assert_eq!(
            texts(&console, 2),
            ["Hola", "¿Qué talla?"],
            "shown once, stored"
        );

        // The server's copy comes after; it takes the place of the one shown at the ack.
        console.apply_at(stored_frame(2, stored(2, "r1", "¿Qué talla?")), 0);
        assert_eq!(texts(&console, 2), ["Hola", "¿Qué talla?"]);
        assert_eq!(console.messages(ConversationId(2))[1].sent_at_ms, 2_000);
        assert_eq!(
            console.unread(ConversationId(2)),
            0,
            "own replies are not unread"
        );
    }

    #[test]
    fn a_repeated_or_late_ack_is_harmless() {
        let (console, _frames) = online();
        console.reply(ConversationId(2), id("r1"), "uno".into());
        // The stored message may come first, as it does on the agent's other tabs.
        console.apply_at(stored_frame(2, stored(2, "r1", "uno")), 0);
        assert!(console.pending(ConversationId(2)).is_empty());
        console.apply_at(ack(2, "r1", 2), 0);
        console.apply_at(ack(2, "r1", 2), 0);
        assert_eq!(texts(&console, 2), ["Hola", "uno"]);
        assert_eq!(console.messages(ConversationId(2))[1].sent_at_ms, 2_000);
        console.apply_at(ack(2, "unknown", 3), 0);
        assert_eq!(texts(&console, 2), ["Hola", "uno"]);
    }

    #[test]
    fn a_rejected_reply_fails_until_retried_with_the_same_id() {
        let (console, mut frames) = online();
        console.reply(ConversationId(2), id("r1"), "uno".into());
        console.apply_at(
            ServerToAgent::Rejected {
                id: id("r1"),
                error: ProtocolError::new(ErrorCode::ConversationClosed, "closed"),
            },
            0,
        );
        let failed = console.pending(ConversationId(2)).remove(0);
        assert_eq!(
            failed.state,
            ReplyState::Failed("That conversation is closed.".into())
        );
        assert_eq!(
            console.error.get_untracked(),
            None,
            "shown in place, not in the banner"
        );

        sent(&mut frames);
        console.retry(&id("r1"));
        assert_eq!(sent(&mut frames), ["r1"], "same id");
        assert_eq!(
            console.pending(ConversationId(2))[0].state,
            ReplyState::Sending
        );
        console.apply_at(ack(2, "r1", 2), 0);
        assert_eq!(texts(&console, 2), ["Hola", "uno"]);
    }

    #[test]
    fn a_failed_reply_can_be_discarded() {
        let (console, _frames) = online();
        console.reply(ConversationId(1), id("r1"), "uno".into());
        console.apply_at(
            ServerToAgent::Rejected {
                id: id("r1"),
                error: ProtocolError::new(ErrorCode::MessageTooLong, "long"),
            },
            0,
        );
        console.discard(&id("r1"));
        assert!(console.pending(ConversationId(1)).is_empty());
    }

    #[test]
    fn replies_written_offline_go_in_order_after_the_welcome() {
        let (console, mut frames) = online();
        console.reply(ConversationId(2), id("r1"), "uno".into());
        sent(&mut frames);
        console.link.set(LinkStatus::Reconnecting { attempt: 0 });
        console.reply(ConversationId(1), id("r2"), "dos".into());
        console.reply(ConversationId(2), id("r3"), "tres".into());
        assert!(sent(&mut frames).is_empty(), "nothing goes while offline");
        assert_eq!(texts(&console, 2), ["Hola", "uno", "tres"]);

        console.link.set(LinkStatus::Online);
        console.apply_at(
            welcome(vec![
                conversation(1, vec![]),
                conversation(2, vec![message(1, Author::Visitor, "Hola")]),
            ]),
            0,
        );
        // Unacknowledged ones again, same ids, in order, each once the last is answered.
        assert_eq!(sent(&mut frames), ["r1"]);
        console.apply_at(ack(2, "r1", 2), 0);
        assert_eq!(sent(&mut frames), ["r2"]);
        console.apply_at(ack(1, "r2", 1), 0);
        assert_eq!(sent(&mut frames), ["r3"]);
        console.apply_at(ack(2, "r3", 3), 0);
        assert!(sent(&mut frames).is_empty());
        assert_eq!(texts(&console, 2), ["Hola", "uno", "tres"]);
    }

    #[test]
    fn replies_go_one_at_a_time_in_the_order_written() {
        let (console, mut frames) = online();
        console.reply(ConversationId(2), id("r1"), "uno".into());
        console.reply(ConversationId(2), id("r2"), "dos".into());
        console.reply(ConversationId(1), id("r3"), "tres".into());
        assert_eq!(sent(&mut frames), ["r1"], "the others wait for r1's answer");
        assert_eq!(
            texts(&console, 2),
            ["Hola", "uno", "dos"],
            "all shown sending"
        );
        // The server's copy of r1 settles it as well as an acknowledgement does.
        console.apply_at(stored_frame(2, stored(2, "r1", "uno")), 0);
        assert_eq!(sent(&mut frames), ["r2"]);
        // A refusal for good: r2 waits for the agent, r3 goes.
        console.apply_at(
            ServerToAgent::Rejected {
                id: id("r2"),
                error: ProtocolError::new(ErrorCode::MessageTooLong, "long"),
            },
            0,
        );
        assert_eq!(sent(&mut frames), ["r3"]);
        // Retried, r2 goes after r3 is answered.
        console.retry(&id("r2"));
        assert!(sent(&mut frames).is_empty());
        console.apply_at(ack(1, "r3", 1), 0);
        assert_eq!(sent(&mut frames), ["r2"]);
    }

    #[test]
    fn a_reply_refused_for_speed_stays_sending_and_goes_again_first_after_a_pause() {
        for code in [ErrorCode::RateLimited, ErrorCode::Internal] {
            let (console, mut frames) = online();
            console.reply(ConversationId(2), id("r1"), "uno".into());
            console.reply(ConversationId(2), id("r2"), "dos".into());
            assert_eq!(sent(&mut frames), ["r1"]);
            console.apply_at(
                ServerToAgent::Rejected {
                    id: id("r1"),
                    error: ProtocolError::new(code, "slow down"),
                },
                0,
            );
            let states: Vec<ReplyState> = console
                .pending(ConversationId(2))
                .into_iter()
                .map(|r| r.state)
                .collect();
            assert_eq!(states, [ReplyState::Sending, ReplyState::Sending]);
            assert_eq!(
                console.error.get_untracked(),
                None,
                "nothing for the agent to do"
            );
            // Nothing goes during the pause, not even a new reply or a new connection's resend.
            console.reply(ConversationId(2), id("r3"), "tres".into());
            console.apply_at(
                welcome(vec![
                    conversation(1, vec![]),
                    conversation(2, vec![message(1, Author::Visitor, "Hola")]),
                ]),
                0,
            );
            assert!(sent(&mut frames).is_empty());
            // The pause's timer fires: the refused one first, under the same id.
            console.resume();
            assert_eq!(sent(&mut frames), ["r1"]);
            console.apply_at(ack(2, "r1", 2), 0);
            assert_eq!(sent(&mut frames), ["r2"]);
            console.apply_at(ack(2, "r2", 3), 0);
            assert_eq!(sent(&mut frames), ["r3"]);
            console.apply_at(ack(2, "r3", 4), 0);
            assert_eq!(texts(&console, 2), ["Hola", "uno", "dos", "tres"]);
        }
    }

    #[test]
    fn refusals_in_a_row_pause_longer_and_an_ack_starts_over() {
        let (console, mut frames) = online();
        console.reply(ConversationId(2), id("r1"), "uno".into());
        let slow_down = || ServerToAgent::Rejected {
            id: id("r1"),
            error: ProtocolError::new(ErrorCode::RateLimited, "slow down"),
        };
        for refusals in 1..=3 {
            assert_eq!(sent(&mut frames), ["r1"]);
            console.apply_at(slow_down(), 0);
            assert_eq!(console.refusals.get_value(), refusals);
            console.resume();
        }
        // A refusal repeated during the pause (a resend crossing it) counts once.
        sent(&mut frames);
        console.apply_at(slow_down(), 0);
        console.apply_at(slow_down(), 0);
        assert_eq!(console.refusals.get_value(), 4);
        console.resume();
        console.apply_at(ack(2, "r1", 2), 0);
        assert_eq!(console.refusals.get_value(), 0);
    }

    #[test]
    fn the_welcome_settles_replies_it_shows_stored() {
        let (console, mut frames) = online();
        console.reply(ConversationId(2), id("r1"), "uno".into());
        console.reply(ConversationId(2), id("r2"), "dos".into());
        sent(&mut frames);
        // The link dropped after r1 was stored but before its acknowledgement came.
        console.apply_at(
            welcome(vec![
                conversation(1, vec![]),
                conversation(
                    2,
                    vec![message(1, Author::Visitor, "Hola"), stored(2, "r1", "uno")],
                ),
            ]),
            0,
        );
        assert_eq!(sent(&mut frames), ["r2"]);
        assert_eq!(texts(&console, 2), ["Hola", "uno", "dos"]);
    }

    #[test]
    fn a_rejected_reply_to_a_conversation_no_longer_listed_goes_to_the_banner() {
        let (console, _frames) = online();
        console.reply(ConversationId(5), id("r1"), "uno".into());
        console.apply_at(
            ServerToAgent::Rejected {
                id: id("r1"),
                error: ProtocolError::new(ErrorCode::ConversationClosed, "closed"),
            },
            0,
        );
        assert!(console.pending(ConversationId(5)).is_empty());
        assert_eq!(
            console.error.get_untracked().unwrap().text,
            "A reply could not be sent: That conversation is closed."
        );
    }

    #[test]
    fn dismissing_a_closed_conversation_drops_its_replies() {
        let (console, _frames) = online();
        console.reply(ConversationId(2), id("r1"), "uno".into());
        console.apply_at(
            ServerToAgent::Closed {
                conversation: ConversationId(2),
            },
            0,
        );
        console.dismiss(ConversationId(2));
        assert!(console.pending(ConversationId(2)).is_empty());
    }

    #[test]
    fn a_conversation_is_read_only_on_screen_in_a_tab_in_view() {
        let (console, _frames) = online();
        console.apply_at(
            welcome(vec![
                conversation(1, vec![message(1, Author::Visitor, "Hola")]),
                conversation(2, vec![message(1, Author::Visitor, "Buenas")]),
            ]),
            0,
        );
        let read = |id: i64| console.read_receipt(ConversationId(id));
        let frame = |id: i64, seq: u32| {
            Some(AgentToServer::Read {
                conversation: ConversationId(id),
                seq,
            })
        };
        console.select(ConversationId(1));
        // Not on screen: not read.
        assert_eq!(read(2), None);
        assert_eq!(read(1), frame(1, 1));
        // Told once per message.
        assert_eq!(read(1), None);
        // The agent's own reply is nothing to tell.
        console.apply_at(
            ServerToAgent::Message {
                conversation: ConversationId(1),
                message: message(2, Author::Agent { name: "Ana".into() }, "¿Sí?"),
            },
            0,
        );
        assert_eq!(read(1), None);
        // A new visitor message while the tab is hidden waits for the agent to come back.
        console.page_visible.set(false);
        console.apply_at(
            ServerToAgent::Message {
                conversation: ConversationId(1),
                message: message(3, Author::Visitor, "¿Tienen talla 42?"),
            },
            0,
        );
        assert_eq!(read(1), None);
        console.page_visible.set(true);
        assert_eq!(read(1), frame(1, 3));
    }
}
