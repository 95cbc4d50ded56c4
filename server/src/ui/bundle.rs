//! The browser bundle's files under `/pkg/`: served precompressed (brotli or gzip, as the
//! browser accepts) and, when they carry content-hashed names, cacheable for a year.
//!
//! `build_site` (`scripts/lib.sh`) writes `<site>/pkg/herald.<hash>.{js,wasm,css}`, each with
//! a `.br` and a `.gz` beside it, and their common name `herald.<hash>` into
//! `<site>/bundle-name`. A new build has a new name, so no browser keeps an old file for a new
//! page. A site without `bundle-name` (plain `herald.*` files) is served with `no-cache`.

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use std::path::Path;
use tower_http::services::ServeDir;

/// The bundle's file name (without extension) and whether it is content-hashed.
pub struct Bundle {
    pub name: String,
    hashed: bool,
}

impl Bundle {
    pub fn find(site_root: &Path) -> Self {
        let written = std::fs::read_to_string(site_root.join("bundle-name")).unwrap_or_default();
        let name = written.trim();
        let hashed = name.strip_prefix("herald.").is_some_and(|hash| {
            (8..=64).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
        });
        Self {
            name: if hashed { name } else { "herald" }.to_owned(),
            hashed,
        }
    }

    /// `/pkg/…` from `<site>/pkg`. Only found files are marked cacheable: a name this node does
    /// not have (another node's newer bundle) must not be remembered as missing.
    pub fn router(&self, site_root: &Path) -> Router {
        let files = ServeDir::new(site_root.join("pkg"))
            .precompressed_br()
            .precompressed_gzip();
        let cache = if self.hashed {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        Router::new()
            .nest_service("/pkg", files)
            .layer(axum::middleware::map_response(
                move |mut response: Response| async move {
                    let found = response.status().is_success()
                        || response.status() == StatusCode::NOT_MODIFIED;
                    let headers = response.headers_mut();
                    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
                    if found {
                        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
                    }
                    response
                },
            ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site_with(name: Option<&str>) -> tempfile::TempDir {
        let site = tempfile::tempdir().unwrap();
        if let Some(name) = name {
            std::fs::write(site.path().join("bundle-name"), name).unwrap();
        }
        site
    }

    #[test]
    fn a_hashed_name_is_used_and_anything_else_falls_back_to_the_plain_one() {
        let hashed = Bundle::find(site_with(Some("herald.0123456789abcdef\n")).path());
        assert_eq!(
            (hashed.name.as_str(), hashed.hashed),
            ("herald.0123456789abcdef", true)
        );
        for unfit in [
            None,
            Some(""),
            Some("herald"),
            Some("../etc.0123456789abcdef"),
            Some("herald.xyz"),
        ] {
            let plain = Bundle::find(site_with(unfit).path());
            assert_eq!(
                (plain.name.as_str(), plain.hashed),
                ("herald", false),
                "{unfit:?}"
            );
        }
    }
}
