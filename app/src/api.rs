//! Server functions: the browser's door into the backend. Each one checks the session first.
//! Endpoints are fixed (`/api/<name>`) so scripts and the benchmark can call them too.

use crate::error::AppError;
use domain::views::{ApiKeyView, CampaignSummary, CampaignView, MessageView, SandboxView};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::session::{SANDBOX_KEY, answer_text, refuse, require, to_server_error};
#[cfg(feature = "ssr")]
use backend::ErrorKind;
#[cfg(feature = "ssr")]
use domain::tenancy::Permission;

/// A campaign id from the browser; anything else is an unknown campaign.
#[cfg(feature = "ssr")]
fn campaign_id(raw: &str) -> Result<domain::ids::CampaignId, AppError> {
    raw.parse().map_err(|_| {
        refuse(
            ErrorKind::NotFound,
            "campaign_not_found",
            "No campaign has this id.",
        )
    })
}

/// A session without a person (or whose person is gone): sign in again.
#[cfg(feature = "ssr")]
fn sign_in_again() -> AppError {
    refuse(ErrorKind::Unauthorized, "session_ended", "Sign in again.")
}

/// A saved content id from the browser; anything else is unknown saved content.
#[cfg(feature = "ssr")]
fn saved_content_id(raw: &str) -> Result<domain::ids::SavedContentId, AppError> {
    raw.parse().map_err(|_| {
        refuse(
            ErrorKind::NotFound,
            "saved_content_not_found",
            "The sandbox has no saved content of this id.",
        )
    })
}

/// A fragment id from the browser; anything else is an unknown fragment.
#[cfg(feature = "ssr")]
fn fragment_id(raw: &str) -> Result<domain::ids::FragmentId, AppError> {
    raw.parse().map_err(|_| {
        refuse(
            ErrorKind::NotFound,
            "fragment_not_found",
            "The sandbox has no fragment of this id.",
        )
    })
}

/// Who is signed in, the sandbox they work in with their role there, every sandbox they may
/// switch to, and whether this sandbox's messages are only captured (no sender configured).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct WorkspaceView {
    pub email: String,
    pub sandbox: SandboxView,
    pub role: domain::tenancy::Role,
    pub sandboxes: Vec<SandboxView>,
    pub captures_only: bool,
}

impl WorkspaceView {
    /// Whether the signed-in person's role allows `permission` here (the server decides; this
    /// only spares them buttons that would be refused).
    pub fn may(&self, permission: domain::tenancy::Permission) -> bool {
        self.role.allows(permission)
    }
}

#[server(endpoint = "workspace")]
pub async fn workspace() -> Result<WorkspaceView, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    let user = caller.user.ok_or_else(sign_in_again)?;
    let email = herald
        .user_email(&user)
        .await
        .map_err(to_server_error)?
        .ok_or_else(sign_in_again)?;
    let sandboxes = herald.sandboxes_of(user).await.map_err(to_server_error)?;
    let backend::accounts::Access::Member(role) = caller.access else {
        return Err(sign_in_again());
    };
    let captures_only = herald
        .captures_only(caller.sandbox_id())
        .await
        .map_err(to_server_error)?;
    Ok(WorkspaceView {
        email,
        sandbox: caller.sandbox,
        role,
        sandboxes: sandboxes.into_iter().map(|(s, _)| s).collect(),
        captures_only,
    })
}

/// Makes `id` the sandbox this session works in, and opens its campaigns.
#[server(endpoint = "switch_sandbox")]
pub async fn switch_sandbox(id: String) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    let user = caller.user.ok_or_else(sign_in_again)?;
    let allowed = herald.sandboxes_of(user).await.map_err(to_server_error)?;
    if !allowed.iter().any(|(s, _)| s.id == id) {
        return Err(refuse(
            ErrorKind::Forbidden,
            "no_role",
            "You have no role in this sandbox.",
        ));
    }
    let session: tower_sessions::Session = leptos_axum::extract().await?;
    session
        .insert(SANDBOX_KEY, &id)
        .await
        .map_err(|e| to_server_error(backend::Error::internal(e)))?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Creates a sandbox; whoever creates it is its first owner.
#[server(endpoint = "create_sandbox")]
pub async fn create_sandbox(org_id: String, name: String) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Own).await?;
    let user = caller.user.ok_or_else(sign_in_again)?;
    let sandbox = herald
        .create_sandbox(&org_id, &name, &caller.who())
        .await
        .map_err(to_server_error)?;
    herald
        .grant(user, &sandbox.id, domain::tenancy::Role::Owner)
        .await
        .map_err(to_server_error)?;
    tracing::info!(sandbox_id = %sandbox.id, actor = %caller.actor(), "sandbox created");
    Ok(())
}

/// What the database holds (the System page).
#[server(endpoint = "system")]
pub async fn system() -> Result<domain::views::SystemView, AppError> {
    let (herald, _) = require(Permission::Own).await?;
    herald.system().await.map_err(to_server_error)
}

