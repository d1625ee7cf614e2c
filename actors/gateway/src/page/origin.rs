//! Refusing cross-site requests that change state. A browser that holds credentials for the node
//! (cached HTTP Basic, a cookie) sends them with requests any other site makes it send, so a page
//! elsewhere could press the admin page's buttons for an operator who has it open. Two things
//! stop that on `POST /rpc`:
//!
//! 1. `Content-Type: application/json` is required (the route refuses anything else with 415),
//!    and a cross-site request with that type is not "simple": the browser asks the node first
//!    (CORS preflight), the node never answers one, and the request is never sent.
//! 2. This check: a request whose `Origin` is not the node's own (scheme-default ports
//!    normalised, compared with the `Host` it was sent to), or that the browser marks
//!    `Sec-Fetch-Site: cross-site` or `same-site`, is refused with HTTP 403 and a -32600 body
//!    (`data.reason` `cross_site`) before anything runs. Clients that are not browsers send
//!    neither header and are not affected; a browser always sends `Origin` on a `POST`.

use actix_web::http::header;
use actix_web::HttpRequest;

/// Why a request was refused as cross-site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrossSite {
    /// The request's `Origin` (or `Sec-Fetch-Site`) as sent.
    pub origin: String,
    /// The `Host` the request was sent to.
    pub host: String,
}

impl std::fmt::Display for CrossSite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cross-site request refused: origin '{}' is not this node ('{}')",
            self.origin, self.host
        )
    }
}

/// `Err` when a state-changing request comes from another site (see the module doc).
pub fn check_same_origin(req: &HttpRequest) -> Result<(), CrossSite> {
    let text = |name: header::HeaderName| {
        req.headers()
            .get(name)
            .map(|v| v.to_str().unwrap_or("(not text)").to_owned())
    };
    let host = text(header::HOST).unwrap_or_default();
    if let Some(site) = req.headers().get("sec-fetch-site") {
        let site = site.to_str().unwrap_or("(not text)");
        if matches!(site, "cross-site" | "same-site") {
            return Err(CrossSite {
                origin: text(header::ORIGIN).unwrap_or_else(|| format!("Sec-Fetch-Site: {site}")),
                host,
            });
        }
    }
    match text(header::ORIGIN) {
        None => Ok(()),
        Some(origin) if same_authority(&origin, &host) => Ok(()),
        Some(origin) => Err(CrossSite { origin, host }),
    }
}

/// Whether `origin` (`scheme://host[:port]`) names the authority `host` (`host[:port]`).
fn same_authority(origin: &str, host: &str) -> bool {
    let Some((scheme, authority)) = origin.split_once("://") else {
        // "null" (a sandboxed frame, a file) and anything unreadable are not this node.
        return false;
    };
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "http" => "80",
        "https" => "443",
        _ => return false,
    };
    let normal = |authority: &str| {
        let authority = authority.to_ascii_lowercase();
        match authority.strip_suffix(&format!(":{default_port}")) {
            Some(bare) => bare.to_owned(),
            None => authority,
        }
    };
    !host.is_empty() && normal(authority) == normal(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn request(headers: &[(&str, &str)]) -> HttpRequest {
        let mut req = TestRequest::post().uri("/rpc");
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        req.to_http_request()
    }

    #[test]
    fn a_request_without_origin_is_not_a_browser_and_passes() {
        assert!(check_same_origin(&request(&[("host", "127.0.0.1:8080")])).is_ok());
    }

    #[test]
    fn the_nodes_own_origin_passes_with_or_without_the_default_port() {
        let own = [
            ("http://127.0.0.1:8080", "127.0.0.1:8080"),
            ("http://node.example", "node.example:80"),
            ("https://Node.Example:443", "node.example"),
        ];
        for (origin, host) in own {
            let req = request(&[
                ("origin", origin),
                ("host", host),
                ("sec-fetch-site", "same-origin"),
            ]);
            assert!(check_same_origin(&req).is_ok(), "{origin} vs {host}");
        }
    }

    #[test]
    fn another_origin_is_refused_naming_it() {
        let refused = [
            ("http://evil.example", "127.0.0.1:8080"),
            ("http://127.0.0.1:8081", "127.0.0.1:8080"),
            ("null", "127.0.0.1:8080"),
            ("ftp://127.0.0.1:8080", "127.0.0.1:8080"),
            ("http://127.0.0.1:8080", ""),
        ];
        for (origin, host) in refused {
            let err = check_same_origin(&request(&[("origin", origin), ("host", host)]))
                .expect_err(origin);
            assert_eq!(err.origin, origin);
            assert!(err.to_string().contains(origin), "{err}");
        }
    }

    #[test]
    fn a_browser_marking_the_request_cross_site_is_refused_even_without_origin() {
        for site in ["cross-site", "same-site"] {
            let req = request(&[("host", "127.0.0.1:8080"), ("sec-fetch-site", site)]);
            let err = check_same_origin(&req).expect_err(site);
            assert!(err.origin.contains(site), "{err}");
        }
        let typed = request(&[("host", "127.0.0.1:8080"), ("sec-fetch-site", "none")]);
        assert!(
            check_same_origin(&typed).is_ok(),
            "typed into the address bar"
        );
    }
}
