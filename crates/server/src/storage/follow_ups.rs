//! Follow-ups in storage: the day an agent means to come back to a conversation, the shop's
//! list of them, and opening an ended conversation again to follow up.

use pronto_protocol::agent::FollowUp;
use pronto_protocol::ids::{AgentId, ConversationId, SiteId};
use pronto_protocol::limits::MAX_FOLLOW_UPS_LISTED;

use super::{ConversationRow, Store, VisitorId};

impl Store {
    /// Marks the shop's `conversation` to follow up `on` (`YYYY-MM-DD`, checked), by `by`;
    /// `None` takes the mark off. False when the shop has no such conversation.
    pub async fn set_follow_up(
        &self,
        site: &SiteId,
        conversation: ConversationId,
        on: Option<&str>,
        by: AgentId,
    ) -> sqlx::Result<bool> {
        let _turn = self.write_turn().await;
        let changed = sqlx::query(
            "UPDATE conversations SET follow_up_on = $1, follow_up_by = $2 \
             WHERE id = $3 AND site_id = $4",
        )
        .bind(on)
        .bind(on.map(|_| by.0))
        .bind(conversation.0)
        .bind(site.as_str())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(changed > 0)
    }

    /// The shop's conversations marked to follow up, soonest first (at most
    /// `MAX_FOLLOW_UPS_LISTED`); those on or before `today` (`YYYY-MM-DD`) are due.
    pub async fn follow_ups(&self, site: &SiteId, today: &str) -> sqlx::Result<Vec<FollowUp>> {
        let rows: Vec<(i64, i64, String, Option<String>, String)> = sqlx::query_as(
            "SELECT c.id, c.visitor_id, c.follow_up_on, a.name, c.state \
             FROM conversations c LEFT JOIN agents a ON a.id = c.follow_up_by \
             WHERE c.site_id = $1 AND c.follow_up_on IS NOT NULL \
             ORDER BY c.follow_up_on, c.id LIMIT $2",
        )
        .bind(site.as_str())
        .bind(MAX_FOLLOW_UPS_LISTED)
        .fetch_all(&self.pool)
        .await?;
        let mut follow_ups = Vec::with_capacity(rows.len());
        for (id, visitor, on, marked_by, state) in rows {
            let (visitor, visitor_email) = self.visitor_card(VisitorId(visitor)).await?;
            let last_message: Option<String> = sqlx::query_scalar(
                "SELECT body FROM messages WHERE conversation_id = $1 ORDER BY seq DESC LIMIT 1",
            )
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
            follow_ups.push(FollowUp {
                conversation: ConversationId(id),
                visitor,
                visitor_email,
                due: on.as_str() <= today,
                on,
                marked_by: marked_by.unwrap_or_default(),
                last_message,
                ended: state == "closed",
            });
        }
        Ok(follow_ups)
    }

    /// Opens the ended `conversation` again, held by `agent`, and takes its follow-up mark
    /// off. `None` when it is not ended, or its visitor has a newer conversation. Under the
    /// visitor's lock, as their sends are (`visitor_sends`): a visitor starting a conversation
    /// at the same moment either comes first (and this refuses) or finds this one open.
    pub async fn reopen(
        &self,
        conversation: ConversationId,
        agent: AgentId,
    ) -> sqlx::Result<Option<ConversationRow>> {
        let Some(row) = self.conversation(conversation).await? else {
            return Ok(None);
        };
        let mut writing = self.begin_write().await?;
        if let Some(lock) = self.dialect.lock_visitor() {
            sqlx::query(lock)
                .bind(row.visitor.0)
                .execute(&mut *writing.tx)
                .await?;
        }
        let reopened = sqlx::query(
            "UPDATE conversations SET state = 'active', agent_id = $1, closed_ms = NULL, \
                    follow_up_on = NULL, follow_up_by = NULL \
             WHERE id = $2 AND state = 'closed' AND NOT EXISTS ( \
                 SELECT 1 FROM conversations newer \
                 WHERE newer.visitor_id = conversations.visitor_id AND newer.id > conversations.id)",
        )
        .bind(agent.0)
        .bind(conversation.0)
        .execute(&mut *writing.tx)
        .await?
        .rows_affected();
        writing.commit().await?;
        if reopened == 0 {
            return Ok(None);
        }
        self.conversation(conversation).await
    }
}
