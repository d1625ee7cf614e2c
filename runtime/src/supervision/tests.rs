//! The supervision grid: every strategy, every restart type, escalation over the intensity,
//! start failures (error and panic), admin control and shutdown order, each proven on a small
//! tree of logging workers.

use actix::{Actor, ActorContext, Addr, Context, Handler, Message};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

use super::*;

type Log = Arc<Mutex<Vec<String>>>;
type Registry = Arc<Mutex<HashMap<String, Addr<Worker>>>>;

struct Worker {
    name: String,
    log: Log,
    guard: ExitGuard,
}

impl Actor for Worker {
    type Context = Context<Self>;
    fn started(&mut self, _: &mut Context<Self>) {
        self.log
            .lock()
            .unwrap()
            .push(format!("start:{}", self.name));
    }
    fn stopped(&mut self, _: &mut Context<Self>) {
        self.log.lock().unwrap().push(format!("stop:{}", self.name));
    }
}

#[derive(Message)]
#[rtype(result = "()")]
enum Cmd {
    Crash,
    Quit,
}

impl Handler<Cmd> for Worker {
    type Result = ();
    fn handle(&mut self, cmd: Cmd, ctx: &mut Context<Self>) {
        if let Cmd::Crash = cmd {
            self.guard.fail(format!("{} crashed", self.name));
        }
        ctx.stop();
    }
}

struct Tree {
    log: Log,
    workers: Registry,
    exit: Arc<Mutex<Option<Option<String>>>>,
    table: ActorTable,
    events: broadcast::Receiver<SupervisionEvent>,
    root: Addr<Supervisor>,
}

fn worker(name: &str, restart: RestartType, log: &Log, workers: &Registry) -> ChildSpec {
    let (name, log, workers) = (name.to_owned(), log.clone(), workers.clone());
    ChildSpec::new(name.clone(), "worker", restart, move |link| {
        let w = Worker {
            name: name.clone(),
            log: log.clone(),
            guard: link.into_guard(),
        };
        let addr = w.start();
        workers.lock().unwrap().insert(name.clone(), addr.clone());
        Ok(ChildHandle::new(move || addr.do_send(Cmd::Quit)))
    })
}

fn config(strategy: Strategy, max_restarts: u32) -> SupervisorConfig {
    SupervisorConfig {
        strategy,
        intensity: Intensity {
            max_restarts,
            period: Duration::from_secs(5),
        },
    }
}

fn start_tree(
    config: SupervisorConfig,
    children: impl FnOnce(&Log, &Registry) -> Vec<ChildSpec>,
) -> Tree {
    let log: Log = Default::default();
    let workers: Registry = Default::default();
    let exit: Arc<Mutex<Option<Option<String>>>> = Default::default();
    let (events, rx) = broadcast::channel(256);
    let table = ActorTable::default();
    let context = SupervisionContext {
        table: table.clone(),
        events,
    };
    let seen = exit.clone();
    let link = ChildLink::root(
        "root",
        context,
        Arc::new(move |e: ChildExited| *seen.lock().unwrap() = Some(e.failure)),
    );
    let spec = SupervisorSpec::new("root", config, children(&log, &workers));
    let root = Supervisor::start_linked(spec, link);
    Tree {
        log,
        workers,
        exit,
        table,
        events: rx,
        root,
    }
}

async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..500 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for: {what}");
}

impl Tree {
    async fn settle(&self, entries: usize) -> Vec<String> {
        eventually(&format!("{entries} log entries"), || {
            self.log.lock().unwrap().len() >= entries
        })
        .await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        std::mem::take(&mut *self.log.lock().unwrap())
    }

    fn send(&self, name: &str, cmd: Cmd) {
        self.workers.lock().unwrap()[name].do_send(cmd);
    }

    fn exit(&self) -> Option<Option<String>> {
        self.exit.lock().unwrap().clone()
    }
}

fn abc(restart: RestartType) -> impl FnOnce(&Log, &Registry) -> Vec<ChildSpec> {
    move |log, workers| {
        ["a", "b", "c"]
            .iter()
            .map(|n| worker(n, restart, log, workers))
            .collect()
    }
}

#[actix_rt::test]
async fn children_start_in_order() {
    let tree = start_tree(config(Strategy::OneForOne, 5), abc(RestartType::Permanent));
    assert_eq!(tree.settle(3).await, ["start:a", "start:b", "start:c"]);
}