/// The current sandbox's data retention.
#[server(endpoint = "retention")]
pub async fn retention() -> Result<domain::retention::RetentionView, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    herald
        .retention(caller.sandbox_id())
        .await
        .map_err(to_server_error)
}

/// Sets the current sandbox's own retention, in days from the form (empty: the server's
/// default). Days the rules refuse are an answer, not a failure: `Ok(Err(why))`.
#[server(endpoint = "set_retention")]
pub async fn set_retention(
    content_days: String,
    message_days: String,
    webhook_days: String,
) -> Result<Result<domain::retention::RetentionView, String>, AppError> {
    let (herald, caller) = require(Permission::Configure).await?;
    let days = |field: &str, raw: &str| match raw.trim() {
        "" => Ok(None),
        n => n
            .parse::<u32>()
            .map(Some)
            .map_err(|_| format!("{field}: must be a number of days, or empty for the default")),
    };
    let overrides = match (
        days("Content", &content_days),
        days("Messages", &message_days),
        days("Webhook deliveries", &webhook_days),
    ) {
        (Ok(content_days), Ok(message_days), Ok(webhook_days)) => {
            domain::retention::RetentionOverrides {
                content_days,
                message_days,
                webhook_days,
            }
        }
        (Err(why), ..) | (_, Err(why), _) | (.., Err(why)) => return Ok(Err(why)),
    };
    match herald.set_retention(&caller, overrides).await {
        Ok(view) => {
            tracing::info!(sandbox_id = %caller.sandbox.id, actor = %caller.actor(), "retention changed in the browser");
            Ok(Ok(view))
        }
        Err(e) if e.kind == backend::ErrorKind::Invalid => {
            let label = |field: &str| match field {
                "contentDays" => "Content",
                "messageDays" => "Messages",
                _ => "Webhook deliveries",
            };
            let why: Vec<String> = e
                .errors
                .iter()
                .map(|f| format!("{}: {}", label(&f.field), f.message))
                .collect();
            Ok(Err(why.join("; ")))
        }
        Err(e) => Err(to_server_error(e)),
    }
}

/// The current sandbox's own settings (its default phone region).
#[server(endpoint = "sandbox_settings")]
pub async fn sandbox_settings() -> Result<domain::views::SandboxSettingsView, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    herald
        .sandbox_settings(caller.sandbox_id())
        .await
        .map_err(to_server_error)
}

/// Sets the current sandbox's phone region (empty: the server's) and time zone (empty: UTC).
/// A value the rules refuse is an answer, not a failure: `Ok(Err(why))`.
#[server(endpoint = "set_sandbox_settings")]
pub async fn set_sandbox_settings(
    phone_region: String,
    time_zone: String,
) -> Result<Result<domain::views::SandboxSettingsView, String>, AppError> {
    let (herald, caller) = require(Permission::Configure).await?;
    let input = domain::views::SandboxSettingsInput {
        phone_region: Some(phone_region),
        time_zone: Some(time_zone),
    };
    match herald.set_sandbox_settings(&caller, &input).await {
        Ok(view) => {
            tracing::info!(sandbox_id = %caller.sandbox.id, actor = %caller.actor(), "sandbox settings changed in the browser");
            Ok(Ok(view))
        }
        Err(e) if e.kind == backend::ErrorKind::Invalid => Ok(Err(e
            .errors
            .iter()
            .map(|f| {
                let label = match f.field.as_str() {
                    "timeZone" => "Time zone",
                    _ => "Phone region",
                };
                format!("{label}: {}", f.message)
            })
            .collect::<Vec<_>>()
            .join("; "))),
        Err(e) => Err(to_server_error(e)),
    }
}

/// One page of the current sandbox's campaigns matching the list page's search and filters.
#[server(endpoint = "find_campaigns")]
pub async fn find_campaigns(
    #[server(default)] query: domain::listing::CampaignQueryInput,
) -> Result<domain::views::CampaignPage, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    let query =
        domain::listing::CampaignQuery::parse(&query).map_err(|e| to_server_error(e.into()))?;
    herald
        .find_campaigns(caller.sandbox_id(), &query)
        .await
        .map_err(to_server_error)
}

/// Profile attributes known in the current sandbox, for the editor's attribute list.
#[server(endpoint = "known_attributes")]
pub async fn known_attributes() -> Result<Vec<String>, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    herald
        .known_profile_attributes(caller.sandbox_id())
        .await
        .map_err(to_server_error)
}

#[server(endpoint = "list_campaigns")]
pub async fn list_campaigns() -> Result<Vec<CampaignSummary>, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    herald
        .list_campaigns(caller.sandbox_id())
        .await
        .map_err(to_server_error)
}

#[server(endpoint = "get_campaign")]
pub async fn get_campaign(id: String) -> Result<CampaignView, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    let id = campaign_id(&id)?;
    herald
        .sandbox_campaign(caller.sandbox_id(), id)
        .await
        .map_err(to_server_error)
}

