//! [`AclEngine`]: the node's one ACL set with its settings (domain, root base, admins, groups)
//! and the decision cache, shared by every path that checks (dispatch, the event stream, the
//! object layer, the `acl` plugin). Reads take a snapshot (`Arc`) of the current set, so checks
//! never wait for a change and a change never waits for checks; each change bumps the
//! generation and clears the cache.

use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};

use super::cache::DecisionCache;
use super::resolve::{resolve, Decision, Groups, Query, Verdict};
use super::{dn, AclSet, Rights};
use crate::Error;

/// What an engine is configured with (`[acl]`).
#[derive(Debug, Clone, Default)]
pub struct AclConfig {
    /// The domain: the first part of every topic (`org.clacks`).
    pub domain: String,
    /// The ACL root (`[acl] base`): the base checks without one use and the highest level the
    /// resolver walks up to. Empty: the walk goes to the top of every DN.
    pub root: String,
    /// Users allowed everything, whatever the set says.
    pub admins: BTreeSet<String>,
    /// `%group` members: group → users.
    pub groups: Groups,
}

struct State {
    set: Arc<AclSet>,
    generation: u64,
    has_options: bool,
}

struct Inner {
    config: AclConfig,
    state: RwLock<Arc<State>>,
    cache: DecisionCache,
}

/// The ACL engine (cheap to clone: all clones share one set and cache).
#[derive(Clone)]
pub struct AclEngine {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for AclEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AclEngine")
            .field("config", &self.inner.config)
            .field("generation", &self.state().generation)
            .finish()
    }
}

impl AclEngine {
    /// An engine over `set`.
    pub fn new(mut config: AclConfig, set: AclSet) -> AclEngine {
        config.root = dn::normalize(&config.root);
        let has_options = set.has_options();
        AclEngine {
            inner: Arc::new(Inner {
                config,
                state: RwLock::new(Arc::new(State {
                    set: Arc::new(set),
                    generation: 0,
                    has_options,
                })),
                cache: DecisionCache::default(),
            }),
        }
    }

