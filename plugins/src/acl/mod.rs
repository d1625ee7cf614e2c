//! The `acl` plugin: the domain's ACL set at run time. `acl.list` and `acl.roles` show it (in
//! the original's JSON format), `acl.add`, `acl.remove`, `acl.add_role` and `acl.remove_role`
//! change it, `acl.check` says what the node would decide and which entry decides. Every
//! command is protected like any other (`D.command.acl.METHOD`; the changes need `w`, the
//! reads `r`), so with the default set only `[acl] admins` may use them. A change is written
//! to the node's `[acl] file` and reaches every node of the domain (see `sync`).
//!
//! Layout: `mod.rs` (the commands), `sync` (the `AclChanged` exchange and the file).

mod sync;

use clacks_runtime::acl::{file, RawEntry, Rights};
use clacks_runtime::call::CallError;
use clacks_runtime::config::Settings;
use clacks_runtime::plugin::plugin;
use clacks_runtime::serde_json::{json, Map, Value};
use clacks_runtime::{Error, PluginContext, PluginDef};
use clacks_xml::Namespaces;
use std::path::PathBuf;
use std::sync::Arc;

pub use sync::{Message, Revision, Sync};

/// The `acl` plugin's state.
pub struct AclPlugin {
    sync: Arc<Sync>,
    _subscription: clacks_runtime::events::Subscription,
    /// The joining node's request for the domain's set; stopped with the plugin.
    _join: clacks_runtime::events::WhenActive,
}

/// An ACL change or definition that is wrong, as `-32602` naming what and where.
fn refused(err: Error) -> CallError {
    CallError::invalid_params(err.to_string())
}

fn entry_of(
    value: Value,
    what: &str,
    in_role: bool,
) -> Result<clacks_runtime::acl::Entry, CallError> {
    let raw: RawEntry = serde_json::from_value(value)
        .map_err(|e| CallError::invalid_params(format!("{what}: not an ACL entry: {e}")))?;
    raw.compile(what, 0, in_role).map_err(refused)
}

impl AclPlugin {
    /// The plugin definition to add to a node whose `[acl] file` is in `settings`.
    pub fn definition(settings: &Settings) -> PluginDef {
        let path = settings.acl.file.trim();
        let acl_file = (!path.is_empty()).then(|| PathBuf::from(path));
        PluginDef::new(move |ctx: &PluginContext| {
            let sync = Sync::new(
                &ctx.node,
                ctx.acl.clone(),
                ctx.events.clone(),
                acl_file.clone(),
            );
            let handler_sync = sync.clone();
            let subscription = ctx
                .events
                .subscribe_detached(
                    vec!["AclChanged".to_owned()],
                    None,
                    &Namespaces::default(),
                    move |event| {
                        if let Some(message) = Message::from_event(event) {
                            handler_sync.receive(message);
                        }
                    },
                )
                .map_err(|e| {
                    Error::node(&*ctx.node, format!("cannot subscribe to AclChanged: {e}"))
                })?;
            // Once the subscription receives, ask the domain for its current set.
            let join_sync = sync.clone();
            let join = subscription
                .when_active("the ACL set was not requested", move || join_sync.request());
            Ok(AclPlugin {
                sync,
                _subscription: subscription,
                _join: join,
            })
        })
    }
}

