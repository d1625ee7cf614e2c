//! What a request's `Authorization` header claims: HTTP Basic (`user:password`, base64) or a
//! bearer token. A header the gateway cannot read is a refusal of its own (HTTP 401), never
//! treated as no header: a client that meant to authenticate must learn that it did not.

use actix_web::http::header;
use actix_web::HttpRequest;
use base64::Engine;

use super::refusal::{AuthRefusal, Reason};

/// The credentials of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// No `Authorization` header.
    None,
    /// `Authorization: Basic …`.
    Basic {
        /// The user named.
        user: String,
        /// Its password.
        password: String,
    },
    /// `Authorization: Bearer …`.
    Bearer(String),
}

impl Credentials {
    /// The credentials of `req`.
    pub fn of(req: &HttpRequest) -> Result<Credentials, AuthRefusal> {
        let Some(value) = req.headers().get(header::AUTHORIZATION) else {
            return Ok(Credentials::None);
        };
        let malformed = |why: &str| AuthRefusal::new(Reason::Malformed, "", why);
        let value = value
            .to_str()
            .map_err(|_| malformed("the Authorization header is not text"))?;
        let (scheme, rest) = value
            .trim()
            .split_once(' ')
            .ok_or_else(|| malformed("the Authorization header names no scheme"))?;
        let rest = rest.trim();
        if scheme.eq_ignore_ascii_case("basic") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(rest)
                .map_err(|_| malformed("Basic credentials are not base64"))?;
            let text = String::from_utf8(decoded)
                .map_err(|_| malformed("Basic credentials are not UTF-8"))?;
            let (user, password) = text
                .split_once(':')
                .ok_or_else(|| malformed("Basic credentials are not user:password"))?;
            if user.is_empty() {
                return Err(malformed("Basic credentials name no user"));
            }
            Ok(Credentials::Basic {
                user: user.to_owned(),
                password: password.to_owned(),
            })
        } else if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
            Ok(Credentials::Bearer(rest.to_owned()))
        } else {
            Err(malformed(
                "the Authorization scheme is neither Basic nor Bearer",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn of(value: Option<&str>) -> Result<Credentials, AuthRefusal> {
        let mut req = TestRequest::default();
        if let Some(v) = value {
            req = req.insert_header((header::AUTHORIZATION, v));
        }
        Credentials::of(&req.to_http_request())
    }

    #[test]
    fn basic_bearer_and_none_are_read_and_anything_else_is_refused() {
        assert_eq!(of(None).ok(), Some(Credentials::None));
        // alice:s3cr:et — a password may hold colons.
        assert_eq!(
            of(Some("Basic YWxpY2U6czNjcjpldA==")).ok(),
            Some(Credentials::Basic {
                user: "alice".into(),
                password: "s3cr:et".into()
            })
        );
        assert_eq!(
            of(Some("Bearer abc.def")).ok(),
            Some(Credentials::Bearer("abc.def".into()))
        );
        for bad in [
            "Basic !!!",
            "Basic YWxpY2U=",
            "Digest x",
            "Bearer",
            "Basic OnB3",
        ] {
            let refused = of(Some(bad)).expect_err(bad);
            assert_eq!(refused.reason, Reason::Malformed, "{bad}");
        }
    }
}
