//! Test certificates, generated with rcgen for each test run (nothing is checked in, nothing
//! expires between runs): a CA, a server certificate for `127.0.0.1` and `localhost`, client
//! certificates whose common name is a broker or Clacks user, and a second, unrelated CA with
//! its own server and client certificates for the "wrong CA" cases. Every certificate and key is
//! written as a PEM file into one folder, readable by the broker's own user.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use std::path::{Path, PathBuf};

/// A certificate and its key, as files.
#[derive(Debug, Clone)]
pub struct CertFiles {
    /// The certificate (PEM).
    pub cert: PathBuf,
    /// Its private key (PEM, PKCS#8).
    pub key: PathBuf,
}

/// One CA able to sign more certificates.
struct Authority {
    params: CertificateParams,
    key: KeyPair,
    file: PathBuf,
}

/// The test PKI: two CAs and what they signed, in `dir`.
pub struct TestPki {
    dir: PathBuf,
    ca: Authority,
    other: Authority,
}

fn failed(what: &str) -> impl Fn(rcgen::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

impl Authority {
    fn new(dir: &Path, name: &str, file: &str) -> Result<Authority, String> {
        let key = KeyPair::generate().map_err(failed("CA key"))?;
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(failed("CA"))?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params
            .distinguished_name
            .push(DnType::OrganizationName, "Clacks tests");
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key).map_err(failed("CA certificate"))?;
        let file = dir.join(file);
        write(&file, &cert.pem())?;
        Ok(Authority { params, key, file })
    }

    /// A leaf signed by this CA: `names` as subject alternative names, `cn` as common name.
    fn sign(
        &self,
        dir: &Path,
        stem: &str,
        cn: &str,
        names: &[&str],
        usage: ExtendedKeyUsagePurpose,
    ) -> Result<CertFiles, String> {
        let key = KeyPair::generate().map_err(failed("key"))?;
        let sans: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(sans).map_err(failed(stem))?;
        params.distinguished_name.push(DnType::CommonName, cn);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![usage];
        let issuer = Issuer::from_params(&self.params, &self.key);
        let cert = params.signed_by(&key, &issuer).map_err(failed("signing"))?;
        let files = CertFiles {
            cert: dir.join(format!("{stem}.pem")),
            key: dir.join(format!("{stem}.key")),
        };
        write(&files.cert, &cert.pem())?;
        write(&files.key, &key.serialize_pem())?;
        Ok(files)
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

impl TestPki {
    /// Two fresh CAs in `dir` (created; the broker's user must be able to read it).
    pub fn generate(dir: &Path) -> Result<TestPki, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(TestPki {
            dir: dir.to_owned(),
            ca: Authority::new(dir, "Clacks test CA", "ca.pem")?,
            other: Authority::new(dir, "Another CA", "other-ca.pem")?,
        })
    }

    /// The folder holding every file.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The CA's certificate file: the trust anchor of servers and clients.
    pub fn ca(&self) -> PathBuf {
        self.ca.file.clone()
    }

    /// The other CA's certificate file.
    pub fn other_ca(&self) -> PathBuf {
        self.other.file.clone()
    }

    /// A server certificate for `127.0.0.1` and `localhost` from the CA, named `stem`.
    pub fn server(&self, stem: &str) -> Result<CertFiles, String> {
        self.ca.sign(
            &self.dir,
            stem,
            "localhost",
            &["localhost", "127.0.0.1"],
            ExtendedKeyUsagePurpose::ServerAuth,
        )
    }

    /// A client certificate from the CA whose common name is `user`.
    pub fn client(&self, user: &str) -> Result<CertFiles, String> {
        let stem = format!("client-{user}");
        self.ca.sign(
            &self.dir,
            &stem,
            user,
            &[],
            ExtendedKeyUsagePurpose::ClientAuth,
        )
    }

    /// A server certificate for the same names from the other CA (clients trusting the CA
    /// must refuse it).
    pub fn foreign_server(&self, stem: &str) -> Result<CertFiles, String> {
        self.other.sign(
            &self.dir,
            stem,
            "localhost",
            &["localhost", "127.0.0.1"],
            ExtendedKeyUsagePurpose::ServerAuth,
        )
    }

    /// A client certificate naming `user` from the other CA (servers trusting the CA must
    /// refuse it).
    pub fn foreign_client(&self, user: &str) -> Result<CertFiles, String> {
        let stem = format!("foreign-{user}");
        self.other.sign(
            &self.dir,
            &stem,
            user,
            &[],
            ExtendedKeyUsagePurpose::ClientAuth,
        )
    }
}
