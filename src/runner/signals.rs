//! The signals that stop a node: SIGTERM and SIGINT (Ctrl-C). They are listened for from
//! before the node starts, so one that arrives during start-up (while waiting for the broker)
//! is seen and stops what started, instead of killing the process half-way.

#[cfg(unix)]
use tokio::signal::unix::{signal, Signal, SignalKind};

/// The stop signals, caught from [`listen`](Signals::listen) on.
pub(crate) struct Signals {
    #[cfg(unix)]
    terminate: Option<Signal>,
    #[cfg(unix)]
    interrupt: Option<Signal>,
}

impl Signals {
    /// Starts catching the stop signals; must run inside the node's runtime.
    pub(crate) fn listen() -> Signals {
        #[cfg(unix)]
        {
            let catch = |kind: SignalKind, which: &str| match signal(kind) {
                Ok(caught) => Some(caught),
                Err(err) => {
                    tracing::warn!(signal = which, error = %err, "cannot catch the signal");
                    None
                }
            };
            Signals {
                terminate: catch(SignalKind::terminate(), "SIGTERM"),
                interrupt: catch(SignalKind::interrupt(), "SIGINT"),
            }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// Resolves at the first stop signal; never when none can be caught (the node then runs
    /// until it is killed, rather than stopping at once).
    pub(crate) async fn received(&mut self) {
        #[cfg(unix)]
        {
            async fn next(caught: &mut Option<Signal>) {
                match caught {
                    Some(caught) => {
                        caught.recv().await;
                    }
                    None => std::future::pending().await,
                }
            }
            tokio::select! {
                () = next(&mut self.terminate) => {}
                () = next(&mut self.interrupt) => {}
            }
        }
        #[cfg(not(unix))]
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %err, "cannot catch Ctrl-C");
            std::future::pending::<()>().await;
        }
    }
}
