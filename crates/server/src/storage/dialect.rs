//! The few places where SQLite and PostgreSQL need different SQL: how a writing transaction
//! starts, row locks, and each engine's migrations.

use sqlx::migrate::Migrator;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database engine a `DATABASE_URL` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// One file, one writer at a time: the default for one shop on one server.
    Sqlite,
    /// Shared by several servers: row locks decide races between them.
    Postgres,
}

impl Dialect {
    pub fn of(url: &str) -> Result<Self, sqlx::Error> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Self::Postgres)
        } else {
            Err(sqlx::Error::Configuration(
                format!("DATABASE_URL must start with sqlite:// or postgres://, not {url:?}")
                    .into(),
            ))
        }
    }

    /// The URL to connect with: a SQLite file is created when missing.
    pub fn connect_url(self, url: &str) -> String {
        match self {
            Self::Sqlite if !url.contains("mode=") && !url.contains(":memory:") => {
                let join = if url.contains('?') { '&' } else { '?' };
                format!("{url}{join}mode=rwc")
            }
            _ => url.to_owned(),
        }
    }

    /// Connections per server: SQLite has one writer anyway; PostgreSQL serves many servers,
    /// each taking a share of its connection limit.
    pub fn pool_size(self) -> u32 {
        match self {
            Self::Sqlite => 8,
            Self::Postgres => 16,
        }
    }

    /// Starts a transaction that will write. SQLite takes the write lock at once, so two
    /// writers never both read and then deadlock upgrading; PostgreSQL locks rows as it goes
    /// (see [`Dialect::for_update`]).
    pub fn begin_write(self) -> &'static str {
        match self {
            Self::Sqlite => "BEGIN IMMEDIATE",
            Self::Postgres => "BEGIN",
        }
    }

    /// Locks a visitor's row (`$1`) until the transaction ends, so that one visitor's writes
    /// take turns. SQLite's writing transaction already excludes every other writer.
    pub fn lock_visitor(self) -> Option<&'static str> {
        match self {
            Self::Sqlite => None,
            Self::Postgres => Some("SELECT id FROM visitors WHERE id = $1 FOR UPDATE"),
        }
    }

    /// Locks a site's row (`$1`) until the transaction ends, so that changes to its team and
    /// its automatic assignments take turns. SQLite's writing transaction already excludes
    /// every other writer.
    pub fn lock_site(self) -> Option<&'static str> {
        match self {
            Self::Sqlite => None,
            // NO KEY: rows that only point at the site (new visitors, conversations) are not
            // held up by it.
            Self::Postgres => Some("SELECT id FROM sites WHERE id = $1 FOR NO KEY UPDATE"),
        }
    }

    /// Appended to a `SELECT` whose rows the transaction goes on to change. SQLite's writing
    /// transaction already excludes every other writer.
    pub fn for_update(self) -> &'static str {
        match self {
            Self::Sqlite => "",
            Self::Postgres => " FOR UPDATE",
        }
    }

    /// Appended to the `SELECT` that picks the next waiting visitor, so agents taking "next"
    /// at the same instant on different servers each get a different one instead of queueing
    /// behind the same row.
    pub fn skip_locked(self) -> &'static str {
        match self {
            Self::Sqlite => "",
            Self::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// Statements run on every new connection.
    pub fn on_connect(self) -> Option<&'static str> {
        match self {
            // WAL lets readers go on while one writer writes; NORMAL sync is durable in WAL
            // mode against process crashes, which is what a restart must survive. The log is
            // copied back by a background task (see `checkpoint_while_open`); SQLite's own
            // checkpoint, on the committing writer, is only the backstop for a large log.
            Self::Sqlite => Some(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; \
                 PRAGMA wal_autocheckpoint = 10000;",
            ),
            Self::Postgres => None,
        }
    }

    pub fn migrations(self) -> &'static Migrator {
        match self {
            Self::Sqlite => &SQLITE_MIGRATIONS,
            Self::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_engine() {
        assert_eq!(Dialect::of("sqlite://pronto.db").unwrap(), Dialect::Sqlite);
        assert_eq!(
            Dialect::of("postgres://postgres@127.0.0.1/pronto").unwrap(),
            Dialect::Postgres
        );
        assert!(Dialect::of("mysql://root@localhost/pronto").is_err());
    }

    #[test]
    fn sqlite_files_are_created_when_missing() {
        assert_eq!(
            Dialect::Sqlite.connect_url("sqlite://pronto.db"),
            "sqlite://pronto.db?mode=rwc"
        );
        assert_eq!(
            Dialect::Sqlite.connect_url("sqlite://pronto.db?mode=ro"),
            "sqlite://pronto.db?mode=ro"
        );
    }
}
