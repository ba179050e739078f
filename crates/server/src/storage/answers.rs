//! What visitors answer for themselves in storage: the shop's quick answers, whether one
//! solved a visitor's question, and visitors' ratings of their conversations.

use pronto_protocol::answers::QuickAnswer;
use pronto_protocol::ids::{ConversationId, SiteId};

use super::Store;
use crate::clock::now_ms;

/// One visitor's word on one quick answer, for the dashboard. Times in ms since the epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnswerUse {
    pub used_ms: i64,
    pub helped: bool,
}

impl Store {
    /// The shop's quick answers, in the owner's order.
    pub async fn quick_answers(&self, site: &SiteId) -> sqlx::Result<Vec<QuickAnswer>> {
        let rows: Vec<(i64, String, String, String, String)> = sqlx::query_as(
            "SELECT id, lang, question, answer, keywords FROM quick_answers \
             WHERE site_id = $1 ORDER BY position",
        )
        .bind(site.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, lang, question, answer, keywords)| QuickAnswer {
                id: u32::try_from(id).ok(),
                lang,
                question,
                answer,
                keywords,
            })
            .collect())
    }

    /// Replaces the shop's quick answers with `answers` (already checked), all or nothing.
    /// One carrying the id of a stored answer of the shop updates it in place; the others are
    /// added under new ids; stored ones left out are removed.
    pub async fn set_quick_answers(
        &self,
        site: &SiteId,
        answers: &[QuickAnswer],
    ) -> sqlx::Result<()> {
        let mut writing = self.begin_write().await?;
        let stored: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM quick_answers WHERE site_id = $1")
                .bind(site.as_str())
                .fetch_all(&mut *writing.tx)
                .await?;
        let kept: Vec<i64> = answers
            .iter()
            .filter_map(|answer| answer.id.map(i64::from))
            .filter(|id| stored.contains(id))
            .collect();
        for id in stored.iter().filter(|id| !kept.contains(id)) {
            sqlx::query("DELETE FROM quick_answers WHERE id = $1")
                .bind(id)
                .execute(&mut *writing.tx)
                .await?;
        }
        for (position, answer) in (0_i64..).zip(answers) {
            let id = answer.id.map(i64::from).filter(|id| kept.contains(id));
            let sql = match id {
                Some(_) => {
                    "UPDATE quick_answers SET lang = $2, question = $3, answer = $4, \
                     keywords = $5, position = $6 WHERE id = $7 AND site_id = $1"
                }
                None => {
                    "INSERT INTO quick_answers (site_id, lang, question, answer, keywords, position) \
                     VALUES ($1, $2, $3, $4, $5, $6)"
                }
            };
            let mut query = sqlx::query(sql)
                .bind(site.as_str())
                .bind(&answer.lang)
                .bind(&answer.question)
                .bind(&answer.answer)
                .bind(&answer.keywords)
                .bind(position);
            if let Some(id) = id {
                query = query.bind(id);
            }
            query.execute(&mut *writing.tx).await?;
        }
        writing.commit().await
    }

    /// Counts a visitor's word on the shop's quick answer `answer`; `false` when the shop has
    /// no such answer (nothing is kept then).
    pub async fn answer_used(
        &self,
        site: &SiteId,
        answer: u32,
        helped: bool,
    ) -> sqlx::Result<bool> {
        let _turn = self.write_turn().await;
        let kept = sqlx::query(
            "INSERT INTO answer_uses (site_id, answer_id, helped, used_ms) \
             SELECT site_id, id, $3, $4 FROM quick_answers WHERE site_id = $1 AND id = $2",
        )
        .bind(site.as_str())
        .bind(i64::from(answer))
        .bind(i64::from(helped))
        .bind(now_ms())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(kept == 1)
    }

    /// What visitors said of the shop's quick answers at or after `since_ms`, oldest first.
    pub async fn answer_uses_since(
        &self,
        site: &SiteId,
        since_ms: i64,
    ) -> sqlx::Result<Vec<AnswerUse>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT used_ms, helped FROM answer_uses WHERE site_id = $1 AND used_ms >= $2 \
             ORDER BY used_ms",
        )
        .bind(site.as_str())
        .bind(since_ms)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(used_ms, helped)| AnswerUse {
                used_ms,
                helped: helped != 0,
            })
            .collect())
    }

    /// Keeps the visitor's rating of an ended conversation (replacing an earlier one).
    pub async fn rate(
        &self,
        conversation: ConversationId,
        good: bool,
        comment: Option<&str>,
    ) -> sqlx::Result<()> {
        let _turn = self.write_turn().await;
        sqlx::query("UPDATE conversations SET rating = $1, rating_comment = $2 WHERE id = $3")
            .bind(i64::from(good))
            .bind(comment)
            .bind(conversation.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
