//! Throwaway storage for tests and benchmarks: a fresh SQLite file, or a fresh PostgreSQL
//! database with its own Redis channel prefix, removed afterwards, so that runs — even two
//! at once on one machine — never see each other's data.
//!
//! `PRONTO_TEST_BACKEND=postgres` picks PostgreSQL and Redis (at `PRONTO_TEST_POSTGRES_URL`,
//! default `postgres://postgres@127.0.0.1:5432/postgres`, and `PRONTO_TEST_REDIS_URL`, default
//! `redis://127.0.0.1:6379`); anything else, or nothing, picks SQLite.

use rand::Rng;
use sqlx::Connection;
use sqlx::postgres::PgConnection;

const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const DEFAULT_REDIS: &str = "redis://127.0.0.1:6379";

/// Which storage the test suite runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// One SQLite file, events within one server.
    Sqlite,
    /// PostgreSQL shared by any number of servers, events through Redis.
    Postgres,
}

impl Backend {
    /// What `PRONTO_TEST_BACKEND` asks for.
    pub fn from_env() -> Self {
        match std::env::var("PRONTO_TEST_BACKEND").as_deref() {
            Ok("postgres") => Self::Postgres,
            _ => Self::Sqlite,
        }
    }
}

/// A database nobody else uses, and (on PostgreSQL) a Redis prefix nobody else uses; both go
/// away when this is dropped.
pub struct Scratch {
    pub backend: Backend,
    pub database_url: String,
    /// Set on PostgreSQL: servers sharing `database_url` share events through it.
    pub redis_url: Option<String>,
    pub redis_prefix: String,
    postgres: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl Scratch {
    /// Fresh storage on the backend `PRONTO_TEST_BACKEND` names.
    pub async fn from_env() -> Self {
        Self::new(Backend::from_env()).await
    }

    pub async fn new(backend: Backend) -> Self {
        let name = format!("pronto_test_{}", random_suffix());
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary folder");
                let database_url = format!("sqlite://{}", dir.path().join("pronto.db").display());
                Self {
                    backend,
                    database_url,
                    redis_url: None,
                    redis_prefix: name,
                    postgres: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let admin = std::env::var("PRONTO_TEST_POSTGRES_URL")
                    .unwrap_or_else(|_| DEFAULT_POSTGRES.into());
                let mut connection = PgConnection::connect(&admin).await.unwrap_or_else(|e| {
                    panic!("PostgreSQL at {admin} (set PRONTO_TEST_POSTGRES_URL): {e}")
                });
                sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
                    .execute(&mut connection)
                    .await
                    .expect("create a scratch database");
                let _ = connection.close().await;
                let database_url = with_database(&admin, &name);
                let redis_url =
                    std::env::var("PRONTO_TEST_REDIS_URL").unwrap_or_else(|_| DEFAULT_REDIS.into());
                Self {
                    backend,
                    database_url,
                    redis_url: Some(redis_url),
                    redis_prefix: name.clone(),
                    postgres: Some((admin, name)),
                    _dir: None,
                }
            }
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let Some((admin, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot be blocked on; a thread with its
        // own runtime removes the database. FORCE ends the servers' leftover connections.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                let mut connection = PgConnection::connect(&admin).await?;
                sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut connection)
                    .await?;
                connection.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop a scratch database: {dropped:?}");
        }
    }
}

/// `admin` with its database name replaced by `name`.
fn with_database(admin: &str, name: &str) -> String {
    let (base, query) = match admin.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (admin, None),
    };
    // The part after the host is the database; `postgres://host` has none.
    let host_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[host_end..].find('/') {
        Some(slash) => &base[..host_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

fn random_suffix() -> String {
    let mut rng = rand::thread_rng();
    (0..12)
        .map(|_| char::from(b'a' + rng.gen_range(0..26)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h/db?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
