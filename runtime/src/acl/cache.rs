//! Decisions cached per (user, topic, rights, base). A lookup hashes the borrowed strings and
//! compares them in place, so a hit allocates nothing; a miss stores the decision only if the
//! set it was computed on is still the current one (the generation), so a change racing a
//! check never leaves a stale decision behind. Every change clears the cache.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, RwLock};

use super::{Decision, Rights};

/// Most decisions kept; past it the cache starts over (a bound on memory, not an LRU: the
/// working set of a node is small and a refill is cheap).
pub const CAPACITY: usize = 65_536;

struct Slot {
    user: Box<str>,
    topic: Box<str>,
    rights: Rights,
    base: Box<str>,
    decision: Arc<Decision>,
}

#[derive(Default)]
struct Table {
    generation: u64,
    len: usize,
    slots: HashMap<u64, Vec<Slot>>,
}

/// The decision cache.
#[derive(Default)]
pub struct DecisionCache {
    table: RwLock<Table>,
}

fn key_hash(user: &str, topic: &str, rights: Rights, base: &str) -> u64 {
    let mut h = DefaultHasher::new();
    user.hash(&mut h);
    topic.hash(&mut h);
    rights.hash(&mut h);
    base.hash(&mut h);
    h.finish()
}

impl DecisionCache {
    /// The cached decision, if any.
    pub fn get(
        &self,
        user: &str,
        topic: &str,
        rights: Rights,
        base: &str,
    ) -> Option<Arc<Decision>> {
        let hash = key_hash(user, topic, rights, base);
        let table = self.table.read().unwrap_or_else(|p| p.into_inner());
        table.slots.get(&hash)?.iter().find_map(|s| {
            (&*s.user == user && &*s.topic == topic && s.rights == rights && &*s.base == base)
                .then(|| s.decision.clone())
        })
    }

    /// Stores a decision computed on the set of `generation` (dropped if the set changed since).
    pub fn put(
        &self,
        generation: u64,
        user: &str,
        topic: &str,
        rights: Rights,
        base: &str,
        decision: Arc<Decision>,
    ) {
        let hash = key_hash(user, topic, rights, base);
        let mut table = self.table.write().unwrap_or_else(|p| p.into_inner());
        if table.generation != generation {
            return;
        }
        if table.len >= CAPACITY {
            table.slots.clear();
            table.len = 0;
        }
        let bucket = table.slots.entry(hash).or_default();
        if bucket.iter().any(|s| {
            &*s.user == user && &*s.topic == topic && s.rights == rights && &*s.base == base
        }) {
            return;
        }
        bucket.push(Slot {
            user: user.into(),
            topic: topic.into(),
            rights,
            base: base.into(),
            decision,
        });
        table.len += 1;
    }

    /// Forgets everything and moves to `generation` (called under the set's write lock).
    pub fn invalidate(&self, generation: u64) {
        let mut table = self.table.write().unwrap_or_else(|p| p.into_inner());
        table.generation = generation;
        table.slots.clear();
        table.len = 0;
    }

    /// Decisions held.
    pub fn len(&self) -> usize {
        self.table.read().unwrap_or_else(|p| p.into_inner()).len
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acl::Verdict;

    fn denied() -> Arc<Decision> {
        Arc::new(Decision {
            verdict: Verdict::NoEntry,
        })
    }

    #[test]
    fn a_put_is_found_by_its_whole_key_only() {
        let cache = DecisionCache::default();
        cache.put(0, "u", "t", Rights::READ, "dc=x", denied());
        assert!(cache.get("u", "t", Rights::READ, "dc=x").is_some());
        assert!(cache.get("u", "t", Rights::WRITE, "dc=x").is_none());
        assert!(cache.get("v", "t", Rights::READ, "dc=x").is_none());
        assert!(cache.get("u", "t", Rights::READ, "dc=y").is_none());
    }

    #[test]
    fn invalidate_forgets_and_a_put_from_an_older_generation_is_dropped() {
        let cache = DecisionCache::default();
        cache.put(0, "u", "t", Rights::READ, "b", denied());
        cache.invalidate(1);
        assert_eq!(cache.len(), 0);
        cache.put(0, "u", "t", Rights::READ, "b", denied());
        assert!(cache.get("u", "t", Rights::READ, "b").is_none());
        cache.put(1, "u", "t", Rights::READ, "b", denied());
        assert_eq!(cache.len(), 1);
    }
}
