//! Everything Pronto remembers — shops, agents, visitors, conversations, messages — in SQLite
//! (one server) or PostgreSQL (several servers sharing one database).
//!
//! The database is the truth; the hub only tells connected people what changed. Both engines
//! are reached through sqlx's `Any` driver with the same queries (`$1` parameters work in
//! both); what differs is in [`dialect`].

mod answers;
mod dialect;
mod follow_ups;
mod mail;
mod notes;
mod reports;
mod team;
mod visitors;

pub use answers::AnswerUse;
pub use dialect::Dialect;
pub use mail::Unseen;
pub use notes::NoteAdded;
pub use reports::Served;
pub use team::AgentChangeRefusal;
pub use visitors::VisitorSaid;

use pronto_protocol::agent::{AgentConversation, AgentProfile, QueueEntry, Role};
use pronto_protocol::chat::{Author, ChatMessage, Conversation, ConversationState};
use pronto_protocol::dashboard::{DEFAULT_EMAIL_REPLY_TARGET_SECS, DEFAULT_REPLY_TARGET_SECS};
use pronto_protocol::ids::{AgentId, ClientMessageId, ConversationId, SiteId};
use pronto_protocol::limits::MAX_CONVERSATIONS_PER_HOUR;
use pronto_protocol::limits::QUEUE_VIEW_ENTRIES;
use pronto_protocol::visitor::DEFAULT_ASK_EMAIL_AFTER_SECS;
use pronto_protocol::{ErrorCode, ProtocolError};
use rand::RngCore;
use sqlx::AnyConnection;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};
use std::sync::Arc;

use crate::clock::now_ms;

/// How much of a waiting visitor's first message the queue shows; agents read the rest once
/// they take the chat, and every queue change goes to every agent, so it stays small.
pub const QUEUE_PREVIEW_CHARS: i64 = 280;

/// How long an agent stays signed in without signing in again: thirty days.
pub const SESSION_LIFETIME_MS: i64 = 30 * 24 * 3600 * 1000;

/// A visitor's row id; never sent to clients (they hold a token instead).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VisitorId(pub i64);

/// A shop as the widget introduces it.
#[derive(Clone, Debug)]
pub struct Site {
    pub id: SiteId,
    pub name: String,
    pub greeting: String,
    /// Storefront origins that may open visitor sockets (see `origin::is_listed`).
    pub allowed_origins: String,
    /// The shop's opening hours as stored (JSON of `agent::OpeningHours`, see
    /// `hours::schedule_of`); `None`: always open.
    pub opening_hours: Option<String>,
    /// After this long in line the widget offers to reply by e-mail.
    pub ask_email_after_secs: u32,
    /// The dashboard's targets for a live chat's first reply and for one that went by e-mail.
    pub reply_target_secs: u32,
    pub email_reply_target_secs: u32,
    /// The widget's look as the owner chose it for the script tag (`#rrggbb`, `right` or
    /// `left`, `es`/`en`/`pt`); `None`: the widget's default. Checked by `settings`.
    pub widget_accent: Option<String>,
    pub widget_position: Option<String>,
    pub widget_lang: Option<String>,
}

/// A change of the shop's settings, checked: `None` keeps what is stored.
pub struct SiteChange<'a> {
    pub name: Option<&'a str>,
    pub greeting: Option<&'a str>,
    /// Space-separated, as stored.
    pub allowed_origins: Option<&'a str>,
    /// `Some(None)` removes the opening hours, `Some(Some(json))` sets them.
    pub opening_hours: Option<Option<&'a str>>,
    pub ask_email_after_secs: Option<u32>,
    pub reply_target_secs: Option<u32>,
    pub email_reply_target_secs: Option<u32>,
    /// `Some(None)` goes back to the widget's default, as `opening_hours` does.
    pub widget_accent: Option<Option<&'a str>>,
    pub widget_position: Option<&'a str>,
    pub widget_lang: Option<Option<&'a str>>,
}

/// An agent's account, as sign-in needs it.
#[derive(Clone, Debug)]
pub struct Agent {
    pub id: AgentId,
    pub role: Role,
    pub site: SiteId,
    pub email: String,
    pub name: String,
    pub shop_name: String,
    pub password_hash: String,
}

impl Agent {
    pub fn profile(&self) -> AgentProfile {
        AgentProfile {
            id: self.id,
            name: self.name.clone(),
            email: self.email.clone(),
            site: self.site.to_string(),
            shop_name: self.shop_name.clone(),
            role: self.role,
        }
    }
}

/// One conversation's header row.
#[derive(Clone, Debug)]
pub struct ConversationRow {
    pub id: ConversationId,
    pub site: SiteId,
    pub visitor: VisitorId,
    pub state: ConversationState,
    pub agent: Option<AgentId>,
    pub created_ms: i64,
}

/// Who is writing a new message.
#[derive(Clone, Copy, Debug)]
pub enum Writer<'a> {
    Visitor,
    Agent { id: AgentId, name: &'a str },
}

impl Writer<'_> {
    /// The `author` and `agent_id` columns of the writer's messages.
    fn columns(self) -> (&'static str, Option<i64>) {
        match self {
            Writer::Visitor => ("visitor", None),
            Writer::Agent { id, .. } => ("agent", Some(id.0)),
        }
    }

    /// The message as stored under number `seq`.
    fn message(
        self,
        seq: i64,
        id: Option<&ClientMessageId>,
        text: &str,
        sent_at_ms: i64,
    ) -> ChatMessage {
        ChatMessage {
            seq: u32::try_from(seq).unwrap_or(u32::MAX),
            client_id: id.cloned(),
            author: match self {
                Writer::Visitor => Author::Visitor,
                Writer::Agent { name, .. } => Author::Agent {
                    name: name.to_owned(),
                },
            },
            text: text.to_owned(),
            sent_at_ms,
        }
    }
}

/// A message stored earlier under a client id, and who sent it.
#[derive(Clone, Debug)]
pub struct Prior {
    pub conversation: ConversationId,
    pub seq: u32,
    author: String,
    agent: Option<i64>,
    visitor: i64,
}

impl Prior {
    pub fn sent_by_visitor(&self, visitor: VisitorId) -> bool {
        self.author == "visitor" && self.visitor == visitor.0
    }

    pub fn sent_by_agent(&self, agent: AgentId) -> bool {
        self.author == "agent" && self.agent == Some(agent.0)
    }
}

/// What became of a message a visitor sent.
#[derive(Debug)]
pub enum VisitorSent {
    /// Stored now, in `conversation`; `started` when this message opened it.
    Stored {
        conversation: ConversationRow,
        message: ChatMessage,
        started: bool,
    },
    /// Stored earlier under the same id: acknowledge again, store nothing.
    Repeat(Prior),
    /// Someone else's message has this id.
    ForeignId,
    /// It would open one conversation too many this hour.
    TooManyConversations,
}

