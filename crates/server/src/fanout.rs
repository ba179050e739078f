//! Telling connected people what changed, wherever they are connected: on this server alone,
//! or on every server of a deployment through Redis.
//!
//! Without `REDIS_URL` an event goes straight to this server's [`Hub`] and [`Announcer`]. With
//! it, each event is published on its site's channel (`{prefix}:site:{site}`), and every server
//! — this one included — delivers what it hears to its own sockets. A server holds one Redis
//! subscription, on the channels of the sites it has people connected for; sockets never
//! subscribe themselves.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use futures::StreamExt;
use pronto_protocol::agent::ServerToAgent;
use pronto_protocol::chat::{Author, ChatMessage};
use pronto_protocol::ids::{AgentId, SiteId};
use pronto_protocol::node::{Envelope, NodeEvent, Reply};
use pronto_protocol::visitor::ServerToVisitor;
use pronto_protocol::{decode, encode};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::error::AppResult;
use crate::hub::Hub;
use crate::queue::Announcer;
use crate::storage::{ConversationRow, Prior, Store, VisitorId};

/// How long to wait before trying Redis again after losing it.
const REDIS_RETRY: Duration = Duration::from_millis(500);
/// How long a batch of publishes may wait for Redis's answer. The client's default (500 ms)
/// turned a one-second stall of a busy machine into refused messages; a message is
/// acknowledged only once published, so waiting a little longer costs nothing but latency.
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(5);
/// How long publishing keeps trying before the senders are told it failed.
const PUBLISH_PATIENCE: Duration = Duration::from_secs(15);

/// The way events reach people.
pub struct Fanout {
    here: Here,
    redis: Option<RedisBus>,
}

/// What delivers events to this server's people: its sockets, the announcer of places and
/// waits, and, where replies are e-mailed, where to note the replies a widget here showed.
#[derive(Clone)]
pub struct Here {
    pub hub: Arc<Hub>,
    pub announcer: Arc<Announcer>,
    pub shown: Option<mpsc::UnboundedSender<Reply>>,
}

impl Fanout {
    /// Events for this server's sockets only.
    pub fn local(here: Here) -> Self {
        Self { here, redis: None }
    }

    /// Events through Redis at `url`, on channels named `{prefix}:site:{site}`.
    pub async fn redis(url: &str, prefix: &str, here: Here) -> redis::RedisResult<Self> {
        let bus = RedisBus::connect(url, prefix, here.clone()).await?;
        Ok(Self {
            here,
            redis: Some(bus),
        })
    }

    /// Makes sure this server hears the site's events before one of its people joins the hub;
    /// pair with [`Fanout::forget`] when they leave.
    pub async fn listen(&self, site: &SiteId) -> redis::RedisResult<()> {
        match &self.redis {
            Some(bus) => bus.listen(site).await,
            None => Ok(()),
        }
    }

    pub fn forget(&self, site: &SiteId) {
        if let Some(bus) = &self.redis {
            bus.forget(site);
        }
    }

    pub fn to_visitor(&self, site: &SiteId, visitor: VisitorId, frame: &ServerToVisitor) {
        self.send(
            site,
            NodeEvent::ToVisitor {
                visitor: visitor.0,
                frame: encode(frame),
                reply: None,
            },
        );
    }

    pub fn to_agent(&self, site: &SiteId, agent: AgentId, frame: &ServerToAgent) {
        self.send(
            site,
            NodeEvent::ToAgent {
                agent,
                frame: encode(frame),
            },
        );
    }

    /// A message was stored in `conversation`: every tab of the visitor and of the agent
    /// holding it hears of it (the sender's own tabs included: clients keep each number once).
    pub fn message_stored(&self, conversation: &ConversationRow, message: &ChatMessage) {
        let site = &conversation.site;
        let reply = matches!(message.author, Author::Agent { .. }).then_some(Reply {
            conversation: conversation.id,
            seq: message.seq,
        });
        self.send(
            site,
            NodeEvent::ToVisitor {
                visitor: conversation.visitor.0,
                frame: encode(&ServerToVisitor::Message {
                    message: message.clone(),
                }),
                reply,
            },
        );
        if let Some(agent) = conversation.agent {
            self.to_agent(
                site,
                agent,
                &ServerToAgent::Message {
                    conversation: conversation.id,
                    message: message.clone(),
                },
            );
        }
    }

    /// The site's queue changed: every server re-tells its people their places.
    pub fn queue_changed(&self, site: &SiteId) {
        self.send(site, NodeEvent::QueueChanged);
    }

    /// A visitor joined the site's line: as [`Fanout::queue_changed`], and they hear their
    /// place at once. Sent after their message, so they hear that first.
    pub fn visitor_joined(&self, site: &SiteId, visitor: VisitorId) {
        self.send(site, NodeEvent::VisitorJoined { visitor: visitor.0 });
    }

    /// A conversation of the site ended: every server looks at its visitors' waits again.
    pub fn conversation_ended(&self, site: &SiteId) {
        self.send(site, NodeEvent::ConversationEnded);
    }

