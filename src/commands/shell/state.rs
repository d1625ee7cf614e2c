//! The shell's state and what each line does: the connection (kept between calls), the pinned
//! node, raw JSON or pretty output, and the catalog completion and `help` read. A running call
//! can be cancelled with Ctrl-C when the shell is interactive.

use clacks_runtime::call::CallRequest;
use futures_util::FutureExt;
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use tokio::signal::unix::{signal, Signal, SignalKind};

use super::catalog::Catalog;
use super::line::{self, CallLine, Line};
use super::render;
use crate::client::{Client, ClientError, Session};
use crate::commands::call::parse_params;
use crate::exit::Exit;
use crate::fleet::{self, report};
use crate::paint::Paint;

/// What running a line leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The line ran, with this outcome (as `clacks call` would exit).
    Done(Exit),
    /// The line asked to leave.
    Quit,
}

/// A shell session.
pub struct Shell {
    system: actix_rt::SystemRunner,
    client: Client,
    session: Option<Session>,
    node: Option<String>,
    json: bool,
    /// Shared with the editor's completion.
    pub catalog: Rc<RefCell<Catalog>>,
    /// SIGINT, caught from the start in an interactive shell (Ctrl-C cancels a running call);
    /// `None` otherwise, so that Ctrl-C ends a script as usual.
    interrupts: Option<Signal>,
    out: Paint,
    err: Paint,
}

impl Shell {
    /// A shell calling through `client`; `interactive` lets Ctrl-C cancel a running call.
    pub fn new(client: Client, node: Option<String>, json: bool, interactive: bool) -> Shell {
        let session = Some(client.session());
        let system = actix_rt::System::new();
        let interrupts = match interactive {
            true => system.block_on(async { signal(SignalKind::interrupt()).ok() }),
            false => None,
        };
        Shell {
            system,
            client,
            session,
            node,
            json,
            catalog: Rc::default(),
            interrupts,
            out: Paint::stdout(),
            err: Paint::stderr(),
        }
    }

    /// `clacks> `, or `clacks@NODE> ` while a node is pinned.
    pub fn prompt(&self) -> String {
        match &self.node {
            Some(node) => format!("clacks@{node}> "),
            None => "clacks> ".to_owned(),
        }
    }

    /// Reads `core.describe` and `core.nodes` into the catalog.
    pub fn refresh(&mut self) -> Result<(), String> {
        let describe = CallRequest::new("core.describe", Default::default());
        let nodes = CallRequest::new("core.nodes", Default::default());
        let Shell {
            system,
            session,
            interrupts,
            ..
        } = self;
        let Some(session) = session.as_mut() else {
            return Err("no session".into());
        };
        let answers = system.block_on(cancellable(
            async {
                let describe = session.call(&describe).await?;
                let nodes = session
                    .call(&nodes)
                    .await
                    .map(|(v, _)| v)
                    .unwrap_or_default();
                Ok::<_, ClientError>((describe.0, nodes))
            },
            interrupts.as_mut(),
        ));
        match answers {
            Some(Ok((describe, nodes))) => {
                *self.catalog.borrow_mut() = Catalog::new(&describe, &nodes);
                Ok(())
            }
            Some(Err(ClientError::Call(err, _))) => Err(format!("core.describe failed: {err}")),
            Some(Err(ClientError::Other(_, message))) => Err(message),
            None => Err("cancelled".into()),
        }
    }

    /// Runs one line of text.
    pub fn run_line(&mut self, text: &str) -> Step {
        match line::parse(text) {
            Ok(line) => self.execute(line),
            Err(message) => {
                eprintln!("{}", self.err.red(&format!("usage: {message}")));
                Step::Done(Exit::Usage)
            }
        }
    }

    fn execute(&mut self, line: Line) -> Step {
        let exit = match line {
            Line::Nothing => Exit::Ok,
            Line::Quit => return Step::Quit,
            Line::Help(topic) => self.help(topic.as_deref()),
            Line::Node(node) => {
                self.node = node;
                Exit::Ok
            }
            Line::Json(on) => {
                self.json = on;
                Exit::Ok
            }
            Line::Refresh => match self.refresh() {
                Ok(()) => Exit::Ok,
                Err(message) => {
                    eprintln!("clacks: {message}");
                    Exit::Unreachable
                }
            },
            Line::Call(call) => self.call(call),
        };
        Step::Done(exit)
    }

