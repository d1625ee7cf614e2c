//! The `objects` plugin: the object model over RPC, stateless (any node may take the next
//! call). `objects.types`, `describe`, `get`, `search`, `create`, `update`, `move`, `remove`,
//! `call` (a definition's method) and `reindex`, each an async command whose store work runs
//! on a blocking worker. `search` reads the object index, which every write updates in its
//! own transaction (with the objects related to the written one), `BackendChange` events
//! from outside writers refresh ([`index`](clacks_object_store::index)), and each start of the
//! backend rebuilds. The store's backend runs as a
//! supervised actor below the plugin (`plugins/objects/backends/sql`, and
//! `plugins/objects/backends/ldap` with a directory server); while one is down every
//! command that needs it answers `-32004 backend` at once with `data.backend`. Every write
//! publishes one `ObjectChanged` event.
//!
//! Layout: `mod.rs` (the commands), `setup` (settings → catalog, store, backend actor,
//! `BackendChange` subscription),
//! `acl_access` (object authorisation from the node's ACLs),
//! `guard` (object-level authorisation per call), `reply` (store errors → call errors).

mod acl_access;
mod guard;
mod reply;
mod setup;

use clacks_object_store::actor::{BackendStatus, BackendsTree};
use clacks_object_store::event::{object_changed, ChangeType};
use clacks_object_store::store::query::Query;
use clacks_object_store::{ObjectStore, Scope, StoredObject};
use clacks_runtime::call::{CallContext, CallError, CallRequest, Params};
use clacks_runtime::config::Settings;
use clacks_runtime::dispatch::Dispatcher;
use clacks_runtime::events::EventBus;
use clacks_runtime::plugin::plugin;
use clacks_runtime::serde_json::{json, Map, Value};
use clacks_runtime::PluginDef;

pub use acl_access::AclAccess;
pub use clacks_object_store::access::{Action, AllowAll, ObjectAccess};
use guard::Guard;
use reply::{blocking, store_error};
use std::sync::Arc;

/// The most objects one `objects.search` page holds.
pub const MAX_LIMIT: usize = 1000;
/// The page size when the caller names none.
pub const DEFAULT_LIMIT: usize = 100;

/// The object RPC.
pub struct ObjectsPlugin {
    store: ObjectStore,
    status: BackendStatus,
    /// The directory server's, when one is configured (`[objects] ldap_url`).
    ldap_status: Option<BackendStatus>,
    events: EventBus,
    access: Arc<dyn ObjectAccess>,
    calls: Dispatcher,
    _backends: BackendsTree,
    _changes: Option<clacks_runtime::events::Subscription>,
}

impl ObjectsPlugin {
    /// The plugin for the node's `[objects]` settings: definitions from `definition_dirs` (the
    /// shipped ones when empty), objects in `store` under `base`, every read and write asked
    /// of the node's ACLs ([`AclAccess`]).
    pub fn definition(settings: &Settings) -> PluginDef {
        setup::definition(settings, None)
    }

    /// The same plugin asking `access` before every read and write instead.
    pub fn definition_with_access(settings: &Settings, access: Arc<dyn ObjectAccess>) -> PluginDef {
        setup::definition(settings, Some(access))
    }

    fn guard(&self, ctx: &CallContext) -> Guard {
        Guard::new(self.access.clone(), ctx.caller())
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(ObjectStore) -> clacks_object_store::Result<T> + Send + 'static,
    ) -> Result<T, CallError> {
        self.status.check().map_err(store_error)?;
        if let Some(ldap) = &self.ldap_status {
            ldap.check().map_err(store_error)?;
        }
        let store = self.store.clone();
        blocking(move || work(store)).await
    }

    fn changed(&self, object: &StoredObject, change: ChangeType) {
        let xml = object_changed(&object.uuid, &object.dn, &object.object_type, change);
        if let Err(e) = self.events.publish_detached(&xml) {
            tracing::warn!(dn = %object.dn, error = %e, "ObjectChanged not published");
        }
    }
}

