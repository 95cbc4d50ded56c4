//! Server functions: the browser's door into the backend. Each one checks the session first.
//! Endpoints are fixed (`/api/<name>`) so scripts and the benchmark can call them too.

use domain::views::{ApiKeyView, CampaignSummary, CampaignView, MessageView};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::session::{require_user, to_server_error};

/// A campaign id from the browser; anything else is an unknown campaign.
#[cfg(feature = "ssr")]
fn campaign_id(raw: &str) -> Result<domain::ids::CampaignId, ServerFnError> {
    raw.parse()
        .map_err(|_| ServerFnError::new("No campaign has this id."))
}

#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<String, ServerFnError> {
    let (herald, user) = require_user().await?;
    herald
        .user_email(&user)
        .await
        .map_err(to_server_error)?
        .ok_or_else(|| ServerFnError::new("Your account no longer exists."))
}

#[server(endpoint = "list_campaigns")]
pub async fn list_campaigns() -> Result<Vec<CampaignSummary>, ServerFnError> {
    let (herald, _) = require_user().await?;
    herald.list_campaigns().await.map_err(to_server_error)
}

#[server(endpoint = "get_campaign")]
pub async fn get_campaign(id: String) -> Result<CampaignView, ServerFnError> {
    let (herald, _) = require_user().await?;
    let id = campaign_id(&id)?;
    herald.campaign(id).await.map_err(to_server_error)
}

#[server(endpoint = "create_campaign")]
pub async fn create_campaign(
    title: String,
    subject: String,
    html_body: String,
    text_body: String,
) -> Result<(), ServerFnError> {
    let (herald, user) = require_user().await?;
    let campaign = domain::campaign::NewCampaign::parse(&title, &subject, &html_body, &text_body)
        .map_err(|e| to_server_error(e.into()))?;
    let id = herald
        .create_campaign(&user, campaign)
        .await
        .map_err(to_server_error)?;
    leptos_axum::redirect(&format!("/campaigns/{id}"));
    Ok(())
}

#[server(endpoint = "activate_campaign")]
pub async fn activate_campaign(id: String) -> Result<(), ServerFnError> {
    let (herald, _) = require_user().await?;
    let id = campaign_id(&id)?;
    herald.activate_campaign(id).await.map_err(to_server_error)
}

#[server(endpoint = "stop_campaign")]
pub async fn stop_campaign(id: String) -> Result<(), ServerFnError> {
    let (herald, _) = require_user().await?;
    let id = campaign_id(&id)?;
    herald.stop_campaign(id).await.map_err(to_server_error)
}

/// Duplicates a campaign into a new draft and opens it.
#[server(endpoint = "duplicate_campaign")]
pub async fn duplicate_campaign(id: String) -> Result<(), ServerFnError> {
    let (herald, user) = require_user().await?;
    let id = campaign_id(&id)?;
    let copy = herald
        .duplicate_campaign(&user, id)
        .await
        .map_err(to_server_error)?;
    leptos_axum::redirect(&format!("/campaigns/{copy}"));
    Ok(())
}

/// Deletes a draft and goes back to the list.
#[server(endpoint = "delete_draft")]
pub async fn delete_draft(id: String) -> Result<(), ServerFnError> {
    let (herald, _) = require_user().await?;
    let id = campaign_id(&id)?;
    herald.delete_draft(id).await.map_err(to_server_error)?;
    leptos_axum::redirect("/");
    Ok(())
}

#[server(endpoint = "list_messages")]
pub async fn list_messages() -> Result<Vec<MessageView>, ServerFnError> {
    let (herald, _) = require_user().await?;
    herald.recent_messages(200).await.map_err(to_server_error)
}

#[server(endpoint = "list_api_keys")]
pub async fn list_api_keys() -> Result<Vec<ApiKeyView>, ServerFnError> {
    let (herald, _) = require_user().await?;
    herald.list_api_keys().await.map_err(to_server_error)
}

/// Creates a key and returns it: the only time the secret is ever shown.
#[server(endpoint = "create_api_key")]
pub async fn create_api_key(name: String) -> Result<String, ServerFnError> {
    let (herald, user) = require_user().await?;
    let key = herald
        .create_api_key(&name)
        .await
        .map_err(to_server_error)?;
    tracing::info!(api_key_id = %key.id, user_id = %user, "API key created");
    Ok(key.key)
}

#[server(endpoint = "revoke_api_key")]
pub async fn revoke_api_key(id: String) -> Result<(), ServerFnError> {
    let (herald, user) = require_user().await?;
    let id: domain::ids::ApiKeyId = id
        .parse()
        .map_err(|_| ServerFnError::new("No API key has this id."))?;
    match herald
        .revoke_api_key(&id.to_string())
        .await
        .map_err(to_server_error)?
    {
        0 => Err(ServerFnError::new("This key is already revoked.")),
        _ => {
            tracing::info!(api_key_id = %id, user_id = %user, "API key revoked");
            Ok(())
        }
    }
}