    fn help(&mut self, topic: Option<&str>) -> Exit {
        if self.catalog.borrow().is_empty() {
            if let Err(message) = self.refresh() {
                eprintln!("clacks: cannot read the domain's commands: {message}");
            }
        }
        let text = self.catalog.borrow().help(topic);
        match text {
            Some(text) => {
                println!("{text}");
                Exit::Ok
            }
            None => {
                let topic = topic.unwrap_or_default();
                eprintln!("clacks: no command or plugin is called {topic}");
                Exit::Usage
            }
        }
    }

    fn call(&mut self, line: CallLine) -> Exit {
        let params = match parse_params(&line.args) {
            Ok(params) => params,
            Err(message) => {
                eprintln!("{}", self.err.red(&format!("usage: {message}")));
                return Exit::Usage;
            }
        };
        let mut request = CallRequest::new(line.method.clone(), params);
        let json = line.json || self.json;
        if line.fleet.active() {
            return self.on_fleet(&request, &line.fleet, json);
        }
        request.node = line.node.or_else(|| self.node.clone());
        let Shell {
            system,
            session,
            interrupts,
            ..
        } = self;
        let Some(current) = session.as_mut() else {
            return Exit::Unreachable;
        };
        let running = current.call(&request);
        let Some(outcome) = system.block_on(cancellable(running, interrupts.as_mut())) else {
            // The cancelled call's reply may still come: start on a fresh connection.
            if let Some(old) = session.take() {
                system.block_on(old.close());
            }
            *session = Some(self.client.session());
            eprintln!("{}", self.err.yellow("cancelled"));
            return Exit::CallFailed;
        };
        match outcome {
            Ok((result, response)) => {
                match json {
                    true => println!("{response}"),
                    false => println!("{}", render::value(&result, self.out)),
                }
                Exit::Ok
            }
            Err(error) => {
                let exit = error.exit();
                match error {
                    ClientError::Call(_, response) if json => println!("{response}"),
                    ClientError::Call(_, response) => {
                        eprintln!("{}", render::error(&response["error"], self.err))
                    }
                    ClientError::Other(_, message) => {
                        eprintln!("{}", self.err.red(&format!("clacks: {message}")))
                    }
                }
                exit
            }
        }
    }

    fn on_fleet(
        &mut self,
        request: &CallRequest,
        targeting: &fleet::FleetArgs,
        json: bool,
    ) -> Exit {
        let running = fleet::run(&self.client, request, targeting);
        let interrupts = self.interrupts.as_mut();
        let Some(outcome) = self.system.block_on(cancellable(running, interrupts)) else {
            eprintln!("{}", self.err.yellow("cancelled"));
            return Exit::CallFailed;
        };
        match outcome {
            Ok(result) => {
                match json {
                    true => println!("{}", result.to_json()),
                    false => {
                        for line in report::lines(&result, self.out) {
                            println!("{line}");
                        }
                        eprintln!("{}", self.err.dim(&report::summary(&result)));
                    }
                }
                result.exit()
            }
            Err(error) => {
                let exit = error.exit();
                let message = match error {
                    ClientError::Call(err, _) => format!("finding the nodes failed: {err}"),
                    ClientError::Other(_, message) => message,
                };
                eprintln!("{}", self.err.red(&format!("clacks: {message}")));
                exit
            }
        }
    }

    /// Closes the connection.
    pub fn close(mut self) {
        if let Some(session) = self.session.take() {
            self.system.block_on(session.close());
        }
    }
}

/// `work`, or `None` when Ctrl-C (SIGINT on `interrupts`) comes first.
async fn cancellable<T>(
    work: impl Future<Output = T>,
    interrupts: Option<&mut Signal>,
) -> Option<T> {
    let Some(interrupts) = interrupts else {
        return Some(work.await);
    };
    // A SIGINT that came while no call ran (sent from outside) cancels nothing.
    while let Some(Some(())) = interrupts.recv().now_or_never() {}
    tokio::select! {
        biased;
        out = work => Some(out),
        Some(()) = interrupts.recv() => None,
    }
}
