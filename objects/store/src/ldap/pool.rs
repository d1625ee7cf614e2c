//! [`LdapPool`]: ldap3's synchronous connections in an r2d2 pool. A new connection connects
//! (with the configured time limit) and binds as the configured DN; a connection checked out
//! of the pool is dropped when ldap3 saw it close, so a restarted server gets fresh
//! connections instead of dead ones.

use diesel::r2d2::{self, ManageConnection};
use ldap3::{LdapConn, LdapConnSettings};

use super::{LdapConfig, LDAP};
use crate::error::{Error, Result};

/// Makes and checks directory connections for the pool.
#[derive(Debug)]
pub struct LdapManager {
    config: LdapConfig,
}

/// Why the pool could not make a connection.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConnectError(String);

impl ManageConnection for LdapManager {
    type Connection = LdapConn;
    type Error = ConnectError;

    fn connect(&self) -> std::result::Result<LdapConn, ConnectError> {
        let settings = LdapConnSettings::new().set_conn_timeout(self.config.timeout);
        let mut conn = LdapConn::with_settings(settings, &self.config.url)
            .map_err(|e| ConnectError(format!("connecting to {}: {e}", self.config.url)))?;
        if !self.config.bind_dn.is_empty() {
            conn.with_timeout(self.config.timeout)
                .simple_bind(&self.config.bind_dn, &self.config.bind_password)
                .and_then(|r| r.success())
                .map_err(|e| ConnectError(format!("binding as {}: {e}", self.config.bind_dn)))?;
        }
        Ok(conn)
    }

    fn is_valid(&self, _conn: &mut LdapConn) -> std::result::Result<(), ConnectError> {
        Ok(())
    }

    fn has_broken(&self, conn: &mut LdapConn) -> bool {
        conn.is_closed()
    }
}

/// A pool of bound connections to one directory server.
#[derive(Clone)]
pub struct LdapPool {
    inner: r2d2::Pool<LdapManager>,
    config: LdapConfig,
}

/// A connection checked out of the pool.
pub type PooledLdap = r2d2::PooledConnection<LdapManager>;

impl LdapPool {
    /// A pool for `config`; no connection is made yet.
    pub fn new(config: LdapConfig) -> LdapPool {
        let inner = r2d2::Pool::builder()
            .max_size(config.pool_size)
            .min_idle(Some(0))
            .idle_timeout(None)
            .max_lifetime(None)
            .connection_timeout(config.timeout)
            .test_on_check_out(false)
            .build_unchecked(LdapManager {
                config: config.clone(),
            });
        LdapPool { inner, config }
    }

    /// The settings.
    pub fn config(&self) -> &LdapConfig {
        &self.config
    }

    /// What to show of the server (its URL and bind DN, no password).
    pub fn describe(&self) -> String {
        format!("{} as '{}'", self.config.url, self.config.bind_dn)
    }

    /// A connection (waits up to the time limit for one).
    pub fn get(&self) -> Result<PooledLdap> {
        self.inner
            .get()
            .map_err(|e| Error::backend(LDAP, format!("connection: {e}")))
    }

    /// Whether the server answers: a search of the root DSE on a pooled connection (a
    /// connection that fails it is not given back).
    pub fn ping(&self) -> Result<()> {
        let mut conn = self.get()?;
        let answered = conn
            .with_timeout(self.config.timeout)
            .search("", ldap3::Scope::Base, "(objectClass=*)", vec!["1.1"])
            .and_then(|r| r.success());
        if let Err(e) = answered {
            // A broken connection must not go back to the pool.
            let _ = conn.unbind();
            return Err(Error::backend(LDAP, format!("ping: {e}")));
        }
        Ok(())
    }
}
