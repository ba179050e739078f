//! Replies the agent wrote that the server has not stored yet. Each carries an id made here, so
//! a reply resent after a lost acknowledgement is stored once: the server recognises the id.
//! Plain data with no signals or I/O, so every rule is tested natively; `Console` wraps it in
//! a signal and `storage` keeps it across reloads.

use pronto_protocol::agent::AgentToServer;
use pronto_protocol::ids::{AgentId, ClientMessageId, ConversationId};
use serde::{Deserialize, Serialize};

/// Characters in a reply id: 22 of 64 symbols is 132 random bits, so two ids never meet.
const ID_CHARS: usize = ClientMessageId::RANDOM_CHARS;

/// Where a reply stands until the server acknowledges it (and it leaves the outbox).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ReplyState {
    /// Sent, or waiting for the link to come up; sent again after every welcome.
    Sending,
    /// The server refused it, for the reason shown; sent again only when the agent retries.
    Failed(String),
}

/// What the agent wrote: a reply for the visitor, or an internal note for the team. Both go
/// through the outbox, in one line, so a note written after a reply is stored after it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    #[default]
    Reply,
    Note,
}

/// A reply (or note) the server has not acknowledged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingReply {
    pub conversation: ConversationId,
    pub id: ClientMessageId,
    pub kind: Kind,
    pub text: String,
    pub state: ReplyState,
}

impl PendingReply {
    /// The frame that (re)sends this reply; always with the same id.
    pub fn frame(&self) -> AgentToServer {
        let (conversation, id, text) = (self.conversation, self.id.clone(), self.text.clone());
        match self.kind {
            Kind::Reply => AgentToServer::Send {
                conversation,
                id,
                text,
            },
            Kind::Note => AgentToServer::Note {
                conversation,
                id,
                text,
            },
        }
    }
}

/// The unacknowledged replies, in the order they went (or will go) on the wire, which is the
/// order the server should store them in.
///
/// They go one at a time: the next only once the server has answered the last. Then no reply
/// can be stored ahead of an older one, whatever happens to that one: refused for going too
/// fast and sent again later, or lost with its socket and sent again on the next.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outbox {
    replies: Vec<PendingReply>,
    /// The reply sent on this connection that the server has not answered yet. Not kept in
    /// storage: after a reload nothing was sent on the new connection yet.
    in_flight: Option<ClientMessageId>,
}

impl Outbox {
    /// Adds a new reply and returns the frame that sends it.
    #[cfg(test)]
    pub fn push(
        &mut self,
        conversation: ConversationId,
        id: ClientMessageId,
        text: String,
    ) -> AgentToServer {
        self.push_kind(conversation, id, Kind::Reply, text)
    }

    /// Adds a new reply or note and returns the frame that sends it.
    pub fn push_kind(
        &mut self,
        conversation: ConversationId,
        id: ClientMessageId,
        kind: Kind,
        text: String,
    ) -> AgentToServer {
        let reply = PendingReply {
            conversation,
            id,
            kind,
            text,
            state: ReplyState::Sending,
        };
        let frame = reply.frame();
        self.replies.push(reply);
        frame
    }

    /// Takes a reply out: acknowledged, seen stored, or discarded. `None` if it was not here,
    /// as for a repeated acknowledgement.
    pub fn remove(&mut self, id: &ClientMessageId) -> Option<PendingReply> {
        self.answered(id);
        let at = self.replies.iter().position(|r| &r.id == id)?;
        Some(self.replies.remove(at))
    }

    /// Marks a reply the server refused. Returns it, or `None` if it was not here.
    pub fn fail(&mut self, id: &ClientMessageId, reason: String) -> Option<&PendingReply> {
        self.answered(id);
        let reply = self.replies.iter_mut().find(|r| &r.id == id)?;
        reply.state = ReplyState::Failed(reason);
        Some(reply)
    }

    /// The server refused a reply for a passing reason (see `pace::is_transient`): it stays
    /// sending, first in line, to be sent again by `next_to_send` after a pause. Returns
    /// whether it is here.
    pub fn requeue(&mut self, id: &ClientMessageId) -> bool {
        self.answered(id);
        self.get(id).is_some()
    }

