//! `clacks listen [--filter XPATH] [--ns p=URI]… [--name EVENT]… [--json] [--count N]`:
//! prints the domain's events as they arrive. Without AMQP it reads the node's
//! `GET /events` Server-Sent-Events stream (the node subscribes, validates and filters);
//! the filter is compiled here first, so a bad one is a usage error (exit 2) before any
//! connection. Each event prints as its XML (or, with `--json`, one JSON object per line:
//! `{"event", "origin", "xml"}`). With `--amqp URL --domain D` it subscribes on the broker
//! directly (a server-named queue bound to `D.event`), validating and filtering here.

use awc::error::SendRequestError;
use clap::Args;
use futures_util::StreamExt;
use serde_json::{json, Value};

use crate::exit::{fail, Exit};

/// Arguments of `clacks listen`.
#[derive(Args, Debug)]
pub struct ListenArgs {
    /// The node's JSON-RPC endpoint; events are read from `/events` beside it.
    #[arg(long, env = "CLACKS_URL", default_value = "http://127.0.0.1:8080/rpc")]
    url: String,
    /// XPath filter; the prefix `e` is the events namespace.
    #[arg(long)]
    filter: Option<String>,
    /// More prefixes for the filter, `p=URI`; may be repeated.
    #[arg(long = "ns", value_name = "p=URI")]
    namespaces: Vec<String>,
    /// Only these event types; may be repeated (default: all).
    #[arg(long = "name", value_name = "EVENT")]
    names: Vec<String>,
    /// One JSON object per event and line.
    #[arg(long)]
    json: bool,
    /// Subscribe on this AMQP broker instead of the node's HTTP stream.
    #[arg(long, env = "CLACKS_AMQP_URL")]
    amqp: Option<String>,
    /// The domain to listen to over AMQP.
    #[arg(long, env = "CLACKS_DOMAIN", default_value = "org.clacks")]
    domain: String,
    /// Exit 0 after this many events.
    #[arg(long)]
    count: Option<u64>,
}

/// Where events come from.
pub enum Source {
    /// A node's `GET /events` stream.
    Http {
        /// `http://HOST:PORT/events`.
        url: String,
    },
    /// The domain's event exchange on a broker.
    Amqp {
        /// Broker URL.
        url: String,
        /// Domain.
        domain: String,
        /// The compiled filter, applied here.
        filter: Option<clacks_xml::Filter>,
    },
}

/// One event read from the stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Received {
    /// The event type.
    pub event: String,
    /// The publishing node.
    pub origin: String,
    /// The XML.
    pub xml: String,
}

/// Reads complete SSE messages out of `buffer` (what is left stays for the next chunk).
/// Comments and messages without data are skipped. Lines end at `\n`, `\r\n` or a lone `\r`,
/// as the SSE format allows; several `data:` lines join with `\n`.
pub fn take_messages(buffer: &mut String) -> Vec<Received> {
    normalise_line_ends(buffer);
    let mut out = Vec::new();
    while let Some(end) = buffer.find("\n\n") {
        let frame: String = buffer.drain(..end + 2).collect();
        let mut message = Received::default();
        let mut data: Vec<&str> = Vec::new();
        for line in frame.lines() {
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "event" => message.event = value.to_owned(),
                "origin" => message.origin = value.to_owned(),
                "data" => data.push(value),
                _ => {}
            }
        }
        if !data.is_empty() {
            message.xml = data.join("\n");
            out.push(message);
        }
    }
    out
}

fn events_url(rpc_url: &str) -> String {
    let base = rpc_url.trim_end_matches('/');
    let base = base.strip_suffix("/rpc").unwrap_or(base);
    format!("{base}/events")
}

/// Runs `clacks listen`.
pub fn run(args: ListenArgs) -> Exit {
    let mut namespaces = clacks_xml::Namespaces::default();
    for spec in &args.namespaces {
        if let Err(e) = namespaces.bind_spec(spec) {
            return fail(Exit::Usage, e);
        }
    }
    let mut compiled = None;
    if let Some(filter) = &args.filter {
        match clacks_xml::Filter::compile(filter, &namespaces) {
            Ok(f) => compiled = Some(f),
            Err(e) => {
                return fail(
                    Exit::Usage,
                    format!("filter '{filter}' does not compile: {e}"),
                )
            }
        }
    }
    let source = match args.amqp.clone().filter(|u| !u.trim().is_empty()) {
        Some(url) => Source::Amqp {
            url,
            domain: args.domain.clone(),
            filter: compiled,
        },
        None => Source::Http {
            url: events_url(&args.url),
        },
    };
    actix_rt::System::new().block_on(listen(source, args))
}

/// Turns `\r\n` and lone `\r` into `\n`; a `\r` at the very end stays, since its `\n` may
/// come with the next chunk.
fn normalise_line_ends(buffer: &mut String) {
    if !buffer.contains('\r') {
        return;
    }
    let trailing = buffer.ends_with('\r');
    let body = buffer.strip_suffix('\r').unwrap_or(buffer);
    let mut normalised = body.replace("\r\n", "\n").replace('\r', "\n");
    if trailing {
        normalised.push('\r');
    }
    *buffer = normalised;
}

fn print(args: &ListenArgs, message: &Received) {
    if args.json {
        println!(
            "{}",
            json!({"event": message.event, "origin": message.origin, "xml": message.xml})
        );
    } else {
        println!("{}", message.xml);
    }
}

