//! `GET /events?filter=XPATH&name=EVENT&ns=p=URI` as Server-Sent Events: each request gets its
//! own supervised subscription on the node's event bus (names and filter applied there, after
//! validation), and every delivered event becomes one SSE message:
//!
//! ```text
//! event: NodeStatus
//! origin: node-a
//! data: <Event xmlns="http://www.gonicus.de/Events">
//! data: …
//!
//! ```
//!
//! `origin` is not an SSE field: browsers ignore it, `clacks listen` reads it. Every value is
//! escaped for the format: the XML is split into one `data:` line per line (at `\n`, `\r\n`
//! and a lone `\r`, as SSE readers split), and control characters in `event` and `origin` are
//! dropped (the bus already refuses an origin holding them), so no value can inject a field.
//!
//! A comment line opens the stream and repeats every 15 s; a client that goes away is noticed by
//! the write error, or at once when the connection closes (the stream watches its own
//! connection), and its subscription, queue and stream slot are removed with the stream. The
//! stream ends when the gateway stops. Streams are capped per remote address and per node
//! (`[http] sse_per_address`, `sse_per_node`): one more is HTTP 429 with a JSON body naming the
//! setting. A client that cannot keep up loses events (counted in the comments) rather than
//! making the node buffer without bound.

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use clacks_runtime::acl::Rights;
use clacks_runtime::call::{CallError, RpcErrorKind};
use clacks_runtime::events::{Event, Subscription};
use clacks_xml::Namespaces;
use futures_util::{stream, StreamExt};
use serde_json::json;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

use super::peer::PeerSocket;
use super::streams::{CapReached, StreamSlot};
use super::GatewayState;

/// SSE messages one client may have waiting.
const CLIENT_BUFFER: usize = 1024;
/// Interval of keep-alive comments.
const KEEPALIVE: Duration = Duration::from_secs(15);
/// How often a stream checks whether its client closed the connection.
const PEER_CHECK: Duration = Duration::from_millis(200);

/// One SSE message for `event`.
pub fn sse_frame(event: &Event) -> String {
    let mut frame = String::with_capacity(event.xml.len() + 64);
    frame.push_str("event: ");
    push_field(&mut frame, &event.name);
    frame.push_str("\norigin: ");
    push_field(&mut frame, &event.origin);
    frame.push('\n');
    for line in sse_lines(&event.xml) {
        frame.push_str("data: ");
        frame.push_str(line);
        frame.push('\n');
    }
    frame.push('\n');
    frame
}

/// A one-line field value: control characters (line breaks above all) are left out.
fn push_field(frame: &mut String, value: &str) {
    frame.extend(value.chars().filter(|c| !c.is_control()));
}

/// The lines of `text` as an SSE reader splits them: at `\r\n`, `\n` or a lone `\r`.
fn sse_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match current.find(['\r', '\n']) {
            None => {
                rest = None;
                Some(current)
            }
            Some(at) => {
                let skip = if current[at..].starts_with("\r\n") {
                    2
                } else {
                    1
                };
                rest = Some(&current[at + skip..]);
                Some(&current[..at])
            }
        }
    })
}

fn bad_request(error: CallError) -> HttpResponse {
    HttpResponse::BadRequest()
        .content_type("application/json")
        .body(json!({"error": error.to_json()}).to_string())
}

/// HTTP 429 for a stream over a cap, naming the setting.
fn too_many(cap: CapReached, node: &str) -> HttpResponse {
    let error = CallError::new(
        RpcErrorKind::Busy,
        format!(
            "too many event streams: at most {} ({}); close one and retry",
            cap.limit, cap.setting
        ),
    )
    .with("setting", cap.setting)
    .with("limit", cap.limit)
    .with_node_default(node);
    HttpResponse::TooManyRequests()
        .content_type("application/json")
        .body(json!({"error": error.to_json()}).to_string())
}

struct Request {
    names: Vec<String>,
    filter: Option<String>,
    namespaces: Namespaces,
}

fn read_query(pairs: Vec<(String, String)>) -> Result<Request, CallError> {
    let mut request = Request {
        names: Vec::new(),
        filter: None,
        namespaces: Namespaces::default(),
    };
    for (key, value) in pairs {
        match key.as_str() {
            "name" => request.names.extend(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned),
            ),
            "filter" if request.filter.is_some() => {
                return Err(CallError::invalid_params("give at most one 'filter'"));
            }
            "filter" => request.filter = Some(value),
            "ns" => {
                request
                    .namespaces
                    .bind_spec(&value)
                    .map_err(|e| CallError::invalid_params(e.to_string()))?;
            }
            other => {
                return Err(CallError::invalid_params(format!(
                    "unknown query parameter '{other}' (known: filter, name, ns)"
                )))
            }
        }
    }
    Ok(request)
}

struct Feed {
    frames: mpsc::Receiver<Bytes>,
    closing: tokio::sync::watch::Receiver<bool>,
    keepalive: tokio::time::Interval,
    /// The client's socket, peeked at every [`PEER_CHECK`] to notice it went away.
    peer: Option<PeerSocket>,
    peer_check: tokio::time::Interval,
    dropped: Arc<AtomicU64>,
    /// Declared after `_subscription`, so the slot is freed once the subscription is gone.
    _subscription: Subscription,
    _slot: StreamSlot,
}

