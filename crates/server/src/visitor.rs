//! The visitor's socket: say hello, get a token and the latest conversation, chat, wait in line.

use axum::Router;
use std::net::SocketAddr;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use axum::routing::get;
use pronto_protocol::agent::ServerToAgent;
use pronto_protocol::chat::{Author, ChatMessage, ConversationState, validate_text};
use pronto_protocol::ids::ConversationId;
use pronto_protocol::ids::{ClientMessageId, SiteId};
use pronto_protocol::limits::{MAX_CONVERSATIONS_PER_HOUR, MAX_TOKEN_CHARS, MAX_USER_ID_CHARS};
use pronto_protocol::visitor::{
    Profile, Resume, ServerToVisitor, Shop, VisitorToServer, rating_comment,
};
use pronto_protocol::{ErrorCode, PROTOCOL_VERSION, ProtocolError};

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::hub::{ConnectionId, Outbox};
use crate::operations::Side;
use crate::reply_time::ReplyOutlook;
use crate::socket::{self, Session};
use crate::storage::{ConversationRow, Site, VisitorId, VisitorSaid, VisitorSent};
use crate::{fanout, locale, origin, presence, shop_page, token};

pub fn router() -> Router<AppState> {
    Router::new().route("/ws/visitor", get(upgrade))
}

async fn upgrade(
    ws: WebSocketUpgrade,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    State(app): State<AppState>,
) -> Response {
    // Which sites this page may chat for is only known at `hello`; remember where it is.
    let origin = origin::of(&headers);
    let said = VisitorSaid {
        locale: headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .and_then(locale::from_accept_language),
        lang: locale::widget_lang(query.as_deref()).map(|lang| lang.code().to_owned()),
        page: shop_page::from_query(query.as_deref(), origin),
    };
    let page = Page {
        origin: origin.map(str::to_owned),
        same_site: origin::is_same_site(&headers),
        said,
    };
    socket::accept(app, peer, ws, move |app, outbox| VisitorSession {
        app,
        outbox,
        page,
        greeted: None,
    })
}

/// A visitor known from their `hello`.
struct Greeted {
    site: SiteId,
    visitor: VisitorId,
    connection: ConnectionId,
}

/// Who a welcome is for: the visitor, the token to give them, and the address the shop has.
struct Guest {
    visitor: VisitorId,
    token: String,
    email: Option<String>,
}

/// What a welcome told the visitor about their latest conversation.
struct Told {
    conversation: ConversationId,
    state: ConversationState,
    last_seq: u32,
    /// The newest agent's reply it showed that the widget did not have.
    newest_reply: Option<u32>,
}

/// The page that opened the socket.
struct Page {
    origin: Option<String>,
    same_site: bool,
    /// The visitor's languages, the widget's, and the page's address.
    said: VisitorSaid,
}

impl Page {
    fn may_chat_for(&self, site: &Site) -> bool {
        match &self.origin {
            Some(origin) => self.same_site || origin::is_listed(origin, &site.allowed_origins),
            None => true,
        }
    }
}

struct VisitorSession {
    app: AppState,
    outbox: Outbox<ServerToVisitor>,
    page: Page,
    greeted: Option<Greeted>,
}

impl Session for VisitorSession {
    const SIDE: Side = Side::Visitor;
    type Incoming = VisitorToServer;
    type Outgoing = ServerToVisitor;

    fn error_frame(error: ProtocolError) -> ServerToVisitor {
        ServerToVisitor::Error(error)
    }