/// Creates a draft in the current sandbox and opens it.
#[server(endpoint = "create_campaign")]
pub async fn create_campaign(input: domain::campaign::CampaignInput) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Edit).await?;
    let campaign = herald
        .parse_campaign(&caller, &input)
        .await
        .map_err(to_server_error)?;
    let id = herald
        .create_campaign(&caller, campaign)
        .await
        .map_err(to_server_error)?;
    leptos_axum::redirect(&format!("/campaigns/{id}"));
    Ok(())
}

/// Saves a campaign's edits (a live campaign's content goes into a new version) and opens it.
#[server(endpoint = "update_campaign")]
pub async fn update_campaign(
    id: String,
    input: domain::campaign::CampaignInput,
) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Edit).await?;
    let id = campaign_id(&id)?;
    let campaign = herald
        .parse_campaign(&caller, &input)
        .await
        .map_err(to_server_error)?;
    herald
        .edit_campaign(&caller, id, campaign)
        .await
        .map_err(to_server_error)?;
    leptos_axum::redirect(&format!("/campaigns/{id}"));
    Ok(())
}

#[server(endpoint = "activate_campaign")]
pub async fn activate_campaign(id: String) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Launch).await?;
    let id = campaign_id(&id)?;
    herald
        .activate_campaign(&caller, id)
        .await
        .map_err(to_server_error)
}

/// Asks an approver to approve the campaign's newest version (where the sandbox requires it).
#[server(endpoint = "request_approval")]
pub async fn request_approval(id: String, note: String) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Edit).await?;
    let id = campaign_id(&id)?;
    herald
        .request_approval(&caller, id, &note)
        .await
        .map(drop)
        .map_err(to_server_error)
}

/// An approver's decision on the request for `version`: approve (it goes live) or reject
/// with a comment.
#[server(endpoint = "decide_approval")]
pub async fn decide_approval(
    id: String,
    version: i64,
    approve: bool,
    comment: String,
) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Launch).await?;
    let id = campaign_id(&id)?;
    herald
        .decide_approval(&caller, id, version, approve, &comment)
        .await
        .map_err(to_server_error)
}

#[server(endpoint = "stop_campaign")]
pub async fn stop_campaign(id: String) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Launch).await?;
    let id = campaign_id(&id)?;
    herald
        .stop_campaign(&caller, id)
        .await
        .map_err(to_server_error)
}

/// Archives a stopped or completed campaign.
#[server(endpoint = "archive_campaign")]
pub async fn archive_campaign(id: String) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Launch).await?;
    let id = campaign_id(&id)?;
    herald
        .archive_campaign(&caller, id)
        .await
        .map_err(to_server_error)
}

/// Duplicates a campaign into a new draft and opens it.
#[server(endpoint = "duplicate_campaign")]
pub async fn duplicate_campaign(id: String) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Edit).await?;
    let id = campaign_id(&id)?;
    let copy = herald
        .duplicate_campaign(&caller, id)
        .await
        .map_err(to_server_error)?;
    leptos_axum::redirect(&format!("/campaigns/{copy}"));
    Ok(())
}

/// Deletes a draft and goes back to the list.
#[server(endpoint = "delete_draft")]
pub async fn delete_draft(id: String) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Edit).await?;
    let id = campaign_id(&id)?;
    herald
        .delete_draft(&caller, id)
        .await
        .map_err(to_server_error)?;
    leptos_axum::redirect("/campaigns");
    Ok(())
}

/// Makes a change the review offers (an edit).
#[server(endpoint = "apply_review_fix")]
pub async fn apply_review_fix(id: String, fix: domain::review::Fix) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Edit).await?;
    let id = campaign_id(&id)?;
    herald
        .apply_review_fix(&caller, id, fix)
        .await
        .map_err(to_server_error)
}

/// A campaign's test sends, newest first.
#[server(endpoint = "campaign_test_sends")]
pub async fn campaign_test_sends(
    id: String,
) -> Result<Vec<domain::views::TestSendSummary>, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    let id = campaign_id(&id)?;
    herald
        .test_sends(&caller, id)
        .await
        .map_err(to_server_error)
}

/// One test send, with what was sent.
#[server(endpoint = "campaign_test_send")]
pub async fn campaign_test_send(
    id: String,
    test_id: String,
) -> Result<domain::views::TestSendView, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    let id = campaign_id(&id)?;
    let test_id = test_id.parse().map_err(|_| {
        refuse(
            ErrorKind::NotFound,
            "test_send_not_found",
            "No test send has this id.",
        )
    })?;
    herald
        .test_send(&caller, id, test_id)
        .await
        .map_err(to_server_error)
}

