//! A shop's past, written straight into its database: what the reply-time estimator learns
//! from, without serving dozens of visitors in every test that needs a shop with a history.

use sqlx::Connection;

const MINUTE: i64 = 60_000;

/// One closed conversation of the past (times in ms since the Unix epoch): the visitor asked
/// as they joined the queue, an agent took it (or nobody did), answered (or not), and it
/// ended.
#[derive(Clone, Copy, Debug)]
pub struct Past {
    pub asked_ms: i64,
    pub taken_ms: Option<i64>,
    pub answered_ms: Option<i64>,
    pub closed_ms: i64,
    /// The first reply went by e-mail: the visitor had left before it came.
    pub reply_mailed: bool,
}

/// Writes into the database at `database_url` that the agent `agent_email` of site `site`
/// served `chats` visitors back to back, all morning: each asked as they joined the queue,
/// waited two minutes, was answered a minute later (a first reply of three minutes) and
/// chatted four, the last one finishing now.
pub async fn served(database_url: &str, site: &str, agent_email: &str, chats: i64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as i64;
    let start = now - (chats + 1) * 4 * MINUTE;
    let morning: Vec<Past> = (1..=chats)
        .map(|n| {
            let taken = start + n * 4 * MINUTE;
            Past {
                asked_ms: taken - 2 * MINUTE,
                taken_ms: Some(taken),
                answered_ms: Some(taken + MINUTE),
                closed_ms: taken + 4 * MINUTE,
                reply_mailed: false,
            }
        })
        .collect();
    write(database_url, site, agent_email, &morning).await;
}

/// Writes `history` into the database at `database_url` as closed conversations of site
/// `site`, each with the visitor's question and, when answered, the reply of the agent
/// `agent_email` (who took every conversation that was taken).
pub async fn write(database_url: &str, site: &str, agent_email: &str, history: &[Past]) {
    sqlx::any::install_default_drivers();
    let mut db = sqlx::AnyConnection::connect(database_url)
        .await
        .expect("the test's database");
    let agent: i64 = sqlx::query_scalar("SELECT id FROM agents WHERE email = $1")
        .bind(agent_email)
        .fetch_one(&mut db)
        .await
        .expect("the agent exists");
    // Tokens unique across calls on one database.
    let first: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM visitors")
        .fetch_one(&mut db)
        .await
        .expect("counting visitors");
    for (n, past) in (first..).zip(history) {
        let visitor: i64 = sqlx::query_scalar(
            "INSERT INTO visitors (site_id, token, created_ms) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(site)
        .bind(format!("history-{n}"))
        .bind(past.asked_ms)
        .fetch_one(&mut db)
        .await
        .expect("a visitor of the past");
        let said = [
            Some((1, "visitor", None, past.asked_ms)),
            past.answered_ms.map(|at| (2, "agent", Some(agent), at)),
        ];
        let conversation: i64 = sqlx::query_scalar(
            "INSERT INTO conversations \
                 (site_id, visitor_id, state, agent_id, created_ms, taken_ms, closed_ms, last_seq, \
                  reply_mailed) \
             VALUES ($1, $2, 'closed', $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(site)
        .bind(visitor)
        .bind(past.taken_ms.map(|_| agent))
        .bind(past.asked_ms)
        .bind(past.taken_ms)
        .bind(past.closed_ms)
        .bind(said.iter().flatten().count() as i64)
        .bind(i64::from(past.reply_mailed))
        .fetch_one(&mut db)
        .await
        .expect("a conversation of the past");
        for (seq, author, agent, sent_ms) in said.into_iter().flatten() {
            sqlx::query(
                "INSERT INTO messages (conversation_id, seq, author, agent_id, body, sent_ms) \
                 VALUES ($1, $2, $3, $4, 'hola', $5)",
            )
            .bind(conversation)
            .bind(seq)
            .bind(author)
            .bind(agent)
            .bind(sent_ms)
            .execute(&mut db)
            .await
            .expect("a message of the past");
        }
    }
    db.close().await.expect("closing the database");
}
