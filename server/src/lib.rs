//! The `herald` binary's library: command line, start-up, and the HTTP router.
//!
//! Two doors into one backend: [`rest`] serves the external execution API (API keys) and
//! [`ui`] serves the Leptos app and its server functions (sessions). Errors become HTTP
//! responses in exactly one place, [`rest::error`].

pub mod cli;
mod metrics;
mod rate_limit;
mod receipts;
pub mod rest;
mod tracking;
pub mod ui;
mod unsubscribe;

use backend::{Herald, Settings};
use clap::{Parser, Subcommand};
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;

#[derive(Parser, Debug)]
#[command(name = "herald", version, about = "API-triggered messaging campaigns")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Start the server (the default).
    Serve,
    /// Manage marketers' accounts.
    #[command(subcommand)]
    User(cli::UserCommand),
    /// Manage API keys.
    #[command(subcommand, name = "api-key")]
    ApiKey(cli::ApiKeyCommand),
    /// Manage sandboxes (isolated spaces of an organisation).
    #[command(subcommand)]
    Sandbox(cli::SandboxCommand),
    /// Work on databases directly (Herald need not run): move an install to PostgreSQL.
    #[command(subcommand)]
    Db(cli::DbCommand),
    /// Apply the sandboxes' data retention now, or see what it would remove.
    #[command(subcommand)]
    Retention(cli::RetentionCommand),
}

/// Logs to stderr: what `HERALD_LOG` lets through (default `info`), as text or, with
/// `HERALD_LOG_FORMAT=json`, one JSON object per line with the fields of its spans.
pub fn init_tracing() -> anyhow::Result<()> {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("HERALD_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let format = std::env::var("HERALD_LOG_FORMAT").unwrap_or_default();
    let _ = match format.trim() {
        "" | "text" => logs.try_init(),
        "json" => logs
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(true)
            .try_init(),
        other => anyhow::bail!("HERALD_LOG_FORMAT is not valid: {other:?} (use text or json)"),
    };
    Ok(())
}

/// Starts Herald with settings from the environment and serves until Ctrl-C or SIGTERM.
pub async fn serve() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let listener = TcpListener::bind(settings.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.listen))?;
    let herald = Herald::start(settings).await?;
    if let Some(b) = herald.bootstrap_if_empty().await? {
        print_bootstrap(&herald, &b);
    }
    run(herald, listener, shutdown_signal()).await
}

/// Serves `herald` on `listener` until `shutdown` completes, with its background loops running.
/// Tests call this with a listener on port 0.
pub async fn run(
    herald: Herald,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let s = herald.settings();
    tracing::info!(
        address = %listener.local_addr()?,
        public_url = %s.public_url,
        database = %s.database_url_redacted(),
        sqlite_synchronous = ?s.sqlite_synchronous,
        email = if s.smtp_url.is_some() { "smtp relay" } else { "local capture (no HERALD_SMTP_URL)" },
        "Herald is listening"
    );
    let router = router(herald.clone()).await?;
    let background = backend::background::Background::start(&herald).await;
    serve_http(listener, router, shutdown).await;
    background.stop().await;
    Ok(())
}

/// A client must send a request's headers within this long: on a new connection, and between
/// requests on a kept-alive one (so an idle connection is closed then).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves HTTP/1.1 and HTTP/2 until `shutdown`, with the timeouts `axum::serve` has no options
/// for; then lets the requests under way finish (for at most 30 s).
async fn serve_http(
    listener: TcpListener,
    router: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;
    use tower::Service;
    let mut make = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let mut http = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    http.http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    http.http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Duration::from_secs(30))
        .keep_alive_timeout(HEADER_READ_TIMEOUT);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, most likely: wait a moment instead of spinning.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let Ok(service) = make.call(peer).await;
        let connection = http
            .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service))
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection closed with an error");
            }
        });
    }
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(30)) => {
            tracing::warn!("requests still under way after 30 s; stopping anyway");
        }
    }
}

/// The whole HTTP surface, with a request id, a trace span and the security headers on every
/// response.
pub async fn router(herald: Herald) -> anyhow::Result<axum::Router> {
    let routes = rest::router(herald.clone())
        .merge(unsubscribe::router(herald.clone()))
        .merge(tracking::router(herald.clone()))
        .merge(receipts::router(herald.clone()))
        .merge(ui::router(herald.clone()).await?);
    Ok(with_request_tracing(metrics::serve(routes, herald))
        .layer(axum::middleware::from_fn(security_headers)))
}

/// Every request gets an `x-request-id` (the client's if it sent a fit one: at most 64 letters,
/// digits, `-`, `_` or `.`), echoed in the response and named by the span its logs are written
/// in, with the method and the route's template (never the path: it may hold an address).
fn with_request_tracing(router: axum::Router) -> axum::Router {
    use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
    use tower_http::trace::TraceLayer;
    let span = |request: &axum::http::Request<axum::body::Body>| {
        let route = request
            .extensions()
            .get::<axum::extract::MatchedPath>()
            .map_or("unmatched", |p| p.as_str());
        let id = request
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        tracing::info_span!("request", method = %request.method(), route, request_id = id)
    };
    router.layer(
        tower::ServiceBuilder::new()
            .layer(axum::middleware::from_fn(drop_unfit_request_id))
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(TraceLayer::new_for_http().make_span_with(span))
            .layer(PropagateRequestIdLayer::x_request_id()),
    )
}

async fn drop_unfit_request_id(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let fit = |v: &axum::http::HeaderValue| {
        let b = v.as_bytes();
        !b.is_empty()
            && b.len() <= 64
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(c))
    };
    if request
        .headers()
        .get("x-request-id")
        .is_some_and(|v| !fit(v))
    {
        request.headers_mut().remove("x-request-id");
    }
    next.run(request).await
}

/// Headers every response carries. Pages set their own Content Security Policy (with the
/// response's nonce, see `app::shell`); anything else gets a strict one. Nothing but the static
/// bundle may be stored by a cache: pages and API answers hold personal data.
async fn security_headers(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let path = request.uri().path();
    let static_asset = path.starts_with("/pkg/") || path == "/favicon.ico";
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |name, value| (name, HeaderValue::from_static(value));
    for (name, value) in [
        set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        set(header::X_FRAME_OPTIONS, "DENY"),
        set(header::REFERRER_POLICY, "same-origin"),
    ] {
        headers.insert(name, value);
    }
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ));
    if !static_asset {
        headers
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
    response
}

fn print_bootstrap(herald: &Herald, b: &backend::accounts::Bootstrap) {
    let url = &herald.settings().public_url;
    println!(
        "\n  Herald's first start: an admin account and an API key were created.\n  \
         They are shown only now; keep them.\n\n    \
         Sign in at   {url}/login\n    \
         Email        {}\n    \
         Password     {}\n    \
         API key      {}\n\n  \
         export HERALD_API_KEY={}\n",
        b.email, b.password, b.api_key, b.api_key
    );
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down");
}