/// What became of an agent's reply.
#[derive(Debug)]
pub enum Reply {
    Stored {
        conversation: ConversationRow,
        message: ChatMessage,
    },
    /// Not stored, and why (not this agent's, closed, no such conversation).
    Refused(ProtocolError),
    /// A message with this id is stored already (a resend, or someone else's id).
    IdTaken,
}

/// When a conversation began, was taken by an agent and ended, as the wait estimate learns
/// them (milliseconds since the Unix epoch, as stored).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConversationTimes {
    pub id: ConversationId,
    /// When the visitor's first message put it in the queue.
    pub created_ms: i64,
    /// When an agent took it; `None` while it waits, and for one that ended without an agent.
    pub taken_ms: Option<i64>,
    /// When it ended; `None` while it is open.
    pub closed_ms: Option<i64>,
}

impl ConversationTimes {
    /// Still in the queue: neither taken nor ended.
    pub fn is_waiting(&self) -> bool {
        self.taken_ms.is_none() && self.closed_ms.is_none()
    }
}

/// An open conversation and whose it is.
#[derive(Clone, Copy, Debug)]
pub struct OpenConversation {
    pub visitor: VisitorId,
    pub times: ConversationTimes,
}

/// The columns [`conversation_times`] reads, in its order.
const TIMES_COLUMNS: &str = "id, state, created_ms, taken_ms, closed_ms";
type TimesRow = (i64, String, i64, Option<i64>, Option<i64>);
/// The visitor's id, then the columns of a [`TimesRow`].
type OpenRow = (i64, i64, String, i64, Option<i64>, Option<i64>);

fn conversation_times((id, state, created_ms, taken_ms, closed_ms): TimesRow) -> ConversationTimes {
    // The state is the truth; the time columns only say when.
    let (taken_ms, closed_ms) = match state.as_str() {
        "waiting" => (None, None),
        "active" => (Some(taken_ms.unwrap_or(created_ms)), None),
        _ => (taken_ms, Some(closed_ms.unwrap_or(created_ms))),
    };
    ConversationTimes {
        id: ConversationId(id),
        created_ms,
        taken_ms,
        closed_ms,
    }
}

/// Why an agent's `take` did not happen.
#[derive(Debug, PartialEq, Eq)]
pub enum TakeRefusal {
    NotFound,
    AlreadyTaken,
}

/// Site ids as stored; they were parsed before they were written.
fn parsed_sites(sites: Vec<String>) -> Vec<SiteId> {
    sites
        .iter()
        .filter_map(|site| SiteId::parse(site).ok())
        .collect()
}

/// How agents refer to a visitor: by the name the page gave, or "Visitor 12" until then.
pub fn visitor_label(visitor: VisitorId, name: Option<String>) -> String {
    name.unwrap_or_else(|| format!("Visitor {}", visitor.0))
}

/// The head of a site's queue as agents see it, and how many wait in all.
#[derive(Clone, Debug, Default)]
pub struct QueueView {
    pub total: u32,
    pub entries: Vec<QueueEntry>,
}

/// A cheap-to-clone handle on the database pool.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
    /// SQLite has one writer at a time, and a writer that finds the file locked sleeps in
    /// SQLite's busy handler for a millisecond or more: under load, writers of this process
    /// queue here instead, in order, and never meet the lock. (PostgreSQL: none.)
    writer: Option<Arc<tokio::sync::Mutex<()>>>,
}

/// A writing transaction, holding this process's turn to write while it lasts.
struct Writing {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Writing {
    async fn commit(self) -> sqlx::Result<()> {
        self.tx.commit().await
    }

    /// Ends a transaction that changed nothing before this process's turn to write is given
    /// up (dropping it would roll back only after, and the next writer would find SQLite
    /// still locked).
    async fn rollback(self) -> sqlx::Result<()> {
        self.tx.rollback().await
    }
}

type Row = (i64, String, i64, String, Option<i64>, Option<String>, i64);
/// A conversation's header (as [`Row`]) and the number of the message just stored in it.
type RowAndSeq = (
    i64,
    String,
    i64,
    String,
    Option<i64>,
    Option<String>,
    i64,
    i64,
);
/// A conversation and the agent holding it, as `c` and `a`.
macro_rules! conversation_tables {
    () => {
        "conversations c LEFT JOIN agents a ON a.id = c.agent_id"
    };
}
const CONVERSATION_TABLES: &str = conversation_tables!();
const CONVERSATION_COLUMNS: &str = concat!(
    "c.id, c.site_id, c.visitor_id, c.state, c.agent_id, a.name, c.created_ms FROM ",
    conversation_tables!()
);

fn conversation_row(
    (id, site, visitor, state, agent, agent_name, created_ms): Row,
) -> ConversationRow {
    let state = match state.as_str() {
        "waiting" => ConversationState::Waiting,
        "active" => ConversationState::Active {
            agent_name: agent_name.unwrap_or_default(),
        },
        _ => ConversationState::Closed,
    };
    ConversationRow {
        id: ConversationId(id),
        // Stored ids were parsed before they were written.
        site: SiteId::parse(&site).expect("stored site ids are valid"),
        visitor: VisitorId(visitor),
        state,
        agent: agent.map(AgentId),
        created_ms,
    }
}

/// An account's role as stored (`owner` or `agent`).
/// A role as stored.
fn role_name(role: Role) -> &'static str {
    match role {
        Role::Owner => "owner",
        Role::Agent => "agent",
    }
}

fn role_of(stored: &str) -> Role {
    if stored == "owner" {
        Role::Owner
    } else {
        Role::Agent
    }
}

