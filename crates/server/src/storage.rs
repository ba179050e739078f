//! Everything Pronto remembers, in SQLite: shops, agents, visitors, conversations, messages.
//!
//! The database is the truth; the in-memory hub only tells connected people what changed.

use std::str::FromStr;
use std::time::Duration;

use pronto_protocol::agent::{AgentConversation, AgentProfile, QueueEntry};
use pronto_protocol::chat::{Author, ChatMessage, Conversation, ConversationState};
use pronto_protocol::ids::{AgentId, ConversationId, SiteId};
use pronto_protocol::{ErrorCode, ProtocolError};
use rand::RngCore;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use crate::clock::now_ms;

/// A visitor's row id; never sent to clients (they hold a token instead).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VisitorId(pub i64);

/// A shop as the widget introduces it.
#[derive(Clone, Debug)]
pub struct Site {
    pub id: SiteId,
    pub name: String,
    pub greeting: String,
}

/// An agent's account, as sign-in needs it.
#[derive(Clone, Debug)]
pub struct Agent {
    pub id: AgentId,
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
pub enum Writer {
    Visitor,
    Agent(AgentId),
}

/// A waiting conversation, with what the queue shows of it.
#[derive(Clone, Debug)]
pub struct Waiting {
    pub entry: QueueEntry,
    pub visitor: VisitorId,
}

/// Why an agent's `take` did not happen.
#[derive(Debug, PartialEq, Eq)]
pub enum TakeRefusal {
    NotFound,
    AlreadyTaken,
}

/// How agents refer to a visitor until they know a name.
pub fn visitor_label(visitor: VisitorId) -> String {
    format!("Visitor {}", visitor.0)
}

/// A cheap-to-clone handle on the database pool.
#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
}

type Row = (i64, String, i64, String, Option<i64>, Option<String>, i64);
const CONVERSATION_COLUMNS: &str = "c.id, c.site_id, c.visitor_id, c.state, c.agent_id, a.name, c.created_ms \
     FROM conversations c LEFT JOIN agents a ON a.id = c.agent_id";

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

