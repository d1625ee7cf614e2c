//! The plugin actor serving async commands, driven through its [`PluginHandle`] without a node:
//! concurrency on the plugin's thread, panics, deadlines, `busy`, the drain before a stop and
//! statistics. Waits are bounded by call deadlines or a number of polls, never measured.

use actix::{Actor, Addr, Arbiter};
use serde_json::{json, Value};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{broadcast, Notify};

use super::actor::{PluginActor, StopPlugin};
use super::{plugin, Plugin, PluginHandle, PluginStatus};
use crate::call::{CallError, CallRequest, CallType, Params, ResolvedCall, RpcErrorKind};
use crate::metrics::PluginStats;
use crate::supervision::{ActorTable, ChildExited, ChildLink, SupervisionContext};

/// Sets its flag when dropped.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// What the test shares with the plugin instance.
#[derive(Default)]
struct Probe {
    /// Async calls that have begun running.
    begun: AtomicUsize,
    /// Releases `gated` calls.
    gate: Notify,
    /// Set when a `hold` call's future is dropped.
    hold_dropped: Arc<AtomicBool>,
    /// Set when the plugin instance is dropped.
    instance_dropped: Arc<AtomicBool>,
}

struct Slow {
    probe: Arc<Probe>,
    /// Interior state on the plugin's own thread: `&self` commands count with a `Cell`.
    served: Cell<u64>,
    _dropped: DropFlag,
}

#[plugin(name = "slow")]
impl Slow {
    /// Waits until `n` calls of `meet` run at the same time.
    #[command]
    async fn meet(&self, n: usize) -> usize {
        self.probe.begun.fetch_add(1, Ordering::SeqCst);
        while self.probe.begun.load(Ordering::SeqCst) < n {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        self.served.set(self.served.get() + 1);
        n
    }

    /// Never ends by itself.
    #[command]
    async fn hold(&self) {
        let _flag = DropFlag(self.probe.hold_dropped.clone());
        self.probe.begun.fetch_add(1, Ordering::SeqCst);
        std::future::pending::<()>().await
    }

    /// Ends when the test opens the gate.
    #[command]
    async fn gated(&self) -> &'static str {
        self.probe.begun.fetch_add(1, Ordering::SeqCst);
        self.probe.gate.notified().await;
        "through"
    }

    /// Panics after yielding once.
    #[command]
    async fn boom(&self) {
        tokio::task::yield_now().await;
        panic!("slow.boom panics on purpose")
    }

    /// Fails with a handler error.
    #[command]
    async fn fail(&self) -> Result<(), CallError> {
        Err(CallError::internal("slow.fail fails on purpose"))
    }

    /// A synchronous command of a concurrent plugin.
    #[command]
    fn served(&self) -> u64 {
        self.served.get()
    }
}

/// The guard's exit report (`Some(failure)` or `None`), and whether the plugin instance was
/// already dropped when it was made; `None` until the actor ended.
type ExitReport = Arc<Mutex<Option<(Option<String>, bool)>>>;

/// One plugin actor on its own arbiter, with what its guard reported at exit.
struct Served {
    handle: PluginHandle,
    addr: Addr<PluginActor>,
    probe: Arc<Probe>,
    stats: Arc<PluginStats>,
    exit: ExitReport,
}

async fn serve(limit: usize) -> Served {
    let probe = Arc::new(Probe::default());
    let handle = PluginHandle::new("slow", limit);
    let stats = Arc::new(PluginStats::new("slow", &Slow::commands()));
    let exit: ExitReport = Default::default();
    let (events, _) = broadcast::channel(16);
    let context = SupervisionContext {
        table: ActorTable::default(),
        events,
    };
    let (seen, dropped) = (exit.clone(), probe.instance_dropped.clone());
    let link = ChildLink::root(
        "slow",
        context,
        Arc::new(move |e: ChildExited| {
            let instance_gone = dropped.load(Ordering::SeqCst);
            *seen.lock().unwrap() = Some((e.failure, instance_gone));
        }),
    );
    let plugin = Slow {
        probe: probe.clone(),
        served: Cell::new(0),
        _dropped: DropFlag(probe.instance_dropped.clone()),
    };
    let (actor_handle, actor_stats) = (handle.clone(), stats.clone());
    let addr = PluginActor::start_in_arbiter(&Arbiter::new().handle(), move |_| {
        PluginActor::new(
            Box::new(plugin),
            Arc::from("n1"),
            actor_handle,
            link.into_guard(),
            Some(actor_stats),
        )
    });
    eventually("the actor to run", || {
        handle.status() == PluginStatus::Running
    })
    .await;
    Served {
        handle,
        addr,
        probe,
        stats,
        exit,
    }
}

impl Served {
    async fn call_within(&self, command: &str, params: Value, within: Duration) -> CallResult {
        let Value::Array(args) = params else {
            panic!("positional params only")
        };
        let request = CallRequest::new(format!("slow.{command}"), Params::Positional(args));
        let call = ResolvedCall::new(request, CallType::Normal, within).expect("slow.COMMAND");
        self.handle.call(Arc::new(call)).await
    }

    async fn call(&self, command: &str, params: Value) -> CallResult {
        self.call_within(command, params, Duration::from_secs(20))
            .await
    }

    fn spawn(self: &Arc<Self>, command: &'static str) -> tokio::task::JoinHandle<CallResult> {
        let served = self.clone();
        actix_rt::spawn(async move { served.call(command, json!([])).await })
    }

    async fn begun(&self, n: usize) {
        eventually("the calls to begin", || {
            self.probe.begun.load(Ordering::SeqCst) >= n
        })
        .await;
    }

