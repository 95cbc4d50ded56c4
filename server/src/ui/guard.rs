//! Request guards for the browser-facing routes.

use app::session::user_of;
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

/// Paths anyone may fetch: the sign-in page, the page of one-time links and its two server
/// functions (the link's secret is their credential), the browser bundle, static files.
pub fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/login" | "/welcome" | "/favicon.ico" | "/api/link_info" | "/api/use_account_link"
    ) || path.starts_with("/pkg/")
}

/// Sends a visitor without a session to the sign-in page (pages), or answers 401 (anything
/// else, e.g. server functions, which also check the session themselves).
pub async fn require_session(session: Session, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if is_public(path) || path == "/logout" {
        return next.run(request).await;
    }
    if user_of(&session).await.is_some() {
        return next.run(request).await;
    }
    if request.method() == Method::GET && !path.starts_with("/api/") {
        Redirect::to("/login").into_response()
    } else {
        (StatusCode::UNAUTHORIZED, "Sign in first.").into_response()
    }
}

/// Refuses state-changing requests sent by another site (CSRF), using the browser's `Origin`
/// and `Sec-Fetch-Site` headers. The session cookie is `SameSite=Lax` as a second line.
pub async fn same_origin(request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(|o| o.split_once("://").map_or(o, |(_, rest)| rest));
    let cross_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site");
    let origin_mismatch = match (origin_host, host) {
        (Some(origin), Some(host)) => origin != host,
        (Some(_), None) => true,
        _ => false,
    };
    if cross_site || origin_mismatch {
        tracing::warn!("refused a cross-origin request");
        return (
            StatusCode::FORBIDDEN,
            "Cross-origin requests are not allowed.",
        )
            .into_response();
    }
    next.run(request).await
}