    fn refusal(frame: VisitorToServer, error: ProtocolError) -> ServerToVisitor {
        match frame {
            VisitorToServer::Send { id, .. } => ServerToVisitor::Rejected { id, error },
            _ => ServerToVisitor::Error(error),
        }
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
                resume,
            } => self.hello(version, site, token, resume).await,
            VisitorToServer::Identify { user_id, signature } => {
                self.identify(&user_id, &signature).await
            }
            VisitorToServer::Send { id, text } => {
                // Whatever goes wrong, the widget learns which message was not stored.
                if let Err(error) = self.send(&id, &text).await {
                    let error = error.to_client();
                    self.outbox.deliver(ServerToVisitor::Rejected { id, error });
                }
                Ok(())
            }
            VisitorToServer::Typing { typing } => self.typing(typing).await,
            VisitorToServer::Profile { name, email } => {
                self.profile(name.as_deref(), email.as_deref()).await
            }
            VisitorToServer::Rate { good, comment } => self.rate(good, comment.as_deref()).await,
            VisitorToServer::AnswerHelped { answer, helped } => {
                self.answer_helped(answer, helped).await
            }
        }
    }

    fn on_leave(&mut self) {
        if let Some(greeted) = &self.greeted {
            self.app
                .hub
                .leave_visitor(&greeted.site, greeted.visitor, greeted.connection);
            self.app.fanout.forget(&greeted.site);
        }
    }
}

impl VisitorSession {
    async fn hello(
        &mut self,
        version: u32,
        site: SiteId,
        token: Option<String>,
        resume: Option<Resume>,
    ) -> AppResult<()> {
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
        if !self.page.may_chat_for(&shop) {
            tracing::warn!(site = %site, origin = ?self.page.origin, "visitor socket from an origin the site does not allow");
            self.outbox
                .deliver_and_close(ServerToVisitor::Error(ProtocolError::new(
                    ErrorCode::OriginNotAllowed,
                    "this site does not allow its chat on this page",
                )));
            return Ok(());
        }
        let known = match token.as_deref() {
            Some(token) if token.len() <= MAX_TOKEN_CHARS => {
                match self.app.tokens.verify(&site, token) {
                    Some(visitor) => match store.returning_visitor(&site, visitor).await? {
                        Some((email, before)) => {
                            // Written only when the browser or widget says something new.
                            if let Some(news) = self.page.said.news_since(&before)
                                && let Err(error) = store.set_visitor_said(visitor, &news).await
                            {
                                // Only the languages or page are older: greet them all the same.
                                tracing::warn!(%error, "could not keep what the visitor's browser said");
                            }
                            Some(Guest {
                                visitor,
                                token: token.to_owned(),
                                email,
                            })
                        }
                        None => None,
                    },
                    None => None,
                }
            }
            // A forged, foreign or unknown token is not an error: the visitor starts afresh.
            _ => None,
        };
        let guest = match known {
            Some(known) => known,
            None => {
                let tokens = &self.app.tokens;
                let (visitor, token) = store
                    .create_visitor(&site, &self.page.said, |visitor| {
                        tokens.issue(&site, visitor)
                    })
                    .await?;
                // Nobody has told the shop a new visitor's address yet.
                Guest {
                    visitor,
                    token,
                    email: None,
                }
            }
        };
        let visitor = guest.visitor;
        let online = presence::online(&self.app, &site).await?;
        let outlook = ReplyOutlook::of(store, &self.app.reply_times, &shop).await?;
        let (welcome, told) = self
            .welcome(shop.clone(), online, outlook, guest, resume)
            .await?;
        self.app.fanout.listen(&site).await?;
        let connection = self
            .app
            .hub
            .join_visitor(&site, visitor, self.outbox.clone());
        // Someone to tell when the shop opens or closes by its hours.
        self.app.announcer.watch(&site);
        self.greeted = Some(Greeted {
            site: site.clone(),
            visitor,
            connection,
        });
        self.outbox.deliver(welcome);
        // An agent who came or went, or an opening or closing, before this socket joined the
        // hub was not told here.
        let online_now = presence::online(&self.app, &site).await?;
        let outlook_now = ReplyOutlook::of(store, &self.app.reply_times, &shop).await?;
        if (online_now, outlook_now.opens_at_ms) != (online, outlook.opens_at_ms) {
            self.outbox.deliver(ServerToVisitor::Availability {
                online: online_now,
                typical_reply_secs: outlook_now.typical_reply_secs,
                opens_at_ms: outlook_now.opens_at_ms,
            });
        }
        self.catch_up(&site, visitor, told).await
    }

