//! The agent's console socket: see the queue, take conversations, answer, close.

use axum::Router;
use std::net::SocketAddr;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use pronto_protocol::agent::{AgentToServer, ServerToAgent};
use pronto_protocol::chat::{ConversationState, validate_text};
use pronto_protocol::ids::{AgentId, ClientMessageId, ConversationId};
use pronto_protocol::visitor::ServerToVisitor;
use pronto_protocol::{ErrorCode, PROTOCOL_VERSION, ProtocolError};

use crate::app::AppState;
use crate::auth::SignedIn;
use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::hub::{ConnectionId, Outbox};
use crate::operations::Side;
use crate::socket::{self, Session};
use crate::storage::{
    Agent, ConversationRow, NoteAdded, Reply, TakeRefusal, ensure_held_by, ensure_of_shop,
};
use crate::{assign, fanout, origin};

pub fn router() -> Router<AppState> {
    Router::new().route("/ws/agent", get(upgrade))
}

/// Only a signed-in agent on this server's own console gets a socket; everyone else gets 401,
/// and a page elsewhere that rides on the agent's cookie (cross-site WebSocket hijacking) 403.
async fn upgrade(
    ws: WebSocketUpgrade,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    SignedIn(agent): SignedIn,
    State(app): State<AppState>,
) -> Response {
    if !origin::is_same_site(&headers) {
        tracing::warn!(agent_id = %agent.id, origin = ?origin::of(&headers), "cross-site agent socket refused");
        return AppError::refused(
            ErrorCode::OriginNotAllowed,
            "the console only works on its own site",
        )
        .into_response();
    }
    socket::accept(app, peer, ws, move |app, outbox| AgentSession {
        app,
        agent,
        outbox,
        connection: None,
    })
}

struct AgentSession {
    app: AppState,
    agent: Agent,
    outbox: Outbox<ServerToAgent>,
    /// Set by `hello`; until then the socket receives nothing from the hub.
    connection: Option<ConnectionId>,
}

impl Session for AgentSession {
    const SIDE: Side = Side::Agent;
    type Incoming = AgentToServer;
    type Outgoing = ServerToAgent;

    fn error_frame(error: ProtocolError) -> ServerToAgent {
        ServerToAgent::Error(error)
    }

    fn refusal(frame: AgentToServer, error: ProtocolError) -> ServerToAgent {
        match frame {
            AgentToServer::Send { id, .. } | AgentToServer::Note { id, .. } => {
                ServerToAgent::Rejected { id, error }
            }
            _ => ServerToAgent::Error(error),
        }
    }

    fn outbox(&self) -> &Outbox<ServerToAgent> {
        &self.outbox
    }

    async fn on_frame(&mut self, frame: AgentToServer) -> AppResult<()> {
        if let AgentToServer::Hello { version } = frame {
            return self.hello(version).await;
        }
        if self.connection.is_none() {
            return Err(AppError::refused(
                ErrorCode::HelloRequired,
                "send hello first",
            ));
        }
        match frame {
            AgentToServer::Hello { .. } => unreachable!("handled above"),
            AgentToServer::Take { conversation } => self.take(conversation).await,
            AgentToServer::TakeNext => self.take_next().await,
            AgentToServer::Send {
                conversation,
                id,
                text,
            } => {
                // Whatever goes wrong, the console learns which reply was not stored.
                if let Err(error) = self.send(conversation, &id, &text).await {
                    let error = error.to_client();
                    self.outbox.deliver(ServerToAgent::Rejected { id, error });
                }
                Ok(())
            }
            AgentToServer::Close { conversation } => self.close(conversation).await,
            AgentToServer::Typing {
                conversation,
                typing,
            } => self.typing(conversation, typing).await,
            AgentToServer::Read { conversation, seq } => self.read(conversation, seq).await,
            AgentToServer::Transfer { conversation, to } => self.transfer(conversation, to).await,
            AgentToServer::FollowUp { conversation } => self.follow_up(conversation).await,
            AgentToServer::Away { away } => self.away(away).await,
            AgentToServer::Note {
                conversation,
                id,
                text,
            } => {
                // As for replies: whatever goes wrong, the console learns which note.
                if let Err(error) = self.note(conversation, &id, &text).await {
                    let error = error.to_client();
                    self.outbox.deliver(ServerToAgent::Rejected { id, error });
                }
                Ok(())
            }
        }
    }

