//! The SQL side: where the store lives ([`Target`]: an SQLite file, in memory, or a
//! PostgreSQL database with an optional schema), the connection type over both ([`Db`]),
//! the pool and the migrations shipped with the crate (embedded, run at open).
//!
//! Layout: `schema` (the tables), `pool` (connections, pool, migrations).

mod pool;
pub mod schema;

pub use pool::{Db, Pool, Target};
