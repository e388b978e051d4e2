//! GraphiQL, served entirely by this binary: the page at `GET /graphql` (for a browser) and
//! its pinned production assets under `/graphiql/`, so it works on a network without internet
//! access. Subscriptions run over the same WebSocket endpoint as every other client's. The
//! page's Content-Security-Policy allows nothing from another origin.
//! `api/assets/graphiql/README.md` names the versions and licences.

use super::Edge;
use actix_web::http::header;
use actix_web::{HttpResponse, web};

/// A file of the page.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $type:literal) => {
        Asset {
            name: $name,
            content_type: $type,
            bytes: include_bytes!(concat!("../../assets/graphiql/", $name)),
        }
    };
}

const ASSETS: &[Asset] = &[
    asset!("graphiql.min.js", "text/javascript; charset=utf-8"),
    asset!("graphiql.min.css", "text/css; charset=utf-8"),
    asset!("react.production.min.js", "text/javascript; charset=utf-8"),
    asset!(
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8"
    ),
    asset!("init.js", "text/javascript; charset=utf-8"),
    asset!("LICENSE-graphiql", "text/plain; charset=utf-8"),
    asset!("LICENSE-react", "text/plain; charset=utf-8"),
];

const PAGE: &str = include_str!("../../assets/graphiql/index.html");

/// Scripts and styles from this server only; connections to this server only (HTTP and its
/// WebSocket); fonts and icons inline.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// The GraphiQL page.
pub fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, POLICY))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(PAGE)
}

/// `GET /graphiql/{file}`: one of the page's assets (404 for anything else, or with
/// `GRAPHIQL=false`).
pub async fn asset(edge: web::Data<Edge>, file: web::Path<String>) -> HttpResponse {
    let found = ASSETS.iter().find(|a| a.name == file.as_str());
    match found {
        Some(a) if edge.pipeline.limits.graphiql => HttpResponse::Ok()
            .content_type(a.content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
            .body(a.bytes),
        _ => HttpResponse::NotFound().finish(),
    }
}