/// 128 random bits, hex-encoded: visitor tokens and agent session ids.
pub fn random_token() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    /// Opens (creating if missing) the database and brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let dialect = Dialect::of(url)?;
        let mut options = AnyPoolOptions::new()
            .max_connections(dialect.pool_size())
            // A health check before every query would double the round trips to the
            // database; a broken connection shows itself on use and is replaced then.
            .test_before_acquire(false);
        if let Some(setup) = dialect.on_connect() {
            options = options.after_connect(move |conn, _| {
                Box::pin(async move {
                    conn.execute(setup).await?;
                    Ok(())
                })
            });
        }
        let pool = options.connect(&dialect.connect_url(url)).await?;
        dialect.migrations().run(&pool).await?;
        if dialect == Dialect::Sqlite {
            tokio::spawn(checkpoint_while_open(pool.clone()));
        }
        let writer = (dialect == Dialect::Sqlite).then(Arc::default);
        Ok(Self {
            pool,
            dialect,
            writer,
        })
    }

    /// Starts a transaction that will write (see [`Dialect::begin_write`]).
    async fn begin_write(&self) -> sqlx::Result<Writing> {
        let turn = self.write_turn().await;
        let tx = self.pool.begin_with(self.dialect.begin_write()).await?;
        Ok(Writing { tx, _turn: turn })
    }

    /// SQLite: [`insert_numbered`] under this process's turn to write.
    async fn insert_numbered(
        &self,
        into: Target<'_>,
        writer: Writer<'_>,
        id: &ClientMessageId,
        text: &str,
    ) -> sqlx::Result<Option<(ConversationRow, ChatMessage)>> {
        let _turn = self.write_turn().await;
        let mut conn = self.pool.acquire().await?;
        insert_numbered(&mut conn, into, writer, Some(id), text).await
    }

    /// This process's turn to write (SQLite), held while one statement or transaction writes.
    async fn write_turn(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match &self.writer {
            Some(writer) => Some(writer.clone().lock_owned().await),
            None => None,
        }
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    // --- shops and agents -------------------------------------------------------------

    pub async fn create_site(&self, id: &SiteId, name: &str, greeting: &str) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO sites (id, name, greeting, created_ms) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(id.as_str())
        .bind(name)
        .bind(greeting)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn site(&self, id: &SiteId) -> sqlx::Result<Option<Site>> {
        type SiteRow = (
            String,
            String,
            String,
            Option<String>,
            Option<i64>,
            Option<i64>,
            Option<i64>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let row: Option<SiteRow> = sqlx::query_as(
            "SELECT name, greeting, allowed_origins, opening_hours, ask_email_after_secs, \
                    reply_target_secs, email_reply_target_secs, widget_accent, \
                    widget_position, widget_lang \
             FROM sites WHERE id = $1",
        )
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let secs = |stored: Option<i64>, default: u32| {
            stored
                .and_then(|s| u32::try_from(s).ok())
                .unwrap_or(default)
        };
        Ok(row.map(
            |(
                name,
                greeting,
                allowed_origins,
                opening_hours,
                ask_email,
                target,
                email_target,
                widget_accent,
                widget_position,
                widget_lang,
            )| Site {
                id: id.clone(),
                name,
                greeting,
                allowed_origins,
                opening_hours,
                ask_email_after_secs: secs(ask_email, DEFAULT_ASK_EMAIL_AFTER_SECS),
                reply_target_secs: secs(target, DEFAULT_REPLY_TARGET_SECS),
                email_reply_target_secs: secs(email_target, DEFAULT_EMAIL_REPLY_TARGET_SECS),
                widget_accent,
                widget_position,
                widget_lang,
            },
        ))
    }

    pub async fn set_allowed_origins(&self, id: &SiteId, origins: &str) -> sqlx::Result<()> {
        sqlx::query("UPDATE sites SET allowed_origins = $1 WHERE id = $2")
            .bind(origins)
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Adds an agent unless one with that e-mail exists (then `None`). `password_hash` is an
    /// argon2 PHC string.
    pub async fn create_agent(
        &self,
        site: &SiteId,
        email: &str,
        name: &str,
        role: Role,
        password_hash: &str,
    ) -> sqlx::Result<Option<AgentId>> {
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO agents (site_id, email, name, role, password_hash, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (email) DO NOTHING RETURNING id",
        )
        .bind(site.as_str())
        .bind(email)
        .bind(name)
        .bind(role_name(role))
        .bind(password_hash)
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?;
        Ok(id.map(AgentId))
    }

    const AGENT_COLUMNS: &str = "a.id, a.site_id, a.email, a.name, s.name, a.password_hash, a.role \
         FROM agents a JOIN sites s ON s.id = a.site_id";

    fn agent((id, site, email, name, shop_name, password_hash, role): AgentRow) -> Agent {
        Agent {
            id: AgentId(id),
            role: role_of(&role),
            site: SiteId::parse(&site).expect("stored site ids are valid"),
            email,
            name,
            shop_name,
            password_hash,
        }
    }

    pub async fn agent_by_email(&self, email: &str) -> sqlx::Result<Option<Agent>> {
        let sql = format!("SELECT {} WHERE a.email = $1", Self::AGENT_COLUMNS);
        let row: Option<AgentRow> = sqlx::query_as(&sql)
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Self::agent))
    }

    pub async fn create_session(&self, agent: AgentId) -> sqlx::Result<String> {
        let token = random_token();
        sqlx::query("INSERT INTO agent_sessions (token, agent_id, created_ms) VALUES ($1, $2, $3)")
            .bind(&token)
            .bind(agent.0)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(token)
    }

    pub async fn agent_by_session(&self, token: &str) -> sqlx::Result<Option<Agent>> {
        let sql = format!(
            "SELECT {} JOIN agent_sessions x ON x.agent_id = a.id WHERE x.token = $1 AND x.created_ms > $2",
            Self::AGENT_COLUMNS
        );
        let row: Option<AgentRow> = sqlx::query_as(&sql)
            .bind(token)
            .bind(now_ms() - SESSION_LIFETIME_MS)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Self::agent))
    }

    /// Ends every session of an agent (sign out everywhere, a lost phone).
    pub async fn delete_sessions_of(&self, agent: AgentId) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM agent_sessions WHERE agent_id = $1")
            .bind(agent.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Changes the shop's settings in one statement. `opening_hours`: `None` keeps them,
    /// `Some(None)` removes them (always open), `Some(Some(json))` sets them; the widget's
    /// accent and language likewise; every other field is kept when `None`.
    pub async fn update_site(&self, id: &SiteId, change: &SiteChange<'_>) -> sqlx::Result<()> {
        // The text columns given, then the numbers given, bound below in this same order.
        let texts = [
            ("name", change.name.map(Some)),
            ("greeting", change.greeting.map(Some)),
            ("allowed_origins", change.allowed_origins.map(Some)),
            ("opening_hours", change.opening_hours),
            ("widget_accent", change.widget_accent),
            ("widget_position", change.widget_position.map(Some)),
            ("widget_lang", change.widget_lang),
        ];
        let numbers = [
            ("ask_email_after_secs", change.ask_email_after_secs),
            ("reply_target_secs", change.reply_target_secs),
            ("email_reply_target_secs", change.email_reply_target_secs),
        ];
        let given = texts
            .iter()
            .filter_map(|(column, value)| value.map(|_| *column))
            .chain(
                numbers
                    .iter()
                    .filter_map(|(column, value)| value.map(|_| *column)),
            );
        // $1 is the site's id.
        let set: Vec<String> = (2..)
            .zip(given)
            .map(|(parameter, column)| format!("{column} = ${parameter}"))
            .collect();
        if set.is_empty() {
            return Ok(());
        }
        let sql = format!("UPDATE sites SET {} WHERE id = $1", set.join(", "));
        let mut query = sqlx::query(&sql).bind(id.as_str());
        for text in texts.into_iter().filter_map(|(_, value)| value) {
            query = query.bind(text);
        }
        for secs in numbers.into_iter().filter_map(|(_, value)| value) {
            query = query.bind(i64::from(secs));
        }
        query.execute(&self.pool).await?;
        Ok(())
    }

    pub async fn delete_session(&self, token: &str) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM agent_sessions WHERE token = $1")
            .bind(token)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // --- visitors ---------------------------------------------------------------------

    /// A new visitor of `site`; `sign` makes their token from their id.
    pub async fn create_visitor(
        &self,
        site: &SiteId,
        said: &VisitorSaid,
        sign: impl FnOnce(VisitorId) -> String,
    ) -> sqlx::Result<(VisitorId, String)> {
        let mut writing = self.begin_write().await?;
        let tx: &mut AnyConnection = &mut writing.tx;
        // The token column is unique; a random placeholder holds the place until the id is known.
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO visitors (site_id, token, created_ms, locale, lang, page) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(site.as_str())
        .bind(random_token())
        .bind(now_ms())
        .bind(&said.locale)
        .bind(&said.lang)
        .bind(&said.page)
        .fetch_one(&mut *tx)
        .await?;
        let token = sign(VisitorId(id));
        sqlx::query("UPDATE visitors SET token = $1 WHERE id = $2")
            .bind(&token)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        writing.commit().await?;
        Ok((VisitorId(id), token))
    }

    /// The site's identity-verification secret, if the owner turned it on.
    pub async fn identity_secret(&self, site: &SiteId) -> sqlx::Result<Option<String>> {
        let secret: Option<Option<String>> =
            sqlx::query_scalar("SELECT identity_secret FROM sites WHERE id = $1")
                .bind(site.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(secret.flatten())
    }

    pub async fn set_identity_secret(&self, site: &SiteId, secret: &str) -> sqlx::Result<()> {
        sqlx::query("UPDATE sites SET identity_secret = $1 WHERE id = $2")
            .bind(secret)
            .bind(site.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records that `visitor` is the shop's customer `external_id`. If another visitor (another
    /// device) already is, this visitor's conversations join theirs and that visitor is
    /// returned: from now on both devices are one visitor with one history.
    pub async fn identify(
        &self,
        site: &SiteId,
        visitor: VisitorId,
        external_id: &str,
    ) -> sqlx::Result<VisitorId> {
        let mut writing = self.begin_write().await?;
        let tx: &mut AnyConnection = &mut writing.tx;
        let known: Option<i64> =
            sqlx::query_scalar("SELECT id FROM visitors WHERE site_id = $1 AND external_id = $2")
                .bind(site.as_str())
                .bind(external_id)
                .fetch_optional(&mut *tx)
                .await?;
        let identified = match known {
            Some(known) if known != visitor.0 => {
                sqlx::query("UPDATE conversations SET visitor_id = $1 WHERE visitor_id = $2")
                    .bind(known)
                    .bind(visitor.0)
                    .execute(&mut *tx)
                    .await?;
                VisitorId(known)
            }
            Some(_) => visitor,
            None => {
                sqlx::query("UPDATE visitors SET external_id = $1 WHERE id = $2")
                    .bind(external_id)
                    .bind(visitor.0)
                    .execute(&mut *tx)
                    .await?;
                visitor
            }
        };
        writing.commit().await?;
        Ok(identified)
    }

    /// Keeps what the page said about `visitor`; a `None` leaves that field as it was.
    pub async fn set_visitor_profile(
        &self,
        visitor: VisitorId,
        name: Option<&str>,
        email: Option<&str>,
    ) -> sqlx::Result<()> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "UPDATE visitors SET name = COALESCE($1, name), email = COALESCE($2, email) WHERE id = $3",
        )
        .bind(name)
        .bind(email)
        .bind(visitor.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// How agents see `visitor`: their name (or a label) and e-mail address, when known.
    pub async fn visitor_card(&self, visitor: VisitorId) -> sqlx::Result<(String, Option<String>)> {
        let (name, email): (Option<String>, Option<String>) =
            sqlx::query_as("SELECT name, email FROM visitors WHERE id = $1")
                .bind(visitor.0)
                .fetch_optional(&self.pool)
                .await?
                .unwrap_or_default();
        Ok((visitor_label(visitor, name), email))
    }

    /// `agent` has a console open on `server` (now, or still: refreshes the row).
    pub async fn agent_present(
        &self,
        server: &str,
        site: &SiteId,
        agent: AgentId,
    ) -> sqlx::Result<()> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "INSERT INTO agent_presence (agent_id, site_id, server, seen_ms) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (agent_id, server) DO UPDATE SET seen_ms = excluded.seen_ms",
        )
        .bind(agent.0)
        .bind(site.as_str())
        .bind(server)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// `agent` has no console open on `server` any more.
    pub async fn agent_absent(&self, server: &str, agent: AgentId) -> sqlx::Result<()> {
        let _turn = self.write_turn().await;
        sqlx::query("DELETE FROM agent_presence WHERE agent_id = $1 AND server = $2")
            .bind(agent.0)
            .bind(server)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Says again that `server`'s agents are there, and forgets rows nobody said again for
    /// `stale_after_ms` (their server stopped without saying so). Returns the sites whose
    /// rows were forgotten: their visitors may have nobody left.
    pub async fn refresh_presence(
        &self,
        server: &str,
        stale_after_ms: i64,
    ) -> sqlx::Result<Vec<SiteId>> {
        let now = now_ms();
        let _turn = self.write_turn().await;
        sqlx::query("UPDATE agent_presence SET seen_ms = $1 WHERE server = $2")
            .bind(now)
            .bind(server)
            .execute(&self.pool)
            .await?;
        let stale = now - stale_after_ms;
        let sites: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT site_id FROM agent_presence WHERE seen_ms < $1")
                .bind(stale)
                .fetch_all(&self.pool)
                .await?;
        sqlx::query("DELETE FROM agent_presence WHERE seen_ms < $1")
            .bind(stale)
            .execute(&self.pool)
            .await?;
        Ok(parsed_sites(sites))
    }

    /// Forgets every row of `server` (it is stopping); returns their sites.
    pub async fn forget_server(&self, server: &str) -> sqlx::Result<Vec<SiteId>> {
        let _turn = self.write_turn().await;
        let sites: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT site_id FROM agent_presence WHERE server = $1")
                .bind(server)
                .fetch_all(&self.pool)
                .await?;
        sqlx::query("DELETE FROM agent_presence WHERE server = $1")
            .bind(server)
            .execute(&self.pool)
            .await?;
        Ok(parsed_sites(sites))
    }

    /// Whether an agent of `site` who is not away has a console open on a server that is
    /// alive.
    pub async fn agents_online(&self, site: &SiteId, stale_after_ms: i64) -> sqlx::Result<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT p.agent_id FROM agent_presence p JOIN agents a ON a.id = p.agent_id \
             WHERE p.site_id = $1 AND p.seen_ms >= $2 AND a.away = 0 LIMIT 1",
        )
        .bind(site.as_str())
        .bind(now_ms() - stale_after_ms)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    /// Whether the database answers: the cheapest round trip there is (`/readyz`).
    pub async fn ping(&self) -> sqlx::Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(drop)
    }

    /// How many conversations wait for an agent, every site together (`/metrics`).
    pub async fn waiting_everywhere(&self) -> sqlx::Result<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM conversations WHERE state = 'waiting'")
            .fetch_one(&self.pool)
            .await
    }

    /// How many chats the agents of `site` who are not away and have a console open on a
    /// server that is alive hold at once, together: the sum of their slots.
    pub async fn slots_online(&self, site: &SiteId, stale_after_ms: i64) -> sqlx::Result<u32> {
        // Cast: PostgreSQL sums BIGINTs as NUMERIC.
        let slots: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(a.slots), 0) AS BIGINT) FROM agents a \
             WHERE a.site_id = $1 AND a.away = 0 AND EXISTS (\
                 SELECT 1 FROM agent_presence p WHERE p.agent_id = a.id AND p.seen_ms >= $2)",
        )
        .bind(site.as_str())
        .bind(now_ms() - stale_after_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok(u32::try_from(slots).unwrap_or(u32::MAX))
    }

    /// The server secret called `name`, made with `make` and kept on first use.
    pub async fn server_secret(
        &self,
        name: &str,
        make: impl FnOnce() -> String,
    ) -> sqlx::Result<String> {
        sqlx::query(
            "INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(make())
        .execute(&self.pool)
        .await?;
        sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await
    }

    // --- conversations ----------------------------------------------------------------

    pub async fn conversation(&self, id: ConversationId) -> sqlx::Result<Option<ConversationRow>> {
        let sql = format!("SELECT {CONVERSATION_COLUMNS} WHERE c.id = $1");
        let row: Option<Row> = sqlx::query_as(&sql)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(conversation_row))
    }

    /// The visitor's most recent conversation, closed or not.
    pub async fn latest_conversation(
        &self,
        visitor: VisitorId,
    ) -> sqlx::Result<Option<ConversationRow>> {
        let mut conn = self.pool.acquire().await?;
        latest_conversation(&mut conn, visitor).await
    }

    /// The message stored earlier under `id`, if any.
    pub async fn prior(&self, id: &ClientMessageId) -> sqlx::Result<Option<Prior>> {
        let mut conn = self.pool.acquire().await?;
        prior(&mut conn, id).await
    }

    /// Stores a visitor's message, starting a conversation in the queue when none is open.
    /// One immediate transaction, so a resend racing the original (two tabs) is stored once
    /// and never opens a second conversation.
    pub async fn visitor_sends(
        &self,
        site: &SiteId,
        visitor: VisitorId,
        id: &ClientMessageId,
        text: &str,
    ) -> sqlx::Result<VisitorSent> {
        // Most messages are new: store first, and look for an earlier copy only when the id
        // turns out to be taken (or the message would be refused), saving a query per message.
        match self.store_visitor_message(site, visitor, id, text).await {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                match self.prior(id).await? {
                    Some(prior) if prior.sent_by_visitor(visitor) => Ok(VisitorSent::Repeat(prior)),
                    Some(_) => Ok(VisitorSent::ForeignId),
                    None => Err(sqlx::Error::Database(e)),
                }
            }
            Ok(VisitorSent::TooManyConversations) => match self.prior(id).await? {
                Some(prior) if prior.sent_by_visitor(visitor) => Ok(VisitorSent::Repeat(prior)),
                _ => Ok(VisitorSent::TooManyConversations),
            },
            sent => sent,
        }
    }

    async fn store_visitor_message(
        &self,
        site: &SiteId,
        visitor: VisitorId,
        id: &ClientMessageId,
        text: &str,
    ) -> sqlx::Result<VisitorSent> {
        // SQLite, and the visitor already has an open conversation (the usual case): one
        // statement. Otherwise the transaction below, which may start a conversation.
        if self.dialect == Dialect::Sqlite {
            let stored = self
                .insert_numbered(Target::OpenOf(visitor), Writer::Visitor, id, text)
                .await?;
            if let Some((conversation, message)) = stored {
                return Ok(VisitorSent::Stored {
                    conversation,
                    message,
                    started: false,
                });
            }
        }
        let mut writing = self.begin_write().await?;
        let tx: &mut AnyConnection = &mut writing.tx;
        // One visitor's sends take turns (two tabs, two servers): neither may open a second
        // conversation while the other opens the first.
        if let Some(lock) = self.dialect.lock_visitor() {
            sqlx::query(lock).bind(visitor.0).execute(&mut *tx).await?;
        }
        let open = latest_conversation(&mut *tx, visitor)
            .await?
            .filter(|row| row.state != ConversationState::Closed);
        let (conversation, started) = match open {
            Some(row) => (row, false),
            None => {
                let an_hour_ago = now_ms() - 3_600_000;
                let recent: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM conversations WHERE visitor_id = $1 AND created_ms > $2",
                )
                .bind(visitor.0)
                .bind(an_hour_ago)
                .fetch_one(&mut *tx)
                .await?;
                if recent >= i64::from(MAX_CONVERSATIONS_PER_HOUR) {
                    return Ok(VisitorSent::TooManyConversations);
                }
                (start_conversation(&mut *tx, site, visitor).await?, true)
            }
        };
        let message =
            insert_message(&mut *tx, conversation.id, Writer::Visitor, Some(id), text).await?;
        writing.commit().await?;
        Ok(VisitorSent::Stored {
            conversation,
            message,
            started,
        })
    }

    /// Stores an agent's reply in a conversation they hold, with the conversation's next
    /// number. On SQLite one statement both checks that the agent holds the conversation and
    /// stores the reply; the conversation is read apart only to say why a reply is refused.
    pub async fn agent_replies(
        &self,
        conversation: ConversationId,
        agent: &Agent,
        id: &ClientMessageId,
        text: &str,
    ) -> sqlx::Result<Reply> {
        let writer = Writer::Agent {
            id: agent.id,
            name: &agent.name,
        };
        if self.dialect == Dialect::Sqlite {
            let held = Target::HeldBy {
                conversation,
                site: &agent.site,
            };
            let stored = self.insert_numbered(held, writer, id, text).await;
            match stored {
                Ok(Some((conversation, message))) => {
                    return Ok(Reply::Stored {
                        conversation,
                        message,
                    });
                }
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                    return Ok(Reply::IdTaken);
                }
                Err(e) => return Err(e),
                // Not held (or no longer): the general way below says why.
                Ok(None) => {}
            }
        }
        let row = match ensure_held_by(
            self.conversation(conversation).await?,
            &agent.site,
            agent.id,
        ) {
            Ok(row) => row,
            Err(refusal) => return Ok(Reply::Refused(refusal)),
        };
        let mut writing = self.begin_write().await?;
        let tx: &mut AnyConnection = &mut writing.tx;
        match insert_message(&mut *tx, row.id, writer, Some(id), text).await {
            Ok(message) => {
                writing.commit().await?;
                Ok(Reply::Stored {
                    conversation: row,
                    message,
                })
            }
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(Reply::IdTaken),
            Err(e) => Err(e),
        }
    }

    pub async fn messages(&self, conversation: ConversationId) -> sqlx::Result<Vec<ChatMessage>> {
        self.messages_after(conversation, 0).await
    }

    /// The conversation's messages numbered after `seq`, in order.
    pub async fn messages_after(
        &self,
        conversation: ConversationId,
        seq: u32,
    ) -> sqlx::Result<Vec<ChatMessage>> {
        let rows: Vec<MessageRow> = sqlx::query_as(
            "SELECT m.seq, m.client_id, m.author, a.name, m.body, m.sent_ms FROM messages m \
             LEFT JOIN agents a ON a.id = m.agent_id \
             WHERE m.conversation_id = $1 AND m.seq > $2 ORDER BY m.seq",
        )
        .bind(conversation.0)
        .bind(i64::from(seq))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(seq, client_id, author, agent_name, text, sent_at_ms)| ChatMessage {
                    seq: u32::try_from(seq).unwrap_or(u32::MAX),
                    // Stored ids were parsed before they were written.
                    client_id: client_id.and_then(|id| ClientMessageId::parse(&id).ok()),
                    author: if author == "agent" {
                        Author::Agent {
                            name: agent_name.unwrap_or_default(),
                        }
                    } else {
                        Author::Visitor
                    },
                    text,
                    sent_at_ms,
                },
            )
            .collect())
    }

    /// Message number `seq` of the conversation.
    pub async fn message(
        &self,
        conversation: ConversationId,
        seq: u32,
    ) -> sqlx::Result<Option<ChatMessage>> {
        let after = self
            .messages_after(conversation, seq.saturating_sub(1))
            .await?;
        Ok(after.into_iter().find(|message| message.seq == seq))
    }

    /// A conversation with its messages after `last_seq` (all of them for 0), as a
    /// (re)connecting client needs it.
    pub async fn conversation_since(
        &self,
        row: &ConversationRow,
        last_seq: u32,
    ) -> sqlx::Result<Conversation> {
        let read_seq: i64 = sqlx::query_scalar("SELECT read_seq FROM conversations WHERE id = $1")
            .bind(row.id.0)
            .fetch_one(&self.pool)
            .await?;
        Ok(Conversation {
            id: row.id,
            state: row.state.clone(),
            messages: self.messages_after(row.id, last_seq).await?,
            read_seq: u32::try_from(read_seq).unwrap_or(0),
        })
    }

    /// Records that the agent has read `conversation` up to message `seq`. The mark only moves
    /// forward and never past the last message; returns it when it moved.
    pub async fn mark_read(
        &self,
        conversation: ConversationId,
        seq: u32,
    ) -> sqlx::Result<Option<u32>> {
        let _turn = self.write_turn().await;
        let moved = sqlx::query(
            "UPDATE conversations SET read_seq = $1 \
             WHERE id = $2 AND read_seq < $1 AND last_seq >= $1",
        )
        .bind(i64::from(seq))
        .bind(conversation.0)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok((moved > 0).then_some(seq))
    }

    /// The site's open conversations — waiting in line or with an agent — by id, which is
    /// queue order: one light row each, as telling places and feeding the wait estimate need.
    pub async fn open_conversations(&self, site: &SiteId) -> sqlx::Result<Vec<OpenConversation>> {
        let sql = format!(
            "SELECT visitor_id, {TIMES_COLUMNS} FROM conversations \
             WHERE site_id = $1 AND state IN ('waiting', 'active') ORDER BY id"
        );
        let rows: Vec<OpenRow> = sqlx::query_as(&sql)
            .bind(site.as_str())
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(
                |(visitor, id, state, created, taken, closed)| OpenConversation {
                    visitor: VisitorId(visitor),
                    times: conversation_times((id, state, created, taken, closed)),
                },
            )
            .collect())
    }

    /// The times of the given conversations (of any site; the caller knows them), in no
    /// particular order; ids that do not exist are left out.
    pub async fn conversation_times(
        &self,
        ids: &[ConversationId],
    ) -> sqlx::Result<Vec<ConversationTimes>> {
        let mut found = Vec::with_capacity(ids.len());
        // Well under the bound parameters either engine takes in one statement.
        for chunk in ids.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
            let sql = format!(
                "SELECT {TIMES_COLUMNS} FROM conversations WHERE id IN ({})",
                marks.join(", ")
            );
            let mut query = sqlx::query_as::<_, TimesRow>(&sql);
            for id in chunk {
                query = query.bind(id.0);
            }
            let rows = query.fetch_all(&self.pool).await?;
            found.extend(rows.into_iter().map(conversation_times));
        }
        Ok(found)
    }

    /// The site's ended conversations with an id above `after`, by id: those that began and
    /// ended between two looks at the open ones.
    pub async fn ended_after(
        &self,
        site: &SiteId,
        after: ConversationId,
    ) -> sqlx::Result<Vec<ConversationTimes>> {
        let sql = format!(
            "SELECT {TIMES_COLUMNS} FROM conversations \
             WHERE site_id = $1 AND state = 'closed' AND id > $2 ORDER BY id"
        );
        let rows: Vec<TimesRow> = sqlx::query_as(&sql)
            .bind(site.as_str())
            .bind(after.0)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(conversation_times).collect())
    }

    /// The site's `limit` most recently begun conversations that have ended: the history a
    /// fresh estimator learns from.
    pub async fn recently_ended(
        &self,
        site: &SiteId,
        limit: u32,
    ) -> sqlx::Result<Vec<ConversationTimes>> {
        let sql = format!(
            "SELECT {TIMES_COLUMNS} FROM conversations \
             WHERE site_id = $1 AND state = 'closed' ORDER BY id DESC LIMIT $2"
        );
        let rows: Vec<TimesRow> = sqlx::query_as(&sql)
            .bind(site.as_str())
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(conversation_times).collect())
    }

    /// The site's conversations begun since `since_ms`, with their first visitor and first
    /// agent message: what its typical reply is worked out from (`reply_time`).
    pub async fn first_replies(
        &self,
        site: &SiteId,
        since_ms: i64,
    ) -> sqlx::Result<Vec<crate::reply_time::FirstReply>> {
        // The dashboard's reading of the same conversations.
        Ok(self
            .served_since(site, since_ms)
            .await?
            .into_iter()
            .map(|served| crate::reply_time::FirstReply {
                started_ms: served.asked_ms,
                replied_ms: served.answered_ms,
                closed: served.closed,
            })
            .collect())
    }

    /// The head of the site's queue with what agents see of each visitor, and the count.
    pub async fn queue_view(&self, site: &SiteId) -> sqlx::Result<QueueView> {
        let total: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM conversations WHERE site_id = $1 AND state = 'waiting'",
        )
        .bind(site.as_str())
        .fetch_one(&self.pool)
        .await?;
        Ok(QueueView {
            total: u32::try_from(total).unwrap_or(u32::MAX),
            entries: self.queue_head(site).await?,
        })
    }

    /// The first `QUEUE_VIEW_ENTRIES` waiting visitors, with what agents see of each.
    pub async fn queue_head(&self, site: &SiteId) -> sqlx::Result<Vec<QueueEntry>> {
        // The preview length is a constant, written into the SQL: PostgreSQL's `substr`
        // takes an `integer`, not the `bigint` a bound i64 would be.
        let sql = format!(
            "SELECT c.id, c.visitor_id, c.created_ms, \
                    (SELECT substr(body, 1, {QUEUE_PREVIEW_CHARS}) FROM messages m \
                     WHERE m.conversation_id = c.id ORDER BY seq LIMIT 1), \
                    v.name, v.email, v.locale, v.page \
             FROM conversations c JOIN visitors v ON v.id = c.visitor_id \
             WHERE c.site_id = $1 AND c.state = 'waiting' \
             ORDER BY c.id LIMIT {QUEUE_VIEW_ENTRIES}"
        );
        type EntryRow = (
            i64,
            i64,
            i64,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<EntryRow> = sqlx::query_as(&sql)
            .bind(site.as_str())
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, visitor, created_ms, first, name, email, locale, page)| QueueEntry {
                    conversation: ConversationId(id),
                    visitor: visitor_label(VisitorId(visitor), name),
                    visitor_email: email,
                    locale,
                    page,
                    waiting_since_ms: created_ms,
                    first_message: first.unwrap_or_default(),
                },
            )
            .collect())
    }

    /// Gives a waiting conversation to an agent. Exactly one of several agents taking the same
    /// conversation at once succeeds: the update only matches while it is still waiting.
    pub async fn take(
        &self,
        site: &SiteId,
        conversation: ConversationId,
        agent: AgentId,
    ) -> sqlx::Result<Result<ConversationRow, TakeRefusal>> {
        let turn = self.write_turn().await;
        let taken = sqlx::query(
            "UPDATE conversations SET state = 'active', agent_id = $1, taken_ms = $2 \
             WHERE id = $3 AND site_id = $4 AND state = 'waiting'",
        )
        .bind(agent.0)
        .bind(now_ms())
        .bind(conversation.0)
        .bind(site.as_str())
        .execute(&self.pool)
        .await?
        .rows_affected();
        drop(turn);
        let row = self.conversation(conversation).await?;
        Ok(match row {
            Some(row) if row.site == *site && taken == 1 => Ok(row),
            Some(row) if row.site == *site => Err(TakeRefusal::AlreadyTaken),
            _ => Err(TakeRefusal::NotFound),
        })
    }

    /// Gives the longest-waiting conversation of the site to an agent, or `None` when nobody
    /// waits. On PostgreSQL, agents asking at the same instant on different servers skip each
    /// other's locked rows, so each gets a different visitor and none gets one twice.
    pub async fn take_next(
        &self,
        site: &SiteId,
        agent: AgentId,
    ) -> sqlx::Result<Option<ConversationRow>> {
        let turn = self.write_turn().await;
        let sql = format!(
            "UPDATE conversations SET state = 'active', agent_id = $1, taken_ms = $2 \
             WHERE state = 'waiting' AND id = (\
                 SELECT id FROM conversations WHERE site_id = $3 AND state = 'waiting' \
                 ORDER BY id LIMIT 1{}) \
             RETURNING id",
            self.dialect.skip_locked()
        );
        let taken: Option<i64> = sqlx::query_scalar(&sql)
            .bind(agent.0)
            .bind(now_ms())
            .bind(site.as_str())
            .fetch_optional(&self.pool)
            .await?;
        drop(turn);
        match taken {
            Some(id) => self.conversation(ConversationId(id)).await,
            None => Ok(None),
        }
    }

    pub async fn close_conversation(&self, conversation: ConversationId) -> sqlx::Result<()> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "UPDATE conversations SET state = 'closed', closed_ms = $1 WHERE id = $2 AND state != 'closed'",
        )
        .bind(now_ms())
        .bind(conversation.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The conversations an agent holds now, with their messages.
    pub async fn agent_conversations(
        &self,
        agent: AgentId,
    ) -> sqlx::Result<Vec<AgentConversation>> {
        let sql = format!(
            "SELECT {CONVERSATION_COLUMNS} WHERE c.agent_id = $1 AND c.state = 'active' ORDER BY c.id"
        );
        let rows: Vec<Row> = sqlx::query_as(&sql)
            .bind(agent.0)
            .fetch_all(&self.pool)
            .await?;
        let mut conversations = Vec::with_capacity(rows.len());
        for row in rows.into_iter().map(conversation_row) {
            conversations.push(self.agent_conversation(&row).await?);
        }
        Ok(conversations)
    }

    pub async fn agent_conversation(
        &self,
        row: &ConversationRow,
    ) -> sqlx::Result<AgentConversation> {
        let (visitor, visitor_email) = self.visitor_card(row.visitor).await?;
        Ok(AgentConversation {
            id: row.id,
            visitor,
            visitor_email,
            state: row.state.clone(),
            messages: self.messages(row.id).await?,
            notes: self.notes(row.id).await?,
        })
    }
}

