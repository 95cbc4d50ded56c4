//! Sign-in and sign-out: plain form posts, so they work before the wasm bundle loads. Every
//! attempt passes the [`SignInGuard`] first (bounded memory, bounded concurrent password checks,
//! back-off per client, owner-proof account guard).

use super::sign_in_guard::{Refusal, SignInGuard};
use axum::Form;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use backend::Herald;
use domain::recipient::EmailAddress;
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;
use tower_sessions::Session;

/// The cookie a browser keeps after signing in: a signed token naming the user.
const DEVICE_COOKIE: &str = "herald_device";
/// Longest password looked at (Argon2 takes any length; nobody types more).
const MAX_PASSWORD_BYTES: usize = 1024;

#[derive(Deserialize)]
pub struct Credentials {
    email: String,
    password: String,
}

/// What sign-in needs: the backend and the guard in front of the password check.
#[derive(Clone)]
pub struct SignIn {
    pub herald: Herald,
    pub guard: Arc<SignInGuard>,
}

impl SignIn {
    pub fn new(herald: Herald) -> Self {
        Self {
            herald,
            guard: Arc::default(),
        }
    }
}

fn device_user(headers: &HeaderMap, herald: &Herald) -> Option<domain::ids::UserId> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix(DEVICE_COOKIE)?.strip_prefix('='))
        .find_map(|token| herald.device_user(token))
}

fn refused() -> Response {
    Redirect::to("/login?error=credentials").into_response()
}

pub async fn sign_in(
    State(state): State<SignIn>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    session: Session,
    Form(c): Form<Credentials>,
) -> Response {
    let (herald, guard, ip) = (&state.herald, &state.guard, peer.ip());
    let email = c.email.trim().to_lowercase();
    if EmailAddress::parse(&email).is_err() || c.password.len() > MAX_PASSWORD_BYTES {
        guard.failed(ip, None);
        return refused();
    }
    let account = match herald.account(&email).await {
        Ok(account) => account,
        Err(e) => {
            tracing::error!(error = ?e, "sign-in failed");
            return Redirect::to("/login?error=server").into_response();
        }
    };
    let account_id = account.as_ref().map(|a| a.id);
    let known_device = account_id.is_some() && device_user(&headers, herald) == account_id;
    let account_key = account_id.map(|_| email.as_str());
    if let Err(Refusal::Throttled { wait_secs }) = guard.admit(ip, account_key, known_device) {
        tracing::warn!(wait_secs, "sign-in throttled");
        return Redirect::to(&format!("/login?error=throttled&wait={wait_secs}")).into_response();
    }
    let Ok(_slot) = guard.check_slot().await else {
        return busy();
    };
    match herald.verify_login(account.as_ref(), &c.password).await {
        Ok(Some(user)) => {
            guard.succeeded(ip);
            let browser = headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let address = ip.to_string();
            let began = app::session::begin(herald, &session, user, browser, &address);
            if let Err(e) = began.await {
                tracing::error!(error = ?e, "cannot store the session");
                return Redirect::to("/login?error=session").into_response();
            }
            tracing::info!(user_id = %user, "signed in");
            let secure = if herald.settings().secure_cookies() {
                "; Secure"
            } else {
                ""
            };
            let cookie = format!(
                "{DEVICE_COOKIE}={}; Path=/login; Max-Age=31536000; HttpOnly; SameSite=Lax{secure}",
                herald.device_token(&user)
            );
            let mut response = Redirect::to("/").into_response();
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            response
        }
        Ok(None) => {
            guard.failed(ip, account_key);
            tracing::info!("sign-in refused");
            refused()
        }
        Err(e) => {
            tracing::error!(error = ?e, "sign-in failed");
            Redirect::to("/login?error=server").into_response()
        }
    }
}

/// Too many password checks are waiting: come back in a moment (nothing was checked).
fn busy() -> Response {
    tracing::warn!("sign-in busy: too many password checks waiting");
    let mut response = (
        StatusCode::SERVICE_UNAVAILABLE,
        Html(
            "<!doctype html><title>Herald is busy</title><p>Too many sign-ins at once. \
             <a href=\"/login\">Try again</a> in a few seconds.</p>",
        ),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
    response
}

pub async fn sign_out(session: Session) -> Redirect {
    if let Err(e) = session.flush().await {
        tracing::error!(error = ?e, "cannot end the session");
    }
    Redirect::to("/login")
}