    /// An agent of the site opened or closed a console: every server tells its visitors of
    /// the site whether anyone is there now.
    pub fn presence_changed(&self, site: &SiteId) {
        self.send(site, NodeEvent::PresenceChanged);
    }

    pub fn disconnect_agent(&self, site: &SiteId, agent: AgentId) {
        self.send(site, NodeEvent::DisconnectAgent { agent });
    }

    /// Resolves once everything sent so far has reached Redis (at once without it). A message
    /// is acknowledged to its sender only after this: a server that dies in between never
    /// acknowledged it, so the sender sends it again and the other side still hears of it.
    pub async fn flushed(&self) -> Result<(), Unpublished> {
        match &self.redis {
            Some(bus) => bus.flushed().await,
            None => Ok(()),
        }
    }

    fn send(&self, site: &SiteId, event: NodeEvent) {
        let envelope = Envelope {
            site: site.clone(),
            event,
        };
        match &self.redis {
            Some(bus) => bus.publish(&envelope),
            None => deliver(&self.here, envelope),
        }
    }
}

/// A message stored earlier came again (its acknowledgement was lost): tells everyone of it
/// again — the server that stored it may have stopped before telling anyone, and hearing a
/// number twice is harmless — and resolves once that is published, ready to acknowledge.
pub async fn tell_again(store: &Store, fanout: &Fanout, prior: &Prior) -> AppResult<()> {
    if let (Some(row), Some(message)) = (
        store.conversation(prior.conversation).await?,
        store.message(prior.conversation, prior.seq).await?,
    ) {
        fanout.message_stored(&row, &message);
    }
    fanout.flushed().await?;
    Ok(())
}

/// Hands an event to this server's sockets.
fn deliver(here: &Here, envelope: Envelope) {
    let Here {
        hub,
        announcer,
        shown,
    } = here;
    let Envelope { site, event } = envelope;
    match event {
        NodeEvent::ToVisitor {
            visitor,
            frame,
            reply,
        } => {
            let visitor = VisitorId(visitor);
            hub.to_visitor(visitor, &Utf8Bytes::from(frame));
            // On screen here: noted as seen, so no server e-mails it. (The note is written
            // by a task: delivering never waits for the database.)
            if let (Some(reply), Some(shown)) = (reply, shown)
                && hub.has_visitor(visitor)
            {
                let _ = shown.send(reply);
            }
        }
        NodeEvent::ToAgent { agent, frame } => hub.to_agent(&site, agent, &Utf8Bytes::from(frame)),
        NodeEvent::QueueChanged => announcer.poke(&site),
        NodeEvent::VisitorJoined { visitor } => {
            announcer.poke(&site);
            let visitor = VisitorId(visitor);
            if hub.has_visitor(visitor) {
                announcer.retell(&site, visitor);
            }
        }
        NodeEvent::ConversationEnded => announcer.conversation_ended(&site),
        NodeEvent::PresenceChanged => announcer.presence_changed(&site),
        NodeEvent::DisconnectAgent { agent } => hub.disconnect_agent(&site, agent),
    }
}

/// Events could not be handed to Redis; the people concerned hear of them when they next
/// connect, from the database.
#[derive(Debug, thiserror::Error)]
#[error("events could not be published to Redis")]
pub struct Unpublished;

/// What the publisher task works through, in order.
enum Outgoing {
    /// An envelope for a site's channel.
    Publish { channel: String, payload: String },
    /// Told whether everything before it was published.
    Flushed(oneshot::Sender<bool>),
}

/// The Redis side: one connection publishing in order, one subscription listening.
struct RedisBus {
    prefix: String,
    outgoing: mpsc::UnboundedSender<Outgoing>,
    listening: Arc<Mutex<Listening>>,
}

/// The subscription and how many of this server's sockets need each site's channel.
struct Listening {
    prefix: String,
    sink: redis::aio::PubSubSink,
    interest: HashMap<SiteId, usize>,
}

impl RedisBus {
    async fn connect(url: &str, prefix: &str, here: Here) -> redis::RedisResult<Self> {
        let client = redis::Client::open(url)?;
        let publisher = client
            .get_multiplexed_async_connection_with_config(
                &redis::AsyncConnectionConfig::new().set_response_timeout(Some(PUBLISH_TIMEOUT)),
            )
            .await?;
        let (sink, stream) = client.get_async_pubsub().await?.split();
        let listening = Arc::new(Mutex::new(Listening {
            prefix: prefix.to_owned(),
            sink,
            interest: HashMap::new(),
        }));
        let (outgoing, queued) = mpsc::unbounded_channel();
        tokio::spawn(publish_in_order(publisher, queued));
        tokio::spawn(listen_forever(client, stream, listening.clone(), here));
        Ok(Self {
            prefix: prefix.to_owned(),
            outgoing,
            listening,
        })
    }

    fn channel(&self, site: &SiteId) -> String {
        channel(&self.prefix, site)
    }

    fn publish(&self, envelope: &Envelope) {
        let channel = self.channel(&envelope.site);
        // The publisher task lives as long as the server; a send after it ended is a
        // shutdown's, and nobody is left to tell.
        let _ = self.outgoing.send(Outgoing::Publish {
            channel,
            payload: encode(envelope),
        });
    }