type AgentRow = (i64, String, String, String, String, String, String);
/// seq, client id, author, agent name, text, sent at.
type MessageRow = (i64, Option<String>, String, Option<String>, String, i64);

/// Copies SQLite's write-ahead log into the database file every so often, on a connection
/// of its own. Left to SQLite, the writer whose commit fills the log does it, and every other
/// writer waits behind that disk sync: a stall of tens of milliseconds for whoever is next.
async fn checkpoint_while_open(pool: AnyPool) {
    let mut every = tokio::time::interval(std::time::Duration::from_millis(250));
    loop {
        every.tick().await;
        if pool.is_closed() {
            return;
        }
        if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            if pool.is_closed() {
                return;
            }
            tracing::warn!(%error, "could not checkpoint the SQLite log");
        }
    }
}

/// `row` if it is a conversation of the shop `site`; any other is "not found" (another
/// shop's conversations are not even said to exist).
pub fn ensure_of_shop(
    row: Option<ConversationRow>,
    site: &SiteId,
) -> Result<ConversationRow, ProtocolError> {
    row.filter(|row| row.site == *site)
        .ok_or_else(|| ProtocolError::new(ErrorCode::ConversationNotFound, "no such conversation"))
}

/// Checks that `row` is an active conversation held by `agent` on `site`.
pub fn ensure_held_by(
    row: Option<ConversationRow>,
    site: &SiteId,
    agent: AgentId,
) -> Result<ConversationRow, ProtocolError> {
    let row = ensure_of_shop(row, site)?;
    if row.state == ConversationState::Closed {
        return Err(ProtocolError::new(
            ErrorCode::ConversationClosed,
            "this conversation is closed",
        ));
    }
    if row.agent != Some(agent) {
        return Err(ProtocolError::new(
            ErrorCode::NotYourConversation,
            "another agent holds this conversation",
        ));
    }
    Ok(row)
}