    /// The server said something about `id`: the next reply may go.
    fn answered(&mut self, id: &ClientMessageId) {
        if self.in_flight.as_ref() == Some(id) {
            self.in_flight = None;
        }
    }

    /// The frame for the oldest reply still sending, now on its way, unless one sent on this
    /// connection still waits for its answer.
    pub fn next_to_send(&mut self) -> Option<AgentToServer> {
        if self.in_flight.is_some() {
            return None;
        }
        let reply = self
            .replies
            .iter()
            .find(|r| r.state == ReplyState::Sending)?;
        self.in_flight = Some(reply.id.clone());
        Some(reply.frame())
    }

    /// A new connection was welcomed: nothing was sent on it yet, so `next_to_send` starts
    /// again from the oldest reply still sending.
    pub fn rewind(&mut self) {
        self.in_flight = None;
    }

    /// Gives a reply a new id: for one refused because another sender already used its id,
    /// which no resend under that id can cure.
    pub fn renew(&mut self, id: &ClientMessageId, new_id: ClientMessageId) {
        if let Some(reply) = self.replies.iter_mut().find(|r| &r.id == id) {
            reply.id = new_id;
        }
    }

    /// Makes a failed reply sending again, with the same id (so a refusal that was in fact
    /// stored, say after a restart, is still stored once). It moves to the back: it goes on the
    /// wire after everything now waiting, and resends keep that order. Returns the frame, or
    /// `None` if there is no such failed reply.
    pub fn retry(&mut self, id: &ClientMessageId) -> Option<AgentToServer> {
        let at = self
            .replies
            .iter()
            .position(|r| &r.id == id && matches!(r.state, ReplyState::Failed(_)))?;
        let mut reply = self.replies.remove(at);
        reply.state = ReplyState::Sending;
        let frame = reply.frame();
        self.replies.push(reply);
        Some(frame)
    }

    /// Every reply still sending, in the order `next_to_send` sends them. Failed ones wait
    /// for the agent.
    #[cfg(test)]
    pub fn to_resend(&self) -> Vec<AgentToServer> {
        self.replies
            .iter()
            .filter(|r| r.state == ReplyState::Sending)
            .map(PendingReply::frame)
            .collect()
    }

    /// The replies to one conversation, in order.
    pub fn for_conversation(&self, conversation: ConversationId) -> Vec<PendingReply> {
        self.replies
            .iter()
            .filter(|r| r.conversation == conversation)
            .cloned()
            .collect()
    }

    pub fn get(&self, id: &ClientMessageId) -> Option<&PendingReply> {
        self.replies.iter().find(|r| &r.id == id)
    }

    /// Keeps the replies `keep` says to; returns whether any went.
    pub fn retain(&mut self, keep: impl FnMut(&PendingReply) -> bool) -> bool {
        let before = self.replies.len();
        self.replies.retain(keep);
        if let Some(id) = &self.in_flight
            && !self.replies.iter().any(|r| &r.id == id)
        {
            self.in_flight = None;
        }
        self.replies.len() != before
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.replies.len()
    }

    /// The agent's replies from what `persist` wrote. Anything unreadable (an older format,
    /// a hand edit) counts as nothing: the console must start either way.
    pub fn restore(json: &str, agent: AgentId) -> Self {
        let stored: Vec<StoredReply> = serde_json::from_str(json).unwrap_or_default();
        let replies = stored
            .into_iter()
            .filter(|r| r.agent == agent)
            .map(|r| PendingReply {
                conversation: r.conversation,
                id: r.id,
                kind: r.kind,
                text: r.text,
                state: r.failed.map_or(ReplyState::Sending, ReplyState::Failed),
            })
            .collect();
        Self {
            replies,
            in_flight: None,
        }
    }

