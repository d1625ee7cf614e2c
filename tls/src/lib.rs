//! # clacks-tls: certificates and keys for every link of a node
//!
//! What the AMQP transport, the HTTP gateway and the CLI share about TLS: reading certificate,
//! key and CA files with errors that name the file and the setting ([`files`]), rustls client
//! configurations that trust the configured CA file and nothing else, optionally presenting a
//! client certificate ([`client`]), server configurations with optional client certificates
//! ([`server`]), and the user a certificate names: its subject's common name, the identity
//! RabbitMQ's `EXTERNAL` mechanism gives the connection and the gateway gives an HTTPS caller
//! ([`subject`]). Every configuration uses the ring crypto provider (the one lapin's rustls
//! uses), so the tree holds one provider.
//!
//! ## Layout
//! - [`error`]: [`TlsError`], naming the setting and the file.
//! - [`files`]: PEM files: certificates, a private key, a CA bundle.
//! - [`subject`]: the subject common name of a DER certificate.
//! - [`client`]: [`ClientTls`], a client's CA file and optional certificate.
//! - [`server`]: [`ServerTls`], a server's certificate, key and optional client CA.
//! - [`observed`]: reporting the client certificates a server refuses.

#![warn(missing_docs)]

pub mod client;
pub mod error;
pub mod files;
pub mod observed;
pub mod server;
pub mod subject;

pub use client::ClientTls;
pub use error::TlsError;
pub use observed::{CertRefusal, Refusals};
pub use server::ServerTls;
pub use subject::common_name;

/// The crypto provider of every configuration made here.
pub fn provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    std::sync::Arc::new(rustls::crypto::ring::default_provider())
}

/// True when `error` (or what it wraps, as lapin and awc wrap their I/O errors) is a
/// certificate that was not trusted on either side: the peer's certificate failed our
/// verification, or the peer refused ours with an alert. Retrying cannot help then.
pub fn is_certificate_error(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return matches!(
                tls,
                rustls::Error::InvalidCertificate(_)
                    | rustls::Error::NoCertificatesPresented
                    | rustls::Error::AlertReceived(
                        rustls::AlertDescription::BadCertificate
                            | rustls::AlertDescription::UnknownCA
                            | rustls::AlertDescription::CertificateRequired
                            | rustls::AlertDescription::CertificateUnknown
                            | rustls::AlertDescription::CertificateExpired
                            | rustls::AlertDescription::CertificateRevoked
                            | rustls::AlertDescription::AccessDenied
                            | rustls::AlertDescription::HandshakeFailure
                    )
            );
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if let Some(inner) = io.get_ref() {
                current = Some(inner);
                continue;
            }
        }
        current = e.source();
    }
    false
}
