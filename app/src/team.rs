//! Server functions of the Team, Account and Welcome pages: people, roles, one-time links.
//!
//! `link_info` and `use_account_link` are the only server functions a visitor without a
//! session may call (the guard lets them through): both do nothing without a live link's
//! secret, and the password is hashed only once the link is found.

use crate::error::AppError;
use domain::team::{LinkView, SessionView, TeamView};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::session::{answer_text, refuse, require, require_user, row_key, to_server_error};
#[cfg(feature = "ssr")]
use backend::ErrorKind;
#[cfg(feature = "ssr")]
use domain::tenancy::{Permission, Role};

#[cfg(feature = "ssr")]
fn user_id(raw: &str) -> Result<domain::ids::UserId, AppError> {
    raw.parse().map_err(|_| {
        refuse(
            ErrorKind::NotFound,
            "member_not_found",
            "No one in this sandbox has this id.",
        )
    })
}

#[cfg(feature = "ssr")]
fn role(raw: &str) -> Result<Role, AppError> {
    Role::parse(raw).ok_or_else(|| {
        refuse(
            ErrorKind::Invalid,
            "invalid_role",
            "Choose a role: owner, admin, editor, approver or viewer.",
        )
    })
}

/// How a one-time link reached its person, as the owner reads it.
#[cfg(feature = "ssr")]
fn link_message(link: &domain::team::OneTimeLink, who: &str) -> String {
    if link.emailed {
        format!("A link was emailed to {who}. It works once, for 7 days.")
    } else {
        format!(
            "No email sender is configured: give {who} this link yourself. It works once, for 7 days: {}",
            link.url
        )
    }
}

/// The current sandbox's people and pending invitations.
#[server(endpoint = "team")]
pub async fn team() -> Result<TeamView, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    herald.team(&caller).await.map_err(to_server_error)
}

/// Turns on or off, in the current sandbox, the need for an approver's decision before a
/// marketing campaign goes live.
#[server(endpoint = "set_approval_required")]
pub async fn set_approval_required(required: bool) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Own).await?;
    herald
        .set_approval_required(&caller, required)
        .await
        .map_err(to_server_error)
}

/// Invites a person to the current sandbox; answers what happened (with the link when no
/// email could carry it), or why it was refused.
#[server(endpoint = "invite")]
pub async fn invite(email: String, role: String) -> Result<Result<String, String>, AppError> {
    let (herald, caller) = require(Permission::Own).await?;
    let role = self::role(&role)?;
    match herald.invite(&caller, &email, role).await {
        Ok(backend::team::Invited::Added) => Ok(Ok(format!(
            "{} already had an account and is now {role} here.",
            email.trim()
        ))),
        Ok(backend::team::Invited::Link(link)) => Ok(Ok(link_message(&link, email.trim()))),
        Err(e) if e.kind == backend::ErrorKind::Internal => Err(to_server_error(e)),
        Err(e) => Ok(Err(answer_text(&e))),
    }
}

#[server(endpoint = "set_member_role")]
pub async fn set_member_role(user_id: String, role: String) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Own).await?;
    herald
        .set_member_role(&caller, self::user_id(&user_id)?, self::role(&role)?)
        .await
        .map_err(to_server_error)
}

#[server(endpoint = "remove_member")]
pub async fn remove_member(user_id: String) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Own).await?;
    herald
        .remove_member(&caller, self::user_id(&user_id)?)
        .await
        .map_err(to_server_error)
}

#[server(endpoint = "set_member_disabled")]
pub async fn set_member_disabled(user_id: String, disabled: bool) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Own).await?;
    herald
        .set_member_disabled(&caller, self::user_id(&user_id)?, disabled)
        .await
        .map_err(to_server_error)
}

/// Makes a password reset link for a member; answers how it reaches them.
#[server(endpoint = "reset_member_password")]
pub async fn reset_member_password(user_id: String) -> Result<String, AppError> {
    let (herald, caller) = require(Permission::Own).await?;
    let user = self::user_id(&user_id)?;
    let email = herald
        .user_email(&user)
        .await
        .map_err(to_server_error)?
        .unwrap_or_default();
    let link = herald
        .password_reset_link(&caller, user)
        .await
        .map_err(to_server_error)?;
    Ok(link_message(&link, &email))
}