/// Saves the campaign's newest content under a name, to start new campaigns from.
#[server(endpoint = "save_content")]
pub async fn save_content(
    campaign_id: String,
    name: String,
    description: String,
) -> Result<domain::saved_content::SavedContentSummary, AppError> {
    let (herald, caller) = require(Permission::Edit).await?;
    let id = self::campaign_id(&campaign_id)?;
    let input = domain::saved_content::SaveContentInput { name, description };
    herald
        .save_content(&caller, id, &input)
        .await
        .map_err(to_server_error)
}

/// The sandbox's saved content, by name.
#[server(endpoint = "list_saved_content")]
pub async fn list_saved_content()
-> Result<Vec<domain::saved_content::SavedContentSummary>, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    herald
        .saved_contents(&caller)
        .await
        .map_err(to_server_error)
}

/// One saved content with the content itself.
#[server(endpoint = "saved_content")]
pub async fn saved_content(
    id: String,
) -> Result<domain::saved_content::SavedContentView, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    let id = saved_content_id(&id)?;
    herald
        .saved_content(&caller, id)
        .await
        .map_err(to_server_error)
}

#[server(endpoint = "delete_saved_content")]
pub async fn delete_saved_content(id: String) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Edit).await?;
    let id = saved_content_id(&id)?;
    herald
        .delete_saved_content(&caller, id)
        .await
        .map_err(to_server_error)
}

/// The sandbox's fragments by name, each with the campaigns that include it.
#[server(endpoint = "list_fragments")]
pub async fn list_fragments() -> Result<Vec<domain::views::FragmentView>, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    herald.fragments(&caller).await.map_err(to_server_error)
}

/// One fragment with the campaigns that include it.
#[server(endpoint = "fragment")]
pub async fn fragment(id: String) -> Result<domain::views::FragmentView, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    let id = fragment_id(&id)?;
    herald.fragment(&caller, id).await.map_err(to_server_error)
}

/// Creates a fragment (no `id`) or changes one's description and body.
#[server(endpoint = "save_fragment")]
pub async fn save_fragment(
    id: Option<String>,
    name: String,
    description: String,
    body: String,
) -> Result<domain::views::FragmentView, AppError> {
    let (herald, caller) = require(Permission::Edit).await?;
    let input = domain::fragment::FragmentInput {
        name,
        description,
        body,
    };
    match id.filter(|id| !id.is_empty()) {
        None => herald.create_fragment(&caller, &input).await,
        Some(id) => {
            herald
                .edit_fragment(&caller, fragment_id(&id)?, &input)
                .await
        }
    }
    .map_err(to_server_error)
}

/// Deletes a fragment no campaign includes.
#[server(endpoint = "delete_fragment")]
pub async fn delete_fragment(id: String) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Edit).await?;
    let id = fragment_id(&id)?;
    herald
        .delete_fragment(&caller, id)
        .await
        .map_err(to_server_error)?;
    leptos_axum::redirect("/fragments");
    Ok(())
}

/// A campaign's versions, newest first.
#[server(endpoint = "campaign_versions")]
pub async fn campaign_versions(id: String) -> Result<domain::version::VersionsView, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    let id = campaign_id(&id)?;
    herald.versions(&caller, id).await.map_err(to_server_error)
}

/// One version's content.
#[server(endpoint = "campaign_version")]
pub async fn campaign_version(
    id: String,
    version: i64,
) -> Result<domain::version::VersionView, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    let id = campaign_id(&id)?;
    herald
        .version(&caller, id, version)
        .await
        .map_err(to_server_error)
}

/// What changed from one version to another (by default the newest against the one before;
/// none while there is a single version).
#[server(endpoint = "compare_versions")]
pub async fn compare_versions(
    id: String,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<Option<domain::version::VersionComparison>, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    let id = campaign_id(&id)?;
    herald
        .compare_versions(&caller, id, from, to)
        .await
        .map_err(to_server_error)
}

/// Makes an earlier version's content the draft version, and opens the versions.
#[server(endpoint = "roll_back_campaign")]
pub async fn roll_back_campaign(id: String, version: i64) -> Result<i64, AppError> {
    let (herald, caller) = require(Permission::Edit).await?;
    let campaign = campaign_id(&id)?;
    herald
        .roll_back(&caller, campaign, version)
        .await
        .map_err(to_server_error)
}

/// Deletes the draft version of a campaign that has been live.
#[server(endpoint = "discard_draft_version")]
pub async fn discard_draft_version(id: String) -> Result<i64, AppError> {
    let (herald, caller) = require(Permission::Edit).await?;
    let id = campaign_id(&id)?;
    herald
        .discard_draft_version(&caller, id)
        .await
        .map_err(to_server_error)
}

/// One page of the current sandbox's messages matching the explorer's search.
#[server(endpoint = "find_messages")]
pub async fn find_messages(
    #[server(default)] query: domain::message_query::MessageQueryInput,
) -> Result<domain::views::MessagePage, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    let query = domain::message_query::MessageQuery::parse(&query)
        .map_err(|e| to_server_error(e.into()))?;
    herald
        .find_messages(caller.sandbox_id(), &query)
        .await
        .map_err(to_server_error)
}