#[actix_rt::test]
async fn one_for_one_restarts_only_the_failed_child() {
    let tree = start_tree(config(Strategy::OneForOne, 5), abc(RestartType::Permanent));
    tree.settle(3).await;
    tree.send("b", Cmd::Crash);
    assert_eq!(tree.settle(2).await, ["stop:b", "start:b"]);
    let info = tree.table.snapshot();
    let b = info.iter().find(|a| a.path == "root/b").unwrap();
    assert_eq!((b.restarts, b.state.as_str()), (1, "running"));
    assert_eq!(b.last_error.as_deref(), Some("b crashed"));
}

#[actix_rt::test]
async fn one_for_all_stops_others_in_reverse_then_starts_all_in_order() {
    let tree = start_tree(config(Strategy::OneForAll, 5), abc(RestartType::Permanent));
    tree.settle(3).await;
    tree.send("b", Cmd::Crash);
    assert_eq!(
        tree.settle(6).await,
        ["stop:b", "stop:c", "stop:a", "start:a", "start:b", "start:c"]
    );
}

#[actix_rt::test]
async fn rest_for_one_restarts_the_failed_child_and_those_after_it() {
    let tree = start_tree(config(Strategy::RestForOne, 5), abc(RestartType::Permanent));
    tree.settle(3).await;
    tree.send("b", Cmd::Crash);
    assert_eq!(
        tree.settle(4).await,
        ["stop:b", "stop:c", "start:b", "start:c"]
    );
}

#[actix_rt::test]
async fn permanent_child_restarts_after_normal_exit_and_failure() {
    let tree = start_tree(config(Strategy::OneForOne, 5), abc(RestartType::Permanent));
    tree.settle(3).await;
    tree.send("a", Cmd::Quit);
    assert_eq!(tree.settle(2).await, ["stop:a", "start:a"]);
    tree.send("a", Cmd::Crash);
    assert_eq!(tree.settle(2).await, ["stop:a", "start:a"]);
}

#[actix_rt::test]
async fn transient_child_restarts_only_after_failure() {
    let tree = start_tree(config(Strategy::OneForOne, 5), abc(RestartType::Transient));
    tree.settle(3).await;
    tree.send("a", Cmd::Crash);
    assert_eq!(tree.settle(2).await, ["stop:a", "start:a"]);
    tree.send("a", Cmd::Quit);
    assert_eq!(tree.settle(1).await, ["stop:a"]);
    assert_eq!(tree.table.state("root/a"), Some(ActorState::Stopped));
}

#[actix_rt::test]
async fn temporary_child_is_never_restarted() {
    let tree = start_tree(config(Strategy::OneForOne, 5), abc(RestartType::Temporary));
    tree.settle(3).await;
    tree.send("a", Cmd::Crash);
    assert_eq!(tree.settle(1).await, ["stop:a"]);
    assert_eq!(tree.table.state("root/a"), Some(ActorState::Failed));
    assert_eq!(
        tree.exit(),
        None,
        "a temporary child's failure does not escalate"
    );
}

#[actix_rt::test]
async fn one_for_all_does_not_restart_temporary_siblings() {
    let tree = start_tree(config(Strategy::OneForAll, 5), |log, workers| {
        vec![
            worker("a", RestartType::Permanent, log, workers),
            worker("t", RestartType::Temporary, log, workers),
        ]
    });
    tree.settle(2).await;
    tree.send("a", Cmd::Crash);
    assert_eq!(tree.settle(3).await, ["stop:a", "stop:t", "start:a"]);
}

#[actix_rt::test]
async fn exceeding_intensity_stops_children_in_reverse_and_escalates() {
    let mut tree = start_tree(config(Strategy::OneForOne, 2), abc(RestartType::Permanent));
    tree.settle(3).await;
    for _ in 0..2 {
        tree.send("a", Cmd::Crash);
        assert_eq!(tree.settle(2).await, ["stop:a", "start:a"]);
    }
    tree.send("a", Cmd::Crash);
    assert_eq!(tree.settle(3).await, ["stop:a", "stop:c", "stop:b"]);
    eventually("root exit", || tree.exit().is_some()).await;
    let failure = tree.exit().unwrap().expect("escalated as a failure");
    assert!(failure.contains("intensity exceeded"), "{failure}");
    assert!(failure.contains("a crashed"), "{failure}");
    let mut saw = false;
    while let Ok(event) = tree.events.try_recv() {
        saw |= matches!(
            event,
            SupervisionEvent::IntensityExceeded { restarts: 3, .. }
        );
    }
    assert!(saw, "IntensityExceeded event published");
}

