//! [`LdapPool`]: bound ldap3 connections, kept for reuse. A connection is taken idle from the
//! pool or made on the spot — one attempt, connecting and binding as the configured DN within
//! the time limit — so a server that is gone fails the call at once instead of after a wait
//! (a pool that retries connecting until its checkout timeout would hold every call for that
//! long). At most `pool_size` connections exist; a caller beyond that waits for one to come
//! back, up to the time limit. A connection ldap3 saw close is not given back.

use ldap3::{LdapConn, LdapConnSettings};
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Condvar, Mutex};

use super::{LdapConfig, LDAP};
use crate::error::{Error, Result};

struct Slots {
    idle: Vec<LdapConn>,
    /// Connections in existence (idle or checked out).
    open: u32,
}

struct Shared {
    config: LdapConfig,
    slots: Mutex<Slots>,
    returned: Condvar,
}

/// A pool of bound connections to one directory server.
#[derive(Clone)]
pub struct LdapPool {
    shared: Arc<Shared>,
}

/// A connection checked out of the pool; given back on drop unless it closed.
pub struct PooledLdap {
    conn: Option<LdapConn>,
    shared: Arc<Shared>,
}

impl Deref for PooledLdap {
    type Target = LdapConn;
    fn deref(&self) -> &LdapConn {
        self.conn
            .as_ref()
            .unwrap_or_else(|| unreachable!("taken only on drop"))
    }
}

impl DerefMut for PooledLdap {
    fn deref_mut(&mut self) -> &mut LdapConn {
        self.conn
            .as_mut()
            .unwrap_or_else(|| unreachable!("taken only on drop"))
    }
}

impl PooledLdap {
    /// Drops the connection instead of giving it back (after an error that may have left
    /// it unusable).
    pub fn discard(mut self) {
        if let Some(mut conn) = self.conn.take() {
            let _ = conn.unbind();
        }
        self.shared.release(None);
    }
}

impl Drop for PooledLdap {
    fn drop(&mut self) {
        if let Some(mut conn) = self.conn.take() {
            let keep = !conn.is_closed();
            self.shared.release(keep.then_some(conn));
        }
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Slots> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn release(&self, conn: Option<LdapConn>) {
        let mut slots = self.lock();
        match conn {
            Some(c) => slots.idle.push(c),
            None => slots.open = slots.open.saturating_sub(1),
        }
        drop(slots);
        self.returned.notify_one();
    }

    fn connect(&self) -> Result<LdapConn> {
        let config = &self.config;
        let settings = LdapConnSettings::new().set_conn_timeout(config.timeout);
        let mut conn = LdapConn::with_settings(settings, &config.url)
            .map_err(|e| Error::backend(LDAP, format!("connecting to {}: {e}", config.url)))?;
        if !config.bind_dn.is_empty() {
            conn.with_timeout(config.timeout)
                .simple_bind(&config.bind_dn, &config.bind_password)
                .and_then(|r| r.success())
                .map_err(|e| Error::backend(LDAP, format!("binding as {}: {e}", config.bind_dn)))?;
        }
        Ok(conn)
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Each ldap3 connection owns a small runtime, which must not be dropped inside an
        // async context (the pool often goes away with its plugin, on an actor's thread).
        let idle = std::mem::take(&mut self.lock().idle);
        if !idle.is_empty() {
            let dropped = std::thread::Builder::new()
                .name("ldap-pool-drop".to_owned())
                .spawn(move || drop(idle));
            if let Err(e) = dropped {
                tracing::warn!(error = %e, "LDAP connections not closed");
            }
        }
    }
}

impl LdapPool {
    /// A pool for `config`; no connection is made yet.
    pub fn new(config: LdapConfig) -> LdapPool {
        LdapPool {
            shared: Arc::new(Shared {
                config,
                slots: Mutex::new(Slots {
                    idle: Vec::new(),
                    open: 0,
                }),
                returned: Condvar::new(),
            }),
        }
    }

    /// The settings.
    pub fn config(&self) -> &LdapConfig {
        &self.shared.config
    }

    /// What to show of the server (its URL and bind DN, no password).
    pub fn describe(&self) -> String {
        format!(
            "{} as '{}'",
            self.shared.config.url, self.shared.config.bind_dn
        )
    }

    /// A connection: an idle one, else a new one (one attempt), else — all `pool_size` in
    /// use — the next one given back within the time limit.
    pub fn get(&self) -> Result<PooledLdap> {
        let shared = &self.shared;
        let mut slots = shared.lock();
        let deadline = std::time::Instant::now() + shared.config.timeout;
        loop {
            if let Some(conn) = slots.idle.pop() {
                return Ok(PooledLdap {
                    conn: Some(conn),
                    shared: shared.clone(),
                });
            }
            if slots.open < shared.config.pool_size {
                slots.open += 1;
                drop(slots);
                return match shared.connect() {
                    Ok(conn) => Ok(PooledLdap {
                        conn: Some(conn),
                        shared: shared.clone(),
                    }),
                    Err(e) => {
                        shared.release(None);
                        Err(e)
                    }
                };
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Err(Error::backend(
                    LDAP,
                    format!(
                        "all {} connections stayed busy for {:?}",
                        shared.config.pool_size, shared.config.timeout
                    ),
                ));
            }
            slots = shared
                .returned
                .wait_timeout(slots, left)
                .map(|(s, _)| s)
                .unwrap_or_else(|p| p.into_inner().0);
        }
    }

    /// Whether the server answers: a search of the root DSE on a pooled connection (a
    /// connection that fails it is not given back).
    pub fn ping(&self) -> Result<()> {
        let mut conn = self.get()?;
        let answered = conn
            .with_timeout(self.shared.config.timeout)
            .search("", ldap3::Scope::Base, "(objectClass=*)", vec!["1.1"])
            .and_then(|r| r.success());
        if let Err(e) = answered {
            conn.discard();
            return Err(Error::backend(LDAP, format!("ping: {e}")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn a_server_that_is_not_there_fails_at_once() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or(1);
        let config = LdapConfig::new(&format!("ldap://127.0.0.1:{port}/"), "", "", "", 2, 5.0)
            .expect("config");
        let pool = LdapPool::new(config);
        let started = Instant::now();
        let e = pool.ping().expect_err("nobody listens");
        assert_eq!(e.backend.as_deref(), Some(LDAP));
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        // The failed attempts gave their slots back.
        assert!(pool.ping().is_err());
        assert_eq!(pool.shared.lock().open, 0);
    }
}