    fn on_leave(&mut self) {
        if let Some(connection) = self.connection {
            self.app.hub.leave_agent(&self.agent.site, connection);
            self.app.fanout.forget(&self.agent.site);
            // Leaving cannot wait for the database; it happens right after.
            let (app, site, agent) = (self.app.clone(), self.agent.site.clone(), self.agent.id);
            tokio::spawn(async move {
                if let Err(error) = crate::presence::left(&app, &site, agent).await {
                    tracing::error!(%error, "could not record an agent leaving");
                }
            });
        }
    }
}

impl AgentSession {
    async fn hello(&mut self, version: u32) -> AppResult<()> {
        if self.connection.is_some() {
            return Err(AppError::refused(
                ErrorCode::AlreadyGreeted,
                "hello was already sent",
            ));
        }
        if version != PROTOCOL_VERSION {
            return Err(AppError::refused(
                ErrorCode::UnsupportedVersion,
                format!("this server speaks protocol version {PROTOCOL_VERSION}"),
            ));
        }
        let site = &self.agent.site;
        // Join first: a change between the snapshot and joining would otherwise be lost. The
        // console applies what arrives before the welcome again after it, harmlessly.
        self.app.fanout.listen(site).await?;
        self.connection = Some(
            self.app
                .hub
                .join_agent(site, self.agent.id, self.outbox.clone()),
        );
        let queue = self.app.store.queue_view(site).await?;
        let conversations = self.app.store.agent_conversations(self.agent.id).await?;
        self.outbox.deliver(ServerToAgent::Welcome {
            agent: self.agent.profile(),
            now_ms: now_ms(),
            queue: queue.entries,
            queue_total: queue.total,
            conversations,
            away: self.app.store.is_away(self.agent.id).await?,
            slots: self.app.store.slots(self.agent.id).await?,
        });
        // After the welcome, which is this console's first frame.
        crate::presence::arrived(&self.app, site, self.agent.id).await
    }

    async fn take(&mut self, conversation: ConversationId) -> AppResult<()> {
        let site = &self.agent.site;
        let row = match self
            .app
            .store
            .take(site, conversation, self.agent.id)
            .await?
        {
            Ok(row) => row,
            Err(TakeRefusal::NotFound) => {
                return Err(AppError::refused(
                    ErrorCode::ConversationNotFound,
                    "no such conversation",
                ));
            }
            Err(TakeRefusal::AlreadyTaken) => {
                return Err(AppError::refused(
                    ErrorCode::AlreadyTaken,
                    "another agent took this conversation",
                ));
            }
        };
        self.taken(row).await
    }

    /// The visitor who has waited longest, if anyone waits.
    async fn take_next(&mut self) -> AppResult<()> {
        let site = &self.agent.site;
        match self.app.store.take_next(site, self.agent.id).await? {
            Some(row) => self.taken(row).await,
            None => Err(AppError::refused(
                ErrorCode::QueueEmpty,
                "nobody is waiting",
            )),
        }
    }

    /// Tells everyone concerned that this agent took `row`: from the queue, or again to follow
    /// it up (an agent busier, so the queue's estimates change either way).
    async fn taken(&self, row: ConversationRow) -> AppResult<()> {
        tracing::info!(conversation_id = %row.id, agent_id = %self.agent.id, "conversation taken");
        assign::handed(&self.app, self.agent.id, &self.agent.name, row, false).await
    }

