//! The caller an HTTPS client certificate names. With `http.client_ca_file` the gateway
//! accepts client certificates from that CA (rustls has verified the chain before the
//! connection exists, and one from any other CA fails the handshake); the certificate's
//! subject common name is then the caller of every request on that connection.

use actix_tls::accept::rustls_0_23::TlsStream;
use actix_web::rt::net::TcpStream;
use std::any::Any;

/// The user of a connection's verified client certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerUser(pub String);

impl PeerUser {
    /// The user of a new connection's client certificate (`HttpServer::on_connect`); `None`
    /// for plain HTTP, a client without a certificate, or one that names no single user.
    pub fn of_connection(connection: &dyn Any) -> Option<PeerUser> {
        let tls = connection.downcast_ref::<TlsStream<TcpStream>>()?;
        let (_, session) = tls.get_ref();
        let leaf = session.peer_certificates()?.first()?;
        match clacks_tls::common_name(leaf) {
            Ok(user) => Some(PeerUser(user)),
            Err(problem) => {
                tracing::warn!(problem = %problem,
                    "client certificate names no user; the connection has no certificate identity");
                None
            }
        }
    }
}
