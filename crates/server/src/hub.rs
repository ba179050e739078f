//! Who is connected to this server right now, and delivery of frames to them.
//!
//! Each socket registers a bounded outbox here. Delivery never waits: a socket whose outbox is
//! full is a slow reader, and it is disconnected rather than buffered without bound. It loses
//! nothing by that, since every message is in the database and a reconnect sends a fresh copy.
//! Outboxes carry frames already encoded, so a frame for many sockets is encoded once.
//!
//! The hub knows only this server's sockets; [`crate::fanout`] reaches the other servers'.

use std::collections::{HashMap, HashSet};
use std::marker::PhantomData;
use std::sync::Mutex;

use axum::extract::ws::Utf8Bytes;
use pronto_protocol::encode;
use pronto_protocol::ids::{AgentId, SiteId};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::storage::VisitorId;

/// Frames a socket may have queued for sending before it counts as a slow reader.
pub const OUTBOX_FRAMES: usize = 256;

/// Identifies one socket, so it can leave without disturbing the visitor's or agent's other tabs.
pub type ConnectionId = u64;

/// A socket's way in: its queue of encoded frames of type `T`, and the switch that
/// disconnects it.
pub struct Outbox<T> {
    frames: mpsc::Sender<Utf8Bytes>,
    pub kick: CancellationToken,
    frame: PhantomData<fn(T)>,
}

// Derived `Clone` would require `T: Clone`; only the sender and the switch are cloned.
impl<T> Clone for Outbox<T> {
    fn clone(&self) -> Self {
        Self {
            frames: self.frames.clone(),
            kick: self.kick.clone(),
            frame: PhantomData,
        }
    }
}

impl<T: Serialize> Outbox<T> {
    /// A fresh outbox and the receiving end its socket's writer drains.
    pub fn new() -> (Self, mpsc::Receiver<Utf8Bytes>) {
        let (frames, receiver) = mpsc::channel(OUTBOX_FRAMES);
        let outbox = Self {
            frames,
            kick: CancellationToken::new(),
            frame: PhantomData,
        };
        (outbox, receiver)
    }

    /// Queues a frame without waiting; a full outbox disconnects its slow reader.
    pub fn deliver(&self, frame: T) {
        self.deliver_encoded(encode(&frame).into());
    }

    /// Sends a last frame (say why), then disconnects.
    pub fn deliver_and_close(&self, frame: T) {
        self.deliver(frame);
        self.kick.cancel();
    }
}

impl<T> Outbox<T> {
    /// Queues a frame encoded earlier (the same text for many sockets).
    pub fn deliver_encoded(&self, text: Utf8Bytes) {
        match self.frames.try_send(text) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!("disconnecting a slow reader");
                self.kick.cancel();
            }
            // The socket is on its way out and will leave the hub itself.
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }
}

pub type VisitorOutbox = Outbox<pronto_protocol::visitor::ServerToVisitor>;
pub type AgentOutbox = Outbox<pronto_protocol::agent::ServerToAgent>;

struct AgentSocket {
    agent: AgentId,
    outbox: AgentOutbox,
}

#[derive(Default)]
struct Rooms {
    next_connection: ConnectionId,
    /// Every tab a visitor has open here. Visitor ids are unique across sites.
    visitors: HashMap<VisitorId, HashMap<ConnectionId, VisitorOutbox>>,
    /// The visitors of each site with a tab open here.
    site_visitors: HashMap<SiteId, HashSet<VisitorId>>,
    /// Every console tab of every agent of a site.
    agents: HashMap<SiteId, HashMap<ConnectionId, AgentSocket>>,
}

impl Rooms {
    fn next(&mut self) -> ConnectionId {
        self.next_connection += 1;
        self.next_connection
    }
}

/// The registry of this server's sockets.
#[derive(Default)]
pub struct Hub {
    // A std mutex: it is held only to copy senders in or out, never across an await.
    rooms: Mutex<Rooms>,
}

impl Hub {
    fn rooms(&self) -> std::sync::MutexGuard<'_, Rooms> {
        // A panic while holding the lock cannot leave the maps half-updated in a way that
        // matters (each update is one insert or remove), so a poisoned lock is still usable.
        self.rooms
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn join_visitor(
        &self,
        site: &SiteId,
        visitor: VisitorId,
        outbox: VisitorOutbox,
    ) -> ConnectionId {
        let mut rooms = self.rooms();
        let id = rooms.next();
        rooms
            .site_visitors
            .entry(site.clone())
            .or_default()
            .insert(visitor);
        rooms
            .visitors
            .entry(visitor)
            .or_default()
            .insert(id, outbox);
        id
    }

    pub fn leave_visitor(&self, site: &SiteId, visitor: VisitorId, connection: ConnectionId) {
        let mut rooms = self.rooms();
        if let Some(tabs) = rooms.visitors.get_mut(&visitor) {
            tabs.remove(&connection);
            if tabs.is_empty() {
                rooms.visitors.remove(&visitor);
                if let Some(visitors) = rooms.site_visitors.get_mut(site) {
                    visitors.remove(&visitor);
                    if visitors.is_empty() {
                        rooms.site_visitors.remove(site);
                    }
                }
            }
        }
    }