    /// What to store: this agent's replies, and whatever another agent who signed in on this
    /// browser left in `existing`, so signing in as someone else loses nobody's replies.
    /// `None` when nothing is left to keep.
    pub fn persist(&self, existing: Option<&str>, agent: AgentId) -> Option<String> {
        let mut stored: Vec<StoredReply> = existing
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default();
        stored.retain(|r| r.agent != agent);
        stored.extend(self.replies.iter().map(|r| StoredReply {
            agent,
            conversation: r.conversation,
            id: r.id.clone(),
            kind: r.kind,
            text: r.text.clone(),
            failed: match &r.state {
                ReplyState::Sending => None,
                ReplyState::Failed(reason) => Some(reason.clone()),
            },
        }));
        (!stored.is_empty()).then(|| serde_json::to_string(&stored).unwrap_or_default())
    }
}

/// One reply as kept in localStorage.
#[derive(Serialize, Deserialize)]
struct StoredReply {
    agent: AgentId,
    conversation: ConversationId,
    id: ClientMessageId,
    /// Absent from what consoles older than notes kept: a reply.
    #[serde(default, skip_serializing_if = "is_reply")]
    kind: Kind,
    text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    failed: Option<String>,
}

fn is_reply(kind: &Kind) -> bool {
    *kind == Kind::Reply
}