    async fn send(
        &mut self,
        conversation: ConversationId,
        id: &ClientMessageId,
        text: &str,
    ) -> AppResult<()> {
        // Most replies are new: an earlier copy is looked for only when this one cannot be
        // stored (refused, or its id taken), saving a query per reply.
        let refusal = match validate_text(text) {
            Ok(text) => match self
                .app
                .store
                .agent_replies(conversation, &self.agent, id, text)
                .await?
            {
                Reply::Stored {
                    conversation,
                    message,
                } => {
                    self.app.metrics.message_stored(Side::Agent);
                    // Whichever server shows it in the visitor's widget notes it as seen,
                    // so it is not e-mailed (see `fanout::deliver`).
                    self.app.fanout.message_stored(&conversation, &message);
                    // Acknowledged once everyone can hear of it (see `Fanout::flushed`).
                    self.app.fanout.flushed().await?;
                    self.outbox.deliver(ServerToAgent::Ack {
                        conversation: conversation.id,
                        id: id.clone(),
                        seq: message.seq,
                    });
                    return Ok(());
                }
                Reply::Refused(refusal) => refusal,
                // A resend, or the same reply raced in from another tab of this console.
                Reply::IdTaken => ProtocolError::new(
                    ErrorCode::DuplicateId,
                    "this message id is taken; send it with a new id",
                ),
            },
            Err(refusal) => refusal,
        };
        // A repeat of a reply stored before (even before the conversation closed) is
        // acknowledged again, not refused.
        if self.acknowledge_repeat(id).await? {
            return Ok(());
        }
        Err(refusal.into())
    }

    /// Acknowledges again a reply stored earlier under `id`; false when there is none.
    async fn acknowledge_repeat(&self, id: &ClientMessageId) -> AppResult<bool> {
        let Some(prior) = self.app.store.prior(id).await? else {
            return Ok(false);
        };
        if !prior.sent_by_agent(self.agent.id) {
            return Err(AppError::refused(
                ErrorCode::DuplicateId,
                "this message id is taken; send it with a new id",
            ));
        }
        fanout::tell_again(&self.app.store, &self.app.fanout, &prior).await?;
        self.outbox.deliver(ServerToAgent::Ack {
            conversation: prior.conversation,
            id: id.clone(),
            seq: prior.seq,
        });
        Ok(true)
    }

    /// Tells the visitor (on whichever server they are) that their agent is typing.
    async fn typing(&self, conversation: ConversationId, typing: bool) -> AppResult<()> {
        let site = &self.agent.site;
        let row = self.app.store.conversation(conversation).await?;
        let row = ensure_held_by(row, site, self.agent.id)?;
        self.app
            .fanout
            .to_visitor(site, row.visitor, &ServerToVisitor::Typing { typing });
        Ok(())
    }

    /// Read receipts: the visitor hears how far the agent has read, once per step forward.
    async fn read(&self, conversation: ConversationId, seq: u32) -> AppResult<()> {
        let site = &self.agent.site;
        let row = self.app.store.conversation(conversation).await?;
        let row = ensure_held_by(row, site, self.agent.id)?;
        if let Some(seq) = self.app.store.mark_read(row.id, seq).await? {
            self.app
                .fanout
                .to_visitor(site, row.visitor, &ServerToVisitor::Read { seq });
        }
        Ok(())
    }

    /// Stores an internal note and tells this agent's consoles, the one that wrote it
    /// included (its acknowledgement). Nothing of it goes towards the visitor.
    async fn note(
        &self,
        conversation: ConversationId,
        id: &ClientMessageId,
        text: &str,
    ) -> AppResult<()> {
        let site = &self.agent.site;
        let text = validate_text(text)?;
        let row = self.app.store.conversation(conversation).await?;
        let held = ensure_held_by(row, site, self.agent.id);
        let added = match held {
            Ok(row) => {
                self.app
                    .store
                    .add_note(row.id, &self.agent, id, text)
                    .await?
            }
            // A note stored before the conversation closed or changed hands is answered
            // again; anything else is refused for the reason `ensure_held_by` gave.
            Err(refusal) => match self.app.store.note_sent_before(id, &self.agent).await? {
                Some(note) => NoteAdded::Repeat(note),
                None => return Err(refusal.into()),
            },
        };
        let note = match added {
            NoteAdded::Stored(note) | NoteAdded::Repeat(note) => note,
            NoteAdded::IdTaken => {
                return Err(AppError::refused(
                    ErrorCode::DuplicateId,
                    "this note id is taken; send it with a new id",
                ));
            }
        };
        self.app.fanout.to_agent(
            site,
            self.agent.id,
            &ServerToAgent::Note { conversation, note },
        );
        Ok(())
    }

