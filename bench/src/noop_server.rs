//! The HTTP ceiling: axum on the same runtime shape, parsing the same JSON, doing nothing else.

use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::post;
use domain::trigger::UnitaryRequest;

pub async fn serve() -> anyhow::Result<()> {
    let app = Router::new().route(
        "/ajo/im/executions/unitary",
        post(|body: Bytes| async move {
            match serde_json::from_slice::<UnitaryRequest>(&body) {
                Ok(r) => (
                    StatusCode::ACCEPTED,
                    format!("{{\"requestId\":{:?}}}", r.request_id.unwrap_or_default()),
                ),
                Err(_) => (StatusCode::BAD_REQUEST, String::new()),
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("PORT {}", listener.local_addr()?.port());
    axum::serve(listener, app).await?;
    Ok(())
}
