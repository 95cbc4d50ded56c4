//! The browser's door: the Leptos app, its server functions, static files, and sign-in.
//!
//! Invariants:
//! - Sessions are server-side (in Herald's database, stored under a hash of their id), the cookie is
//!   `HttpOnly`, `SameSite=Lax`, and `Secure` when Herald is reached over HTTPS; the session id
//!   changes at sign-in.
//! - Every page but `/login` redirects to `/login` without a session ([`guard::require_session`]);
//!   server functions check the session themselves as well.
//! - State-changing requests from another origin are refused ([`guard::same_origin`]).
//! - The app's route list is generated once per process ([`route_list`]): generating it switches
//!   resource loading off process-wide, and a page rendered meanwhile would never finish.
//! - No page hangs: one that has not answered within [`PAGE_TIMEOUT`] answers `503`, and a
//!   streamed page that sends nothing for as long is cut off.

mod bundle;
mod files;
mod guard;
mod login;
mod session_store;
mod sign_in_guard;

use app::{App, shell};
use axum::Router;
use axum::routing::post;
use backend::Herald;
use leptos::prelude::*;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use std::sync::OnceLock;
use std::time::Duration;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// How long a page or server function may take to answer, and a streamed page may go silent.
const PAGE_TIMEOUT: Duration = Duration::from_secs(30);

/// The app's routes. Leptos finds them by rendering the app once with resource loading
/// suppressed through a process-wide flag (leptos-rs/leptos#4773): a resource first polled by
/// any page rendered meanwhile waits forever. Generated once, before any router can serve, no
/// page ever runs into that window, however many routers a process builds (the tests build
/// one per test, in parallel).
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

pub async fn router(herald: Herald) -> anyhow::Result<Router> {
    let settings = herald.settings();
    let bundle = bundle::Bundle::find(&settings.site_root);
    let bundle_files = bundle.router(&settings.site_root);
    let options = LeptosOptions::builder()
        .output_name(bundle.name.clone())
        .site_root(settings.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(settings.listen)
        .build();

    let session_store = session_store::OnEngine::open(herald.store()).await?;
    let sessions = SessionManagerLayer::new(session_store::HashedIds(session_store))
        .with_name("herald_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.secure_cookies())
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(12)));

    let routes = route_list();
    let context_herald = herald.clone();
    let files =
        files::router(herald.clone()).layer(axum::middleware::from_fn(guard::require_session));
    let router = Router::new()
        .route(
            "/login",
            post(login::sign_in).layer(axum::extract::DefaultBodyLimit::max(8 * 1024)),
        )
        .route("/logout", post(login::sign_out))
        .with_state(login::SignIn::new(herald))
        .leptos_routes_with_context(
            &options,
            routes,
            move || provide_context(context_herald.clone()),
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options)
        .layer(axum::middleware::from_fn(guard::require_session))
        .layer(tower_http::timeout::ResponseBodyTimeoutLayer::new(
            PAGE_TIMEOUT,
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            PAGE_TIMEOUT,
        ))
        .merge(files)
        .merge(bundle_files)
        .layer(axum::middleware::from_fn(guard::same_origin))
        .layer(sessions);
    Ok(router)
}
