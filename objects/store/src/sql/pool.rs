//! Connections and the pool: [`Target`] parses the store URL (`sqlite://PATH`,
//! `sqlite::memory:`, `postgres://…`), [`Db`] is one diesel connection over SQLite or
//! PostgreSQL, [`Pool`] an r2d2 pool of them that sets every new connection up (SQLite: busy
//! timeout, WAL; PostgreSQL: the search path of the configured schema). Opening runs the
//! embedded migrations once, on a connection of its own.

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::time::Duration;

use crate::error::{Error, Result};

/// The migrations shipped in `objects/store/migrations`, the same SQL on both databases.
const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// One connection, to SQLite or to PostgreSQL.
#[derive(diesel::MultiConnection)]
pub enum Db {
    /// PostgreSQL through libpq.
    Pg(PgConnection),
    /// SQLite, built in.
    Sqlite(SqliteConnection),
}

/// Where the store is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An SQLite database file (`:memory:` for one in memory).
    Sqlite(String),
    /// A PostgreSQL database (a libpq URL) and the schema to use in it, if not `public`.
    Postgres {
        /// The connection URL.
        url: String,
        /// The schema the tables live in (created when missing).
        schema: Option<String>,
    },
}

impl Target {
    /// Reads a store URL: `sqlite://PATH` (relative or absolute), `sqlite::memory:`,
    /// `postgres://…` or `postgresql://…`; `schema` applies to PostgreSQL only.
    pub fn parse(url: &str, schema: Option<&str>) -> Result<Target> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            if let Some(s) = schema {
                if s.is_empty() || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(Error::invalid(format!(
                        "schema '{s}' is not allowed: letters, digits and '_'"
                    )));
                }
            }
            return Ok(Target::Postgres {
                url: url.to_owned(),
                schema: schema.map(str::to_owned),
            });
        }
        if url == "sqlite::memory:" {
            return Ok(Target::Sqlite(":memory:".to_owned()));
        }
        match url.strip_prefix("sqlite://") {
            Some(path) if !path.is_empty() => Ok(Target::Sqlite(path.to_owned())),
            _ => Err(Error::invalid(format!(
                "store '{url}' is not allowed: sqlite://PATH, sqlite::memory: or postgres://…"
            ))),
        }
    }

    /// The backend name errors carry.
    pub fn backend_name(&self) -> &'static str {
        "SQL"
    }

    /// What to show of the target (no password).
    pub fn describe(&self) -> String {
        match self {
            Target::Sqlite(path) => format!("sqlite://{path}"),
            Target::Postgres { url, schema } => {
                let host = url.rsplit('@').next().unwrap_or(url);
                let host = host
                    .trim_start_matches("postgresql://")
                    .trim_start_matches("postgres://");
                match schema {
                    Some(s) => format!("postgres://{host} schema {s}"),
                    None => format!("postgres://{host}"),
                }
            }
        }
    }

    fn connect(&self) -> std::result::Result<Db, r2d2::Error> {
        match self {
            Target::Sqlite(path) => {
                let mut conn =
                    SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL;")
                    .map_err(r2d2::Error::QueryError)?;
                Ok(Db::Sqlite(conn))
            }
            Target::Postgres { url, schema } => {
                let mut conn =
                    PgConnection::establish(url).map_err(r2d2::Error::ConnectionError)?;
                if let Some(schema) = schema {
                    conn.batch_execute(&format!(
                        "CREATE SCHEMA IF NOT EXISTS \"{schema}\"; SET search_path TO \"{schema}\";"
                    ))
                    .map_err(r2d2::Error::QueryError)?;
                }
                Ok(Db::Pg(conn))
            }
        }
    }
}

/// Makes and checks connections for the pool.
#[derive(Debug)]
pub struct Manager {
    target: Target,
}

impl ManageConnection for Manager {
    type Connection = Db;
    type Error = r2d2::Error;

    fn connect(&self) -> std::result::Result<Db, r2d2::Error> {
        self.target.connect()
    }

    fn is_valid(&self, conn: &mut Db) -> std::result::Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut Db) -> bool {
        use diesel::r2d2::R2D2Connection;
        conn.is_broken()
    }
}

/// A pool of connections to one store.
#[derive(Clone)]
pub struct Pool {
    inner: r2d2::Pool<Manager>,
    target: Target,
}

impl Pool {
    /// A pool for `target`; no connection is made yet (see [`Pool::migrate`]).
    pub fn new(target: Target) -> Pool {
        let size = match &target {
            Target::Sqlite(path) if path == ":memory:" => 1,
            Target::Sqlite(_) => 4,
            Target::Postgres { .. } => 8,
        };
        let inner = r2d2::Pool::builder()
            .max_size(size)
            .min_idle(Some(0))
            .idle_timeout(None)
            .max_lifetime(None)
            .connection_timeout(Duration::from_secs(2))
            .test_on_check_out(true)
            .build_unchecked(Manager {
                target: target.clone(),
            });
        Pool { inner, target }
    }

    /// Where the pool connects.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Runs the migrations not yet applied.
    pub fn migrate(&self) -> Result<()> {
        let backend = self.target.backend_name();
        let mut conn = self.get()?;
        let applied = match &mut *conn {
            Db::Pg(c) => c.run_pending_migrations(MIGRATIONS).map(|v| v.len()),
            Db::Sqlite(c) => c.run_pending_migrations(MIGRATIONS).map(|v| v.len()),
        };
        let applied = applied.map_err(|e| Error::backend(backend, format!("migrations: {e}")))?;
        if applied > 0 {
            tracing::info!(store = %self.target.describe(), applied, "object store migrated");
        }
        Ok(())
    }

    /// A connection from the pool (waits up to 2 s for one).
    pub fn get(&self) -> Result<r2d2::PooledConnection<Manager>> {
        self.inner
            .get()
            .map_err(|e| Error::backend(self.target.backend_name(), format!("connection: {e}")))
    }

    /// Whether the server answers: a fresh round trip on a pooled connection.
    pub fn ping(&self) -> Result<()> {
        let mut conn = self.get()?;
        conn.batch_execute("SELECT 1")
            .map_err(|e| Error::backend(self.target.backend_name(), format!("ping: {e}")))
    }
}