async fn prior(conn: &mut AnyConnection, id: &ClientMessageId) -> sqlx::Result<Option<Prior>> {
    let row: Option<(i64, i64, String, Option<i64>, i64)> = sqlx::query_as(
        "SELECT m.conversation_id, m.seq, m.author, m.agent_id, c.visitor_id \
         FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.client_id = $1",
    )
    .bind(id.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(
        row.map(|(conversation, seq, author, agent, visitor)| Prior {
            conversation: ConversationId(conversation),
            seq: u32::try_from(seq).unwrap_or(u32::MAX),
            author,
            agent,
            visitor,
        }),
    )
}

async fn latest_conversation(
    conn: &mut AnyConnection,
    visitor: VisitorId,
) -> sqlx::Result<Option<ConversationRow>> {
    let sql =
        format!("SELECT {CONVERSATION_COLUMNS} WHERE c.visitor_id = $1 ORDER BY c.id DESC LIMIT 1");
    let row: Option<Row> = sqlx::query_as(&sql)
        .bind(visitor.0)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(conversation_row))
}

async fn start_conversation(
    conn: &mut AnyConnection,
    site: &SiteId,
    visitor: VisitorId,
) -> sqlx::Result<ConversationRow> {
    let created_ms = now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO conversations (site_id, visitor_id, state, created_ms) \
         VALUES ($1, $2, 'waiting', $3) RETURNING id",
    )
    .bind(site.as_str())
    .bind(visitor.0)
    .bind(created_ms)
    .fetch_one(conn)
    .await?;
    Ok(ConversationRow {
        id: ConversationId(id),
        site: site.clone(),
        visitor,
        state: ConversationState::Waiting,
        agent: None,
        created_ms,
    })
}

