//! Internal notes in storage: the team's words beside a conversation, kept apart from its
//! messages so that nothing a visitor reads can ever include them.

use pronto_protocol::agent::Note;
use pronto_protocol::ids::{AgentId, ClientMessageId, ConversationId};

use super::{Agent, Store};
use crate::clock::now_ms;

/// What became of a note sent with a client id.
pub enum NoteAdded {
    Stored(Note),
    /// This agent sent it before (a resend after a lost answer): the note as stored.
    Repeat(Note),
    /// Someone else's note has this id.
    IdTaken,
}

/// author, client id, text, sent at, after seq.
type NoteRow = (String, String, String, i64, i64);

fn note((author, client_id, text, sent_at_ms, after_seq): NoteRow) -> Note {
    Note {
        // Stored ids were checked before they were written.
        client_id: ClientMessageId::parse(&client_id).expect("stored client ids are valid"),
        author,
        text,
        sent_at_ms,
        after_seq: u32::try_from(after_seq).unwrap_or(u32::MAX),
    }
}

impl Store {
    /// Stores a note by `agent` after the conversation's last message, once per `id`. The
    /// caller checked that the agent holds the conversation and that `text` is acceptable.
    pub async fn add_note(
        &self,
        conversation: ConversationId,
        agent: &Agent,
        id: &ClientMessageId,
        text: &str,
    ) -> sqlx::Result<NoteAdded> {
        let turn = self.write_turn().await;
        let sent_ms = now_ms();
        let after_seq: Option<i64> = sqlx::query_scalar(
            "INSERT INTO notes (conversation_id, agent_id, client_id, body, after_seq, sent_ms) \
             SELECT id, $2, $3, $4, last_seq, $5 FROM conversations WHERE id = $1 \
             ON CONFLICT (client_id) DO NOTHING RETURNING after_seq",
        )
        .bind(conversation.0)
        .bind(agent.id.0)
        .bind(id.as_str())
        .bind(text)
        .bind(sent_ms)
        .fetch_optional(&self.pool)
        .await?;
        drop(turn);
        if let Some(after_seq) = after_seq {
            return Ok(NoteAdded::Stored(Note {
                client_id: id.clone(),
                author: agent.name.clone(),
                text: text.to_owned(),
                sent_at_ms: sent_ms,
                after_seq: u32::try_from(after_seq).unwrap_or(u32::MAX),
            }));
        }
        Ok(match self.note_sent_before(id, agent).await? {
            Some(note) => NoteAdded::Repeat(note),
            None => NoteAdded::IdTaken,
        })
    }

    /// The note `agent` stored under `id` before, if they did: a resend is answered with it.
    pub async fn note_sent_before(
        &self,
        id: &ClientMessageId,
        agent: &Agent,
    ) -> sqlx::Result<Option<Note>> {
        let prior: Option<(i64, String, String, String, i64, i64)> = sqlx::query_as(
            "SELECT n.agent_id, a.name, n.client_id, n.body, n.sent_ms, n.after_seq \
             FROM notes n JOIN agents a ON a.id = n.agent_id WHERE n.client_id = $1",
        )
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(prior
            .filter(|(author_id, ..)| AgentId(*author_id) == agent.id)
            .map(|(_, author, client_id, text, sent_ms, after_seq)| {
                note((author, client_id, text, sent_ms, after_seq))
            }))
    }

    /// A conversation's notes, oldest first.
    pub async fn notes(&self, conversation: ConversationId) -> sqlx::Result<Vec<Note>> {
        let rows: Vec<NoteRow> = sqlx::query_as(
            "SELECT a.name, n.client_id, n.body, n.sent_ms, n.after_seq \
             FROM notes n JOIN agents a ON a.id = n.agent_id \
             WHERE n.conversation_id = $1 ORDER BY n.id",
        )
        .bind(conversation.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(note).collect())
    }
}
