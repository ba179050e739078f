//! The visitor's socket: say hello, get a token and the latest conversation, chat, wait in line.

use axum::Router;
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::response::Response;
use axum::routing::get;
use pronto_protocol::chat::{ConversationState, validate_text};
use pronto_protocol::ids::SiteId;
use pronto_protocol::limits::MAX_TOKEN_CHARS;
use pronto_protocol::visitor::{ServerToVisitor, Shop, VisitorToServer};
use pronto_protocol::{ErrorCode, PROTOCOL_VERSION, ProtocolError};

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::hub::{ConnectionId, Outbox};
use crate::queue;
use crate::socket::{self, Session};
use crate::storage::{VisitorId, Writer};

pub fn router() -> Router<AppState> {
    Router::new().route("/ws/visitor", get(upgrade))
}

async fn upgrade(ws: WebSocketUpgrade, State(app): State<AppState>) -> Response {
    ws.max_message_size(socket::TRANSPORT_MAX_BYTES)
        .on_upgrade(move |ws| {
            let (outbox, outgoing) = socket::outbox();
            let shutdown = app.shutdown.clone();
            let session = VisitorSession {
                app,
                outbox,
                greeted: None,
            };
            socket::run(ws, session, outgoing, shutdown)
        })
}

/// A visitor known from their `hello`.
struct Greeted {
    site: SiteId,
    visitor: VisitorId,
    connection: ConnectionId,
}

struct VisitorSession {
    app: AppState,
    outbox: Outbox<ServerToVisitor>,
    greeted: Option<Greeted>,
}

impl Session for VisitorSession {
    type Incoming = VisitorToServer;
    type Outgoing = ServerToVisitor;

    fn error_frame(error: ProtocolError) -> ServerToVisitor {
        ServerToVisitor::Error(error)
    }

    fn outbox(&self) -> &Outbox<ServerToVisitor> {
        &self.outbox
    }

    async fn on_frame(&mut self, frame: VisitorToServer) -> AppResult<()> {
        match frame {
            VisitorToServer::Hello {
                version,
                site,
                token,
            } => self.hello(version, site, token).await,
            VisitorToServer::Send { text } => self.send(&text).await,
        }
    }

    fn on_leave(&mut self) {
        if let Some(greeted) = &self.greeted {
            self.app
                .hub
                .leave_visitor(greeted.visitor, greeted.connection);
        }
    }
}

impl VisitorSession {
    async fn hello(&mut self, version: u32, site: SiteId, token: Option<String>) -> AppResult<()> {
        if self.greeted.is_some() {
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
        let store = &self.app.store;
        let shop = store
            .site(&site)
            .await?
            .ok_or_else(|| AppError::refused(ErrorCode::UnknownSite, "no such site"))?;
        let known = match token.as_deref() {
            Some(token) if token.len() <= MAX_TOKEN_CHARS => store
                .visitor_by_token(&site, token)
                .await?
                .map(|id| (id, token.to_owned())),
            // An unknown or foreign token is not an error: the visitor simply starts afresh.
            _ => None,
        };
        let (visitor, token) = match known {
            Some(known) => known,
            None => store.create_visitor(&site).await?,
        };
        let latest = store.latest_conversation(visitor).await?;
        let conversation = match &latest {
            Some(row) => Some(store.full_conversation(row).await?),
            None => None,
        };
        // Join before the welcome goes out, so no update between the two can be missed.
        let connection = self.app.hub.join_visitor(visitor, self.outbox.clone());
        self.greeted = Some(Greeted {
            site: site.clone(),
            visitor,
            connection,
        });
        self.outbox.deliver(ServerToVisitor::Welcome {
            token,
            shop: Shop {
                name: shop.name,
                greeting: shop.greeting,
            },
            conversation,
        });
        if latest.is_some_and(|row| row.state == ConversationState::Waiting) {
            queue::announce(&self.app, &site).await?;
        }
        Ok(())
    }

    async fn send(&mut self, text: &str) -> AppResult<()> {
        let Some(greeted) = &self.greeted else {
            return Err(AppError::refused(
                ErrorCode::HelloRequired,
                "send hello first",
            ));
        };
        let text = validate_text(text)?;
        let store = &self.app.store;
        let open = store
            .latest_conversation(greeted.visitor)
            .await?
            .filter(|row| row.state != ConversationState::Closed);
        let (conversation, started) = match open {
            Some(row) => (row, false),
            None => (
                store
                    .start_conversation(&greeted.site, greeted.visitor)
                    .await?,
                true,
            ),
        };
        let message = store
            .append_message(conversation.id, Writer::Visitor, text)
            .await?;
        tracing::debug!(conversation_id = %conversation.id, seq = message.seq, "visitor wrote");
        self.app.hub.to_visitor(
            greeted.visitor,
            ServerToVisitor::Message {
                message: message.clone(),
            },
        );
        if let Some(agent) = conversation.agent {
            self.app.hub.to_agent(
                &greeted.site,
                agent,
                pronto_protocol::agent::ServerToAgent::Message {
                    conversation: conversation.id,
                    message,
                },
            );
        }
        if started {
            queue::announce(&self.app, &greeted.site).await?;
        }
        Ok(())
    }
}
