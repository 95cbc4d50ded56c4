//! Profiles over the management API: one profile by identity, and profile files: imports
//! (streamed CSV or NDJSON, resumable) and exports of the sandbox or an audience.

use super::RestState;
use super::auth::AdminCaller;
use super::dto::{ErrorBody, ImportList, ProfileInput};
use super::error::ApiError;
use super::json::JsonBody;
use super::parse_query;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use backend::Error;
use backend::profile_files::ImportRequest;
use domain::ValidationError;
use domain::profile_import::{FileFormat, ImportView};
use domain::views::ProfileView;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This resource's operations, each its route and its OpenAPI operation.
pub(super) fn routes() -> OpenApiRouter<RestState> {
    OpenApiRouter::new()
        .routes(routes!(get_profile, put_profile, delete_profile))
        .routes(routes!(list_imports))
        .routes(routes!(get_import))
        .routes(routes!(import_errors))
}

/// The profile files' operations: streamed, without the overall timeout (see `super::router`).
pub(super) fn transfers() -> OpenApiRouter<RestState> {
    OpenApiRouter::new()
        .routes(routes!(import_profiles))
        .routes(routes!(export_profiles))
}

/// The profile known by an identity, e.g. `/api/v1/profiles/email/jane@example.com`.
#[utoipa::path(get, path = "/api/v1/profiles/{namespace}/{identity}", tag = "management",
    params(("namespace" = String, Path), ("identity" = String, Path)),
    responses(
        (status = 200, body = ProfileView),
        (status = 404, body = ErrorBody),
    ))]
pub async fn get_profile(
    State(state): State<RestState>,
    Path((namespace, identity)): Path<(String, String)>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<ProfileView>, ApiError> {
    let profile = state
        .herald
        .profile(&caller.sandbox.id, &namespace, &identity)
        .await?;
    Ok(Json(profile))
}

/// Creates the profile known by an identity, or replaces its attributes; links more identities.
#[utoipa::path(put, path = "/api/v1/profiles/{namespace}/{identity}", tag = "management",
    params(("namespace" = String, Path), ("identity" = String, Path)), request_body = ProfileInput,
    responses(
        (status = 200, description = "Updated", body = ProfileView),
        (status = 201, description = "Created", body = ProfileView),
        (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
    ))]
pub async fn put_profile(
    State(state): State<RestState>,
    Path((namespace, identity)): Path<(String, String)>,
    AdminCaller(caller): AdminCaller,
    JsonBody(input): JsonBody<ProfileInput>,
) -> Result<Response, ApiError> {
    let (profile, created) = state
        .herald
        .upsert_profile(
            &caller.sandbox.id,
            (&namespace, &identity),
            &input.identities,
            &input.attributes,
        )
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(profile)).into_response())
}

/// Erases the profile known by an identity: deletes it with all its identities and removes the
/// address and content of its finished messages; the audit records who did it, not the data.
#[utoipa::path(delete, path = "/api/v1/profiles/{namespace}/{identity}", tag = "management",
    params(("namespace" = String, Path), ("identity" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, body = ErrorBody),
    ))]
pub async fn delete_profile(
    State(state): State<RestState>,
    Path((namespace, identity)): Path<(String, String)>,
    AdminCaller(caller): AdminCaller,
) -> Result<StatusCode, ApiError> {
    state
        .herald
        .delete_profile(&caller, &namespace, &identity)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Where an upload goes.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// `csv` or `ndjson`; without it, read from the `Content-Type` (`text/csv`,
    /// `application/x-ndjson`).
    format: Option<String>,
    /// Go on with this import after an interruption (send the same file again), or give a new
    /// import this id (a UUID of yours).
    import_id: Option<String>,
    /// Add every imported profile to this static audience.
    audience_id: Option<String>,
    /// The file's name, to recognise the import later.
    file_name: Option<String>,
}

/// Which profiles to export, and how.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `csv` (the default) or `ndjson`.
    format: Option<String>,
    /// Only this audience's members (static or rule-based).
    audience_id: Option<String>,
}

fn format_of(raw: Option<&str>, headers: &HeaderMap) -> Result<FileFormat, ApiError> {
    let from_type = || {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if content_type.starts_with("text/csv") {
            Some("csv")
        } else if content_type.contains("ndjson") || content_type.contains("jsonl") {
            Some("ndjson")
        } else {
            None
        }
    };
    let raw = raw.or_else(from_type).ok_or_else(|| {
        Error::from(ValidationError::single(
            "invalid_query",
            "format",
            "say the file's format: ?format=csv or ?format=ndjson (or a Content-Type of text/csv \
             or application/x-ndjson)",
        ))
    })?;
    raw.parse().map_err(|m: String| {
        Error::from(ValidationError::single("invalid_query", "format", m)).into()
    })
}