/// One message of the current sandbox with every delivery attempt.
#[server(endpoint = "get_message")]
pub async fn get_message(
    id: String,
) -> Result<(MessageView, Vec<domain::views::AttemptView>), AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    herald
        .message(caller.sandbox_id(), &id)
        .await
        .map_err(to_server_error)
}

#[server(endpoint = "list_api_keys")]
pub async fn list_api_keys() -> Result<Vec<ApiKeyView>, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    herald
        .list_api_keys(caller.sandbox_id())
        .await
        .map_err(to_server_error)
}

/// Creates a key in the current sandbox and returns it: the only time the secret is ever
/// shown. `campaigns` set restricts the key to those campaigns (maybe none).
#[server(endpoint = "create_api_key")]
pub async fn create_api_key(
    name: String,
    scope: String,
    campaigns: Option<Vec<String>>,
) -> Result<String, AppError> {
    let (herald, caller) = require(Permission::Configure).await?;
    let scope = domain::tenancy::ApiScope::parse(&scope).ok_or_else(|| {
        refuse(
            ErrorKind::Invalid,
            "invalid_scope",
            "Choose the key's scope: trigger or admin.",
        )
    })?;
    let campaigns = campaigns
        .map(|ids| {
            ids.iter()
                .map(|id| campaign_id(id))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    let spec = backend::accounts::ApiKeySpec {
        name,
        sandbox_id: caller.sandbox.id.clone(),
        scope,
        campaigns,
    };
    let key = herald
        .create_api_key_as(spec, &caller.who())
        .await
        .map_err(to_server_error)?;
    tracing::info!(api_key_id = %key.id, actor = %caller.actor(), "API key created");
    Ok(key.key)
}

#[server(endpoint = "revoke_api_key")]
pub async fn revoke_api_key(id: String) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Configure).await?;
    let id: domain::ids::ApiKeyId = id.parse().map_err(|_| {
        refuse(
            ErrorKind::NotFound,
            "api_key_not_found",
            "No API key has this id.",
        )
    })?;
    match herald
        .revoke_api_key(Some(caller.sandbox_id()), &id.to_string(), &caller.who())
        .await
        .map_err(to_server_error)?
    {
        0 => Err(refuse(
            ErrorKind::Conflict,
            "already_revoked",
            "This key is already revoked.",
        )),
        _ => {
            tracing::info!(api_key_id = %id, actor = %caller.actor(), "API key revoked");
            Ok(())
        }
    }
}

/// An email's text part generated from its HTML (template expressions kept as written).
#[server(endpoint = "text_from_html")]
pub async fn text_from_html(html: String) -> Result<String, AppError> {
    require(Permission::Edit).await?;
    backend::plain_text::from_html(&html)
        .map_err(|why| refuse(ErrorKind::Invalid, "text_not_generated", why))
}

/// The current sandbox's identity namespaces, standard ones first.
#[server(endpoint = "list_namespaces")]
pub async fn list_namespaces() -> Result<Vec<domain::views::NamespaceView>, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    herald
        .list_namespaces(caller.sandbox_id())
        .await
        .map_err(to_server_error)
}

#[server(endpoint = "add_namespace")]
pub async fn add_namespace(name: String, description: String) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Configure).await?;
    let input = domain::profile::NamespaceInput { name, description };
    herald
        .add_namespace(&caller, &input)
        .await
        .map_err(to_server_error)?;
    tracing::info!(namespace = %input.name, actor = %caller.actor(), "namespace added");
    Ok(())
}

#[server(endpoint = "delete_namespace")]
pub async fn delete_namespace(name: String) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Configure).await?;
    herald
        .delete_namespace(&caller, &name)
        .await
        .map_err(to_server_error)?;
    tracing::info!(namespace = %name, actor = %caller.actor(), "namespace deleted");
    Ok(())
}

/// The current sandbox's channel surfaces (never their secrets).
#[server(endpoint = "list_surfaces")]
pub async fn list_surfaces() -> Result<Vec<domain::views::SurfaceView>, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    herald
        .list_surfaces(caller.sandbox_id())
        .await
        .map_err(to_server_error)
}

/// Creates a surface (`id` None) or edits one; secrets left empty keep the stored ones.
#[server(endpoint = "save_surface")]
pub async fn save_surface(
    id: Option<String>,
    input: domain::surface::SurfaceInput,
) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Configure).await?;
    let surface = herald
        .save_surface(&caller, id.as_deref(), &input)
        .await
        .map_err(to_server_error)?;
    tracing::info!(surface_id = %surface.id, actor = %caller.actor(), "surface saved");
    Ok(())
}

/// Connects to a surface's provider, sending nothing, and says what it answered.
#[server(endpoint = "verify_surface")]
pub async fn verify_surface(id: String) -> Result<domain::views::SurfaceCheck, AppError> {
    let (herald, caller) = require(Permission::Configure).await?;
    herald
        .verify_surface(&caller, &id)
        .await
        .map_err(to_server_error)
}

