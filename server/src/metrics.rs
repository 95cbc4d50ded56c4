//! `GET /metrics` in Prometheus' text format, and the middleware that times every request.
//!
//! The endpoint is on only when `HERALD_METRICS_TOKEN` is set, and then asks for it as a bearer
//! token. Off, no recorder is installed and recording a metric costs nothing. What is measured,
//! and the rule that keeps people's ids out of labels, is in `backend::telemetry`.

use crate::rest::error::ApiError;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use backend::telemetry::{self, LATENCY_BUCKETS};
use backend::{Error, ErrorKind, Herald};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;
use std::time::Instant;

/// The process's recorder: installed once, by the first router built with metrics on.
static RECORDER: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

fn recorder() -> Option<&'static PrometheusHandle> {
    RECORDER
        .get_or_init(|| {
            let installed = PrometheusBuilder::new()
                .set_buckets(LATENCY_BUCKETS)
                .and_then(PrometheusBuilder::install_recorder);
            match installed {
                Ok(handle) => {
                    telemetry::describe();
                    Some(handle)
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot install the metrics recorder; /metrics is off");
                    None
                }
            }
        })
        .as_ref()
}

/// `GET /metrics`, and the request timing on every route of `router`, if metrics are on.
pub fn serve(router: Router, herald: Herald) -> Router {
    if herald.settings().metrics_token.is_none() {
        return router.route("/metrics", get(metrics_off));
    }
    let Some(handle) = recorder() else {
        return router.route("/metrics", get(metrics_off));
    };
    router
        .route("/metrics", get(scrape).with_state((herald, handle)))
        .layer(axum::middleware::from_fn(time_request))
}

async fn metrics_off() -> ApiError {
    Error::new(
        ErrorKind::NotFound,
        "metrics_off",
        "Metrics are off: set HERALD_METRICS_TOKEN to serve them here.",
    )
    .into()
}

async fn scrape(
    State((herald, handle)): State<(Herald, &'static PrometheusHandle)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let expected = herald.settings().metrics_token.as_ref().map(|t| &t.0);
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    // Digests compared, so the time taken says nothing about the token.
    let digest = |s: &str| Sha256::digest(s.as_bytes());
    if sent.map(digest) != expected.map(|t| digest(t)) {
        let mut response = ApiError::from(Error::new(
            ErrorKind::Unauthorized,
            "invalid_metrics_token",
            "Send the metrics token (HERALD_METRICS_TOKEN) as 'Authorization: Bearer <token>'.",
        ))
        .into_response();
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return Ok(response);
    }
    herald.gauges().await?.publish();
    handle.run_upkeep();
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        handle.render(),
    )
        .into_response())
}

/// Times a request by its route's template (a path may hold a person's address; a template
/// does not). Requests no route matched share one label.
async fn time_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    // Only the standard methods are labels of their own: a client may send any word.
    let method: &'static str = match request.method().as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    };
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let response = next.run(request).await;
    telemetry::http_request(method, route, response.status().as_u16(), started.elapsed());
    response
}