/// Where [`insert_numbered`] puts a message.
enum Target<'a> {
    /// The conversation, if it is open, on this site, and held by the writing agent.
    HeldBy {
        conversation: ConversationId,
        site: &'a SiteId,
    },
    /// The visitor's latest conversation, if it is not closed.
    OpenOf(VisitorId),
}

/// SQLite only (see migration 0008): stores a message numbered in the same statement, while
/// this process holds its turn to write, and returns it with its conversation's header (read
/// in the same statement, saving a round trip per message). `None` when there is no such
/// conversation.
async fn insert_numbered(
    conn: &mut AnyConnection,
    into: Target<'_>,
    writer: Writer<'_>,
    id: Option<&ClientMessageId>,
    text: &str,
) -> sqlx::Result<Option<(ConversationRow, ChatMessage)>> {
    let (author_column, agent) = writer.columns();
    let (target, key, site) = match into {
        // `$3` is the writing agent (see the binds below).
        Target::HeldBy { conversation, site } => (
            "c.id = $1 AND c.site_id = $7 AND c.agent_id = $3 AND c.state = 'active'",
            conversation.0,
            Some(site.as_str()),
        ),
        Target::OpenOf(visitor) => (
            "c.id = (SELECT id FROM conversations WHERE visitor_id = $1 ORDER BY id DESC LIMIT 1) \
             AND c.state != 'closed'",
            visitor.0,
            None,
        ),
    };
    // RETURNING may only name the new row's columns; the header comes from subqueries on
    // the conversation's primary key.
    let header = |column: &str| {
        format!("(SELECT {column} FROM {CONVERSATION_TABLES} WHERE c.id = conversation_id)")
    };
    let sql = format!(
        "INSERT INTO messages (conversation_id, seq, author, agent_id, body, sent_ms, client_id) \
         SELECT c.id, c.last_seq + 1, $2, $3, $4, $5, $6 FROM conversations c WHERE {target} \
         RETURNING conversation_id, {}, {}, {}, {}, {}, {}, seq",
        header("c.site_id"),
        header("c.visitor_id"),
        header("c.state"),
        header("c.agent_id"),
        header("a.name"),
        header("c.created_ms"),
    );
    let sent_ms = now_ms();
    let mut query = sqlx::query_as(&sql)
        .bind(key)
        .bind(author_column)
        .bind(agent)
        .bind(text)
        .bind(sent_ms)
        .bind(id.map(ClientMessageId::as_str));
    if let Some(site) = site {
        query = query.bind(site);
    }
    let stored: Option<RowAndSeq> = query.fetch_optional(&mut *conn).await?;
    Ok(stored.map(
        |(conversation, site, visitor, state, agent, agent_name, created_ms, seq)| {
            let row = (
                conversation,
                site,
                visitor,
                state,
                agent,
                agent_name,
                created_ms,
            );
            (
                conversation_row(row),
                writer.message(seq, id, text, sent_ms),
            )
        },
    ))
}