/// A fresh random reply id, from the browser's cryptographic generator where there is one.
/// `Math.random` is the fallback: an id must be unique, not secret.
pub fn new_id() -> ClientMessageId {
    let mut bytes = [0u8; ID_CHARS];
    let filled = web_sys::window()
        .and_then(|window| window.crypto().ok())
        .is_some_and(|crypto| crypto.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        for byte in &mut bytes {
            *byte = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    ClientMessageId::from_random_bytes(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(raw: &str) -> ClientMessageId {
        ClientMessageId::parse(raw).unwrap()
    }

    fn ids(frames: &[AgentToServer]) -> Vec<&str> {
        frames
            .iter()
            .map(|frame| match frame {
                AgentToServer::Send { id, .. } => id.as_str(),
                other => panic!("not a reply: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn ids_use_the_whole_alphabet_and_are_valid() {
        let all = ClientMessageId::from_random_bytes(&std::array::from_fn(|i| i as u8));
        assert_eq!(all.as_str(), "ABCDEFGHIJKLMNOPQRSTUV");
        let high = ClientMessageId::from_random_bytes(&[255; ID_CHARS]);
        assert_eq!(high.as_str(), "_".repeat(ID_CHARS));
    }

    #[test]
    fn notes_go_in_line_with_replies_and_survive_a_reload() {
        let mut outbox = Outbox::default();
        outbox.push(ConversationId(1), id("a"), "Hola".into());
        outbox.push_kind(ConversationId(1), id("b"), Kind::Note, "VIP".into());
        let frames = outbox.to_resend();
        assert!(
            matches!(frames[0], AgentToServer::Send { .. }),
            "{frames:?}"
        );
        assert!(
            matches!(frames[1], AgentToServer::Note { .. }),
            "{frames:?}"
        );
        let json = outbox.persist(None, AgentId(7)).unwrap();
        let restored = Outbox::restore(&json, AgentId(7));
        assert_eq!(restored.to_resend(), frames);
        // What a console older than notes kept reads as replies.
        let old = r#"[{"agent":7,"conversation":1,"id":"a","text":"Hola"}]"#;
        let old = Outbox::restore(old, AgentId(7));
        assert_eq!(old.get(&id("a")).map(|r| r.kind), Some(Kind::Reply));
    }

    #[test]
    fn removing_twice_is_harmless() {
        let mut outbox = Outbox::default();
        outbox.push(ConversationId(1), id("a"), "hola".into());
        assert_eq!(outbox.remove(&id("a")).unwrap().text, "hola");
        assert_eq!(outbox.remove(&id("a")), None);
        assert_eq!(outbox.len(), 0);
    }

    #[test]
    fn failed_replies_wait_for_a_retry_with_the_same_id() {
        let mut outbox = Outbox::default();
        outbox.push(ConversationId(1), id("a"), "uno".into());
        outbox.push(ConversationId(1), id("b"), "dos".into());
        outbox.fail(&id("a"), "too long".into());
        assert_eq!(ids(&outbox.to_resend()), ["b"]);
        assert_eq!(
            outbox.retry(&id("b")),
            None,
            "only failed replies are retried"
        );
        let frame = outbox.retry(&id("a")).unwrap();
        assert_eq!(ids(&[frame]), ["a"]);
        assert_eq!(outbox.get(&id("a")).unwrap().state, ReplyState::Sending);
        assert_eq!(ids(&outbox.to_resend()), ["b", "a"], "retried goes last");
    }

    #[test]
    fn a_renewed_reply_retries_under_its_new_id() {
        let mut outbox = Outbox::default();
        outbox.push(ConversationId(1), id("taken"), "uno".into());
        outbox.fail(&id("taken"), "duplicate".into());
        outbox.renew(&id("taken"), id("fresh"));
        assert_eq!(outbox.retry(&id("taken")), None);
        assert_eq!(ids(&[outbox.retry(&id("fresh")).unwrap()]), ["fresh"]);
    }

    #[test]
    fn one_reply_at_a_time_oldest_first() {
        let mut outbox = Outbox::default();
        assert_eq!(outbox.next_to_send(), None);
        outbox.push(ConversationId(1), id("a"), "uno".into());
        outbox.push(ConversationId(2), id("b"), "dos".into());
        outbox.push(ConversationId(1), id("c"), "tres".into());
        assert_eq!(ids(&[outbox.next_to_send().unwrap()]), ["a"]);
        assert_eq!(outbox.next_to_send(), None, "a waits for its answer");
        outbox.remove(&id("a"));
        assert_eq!(ids(&[outbox.next_to_send().unwrap()]), ["b"]);
        // Refused for good: the next one may go; the failed one waits for the agent.
        outbox.fail(&id("b"), "closed".into());
        assert_eq!(ids(&[outbox.next_to_send().unwrap()]), ["c"]);
        // The link dropped before c's answer: the next connection starts again from c.
        assert_eq!(outbox.next_to_send(), None);
        outbox.rewind();
        assert_eq!(ids(&[outbox.next_to_send().unwrap()]), ["c"]);
        // Discarded while on its way (its conversation went): the next may go.
        outbox.push(ConversationId(3), id("d"), "cuatro".into());
        outbox.retain(|r| r.conversation != ConversationId(1));
        assert_eq!(ids(&[outbox.next_to_send().unwrap()]), ["d"]);
    }

    #[test]
    fn a_requeued_reply_goes_again_before_newer_ones() {
        let mut outbox = Outbox::default();
        outbox.push(ConversationId(1), id("a"), "uno".into());
        outbox.push(ConversationId(1), id("b"), "dos".into());
        assert_eq!(ids(&[outbox.next_to_send().unwrap()]), ["a"]);
        assert!(outbox.requeue(&id("a")));
        assert_eq!(outbox.get(&id("a")).unwrap().state, ReplyState::Sending);
        assert_eq!(
            ids(&[outbox.next_to_send().unwrap()]),
            ["a"],
            "same id, first"
        );
        assert!(!outbox.requeue(&id("unknown")));
        assert_eq!(outbox.next_to_send(), None, "a is still on its way");
    }

    #[test]
    fn storage_keeps_states_and_other_agents_replies() {
        let mut outbox = Outbox::default();
        outbox.push(ConversationId(1), id("a"), "uno".into());
        outbox.push(ConversationId(2), id("b"), "dos".into());
        outbox.fail(&id("b"), "closed".into());
        let json = outbox.persist(None, AgentId(7)).unwrap();
        assert_eq!(Outbox::restore(&json, AgentId(7)), outbox);
        assert_eq!(Outbox::restore(&json, AgentId(8)), Outbox::default());

        let mine = Outbox::default();
        let both = mine.persist(Some(&json), AgentId(8)).unwrap();
        assert_eq!(
            Outbox::restore(&both, AgentId(7)),
            outbox,
            "another agent's save keeps these"
        );
        assert_eq!(Outbox::default().persist(Some(&json), AgentId(7)), None);
        assert_eq!(Outbox::restore("not json", AgentId(7)), Outbox::default());
    }
}
