//! A visitor's past in storage: when the shop first saw them and their other conversations.

use pronto_protocol::agent::EarlierConversation;
use pronto_protocol::ids::ConversationId;

use super::{Row, Store, VisitorId, conversation_row};

impl Store {
    /// When the shop first saw `visitor` (ms since the Unix epoch).
    pub async fn first_seen(&self, visitor: VisitorId) -> sqlx::Result<i64> {
        sqlx::query_scalar("SELECT created_ms FROM visitors WHERE id = $1")
            .bind(visitor.0)
            .fetch_one(&self.pool)
            .await
    }

    /// `visitor`'s conversations other than `except`, newest first, at most `limit`, each with
    /// its messages.
    pub async fn earlier_conversations(
        &self,
        visitor: VisitorId,
        except: ConversationId,
        limit: usize,
    ) -> sqlx::Result<Vec<EarlierConversation>> {
        let sql = format!(
            "SELECT {} WHERE c.visitor_id = $1 AND c.id != $2 ORDER BY c.id DESC LIMIT $3",
            super::CONVERSATION_COLUMNS
        );
        let rows: Vec<Row> = sqlx::query_as(&sql)
            .bind(visitor.0)
            .bind(except.0)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        let mut earlier = Vec::with_capacity(rows.len());
        for row in rows.into_iter().map(conversation_row) {
            earlier.push(EarlierConversation {
                id: row.id,
                started_ms: row.created_ms,
                messages: self.messages(row.id).await?,
                state: row.state,
            });
        }
        Ok(earlier)
    }
}