/// The domain's ACL set: list, change, check.
#[plugin(name = "acl")]
impl AclPlugin {
    /// The ACL set in the original's JSON format (`{"roles": …, "acl": {BASE: [{"acls":
    /// […]}]}}`), with the set's `revision`; `base` keeps one base, `topic` the entries with an
    /// action whose topic pattern matches it.
    #[command(right = "r")]
    fn list(&self, base: Option<String>, topic: Option<String>) -> Value {
        let set = self.sync.engine().set();
        let mut acl = Map::new();
        for (b, entries) in set.bases() {
            if base
                .as_deref()
                .is_some_and(|want| clacks_runtime::acl::dn::normalize(want) != b)
            {
                continue;
            }
            let kept: Vec<Value> = entries
                .iter()
                .filter(|e| match (&topic, &e.grant) {
                    (None, _) => true,
                    (Some(t), clacks_runtime::acl::Grant::Actions { actions, .. }) => {
                        actions.iter().any(|a| a.topic.matches(t))
                    }
                    (Some(_), clacks_runtime::acl::Grant::Role(_)) => true,
                })
                .map(|e| serde_json::to_value(RawEntry::from_entry(e)).unwrap_or(Value::Null))
                .collect();
            if !kept.is_empty() {
                acl.insert(b.to_owned(), json!([{"acls": kept}]));
            }
        }
        let revision = self.sync.revision();
        json!({
            "acl": acl,
            "roles": file::to_json(&set)["roles"],
            "revision": {"number": revision.number, "origin": revision.origin},
        })
    }

    /// The roles and their entries.
    #[command(right = "r")]
    fn roles(&self) -> Value {
        file::to_json(&self.sync.engine().set())["roles"].clone()
    }

    /// Adds an entry on `base`: `{"priority", "scope", "members", "actions": [{"topic",
    /// "acls", "options"}]}` or `{"priority", "members", "role"}`. Returns its id.
    #[command(right = "w")]
    fn add(&self, base: String, entry: Value) -> Result<u64, CallError> {
        let entry = entry_of(entry, &format!("entry on {base:?}"), false)?;
        self.sync
            .change(|set| set.add_entry(&base, entry))
            .map_err(refused)
    }

    /// Removes the entry `id` (on a base or in a role).
    #[command(right = "w")]
    fn remove(&self, id: u64) -> Result<Value, CallError> {
        let (place, _) = self
            .sync
            .change(|set| set.remove_entry(id))
            .map_err(refused)?;
        Ok(match place {
            clacks_runtime::acl::Place::Base(b) => json!({"removed": id, "base": b}),
            clacks_runtime::acl::Place::Role(r) => json!({"removed": id, "role": r}),
        })
    }

    /// Creates role `name` with `entries` (each `{"priority", "scope", "actions"}` or
    /// `{"priority", "role"}`: roles may hold roles; a cycle is refused naming it). Returns
    /// the entries' ids.
    #[command(right = "w")]
    fn add_role(&self, name: String, entries: Vec<Value>) -> Result<Vec<u64>, CallError> {
        let compiled = entries
            .into_iter()
            .enumerate()
            .map(|(i, e)| entry_of(e, &format!("role {name:?} entry {i}"), true))
            .collect::<Result<Vec<_>, _>>()?;
        self.sync
            .change(|set| {
                set.add_role(&name)?;
                compiled
                    .into_iter()
                    .map(|e| set.add_role_entry(&name, e))
                    .collect()
            })
            .map_err(refused)
    }

    /// Removes role `name` (refused while an entry uses it, naming the entries).
    #[command(right = "w")]
    fn remove_role(&self, name: String) -> Result<bool, CallError> {
        self.sync
            .change(|set| set.remove_role(&name))
            .map_err(refused)?;
        Ok(true)
    }

    /// What this node decides for `user` asking `rights` on `topic` at `base` (default: the
    /// ACL root) with call arguments `args`: `{"allowed", "verdict", "entry", "message"}`.
    #[command(right = "r")]
    fn check(
        &self,
        user: String,
        topic: String,
        rights: String,
        base: Option<String>,
        args: Option<Map<String, Value>>,
    ) -> Result<Value, CallError> {
        let rights = Rights::parse(&rights, "rights").map_err(refused)?;
        let args = args.unwrap_or_default();
        let decision =
            self.sync
                .engine()
                .check_uncached(&user, &topic, rights, base.as_deref(), &args);
        Ok(decision.to_json())
    }
}
