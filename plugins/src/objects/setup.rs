//! From the `[objects]` settings to a running plugin: the catalog (from `definition_dirs`,
//! else the shipped definitions), the store target, and at every start the backend actor
//! under `plugins/objects/backends`, which connects, migrates, seeds the base tree, rebuilds
//! the object index and then watches its server; and the subscription to `BackendChange`
//! events, each of which re-reads the object it names into the index. With `[objects]
//! ldap_url` a second backend actor (`ldap`) watches the directory server; it seeds the base
//! tree there once the SQL store is up.

use clacks_object_store::access::ObjectAccess;
use clacks_object_store::actor::{backend_child, BackendStatus, BackendsTree, Incarnations};
use clacks_object_store::index::change::Announced;
use clacks_object_store::ldap::{LdapConfig, LdapDirectory, LdapPool, LDAP};
use clacks_object_store::shipped::shipped_catalog;
use clacks_object_store::sql::Target;
use clacks_object_store::ObjectStore;
use clacks_objects::definition::Catalog;
use clacks_runtime::config::Settings;
use clacks_runtime::events::{Event, EventBus, Subscription};
use clacks_runtime::supervision::SupervisorConfig;
use clacks_runtime::{Error, PluginContext, PluginDef};
use std::sync::Arc;

use super::ObjectsPlugin;

/// Where the plugin's backends supervisor sits in the node's tree.
pub const BACKENDS_PATH: &str = "node/plugins/objects/backends";

fn catalog(settings: &Settings) -> Result<Arc<Catalog>, String> {
    let loaded = if settings.objects.definition_dirs.is_empty() {
        shipped_catalog()
    } else {
        Catalog::load(&settings.objects.definition_dirs)
    };
    loaded.map(Arc::new).map_err(|errors| {
        let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
        format!("object definitions: {}", all.join("; "))
    })
}

/// The plugin definition asking `access`, or the node's ACLs without one (see
/// [`ObjectsPlugin::definition`]).
pub fn definition(settings: &Settings, access: Option<Arc<dyn ObjectAccess>>) -> PluginDef {
    let catalog = catalog(settings);
    let store = if settings.objects.store.is_empty() {
        "sqlite::memory:"
    } else {
        settings.objects.store.as_str()
    };
    let schema = Some(settings.objects.store_schema.as_str()).filter(|s| !s.is_empty());
    let target = Target::parse(store, schema).map_err(|e| format!("objects.store: {e}"));
    let base = settings.objects.base.clone();
    let o = &settings.objects;
    let ldap = (!o.ldap_url.is_empty()).then(|| {
        LdapConfig::new(
            &o.ldap_url,
            &o.ldap_bind_dn,
            &o.ldap_bind_password,
            &o.ldap_bind_password_file,
            o.ldap_pool_size,
            o.ldap_timeout,
        )
        .map_err(|e| e.message)
    });
    let incarnations = Incarnations::default();
    PluginDef::new(move |ctx: &PluginContext| {
        let catalog = catalog
            .clone()
            .map_err(|e| Error::config("objects.definition_dirs", e))?;
        let target = target
            .clone()
            .map_err(|e| Error::config("objects.store", e))?;
        let ldap = match &ldap {
            Some(config) => {
                let config = config
                    .clone()
                    .map_err(|e| Error::config("objects.ldap_url", e))?;
                Some(LdapPool::new(config))
            }
            None => None,
        };
        let mut store = ObjectStore::new(target, catalog, &base);
        if let Some(pool) = &ldap {
            store = store.with_ldap(LdapDirectory::new(pool.clone()));
        }
        let status = BackendStatus::new("SQL");
        let seed = !base.is_empty();
        let seeder = {
            let store = store.clone();
            move || -> clacks_object_store::Result<()> {
                if seed {
                    let created = store.seed()?;
                    if !created.is_empty() {
                        tracing::info!(created = ?created, "object base tree seeded");
                    }
                }
                Ok(())
            }
        };
        let migrate_store = store.clone();
        let sql_seeds = ldap.is_none();
        let sql_seeder = seeder.clone();
        // The index is rebuilt at every start of the backend that comes up last (catching up
        // on whatever changed while this node was away): SQL alone, or the directory.
        let index_store = store.clone();
        let prepare = Arc::new(move || {
            migrate_store.pool().migrate()?;
            if sql_seeds {
                sql_seeder()?;
                index_store.reindex()?;
            }
            Ok(())
        });
        let mut children = vec![backend_child(
            "sql",
            store.pool().clone(),
            status.clone(),
            prepare,
        )];
        let mut statuses = vec![status.clone()];
        let mut ldap_status = None;
        if let Some(pool) = ldap {
            let directory = BackendStatus::new(LDAP);
            let sql = status.clone();
            let ldap_index_store = store.clone();
            // The base tree goes into the directory and the registry: once SQL is up.
            let prepare = Arc::new(move || {
                let waited = std::time::Instant::now();
                while !sql.is_up() {
                    if waited.elapsed() > std::time::Duration::from_secs(10) {
                        return sql.check();
                    }
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                seeder()?;
                ldap_index_store.reindex().map(drop)
            });
            children.push(backend_child("ldap", pool, directory.clone(), prepare));
            statuses.push(directory.clone());
            ldap_status = Some(directory);
        }
        let backends = BackendsTree::start(
            &ctx.tree,
            BACKENDS_PATH,
            SupervisorConfig::default(),
            children,
            statuses,
            &incarnations,
        );
        let changes = subscribe_changes(&ctx.events, &store, &status);
        Ok(ObjectsPlugin {
            store,
            status,
            ldap_status,
            events: ctx.events.clone(),
            access: access
                .clone()
                .unwrap_or_else(|| Arc::new(super::AclAccess::new(ctx.acl.clone()))),
            calls: ctx.calls.clone(),
            _backends: backends,
            _changes: changes,
        })
    })
}

/// Re-reads the object a `BackendChange` event names into the index, on a blocking worker.
fn on_backend_change(event: &Event, store: &ObjectStore, status: &BackendStatus) {
    let announced = match event.element().map(|e| Announced::from_element(&e)) {
        Some(Ok(a)) => a,
        Some(Err(e)) => {
            tracing::warn!(origin = %event.origin, error = %e, "BackendChange ignored");
            return;
        }
        None => return,
    };
    if status.check().is_err() {
        tracing::warn!(change = ?announced, "BackendChange while the backend is down: the next start reindexes");
        return;
    }
    let store = store.clone();
    let work = move || match store.index_announced(&announced) {
        Ok(done) => tracing::debug!(change = ?announced, done = ?done, "BackendChange indexed"),
        Err(e) => tracing::warn!(change = ?announced, error = %e, "BackendChange not indexed"),
    };
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => drop(handle.spawn_blocking(work)),
        Err(_) => work(),
    }
}

/// The subscription to `BackendChange` events (none, logged, when the bus refuses it).
fn subscribe_changes(
    events: &EventBus,
    store: &ObjectStore,
    status: &BackendStatus,
) -> Option<Subscription> {
    let (store, status) = (store.clone(), status.clone());
    let subscribed = events.subscribe_detached(
        vec!["BackendChange".to_owned()],
        None,
        &clacks_xml::Namespaces::default(),
        move |event| on_backend_change(event, &store, &status),
    );
    match subscribed {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(error = %e, "no BackendChange subscription: outside changes reach the index at the next start or objects.reindex");
            None
        }
    }
}
