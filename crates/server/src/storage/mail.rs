//! E-mail to visitors in storage: which conversations have agent replies the visitor has not
//! seen and should get by e-mail, and a claim on each so it is sent by one server once.

use pronto_protocol::ids::{ConversationId, SiteId};

use super::{Store, VisitorId};

/// A conversation whose newest messages are replies the visitor has not had by e-mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unseen {
    pub conversation: ConversationId,
    pub site: SiteId,
    pub shop_name: String,
    pub visitor: VisitorId,
    pub email: String,
    /// The visitor's browser languages and the widget's (see `crate::locale`): the letter's
    /// language.
    pub locale: Option<String>,
    pub lang: Option<String>,
    /// Messages after this one are news to the visitor.
    pub mailed_seq: u32,
    pub last_seq: u32,
}

impl Store {
    /// Conversations whose last message is an agent's, sent at or before `replied_before_ms`,
    /// after the last one e-mailed, to a visitor with an e-mail address.
    pub async fn unseen_replies(&self, replied_before_ms: i64) -> sqlx::Result<Vec<Unseen>> {
        type UnseenRow = (
            i64,
            String,
            String,
            i64,
            String,
            Option<String>,
            Option<String>,
            i64,
            i64,
        );
        let rows: Vec<UnseenRow> = sqlx::query_as(
            "SELECT c.id, c.site_id, s.name, c.visitor_id, v.email, v.locale, v.lang, c.mailed_seq, c.last_seq \
             FROM conversations c \
             JOIN visitors v ON v.id = c.visitor_id JOIN sites s ON s.id = c.site_id \
             WHERE c.last_seq > c.mailed_seq AND v.email IS NOT NULL \
               AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id \
                           AND m.seq = c.last_seq AND m.author = 'agent' AND m.sent_ms <= $1) \
             ORDER BY c.id",
        )
        .bind(replied_before_ms)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, site, shop_name, visitor, email, locale, lang, mailed, last)| Unseen {
                    conversation: ConversationId(id),
                    site: SiteId::parse(&site).expect("stored site ids are valid"),
                    shop_name,
                    visitor: VisitorId(visitor),
                    email,
                    locale,
                    lang,
                    mailed_seq: u32::try_from(mailed).unwrap_or(0),
                    last_seq: u32::try_from(last).unwrap_or(0),
                },
            )
            .collect())
    }

    /// The visitor had messages up to `seq` on screen: none of them needs an e-mail.
    pub async fn seen_up_to(&self, conversation: ConversationId, seq: u32) -> sqlx::Result<()> {
        let _turn = self.write_turn().await;
        sqlx::query("UPDATE conversations SET mailed_seq = $1 WHERE id = $2 AND mailed_seq < $1")
            .bind(i64::from(seq))
            .bind(conversation.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Moves the conversation's e-mailed mark from `from` to `to`; false when someone else
    /// (another server's round) moved it first, and then this one must not send.
    pub async fn move_mailed_mark(
        &self,
        conversation: ConversationId,
        from: u32,
        to: u32,
    ) -> sqlx::Result<bool> {
        let _turn = self.write_turn().await;
        let moved = sqlx::query(
            "UPDATE conversations SET mailed_seq = $1 WHERE id = $2 AND mailed_seq = $3",
        )
        .bind(i64::from(to))
        .bind(conversation.0)
        .bind(i64::from(from))
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(moved == 1)
    }

    /// Replies after `mailed_seq` were just e-mailed: when none of the agent's came before
    /// them, the first reply was among them and the conversation's first reply went by e-mail
    /// (the dashboard holds it to the e-mail target).
    pub async fn replies_mailed(
        &self,
        conversation: ConversationId,
        mailed_seq: u32,
    ) -> sqlx::Result<()> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "UPDATE conversations SET reply_mailed = 1 WHERE id = $1 AND reply_mailed = 0 \
             AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = $1 \
                             AND m.author = 'agent' AND m.seq <= $2)",
        )
        .bind(conversation.0)
        .bind(i64::from(mailed_seq))
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