#[server(endpoint = "delete_surface")]
pub async fn delete_surface(id: String) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Configure).await?;
    herald
        .delete_surface(&caller, &id)
        .await
        .map_err(to_server_error)?;
    tracing::info!(surface_id = %id, actor = %caller.actor(), "surface deleted");
    Ok(())
}

/// Sends the campaign's newest content, rendered with the given sample data (JSON objects), to
/// one address through the campaign's surface; says what the provider answered.
#[server(endpoint = "send_test")]
pub async fn send_test(
    id: String,
    address: String,
    profile: String,
    context: String,
) -> Result<String, AppError> {
    let (herald, caller) = require(Permission::Edit).await?;
    let id = campaign_id(&id)?;
    let object = |label: &str, raw: &str| match serde_json::from_str(raw) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        _ => Err(refuse(
            ErrorKind::Invalid,
            "invalid_sample",
            format!("The sample {label} must be a JSON object."),
        )),
    };
    let sent = herald
        .send_test(
            &caller,
            id,
            &address,
            object("profile", &profile)?,
            object("context", &context)?,
        )
        .await
        .map_err(to_server_error)?;
    Ok(match (sent.provider.as_str(), sent.provider_id) {
        ("capture", _) => {
            "Captured, not delivered: no sender is configured. It is listed below.".to_owned()
        }
        (provider, Some(provider_id)) => {
            format!("Sent through {provider} (its id: {provider_id}).")
        }
        (provider, None) => format!("Sent through {provider}."),
    })
}

/// What a campaign did in a range (see `domain::report`).
#[server(endpoint = "campaign_report")]
pub async fn campaign_report(
    id: String,
    query: domain::report::ReportQueryInput,
) -> Result<domain::report::Report, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    herald
        .campaign_report(caller.sandbox_id(), campaign_id(&id)?, &query)
        .await
        .map_err(to_server_error)
}

/// The home page: what the sandbox did today.
#[server(endpoint = "home")]
pub async fn home(
    query: domain::report::ReportQueryInput,
) -> Result<domain::report::SandboxReport, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    herald
        .sandbox_report(caller.sandbox_id(), &query)
        .await
        .map_err(to_server_error)
}

/// The current sandbox's audiences.
#[server(endpoint = "list_audiences")]
pub async fn list_audiences() -> Result<Vec<domain::audience::AudienceView>, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    herald
        .list_audiences(caller.sandbox_id())
        .await
        .map_err(to_server_error)
}

/// Creates an audience: rule-based when `rule` is not empty, else static. A name or rule the
/// rules refuse is an answer, not a failure: `Ok(Err(why))`.
#[server(endpoint = "create_audience")]
pub async fn create_audience(
    name: String,
    description: String,
    rule: String,
) -> Result<Result<domain::audience::AudienceView, String>, AppError> {
    let (herald, caller) = require(Permission::Edit).await?;
    let input = domain::audience::AudienceInput {
        name,
        description,
        rule: Some(rule).filter(|r| !r.trim().is_empty()),
    };
    match herald
        .save_audience(caller.sandbox_id(), None, &input)
        .await
    {
        Ok(view) => {
            tracing::info!(audience_id = %view.id, actor = %caller.actor(), "audience created in the browser");
            Ok(Ok(view))
        }
        Err(e)
            if matches!(
                e.kind,
                backend::ErrorKind::Invalid | backend::ErrorKind::Conflict
            ) =>
        {
            Ok(Err(answer_text(&e)))
        }
        Err(e) => Err(to_server_error(e)),
    }
}

#[server(endpoint = "delete_audience")]
pub async fn delete_audience(id: String) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Edit).await?;
    herald
        .delete_audience(caller.sandbox_id(), &id)
        .await
        .map_err(to_server_error)?;
    tracing::info!(audience_id = %id, actor = %caller.actor(), "audience deleted in the browser");
    Ok(())
}

/// How many profiles pass a rule now; a rule that does not read is `Ok(Err(why))`.
#[server(endpoint = "count_rule")]
pub async fn count_rule(rule: String) -> Result<Result<i64, String>, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    match herald.count_rule(caller.sandbox_id(), &rule).await {
        Ok(count) => Ok(Ok(count.count)),
        Err(e) if e.kind == backend::ErrorKind::Invalid => Ok(Err(answer_text(&e))),
        Err(e) => Err(to_server_error(e)),
    }
}