    async fn flushed(&self) -> Result<(), Unpublished> {
        let (done, published) = oneshot::channel();
        self.outgoing
            .send(Outgoing::Flushed(done))
            .map_err(|_| Unpublished)?;
        match published.await {
            Ok(true) => Ok(()),
            _ => Err(Unpublished),
        }
    }

    async fn listen(&self, site: &SiteId) -> redis::RedisResult<()> {
        let mut listening = self.listening.lock().await;
        let count = listening.interest.get(site).copied().unwrap_or(0);
        if count == 0 {
            // Subscribed before anyone joins, so nothing published afterwards is missed.
            listening.sink.subscribe(self.channel(site)).await?;
        }
        listening.interest.insert(site.clone(), count + 1);
        Ok(())
    }

    fn forget(&self, site: &SiteId) {
        let listening = self.listening.clone();
        let site = site.clone();
        let channel = self.channel(&site);
        tokio::spawn(async move {
            let mut listening = listening.lock().await;
            let count = listening.interest.get(&site).copied().unwrap_or(0);
            if count <= 1 {
                listening.interest.remove(&site);
                if let Err(error) = listening.sink.unsubscribe(channel).await {
                    tracing::warn!(%error, "could not unsubscribe from a site's channel");
                }
            } else {
                listening.interest.insert(site, count - 1);
            }
        });
    }
}

fn channel(prefix: &str, site: &SiteId) -> String {
    format!("{prefix}:site:{site}")
}

/// Publishes envelopes one batch at a time, in the order they were sent, so two frames for
/// the same person never overtake each other.
async fn publish_in_order(
    mut connection: redis::aio::MultiplexedConnection,
    mut queued: mpsc::UnboundedReceiver<Outgoing>,
) {
    let mut batch = Vec::new();
    while queued.recv_many(&mut batch, 256).await > 0 {
        let mut pipe = redis::pipe();
        let mut waiting = Vec::new();
        let mut publishes = 0;
        for item in batch.drain(..) {
            match item {
                Outgoing::Publish { channel, payload } => {
                    pipe.cmd("PUBLISH").arg(channel).arg(payload).ignore();
                    publishes += 1;
                }
                Outgoing::Flushed(done) => waiting.push(done),
            }
        }
        // Nothing to publish (a flush with nothing before it, as at shutdown): Redis refuses
        // an empty pipeline, and there is nothing to wait for.
        let published = publishes == 0 || publish_patiently(&mut connection, &pipe).await;
        for done in waiting {
            let _ = done.send(published);
        }
    }
}

/// Publishes one batch, trying again for `PUBLISH_PATIENCE`; whether it got through.
async fn publish_patiently(
    connection: &mut redis::aio::MultiplexedConnection,
    pipe: &redis::Pipeline,
) -> bool {
    let started = tokio::time::Instant::now();
    let mut tries = 0;
    loop {
        // A batch whose answer timed out may have been published after all; publishing
        // it again is harmless, as clients keep each message number once.
        match pipe.query_async::<()>(connection).await {
            Ok(()) => return true,
            Err(error) => {
                tries += 1;
                tracing::error!(%error, tries, "publishing to Redis failed");
                if started.elapsed() >= PUBLISH_PATIENCE {
                    // Redis is gone for everyone: every server lost its subscription too
                    // and sent its people away to reconnect, and they will read what
                    // they missed from the database.
                    return false;
                }
                tokio::time::sleep(REDIS_RETRY).await;
            }
        }
    }
}

/// Delivers what the subscription hears; when Redis goes away, sends this server's people away
/// too (they would miss events until it is back) and subscribes again.
async fn listen_forever(
    client: redis::Client,
    mut stream: redis::aio::PubSubStream,
    listening: Arc<Mutex<Listening>>,
    here: Here,
) {
    loop {
        while let Some(message) = stream.next().await {
            match std::str::from_utf8(message.get_payload_bytes())
                .ok()
                .and_then(|text| decode::<Envelope>(text).ok())
            {
                Some(envelope) => deliver(&here, envelope),
                None => tracing::warn!(channel = message.get_channel_name(), "unreadable event"),
            }
        }
        tracing::error!("lost the Redis subscription; disconnecting everyone here");
        here.hub.disconnect_everyone();
        stream = loop {
            tokio::time::sleep(REDIS_RETRY).await;
            match resubscribe(&client, &listening).await {
                Ok(stream) => break stream,
                Err(error) => tracing::error!(%error, "Redis is still unreachable"),
            }
        };
    }
}

async fn resubscribe(
    client: &redis::Client,
    listening: &Mutex<Listening>,
) -> redis::RedisResult<redis::aio::PubSubStream> {
    let (mut sink, stream) = client.get_async_pubsub().await?.split();
    let mut listening = listening.lock().await;
    for site in listening.interest.keys() {
        sink.subscribe(channel(&listening.prefix, site)).await?;
    }
    listening.sink = sink;
    Ok(stream)
}