    /// Sends what changed between reading the welcome and joining the hub (a reply, the
    /// agent taking the chat), which the hub could not deliver yet; repeats are harmless, as
    /// clients keep each message number once. A waiting visitor is told their place.
    async fn catch_up(
        &self,
        site: &SiteId,
        visitor: VisitorId,
        told: Option<Told>,
    ) -> AppResult<()> {
        let store = &self.app.store;
        let Some(latest) = store.latest_conversation(visitor).await? else {
            return Ok(());
        };
        let told = told.filter(|told| told.conversation == latest.id);
        let after = told.as_ref().map_or(0, |told| told.last_seq);
        let missed = store.messages_after(latest.id, after).await?;
        let shown = newest_reply(&missed).or(told.as_ref().and_then(|told| told.newest_reply));
        for message in missed {
            self.outbox.deliver(ServerToVisitor::Message { message });
        }
        // Replies they had been sent by e-mail, or would have been: now on screen.
        if let Some(seq) = shown
            && self.app.mailing()
            && let Err(error) = store.seen_up_to(latest.id, seq).await
        {
            // At worst they are e-mailed a reply they saw.
            tracing::warn!(%error, "could not note the replies shown as seen");
        }
        let known_state = told.map(|told| told.state);
        if known_state.as_ref() != Some(&latest.state) {
            match &latest.state {
                ConversationState::Active { agent_name } => {
                    self.outbox.deliver(ServerToVisitor::Assigned {
                        agent_name: agent_name.clone(),
                    });
                }
                ConversationState::Closed => self.outbox.deliver(ServerToVisitor::Closed),
                ConversationState::Waiting => {}
            }
        }
        if latest.state == ConversationState::Waiting {
            self.app.announcer.retell(site, visitor);
        }
        Ok(())
    }

    /// The visitor's welcome: their token and latest conversation (only what they missed,
    /// when `resume` names it); and what it tells of that conversation.
    async fn welcome(
        &self,
        shop: Site,
        online: bool,
        outlook: ReplyOutlook,
        guest: Guest,
        resume: Option<Resume>,
    ) -> AppResult<(ServerToVisitor, Option<Told>)> {
        let Guest {
            visitor,
            token,
            email,
        } = guest;
        let store = &self.app.store;
        let latest = store.latest_conversation(visitor).await?;
        let mut resumed = false;
        let conversation = match &latest {
            Some(row) => {
                let last_seq = match resume {
                    Some(resume) if resume.conversation == row.id => {
                        resumed = true;
                        resume.last_seq
                    }
                    _ => 0,
                };
                Some(store.conversation_since(row, last_seq).await?)
            }
            None => None,
        };
        let told = conversation.as_ref().map(|c| Told {
            conversation: c.id,
            state: c.state.clone(),
            last_seq: c
                .messages
                .iter()
                .map(|m| m.seq)
                .chain(resume.filter(|_| resumed).map(|r| r.last_seq))
                .max()
                .unwrap_or(0),
            newest_reply: newest_reply(&c.messages),
        });
        let answers = store.quick_answers(&shop.id).await?;
        let welcome = ServerToVisitor::Welcome {
            token,
            shop: Shop {
                name: shop.name,
                greeting: shop.greeting,
                online,
                typical_reply_secs: outlook.typical_reply_secs,
                opens_at_ms: outlook.opens_at_ms,
                ask_email_after_secs: shop.ask_email_after_secs,
                answers,
            },
            conversation,
            resumed,
            email,
        };
        Ok((welcome, told))
    }

