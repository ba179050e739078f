//! What the owner's dashboard is computed from: each conversation of a stretch of time, with
//! when it was asked, taken and first answered.

use pronto_protocol::ids::{AgentId, SiteId};

use super::Store;

/// One conversation as the dashboard counts it. Times in ms since the Unix epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Served {
    pub created_ms: i64,
    /// The visitor's first message (the question); the conversation's start if none.
    pub asked_ms: i64,
    pub taken_ms: Option<i64>,
    /// The first agent message.
    pub answered_ms: Option<i64>,
    /// That first reply reached the visitor by e-mail: they had left before it came.
    pub reply_mailed: bool,
    pub closed: bool,
    /// The agent holding it (or who held it when it closed), with their name.
    pub agent: Option<(AgentId, String)>,
    /// The visitor's rating once it ended: good (`true`) or bad.
    pub rating: Option<bool>,
}

impl Store {
    /// The conversations of `site` begun at or after `since_ms`, oldest first.
    pub async fn served_since(&self, site: &SiteId, since_ms: i64) -> sqlx::Result<Vec<Served>> {
        type ServedRow = (
            i64,
            Option<i64>,
            String,
            Option<i64>,
            Option<String>,
            Option<i64>,
            Option<i64>,
            Option<i64>,
            i64,
        );
        let rows: Vec<ServedRow> = sqlx::query_as(
            "SELECT c.created_ms, c.taken_ms, c.state, c.agent_id, a.name, \
                 (SELECT MIN(m.sent_ms) FROM messages m \
                  WHERE m.conversation_id = c.id AND m.author = 'visitor'), \
                 (SELECT MIN(m.sent_ms) FROM messages m \
                  WHERE m.conversation_id = c.id AND m.author = 'agent'), \
                 c.rating, c.reply_mailed \
             FROM conversations c LEFT JOIN agents a ON a.id = c.agent_id \
             WHERE c.site_id = $1 AND c.created_ms >= $2 ORDER BY c.created_ms, c.id",
        )
        .bind(site.as_str())
        .bind(since_ms)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    created_ms,
                    taken_ms,
                    state,
                    agent,
                    name,
                    asked_ms,
                    answered_ms,
                    rating,
                    reply_mailed,
                )| {
                    Served {
                        created_ms,
                        asked_ms: asked_ms.unwrap_or(created_ms),
                        taken_ms,
                        answered_ms,
                        reply_mailed: reply_mailed != 0,
                        closed: state == "closed",
                        agent: agent.map(|id| (AgentId(id), name.unwrap_or_default())),
                        rating: rating.map(|rating| rating != 0),
                    }
                },
            )
            .collect())
    }

    /// Open conversations of `site` (waiting or active) that have no agent message yet.
    pub async fn unanswered_now(&self, site: &SiteId) -> sqlx::Result<u32> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM conversations c WHERE c.site_id = $1 AND c.state != 'closed' \
             AND NOT EXISTS (SELECT 1 FROM messages m \
                             WHERE m.conversation_id = c.id AND m.author = 'agent')",
        )
        .bind(site.as_str())
        .fetch_one(&self.pool)
        .await?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }
}