/// Changes the signed-in person's own password.
#[server(endpoint = "change_password")]
pub async fn change_password(
    current: String,
    new: String,
) -> Result<Result<String, String>, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    let user = caller
        .user
        .ok_or_else(|| refuse(ErrorKind::Unauthorized, "session_ended", "Sign in again."))?;
    let session: tower_sessions::Session = leptos_axum::extract().await?;
    let this = row_key(&session).await;
    match herald
        .change_own_password(user, &current, &new, &this)
        .await
    {
        Ok(()) => Ok(Ok(
            "Your password is changed, and your other sessions are ended.".into(),
        )),
        Err(e) if e.kind == backend::ErrorKind::Internal => Err(to_server_error(e)),
        Err(e) => Ok(Err(answer_text(&e))),
    }
}

/// The signed-in person's open browser sessions, this one marked.
#[server(endpoint = "my_sessions")]
pub async fn my_sessions() -> Result<Vec<SessionView>, AppError> {
    let (herald, user) = require_user().await?;
    let session: tower_sessions::Session = leptos_axum::extract().await?;
    herald
        .sessions_of(user, &row_key(&session).await)
        .await
        .map_err(to_server_error)
}

/// Ends one of the signed-in person's sessions (`key` from [`my_sessions`]), or with `key`
/// empty, all but this one.
#[server(endpoint = "end_sessions")]
pub async fn end_sessions(key: String) -> Result<(), AppError> {
    let (herald, user) = require_user().await?;
    let ended = if key.is_empty() {
        let session: tower_sessions::Session = leptos_axum::extract().await?;
        let this = row_key(&session).await;
        herald.end_other_sessions(user, Some(&this)).await.map(drop)
    } else {
        herald.end_session(user, &key).await.map(drop)
    };
    ended.map_err(to_server_error)
}

/// What a one-time link is for (public: the link's secret is the credential).
#[server(endpoint = "link_info")]
pub async fn link_info(token: String) -> Result<LinkView, AppError> {
    let herald = use_context::<backend::Herald>()
        .ok_or_else(|| AppError::new("the server is not set up correctly"))?;
    herald.link(&token).await.map_err(to_server_error)
}

/// Uses a one-time link with the chosen password, signs its person in and opens Herald
/// (public: the link's secret is the credential). Refusals are answers: `Ok(Err(why))`.
#[server(endpoint = "use_account_link")]
pub async fn use_account_link(
    token: String,
    password: String,
) -> Result<Result<(), String>, AppError> {
    let herald = use_context::<backend::Herald>()
        .ok_or_else(|| AppError::new("the server is not set up correctly"))?;
    if password.len() > 1024 {
        return Ok(Err("The password is too long.".into()));
    }
    let user = match herald.use_link(&token, &password).await {
        Ok(user) => user,
        Err(e) if e.kind == backend::ErrorKind::Internal => return Err(to_server_error(e)),
        Err(e) => return Ok(Err(answer_text(&e))),
    };
    let session: tower_sessions::Session = leptos_axum::extract().await?;
    let headers: http::HeaderMap = leptos_axum::extract().await?;
    let browser = headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr> =
        leptos_axum::extract().await?;
    crate::session::begin(&herald, &session, user, browser, &peer.ip().to_string())
        .await
        .map_err(|e| to_server_error(backend::Error::internal(e)))?;
    tracing::info!(user_id = %user, "signed in with a one-time link");
    leptos_axum::redirect("/");
    Ok(Ok(()))
}

/// The current sandbox's audit log, newest first, matching `search` if given.
#[server(endpoint = "audit_log")]
pub async fn audit_log(search: String) -> Result<Vec<domain::views::AuditEventView>, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    herald
        .audit_log(&caller, &search)
        .await
        .map_err(to_server_error)
}
