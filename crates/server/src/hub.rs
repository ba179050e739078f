//! Who is connected right now, and delivery of frames to them.
//!
//! Each socket registers a bounded outbox here. Delivery never waits: a socket whose outbox is
//! full is a slow reader, and it is disconnected rather than buffered without bound. It loses
//! nothing by that, since every message is in the database and a reconnect sends a fresh copy.

use std::collections::HashMap;
use std::sync::Mutex;

use pronto_protocol::agent::ServerToAgent;
use pronto_protocol::ids::{AgentId, SiteId};
use pronto_protocol::visitor::ServerToVisitor;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::storage::VisitorId;

/// Frames a socket may have queued for sending before it counts as a slow reader.
pub const OUTBOX_FRAMES: usize = 256;

/// Identifies one socket, so it can leave without disturbing the visitor's or agent's other tabs.
pub type ConnectionId = u64;

/// A socket's way in: its outbox and the switch that disconnects it.
#[derive(Clone)]
pub struct Outbox<T> {
    pub frames: mpsc::Sender<T>,
    pub kick: CancellationToken,
}

impl<T> Outbox<T> {
    /// Queues a frame without waiting; a full outbox disconnects its slow reader.
    pub fn deliver(&self, frame: T) {
        match self.frames.try_send(frame) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!("disconnecting a slow reader");
                self.kick.cancel();
            }
            // The socket is on its way out and will leave the hub itself.
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    /// Sends a last frame (say why), then disconnects.
    pub fn deliver_and_close(&self, frame: T) {
        self.deliver(frame);
        self.kick.cancel();
    }
}

struct AgentSocket {
    agent: AgentId,
    outbox: Outbox<ServerToAgent>,
}

#[derive(Default)]
struct Rooms {
    next_connection: ConnectionId,
    /// Every tab a visitor has open.
    visitors: HashMap<VisitorId, HashMap<ConnectionId, Outbox<ServerToVisitor>>>,
    /// Every console tab of every agent of a site.
    agents: HashMap<SiteId, HashMap<ConnectionId, AgentSocket>>,
}

impl Rooms {
    fn next(&mut self) -> ConnectionId {
        self.next_connection += 1;
        self.next_connection
    }
}

/// The registry of connected sockets.
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
        visitor: VisitorId,
        outbox: Outbox<ServerToVisitor>,
    ) -> ConnectionId {
        let mut rooms = self.rooms();
        let id = rooms.next();
        rooms
            .visitors
            .entry(visitor)
            .or_default()
            .insert(id, outbox);
        id
    }

    pub fn leave_visitor(&self, visitor: VisitorId, connection: ConnectionId) {
        let mut rooms = self.rooms();
        if let Some(tabs) = rooms.visitors.get_mut(&visitor) {
            tabs.remove(&connection);
            if tabs.is_empty() {
                rooms.visitors.remove(&visitor);
            }
        }
    }

    pub fn join_agent(
        &self,
        site: &SiteId,
        agent: AgentId,
        outbox: Outbox<ServerToAgent>,
    ) -> ConnectionId {
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

    /// Disconnects every console of one agent (their sessions were just ended).
    pub fn disconnect_agent(&self, site: &SiteId, agent: AgentId) {
        if let Some(sockets) = self.rooms().agents.get(site) {
            for socket in sockets.values().filter(|socket| socket.agent == agent) {
                socket.outbox.kick.cancel();
            }
        }
    }

    /// Sends to every tab the visitor has open.
    pub fn to_visitor(&self, visitor: VisitorId, frame: ServerToVisitor) {
        let outboxes: Vec<_> = self
            .rooms()
            .visitors
            .get(&visitor)
            .map(|tabs| tabs.values().cloned().collect())
            .unwrap_or_default();
        for outbox in outboxes {
            outbox.deliver(frame.clone());
        }
    }

    /// Sends to every console tab of one agent.
    pub fn to_agent(&self, site: &SiteId, agent: AgentId, frame: ServerToAgent) {
        self.to_agents_where(site, frame, |socket| socket == agent);
    }

    /// Sends to every console tab of every agent of the site.
    pub fn to_site_agents(&self, site: &SiteId, frame: ServerToAgent) {
        self.to_agents_where(site, frame, |_| true);
    }

    fn to_agents_where(
        &self,
        site: &SiteId,
        frame: ServerToAgent,
        wanted: impl Fn(AgentId) -> bool,
    ) {
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
            outbox.deliver(frame.clone());
        }
    }
}