/// Adds profiles to a static audience, one identity per line as `namespace:id` (or a bare
/// email address).
#[server(endpoint = "add_audience_members")]
pub async fn add_audience_members(
    id: String,
    identities: String,
) -> Result<Result<domain::audience::MembersChange, String>, AppError> {
    let (herald, caller) = require(Permission::Edit).await?;
    let identities = identities
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| match line.split_once(':') {
            Some((namespace, id)) if !line.contains('@') || namespace == "email" => {
                domain::views::IdentityView {
                    namespace: namespace.trim().into(),
                    id: id.trim().into(),
                }
            }
            _ => domain::views::IdentityView {
                namespace: "email".into(),
                id: line.into(),
            },
        })
        .collect();
    let input = domain::audience::MembersInput { identities };
    match herald
        .change_members(caller.sandbox_id(), &id, &input, true)
        .await
    {
        Ok(change) => {
            tracing::info!(audience_id = %id, actor = %caller.actor(), added = change.changed, "audience members added in the browser");
            Ok(Ok(change))
        }
        Err(e)
            if matches!(
                e.kind,
                backend::ErrorKind::Invalid | backend::ErrorKind::Conflict
            ) =>
        {
            Ok(Err(answer_text(&e)))
        }
        Err(e) => Err(to_server_error(e)),
    }
}

/// The newest audience sends of a campaign, with their progress, and its schedules.
#[server(endpoint = "campaign_audience_sends")]
pub async fn campaign_audience_sends(
    campaign_id: String,
) -> Result<domain::audience::CampaignSends, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    let id = self::campaign_id(&campaign_id)?;
    herald
        .campaign_sends(caller.sandbox_id(), id)
        .await
        .map_err(to_server_error)
}

/// Sends a live campaign to an audience now, at `execute_at` (RFC 3339), or at `local_time`
/// in each member's time zone (`2026-12-24T09:00`). Answers what
/// happened as a person reads it, or why it was refused. The same `request_id` twice sends
/// once.
#[server(endpoint = "send_to_audience")]
pub async fn send_to_audience(
    campaign_id: String,
    audience_id: String,
    context: String,
    execute_at: Option<String>,
    local_time: Option<String>,
    request_id: String,
) -> Result<Result<String, String>, AppError> {
    let (herald, caller) = require(Permission::Trigger).await?;
    let send = domain::audience::BrowserSend {
        campaign_id,
        audience_id,
        context,
        execute_at: execute_at.filter(|at| !at.trim().is_empty()),
        local_time: local_time.filter(|at| !at.trim().is_empty()),
        request_id,
    };
    match herald.send_from_browser(&caller, send).await {
        Ok(backend::audience_sends::AudienceAnswer::Started(accepted)) => {
            tracing::info!(execution_id = %accepted.execution_id, actor = %caller.actor(), "audience send started in the browser");
            Ok(Ok("The send has started: its progress is below.".into()))
        }
        Ok(backend::audience_sends::AudienceAnswer::Scheduled { schedule, .. }) => {
            tracing::info!(schedule_id = %schedule.id, actor = %caller.actor(), "audience send scheduled in the browser");
            Ok(Ok(
                "The send is scheduled: it is listed below until it starts.".into(),
            ))
        }
        Err(e) if e.kind == backend::ErrorKind::Internal => Err(to_server_error(e)),
        Err(e) => Ok(Err(answer_text(&e))),
    }
}

/// Deletes a schedule of the current sandbox before it fires.
#[server(endpoint = "delete_audience_schedule")]
pub async fn delete_audience_schedule(schedule_id: String) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Trigger).await?;
    herald
        .delete_audience_schedule(&caller, &schedule_id)
        .await
        .map_err(to_server_error)?;
    tracing::info!(%schedule_id, actor = %caller.actor(), "audience schedule deleted in the browser");
    Ok(())
}

/// Cancels a running audience send of the current sandbox.
#[server(endpoint = "cancel_audience_send")]
pub async fn cancel_audience_send(execution_id: String) -> Result<u64, AppError> {
    let (herald, caller) = require(Permission::Trigger).await?;
    let excluded = herald
        .cancel_audience_send(&caller, &execution_id)
        .await
        .map_err(to_server_error)?;
    tracing::info!(%execution_id, actor = %caller.actor(), excluded, "audience send cancelled in the browser");
    Ok(excluded)
}

/// A page of the current sandbox's profiles, newest first, matching `query` if given.
#[server(endpoint = "profile_page")]
pub async fn profile_page(
    query: String,
    before: Option<String>,
) -> Result<domain::views::ProfilePage, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    herald
        .profile_page(caller.sandbox_id(), &query, before.as_deref())
        .await
        .map_err(to_server_error)
}

/// One profile of the current sandbox, with its addresses' states and consents.
#[server(endpoint = "profile_detail")]
pub async fn profile_detail(id: String) -> Result<domain::views::ProfileDetail, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    herald
        .profile_detail(caller.sandbox_id(), &id)
        .await
        .map_err(to_server_error)
}

