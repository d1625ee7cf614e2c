//! Password hashes as the original stored them in `userPassword`: `{SCHEME}hash`, locked by
//! a `!` after the scheme (`{CRYPT}!$1$…`).
//!
//! [`Method`] names the hashing methods with the original's names (`crypt/md5`,
//! `crypt/blowfish` …, plus the `{SSHA}`-style LDAP schemes GOsa used). [`detect`] tells a
//! hash's method as the `DetectPasswordMethod` filter needs it, [`is_locked`], [`lock`] and
//! [`unlock`] handle the lock mark, [`hash`] makes a new hash and [`verify`] checks a password.
//!
//! Layout: `crypt` holds the `{CRYPT}` methods (md5-crypt written here on the `md-5` crate,
//! SHA-crypt from `sha-crypt`, blowfish from `bcrypt`); `digest` holds `{SHA}`, `{SSHA}`,
//! `{MD5}` and `{SMD5}`. The DES-based crypt methods are recognised but deliberately not
//! produced or checked (see the README: they use only 8 characters of a password).

mod crypt;
mod digest;

use crate::error::{Error, ErrorKind, Result};

/// A password hashing method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `crypt/standard-des`: traditional DES crypt (recognised only).
    CryptStandardDes,
    /// `crypt/enhanced-des`: BSDi extended DES crypt (recognised only).
    CryptEnhancedDes,
    /// `crypt/md5`: `$1$` md5-crypt (the original's default).
    CryptMd5,
    /// `crypt/blowfish`: `$2a$` bcrypt.
    CryptBlowfish,
    /// `crypt/sha-256`: `$5$` SHA-256-crypt.
    CryptSha256,
    /// `crypt/sha-512`: `$6$` SHA-512-crypt.
    CryptSha512,
    /// `sha`: `{SHA}` unsalted SHA-1.
    Sha,
    /// `ssha`: `{SSHA}` salted SHA-1.
    Ssha,
    /// `md5`: `{MD5}` unsalted MD5.
    Md5,
    /// `smd5`: `{SMD5}` salted MD5.
    Smd5,
}

/// Every method, for listing.
pub const ALL_METHODS: [Method; 10] = [
    Method::CryptStandardDes,
    Method::CryptEnhancedDes,
    Method::CryptMd5,
    Method::CryptBlowfish,
    Method::CryptSha256,
    Method::CryptSha512,
    Method::Sha,
    Method::Ssha,
    Method::Md5,
    Method::Smd5,
];

impl Method {
    /// The method's name (the `passwordMethod` attribute's values).
    pub fn name(self) -> &'static str {
        match self {
            Method::CryptStandardDes => "crypt/standard-des",
            Method::CryptEnhancedDes => "crypt/enhanced-des",
            Method::CryptMd5 => "crypt/md5",
            Method::CryptBlowfish => "crypt/blowfish",
            Method::CryptSha256 => "crypt/sha-256",
            Method::CryptSha512 => "crypt/sha-512",
            Method::Sha => "sha",
            Method::Ssha => "ssha",
            Method::Md5 => "md5",
            Method::Smd5 => "smd5",
        }
    }

    /// The method a name stands for.
    pub fn from_name(name: &str) -> Option<Method> {
        ALL_METHODS.into_iter().find(|m| m.name() == name)
    }

    /// The `{SCHEME}` prefix its hashes carry.
    pub fn scheme(self) -> &'static str {
        match self {
            Method::Sha => "SHA",
            Method::Ssha => "SSHA",
            Method::Md5 => "MD5",
            Method::Smd5 => "SMD5",
            _ => "CRYPT",
        }
    }
}

/// Splits `{SCHEME}!rest` into the scheme, whether locked, and the rest.
fn split(stored: &str) -> Option<(&str, bool, &str)> {
    let rest = stored.strip_prefix('{')?;
    let (scheme, rest) = rest.split_once('}')?;
    match rest.strip_prefix('!') {
        Some(r) => Some((scheme, true, r)),
        None => Some((scheme, false, rest)),
    }
}

/// The method of a stored hash, if it is one this crate knows.
pub fn detect(stored: &str) -> Option<Method> {
    let (scheme, _, rest) = split(stored)?;
    match scheme.to_ascii_uppercase().as_str() {
        "CRYPT" => crypt::detect(rest),
        "SHA" => Some(Method::Sha),
        "SSHA" => Some(Method::Ssha),
        "MD5" => Some(Method::Md5),
        "SMD5" => Some(Method::Smd5),
        _ => None,
    }
}

/// Whether the hash carries the lock mark (`{SCHEME}!…`).
pub fn is_locked(stored: &str) -> bool {
    split(stored).is_some_and(|(_, locked, _)| locked)
}

/// The hash with the lock mark (unchanged if already locked or not a `{SCHEME}` hash).
pub fn lock(stored: &str) -> String {
    match split(stored) {
        Some((scheme, _, rest)) => format!("{{{scheme}}}!{rest}"),
        None => stored.to_string(),
    }
}

/// The hash without the lock mark.
pub fn unlock(stored: &str) -> String {
    match split(stored) {
        Some((scheme, _, rest)) => format!("{{{scheme}}}{rest}"),
        None => stored.to_string(),
    }
}

/// Random bytes for salts.
fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| {
        Error::new(
            ErrorKind::Filter,
            format!("no randomness for a password salt: {e}"),
        )
    })?;
    Ok(buf)
}

