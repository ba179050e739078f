//! Follow-ups in storage: the day an agent means to come back to a conversation, the shop's
//! list of them, and opening an ended conversation again to follow up.

use pronto_protocol::agent::FollowUp;
use pronto_protocol::ids::{AgentId, ConversationId, SiteId};
use pronto_protocol::limits::MAX_FOLLOW_UPS_LISTED;

use super::{ConversationRow, Store, VisitorId, visitor_label};

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
        // One query, however many marks: the console reads the list every minute.
        type FollowUpRow = (
            i64,
            i64,
            Option<String>,
            Option<String>,
            String,
            Option<String>,
            String,
            Option<String>,
        );
        let rows: Vec<FollowUpRow> = sqlx::query_as(
            "SELECT c.id, c.visitor_id, v.name, v.email, c.follow_up_on, a.name, c.state, \
                    (SELECT m.body FROM messages m WHERE m.conversation_id = c.id \
                     ORDER BY m.seq DESC LIMIT 1) \
             FROM conversations c \
             JOIN visitors v ON v.id = c.visitor_id \
             LEFT JOIN agents a ON a.id = c.follow_up_by \
             WHERE c.site_id = $1 AND c.follow_up_on IS NOT NULL \
             ORDER BY c.follow_up_on, c.id LIMIT $2",
        )
        .bind(site.as_str())
        .bind(MAX_FOLLOW_UPS_LISTED)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, visitor, name, visitor_email, on, marked_by, state, last_message)| FollowUp {
                    conversation: ConversationId(id),
                    visitor: visitor_label(VisitorId(visitor), name),
                    visitor_email,
                    due: on.as_str() <= today,
                    on,
                    marked_by: marked_by.unwrap_or_default(),
                    last_message,
                    ended: state == "closed",
                },
            )
            .collect())
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