    fn state(&self) -> Arc<State> {
        self.inner
            .state
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The settings.
    pub fn config(&self) -> &AclConfig {
        &self.inner.config
    }

    /// The current set (a snapshot).
    pub fn set(&self) -> Arc<AclSet> {
        self.state().set.clone()
    }

    /// How many changes the set has seen since the engine started.
    pub fn generation(&self) -> u64 {
        self.state().generation
    }

    /// True when some action of the current set has options: only then do checks need the
    /// call's arguments (callers skip building them otherwise).
    pub fn uses_options(&self) -> bool {
        self.state().has_options
    }

    /// Decisions in the cache.
    pub fn cached(&self) -> usize {
        self.inner.cache.len()
    }

    /// May `user` have `rights` on `topic` at `base` (`None`: the root), given the call's
    /// arguments `args` (matched against action options)? Cached.
    pub fn check(
        &self,
        user: &str,
        topic: &str,
        rights: Rights,
        base: Option<&str>,
        args: &Map<String, Value>,
    ) -> Arc<Decision> {
        if self.inner.config.admins.contains(user) {
            return Arc::new(Decision {
                verdict: Verdict::Admin,
            });
        }
        let base = self.base_of(base);
        let state = self.state();
        // Arguments only matter when some action has options; otherwise the key says it all.
        let cacheable = args.is_empty() || !state.has_options;
        if cacheable {
            if let Some(hit) = self.inner.cache.get(user, topic, rights, &base) {
                return hit;
            }
        }
        let decision = Arc::new(self.decide(&state.set, user, topic, rights, &base, args));
        if cacheable {
            self.inner.cache.put(
                state.generation,
                user,
                topic,
                rights,
                &base,
                decision.clone(),
            );
        }
        decision
    }

    /// The same decision without the cache (what the benchmark compares against).
    pub fn check_uncached(
        &self,
        user: &str,
        topic: &str,
        rights: Rights,
        base: Option<&str>,
        args: &Map<String, Value>,
    ) -> Decision {
        if self.inner.config.admins.contains(user) {
            return Decision {
                verdict: Verdict::Admin,
            };
        }
        let base = self.base_of(base);
        self.decide(&self.state().set, user, topic, rights, &base, args)
    }

    fn base_of<'a>(&'a self, base: Option<&'a str>) -> Cow<'a, str> {
        match base {
            None | Some("") => Cow::Borrowed(&self.inner.config.root),
            Some(b) if b.trim() == b && !b.contains(", ") && !b.contains(" ,") => Cow::Borrowed(b),
            Some(b) => Cow::Owned(dn::normalize(b)),
        }
    }

    fn decide(
        &self,
        set: &AclSet,
        user: &str,
        topic: &str,
        rights: Rights,
        base: &str,
        args: &Map<String, Value>,
    ) -> Decision {
        let query = Query {
            user,
            topic,
            rights,
            base,
            args,
        };
        resolve(
            set,
            &self.inner.config.groups,
            &self.inner.config.root,
            &query,
        )
    }

    /// Applies `change` to a copy of the set; if it succeeds the copy becomes the set, the
    /// generation moves on and the cache is cleared. A failed change leaves everything as it was.
    pub fn update<T>(
        &self,
        change: impl FnOnce(&mut AclSet) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut state = self.inner.state.write().unwrap_or_else(|p| p.into_inner());
        let mut next = (*state.set).clone();
        let out = change(&mut next)?;
        next.validate()?;
        let generation = state.generation + 1;
        *state = Arc::new(State {
            has_options: next.has_options(),
            set: Arc::new(next),
            generation,
        });
        self.inner.cache.invalidate(generation);
        Ok(out)
    }

    /// Replaces the whole set (a joining node loading the domain's set, a reload).
    pub fn replace(&self, set: AclSet) -> Result<(), Error> {
        self.update(|current| {
            *current = set;
            Ok(())
        })
    }

    /// `D.command.PLUGIN.METHOD`.
    pub fn command_topic(&self, plugin: &str, command: &str) -> String {
        format!("{}.command.{plugin}.{command}", self.inner.config.domain)
    }

    /// `D.event.NAME`.
    pub fn event_topic(&self, event: &str) -> String {
        format!("{}.event.{event}", self.inner.config.domain)
    }

    /// `D.objects.TYPE`.
    pub fn object_topic(&self, object_type: &str) -> String {
        format!("{}.objects.{object_type}", self.inner.config.domain)
    }

    /// `D.objects.TYPE.attributes.ATTR`.
    pub fn attribute_topic(&self, object_type: &str, attribute: &str) -> String {
        format!(
            "{}.objects.{object_type}.attributes.{attribute}",
            self.inner.config.domain
        )
    }

    /// `D.objects.TYPE.methods.METHOD`.
    pub fn object_method_topic(&self, object_type: &str, method: &str) -> String {
        format!(
            "{}.objects.{object_type}.methods.{method}",
            self.inner.config.domain
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acl::file;

    fn engine(text: &str, admins: &[&str]) -> AclEngine {
        AclEngine::new(
            AclConfig {
                domain: "org.clacks".into(),
                root: "dc=example,dc=net".into(),
                admins: admins.iter().map(|a| a.to_string()).collect(),
                groups: Groups::new(),
            },
            file::parse(text, "t").unwrap(),
        )
    }

    const ONE_GRANT: &str = r#"{"acl": {"dc=example,dc=net": [{"acls": [{"id": 1,
        "priority": 0, "scope": "sub", "members": ["^alice$"],
        "actions": [{"topic": "^org\\.clacks\\.command\\.core\\.ping$", "acls": "x"}]}]}]}}"#;

    #[test]
    fn admins_are_allowed_everything_and_others_only_what_an_entry_grants() {
        let e = engine(ONE_GRANT, &["root"]);
        let none = Map::new();
        let topic = e.command_topic("core", "ping");
        assert_eq!(topic, "org.clacks.command.core.ping");
        assert!(e
            .check("root", "anything", Rights::DELETE, None, &none)
            .allowed());
        assert!(e
            .check("alice", &topic, Rights::EXECUTE, None, &none)
            .allowed());
        assert!(!e
            .check("bob", &topic, Rights::EXECUTE, None, &none)
            .allowed());
    }

    #[test]
    fn an_empty_set_allows_nobody_but_the_admins() {
        let e = engine("{}", &["root"]);
        let none = Map::new();
        assert!(!e.check("alice", "x", Rights::READ, None, &none).allowed());
        assert!(e.check("root", "x", Rights::READ, None, &none).allowed());
    }

    #[test]
    fn every_change_clears_the_cache_and_is_seen_by_the_next_check() {
        let e = engine(ONE_GRANT, &[]);
        let none = Map::new();
        let topic = e.command_topic("core", "ping");
        assert!(e
            .check("alice", &topic, Rights::EXECUTE, None, &none)
            .allowed());
        assert_eq!(e.cached(), 1);
        e.update(|set| set.remove_entry(1).map(|_| ())).unwrap();
        assert_eq!(e.cached(), 0);
        assert!(!e
            .check("alice", &topic, Rights::EXECUTE, None, &none)
            .allowed());
        assert_eq!(e.generation(), 1);
    }

    #[test]
    fn a_failed_change_leaves_set_generation_and_cache_alone() {
        let e = engine(ONE_GRANT, &[]);
        let none = Map::new();
        let topic = e.command_topic("core", "ping");
        e.check("alice", &topic, Rights::EXECUTE, None, &none);
        assert!(e.update(|set| set.remove_entry(42).map(|_| ())).is_err());
        assert_eq!(e.generation(), 0);
        assert_eq!(e.cached(), 1);
    }

    #[test]
    fn a_base_with_blanks_is_the_same_base() {
        let e = engine(ONE_GRANT, &[]);
        let none = Map::new();
        let topic = e.command_topic("core", "ping");
        let d = e.check(
            "alice",
            &topic,
            Rights::EXECUTE,
            Some("ou=a , dc=example, dc=net"),
            &none,
        );
        assert!(d.allowed(), "{d}");
    }
}
