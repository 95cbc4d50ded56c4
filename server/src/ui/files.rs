//! Profile files for the browser: the same imports and exports as the REST API
//! (`rest/profiles.rs`), for the signed-in user in the sandbox they work in. Uploads are
//! streamed and may take longer than a page may (no overall timeout; a stalled upload is cut
//! by the import itself).

use crate::rest::error::ApiError;
use crate::rest::profiles::attachment;
use app::session::session_caller;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use backend::profile_files::ImportRequest;
use backend::{Error, ErrorKind, Herald};
use domain::profile_import::FileFormat;
use domain::tenancy::Permission;
use domain::views::SandboxView;
use serde::Deserialize;
use tower_sessions::Session;

pub fn router(herald: Herald) -> Router {
    Router::new()
        .route("/files/profiles/import", post(import))
        .route("/files/profiles/export", get(export))
        .route("/files/profile-imports/{id}/errors", get(errors))
        .with_state(herald)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileQuery {
    format: Option<String>,
    file_name: Option<String>,
    audience_id: Option<String>,
}

async fn signed_in(
    herald: &Herald,
    session: &Session,
    permission: Permission,
) -> Result<SandboxView, ApiError> {
    Ok(session_caller(herald, session, permission).await?.sandbox)
}

fn format(raw: Option<&str>) -> Result<FileFormat, ApiError> {
    raw.unwrap_or("csv")
        .parse()
        .map_err(|m: String| Error::new(ErrorKind::Invalid, "invalid_format", m).into())
}

async fn import(
    State(herald): State<Herald>,
    session: Session,
    Query(query): Query<FileQuery>,
    request: Request,
) -> Result<Response, ApiError> {
    let sandbox = signed_in(&herald, &session, Permission::Edit).await?;
    let wanted = ImportRequest {
        import_id: None,
        format: format(query.format.as_deref())?,
        file_name: query.file_name.unwrap_or_default(),
        audience_id: query.audience_id.filter(|a| !a.is_empty()),
    };
    let body = request.into_body().into_data_stream();
    // In a task of its own, as the REST door does: a closed tab ends the body, not the import.
    let import =
        tokio::spawn(async move { herald.import_profiles(&sandbox.id, wanted, body).await })
            .await
            .map_err(Error::internal)??;
    Ok(axum::Json(import).into_response())
}

async fn export(
    State(herald): State<Herald>,
    session: Session,
    Query(query): Query<FileQuery>,
) -> Result<Response, ApiError> {
    let sandbox = signed_in(&herald, &session, Permission::Read).await?;
    let format = format(query.format.as_deref())?;
    let audience = query.audience_id.filter(|a| !a.is_empty());
    let stream = herald
        .export_profiles(&sandbox.id, audience.as_deref(), format)
        .await?;
    let name = audience.map_or("profiles".to_owned(), |a| format!("audience-{a}"));
    Ok(attachment(format, &name, Body::from_stream(stream)))
}

async fn errors(
    State(herald): State<Herald>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let sandbox = signed_in(&herald, &session, Permission::Read).await?;
    let report = herald.profile_import_errors_csv(&sandbox.id, &id).await?;
    Ok(attachment(
        FileFormat::Csv,
        &format!("import-{id}-errors"),
        report,
    ))
}
