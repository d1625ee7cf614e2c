//! Revoked tokens, the same on every node: `auth.revoke` publishes a `TokenRevoked` event
//! and every node's `auth` plugin adds the id to its list, kept until the token would have
//! expired anyway. A node that starts later asks the domain for its list, as a joining node
//! asks for the ACL set: once its subscription receives, it sends a `TokenRevocations`
//! without tokens (a request), and every node holding revocations of unexpired tokens
//! answers with a `TokenRevocations` listing them, which the starting node adds to its own.
//! Both events are node-only: callers cannot publish them, and over AMQP they are believed
//! from node accounts only. With `[auth] revocations_file` the list is also kept on disk
//! (`revocations_file`) and read at start, so it outlives a restart of every node; without,
//! a node that starts while no node of the domain runs learns of no earlier revocation, and
//! only the tokens' short life (`[auth] token_ttl`) bounds the damage.

use clacks_runtime::call::unix_millis_now;
use clacks_runtime::events::Event;
use clacks_runtime::Error;
use clacks_xml::document::write::XmlWriter;
use clacks_xml::events::timestamp;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use super::revocations_file;
use super::token::Claims;

/// Token ids revoked, with their expiry (Unix ms), and the file they are kept in if any.
#[derive(Default)]
pub struct Revoked {
    ids: Mutex<HashMap<String, u64>>,
    file: Option<PathBuf>,
}