    /// Tells the agent holding the visitor's conversation (on whichever server) that the
    /// visitor is typing. Nobody holds a waiting conversation, so then it goes nowhere.
    async fn typing(&self, typing: bool) -> AppResult<()> {
        let greeted = self.greeted()?;
        let latest = self.app.store.latest_conversation(greeted.visitor).await?;
        if let Some(row) = latest
            && matches!(row.state, ConversationState::Active { .. })
            && let Some(agent) = row.agent
        {
            self.app.fanout.to_agent(
                &greeted.site,
                agent,
                &ServerToAgent::Typing {
                    conversation: row.id,
                    typing,
                },
            );
        }
        Ok(())
    }

    /// Keeps the name and e-mail address the page gave, and shows them to the agents: in the
    /// queue while the visitor waits, to the agent holding their conversation after that.
    /// Nothing is kept when either is invalid.
    async fn profile(&self, name: Option<&str>, email: Option<&str>) -> AppResult<()> {
        let greeted = self.greeted()?;
        let (name, email) = Profile::check(name, email)?;
        let store = &self.app.store;
        store
            .set_visitor_profile(greeted.visitor, name.as_deref(), email.as_deref())
            .await?;
        let Some(latest) = store.latest_conversation(greeted.visitor).await? else {
            return Ok(());
        };
        match (&latest.state, latest.agent) {
            (ConversationState::Waiting, _) => self.app.fanout.queue_changed(&greeted.site),
            (ConversationState::Active { .. }, Some(agent)) => {
                let (visitor, visitor_email) = store.visitor_card(greeted.visitor).await?;
                self.app.fanout.to_agent(
                    &greeted.site,
                    agent,
                    &ServerToAgent::Visitor {
                        conversation: latest.id,
                        visitor,
                        visitor_email,
                    },
                );
            }
            _ => {}
        }
        Ok(())
    }

    /// Keeps the visitor's rating of their latest conversation, once it has ended.
    async fn rate(&self, good: bool, comment: Option<&str>) -> AppResult<()> {
        let greeted = self.greeted()?;
        let comment = rating_comment(comment)?;
        let store = &self.app.store;
        let latest = store
            .latest_conversation(greeted.visitor)
            .await?
            .ok_or_else(|| {
                AppError::refused(ErrorCode::ConversationNotFound, "no conversation to rate")
            })?;
        if latest.state != ConversationState::Closed {
            return Err(AppError::refused(
                ErrorCode::ConversationOpen,
                "a conversation is rated once it has ended",
            ));
        }
        store.rate(latest.id, good, comment.as_deref()).await?;
        tracing::info!(conversation_id = %latest.id, good, "visitor rated the conversation");
        Ok(())
    }

    /// Counts whether one of the shop's quick answers solved the visitor's question.
    async fn answer_helped(&self, answer: u32, helped: bool) -> AppResult<()> {
        let greeted = self.greeted()?;
        if !self
            .app
            .store
            .answer_used(&greeted.site, answer, helped)
            .await?
        {
            return Err(AppError::refused(
                ErrorCode::AnswerNotFound,
                "the shop has no such quick answer",
            ));
        }
        Ok(())
    }

    /// The greeted socket's visitor, or `hello_required`.
    fn greeted(&self) -> AppResult<&Greeted> {
        self.greeted
            .as_ref()
            .ok_or_else(|| AppError::refused(ErrorCode::HelloRequired, "send hello first"))
    }

