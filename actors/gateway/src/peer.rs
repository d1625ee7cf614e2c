//! Noticing at once that an SSE client went away. A streaming response only learns of a closed
//! connection when a write fails, and the second write after the close is the first to fail:
//! with keep-alive comments every 15 s, a gone client's subscription and queue would stay for
//! half a minute. So each connection keeps a duplicate of its socket ([`PeerSocket`], taken in
//! the server's `on_connect` hook), and an event stream peeks at it a few times a second: end
//! of file means the client closed, and the stream ends, taking its subscription with it.

use std::any::Any;
use std::sync::Arc;

/// A duplicate of one connection's socket, only ever peeked at.
#[derive(Debug, Clone)]
pub struct PeerSocket(Arc<std::net::TcpStream>);

impl PeerSocket {
    /// The socket of a new connection (`HttpServer::on_connect`); `None` for other transports.
    #[cfg(unix)]
    pub fn of_connection(connection: &dyn Any) -> Option<PeerSocket> {
        use actix_tls::accept::rustls_0_23::TlsStream;
        use actix_web::rt::net::TcpStream;
        use std::os::fd::AsFd;
        let tcp = match connection.downcast_ref::<TcpStream>() {
            Some(tcp) => tcp,
            // HTTPS: the socket under the TLS session (a close is still an end of file).
            None => {
                connection
                    .downcast_ref::<TlsStream<TcpStream>>()?
                    .get_ref()
                    .0
            }
        };
        // The duplicate shares the connection's file description, which tokio made
        // non-blocking, so a peek never waits.
        let fd = tcp.as_fd().try_clone_to_owned().ok()?;
        Some(PeerSocket(Arc::new(std::net::TcpStream::from(fd))))
    }

    /// Other platforms: no watching; a gone client is noticed by the next failed write.
    #[cfg(not(unix))]
    pub fn of_connection(_connection: &dyn Any) -> Option<PeerSocket> {
        None
    }

    /// Whether the client closed the connection (end of file or a reset). Bytes waiting to
    /// be read mean it is still there.
    pub fn closed(&self) -> bool {
        let mut byte = [0u8; 1];
        match self.0.peek(&mut byte) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn pair() -> (std::net::TcpStream, PeerSocket) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        server.set_nonblocking(true).unwrap();
        (client, PeerSocket(Arc::new(server)))
    }

    #[test]
    fn a_client_that_closed_is_seen_as_closed() {
        let (client, peer) = pair();
        assert!(!peer.closed(), "connected, nothing sent");
        drop(client);
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(peer.closed());
    }

    #[test]
    fn a_client_with_bytes_waiting_is_still_there() {
        let (mut client, peer) = pair();
        client.write_all(b"x").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(!peer.closed());
    }
}
