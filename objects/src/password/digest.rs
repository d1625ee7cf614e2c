//! The LDAP digest schemes: `{SHA}` and `{MD5}` (base64 of the digest), `{SSHA}` and
//! `{SMD5}` (base64 of the digest of password + salt, followed by the salt).

use super::Method;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use md5::Md5;
use sha1::{Digest, Sha1};

fn digest(method: Method, password: &str, salt: &[u8]) -> Vec<u8> {
    match method {
        Method::Md5 | Method::Smd5 => {
            let mut d = Md5::new();
            d.update(password.as_bytes());
            d.update(salt);
            d.finalize().to_vec()
        }
        _ => {
            let mut d = Sha1::new();
            d.update(password.as_bytes());
            d.update(salt);
            d.finalize().to_vec()
        }
    }
}

/// `{SHA}`'s body.
pub(super) fn sha(password: &str) -> String {
    STANDARD.encode(digest(Method::Sha, password, &[]))
}

/// `{MD5}`'s body.
pub(super) fn md5(password: &str) -> String {
    STANDARD.encode(digest(Method::Md5, password, &[]))
}

fn salted(method: Method, password: &str, salt: &[u8]) -> String {
    let mut raw = digest(method, password, salt);
    raw.extend_from_slice(salt);
    STANDARD.encode(raw)
}

/// `{SSHA}`'s body.
pub(super) fn ssha(password: &str, salt: &[u8]) -> String {
    salted(Method::Ssha, password, salt)
}

/// `{SMD5}`'s body.
pub(super) fn smd5(password: &str, salt: &[u8]) -> String {
    salted(Method::Smd5, password, salt)
}

/// Checks an unsalted body.
pub(super) fn verify_plain(method: Method, password: &str, body: &str) -> bool {
    STANDARD
        .decode(body)
        .is_ok_and(|raw| raw == digest(method, password, &[]))
}

/// Checks a salted body (the salt is whatever follows the digest).
pub(super) fn verify_salted(method: Method, password: &str, body: &str) -> bool {
    let size = if method == Method::Smd5 { 16 } else { 20 };
    match STANDARD.decode(body) {
        Ok(raw) if raw.len() >= size => {
            let (d, salt) = raw.split_at(size);
            d == digest(method, password, salt).as_slice()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha_of_password_matches_slappasswd() {
        // slappasswd -h {SHA} -s password
        assert_eq!(sha("password"), "W6ph5Mm5Pz8GgiULbPgzG37mj9g=");
        assert_eq!(md5("password"), "X03MO1qnZdYdgyfeuILPmQ==");
    }

    #[test]
    fn salted_hashes_carry_their_salt() {
        let body = ssha("password", b"salt");
        assert!(verify_salted(Method::Ssha, "password", &body));
        assert!(!verify_salted(Method::Ssha, "Password", &body));
        let body = smd5("password", b"NaCl");
        assert!(verify_salted(Method::Smd5, "password", &body));
    }
}