    /// Hands a conversation this agent holds to a teammate who is online: they get it with
    /// its history, this agent's consoles let it go, and the visitor hears who answers now.
    async fn transfer(&self, conversation: ConversationId, to: AgentId) -> AppResult<()> {
        let site = &self.agent.site;
        let row = self.app.store.conversation(conversation).await?;
        ensure_held_by(row, site, self.agent.id)?;
        let unavailable = |why: &str| AppError::refused(ErrorCode::AgentUnavailable, why);
        if to == self.agent.id {
            return Err(unavailable("the conversation is yours already"));
        }
        let team = self.app.store.team(site, crate::presence::LASTS_MS).await?;
        let Some(teammate) = team.into_iter().find(|member| member.id == to) else {
            return Err(unavailable("no such agent in this shop"));
        };
        if !teammate.online {
            return Err(unavailable(&format!(
                "{} is not online; only someone online can take it on",
                teammate.name
            )));
        }
        // Held a moment ago, but another tab may have closed or handed it on since.
        let Some(row) = self
            .app
            .store
            .transfer(conversation, self.agent.id, to)
            .await?
        else {
            return Err(AppError::refused(
                ErrorCode::NotYourConversation,
                "this conversation is no longer yours",
            ));
        };
        tracing::info!(conversation_id = %conversation, from = %self.agent.id, to = %to, "conversation transferred");
        let fanout = &self.app.fanout;
        let handed = self.app.store.agent_conversation(&row).await?;
        fanout.to_agent(
            site,
            to,
            &ServerToAgent::Conversation {
                conversation: handed,
                from: Some(self.agent.name.clone()),
                assigned: false,
            },
        );
        fanout.to_agent(
            site,
            self.agent.id,
            &ServerToAgent::Transferred {
                conversation,
                to_name: teammate.name.clone(),
            },
        );
        fanout.to_visitor(
            site,
            row.visitor,
            &ServerToVisitor::Assigned {
                agent_name: teammate.name,
            },
        );
        // This agent has a slot free now.
        assign::waiting(&self.app, site).await;
        Ok(())
    }

    /// Opens the ended `conversation` again for this agent, to follow up (rule 10): the
    /// console gets it as a `conversation`, the visitor hears who answers, and what the agent
    /// writes reaches the widget or, if the visitor is not there, their e-mail.
    async fn follow_up(&self, conversation: ConversationId) -> AppResult<()> {
        let site = &self.agent.site;
        let row = self.app.store.conversation(conversation).await?;
        let row = ensure_of_shop(row, site)?;
        if row.state != ConversationState::Closed {
            return Err(AppError::refused(
                ErrorCode::ConversationOpen,
                "this conversation has not ended: answer it there",
            ));
        }
        let Some(row) = self.app.store.reopen(conversation, self.agent.id).await? else {
            // Ended a moment ago, so: the visitor started another since, or a teammate
            // followed up first.
            return Err(AppError::refused(
                ErrorCode::ConversationClosed,
                "the visitor has a newer conversation, or it was opened again: answer there",
            ));
        };
        tracing::info!(conversation_id = %conversation, agent = %self.agent.id, "following up");
        self.taken(row).await
    }

    /// The agent stepped away or is back: their consoles show it, and the site's visitors
    /// hear whether anyone is there now.
    async fn away(&self, away: bool) -> AppResult<()> {
        let site = &self.agent.site;
        self.app.store.set_away(self.agent.id, away).await?;
        tracing::info!(agent = %self.agent.id, away, "agent away or back");
        self.app
            .fanout
            .to_agent(site, self.agent.id, &ServerToAgent::Away { away });
        self.app.fanout.presence_changed(site);
        if !away {
            assign::waiting(&self.app, site).await;
        }
        Ok(())
    }

    async fn close(&mut self, conversation: ConversationId) -> AppResult<()> {
        let site = &self.agent.site;
        let row = self.app.store.conversation(conversation).await?;
        let row = ensure_held_by(row, site, self.agent.id)?;
        self.app.store.close_conversation(row.id).await?;
        tracing::info!(conversation_id = %conversation, "conversation closed");
        self.app
            .fanout
            .to_visitor(site, row.visitor, &ServerToVisitor::Closed);
        self.app
            .fanout
            .to_agent(site, self.agent.id, &ServerToAgent::Closed { conversation });
        // A slot is free: the visitors still waiting may expect a shorter wait, or be
        // assigned to it.
        self.app.fanout.conversation_ended(site);
        assign::waiting(&self.app, site).await;
        Ok(())
    }
}
