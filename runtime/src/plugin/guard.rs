//! The ACL check of every call a plugin serves: [`CallGuard::admit`] runs in
//! [`PluginHandle::call`](super::PluginHandle::call), the one point every path in passes (the
//! local transport for HTTP and in-process calls, the AMQP delivery for broker calls and
//! node-to-node hops), before the call takes an in-flight slot or reaches the actor. The caller
//! is `CallRequest::caller`, the identity the transport vouched for. A command needs its
//! declared right (`#[command(right = "…")]`, default `x`) on `D.command.PLUGIN.METHOD`, at the
//! DN its `dn` argument names, else at the ACL root. A refusal is `-32003` with `data.path`
//! and `data.right`; every refusal and every permitted write (w, c, d, m) goes to the audit
//! sink (the node publishes it as an `Audit` event).

use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

use crate::acl::{AclEngine, Rights};
use crate::call::{CallError, CommandSpec, Params, ResolvedCall};
use crate::Error;

/// One decision worth a record.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    /// The caller.
    pub user: String,
    /// The topic checked.
    pub topic: String,
    /// The rights asked.
    pub rights: Rights,
    /// Allowed or denied.
    pub allowed: bool,
    /// The entry that decided, in words, if one did.
    pub entry: Option<String>,
}

/// Where audit records go.
pub type AuditSink = Arc<dyn Fn(AuditRecord) + Send + Sync>;

/// Rights that change something: a permitted one is audited.
const WRITES: Rights = Rights::WRITE
    .union_const(Rights::CREATE)
    .union_const(Rights::DELETE)
    .union_const(Rights::MODIFY);

struct Rule {
    topic: String,
    rights: Rights,
    /// Argument names in positional order (options and `dn` are read by name).
    args: Vec<String>,
}

/// The ACL check of one plugin's commands.
pub struct CallGuard {
    engine: AclEngine,
    plugin: String,
    rules: HashMap<String, Rule>,
    audit: AuditSink,
}

impl CallGuard {
    /// The guard of `plugin` with its `commands`; a declared right that is not letters of
    /// `rwcdmsx` is an error naming the command.
    pub fn new(
        engine: AclEngine,
        plugin: &str,
        commands: &[CommandSpec],
        audit: AuditSink,
    ) -> Result<CallGuard, Error> {
        let mut rules = HashMap::new();
        for spec in commands.iter().filter(|c| c.plugin == plugin) {
            let right = spec.right.as_deref().unwrap_or("x");
            let rights =
                Rights::parse(right, &format!("command {}.{}", spec.plugin, spec.command))?;
            rules.insert(
                spec.command.clone(),
                Rule {
                    topic: engine.command_topic(plugin, &spec.command),
                    rights,
                    args: spec.args.iter().map(|a| a.name.clone()).collect(),
                },
            );
        }
        Ok(CallGuard {
            engine,
            plugin: plugin.to_owned(),
            rules,
            audit,
        })
    }

    /// The engine this guard asks.
    pub fn engine(&self) -> &AclEngine {
        &self.engine
    }

    /// Lets `call` through, or refuses it with `-32003` (and an audit record).
    pub fn admit(&self, call: &ResolvedCall) -> Result<(), CallError> {
        let request = call.request();
        let unknown;
        let (topic, rights, names): (&str, Rights, &[String]) = match self.rules.get(call.command())
        {
            Some(rule) => (&rule.topic, rule.rights, &rule.args),
            None => {
                // Not one of ours: still checked (x), the plugin then answers -32601.
                unknown = self.engine.command_topic(&self.plugin, call.command());
                (&unknown, Rights::EXECUTE, &[])
            }
        };
        let base = named_arg(&request.params, names, "dn").and_then(Value::as_str);
        let args = if self.engine.uses_options() {
            by_name(&request.params, names)
        } else {
            Map::new()
        };
        authorize(
            &self.engine,
            &self.audit,
            &request.caller,
            topic,
            rights,
            base,
            &args,
        )
    }
}

/// One ACL check with its record: `user` may have `rights` on `topic` at `base` (the ACL root
/// when `None`), options matched against `args`. Every refusal and every permitted write (w, c,
/// d, m) goes to `audit`; a refusal is `-32003` with `data.path` and `data.right`. The call
/// guard, the gateway's event stream and `events.publish` all decide through it, so the three
/// paths cannot drift apart.
pub fn authorize(
    engine: &AclEngine,
    audit: &AuditSink,
    user: &str,
    topic: &str,
    rights: Rights,
    base: Option<&str>,
    args: &Map<String, Value>,
) -> Result<(), CallError> {
    let decision = engine.check(user, topic, rights, base, args);
    let allowed = decision.allowed();
    if !allowed || WRITES.intersects(rights) {
        audit(AuditRecord {
            user: user.to_owned(),
            topic: topic.to_owned(),
            rights,
            allowed,
            entry: decision.decider().map(ToString::to_string),
        });
    }
    if allowed {
        Ok(())
    } else {
        tracing::info!(caller = %user, topic = %topic, right = %rights,
            decision = %decision, "refused by the ACLs");
        Err(CallError::forbidden(topic, &rights.to_string()))
    }
}

/// The argument `name`, given by name or at its position.
fn named_arg<'a>(params: &'a Params, names: &[String], name: &str) -> Option<&'a Value> {
    match params {
        Params::Named(map) => map.get(name),
        Params::Positional(items) => names
            .iter()
            .position(|n| n == name)
            .and_then(|i| items.get(i)),
    }
}

/// The call's arguments by name (positional ones named after the command's signature).
fn by_name(params: &Params, names: &[String]) -> Map<String, Value> {
    match params {
        Params::Named(map) => map.clone(),
        Params::Positional(items) => names.iter().cloned().zip(items.iter().cloned()).collect(),
    }
}