    /// Sends an encoded frame to every tab of every visitor of the site here.
    pub fn to_site_visitors(&self, site: &SiteId, text: &Utf8Bytes) {
        let rooms = self.rooms();
        let Some(visitors) = rooms.site_visitors.get(site) else {
            return;
        };
        // Queuing never waits (see `deliver_encoded`), so the lock is held briefly.
        for tabs in visitors
            .iter()
            .filter_map(|visitor| rooms.visitors.get(visitor))
        {
            for outbox in tabs.values() {
                outbox.deliver_encoded(text.clone());
            }
        }
    }

    pub fn join_agent(&self, site: &SiteId, agent: AgentId, outbox: AgentOutbox) -> ConnectionId {
        let mut rooms = self.rooms();
        let id = rooms.next();
        rooms
            .agents
            .entry(site.clone())
            .or_default()
            .insert(id, AgentSocket { agent, outbox });
        id
    }

    pub fn leave_agent(&self, site: &SiteId, connection: ConnectionId) {
        let mut rooms = self.rooms();
        if let Some(sockets) = rooms.agents.get_mut(site) {
            sockets.remove(&connection);
            if sockets.is_empty() {
                rooms.agents.remove(site);
            }
        }
    }

    /// Disconnects every console of one agent here (their sessions were just ended).
    pub fn disconnect_agent(&self, site: &SiteId, agent: AgentId) {
        if let Some(sockets) = self.rooms().agents.get(site) {
            for socket in sockets.values().filter(|socket| socket.agent == agent) {
                socket.outbox.kick.cancel();
            }
        }
    }

    /// Disconnects everyone here: this server can no longer hear the others, so its people
    /// reconnect (to it once it hears again, or to another) and get what they missed.
    pub fn disconnect_everyone(&self) {
        let rooms = self.rooms();
        for tabs in rooms.visitors.values() {
            tabs.values().for_each(|outbox| outbox.kick.cancel());
        }
        for sockets in rooms.agents.values() {
            sockets
                .values()
                .for_each(|socket| socket.outbox.kick.cancel());
        }
    }

    /// Sends an encoded frame to every tab the visitor has open here.
    pub fn to_visitor(&self, visitor: VisitorId, text: &Utf8Bytes) {
        let outboxes: Vec<_> = self
            .rooms()
            .visitors
            .get(&visitor)
            .map(|tabs| tabs.values().cloned().collect())
            .unwrap_or_default();
        for outbox in outboxes {
            outbox.deliver_encoded(text.clone());
        }
    }

    /// Those of `people` with a tab open here, in the order given: one lock for a whole
    /// queue, not one per visitor.
    pub fn visitors_here<T>(
        &self,
        people: impl Iterator<Item = (T, VisitorId)>,
    ) -> Vec<(T, VisitorId)> {
        let rooms = self.rooms();
        people
            .filter(|(_, visitor)| rooms.visitors.contains_key(visitor))
            .collect()
    }

    /// Sends each visitor their own frame, to every tab they have open here. One lock for the
    /// lot, and the outboxes are used in place rather than copied out: for a long queue this
    /// runs once per take with a frame for everyone in line.
    pub fn to_each_visitor(&self, frames: impl IntoIterator<Item = (VisitorId, Utf8Bytes)>) {
        let rooms = self.rooms();
        for (visitor, text) in frames {
            if let Some(tabs) = rooms.visitors.get(&visitor) {
                // Queuing never waits (see `deliver_encoded`), so the lock is held briefly.
                for outbox in tabs.values() {
                    outbox.deliver_encoded(text.clone());
                }
            }
        }
    }

    /// Sends an encoded frame to every console tab of one agent here.
    pub fn to_agent(&self, site: &SiteId, agent: AgentId, text: &Utf8Bytes) {
        self.to_agents_where(site, text, |socket| socket == agent);
    }

    /// Sends an encoded frame to every console tab of every agent of the site here.
    pub fn to_site_agents(&self, site: &SiteId, text: &Utf8Bytes) {
        self.to_agents_where(site, text, |_| true);
    }

    /// Whether `agent` has a console open here.
    pub fn has_agent(&self, site: &SiteId, agent: AgentId) -> bool {
        self.rooms()
            .agents
            .get(site)
            .is_some_and(|sockets| sockets.values().any(|socket| socket.agent == agent))
    }

    /// Whether the visitor has a tab open here.
    pub fn has_visitor(&self, visitor: VisitorId) -> bool {
        self.rooms().visitors.contains_key(&visitor)
    }

    /// Whether any agent of the site has a console open here.
    pub fn has_agents(&self, site: &SiteId) -> bool {
        self.rooms().agents.contains_key(site)
    }

    fn to_agents_where(&self, site: &SiteId, text: &Utf8Bytes, wanted: impl Fn(AgentId) -> bool) {
        let outboxes: Vec<_> = self
            .rooms()
            .agents
            .get(site)
            .map(|sockets| {
                sockets
                    .values()
                    .filter(|socket| wanted(socket.agent))
                    .map(|socket| socket.outbox.clone())
                    .collect()
            })
            .unwrap_or_default();
        for outbox in outboxes {
            outbox.deliver_encoded(text.clone());
        }
    }
}
