//! How a link to the broker is secured: TLS (`amqps://`) against the CA file of
//! `amqp.ca_file` only, optionally presenting the client certificate of `amqp.cert_file` /
//! `amqp.key_file`, and the SASL mechanism (`amqp.mechanism`): `plain` (the URL's user and
//! password) or `external` (the broker takes the user from the client certificate's common
//! name; RabbitMQ's `rabbitmq_auth_mechanism_ssl` with `ssl_cert_login_from = common_name`).
//!
//! Every publish carries the connection's user as `user_id`, which the broker checks, so under
//! `external` the node reads that user from its own certificate before it connects.

use lapin::tcp::{OwnedIdentity, OwnedTLSConfig};
use lapin::uri::SASLMechanism;
use lapin::uri::{AMQPScheme, AMQPUri};
use lapin::{Connection, ConnectionProperties, DefaultConnectionBuilder};
use std::path::PathBuf;

use clacks_runtime::config::Settings;
use clacks_runtime::Error;
use clacks_tls::ClientTls;

fn redact(url: &str) -> String {
    clacks_runtime::config::redact_url(url)
}

/// The SASL mechanism a link logs in with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mechanism {
    /// The user and password of the URL.
    #[default]
    Plain,
    /// The client certificate: its common name is the user.
    External,
}

impl Mechanism {
    /// `plain` or `external` (any case); `None` otherwise.
    pub fn parse(name: &str) -> Option<Mechanism> {
        match name.to_ascii_lowercase().as_str() {
            "plain" => Some(Mechanism::Plain),
            "external" => Some(Mechanism::External),
            _ => None,
        }
    }
}

/// TLS and SASL of one link.
#[derive(Debug, Clone, Default)]
pub struct LinkSecurity {
    /// TLS settings; required for `amqps://`.
    pub tls: Option<ClientTls>,
    /// The SASL mechanism.
    pub mechanism: Mechanism,
}

fn file(value: &str) -> Option<PathBuf> {
    let value = value.trim();
    (!value.is_empty()).then(|| PathBuf::from(value))
}

impl LinkSecurity {
    /// The security of `[amqp]`, every file read now: a wrong file, a certificate without a
    /// key, `external` without a certificate or TLS, `amqps://` without a CA file or a CA
    /// file for a plain `amqp://` URL are configuration errors naming the key.
    pub fn from_settings(settings: &Settings) -> Result<LinkSecurity, Error> {
        let amqp = &settings.amqp;
        let mechanism = Mechanism::parse(&amqp.mechanism).ok_or_else(|| {
            Error::config(
                "amqp.mechanism",
                format!("'{}' is not \"plain\" or \"external\"", amqp.mechanism),
            )
        })?;
        let tls = match (file(&amqp.ca_file), file(&amqp.cert_file), file(&amqp.key_file)) {
            (None, None, None) => None,
            (None, _, _) => {
                return Err(Error::config(
                    "amqp.ca_file",
                    "a client certificate needs TLS: set the CA file the broker's certificate chains to",
                ))
            }
            (Some(ca), None, None) => Some(ClientTls::new(ca, "amqp.ca_file")),
            (Some(ca), Some(cert), Some(key)) => Some(
                ClientTls::new(ca, "amqp.ca_file")
                    .with_identity((cert, "amqp.cert_file"), (key, "amqp.key_file")),
            ),
            (Some(_), Some(_), None) => {
                return Err(Error::config("amqp.key_file", "amqp.cert_file is set but not its key"))
            }
            (Some(_), None, Some(_)) => {
                return Err(Error::config("amqp.cert_file", "amqp.key_file is set but not its certificate"))
            }
        };
        let security = LinkSecurity { tls, mechanism };
        // Every address of a broker cluster: same user and vhost (checked when the settings
        // load), each TLS or not as the files say.
        let addresses = clacks_runtime::config::broker_addresses(&amqp.url)?;
        for address in &addresses {
            security.check(address, "amqp.url")?;
        }
        Ok(security)
    }

    /// Checks this security against `url` (named `what` in errors) and reads every file;
    /// returns the user the broker will know the link as.
    pub fn check(&self, url: &str, what: &str) -> Result<String, Error> {
        if url.is_empty() {
            return Ok(String::new());
        }
        let tls_url = url.starts_with("amqps://");
        match (&self.tls, tls_url) {
            (None, true) => {
                return Err(Error::config(
                    "amqp.ca_file",
                    format!(
                        "{what} {} uses TLS: set the CA file the broker's certificate chains to",
                        redact(url)
                    ),
                ))
            }
            (Some(_), false) => {
                return Err(Error::config(
                    "amqp.ca_file",
                    format!(
                        "TLS files are set but {what} {} is not amqps://",
                        redact(url)
                    ),
                ))
            }
            _ => {}
        }
        let cert_user = match &self.tls {
            Some(tls) => tls
                .check()
                .map_err(|e| Error::config("amqp", e.to_string()))?,
            None => None,
        };
        match self.mechanism {
            Mechanism::Plain => Ok(user_of(url)),
            Mechanism::External => {
                let Some(user) = cert_user else {
                    return Err(Error::config(
                        "amqp.mechanism",
                        "\"external\" logs in with a client certificate: set amqp.cert_file and amqp.key_file",
                    ));
                };
                let named = user_of(url);
                if url.contains('@') && named != user {
                    return Err(Error::config(
                        "amqp.url",
                        format!("names user '{named}' but the client certificate is '{user}' (the broker takes the certificate's)"),
                    ));
                }
                Ok(user)
            }
        }
    }