    /// `(calls, errors)` of one command.
    fn counted(&self, command: &str) -> (u64, u64) {
        let method = format!("slow.{command}");
        self.stats
            .snapshot()
            .iter()
            .find(|c| c.method == method)
            .map(|c| (c.calls, c.errors))
            .unwrap_or_default()
    }
}

type CallResult = Result<Value, CallError>;

async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..1000 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("gave up waiting for {what}");
}

#[actix_rt::test]
async fn async_calls_run_concurrently_up_to_the_in_flight_limit() {
    let served = serve(4).await;
    // Each `meet(3)` waits for the other two: served one at a time, they would all time out.
    let calls = (0..3).map(|_| served.call_within("meet", json!([3]), Duration::from_secs(10)));
    for result in futures_util::future::join_all(calls).await {
        assert_eq!(result.unwrap(), json!(3));
    }
    assert_eq!(served.call("served", json!([])).await.unwrap(), json!(3));
    assert_eq!(served.counted("meet"), (3, 0), "async calls are counted");
}

#[actix_rt::test]
async fn sync_commands_answer_while_async_calls_wait() {
    let served = Arc::new(serve(4).await);
    let held = served.spawn("hold");
    served.begun(1).await;
    assert_eq!(served.call("served", json!([])).await.unwrap(), json!(0));
    assert!(!held.is_finished());
    held.abort();
}

#[actix_rt::test]
async fn calls_past_the_limit_are_busy() {
    let served = Arc::new(serve(2).await);
    let held = [served.spawn("hold"), served.spawn("hold")];
    served.begun(2).await;
    let err = served.call("served", json!([])).await.unwrap_err();
    assert_eq!(err.kind(), RpcErrorKind::Busy);
    for call in held {
        call.abort();
    }
}

#[actix_rt::test]
async fn an_async_call_past_its_deadline_is_dropped_and_answers_timeout() {
    let served = serve(4).await;
    let err = served
        .call_within("hold", json!([]), Duration::from_millis(200))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), RpcErrorKind::Timeout);
    eventually("the late future to be dropped", || {
        served.probe.hold_dropped.load(Ordering::SeqCst)
    })
    .await;
    eventually("the timeout to be counted", || {
        served.counted("hold") == (1, 1)
    })
    .await;
    assert_eq!(served.call("served", json!([])).await.unwrap(), json!(0));
}

#[actix_rt::test]
async fn async_handler_errors_and_bad_arguments_answer_like_sync_ones() {
    let served = serve(4).await;
    let err = served.call("fail", json!([])).await.unwrap_err();
    assert_eq!(err.kind(), RpcErrorKind::Internal);
    assert_eq!(err.data("node"), Some(&json!("n1")));
    let err = served.call("meet", json!(["three"])).await.unwrap_err();
    assert_eq!(err.kind(), RpcErrorKind::InvalidParams);
    assert_eq!(
        served.probe.begun.load(Ordering::SeqCst),
        0,
        "never started"
    );
    assert_eq!(served.counted("fail"), (1, 1));
}

#[actix_rt::test]
async fn a_panic_answers_panic_and_the_other_running_calls_answer_unavailable() {
    let served = Arc::new(serve(4).await);
    let held = [served.spawn("hold"), served.spawn("hold")];
    served.begun(2).await;
    let err = served.call("boom", json!([])).await.unwrap_err();
    assert_eq!(err.kind(), RpcErrorKind::Panic);
    assert_eq!(err.data("node"), Some(&json!("n1")));
    for call in held {
        let err = call.await.unwrap().unwrap_err();
        assert_eq!(err.kind(), RpcErrorKind::Unavailable, "{err:?}");
        let reason = err.data("reason").and_then(Value::as_str).unwrap_or("");
        assert!(reason.contains("panic in slow.boom"), "{reason}");
    }
    eventually("the exit report", || served.exit.lock().unwrap().is_some()).await;
    let (failure, instance_gone) = served.exit.lock().unwrap().clone().unwrap();
    assert!(failure
        .unwrap_or_default()
        .contains("slow.boom panics on purpose"));
    assert!(
        instance_gone,
        "the instance is dropped before the exit is reported"
    );
    assert_eq!(served.counted("hold"), (2, 2));
    assert_eq!(served.counted("boom"), (1, 1));
}

#[actix_rt::test]
async fn a_stop_lets_running_calls_finish_and_holds_new_ones_for_the_successor() {
    let served = Arc::new(serve(4).await);
    let running = served.spawn("gated");
    served.begun(1).await;
    served.addr.do_send(StopPlugin);
    // Arrives while draining: not served by this actor.
    let late = served.spawn("served");
    eventually("the late call to reach the actor", || {
        served.handle.in_flight() == 2
    })
    .await;
    assert!(!late.is_finished());
    served.probe.gate.notify_one();
    assert_eq!(running.await.unwrap().unwrap(), json!("through"));
    // No successor here: the handle answers it as a stopped plugin's call.
    let err = late.await.unwrap().unwrap_err();
    assert_eq!(err.kind(), RpcErrorKind::Unavailable);
    assert!(
        served.handle.refused_while_down(&err),
        "the handle's own refusal: the call never ran, a transport may hand it on ({err})"
    );
    let from_a_handler = CallError::unavailable("other", "stopped: elsewhere");
    assert!(!served.handle.refused_while_down(&from_a_handler));
    eventually("the exit report", || served.exit.lock().unwrap().is_some()).await;
    let (failure, _) = served.exit.lock().unwrap().clone().unwrap();
    assert_eq!(failure, None, "a drained stop is not a failure");
    assert!(matches!(served.handle.status(), PluginStatus::Stopped(_)));
}