impl Revoked {
    /// The list kept in `file` (read now: what it holds that has not expired), or in memory
    /// only when `file` is empty.
    pub fn open(file: &str) -> Result<Revoked, Error> {
        let file = file.trim();
        if file.is_empty() {
            return Ok(Revoked::default());
        }
        let path = PathBuf::from(file);
        let revoked = Revoked {
            ids: Mutex::default(),
            file: Some(path.clone()),
        };
        let now = unix_millis_now();
        let mut ids = revoked.lock();
        ids.extend(
            revocations_file::load(&path)?
                .into_iter()
                .filter(|(_, expires)| *expires > now),
        );
        drop(ids);
        Ok(revoked)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, u64>> {
        self.ids.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds `id`, dropping the revocations of tokens that have expired since; an error when
    /// the revocation could not be written to the file (it holds in memory all the same).
    pub fn insert(&self, id: &str, expires_ms: u64) -> Result<(), Error> {
        let now = unix_millis_now();
        let mut ids = self.lock();
        ids.retain(|_, expires| *expires > now);
        ids.insert(id.to_owned(), expires_ms);
        self.keep(&ids)
    }

    /// Adds every `(id, expiry)` of `tokens` (another node's list) that has not expired; an
    /// error as for [`insert`](Self::insert).
    pub fn extend(&self, tokens: &[(String, u64)]) -> Result<(), Error> {
        let now = unix_millis_now();
        let mut ids = self.lock();
        let held = ids.len();
        ids.retain(|_, expires| *expires > now);
        // Every node answers a starting node with its whole list: most of it is known here
        // already, and the file is rewritten only when something changed.
        let mut changed = ids.len() != held;
        for (id, expires) in tokens.iter().filter(|(_, e)| *e > now) {
            changed |= ids.insert(id.clone(), *expires) != Some(*expires);
        }
        if !changed {
            return Ok(());
        }
        self.keep(&ids)
    }

    /// Writes `ids` to the file, if there is one (under the lock, so the file never goes back
    /// to an older list than memory).
    fn keep(&self, ids: &HashMap<String, u64>) -> Result<(), Error> {
        let Some(path) = &self.file else {
            return Ok(());
        };
        let mut list: Vec<(String, u64)> = ids.iter().map(|(i, e)| (i.clone(), *e)).collect();
        list.sort();
        revocations_file::save(path, &list)
    }

    /// The revocations of tokens not yet expired, by id.
    pub fn current(&self) -> Vec<(String, u64)> {
        let now = unix_millis_now();
        let ids = self.lock();
        let mut list: Vec<(String, u64)> = ids
            .iter()
            .filter(|(_, expires)| **expires > now)
            .map(|(id, expires)| (id.clone(), *expires))
            .collect();
        list.sort();
        list
    }

    /// Whether `id` was revoked.
    pub fn contains(&self, id: &str) -> bool {
        self.lock().contains_key(id)
    }
}

/// The `TokenRevoked` event of `claims`, revoked on `node`.
pub fn event_xml(node: &str, claims: &Claims) -> String {
    let mut w = XmlWriter::new();
    w.start("Event").attribute("xmlns", clacks_xml::EVENTS_NS);
    w.start("TokenRevoked");
    w.leaf("Node", node)
        .leaf("Id", &claims.id)
        .leaf("User", &claims.user)
        .leaf("ExpiresMs", &claims.expires_ms.to_string())
        .leaf(
            "Timestamp",
            &timestamp::from_unix_millis(unix_millis_now() as i64),
        );
    w.finish()
}

/// A `TokenRevocations` event from `node` listing `tokens`; with none, a request for the
/// domain's list.
pub fn list_xml(node: &str, tokens: &[(String, u64)]) -> String {
    let mut w = XmlWriter::new();
    w.start("Event").attribute("xmlns", clacks_xml::EVENTS_NS);
    w.start("TokenRevocations");
    w.leaf("Node", node);
    for (id, expires_ms) in tokens {
        w.start("Token");
        w.leaf("Id", id).leaf("ExpiresMs", &expires_ms.to_string());
        w.end();
    }
    w.leaf(
        "Timestamp",
        &timestamp::from_unix_millis(unix_millis_now() as i64),
    );
    w.finish()
}

/// The sender and the (id, expiry) pairs of a delivered `TokenRevocations` event (none: a
/// request); `None` when it names no sender. A token without a readable expiry is skipped.
pub fn list_from_event(event: &Event) -> Option<(String, Vec<(String, u64)>)> {
    let element = event.element()?;
    let node = element
        .child_elements()
        .find(|c| c.local_name() == "Node")
        .map(|c| c.text().trim().to_owned())?;
    let tokens = element
        .child_elements()
        .filter(|c| c.local_name() == "Token")
        .filter_map(|token| {
            let text = |name: &str| {
                token
                    .child_elements()
                    .find(|c| c.local_name() == name)
                    .map(|c| c.text().trim().to_owned())
            };
            Some((text("Id")?, text("ExpiresMs")?.parse().ok()?))
        })
        .collect();
    Some((node, tokens))
}

/// The (id, expiry in Unix ms) a delivered `TokenRevoked` event names.
pub fn from_event(event: &Event) -> Option<(String, u64)> {
    let element = event.element()?;
    let text = |name: &str| {
        element
            .child_elements()
            .find(|c| c.local_name() == name)
            .map(|c| c.text().trim().to_owned())
    };
    let id = text("Id")?;
    let expires = text("ExpiresMs")?.parse().ok()?;
    Some((id, expires))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_is_a_valid_event_read_back_and_only_unexpired_tokens_are_kept_and_answered() {
        let now = unix_millis_now();
        let revoked = Revoked::default();
        revoked.insert("old-token-id", now - 1).unwrap();
        revoked
            .extend(&[
                ("q7Xf0_-kP2mZ3aQe".to_owned(), now + 60_000),
                ("expired-before-it-came".to_owned(), now - 1_000),
            ])
            .unwrap();
        assert!(revoked.contains("q7Xf0_-kP2mZ3aQe"));
        assert!(!revoked.contains("expired-before-it-came"));
        let current = revoked.current();
        assert_eq!(current, vec![("q7Xf0_-kP2mZ3aQe".to_owned(), now + 60_000)]);
        let schemas = clacks_xml::SchemaSet::builtin().expect("built-in schemas");
        for tokens in [&current[..], &[]] {
            let xml = list_xml("n1", tokens);
            let checked = clacks_runtime::events::check(&xml, &schemas, true).expect("valid");
            assert_eq!(checked.name, "TokenRevocations", "{xml}");
            let event = Event {
                name: checked.name,
                origin: "n1".into(),
                xml: xml.as_str().into(),
                document: checked.document,
            };
            assert_eq!(
                list_from_event(&event),
                Some(("n1".to_owned(), tokens.to_vec()))
            );
        }
    }

    #[test]
    fn a_list_kept_in_a_file_is_there_for_the_next_start_without_what_expired() {
        let dir = std::env::temp_dir().join(format!("clacks-revoked-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("revoked").display().to_string();
        let now = unix_millis_now();
        let first = Revoked::open(&file).unwrap();
        first.insert("kept", now + 60_000).unwrap();
        first
            .extend(&[("adopted".to_owned(), now + 60_000)])
            .unwrap();
        first.insert("soon-expired", now + 300).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(400));
        let next = Revoked::open(&file).unwrap();
        assert!(next.contains("kept") && next.contains("adopted"));
        assert!(!next.contains("soon-expired"));
        assert!(
            !Revoked::open("").unwrap().contains("kept"),
            "no file: memory only"
        );
        std::fs::write(&file, "kept not-a-number\n").unwrap();
        let e = Revoked::open(&file)
            .err()
            .expect("a broken file stops the start");
        assert!(e.to_string().contains("line 1"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