    /// The user of a link to `url` under this security: the certificate's common name under
    /// `external`, else the URL's user.
    pub fn user(&self, url: &str) -> Result<String, Error> {
        self.check(url, "the broker URL")
    }

    fn tls_config(&self) -> Result<OwnedTLSConfig, lapin::Error> {
        let Some(tls) = &self.tls else {
            return Ok(OwnedTLSConfig::default());
        };
        let cert_chain =
            clacks_tls::files::pem_text(&tls.ca_setting, &tls.ca_file).map_err(invalid)?;
        let identity = match &tls.identity {
            None => None,
            Some(id) => Some(OwnedIdentity::PKCS8 {
                pem: clacks_tls::files::pem_text(&id.cert_setting, &id.cert_file)
                    .map_err(invalid)?
                    .into_bytes(),
                key: clacks_tls::files::key_text(&id.key_setting, &id.key_file)
                    .map_err(invalid)?
                    .into_bytes(),
            }),
        };
        Ok(OwnedTLSConfig {
            identity,
            cert_chain: Some(cert_chain),
        })
    }

    /// Connects to `url` with this security (lapin's error, so a caller trying several
    /// addresses classifies each).
    pub async fn connect(
        &self,
        url: &str,
        props: ConnectionProperties,
    ) -> Result<Connection, lapin::Error> {
        let mut uri: AMQPUri = url
            .parse()
            .map_err(|e: String| invalid(format!("bad broker URL {}: {e}", redact(url))))?;
        if self.mechanism == Mechanism::External {
            uri.query.auth_mechanism = Some(SASLMechanism::External);
        } else if uri.query.auth_mechanism.is_none() {
            uri.query.auth_mechanism = Some(SASLMechanism::Plain);
        }
        if uri.scheme == AMQPScheme::AMQPS && self.tls.is_none() {
            return Err(invalid(format!(
                "{} uses TLS but no CA file is set",
                redact(url)
            )));
        }
        let tls = self.tls_config()?;
        DefaultConnectionBuilder::new()?
            .with_uri(uri)
            .with_properties(props)
            .with_tls_config(tls)
            .connect()
            .await
    }
}

/// A setting or file that cannot work, as the I/O error lapin reports it in.
fn invalid(problem: impl ToString) -> lapin::Error {
    lapin::Error::from(std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        problem.to_string(),
    ))
}

/// The user part of an AMQP URL (`guest` when absent, as the broker assumes).
pub fn user_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or("");
    match authority.rsplit_once('@') {
        Some((userinfo, _)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            percent_decode(user)
        }
        None => "guest".to_owned(),
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(v) = u8::from_str_radix(hex, 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mechanisms_are_named_in_any_case() {
        assert_eq!(Mechanism::parse("PLAIN"), Some(Mechanism::Plain));
        assert_eq!(Mechanism::parse("External"), Some(Mechanism::External));
        assert_eq!(Mechanism::parse("amqplain"), None);
    }

    #[test]
    fn amqps_needs_a_ca_file_and_a_ca_file_needs_amqps() {
        let none = LinkSecurity::default();
        let err = none
            .check("amqps://u:p@h/v", "amqp.url")
            .expect_err("no CA");
        assert!(err.to_string().contains("amqp.ca_file"), "{err}");
        assert!(!err.to_string().contains(":p@"), "password hidden: {err}");
        let with_ca = LinkSecurity {
            tls: Some(ClientTls::new("/nonexistent/ca.pem", "amqp.ca_file")),
            mechanism: Mechanism::Plain,
        };
        let err = with_ca
            .check("amqp://u:p@h/v", "amqp.url")
            .expect_err("plain URL");
        assert!(err.to_string().contains("is not amqps://"), "{err}");
        let err = with_ca
            .check("amqps://u:p@h/v", "amqp.url")
            .expect_err("missing file");
        assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
        assert_eq!(
            none.check("amqp://u:p@h/v", "amqp.url").ok().as_deref(),
            Some("u")
        );
    }

    #[test]
    fn external_needs_a_client_certificate() {
        let external = LinkSecurity {
            tls: None,
            mechanism: Mechanism::External,
        };
        let err = external
            .check("amqp://h/v", "amqp.url")
            .expect_err("no certificate");
        assert!(err.to_string().contains("amqp.cert_file"), "{err}");
    }
}