#[actix_rt::test]
async fn nested_supervisor_escalates_to_parent_which_restarts_the_subtree() {
    let tree = start_tree(config(Strategy::OneForOne, 5), |log, workers| {
        let inner = SupervisorSpec::new(
            "inner",
            config(Strategy::OneForOne, 0),
            vec![worker("x", RestartType::Permanent, log, workers)],
        );
        vec![inner.into_child(RestartType::Permanent)]
    });
    tree.settle(1).await;
    tree.send("x", Cmd::Crash);
    assert_eq!(tree.settle(2).await, ["stop:x", "start:x"]);
    let inner = tree
        .table
        .snapshot()
        .into_iter()
        .find(|a| a.path == "root/inner")
        .unwrap();
    assert_eq!(inner.restarts, 1);
    assert!(inner.last_error.unwrap().contains("intensity exceeded"));
    assert_eq!(tree.exit(), None);
}

#[actix_rt::test]
async fn shutdown_stops_children_in_reverse_start_order() {
    let tree = start_tree(config(Strategy::OneForOne, 5), abc(RestartType::Permanent));
    tree.settle(3).await;
    tree.root.do_send(Shutdown);
    assert_eq!(tree.settle(3).await, ["stop:c", "stop:b", "stop:a"]);
    eventually("root exit", || tree.exit().is_some()).await;
    assert_eq!(tree.exit(), Some(None), "a shutdown is a normal exit");
}

#[actix_rt::test]
async fn failing_and_panicking_start_functions_count_as_failures() {
    for panics in [false, true] {
        let tree = start_tree(config(Strategy::OneForOne, 3), move |_, _| {
            vec![ChildSpec::new(
                "bad",
                "worker",
                RestartType::Permanent,
                move |_| {
                    if panics {
                        panic!("factory exploded");
                    }
                    Err(crate::Error::actor("worker", "cannot open thing"))
                },
            )]
        });
        eventually("root exit", || tree.exit().is_some()).await;
        let failure = tree.exit().unwrap().unwrap();
        let expected = if panics {
            "factory exploded"
        } else {
            "cannot open thing"
        };
        assert!(failure.contains(expected), "{failure}");
    }
}

#[actix_rt::test]
async fn admin_can_stop_and_restart_a_child() {
    let tree = start_tree(config(Strategy::OneForOne, 5), abc(RestartType::Permanent));
    tree.settle(3).await;
    let link = tree.table.control("root/b").unwrap();
    let op = |op| ControlChild {
        index: link.index,
        op,
    };
    link.supervisor
        .send(op(ControlOp::Stop))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tree.settle(1).await, ["stop:b"]);
    assert_eq!(tree.table.state("root/b"), Some(ActorState::Stopped));
    link.supervisor
        .send(op(ControlOp::Restart))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tree.settle(1).await, ["start:b"]);
    assert_eq!(tree.table.state("root/b"), Some(ActorState::Running));
}

#[actix_rt::test]
async fn children_added_at_run_time_start_restart_and_are_removed_for_good() {
    let tree = start_tree(config(Strategy::OneForAll, 5), abc(RestartType::Permanent));
    tree.settle(3).await;
    let extra = worker("d", RestartType::Permanent, &tree.log, &tree.workers);
    tree.root.send(StartChild(extra)).await.unwrap().unwrap();
    assert_eq!(tree.settle(1).await, ["start:d"]);
    let again = worker("d", RestartType::Permanent, &tree.log, &tree.workers);
    let err = tree
        .root
        .send(StartChild(again))
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        err.to_string().contains("already has a child named 'd'"),
        "{err}"
    );
    tree.send("d", Cmd::Crash);
    // One-for-all covers run-time children too: all stop in reverse, all start in order.
    assert_eq!(
        tree.settle(8).await,
        ["stop:d", "stop:c", "stop:b", "stop:a", "start:a", "start:b", "start:c", "start:d"]
    );
    tree.root.do_send(RemoveChild { id: "d".into() });
    assert_eq!(tree.settle(1).await, ["stop:d"]);
    eventually("d to leave the table", || {
        !tree.table.snapshot().iter().any(|a| a.path == "root/d")
    })
    .await;
    // The slot is reused by the next child; the others are untouched.
    let e = worker("e", RestartType::Permanent, &tree.log, &tree.workers);
    tree.root.send(StartChild(e)).await.unwrap().unwrap();
    assert_eq!(tree.settle(1).await, ["start:e"]);
    tree.send("a", Cmd::Crash);
    assert_eq!(
        tree.settle(8).await,
        ["stop:a", "stop:e", "stop:c", "stop:b", "start:a", "start:b", "start:c", "start:e"]
    );
}
