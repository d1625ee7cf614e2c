//! `PluginHandle::home`: the runtime of the thread a plugin's actor runs on, where the AMQP
//! transport pumps the plugin's queues. Work spawned there runs on the actor's own thread, and
//! the actor keeps that thread across restarts.

use clacks_runtime::call::{CallError, CallRequest, Params};
use clacks_runtime::plugin::{plugin, PluginStatus};
use clacks_runtime::serde_json::{json, Value};
use clacks_runtime::PluginDef;
use clacks_tests::cluster::{Cluster, LocalFactory};
use std::time::Duration;

/// Reports its thread and panics on demand.
struct Where;

/// Where the actor runs.
#[plugin(name = "where")]
impl Where {
    /// The actor's thread.
    #[command]
    fn thread(&self) -> String {
        format!("{:?}", std::thread::current().id())
    }

    /// Panics (the actor restarts).
    #[command]
    fn crash(&self) -> Result<(), CallError> {
        panic!("crash on purpose")
    }
}

async fn call(cluster: &Cluster, method: &str) -> Result<Value, CallError> {
    cluster.nodes[0]
        .call(CallRequest::new(method, Params::Positional(vec![])))
        .await
}

/// The thread a task spawned on the plugin's home runs on.
async fn home_thread(cluster: &Cluster) -> String {
    let handle = cluster.nodes[0].plugin_handles()["where"].clone();
    let home = handle.home().expect("a running plugin has a home");
    home.spawn(async { format!("{:?}", std::thread::current().id()) })
        .await
        .expect("task on the plugin's home")
}

#[actix_rt::test]
async fn home_is_the_actors_thread_and_survives_a_restart() {
    let cluster = Cluster::start(&LocalFactory::default(), "home", &["n1"], &[], |_, b| {
        b.plugin(PluginDef::new(|_| Ok(Where)))
    })
    .await;
    let actor = call(&cluster, "where.thread").await.expect("thread");
    assert_eq!(json!(home_thread(&cluster).await), actor);
    assert_ne!(
        json!(format!("{:?}", std::thread::current().id())),
        actor,
        "the plugin runs on a thread of its own"
    );

    let crashed = call(&cluster, "where.crash").await;
    assert!(crashed.is_err(), "a panic is an error reply: {crashed:?}");
    let handle = cluster.nodes[0].plugin_handles()["where"].clone();
    for _ in 0..200 {
        if handle.status() == PluginStatus::Running {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(handle.status(), PluginStatus::Running);
    let restarted = call(&cluster, "where.thread").await.expect("thread");
    assert_eq!(restarted, actor, "the restarted actor stays on its thread");
    assert_eq!(json!(home_thread(&cluster).await), restarted);
}
