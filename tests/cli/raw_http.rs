//! HTTP/1.1 over a plain `TcpStream`, for the hostile-input suite: it must send what a polite
//! client never would (bodies that are not UTF-8, a request head dribbled byte by byte) and see
//! exactly what the node answers, so it cannot go through an HTTP library.

use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// What the node answered, and how long it took from the first byte sent.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
    pub elapsed: Duration,
}

impl Answer {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// `http://127.0.0.1:PORT/rpc` → the socket address.
pub fn address(url: &str) -> SocketAddr {
    let host = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or_default();
    host.parse()
        .unwrap_or_else(|e| panic!("{url} has no socket address: {e}"))
}

/// Sends one request (`Connection: close`) and reads the whole answer, up to `limit`.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    limit: Duration,
) -> Answer {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    stream.set_read_timeout(Some(limit)).ok();
    stream.set_write_timeout(Some(limit)).ok();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    // The body goes out on its own thread while the answer is read: the node may answer (413)
    // before the whole body is written, and that moment is what the elapsed time measures.
    let writer = stream.try_clone().ok().map(|mut out| {
        let body = body.to_vec();
        std::thread::spawn(move || {
            let _ = out
                .write_all(head.as_bytes())
                .and_then(|()| out.write_all(&body));
        })
    });
    let mut raw = Vec::new();
    let mut head_at = None;
    let mut buf = [0u8; 65536];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
        if head_at.is_none() && raw.windows(4).any(|w| w == b"\r\n\r\n") {
            head_at = Some(started.elapsed());
        }
    }
    // The node closes after answering; a writer still blocked on the body then fails and ends.
    let _ = stream.shutdown(std::net::Shutdown::Both);
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    parse(&raw, head_at.unwrap_or_else(|| started.elapsed()))
}

/// `POST /rpc` with `content_type`.
pub fn post(addr: SocketAddr, content_type: &str, body: &[u8]) -> Answer {
    request(
        addr,
        "POST",
        "/rpc",
        &[("Content-Type", content_type)],
        body,
        Duration::from_secs(30),
    )
}

/// Splits a raw response into status, head and body (chunked bodies are joined).
pub fn parse(raw: &[u8], elapsed: Duration) -> Answer {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut body = raw.get(split + 4..).unwrap_or_default().to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = unchunk(&body);
    }
    Answer {
        status,
        head,
        body,
        elapsed,
    }
}

fn unchunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = end + 2;
        let stop = (start + size).min(data.len());
        out.extend_from_slice(&data[start..stop]);
        data = data.get(stop + 2..).unwrap_or_default();
    }
    out
}
