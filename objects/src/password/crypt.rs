//! The `{CRYPT}` methods: detection by the original's patterns, md5-crypt (no maintained
//! crate offers it on today's RustCrypto digests, so it is written here after the FreeBSD
//! original, on the `md-5` crate), SHA-crypt (`sha-crypt`) and blowfish (`bcrypt`).

use super::Method;
use crate::error::{Error, ErrorKind, Result};
use md5::{Digest, Md5};

/// The method of a crypt string, by the original's rules (DES forms first).
pub(super) fn detect(body: &str) -> Option<Method> {
    let b = body.as_bytes();
    let crypt_char = |c: u8| c.is_ascii_alphanumeric() || c == b'.' || c == b'/';
    if b.len() >= 2 && crypt_char(b[0]) && crypt_char(b[1]) {
        return Some(Method::CryptStandardDes);
    }
    if b.len() >= 2 && b[0] == b'_' && crypt_char(b[1]) {
        return Some(Method::CryptEnhancedDes);
    }
    for (prefix, method) in [
        ("$1$", Method::CryptMd5),
        ("$2$", Method::CryptBlowfish),
        ("$2a", Method::CryptBlowfish),
        ("$2b", Method::CryptBlowfish),
        ("$2x", Method::CryptBlowfish),
        ("$2y", Method::CryptBlowfish),
        ("$5$", Method::CryptSha256),
        ("$6$", Method::CryptSha512),
    ] {
        if body.starts_with(prefix) {
            return Some(method);
        }
    }
    None
}

const CRYPT64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn to64(out: &mut String, mut v: u32, n: usize) {
    for _ in 0..n {
        out.push(char::from(CRYPT64[(v & 0x3f) as usize]));
        v >>= 6;
    }
}

/// An 8-character crypt salt from 6 random bytes.
pub(super) fn salt(bytes: [u8; 6]) -> String {
    let mut s = String::with_capacity(8);
    to64(
        &mut s,
        u32::from_le_bytes([bytes[0], bytes[1], bytes[2], 0]),
        4,
    );
    to64(
        &mut s,
        u32::from_le_bytes([bytes[3], bytes[4], bytes[5], 0]),
        4,
    );
    s
}

/// md5-crypt: `$1$salt$hash` (salt up to 8 characters).
pub(super) fn md5_crypt(password: &[u8], salt: &str) -> String {
    let salt: String = salt.chars().take(8).collect();
    let s = salt.as_bytes();
    let mut alt = Md5::new();
    alt.update(password);
    alt.update(s);
    alt.update(password);
    let alt = alt.finalize();

    let mut ctx = Md5::new();
    ctx.update(password);
    ctx.update(b"$1$");
    ctx.update(s);
    let mut left = password.len();
    while left > 0 {
        let n = left.min(16);
        ctx.update(&alt[..n]);
        left -= n;
    }
    let mut i = password.len();
    while i > 0 {
        if i & 1 == 1 {
            ctx.update([0u8]);
        } else {
            ctx.update(&password[..1]);
        }
        i >>= 1;
    }
    let mut fin = ctx.finalize();

    for round in 0..1000 {
        let mut c = Md5::new();
        if round & 1 == 1 {
            c.update(password);
        } else {
            c.update(fin);
        }
        if round % 3 != 0 {
            c.update(s);
        }
        if round % 7 != 0 {
            c.update(password);
        }
        if round & 1 == 1 {
            c.update(fin);
        } else {
            c.update(password);
        }
        fin = c.finalize();
    }

    let f = |i: usize| u32::from(fin[i]);
    let mut out = format!("$1${salt}$");
    for (a, b, c) in [(0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)] {
        to64(&mut out, (f(a) << 16) | (f(b) << 8) | f(c), 4);
    }
    to64(&mut out, f(11), 2);
    out
}

/// Whether `password` gives the md5-crypt string `body`.
pub(super) fn verify_md5(password: &[u8], body: &str) -> bool {
    let Some(rest) = body.strip_prefix("$1$") else {
        return false;
    };
    let salt = rest.split('$').next().unwrap_or_default();
    md5_crypt(password, salt) == body
}

/// bcrypt in the original's `$2a$` form.
pub(super) fn blowfish(password: &str, salt: [u8; 16]) -> Result<String> {
    bcrypt::hash_with_salt(password, 10, salt)
        .map(|h| h.format_for_version(bcrypt::Version::TwoA))
        .map_err(|e| Error::new(ErrorKind::Filter, format!("bcrypt failed: {e}")))
}

/// SHA-256- or SHA-512-crypt with the default rounds.
pub(super) fn sha_crypt(password: &str, sha512: bool, salt: &[u8]) -> Result<String> {
    use sha_crypt::{PasswordHasher, ShaCrypt};
    let hasher = if sha512 {
        ShaCrypt::SHA512
    } else {
        ShaCrypt::SHA256
    };
    hasher
        .hash_password_with_salt(password.as_bytes(), salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::new(ErrorKind::Filter, format!("SHA-crypt failed: {e}")))
}

/// Whether `password` gives the SHA-crypt string `body`.
pub(super) fn verify_sha(password: &str, body: &str) -> bool {
    use sha_crypt::{PasswordHashRef, PasswordVerifier, ShaCrypt};
    PasswordHashRef::new(body).is_ok_and(|h| {
        ShaCrypt::default()
            .verify_password(password.as_bytes(), h)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_crypt_matches_openssl() {
        // openssl passwd -1 -salt saltsalt password
        assert_eq!(
            md5_crypt(b"password", "saltsalt"),
            "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/"
        );
        // glibc crypt("secret", "$1$12345678$")
        assert_eq!(
            md5_crypt(b"secret", "12345678"),
            "$1$12345678$hj0uLpdidjPhbMMZeno8X/"
        );
    }

    #[test]
    fn salts_are_eight_crypt_characters() {
        let s = salt([255, 0, 17, 3, 200, 9]);
        assert_eq!(s.len(), 8);
        assert!(s.bytes().all(|c| CRYPT64.contains(&c)));
    }
}