fn unsupported(method: Method) -> Error {
    Error::new(
        ErrorKind::Unsupported,
        format!(
            "password method '{}' is unsupported: DES crypt uses only 8 characters of a password",
            method.name()
        ),
    )
}

/// A new `{SCHEME}` hash of `password` with a random salt.
pub fn hash(password: &str, method: Method) -> Result<String> {
    let body = match method {
        Method::CryptStandardDes | Method::CryptEnhancedDes => return Err(unsupported(method)),
        Method::CryptMd5 => {
            crypt::md5_crypt(password.as_bytes(), &crypt::salt(random_bytes::<6>()?))
        }
        Method::CryptBlowfish => crypt::blowfish(password, random_bytes::<16>()?)?,
        Method::CryptSha256 | Method::CryptSha512 => crypt::sha_crypt(
            password,
            method == Method::CryptSha512,
            &random_bytes::<12>()?,
        )?,
        Method::Sha => digest::sha(password),
        Method::Ssha => digest::ssha(password, &random_bytes::<8>()?),
        Method::Md5 => digest::md5(password),
        Method::Smd5 => digest::smd5(password, &random_bytes::<8>()?),
    };
    Ok(format!("{{{}}}{body}", method.scheme()))
}

/// Whether `password` matches the stored hash (a locked hash matches nothing).
pub fn verify(password: &str, stored: &str) -> Result<bool> {
    let method = detect(stored).ok_or_else(|| {
        Error::new(
            ErrorKind::Unknown,
            "unknown password hash scheme".to_string(),
        )
    })?;
    let Some((_, false, body)) = split(stored) else {
        return Ok(false);
    };
    match method {
        Method::CryptStandardDes | Method::CryptEnhancedDes => Err(unsupported(method)),
        Method::CryptMd5 => Ok(crypt::verify_md5(password.as_bytes(), body)),
        Method::CryptBlowfish => Ok(bcrypt::verify(password, body).unwrap_or(false)),
        Method::CryptSha256 | Method::CryptSha512 => Ok(crypt::verify_sha(password, body)),
        Method::Sha | Method::Md5 => Ok(digest::verify_plain(method, password, body)),
        Method::Ssha | Method::Smd5 => Ok(digest::verify_salted(method, password, body)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_original_crypt_methods() {
        // crypt_password.py: detect_hash_method
        assert_eq!(
            detect("{CRYPT}abJnggxhB/yWI"),
            Some(Method::CryptStandardDes)
        );
        assert_eq!(
            detect("{CRYPT}_J9..saltJW8FtKdEkNM"),
            Some(Method::CryptEnhancedDes)
        );
        assert_eq!(
            detect("{CRYPT}$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/"),
            Some(Method::CryptMd5)
        );
        assert_eq!(
            detect("{CRYPT}!$2a$07$abcdefghijklmnopqrstuu"),
            Some(Method::CryptBlowfish)
        );
        assert_eq!(detect("{CRYPT}$6$salt$x"), Some(Method::CryptSha512));
        assert_eq!(detect("{SSHA}abcd"), Some(Method::Ssha));
        assert_eq!(detect("plain"), None);
        assert_eq!(detect("{KERBEROS}jd@EXAMPLE"), None);
    }

    #[test]
    fn lock_and_unlock_toggle_the_mark() {
        let h = "{CRYPT}$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/";
        assert!(!is_locked(h));
        let locked = lock(h);
        assert_eq!(locked, "{CRYPT}!$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/");
        assert!(is_locked(&locked));
        assert_eq!(lock(&locked), locked);
        assert_eq!(unlock(&locked), h);
    }

    #[test]
    fn every_producible_method_round_trips() {
        for m in ALL_METHODS {
            if matches!(m, Method::CryptStandardDes | Method::CryptEnhancedDes) {
                continue;
            }
            let h = hash("geheim", m);
            let h = match h {
                Ok(h) => h,
                Err(e) => panic!("{}: {e}", m.name()),
            };
            assert_eq!(detect(&h), Some(m), "{h}");
            assert_eq!(verify("geheim", &h), Ok(true), "{h}");
            assert_eq!(verify("falsch", &h), Ok(false), "{h}");
            assert_eq!(verify("geheim", &lock(&h)), Ok(false), "locked {h}");
        }
    }

    #[test]
    fn des_is_unsupported_with_a_reason() {
        let e = hash("x", Method::CryptStandardDes).err();
        assert!(e.is_some_and(
            |e| e.kind() == ErrorKind::Unsupported && e.message().contains("unsupported")
        ));
        assert!(verify("password", "{CRYPT}abJnggxhB/yWI").is_err());
    }

    #[test]
    fn verifies_hashes_made_by_system_crypt() {
        // Produced by glibc crypt(3) / openssl passwd.
        assert_eq!(
            verify("password", "{CRYPT}$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/"),
            Ok(true)
        );
        assert_eq!(
            verify(
                "password",
                "{CRYPT}$5$saltsalt$gOjOtoMpVhru2uyjeJSEc/JaLQWOXMNmlOnj6T4AtC."
            ),
            Ok(true)
        );
        assert_eq!(
            verify("password", "{CRYPT}$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/"),
            Ok(true)
        );
        assert_eq!(
            verify(
                "password",
                "{CRYPT}$2a$07$abcdefghijklmnopqrstuuHCorXD16CHIQ445e3uftEB2nDOFqDhq"
            ),
            Ok(true)
        );
    }
}
