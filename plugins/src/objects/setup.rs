//! From the `[objects]` settings to a running plugin: the catalog (from `definition_dirs`,
//! else the shipped definitions), the store target, and at every start the backend actor
//! under `plugins/objects/backends`, which connects, migrates, seeds the base tree and then
//! watches its server.

use clacks_object_store::access::ObjectAccess;
use clacks_object_store::actor::{backend_child, BackendStatus, BackendsTree, Incarnations};
use clacks_object_store::shipped::shipped_catalog;
use clacks_object_store::sql::Target;
use clacks_object_store::ObjectStore;
use clacks_objects::definition::Catalog;
use clacks_runtime::config::Settings;
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

/// The plugin definition asking `access` (see [`ObjectsPlugin::definition`]).
pub fn definition(settings: &Settings, access: Arc<dyn ObjectAccess>) -> PluginDef {
    let catalog = catalog(settings);
    let store = if settings.objects.store.is_empty() {
        "sqlite::memory:"
    } else {
        settings.objects.store.as_str()
    };
    let schema = Some(settings.objects.store_schema.as_str()).filter(|s| !s.is_empty());
    let target = Target::parse(store, schema).map_err(|e| format!("objects.store: {e}"));
    let base = settings.objects.base.clone();
    let incarnations = Incarnations::default();
    PluginDef::new(move |ctx: &PluginContext| {
        let catalog = catalog
            .clone()
            .map_err(|e| Error::config("objects.definition_dirs", e))?;
        let target = target
            .clone()
            .map_err(|e| Error::config("objects.store", e))?;
        let store = ObjectStore::new(target, catalog, &base);
        let status = BackendStatus::new("SQL");
        let prepare_store = store.clone();
        let seed = !base.is_empty();
        let prepare = Arc::new(move || {
            prepare_store.pool().migrate()?;
            if seed {
                let created = prepare_store.seed()?;
                if !created.is_empty() {
                    tracing::info!(created = ?created, "object base tree seeded");
                }
            }
            Ok(())
        });
        let child = backend_child("sql", store.pool().clone(), status.clone(), prepare);
        let backends = BackendsTree::start(
            &ctx.tree,
            BACKENDS_PATH,
            SupervisorConfig::default(),
            vec![child],
            vec![status.clone()],
            &incarnations,
        );
        Ok(ObjectsPlugin {
            store,
            status,
            events: ctx.events.clone(),
            access: access.clone(),
            _backends: backends,
        })
    })
}
