//! The team's shared tools in storage: the shop's canned replies, who is on the team and
//! online (or away), and handing a conversation from one agent to another.

use pronto_protocol::agent::{CannedReply, Role, TeamMember};
use pronto_protocol::ids::{AgentId, ConversationId, SiteId};

use super::{ConversationRow, Store, role_name, role_of};
use crate::clock::now_ms;

/// How often [`Store::assign_next`] picks again when an agent took the visitor it picked.
const PICK_ATTEMPTS: usize = 3;

/// Why a teammate could not be changed.
#[derive(Debug, PartialEq, Eq)]
pub enum AgentChangeRefusal {
    NotOnTeam,
    /// It would leave the shop without an owner.
    LastOwner,
}

/// A teammate as [`TEAM_MEMBER`] reads them: id, name, role, consoles seen, slots, chats.
type MemberRow = (i64, String, String, i64, i64, i64);

/// Reads [`MemberRow`]s: `$1` the site, `$2` the oldest presence that counts.
const TEAM_MEMBER: &str = "SELECT a.id, a.name, a.role, \
        (SELECT COUNT(*) FROM agent_presence p \
         WHERE p.agent_id = a.id AND p.seen_ms >= $2 AND a.away = 0), \
        a.slots, \
        (SELECT COUNT(*) FROM conversations c WHERE c.agent_id = a.id AND c.state = 'active') \
    FROM agents a";