async fn insert_message(
    conn: &mut AnyConnection,
    conversation: ConversationId,
    writer: Writer<'_>,
    id: Option<&ClientMessageId>,
    text: &str,
) -> sqlx::Result<ChatMessage> {
    let (author, agent) = writer.columns();
    // Taking the number locks the conversation's row until the transaction ends, so
    // concurrent writers take turns and every number is used once.
    let seq: i64 = sqlx::query_scalar(
        "UPDATE conversations SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq",
    )
    .bind(conversation.0)
    .fetch_one(&mut *conn)
    .await?;
    let sent_ms = now_ms();
    sqlx::query(
        "INSERT INTO messages (conversation_id, seq, author, agent_id, body, sent_ms, client_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(conversation.0)
    .bind(seq)
    .bind(author)
    .bind(agent)
    .bind(text)
    .bind(sent_ms)
    .bind(id.map(ClientMessageId::as_str))
    .execute(&mut *conn)
    .await?;
    Ok(writer.message(seq, id, text, sent_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pooled SQLite connection runs with the settings the server relies on: the log
    /// (readers beside the writer), NORMAL sync (no disk sync per commit), foreign keys.
    #[tokio::test]
    async fn sqlite_connections_get_their_settings() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("pronto.db").display());
        let store = Store::connect(&url).await.unwrap();
        // More connections than one, so that each of them is checked, not just the first.
        let mut held = Vec::new();
        for _ in 0..3 {
            let mut conn = store.pool.acquire().await.unwrap();
            let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
            let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
            let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
            assert_eq!((journal.as_str(), synchronous, foreign_keys), ("wal", 1, 1));
            held.push(conn);
        }
    }
}
