//! PEM files as the settings name them: a certificate chain, a private key (PKCS#8, PKCS#1 or
//! SEC1), a CA bundle. Each error names the setting and the file, so an operator knows which
//! line of the configuration to fix.

use rustls::RootCertStore;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;

use crate::TlsError;

fn read(setting: &str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        setting: setting.to_owned(),
        path: path.to_owned(),
        source,
    })
}

fn content(setting: &str, path: &Path, problem: impl Into<String>) -> TlsError {
    TlsError::Content {
        setting: setting.to_owned(),
        path: path.to_owned(),
        problem: problem.into(),
    }
}

/// The certificates of a PEM file, in order (a leaf first, then its chain); at least one.
pub fn certificates(setting: &str, path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = read(setting, path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| content(setting, path, format!("is not valid PEM: {e}")))?;
    if certs.is_empty() {
        return Err(content(setting, path, "holds no PEM certificate"));
    }
    Ok(certs)
}

/// The private key of a PEM file.
pub fn private_key(setting: &str, path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let pem = read(setting, path)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| match e {
        rustls_pki_types::pem::Error::NoItemsFound => {
            content(setting, path, "holds no PEM private key")
        }
        other => content(
            setting,
            path,
            format!("is not a usable private key: {other}"),
        ),
    })
}

/// The CA certificates of a PEM bundle as a root store; every certificate must be usable as
/// a trust anchor.
pub fn roots(setting: &str, path: &Path) -> Result<RootCertStore, TlsError> {
    let mut store = RootCertStore::empty();
    for cert in certificates(setting, path)? {
        store.add(cert).map_err(|e| {
            content(
                setting,
                path,
                format!("holds a certificate that cannot be a trust anchor: {e}"),
            )
        })?;
    }
    Ok(store)
}

/// The whole text of a PEM file, checked to hold at least one certificate (for lapin, which
/// takes the CA bundle and a client certificate as PEM text).
pub fn pem_text(setting: &str, path: &Path) -> Result<String, TlsError> {
    certificates(setting, path)?;
    let bytes = read(setting, path)?;
    String::from_utf8(bytes).map_err(|_| content(setting, path, "is not a text (PEM) file"))
}

/// The whole text of a PEM key file, checked to hold a private key.
pub fn key_text(setting: &str, path: &Path) -> Result<String, TlsError> {
    private_key(setting, path)?;
    let bytes = read(setting, path)?;
    String::from_utf8(bytes).map_err(|_| content(setting, path, "is not a text (PEM) file"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("clacks-tls-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        std::fs::write(&path, text).expect("written");
        path
    }

    #[test]
    fn a_missing_file_names_the_setting_and_the_path() {
        let err = certificates("amqp.ca_file", Path::new("/nonexistent/ca.pem"))
            .expect_err("no such file");
        let text = err.to_string();
        assert!(
            text.starts_with("amqp.ca_file: cannot read /nonexistent/ca.pem"),
            "{text}"
        );
    }

    #[test]
    fn a_file_without_certificates_or_key_is_refused_by_name() {
        let path = temp("empty.pem", "nothing here\n");
        let err = certificates("http.cert_file", &path).expect_err("no certificate");
        assert!(
            err.to_string().ends_with("holds no PEM certificate"),
            "{err}"
        );
        let err = private_key("http.key_file", &path).expect_err("no key");
        assert!(err.to_string().starts_with("http.key_file: "), "{err}");
        assert!(
            err.to_string().ends_with("holds no PEM private key"),
            "{err}"
        );
    }

    #[test]
    fn a_broken_pem_certificate_is_refused() {
        let path = temp(
            "broken.pem",
            "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        );
        let err = certificates("amqp.ca_file", &path).expect_err("bad base64");
        assert!(err.to_string().contains("is not valid PEM"), "{err}");
    }
}