/// Imports profiles from a CSV or NDJSON file sent as the body, read while it arrives (no size
/// limit). CSV: columns named after an identity namespace (`email`, `crmId`, …) are identities,
/// the others dotted attribute paths (`person.name.firstName`); empty cells set nothing. NDJSON:
/// one `{"identities": [...], "attributes": {...}}` per line. Attributes are laid over the
/// stored ones, so importing a file again changes nothing. Rows are committed in batches with
/// the import's checkpoint: if the upload breaks off, send the same file again with `importId`
/// and it goes on after the last stored row. Refused rows are listed (row, column, reason), all
/// of them in the error report.
#[utoipa::path(post, path = "/api/v1/profiles/import", tag = "management",
    params(ImportParams),
    request_body(content = String, content_type = "text/csv", description = "The file (CSV or NDJSON)"),
    responses(
        (status = 200, body = ImportView, description = "The import as it ended"),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ))]
pub async fn import_profiles(
    State(state): State<RestState>,
    RawQuery(raw): RawQuery,
    AdminCaller(caller): AdminCaller,
    request: Request,
) -> Result<Json<ImportView>, ApiError> {
    let params: ImportParams = parse_query(raw.as_deref())?;
    let format = format_of(params.format.as_deref(), request.headers())?;
    let import_id = match params.import_id.as_deref() {
        Some(id) => Some(id.parse().map_err(|_| {
            Error::from(ValidationError::single(
                "invalid_query",
                "importId",
                "is not an import id (a UUID)",
            ))
        })?),
        None => None,
    };
    let body = request.into_body().into_data_stream();
    let request = ImportRequest {
        import_id,
        format,
        file_name: params.file_name.unwrap_or_default(),
        audience_id: params.audience_id,
    };
    // In a task of its own: a client that goes away mid-upload ends the body, not the import,
    // which records where it stopped.
    let herald = state.herald.clone();
    let import = tokio::spawn(async move {
        herald
            .import_profiles(&caller.sandbox.id, request, body)
            .await
    })
    .await
    .map_err(Error::internal)??;
    Ok(Json(import))
}

/// The sandbox's 50 newest profile imports.
#[utoipa::path(get, path = "/api/v1/profile-imports", tag = "management",
    responses(
        (status = 200, body = ImportList),
    ))]
pub async fn list_imports(
    State(state): State<RestState>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<ImportList>, ApiError> {
    let items = state.herald.profile_imports(&caller.sandbox.id).await?;
    Ok(Json(ImportList { items }))
}

/// A profile import: where it stands, its counts and its first 100 refused rows.
#[utoipa::path(get, path = "/api/v1/profile-imports/{importId}", tag = "management",
    params(("importId" = String, Path)),
    responses(
        (status = 200, body = ImportView),
        (status = 404, body = ErrorBody),
    ))]
pub async fn get_import(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
) -> Result<Json<ImportView>, ApiError> {
    Ok(Json(
        state.herald.profile_import(&caller.sandbox.id, &id).await?,
    ))
}

/// An import's error report: every refused row (up to 10,000) as CSV `row,column,reason`.
#[utoipa::path(get, path = "/api/v1/profile-imports/{importId}/errors", tag = "management",
    params(("importId" = String, Path)),
    responses(
        (status = 200, body = String, content_type = "text/csv"),
        (status = 404, body = ErrorBody),
    ))]
pub async fn import_errors(
    State(state): State<RestState>,
    Path(id): Path<String>,
    AdminCaller(caller): AdminCaller,
) -> Result<Response, ApiError> {
    let report = state
        .herald
        .profile_import_errors_csv(&caller.sandbox.id, &id)
        .await?;
    Ok(attachment(
        FileFormat::Csv,
        &format!("import-{id}-errors"),
        report,
    ))
}

/// Exports the sandbox's profiles, or an audience's members, as CSV (one column per identity
/// namespace and attribute path) or NDJSON (which imports back unchanged), written as it is
/// read. CSV cells a spreadsheet would take for a formula start with `'`.
#[utoipa::path(get, path = "/api/v1/profiles/export", tag = "management",
    params(ExportParams),
    responses(
        (status = 200, description = "CSV or NDJSON",
            content((String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
    ))]
pub async fn export_profiles(
    State(state): State<RestState>,
    RawQuery(raw): RawQuery,
    AdminCaller(caller): AdminCaller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params: ExportParams = parse_query(raw.as_deref())?;
    let format = format_of(Some(params.format.as_deref().unwrap_or("csv")), &headers)?;
    let stream = state
        .herald
        .export_profiles(&caller.sandbox.id, params.audience_id.as_deref(), format)
        .await?;
    let name = params
        .audience_id
        .map_or("profiles".to_owned(), |a| format!("audience-{a}"));
    Ok(attachment(format, &name, Body::from_stream(stream)))
}

/// A file to download.
pub(crate) fn attachment(format: FileFormat, name: &str, body: impl Into<Body>) -> Response {
    (
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{format}\""),
            ),
        ],
        body.into(),
    )
        .into_response()
}
