//! [`BackendStatus`]: whether a backend is up, shared between its actor (which sets it) and
//! the commands (which read it before touching the backend, so a backend that is down
//! answers at once).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::Error;

/// Up or down, with the last reason it was down.
#[derive(Clone)]
pub struct BackendStatus {
    name: Arc<str>,
    up: Arc<AtomicBool>,
    reason: Arc<Mutex<String>>,
}

impl BackendStatus {
    /// A backend named `name` (`SQL`, `LDAP`), down until its actor connected.
    pub fn new(name: &str) -> Self {
        BackendStatus {
            name: name.into(),
            up: Arc::new(AtomicBool::new(false)),
            reason: Arc::new(Mutex::new("not connected yet".to_owned())),
        }
    }

    /// The backend's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Marks it up.
    pub fn set_up(&self) {
        self.up.store(true, Ordering::SeqCst);
    }

    /// Marks it down because of `reason`.
    pub fn set_down(&self, reason: &str) {
        self.up.store(false, Ordering::SeqCst);
        if let Ok(mut r) = self.reason.lock() {
            reason.clone_into(&mut r);
        }
    }

    /// Whether it is up.
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::SeqCst)
    }

    /// `Ok` when up, else the backend error to answer with.
    pub fn check(&self) -> Result<(), Error> {
        if self.is_up() {
            return Ok(());
        }
        let reason = self
            .reason
            .lock()
            .map(|r| r.clone())
            .unwrap_or_else(|_| "down".to_owned());
        Err(Error::backend(&self.name, format!("unavailable: {reason}")))
    }
}
