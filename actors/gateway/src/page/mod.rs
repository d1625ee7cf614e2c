//! The web admin page: `GET /` and its two assets under `/page/`, compiled into the binary
//! (`include_str!`), so the page works offline and loads nothing from anywhere but the node.
//!
//! The page is plain HTML, one stylesheet and one vanilla JavaScript module (`assets/`): it
//! talks to the node only through the endpoints every other client uses (`POST /rpc`, `GET
//! /events`), with the caller's own credentials, so it can do exactly what that caller may do.
//! A strict `Content-Security-Policy` (everything from `'self'`, no inline script, no framing)
//! makes the browser refuse any request beyond the node, and [`origin`] refuses cross-site
//! state-changing requests on `/rpc`.
//!
//! ## Layout
//! - `mod.rs` (this file): the asset table and the handlers.
//! - [`origin`]: the cross-site check on `POST /rpc`.
//! - `assets/index.html`, `assets/style.css`, `assets/app.js`: the page itself.

pub mod origin;

use actix_web::http::header;
use actix_web::{web, HttpResponse};

/// The policy every page response carries: nothing but the node itself, no inline script,
/// never inside a frame (so no other site can overlay the restart buttons).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// One embedded file: its URL path, content type and bytes.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset {
        path: "/",
        content_type: "text/html; charset=utf-8",
        body: include_str!("assets/index.html"),
    },
    Asset {
        path: "/page/style.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("assets/style.css"),
    },
    Asset {
        path: "/page/app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("assets/app.js"),
    },
];

/// Registers `GET /` and the assets.
pub fn register(config: &mut web::ServiceConfig) {
    for asset in ASSETS {
        config.route(
            asset.path,
            web::get().to(move || async move { serve(asset) }),
        );
    }
}

fn serve(asset: &Asset) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, asset.content_type))
        // Small and compiled in: always ask again, so a new binary's page is never mixed
        // with an old one's script.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(asset.body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{test as web_test, App};

    #[actix_web::test]
    async fn every_asset_is_served_with_its_type_and_the_strict_policy() {
        let app = web_test::init_service(App::new().configure(register)).await;
        for asset in ASSETS {
            let req = web_test::TestRequest::get().uri(asset.path).to_request();
            let response = web_test::call_service(&app, req).await;
            assert_eq!(response.status(), 200, "{}", asset.path);
            let header = |name| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            assert_eq!(
                header(header::CONTENT_TYPE).as_deref(),
                Some(asset.content_type)
            );
            assert_eq!(
                header(header::CONTENT_SECURITY_POLICY).as_deref(),
                Some(CONTENT_SECURITY_POLICY)
            );
            assert_eq!(header(header::X_FRAME_OPTIONS).as_deref(), Some("DENY"));
            let body = web_test::read_body(response).await;
            assert_eq!(body, asset.body.as_bytes());
        }
    }

    /// The values of `attr="…"` in `text`.
    fn attribute_values<'a>(text: &'a str, attr: &str) -> Vec<&'a str> {
        let needle = format!("{attr}=\"");
        text.match_indices(&needle)
            .filter_map(|(at, _)| text[at + needle.len()..].split('"').next())
            .collect()
    }

    #[test]
    fn the_page_loads_only_its_own_assets_from_the_node() {
        let html = ASSETS[0].body;
        for asset in &ASSETS[1..] {
            assert!(html.contains(asset.path), "index.html loads {}", asset.path);
        }
        for value in attribute_values(html, "src")
            .into_iter()
            .chain(attribute_values(html, "href"))
        {
            assert!(
                (value.starts_with('/') && !value.starts_with("//")) || value.starts_with("data:"),
                "index.html names '{value}': the page must load nothing beyond the node"
            );
        }
        let css = ASSETS[1].body;
        assert!(
            !css.contains("url(") && !css.contains("@import"),
            "style.css loads nothing"
        );
        let js = ASSETS[2].body;
        for (at, _) in js.match_indices("fetch(") {
            let target = &js[at + "fetch(".len()..];
            assert!(
                target.starts_with("'/") || target.starts_with("`/"),
                "app.js fetches only from the node: {}",
                &target[..target.len().min(40)]
            );
        }
        for api in [
            "XMLHttpRequest",
            "WebSocket",
            "EventSource",
            "import(",
            "import ",
        ] {
            assert!(!js.contains(api), "app.js uses {api}");
        }
    }
}