/// Objects (users, groups, the directory tree, devices) as the object definitions describe
/// them, stored in the node's object backends.
#[plugin(name = "objects")]
impl ObjectsPlugin {
    /// The base object types, each with its description and the extensions it takes.
    #[command]
    fn types(&self) -> Value {
        let catalog = self.store.catalog();
        let types: Vec<Value> = catalog
            .base_types()
            .iter()
            .map(|t| {
                json!({
                    "name": t.name,
                    "description": t.description,
                    "extensions": catalog.extensions_of(&t.name).iter().map(|e| e.name.clone()).collect::<Vec<_>>(),
                })
            })
            .collect();
        Value::Array(types)
    }

    /// One object type or extension as its definition says: attributes (type, backend,
    /// mandatory, read-only …), backends and their parameters, extensions, containers.
    #[command]
    fn describe(&self, r#type: String) -> Result<Value, CallError> {
        let all = clacks_objects::definition::describe(self.store.catalog());
        all["objects"]
            .as_array()
            .and_then(|objects| objects.iter().find(|o| o["name"] == r#type.as_str()))
            .cloned()
            .ok_or_else(|| {
                CallError::invalid_params(format!("no object type '{}' is defined", r#type))
            })
    }

    /// The object `ref` (a DN or a UUID): `{"dn", "uuid", "type", "extensions", "attrs",
    /// "revision"}`; `attrs` limits the attributes returned.
    #[command]
    async fn get(
        &self,
        ctx: &CallContext,
        r#ref: String,
        attrs: Option<Vec<String>>,
    ) -> Result<Value, CallError> {
        let guard = self.guard(ctx);
        let object = self.run(move |store| store.get(&r#ref)).await?;
        Ok(guard.readable(object).to_json(attrs.as_deref()))
    }

    /// The objects in `scope` (`base`, `one`, `sub`) of `base` matching `query` (the
    /// original's find form: `{"_type": "User", "sn": "Doe"}` with `$in`, `$regex`, `$gt`,
    /// `$lt`, `$and`, `$or`, `$not`; values match literally), by DN, `limit` per page (100,
    /// at most 1000); `cursor` continues where the previous page ended. Runs on the object
    /// index (searchable attributes: all but binary ones) and leaves out what the caller may
    /// not find or read. Returns `{"objects": [...], "cursor": TEXT|null}`.
    #[command]
    #[allow(clippy::too_many_arguments)] // the RPC's own parameters, as the protocol names them
    async fn search(
        &self,
        ctx: &CallContext,
        base: String,
        scope: String,
        query: Value,
        attrs: Option<Vec<String>>,
        limit: Option<usize>,
        cursor: Option<String>,
    ) -> Result<Value, CallError> {
        let scope = Scope::parse(&scope).ok_or_else(|| {
            CallError::invalid_params(format!("scope '{scope}': allowed are base, one, sub"))
        })?;
        let query = Query::parse(&query).map_err(store_error)?;
        let limit = limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
        let guard = self.guard(ctx);
        let types: Vec<String> = self
            .store
            .catalog()
            .base_types()
            .iter()
            .map(|t| t.name.clone())
            .collect();
        guard.query(&query, &types).map_err(store_error)?;
        let finder = guard.clone();
        let page = self
            .run(move |store| {
                store.index_search(&base, scope, &query, limit, cursor.as_deref(), |o| {
                    finder.findable(o)
                })
            })
            .await?;
        let objects: Vec<Value> = page
            .objects
            .into_iter()
            .map(|o| guard.readable_indexed(o).to_json(attrs.as_deref()))
            .collect();
        Ok(json!({"objects": objects, "cursor": page.cursor}))
    }

    /// Creates an object of `type` below `parent` (a DN inside the base whose type may hold
    /// it) with `attrs` (`{"name": value | [values]}`) and `extensions`; returns it.
    #[command]
    async fn create(
        &self,
        ctx: &CallContext,
        r#type: String,
        parent: String,
        attrs: Map<String, Value>,
        extensions: Option<Vec<String>>,
    ) -> Result<Value, CallError> {
        let extensions = extensions.unwrap_or_default();
        let guard = self.guard(ctx);
        guard.action(&r#type, Action::Create).map_err(store_error)?;
        guard.writes(&r#type, &attrs).map_err(store_error)?;
        let object = self
            .run(move |store| store.create(&r#type, &parent, &attrs, &extensions))
            .await?;
        self.changed(&object, ChangeType::Add);
        Ok(guard.readable(object).to_json(None))
    }

    /// Applies one change set to `ref`, all or nothing: `{"set": {..}, "add": {..},
    /// "remove": {..}, "extend": [..], "retract": [..]}`. With `if_revision`, a stale
    /// revision is refused (`data.reason` `conflict`). Returns the object as stored.
    #[command]
    async fn update(
        &self,
        ctx: &CallContext,
        r#ref: String,
        changes: Value,
        if_revision: Option<i64>,
    ) -> Result<Value, CallError> {
        let guard = self.guard(ctx);
        let reader = guard.clone();
        let object = self
            .run(move |store| {
                guard.changes(&store.type_of(&r#ref)?, &changes)?;
                store.update_json(&r#ref, &changes, if_revision)
            })
            .await?;
        self.changed(&object, ChangeType::Modify);
        Ok(reader.readable(object).to_json(None))
    }

    /// Moves `ref`, with everything below it, below `parent` (in the base, of a type that
    /// may hold it); it keeps its RDN. Returns the object at its new DN.
    #[command]
    async fn r#move(
        &self,
        ctx: &CallContext,
        r#ref: String,
        parent: String,
    ) -> Result<Value, CallError> {
        let guard = self.guard(ctx);
        let reader = guard.clone();
        let object = self
            .run(move |store| {
                guard.action(&store.type_of(&r#ref)?, Action::Move)?;
                store.move_to(&r#ref, &parent)
            })
            .await?;
        self.changed(&object, ChangeType::Move);
        Ok(reader.readable(object).to_json(None))
    }

    /// Removes `ref` (refused while objects lie below it); returns what it was.
    #[command]
    async fn remove(&self, ctx: &CallContext, r#ref: String) -> Result<Value, CallError> {
        let guard = self.guard(ctx);
        let reader = guard.clone();
        let object = self
            .run(move |store| {
                guard.action(&store.type_of(&r#ref)?, Action::Remove)?;
                store.remove(&r#ref)
            })
            .await?;
        self.changed(&object, ChangeType::Delete);
        Ok(reader.readable(object).to_json(None))
    }

    /// Runs method `method` of `ref`'s definition (`<Methods>`): the command it names, with
    /// its `CommandParameters` filled from `args` (the method's parameters by name, converted
    /// to their types, defaults filled in), the object's attribute values and its `dn`; the
    /// command runs as the caller. Returns the command's result. A method the object's type
    /// lacks, or an unknown, missing or mistyped parameter, is refused (`-32602`); a command no
    /// node serves answers `-32601`, naming it.
    #[command]
    async fn call(
        &self,
        ctx: &CallContext,
        r#ref: String,
        method: String,
        args: Option<Map<String, Value>>,
    ) -> Result<Value, CallError> {
        let guard = self.guard(ctx);
        let args = args.unwrap_or_default();
        let name = method.clone();
        let prepared = self
            .run(move |store| store.method_call(&r#ref, &name, &args))
            .await?;
        guard
            .reads(&prepared.object.object_type, &prepared.reads)
            .map_err(store_error)?;
        tracing::debug!(dn = %prepared.object.dn, method = %method, command = %prepared.call.command, "object method");
        let request = CallRequest::new(
            prepared.call.command.clone(),
            Params::Positional(prepared.args_json()),
        )
        .with_caller(ctx.caller());
        let request = match ctx.remaining() {
            Some(left) => request.with_timeout(left),
            None => request,
        };
        self.calls.call(request).await.map_err(|e| {
            e.with("object", prepared.object.dn.clone())
                .with("object_method", method.clone())
        })
    }

    /// Rebuilds the object index: every object re-read from its backends and compared with
    /// its index rows. Returns the counts: `{"objects", "updated", "unchanged", "dropped",
    /// "failed", "errors", "millis"}`.
    #[command]
    async fn reindex(&self) -> Result<Value, CallError> {
        let report = self.run(|store| store.reindex()).await?;
        Ok(report.to_json())
    }
}
