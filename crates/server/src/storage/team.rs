//! The team's shared tools in storage: the shop's canned replies, who is on the team and
//! online (or away), and handing a conversation from one agent to another.

use pronto_protocol::agent::{CannedReply, TeamMember};
use pronto_protocol::ids::{AgentId, ConversationId, SiteId};

use super::{ConversationRow, Store, role_of};
use crate::clock::now_ms;

impl Store {
    /// The shop's canned replies, in the owner's order.
    pub async fn canned_replies(&self, site: &SiteId) -> sqlx::Result<Vec<CannedReply>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT shortcut, body FROM canned_replies WHERE site_id = $1 ORDER BY position",
        )
        .bind(site.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(shortcut, text)| CannedReply { shortcut, text })
            .collect())
    }

    /// Replaces the shop's canned replies with `replies` (already checked), all or nothing.
    pub async fn set_canned_replies(
        &self,
        site: &SiteId,
        replies: &[CannedReply],
    ) -> sqlx::Result<()> {
        let mut writing = self.begin_write().await?;
        sqlx::query("DELETE FROM canned_replies WHERE site_id = $1")
            .bind(site.as_str())
            .execute(&mut *writing.tx)
            .await?;
        for (position, reply) in (0_i64..).zip(replies) {
            sqlx::query(
                "INSERT INTO canned_replies (site_id, shortcut, body, position) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(site.as_str())
            .bind(&reply.shortcut)
            .bind(&reply.text)
            .bind(position)
            .execute(&mut *writing.tx)
            .await?;
        }
        writing.commit().await
    }

    /// Everyone on the shop's team, by name, each with whether a console of theirs was seen
    /// within `stale_after_ms` while they are not away.
    pub async fn team(&self, site: &SiteId, stale_after_ms: i64) -> sqlx::Result<Vec<TeamMember>> {
        let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
            "SELECT a.id, a.name, a.role, \
                    (SELECT COUNT(*) FROM agent_presence p \
                     WHERE p.agent_id = a.id AND p.seen_ms >= $2 AND a.away = 0) \
             FROM agents a WHERE a.site_id = $1 ORDER BY a.name, a.id",
        )
        .bind(site.as_str())
        .bind(now_ms() - stale_after_ms)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, role, consoles)| TeamMember {
                id: AgentId(id),
                name,
                role: role_of(&role),
                online: consoles > 0,
            })
            .collect())
    }

    /// Whether `agent` said they are away.
    pub async fn is_away(&self, agent: AgentId) -> sqlx::Result<bool> {
        let away: i64 = sqlx::query_scalar("SELECT away FROM agents WHERE id = $1")
            .bind(agent.0)
            .fetch_one(&self.pool)
            .await?;
        Ok(away != 0)
    }

    /// `agent` stepped away (`true`) or is back.
    pub async fn set_away(&self, agent: AgentId, away: bool) -> sqlx::Result<()> {
        let _turn = self.write_turn().await;
        sqlx::query("UPDATE agents SET away = $1 WHERE id = $2")
            .bind(i64::from(away))
            .bind(agent.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Gives the active conversation `from` holds to `to`. `None` when `from` does not hold
    /// it (any more): closed, or handed on by another of their tabs a moment ago.
    pub async fn transfer(
        &self,
        conversation: ConversationId,
        from: AgentId,
        to: AgentId,
    ) -> sqlx::Result<Option<ConversationRow>> {
        let turn = self.write_turn().await;
        let moved = sqlx::query(
            "UPDATE conversations SET agent_id = $1 \
             WHERE id = $2 AND agent_id = $3 AND state = 'active'",
        )
        .bind(to.0)
        .bind(conversation.0)
        .bind(from.0)
        .execute(&self.pool)
        .await?
        .rows_affected();
        drop(turn);
        if moved == 0 {
            return Ok(None);
        }
        self.conversation(conversation).await
    }
}
