//! A server's TLS settings: its certificate chain and key, and optionally a CA whose client
//! certificates it accepts. Client certificates are optional (a client without one
//! authenticates another way, e.g. HTTP Basic); one that is presented must chain to that CA,
//! or the handshake fails.

use rustls::server::WebPkiClientVerifier;
use rustls::ServerConfig;
use std::path::PathBuf;
use std::sync::Arc;

use crate::observed::{Observed, Refusals};
use crate::{files, provider, TlsError};

/// What a TLS server presents and which client certificates it accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerTls {
    /// The certificate chain file (leaf first).
    pub cert_file: PathBuf,
    /// The private key file.
    pub key_file: PathBuf,
    /// The CA bundle client certificates must chain to; `None`: none are asked for.
    pub client_ca_file: Option<PathBuf>,
    /// The settings' prefix, for errors (`http`: `http.cert_file`, …).
    pub section: String,
}

impl ServerTls {
    /// The rustls configuration, every file read now.
    pub fn rustls_config(&self) -> Result<ServerConfig, TlsError> {
        self.rustls_config_reporting(None)
    }

    /// The same, giving every client certificate it refuses to `report` (to log and audit).
    pub fn rustls_config_reporting(
        &self,
        report: Option<Refusals>,
    ) -> Result<ServerConfig, TlsError> {
        let s = &self.section;
        let chain = files::certificates(&format!("{s}.cert_file"), &self.cert_file)?;
        let key = files::private_key(&format!("{s}.key_file"), &self.key_file)?;
        let versions = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Config {
                setting: format!("{s}.cert_file"),
                problem: e.to_string(),
            })?;
        let builder = match &self.client_ca_file {
            None => versions.with_no_client_auth(),
            Some(ca) => {
                let setting = format!("{s}.client_ca_file");
                let roots = files::roots(&setting, ca)?;
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
                        .allow_unauthenticated()
                        .build()
                        .map_err(|e| TlsError::Config {
                            setting,
                            problem: e.to_string(),
                        })?;
                match report {
                    Some(report) => versions.with_client_cert_verifier(Arc::new(Observed {
                        inner: verifier,
                        report,
                    })),
                    None => versions.with_client_cert_verifier(verifier),
                }
            }
        };
        builder
            .with_single_cert(chain, key)
            .map_err(|e| TlsError::Config {
                setting: format!("{s}.cert_file/{s}.key_file"),
                problem: format!("the key does not fit the certificate: {e}"),
            })
    }
}
