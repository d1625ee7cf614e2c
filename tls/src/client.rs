//! A client's TLS settings: the CA file that anchors the server's certificate (the only trust
//! anchor: no system store, so a certificate from any other CA is refused), and optionally a
//! client certificate with its key, presented when the server asks for one.

use rustls::ClientConfig;
use std::path::PathBuf;
use std::sync::Arc;

use crate::{files, provider, TlsError};

/// A client certificate and its key, with the settings that named them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The certificate (chain) file.
    pub cert_file: PathBuf,
    /// Its setting (`amqp.cert_file`, `--cert`).
    pub cert_setting: String,
    /// The private key file.
    pub key_file: PathBuf,
    /// Its setting.
    pub key_setting: String,
}

/// What a TLS client trusts and presents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientTls {
    /// The CA bundle the server's certificate must chain to.
    pub ca_file: PathBuf,
    /// The setting that named it.
    pub ca_setting: String,
    /// The client certificate, if any.
    pub identity: Option<Identity>,
}

impl ClientTls {
    /// Trusting `ca_file` (named by `ca_setting`), presenting no certificate.
    pub fn new(ca_file: impl Into<PathBuf>, ca_setting: &str) -> ClientTls {
        ClientTls {
            ca_file: ca_file.into(),
            ca_setting: ca_setting.to_owned(),
            identity: None,
        }
    }

    /// The same, presenting the certificate of `cert_file` with the key of `key_file`.
    pub fn with_identity(
        mut self,
        (cert_file, cert_setting): (impl Into<PathBuf>, &str),
        (key_file, key_setting): (impl Into<PathBuf>, &str),
    ) -> ClientTls {
        self.identity = Some(Identity {
            cert_file: cert_file.into(),
            cert_setting: cert_setting.to_owned(),
            key_file: key_file.into(),
            key_setting: key_setting.to_owned(),
        });
        self
    }

    /// Reads every file now, so a wrong one is a configuration error before anything
    /// connects; with a client certificate, the user it names (its subject common name).
    pub fn check(&self) -> Result<Option<String>, TlsError> {
        self.rustls_config()?;
        self.user()
    }

    /// The subject common name of the client certificate, if there is one.
    pub fn user(&self) -> Result<Option<String>, TlsError> {
        let Some(identity) = &self.identity else {
            return Ok(None);
        };
        let chain = files::certificates(&identity.cert_setting, &identity.cert_file)?;
        crate::common_name(&chain[0])
            .map(Some)
            .map_err(|problem| TlsError::Content {
                setting: identity.cert_setting.clone(),
                path: identity.cert_file.clone(),
                problem: format!("names no user: {problem}"),
            })
    }

    /// The rustls configuration: the CA file as the only root, the client certificate if any.
    pub fn rustls_config(&self) -> Result<ClientConfig, TlsError> {
        let roots = files::roots(&self.ca_setting, &self.ca_file)?;
        let builder = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Config {
                setting: self.ca_setting.clone(),
                problem: e.to_string(),
            })?
            .with_root_certificates(Arc::new(roots));
        match &self.identity {
            None => Ok(builder.with_no_client_auth()),
            Some(identity) => {
                let chain = files::certificates(&identity.cert_setting, &identity.cert_file)?;
                let key = files::private_key(&identity.key_setting, &identity.key_file)?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| TlsError::Config {
                        setting: format!("{}/{}", identity.cert_setting, identity.key_setting),
                        problem: format!("the key does not fit the certificate: {e}"),
                    })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &std::path::Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("written");
        path
    }

    #[test]
    fn the_user_is_the_client_certificates_common_name_and_keys_must_fit() {
        let dir = std::env::temp_dir().join(format!("clacks-tls-client-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let ca_key = rcgen::KeyPair::generate().expect("key");
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca_cert = ca.self_signed(&ca_key).expect("CA");
        let key = rcgen::KeyPair::generate().expect("key");
        let mut leaf = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        leaf.distinguished_name
            .push(rcgen::DnType::CommonName, "org.example-caller");
        let issuer = rcgen::Issuer::from_params(&ca, &ca_key);
        let cert = leaf.signed_by(&key, &issuer).expect("leaf");
        let ca_file = write(&dir, "ca.pem", &ca_cert.pem());
        let cert_file = write(&dir, "c.pem", &cert.pem());
        let key_file = write(&dir, "c.key", &key.serialize_pem());
        let tls = ClientTls::new(&ca_file, "--ca")
            .with_identity((&cert_file, "--cert"), (&key_file, "--key"));
        assert_eq!(
            tls.check().expect("usable").as_deref(),
            Some("org.example-caller")
        );
        // The CA's key is not the certificate's.
        let other_key = write(&dir, "other.key", &ca_key.serialize_pem());
        let mismatched = ClientTls::new(&ca_file, "--ca")
            .with_identity((&cert_file, "--cert"), (&other_key, "--key"));
        let err = mismatched
            .check()
            .expect_err("a key of another certificate");
        assert!(err.to_string().contains("the key does not fit"), "{err}");
        assert_eq!(
            ClientTls::new(&ca_file, "--ca")
                .check()
                .expect("no identity"),
            None
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