/// `GET /events`
pub async fn events(
    req: HttpRequest,
    query: web::Query<Vec<(String, String)>>,
    state: web::Data<GatewayState>,
) -> HttpResponse {
    let request = match read_query(query.into_inner()) {
        Ok(r) => r,
        Err(e) => return bad_request(e.with_node_default(state.node.name())),
    };
    // Subscribing needs `r` on every event's topic (all the node knows, when none is named).
    let names: Vec<String> = if request.names.is_empty() {
        let schemas = state.node.event_bus().schemas();
        schemas
            .set()
            .event_names()
            .into_iter()
            .map(str::to_owned)
            .collect()
    } else {
        request.names.clone()
    };
    let user =
        match crate::auth::caller(&req, &state.node, state.auth.as_deref(), &state.user).await {
            Ok(user) => user,
            Err(refused) => return refused,
        };
    let acl = state.node.acl();
    for name in &names {
        let topic = acl.event_topic(name);
        if let Err(e) = state.node.authorize(&user, &topic, Rights::READ) {
            return HttpResponse::Forbidden()
                .content_type("application/json")
                .body(
                    json!({"error": e.with_node_default(state.node.name()).to_json()}).to_string(),
                );
        }
    }
    let address = req
        .peer_addr()
        .map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip());
    let slot = match state.streams.acquire(address) {
        Ok(slot) => slot,
        Err(cap) => {
            tracing::debug!(node = %state.node.name(), %address, setting = cap.setting,
                "event stream refused: over the cap");
            return too_many(cap, state.node.name());
        }
    };
    let (tx, frames) = mpsc::channel::<Bytes>(CLIENT_BUFFER);
    let dropped = Arc::new(AtomicU64::new(0));
    let counter = dropped.clone();
    let subscribed = state
        .node
        .event_bus()
        .subscribe(
            request.names,
            request.filter.as_deref(),
            &request.namespaces,
            move |event| {
                if let Err(mpsc::error::TrySendError::Full(_)) =
                    tx.try_send(Bytes::from(sse_frame(event)))
                {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            },
        )
        .await;
    let subscription = match subscribed {
        Ok(s) => s,
        Err(e) => return bad_request(e.with_node_default(state.node.name())),
    };
    let opening = Bytes::from(format!(": subscribed {}\n\n", subscription.id()));
    let mut keepalive =
        tokio::time::interval_at(tokio::time::Instant::now() + KEEPALIVE, KEEPALIVE);
    keepalive.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut peer_check = tokio::time::interval(PEER_CHECK);
    peer_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let feed = Feed {
        frames,
        closing: state.closing.clone(),
        keepalive,
        peer: req.conn_data::<PeerSocket>().cloned(),
        peer_check,
        dropped,
        _subscription: subscription,
        _slot: slot,
    };
    let live = stream::unfold(feed, |mut feed| async move {
        let next = loop {
            break tokio::select! {
                frame = feed.frames.recv() => frame,
                // The gateway stops: end the stream, which also ends the subscription.
                _ = feed.closing.wait_for(|closing| *closing) => None,
                _ = feed.keepalive.tick() => {
                    let dropped = feed.dropped.load(Ordering::Relaxed);
                    Some(Bytes::from(format!(": keepalive dropped={dropped}\n\n")))
                }
                // The client closed: end the stream now, not at the next failed write.
                _ = feed.peer_check.tick() => match &feed.peer {
                    Some(peer) if peer.closed() => None,
                    _ => continue,
                },
            };
        };
        next.map(|bytes| (Ok(bytes), feed))
    });
    let body = stream::once(async move { Ok::<_, actix_web::Error>(opening) }).chain(live);
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/event-stream"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .streaming(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_reads_repeated_names_one_filter_and_namespaces() {
        let pairs = vec![
            ("name".to_owned(), "NodeStatus,NodeLeave".to_owned()),
            ("name".to_owned(), "PhoneCall".to_owned()),
            ("filter".to_owned(), "//p:X".to_owned()),
            ("ns".to_owned(), "p=urn:p".to_owned()),
        ];
        let r = read_query(pairs).unwrap();
        assert_eq!(r.names, ["NodeStatus", "NodeLeave", "PhoneCall"]);
        assert_eq!(r.namespaces.get("p"), Some("urn:p"));
        assert!(read_query(vec![("bogus".into(), "1".into())]).is_err());
        assert!(read_query(vec![("ns".into(), "nonsense".into())]).is_err());
    }

    #[test]
    fn a_line_break_in_any_value_cannot_inject_a_field() {
        let event = Event {
            name: "Notification".into(),
            origin: "evil\nevent: NodeLeave\r\ndata: x".into(),
            xml: Arc::from("<a>\r<b/>\r\ndata: injected\n</a>"),
            document: clacks_xml::Document::parse("<Event/>").unwrap(),
        };
        let frame = sse_frame(&event);
        let fields: Vec<&str> = frame
            .lines()
            .map(|l| l.split(':').next().unwrap_or(""))
            .collect();
        assert_eq!(
            fields,
            ["event", "origin", "data", "data", "data", "data", ""],
            "{frame}"
        );
        assert!(frame.starts_with("event: Notification\norigin: evilevent: NodeLeavedata: x\n"));
        assert!(frame.contains("data: data: injected\n"), "{frame}");
    }

    #[test]
    fn frames_put_every_xml_line_in_data() {
        let event = Event {
            name: "NodeLeave".into(),
            origin: "a".into(),
            xml: Arc::from("<Event>\r\n<NodeLeave/>\n</Event>"),
            document: clacks_xml::Document::parse("<Event/>").unwrap(),
        };
        assert_eq!(
            sse_frame(&event),
            "event: NodeLeave\norigin: a\ndata: <Event>\ndata: <NodeLeave/>\ndata: </Event>\n\n"
        );
    }
}