/// Listens on the broker: every event is validated against the built-in schemas (an invalid
/// one is reported on stderr and skipped) and filtered here.
async fn listen_amqp(
    url: &str,
    domain: &str,
    filter: Option<clacks_xml::Filter>,
    args: &ListenArgs,
) -> Exit {
    let schemas = match clacks_xml::SchemaSet::builtin() {
        Ok(s) => s,
        Err(e) => return fail(Exit::Usage, format!("built-in schemas: {e}")),
    };
    let client = match clacks_amqp::AmqpClient::connect(url, domain).await {
        Ok(c) => c,
        Err(e) => return fail(Exit::Unreachable, e),
    };
    let mut consumer = match client.events(&args.names).await {
        Ok(c) => c,
        Err(e) => return fail(Exit::Unreachable, e),
    };
    eprintln!(
        "clacks: listening on {}.event at {}",
        domain,
        clacks_amqp::redact(url)
    );
    let mut seen = 0u64;
    while let Some(delivery) = consumer.next().await {
        let Ok(delivery) = delivery else {
            return fail(Exit::Unreachable, "the broker closed the event queue");
        };
        let xml = String::from_utf8_lossy(&delivery.data).into_owned();
        // The same check a node applies on receipt: parse, envelope, XSD.
        let document = match clacks_runtime::events::check(&xml, &schemas, true) {
            Ok(checked) => checked.document,
            Err(e) => {
                eprintln!(
                    "clacks: invalid {} event skipped: {e}",
                    delivery.routing_key
                );
                continue;
            }
        };
        if filter.as_ref().is_some_and(|f| !f.matches(&document)) {
            continue;
        }
        let origin = delivery
            .properties
            .app_id()
            .as_ref()
            .map(|s| s.to_string())
            .unwrap_or_default();
        print(
            args,
            &Received {
                event: delivery.routing_key.to_string(),
                origin,
                xml,
            },
        );
        seen += 1;
        if args.count.is_some_and(|n| seen >= n) {
            client.close().await;
            return Exit::Ok;
        }
    }
    fail(Exit::Unreachable, "the broker closed the event stream")
}

async fn listen(source: Source, args: ListenArgs) -> Exit {
    let url = match source {
        Source::Amqp {
            url,
            domain,
            filter,
        } => return listen_amqp(&url, &domain, filter, &args).await,
        Source::Http { url } => url,
    };
    let mut query: Vec<(&str, &str)> = Vec::new();
    if let Some(filter) = &args.filter {
        query.push(("filter", filter));
    }
    for ns in &args.namespaces {
        query.push(("ns", ns));
    }
    for name in &args.names {
        query.push(("name", name));
    }
    // Messages show the URL without its password (a URL may carry user:password@).
    let shown = clacks_runtime::config::redact_url(&url);
    let client = awc::Client::builder().disable_timeout().finish();
    let request = match client.get(&url).query(&query) {
        Ok(r) => r.insert_header(("accept", "text/event-stream")),
        Err(e) => return fail(Exit::Usage, format!("cannot build the request: {e}")),
    };
    let mut response = match request.send().await {
        Ok(r) => r,
        Err(SendRequestError::Timeout) => {
            return fail(Exit::Timeout, format!("timeout: no answer from {shown}"))
        }
        Err(e) => {
            return fail(
                Exit::Unreachable,
                format!("cannot reach the node at {shown}: {e}"),
            )
        }
    };
    let status = response.status();
    if !status.is_success() {
        let body = response.body().limit(1 << 20).await.unwrap_or_default();
        let detail: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let message = detail["error"]["message"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
        let exit = if status.as_u16() == 400 {
            Exit::Usage
        } else {
            Exit::Unreachable
        };
        return fail(exit, format!("{shown} answered HTTP {status}: {message}"));
    }
    eprintln!("clacks: listening on {shown}");
    let mut buffer = String::new();
    let mut seen = 0u64;
    while let Some(chunk) = response.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                return fail(
                    Exit::Unreachable,
                    format!("the event stream from {shown} broke: {e}"),
                )
            }
        };
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        for message in take_messages(&mut buffer) {
            print(&args, &message);
            seen += 1;
            if args.count.is_some_and(|n| seen >= n) {
                return Exit::Ok;
            }
        }
    }
    fail(
        Exit::Unreachable,
        format!("{shown} closed the event stream"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_messages_are_split_and_comments_skipped() {
        let mut buffer = String::from(
            ": subscribed sub-1\n\nevent: NodeLeave\norigin: a\ndata: <Event>\ndata: </Event>\n\nevent: X\ndata: par",
        );
        let got = take_messages(&mut buffer);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].event, "NodeLeave");
        assert_eq!(got[0].origin, "a");
        assert_eq!(got[0].xml, "<Event>\n</Event>");
        assert_eq!(buffer, "event: X\ndata: par");
    }

    #[test]
    fn sse_messages_with_crlf_and_lone_cr_line_ends_read_back() {
        let mut buffer = String::from("event: A\r\norigin: n\r\ndata: <a>\rdata: </a>\r\n\r");
        assert!(
            take_messages(&mut buffer).is_empty(),
            "the frame is not complete yet"
        );
        buffer.push_str("\nevent: B\ndata: x\n\n");
        let got = take_messages(&mut buffer);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!((got[0].event.as_str(), got[0].origin.as_str()), ("A", "n"));
        assert_eq!(got[0].xml, "<a>\n</a>");
        assert_eq!(got[1].xml, "x");
        assert!(buffer.is_empty(), "{buffer:?}");
    }

    #[test]
    fn events_url_sits_beside_rpc() {
        assert_eq!(events_url("http://h:1/rpc"), "http://h:1/events");
        assert_eq!(events_url("http://h:1/"), "http://h:1/events");
    }
}
