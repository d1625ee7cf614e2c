//! Connecting to one of several broker addresses (`amqp.url` listing the nodes of one RabbitMQ
//! cluster): each is tried in turn from a given start, a silent one given up after a connect
//! timeout (a node's follows its heartbeat, [`AmqpConfig::connect_timeout`]; the one-shot
//! CLI client's is [`CONNECT_TIMEOUT`]), until one answers. The session starts after the address it just lost,
//! so a node whose broker node died moves to the next one at once instead of knocking first
//! on the dead one; the back-off between rounds stays the session's (`amqp.reconnect_*`).

use std::future::Future;
use std::time::Duration;

use super::config::redact;
#[cfg(doc)]
use super::config::AmqpConfig;
use super::error::AmqpError;

/// How long one address may take to accept a connection from the CLI's client (which has no
/// heartbeat setting) before the next is tried: a broker node that is down refuses at once,
/// one behind a black hole never answers.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Tries `addresses` in order from `start` (wrapping round), each with `connect` and at most
/// `timeout`; returns the first connection and the index of its address. When all
/// fail, the error is a refusal of our credentials if any address refused them (retrying
/// cannot help), else the last address's, each naming the address (password hidden).
pub async fn connect_any<C, F, Fut>(
    addresses: &[String],
    start: usize,
    timeout: Duration,
    connect: F,
) -> Result<(C, usize), AmqpError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<C, lapin::Error>>,
{
    let count = addresses.len().max(1);
    let mut refused = None;
    let mut last = None;
    for step in 0..addresses.len() {
        let at = (start + step) % count;
        let address = &addresses[at];
        let outcome = match tokio::time::timeout(timeout, connect(address.clone())).await {
            Ok(outcome) => outcome,
            Err(_) => Err(lapin::Error::from(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("no answer within {:.1} s", timeout.as_secs_f64()),
            ))),
        };
        match outcome {
            Ok(connection) => return Ok((connection, at)),
            Err(e) => {
                let e = AmqpError::from(e)
                    .context(format!("cannot reach the broker at {}", redact(address)));
                if addresses.len() > 1 {
                    tracing::warn!(address = %redact(address), error = %e,
                        "broker address did not take the connection; trying the next");
                }
                if e.can_be_recovered() {
                    last = Some(e);
                } else {
                    refused = Some(e);
                }
            }
        }
    }
    Err(refused.or(last).unwrap_or_else(|| {
        AmqpError::from(lapin::Error::from(std::io::Error::other(
            "no broker address configured (amqp.url)",
        )))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    fn addresses(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("amqp://u:secret@b{i}/d")).collect()
    }

    /// A connector that succeeds only for address `good` and records what was tried.
    type Connecting = std::pin::Pin<Box<dyn Future<Output = Result<usize, lapin::Error>>>>;

    fn only(good: Option<usize>, tried: Arc<Mutex<Vec<String>>>) -> impl Fn(String) -> Connecting {
        move |address: String| {
            let ok = good.is_some_and(|g| address.contains(&format!("@b{g}/")));
            tried.lock().unwrap().push(address);
            Box::pin(async move {
                match ok {
                    true => Ok(7),
                    false => Err(lapin::Error::from(std::io::Error::other("refused"))),
                }
            })
        }
    }

    #[tokio::test]
    async fn addresses_are_tried_in_order_from_the_start_wrapping_round() {
        let tried = Arc::new(Mutex::new(Vec::new()));
        let (_, at) = connect_any(
            &addresses(3),
            2,
            CONNECT_TIMEOUT,
            only(Some(1), tried.clone()),
        )
        .await
        .unwrap();
        assert_eq!(at, 1);
        let tried = tried.lock().unwrap().clone();
        assert_eq!(
            tried,
            vec![
                "amqp://u:secret@b2/d",
                "amqp://u:secret@b0/d",
                "amqp://u:secret@b1/d"
            ]
        );
    }

    #[tokio::test]
    async fn when_all_fail_the_error_names_an_address_without_its_password() {
        let tried = Arc::new(Mutex::new(Vec::new()));
        let Err(err) =
            connect_any(&addresses(2), 0, CONNECT_TIMEOUT, only(None, tried.clone())).await
        else {
            panic!("no address answers")
        };
        assert_eq!(tried.lock().unwrap().len(), 2);
        let text = err.to_string();
        assert!(
            text.contains("cannot reach the broker at amqp://u:***@b1/d"),
            "{text}"
        );
        assert!(err.can_be_recovered());
    }

    #[tokio::test]
    async fn a_silent_address_is_given_up_for_the_next() {
        let connect = |address: String| async move {
            if address.contains("@b0/") {
                std::future::pending::<()>().await;
            }
            Ok::<_, lapin::Error>(1)
        };
        let (_, at) = connect_any(&addresses(2), 0, Duration::from_millis(50), connect)
            .await
            .unwrap();
        assert_eq!(at, 1);
    }
}
