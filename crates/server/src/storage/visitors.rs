//! A visitor in storage: what their browser and widget last said, when the shop first saw
//! them and their other conversations.

use pronto_protocol::agent::EarlierConversation;
use pronto_protocol::ids::{ConversationId, SiteId};

use super::{Row, Store, VisitorId, conversation_row};

/// What a visitor's browser and widget say when they connect: the browser's languages and the
/// widget's (see `crate::locale`), and the page they are on (`crate::shop_page`). `None`:
/// not said.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VisitorSaid {
    pub locale: Option<String>,
    pub lang: Option<String>,
    pub page: Option<String>,
}

impl VisitorSaid {
    /// What of this differs from `before`, what was stored; `None` when nothing does (a
    /// returning visitor's new page is a write each page load; the same page, none).
    pub fn news_since(&self, before: &VisitorSaid) -> Option<VisitorSaid> {
        let new = |now: &Option<String>, was: &Option<String>| {
            now.clone().filter(|n| Some(n) != was.as_ref())
        };
        let news = VisitorSaid {
            locale: new(&self.locale, &before.locale),
            lang: new(&self.lang, &before.lang),
            page: new(&self.page, &before.page),
        };
        (news != VisitorSaid::default()).then_some(news)
    }
}

impl Store {
    /// The e-mail address (`None`: none yet) and what was last said of `visitor`, when the
    /// visitor exists and belongs to `site`; `None` otherwise.
    pub async fn returning_visitor(
        &self,
        site: &SiteId,
        visitor: VisitorId,
    ) -> sqlx::Result<Option<(Option<String>, VisitorSaid)>> {
        type Found = (
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let row: Option<Found> = sqlx::query_as(
            "SELECT email, locale, lang, page FROM visitors WHERE id = $1 AND site_id = $2",
        )
        .bind(visitor.0)
        .bind(site.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(email, locale, lang, page)| (email, VisitorSaid { locale, lang, page })))
    }

    /// The visitor's browser or widget says something new (see [`VisitorSaid::news_since`]);
    /// `None` fields keep what is stored.
    pub async fn set_visitor_said(
        &self,
        visitor: VisitorId,
        news: &VisitorSaid,
    ) -> sqlx::Result<()> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "UPDATE visitors SET locale = COALESCE($1, locale), lang = COALESCE($2, lang), \
                 page = COALESCE($3, page) \
             WHERE id = $4",
        )
        .bind(&news.locale)
        .bind(&news.lang)
        .bind(&news.page)
        .bind(visitor.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// What `visitor`'s browser and widget said when they last connected.
    pub async fn visitor_said(&self, visitor: VisitorId) -> sqlx::Result<VisitorSaid> {
        let found: Option<(Option<String>, Option<String>, Option<String>)> =
            sqlx::query_as("SELECT locale, lang, page FROM visitors WHERE id = $1")
                .bind(visitor.0)
                .fetch_optional(&self.pool)
                .await?;
        Ok(
            found.map_or_else(VisitorSaid::default, |(locale, lang, page)| VisitorSaid {
                locale,
                lang,
                page,
            }),
        )
    }

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
