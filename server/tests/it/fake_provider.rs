//! A local HTTP server standing in for an SMS gateway or a push service (HTTP/1.1 and HTTP/2
//! prior knowledge, like APNs). It records every request and answers from a script: replies
//! queued per path fragment, the last one repeating; unscripted paths answer 200 `{}`.

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri, Version};
use axum::response::{IntoResponse, Response};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    pub version: Version,
    pub headers: HeaderMap,
    pub body: String,
}

impl Recorded {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }

    pub fn form(&self) -> std::collections::HashMap<String, String> {
        url::form_urlencoded::parse(self.body.as_bytes())
            .into_owned()
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.to_string(),
        }
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

#[derive(Default)]
struct State {
    requests: Mutex<Vec<Recorded>>,
    scripts: Mutex<Vec<(String, VecDeque<Reply>)>>,
}

pub struct FakeProvider {
    pub base: String,
    state: Arc<State>,
}

impl FakeProvider {
    pub async fn start() -> Self {
        let state = Arc::new(State::default());
        let handler_state = state.clone();
        let app = axum::Router::new().fallback(
            move |uri: Uri, version: Version, headers: HeaderMap, body: Bytes| {
                let state = handler_state.clone();
                async move { answer(&state, uri, version, headers, body) }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { base, state }
    }

    /// Answers requests whose path contains `fragment` with `replies` in turn (the last repeats).
    pub fn script(&self, fragment: &str, replies: Vec<Reply>) {
        let mut scripts = self.state.scripts.lock().unwrap();
        scripts.retain(|(f, _)| f != fragment);
        scripts.push((fragment.into(), replies.into()));
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().unwrap().clone()
    }

    /// The requests whose path contains `fragment`.
    pub fn requests_to(&self, fragment: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path.contains(fragment))
            .collect()
    }
}

fn answer(state: &State, uri: Uri, version: Version, headers: HeaderMap, body: Bytes) -> Response {
    let path = uri.path().to_owned();
    state.requests.lock().unwrap().push(Recorded {
        path: path.clone(),
        version,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let reply = {
        let mut scripts = state.scripts.lock().unwrap();
        scripts
            .iter_mut()
            .find(|(fragment, _)| path.contains(fragment.as_str()))
            .and_then(|(_, queue)| {
                if queue.len() > 1 {
                    queue.pop_front()
                } else {
                    queue.front().cloned()
                }
            })
    };
    let reply = reply.unwrap_or_else(|| Reply::json(200, serde_json::json!({})));
    let mut response = (StatusCode::from_u16(reply.status).unwrap(), reply.body).into_response();
    for (name, value) in reply.headers {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}
