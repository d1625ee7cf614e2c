//! Bearer tokens: `v1.PAYLOAD.SIGNATURE`, the payload base64url JSON (`u` user, `d` domain,
//! `e` expiry in Unix ms, `i` a random id) and the signature HMAC-SHA256 over `v1.PAYLOAD`
//! with the domain's key (`[auth] token_key_file`). Signed rather than stored: any node of the
//! domain that holds the key checks a token by itself, with no lookup and nothing to
//! replicate or lose when a node restarts; revocation is the one thing that must travel (the
//! `TokenRevoked` event, keyed by the id).

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};

/// What a token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user.
    #[serde(rename = "u")]
    pub user: String,
    /// The domain it is valid in.
    #[serde(rename = "d")]
    pub domain: String,
    /// Expiry, Unix milliseconds.
    #[serde(rename = "e")]
    pub expires_ms: u64,
    /// Its id (16 random bytes, base64url): what a revocation names.
    #[serde(rename = "i")]
    pub id: String,
}

/// Why a token is not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// Not a token of this format, or a signature that does not match.
    Invalid(&'static str),
    /// Signed for another domain.
    OtherDomain(String),
    /// Past its expiry.
    Expired(Claims),
}

/// The domain's signing key.
pub struct TokenKey {
    key: hmac::Key,
    random: SystemRandom,
}

const VERSION: &str = "v1";

impl TokenKey {
    /// The key of `secret` (the key file's bytes).
    pub fn new(secret: &[u8]) -> TokenKey {
        TokenKey {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret),
            random: SystemRandom::new(),
        }
    }

    /// A token for `user` in `domain` expiring at `expires_ms`; `None` when the system has
    /// no randomness to give (the id must not be guessable).
    pub fn issue(&self, user: &str, domain: &str, expires_ms: u64) -> Option<(String, Claims)> {
        let mut id = [0u8; 16];
        self.random.fill(&mut id).ok()?;
        let claims = Claims {
            user: user.to_owned(),
            domain: domain.to_owned(),
            expires_ms,
            id: B64.encode(id),
        };
        let payload = B64.encode(serde_json::to_vec(&claims).ok()?);
        let signed = format!("{VERSION}.{payload}");
        let tag = hmac::sign(&self.key, signed.as_bytes());
        Some((format!("{signed}.{}", B64.encode(tag.as_ref())), claims))
    }

    /// The claims of `token` if its signature is ours, it is for `domain` and not expired at
    /// `now_ms`.
    pub fn verify(&self, token: &str, domain: &str, now_ms: u64) -> Result<Claims, TokenError> {
        let claims = self.claims(token)?;
        if claims.domain != domain {
            return Err(TokenError::OtherDomain(claims.domain));
        }
        if claims.expires_ms <= now_ms {
            return Err(TokenError::Expired(claims));
        }
        Ok(claims)
    }

    /// The claims of a token signed with this key, expired or not.
    pub fn claims(&self, token: &str) -> Result<Claims, TokenError> {
        let (signed, tag) = token
            .rsplit_once('.')
            .ok_or(TokenError::Invalid("not a token"))?;
        let payload = signed
            .strip_prefix(VERSION)
            .and_then(|p| p.strip_prefix('.'))
            .ok_or(TokenError::Invalid("not a token of this version"))?;
        let tag = B64
            .decode(tag)
            .map_err(|_| TokenError::Invalid("the signature is not base64url"))?;
        // Constant-time comparison inside ring: a forger learns nothing from timing.
        hmac::verify(&self.key, signed.as_bytes(), &tag)
            .map_err(|_| TokenError::Invalid("the signature does not match the domain's key"))?;
        let json = B64
            .decode(payload)
            .map_err(|_| TokenError::Invalid("the payload is not base64url"))?;
        serde_json::from_slice(&json).map_err(|_| TokenError::Invalid("the payload is not claims"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_with_its_key_only_in_its_domain_until_it_expires() {
        let key = TokenKey::new(b"0123456789abcdef0123456789abcdef");
        let (token, claims) = key.issue("alice", "org.example", 2_000).expect("issued");
        assert_eq!(key.verify(&token, "org.example", 1_000), Ok(claims.clone()));
        assert_eq!(
            key.verify(&token, "org.example", 2_000),
            Err(TokenError::Expired(claims))
        );
        assert!(matches!(
            key.verify(&token, "org.other", 1_000),
            Err(TokenError::OtherDomain(_))
        ));
        let other = TokenKey::new(b"another key of thirty-two bytes!!");
        assert!(matches!(
            other.verify(&token, "org.example", 1_000),
            Err(TokenError::Invalid(_))
        ));
        // A payload changed by one character (another user) no longer matches its signature.
        let (head, tag) = token.rsplit_once('.').expect("dots");
        let mut forged = head.to_owned();
        let last = forged.pop().expect("payload");
        forged.push(if last == 'A' { 'B' } else { 'A' });
        assert!(matches!(
            key.verify(&format!("{forged}.{tag}"), "org.example", 1_000),
            Err(TokenError::Invalid(_))
        ));
        let (second, _) = key.issue("alice", "org.example", 2_000).expect("issued");
        assert_ne!(token, second, "every token has its own id");
    }
}