fn member((id, name, role, consoles, slots, chats): MemberRow) -> TeamMember {
    TeamMember {
        id: AgentId(id),
        name,
        role: role_of(&role),
        online: consoles > 0,
        slots: u32::try_from(slots).unwrap_or(1),
        chats: u32::try_from(chats).unwrap_or(u32::MAX),
    }
}

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
    /// within `stale_after_ms` while they are not away, their slots and the chats they hold.
    pub async fn team(&self, site: &SiteId, stale_after_ms: i64) -> sqlx::Result<Vec<TeamMember>> {
        let sql = format!("{TEAM_MEMBER} WHERE a.site_id = $1 ORDER BY a.name, a.id");
        let rows: Vec<MemberRow> = sqlx::query_as(&sql)
            .bind(site.as_str())
            .bind(now_ms() - stale_after_ms)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(member).collect())
    }

    /// One teammate of `site`, as [`Store::team`] lists them; `None` when `agent` is not one.
    pub async fn team_member(
        &self,
        site: &SiteId,
        agent: AgentId,
        stale_after_ms: i64,
    ) -> sqlx::Result<Option<TeamMember>> {
        let sql = format!("{TEAM_MEMBER} WHERE a.site_id = $1 AND a.id = $3");
        let row: Option<MemberRow> = sqlx::query_as(&sql)
            .bind(site.as_str())
            .bind(now_ms() - stale_after_ms)
            .bind(agent.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(member))
    }

    /// Changes a teammate's role or slots (`None` keeps them). Refused with `Ok(Err(..))`
    /// when `agent` is not on the shop's team, or when it would leave the shop without an
    /// owner; the check and the change are one transaction, so two owners demoting each other
    /// at once leave one.
    pub async fn change_agent(
        &self,
        site: &SiteId,
        agent: AgentId,
        role: Option<Role>,
        slots: Option<u32>,
    ) -> sqlx::Result<Result<(), AgentChangeRefusal>> {
        let mut writing = self.begin_site_write(site).await?;
        let current: Option<String> =
            sqlx::query_scalar("SELECT role FROM agents WHERE id = $1 AND site_id = $2")
                .bind(agent.0)
                .bind(site.as_str())
                .fetch_optional(&mut *writing.tx)
                .await?;
        let Some(current) = current else {
            writing.rollback().await?;
            return Ok(Err(AgentChangeRefusal::NotOnTeam));
        };
        if role == Some(Role::Agent) && role_of(&current) == Role::Owner {
            let owners: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM agents WHERE site_id = $1 AND role = 'owner'",
            )
            .bind(site.as_str())
            .fetch_one(&mut *writing.tx)
            .await?;
            if owners <= 1 {
                writing.rollback().await?;
                return Ok(Err(AgentChangeRefusal::LastOwner));
            }
        }
        if let Some(role) = role {
            sqlx::query("UPDATE agents SET role = $1 WHERE id = $2")
                .bind(role_name(role))
                .bind(agent.0)
                .execute(&mut *writing.tx)
                .await?;
        }
        if let Some(slots) = slots {
            sqlx::query("UPDATE agents SET slots = $1 WHERE id = $2")
                .bind(i64::from(slots))
                .bind(agent.0)
                .execute(&mut *writing.tx)
                .await?;
        }
        writing.commit().await?;
        Ok(Ok(()))
    }

    /// A writing transaction holding `site`'s turn (see [`super::Dialect::lock_site`]).
    async fn begin_site_write(&self, site: &SiteId) -> sqlx::Result<super::Writing> {
        let mut writing = self.begin_write().await?;
        if let Some(lock) = self.dialect.lock_site() {
            sqlx::query(lock)
                .bind(site.as_str())
                .execute(&mut *writing.tx)
                .await?;
        }
        Ok(writing)
    }

    /// How many chats `agent` holds at once.
    pub async fn slots(&self, agent: AgentId) -> sqlx::Result<u32> {
        let slots: i64 = sqlx::query_scalar("SELECT slots FROM agents WHERE id = $1")
            .bind(agent.0)
            .fetch_one(&self.pool)
            .await?;
        Ok(u32::try_from(slots).unwrap_or(1))
    }

    /// Whether the shop hands waiting visitors to agents by itself.
    pub async fn auto_assign(&self, site: &SiteId) -> sqlx::Result<bool> {
        let automatic: Option<i64> =
            sqlx::query_scalar("SELECT auto_assign FROM sites WHERE id = $1")
                .bind(site.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(automatic.is_some_and(|on| on != 0))
    }

    pub async fn set_auto_assign(&self, site: &SiteId, automatic: bool) -> sqlx::Result<()> {
        let _turn = self.write_turn().await;
        sqlx::query("UPDATE sites SET auto_assign = $1 WHERE id = $2")
            .bind(i64::from(automatic))
            .bind(site.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Gives the visitor who has waited longest to the agent online (seen within
    /// `stale_after_ms`, not away) with a free slot and the fewest chats, among equals the
    /// one given a chat least recently. `None` when nobody waits or every slot is full.
    ///
    /// One transaction under the site's lock (on SQLite, the one writer), so assigners on
    /// two servers at once neither give one visitor twice nor fill a slot twice; a visitor
    /// an agent is taking by hand at that instant is skipped, as agents taking "next" skip
    /// each other.
    pub async fn assign_next(
        &self,
        site: &SiteId,
        stale_after_ms: i64,
    ) -> sqlx::Result<Option<(AgentId, String, ConversationRow)>> {
        let mut writing = self.begin_site_write(site).await?;
        let free: Option<(i64, String)> = sqlx::query_as(
            "SELECT a.id, a.name FROM agents a \
             WHERE a.site_id = $1 AND a.away = 0 \
               AND EXISTS (SELECT 1 FROM agent_presence p \
                           WHERE p.agent_id = a.id AND p.seen_ms >= $2) \
               AND (SELECT COUNT(*) FROM conversations c \
                    WHERE c.agent_id = a.id AND c.state = 'active') < a.slots \
             ORDER BY (SELECT COUNT(*) FROM conversations c \
                       WHERE c.agent_id = a.id AND c.state = 'active'), \
                      (SELECT COALESCE(MAX(c.taken_ms), 0) FROM conversations c \
                       WHERE c.agent_id = a.id), \
                      a.id \
             LIMIT 1",
        )
        .bind(site.as_str())
        .bind(now_ms() - stale_after_ms)
        .fetch_optional(&mut *writing.tx)
        .await?;
        let Some((agent, name)) = free else {
            writing.rollback().await?;
            return Ok(None);
        };
        // Not SKIP LOCKED as "take next" is: a waiting visitor's own message locks their
        // conversation's row for a moment, and skipping it would give the slot to someone who
        // came later, or leave it empty. Other assigners are already kept out by the site's
        // lock; an agent taking the same visitor by hand wins the row, and then the pick is
        // tried again (on PostgreSQL a locked `LIMIT 1` that lost its row answers nothing,
        // so "nothing" is only believed when nobody waits at all).
        let oldest = "SELECT id FROM conversations WHERE site_id = $1 AND state = 'waiting' \
                      ORDER BY id LIMIT 1";
        let locked = format!("{oldest}{}", self.dialect.for_update());
        for _ in 0..PICK_ATTEMPTS {
            let waiting: Option<i64> = sqlx::query_scalar(&locked)
                .bind(site.as_str())
                .fetch_optional(&mut *writing.tx)
                .await?;
            let Some(conversation) = waiting else {
                let anyone: Option<i64> = sqlx::query_scalar(oldest)
                    .bind(site.as_str())
                    .fetch_optional(&mut *writing.tx)
                    .await?;
                if anyone.is_none() {
                    break;
                }
                continue;
            };
            let given = sqlx::query(
                "UPDATE conversations SET state = 'active', agent_id = $1, taken_ms = $2 \
                 WHERE id = $3 AND state = 'waiting'",
            )
            .bind(agent)
            .bind(now_ms())
            .bind(conversation)
            .execute(&mut *writing.tx)
            .await?
            .rows_affected();
            if given == 1 {
                writing.commit().await?;
                let row = self.conversation(ConversationId(conversation)).await?;
                return Ok(row.map(|row| (AgentId(agent), name, row)));
            }
        }
        writing.rollback().await?;
        Ok(None)
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