/// 128 random bits, hex-encoded: visitor tokens and agent session ids.
pub fn random_token() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    /// Opens (creating if missing) the database and brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            // WAL lets readers go on while one writer writes; NORMAL sync is durable in WAL mode
            // against process crashes, which is what a restart must survive.
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self { pool })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    // --- shops and agents -------------------------------------------------------------

    pub async fn create_site(&self, id: &SiteId, name: &str, greeting: &str) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO sites (id, name, greeting, created_ms) VALUES (?, ?, ?, ?) \
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
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT name, greeting FROM sites WHERE id = ?")
                .bind(id.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(name, greeting)| Site {
            id: id.clone(),
            name,
            greeting,
        }))
    }

    /// Adds an agent unless one with that e-mail exists. `password_hash` is an argon2 PHC string.
    pub async fn create_agent(
        &self,
        site: &SiteId,
        email: &str,
        name: &str,
        password_hash: &str,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO agents (site_id, email, name, password_hash, created_ms) \
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING",
        )
        .bind(site.as_str())
        .bind(email)
        .bind(name)
        .bind(password_hash)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    const AGENT_COLUMNS: &str = "a.id, a.site_id, a.email, a.name, s.name, a.password_hash \
         FROM agents a JOIN sites s ON s.id = a.site_id";

    fn agent((id, site, email, name, shop_name, password_hash): AgentRow) -> Agent {
        Agent {
            id: AgentId(id),
            site: SiteId::parse(&site).expect("stored site ids are valid"),
            email,
            name,
            shop_name,
            password_hash,
        }
    }

    pub async fn agent_by_email(&self, email: &str) -> sqlx::Result<Option<Agent>> {
        let sql = format!("SELECT {} WHERE a.email = ?", Self::AGENT_COLUMNS);
        let row: Option<AgentRow> = sqlx::query_as(&sql)
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Self::agent))
    }

    pub async fn agent_name(&self, agent: AgentId) -> sqlx::Result<String> {
        sqlx::query_scalar("SELECT name FROM agents WHERE id = ?")
            .bind(agent.0)
            .fetch_one(&self.pool)
            .await
    }

    pub async fn create_session(&self, agent: AgentId) -> sqlx::Result<String> {
        let token = random_token();
        sqlx::query("INSERT INTO agent_sessions (token, agent_id, created_ms) VALUES (?, ?, ?)")
            .bind(&token)
            .bind(agent.0)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(token)
    }

    pub async fn agent_by_session(&self, token: &str) -> sqlx::Result<Option<Agent>> {
        let sql = format!(
            "SELECT {} JOIN agent_sessions x ON x.agent_id = a.id WHERE x.token = ?",
            Self::AGENT_COLUMNS
        );
        let row: Option<AgentRow> = sqlx::query_as(&sql)
            .bind(token)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Self::agent))
    }

    pub async fn delete_session(&self, token: &str) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM agent_sessions WHERE token = ?")
            .bind(token)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // --- visitors ---------------------------------------------------------------------

    /// The visitor holding `token` on `site`; a token from another site finds nobody.
    pub async fn visitor_by_token(
        &self,
        site: &SiteId,
        token: &str,
    ) -> sqlx::Result<Option<VisitorId>> {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT id FROM visitors WHERE token = ? AND site_id = ?")
                .bind(token)
                .bind(site.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(id.map(VisitorId))
    }

    pub async fn create_visitor(&self, site: &SiteId) -> sqlx::Result<(VisitorId, String)> {
        let token = random_token();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO visitors (site_id, token, created_ms) VALUES (?, ?, ?) RETURNING id",
        )
        .bind(site.as_str())
        .bind(&token)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        Ok((VisitorId(id), token))
    }

    // --- conversations ----------------------------------------------------------------

    pub async fn conversation(&self, id: ConversationId) -> sqlx::Result<Option<ConversationRow>> {
        let sql = format!("SELECT {CONVERSATION_COLUMNS} WHERE c.id = ?");
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
        let sql = format!(
            "SELECT {CONVERSATION_COLUMNS} WHERE c.visitor_id = ? ORDER BY c.id DESC LIMIT 1"
        );
        let row: Option<Row> = sqlx::query_as(&sql)
            .bind(visitor.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(conversation_row))
    }

    pub async fn start_conversation(
        &self,
        site: &SiteId,
        visitor: VisitorId,
    ) -> sqlx::Result<ConversationRow> {
        let created_ms = now_ms();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO conversations (site_id, visitor_id, state, created_ms) \
             VALUES (?, ?, 'waiting', ?) RETURNING id",
        )
        .bind(site.as_str())
        .bind(visitor.0)
        .bind(created_ms)
        .fetch_one(&self.pool)
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

    /// Stores a message with the conversation's next sequence number.
    pub async fn append_message(
        &self,
        conversation: ConversationId,
        writer: Writer,
        text: &str,
    ) -> sqlx::Result<ChatMessage> {
        let (author, agent) = match writer {
            Writer::Visitor => ("visitor", None),
            Writer::Agent(agent) => ("agent", Some(agent.0)),
        };
        // One statement, so the next number is taken and used atomically.
        let (seq, sent_ms): (i64, i64) = sqlx::query_as(
            "INSERT INTO messages (conversation_id, seq, author, agent_id, body, sent_ms) \
             SELECT ?1, COALESCE(MAX(seq), 0) + 1, ?2, ?3, ?4, ?5 FROM messages WHERE conversation_id = ?1 \
             RETURNING seq, sent_ms",
        )
        .bind(conversation.0)
        .bind(author)
        .bind(agent)
        .bind(text)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        let author = match writer {
            Writer::Visitor => Author::Visitor,
            Writer::Agent(agent) => Author::Agent {
                name: self.agent_name(agent).await?,
            },
        };
        Ok(ChatMessage {
            seq: u32::try_from(seq).unwrap_or(u32::MAX),
            author,
            text: text.to_owned(),
            sent_at_ms: sent_ms,
        })
    }

    pub async fn messages(&self, conversation: ConversationId) -> sqlx::Result<Vec<ChatMessage>> {
        let rows: Vec<(i64, String, Option<String>, String, i64)> = sqlx::query_as(
            "SELECT m.seq, m.author, a.name, m.body, m.sent_ms FROM messages m \
             LEFT JOIN agents a ON a.id = m.agent_id \
             WHERE m.conversation_id = ? ORDER BY m.seq",
        )
        .bind(conversation.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(seq, author, agent_name, text, sent_at_ms)| ChatMessage {
                seq: u32::try_from(seq).unwrap_or(u32::MAX),
                author: if author == "agent" {
                    Author::Agent {
                        name: agent_name.unwrap_or_default(),
                    }
                } else {
                    Author::Visitor
                },
                text,
                sent_at_ms,
            })
            .collect())
    }

    /// A conversation with all its messages, as a reconnecting client needs it.
    pub async fn full_conversation(&self, row: &ConversationRow) -> sqlx::Result<Conversation> {
        Ok(Conversation {
            id: row.id,
            state: row.state.clone(),
            messages: self.messages(row.id).await?,
        })
    }

    /// The site's queue, first come first served.
    pub async fn waiting(&self, site: &SiteId) -> sqlx::Result<Vec<Waiting>> {
        let rows: Vec<(i64, i64, i64, Option<String>)> = sqlx::query_as(
            "SELECT c.id, c.visitor_id, c.created_ms, \
                    (SELECT body FROM messages m WHERE m.conversation_id = c.id ORDER BY seq LIMIT 1) \
             FROM conversations c WHERE c.site_id = ? AND c.state = 'waiting' ORDER BY c.id",
        )
        .bind(site.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, visitor, created_ms, first)| Waiting {
                visitor: VisitorId(visitor),
                entry: QueueEntry {
                    conversation: ConversationId(id),
                    visitor: visitor_label(VisitorId(visitor)),
                    waiting_since_ms: created_ms,
                    first_message: first.unwrap_or_default(),
                },
            })
            .collect())
    }

    /// How long the site's most recently taken visitors waited, newest first, in milliseconds.
    pub async fn recent_waits_ms(&self, site: &SiteId, limit: u32) -> sqlx::Result<Vec<i64>> {
        sqlx::query_scalar(
            "SELECT taken_ms - created_ms FROM conversations \
             WHERE site_id = ? AND taken_ms IS NOT NULL ORDER BY taken_ms DESC LIMIT ?",
        )
        .bind(site.as_str())
        .bind(limit)
        .fetch_all(&self.pool)
        .await
    }

    /// Gives a waiting conversation to an agent. Exactly one of several agents taking the same
    /// conversation at once succeeds: the update only matches while it is still waiting.
    pub async fn take(
        &self,
        site: &SiteId,
        conversation: ConversationId,
        agent: AgentId,
    ) -> sqlx::Result<Result<ConversationRow, TakeRefusal>> {
        let taken = sqlx::query(
            "UPDATE conversations SET state = 'active', agent_id = ?, taken_ms = ? \
             WHERE id = ? AND site_id = ? AND state = 'waiting'",
        )
        .bind(agent.0)
        .bind(now_ms())
        .bind(conversation.0)
        .bind(site.as_str())
        .execute(&self.pool)
        .await?
        .rows_affected();
        let row = self.conversation(conversation).await?;
        Ok(match row {
            Some(row) if row.site == *site && taken == 1 => Ok(row),
            Some(row) if row.site == *site => Err(TakeRefusal::AlreadyTaken),
            _ => Err(TakeRefusal::NotFound),
        })
    }

    pub async fn close_conversation(&self, conversation: ConversationId) -> sqlx::Result<()> {
        sqlx::query(
            "UPDATE conversations SET state = 'closed', closed_ms = ? WHERE id = ? AND state != 'closed'",
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
            "SELECT {CONVERSATION_COLUMNS} WHERE c.agent_id = ? AND c.state = 'active' ORDER BY c.id"
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
        Ok(AgentConversation {
            id: row.id,
            visitor: visitor_label(row.visitor),
            state: row.state.clone(),
            messages: self.messages(row.id).await?,
        })
    }
}

type AgentRow = (i64, String, String, String, String, String);

/// Checks that `row` is an active conversation held by `agent` on `site`.
pub fn ensure_held_by(
    row: Option<ConversationRow>,
    site: &SiteId,
    agent: AgentId,
) -> Result<ConversationRow, ProtocolError> {
    let row = row.filter(|row| row.site == *site).ok_or_else(|| {
        ProtocolError::new(ErrorCode::ConversationNotFound, "no such conversation")
    })?;
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
