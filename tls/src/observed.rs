//! Client certificates a server refuses, reported. rustls fails the handshake of a client
//! whose certificate does not chain to the client CA, and nothing above the TLS layer ever
//! sees that connection; wrapping the verifier lets the server log and audit each refusal
//! (the certificate's common name, and why) as it logs refused passwords.

use rustls::client::danger::HandshakeSignatureValid;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use rustls_pki_types::{CertificateDer, UnixTime};
use std::sync::Arc;

/// A refused client certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertRefusal {
    /// The user the certificate names (its subject common name), if it names one.
    pub user: Option<String>,
    /// Why it was refused (rustls' words).
    pub problem: String,
}

/// Where refusals go.
pub type Refusals = Arc<dyn Fn(&CertRefusal) + Send + Sync>;

/// A verifier that reports what `inner` refuses.
pub(crate) struct Observed {
    pub(crate) inner: Arc<dyn ClientCertVerifier>,
    pub(crate) report: Refusals,
}

impl std::fmt::Debug for Observed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Observed")
            .field("inner", &self.inner)
            .finish()
    }
}

impl ClientCertVerifier for Observed {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let verified = self
            .inner
            .verify_client_cert(end_entity, intermediates, now);
        if let Err(e) = &verified {
            (self.report)(&CertRefusal {
                user: crate::common_name(end_entity).ok(),
                problem: e.to_string(),
            });
        }
        verified
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        self.inner.requires_raw_public_keys()
    }
}
