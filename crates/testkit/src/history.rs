//! A shop's past, written straight into its database: what the reply-time estimator learns
//! from, without serving dozens of visitors in every test that needs a shop with a history.

use sqlx::Connection;

const MINUTE: i64 = 60_000;

/// Writes into the database at `database_url` that the agent `agent_email` of site `site`
/// served `chats` visitors back to back, all morning: each waited two minutes in the queue
/// and chatted four, the last one finishing now.
pub async fn served(database_url: &str, site: &str, agent_email: &str, chats: i64) {
    sqlx::any::install_default_drivers();
    let mut db = sqlx::AnyConnection::connect(database_url)
        .await
        .expect("the test's database");
    let agent: i64 = sqlx::query_scalar("SELECT id FROM agents WHERE email = $1")
        .bind(agent_email)
        .fetch_one(&mut db)
        .await
        .expect("the agent exists");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as i64;
    let start = now - (chats + 1) * 4 * MINUTE;
    for n in 1..=chats {
        let taken = start + n * 4 * MINUTE;
        let visitor: i64 = sqlx::query_scalar(
            "INSERT INTO visitors (site_id, token, created_ms) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(site)
        .bind(format!("history-{n}"))
        .bind(taken - 2 * MINUTE)
        .fetch_one(&mut db)
        .await
        .expect("a visitor of the past");
        sqlx::query(
            "INSERT INTO conversations \
                 (site_id, visitor_id, state, agent_id, created_ms, taken_ms, closed_ms) \
             VALUES ($1, $2, 'closed', $3, $4, $5, $6)",
        )
        .bind(site)
        .bind(visitor)
        .bind(agent)
        .bind(taken - 2 * MINUTE)
        .bind(taken)
        .bind(taken + 4 * MINUTE)
        .execute(&mut db)
        .await
        .expect("a conversation of the past");
    }
    db.close().await.expect("closing the database");
}