    /// Identity verification: joins this visitor with the shop's customer on other devices.
    async fn identify(&mut self, user_id: &str, signature: &str) -> AppResult<()> {
        let greeted = self.greeted()?;
        let rejected = || {
            AppError::refused(
                ErrorCode::IdentityRejected,
                "this customer id is not signed by the shop",
            )
        };
        if user_id.is_empty() || user_id.chars().count() > MAX_USER_ID_CHARS {
            return Err(rejected());
        }
        let store = &self.app.store;
        let secret = store
            .identity_secret(&greeted.site)
            .await?
            .ok_or_else(rejected)?;
        if !token::is_signed(&secret, user_id, signature) {
            tracing::warn!(site = %greeted.site, "identify with a bad signature");
            return Err(rejected());
        }
        let site = greeted.site.clone();
        let before = greeted.visitor;
        let visitor = store.identify(&site, before, user_id).await?;
        if visitor != before {
            self.app
                .hub
                .leave_visitor(&site, before, greeted.connection);
            let connection = self
                .app
                .hub
                .join_visitor(&site, visitor, self.outbox.clone());
            self.greeted = Some(Greeted {
                site: site.clone(),
                visitor,
                connection,
            });
        }
        // The joined history, as on a first visit.
        let shop = store
            .site(&site)
            .await?
            .ok_or_else(|| AppError::refused(ErrorCode::UnknownSite, "no such site"))?;
        let guest = Guest {
            visitor,
            token: self.app.tokens.issue(&site, visitor),
            email: store.visitor_card(visitor).await?.1,
        };
        let online = presence::online(&self.app, &site).await?;
        let outlook = ReplyOutlook::of(store, &self.app.reply_times, &shop).await?;
        let (welcome, told) = self.welcome(shop, online, outlook, guest, None).await?;
        self.outbox.deliver(welcome);
        self.catch_up(&site, visitor, told).await
    }

    async fn send(&mut self, id: &ClientMessageId, text: &str) -> AppResult<()> {
        let greeted = self.greeted()?;
        let text = validate_text(text)?;
        let sent = self
            .app
            .store
            .visitor_sends(&greeted.site, greeted.visitor, id, text)
            .await?;
        let (conversation, message, started) = match sent {
            VisitorSent::Stored {
                conversation,
                message,
                started,
            } => (conversation, message, started),
            VisitorSent::Repeat(prior) => {
                // Stored before, and the acknowledgement was lost on the way.
                fanout::tell_again(&self.app.store, &self.app.fanout, &prior).await?;
                self.outbox.deliver(ServerToVisitor::Ack {
                    id: id.clone(),
                    seq: prior.seq,
                });
                return Ok(());
            }
            VisitorSent::TooManyConversations => return Err(too_many_conversations()),
            VisitorSent::ForeignId => {
                return Err(AppError::refused(
                    ErrorCode::DuplicateId,
                    "this message id is taken; send it with a new id",
                ));
            }
        };
        tracing::debug!(conversation_id = %conversation.id, seq = message.seq, "visitor wrote");
        // Acknowledged once everyone can hear of it.
        announce(&self.app, &conversation, &message, started).await?;
        self.outbox.deliver(ServerToVisitor::Ack {
            id: id.clone(),
            seq: message.seq,
        });
        Ok(())
    }
}

/// Tells everyone concerned of a visitor's message just stored (from the widget or by
/// e-mail, `inbound`): the agent, the visitor's other tabs, and the queue if it started a
/// conversation; returns once they all can hear of it (see `Fanout::flushed`).
pub async fn announce(
    app: &AppState,
    conversation: &ConversationRow,
    message: &ChatMessage,
    started: bool,
) -> AppResult<()> {
    app.metrics.message_stored(Side::Visitor);
    let fanout = &app.fanout;
    fanout.message_stored(conversation, message);
    if started {
        fanout.visitor_joined(&conversation.site, conversation.visitor);
    }
    if started {
        // Not awaited: the visitor's acknowledgement does not wait on finding an agent. Nor
        // after the flush below, which may fail once the conversation is stored.
        let (app, site) = (app.clone(), conversation.site.clone());
        tokio::spawn(async move { crate::assign::waiting(&app, &site).await });
    }
    fanout.flushed().await?;
    Ok(())
}

/// Why a visitor's message that would start one more conversation this hour is refused.
pub fn too_many_conversations() -> AppError {
    AppError::refused(
        ErrorCode::TooManyConversations,
        format!("at most {MAX_CONVERSATIONS_PER_HOUR} new conversations an hour"),
    )
}

/// The number of the newest agent's reply among `messages`.
fn newest_reply(messages: &[ChatMessage]) -> Option<u32> {
    messages
        .iter()
        .filter(|m| matches!(m.author, Author::Agent { .. }))
        .map(|m| m.seq)
        .max()
}
