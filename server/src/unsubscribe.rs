//! The one-click unsubscribe link of marketing messages (`/u/{token}`), for people, not accounts:
//! no sign-in, no cookies. A POST unsubscribes at once (RFC 8058: mail clients POST
//! `List-Unsubscribe=One-Click` with no further step); a GET only shows a page with the button,
//! so a link scanner that follows links does not unsubscribe anyone.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use backend::consent::Unsubscriber;
use backend::{ErrorKind, Herald};

pub fn router(herald: Herald) -> Router {
    Router::new()
        .route("/u/{token}", get(confirm_page).post(unsubscribe))
        .with_state(herald)
}

async fn confirm_page(State(herald): State<Herald>, Path(token): Path<String>) -> Response {
    match herald.unsubscriber(&token).await {
        Ok(who) => page(
            StatusCode::OK,
            "Unsubscribe",
            &format!(
                "<p>Stop marketing {} to <strong>{}</strong>?</p>\
                 <form method=\"post\"><button type=\"submit\">Unsubscribe</button></form>",
                channel_noun(&who),
                escape(&who.address_hint)
            ),
        ),
        Err(e) => failure(e),
    }
}

async fn unsubscribe(State(herald): State<Herald>, Path(token): Path<String>) -> Response {
    match herald.unsubscribe(&token).await {
        Ok(who) => page(
            StatusCode::OK,
            "You are unsubscribed",
            &format!(
                "<p>You will receive no more marketing {} at <strong>{}</strong>. \
                 Messages you asked for, such as receipts, still reach you.</p>",
                channel_noun(&who),
                escape(&who.address_hint)
            ),
        ),
        Err(e) => failure(e),
    }
}

fn channel_noun(who: &Unsubscriber) -> &'static str {
    match who.channel.as_str() {
        "sms" => "text messages",
        "push" => "notifications",
        _ => "emails",
    }
}

fn failure(e: backend::Error) -> Response {
    let status = if e.kind == ErrorKind::NotFound {
        StatusCode::NOT_FOUND
    } else {
        tracing::error!(error = ?e, "unsubscribe failed");
        StatusCode::INTERNAL_SERVER_ERROR
    };
    page(
        status,
        "Unsubscribe",
        &format!("<p>{}</p>", escape(&e.message)),
    )
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.5}}\
         button{{font-size:1rem;padding:.5rem 1.25rem}}</style></head>\
         <body><h1>{title}</h1>{body}</body></html>"
    );
    (status, Html(html)).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