/// Replaces a profile's attributes with a JSON object typed in the browser. JSON that does not
/// read, or is not an object, is an answer (with the line and column): `Ok(Err(why))`.
#[server(endpoint = "save_profile_attributes")]
pub async fn save_profile_attributes(
    id: String,
    attributes: String,
) -> Result<Result<domain::views::ProfileView, String>, AppError> {
    let (herald, caller) = require(Permission::Edit).await?;
    let parsed: serde_json::Map<String, serde_json::Value> = match serde_json::from_str(&attributes)
    {
        Ok(map) => map,
        Err(e) => {
            return Ok(Err(format!(
                "The attributes are not a JSON object: {e} (line {}, column {}).",
                e.line(),
                e.column()
            )));
        }
    };
    match herald
        .set_profile_attributes(caller.sandbox_id(), &id, &parsed)
        .await
    {
        Ok(profile) => {
            tracing::info!(profile_id = %id, actor = %caller.actor(), "profile attributes saved in the browser");
            Ok(Ok(profile))
        }
        Err(e) if e.kind == backend::ErrorKind::Invalid => Ok(Err(answer_text(&e))),
        Err(e) => Err(to_server_error(e)),
    }
}

/// Erases a profile of the current sandbox (see `Herald::erase_profile`).
#[server(endpoint = "erase_profile")]
pub async fn erase_profile(id: String) -> Result<domain::views::Erasure, AppError> {
    let (herald, caller) = require(Permission::Edit).await?;
    herald
        .erase_profile(&caller, &id)
        .await
        .map_err(to_server_error)
}

/// The current sandbox's newest profile imports.
#[server(endpoint = "profile_imports")]
pub async fn profile_imports() -> Result<Vec<domain::profile_import::ImportView>, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    herald
        .profile_imports(caller.sandbox_id())
        .await
        .map_err(to_server_error)
}

/// The current sandbox's suppressed addresses and marketing opt-outs.
#[server(endpoint = "do_not_send")]
pub async fn do_not_send() -> Result<
    (
        Vec<domain::views::SuppressionView>,
        Vec<domain::views::OptOutView>,
    ),
    AppError,
> {
    let (herald, caller) = require(Permission::Read).await?;
    let suppressions = herald
        .suppressions(caller.sandbox_id())
        .await
        .map_err(to_server_error)?;
    let opt_outs = herald
        .opt_outs(caller.sandbox_id())
        .await
        .map_err(to_server_error)?;
    Ok((suppressions, opt_outs))
}

/// Lifts a suppression (`kind` = `suppression`) or a marketing opt-out (`opt_out`) of the
/// current sandbox.
#[server(endpoint = "lift_do_not_send")]
pub async fn lift_do_not_send(
    kind: String,
    channel: String,
    address: String,
) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Configure).await?;
    let lifted = match kind.as_str() {
        "suppression" => herald.lift_suppression(&caller, &channel, &address).await,
        _ => herald.lift_opt_out(&caller, &channel, &address).await,
    };
    lifted.map_err(to_server_error)
}

/// The current sandbox's webhooks.
#[server(endpoint = "list_webhooks")]
pub async fn list_webhooks() -> Result<Vec<domain::views::WebhookView>, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    herald
        .list_webhooks(caller.sandbox_id())
        .await
        .map_err(to_server_error)
}

/// Registers a webhook; answers its signing secret (shown once). A URL or event the rules
/// refuse is an answer: `Ok(Err(why))`.
#[server(endpoint = "add_webhook")]
pub async fn add_webhook(
    url: String,
    events: Vec<String>,
) -> Result<Result<String, String>, AppError> {
    let (herald, caller) = require(Permission::Configure).await?;
    let input = domain::webhook::WebhookInput { url, events };
    match herald.register_webhook(&caller, &input).await {
        Ok(registered) => {
            tracing::info!(webhook_id = %registered.webhook.id, actor = %caller.actor(), "webhook added in the browser");
            Ok(Ok(registered.secret))
        }
        Err(e) if e.kind == backend::ErrorKind::Invalid => Ok(Err(answer_text(&e))),
        Err(e) => Err(to_server_error(e)),
    }
}

/// A webhook's newest deliveries.
#[server(endpoint = "webhook_deliveries")]
pub async fn webhook_deliveries(
    id: String,
) -> Result<Vec<domain::views::WebhookDeliveryView>, AppError> {
    let (herald, caller) = require(Permission::Read).await?;
    herald
        .webhook_deliveries(caller.sandbox_id(), &id)
        .await
        .map_err(to_server_error)
}

/// Gives a webhook a new signing secret; answers it (shown once).
#[server(endpoint = "rotate_webhook_secret")]
pub async fn rotate_webhook_secret(id: String) -> Result<String, AppError> {
    let (herald, caller) = require(Permission::Configure).await?;
    herald
        .rotate_webhook_secret(&caller, &id)
        .await
        .map_err(to_server_error)
}

/// Deletes a webhook of the current sandbox (its pending events are dropped).
#[server(endpoint = "delete_webhook")]
pub async fn delete_webhook(id: String) -> Result<(), AppError> {
    let (herald, caller) = require(Permission::Configure).await?;
    herald
        .delete_webhook(&caller, &id)
        .await
        .map_err(to_server_error)
}
