//! Template bombs against the real binary: every one is refused (when saved) or stopped at a
//! limit (when rendered) with an error naming it, the process stays up, and the runtime keeps
//! answering health checks while hostile renders run.

use crate::process::{self, Server};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

struct Hostile {
    server: Server,
    admin: String,
    trigger_key: String,
    http: reqwest::Client,
    _data: tempfile::TempDir,
}

async fn start() -> Hostile {
    let data = tempfile::tempdir().unwrap();
    let port = process::free_port();
    let admin = process::create_key(data.path(), port, &[], "admin");
    let trigger_key = process::create_key(data.path(), port, &[], "trigger");
    let server = Server::start(process::herald(data.path(), port, &[]), port).await;
    Hostile {
        server,
        admin,
        trigger_key,
        http: reqwest::Client::new(),
        _data: data,
    }
}

impl Hostile {
    async fn post(&self, key: &str, path: &str, body: &Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.server.base))
            .bearer_auth(key)
            .json(body)
            .send()
            .await
            .expect("the server answers (it did not abort)");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    }

    /// Creates a campaign; its status and answer.
    async fn campaign(&self, subject: &str, html: &str, text: &str) -> (u16, Value) {
        let body = json!({"title": "Bomb", "subject": subject, "htmlBody": html, "textBody": text});
        self.post(&self.admin, "/api/v1/campaigns", &body).await
    }
}

fn field_errors(answer: &Value) -> String {
    answer["errors"].to_string()
}

#[tokio::test]
async fn templates_that_would_recurse_or_explode_are_refused_when_saved_naming_the_part() {
    let mut h = start().await;
    let deep_if = format!("{}x{}", "{{#if a}}".repeat(3_000), "{{/if}}".repeat(3_000));
    let inline_bomb = "{{#*inline \"a\"}}xxxxxxxxxx{{/inline}}{{#*inline \"b\"}}{{> a}}{{> a}}{{> a}}{{/inline}}{{> b}}";
    let cases = [
        (
            "{{> textBody}}",
            "",
            "{{> subject}}",
            "subject",
            "includes the fragment “textBody”",
        ),
        (
            "Hi",
            "",
            "{{> subject}}",
            "textBody",
            "includes the fragment “subject”",
        ),
        (
            "Hi",
            deep_if.as_str(),
            "x",
            "htmlBody",
            "nests blocks more than 32 deep",
        ),
        ("Hi", inline_bomb, "x", "htmlBody", "decorator"),
        (
            "Hi",
            "{{#> layout}}x{{/layout}}",
            "x",
            "htmlBody",
            "includes another template in a form Herald does not support",
        ),
        (
            "Hi",
            "x",
            "{{log context.secret}}",
            "textBody",
            "helper log",
        ),
    ];
    for (subject, html, text, part, says) in cases {
        let (status, answer) = h.campaign(subject, html, text).await;
        assert_eq!(status, 400, "{part}: {answer}");
        let errors = field_errors(&answer);
        assert!(
            errors.contains(&format!("\"field\":\"{part}\"")) && errors.contains(says),
            "{part} / {says}: {errors}"
        );
    }
    assert!(h.server.is_running());
}

#[tokio::test]
async fn a_loop_bomb_in_a_trigger_stops_at_the_limit_and_health_stays_fast() {
    let mut h = start().await;
    let (status, created) = h
        .campaign(
            "Order",
            "{{#each context.items}}{{#each ../context.items}}<p>{{name}}</p>{{/each}}{{/each}}",
            "Your order",
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap();
    let (status, _) = h
        .post(
            &h.admin,
            &format!("/api/v1/campaigns/{id}/activate"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200);
    // ~186 KB of context, as a trigger-only key may send it.
    let items: Vec<Value> = (0..6_000)
        .map(|i| json!({"name": format!("item-{i:05}-padding")}))
        .collect();
    let call = |n: usize| {
        json!({"requestId": format!("bomb-{n}"), "campaignId": id, "recipients": [{
            "type": "external", "userId": "ada@example.org", "namespace": "email",
            "context": {"items": items}}]})
    };
    let base = h.server.base.clone();
    let bombs: Vec<_> = (0..4)
        .map(|n| {
            let (http, key, body) = (h.http.clone(), h.trigger_key.clone(), call(n));
            let url = format!("{base}/ajo/im/executions/unitary?dryRun=true");
            tokio::spawn(async move {
                let started = Instant::now();
                let r = http
                    .post(url)
                    .bearer_auth(key)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                (
                    r.status().as_u16(),
                    r.json::<Value>().await.unwrap(),
                    started.elapsed(),
                )
            })
        })
        .collect();
    // While the bombs render, the runtime answers health checks at once.
    let mut slowest = Duration::ZERO;
    for _ in 0..10 {
        let started = Instant::now();
        let health = h
            .http
            .get(format!("{base}/ajo/im/health"))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 200);
        slowest = slowest.max(started.elapsed());
    }
    for bomb in bombs {
        let (status, answer, took) = bomb.await.unwrap();
        assert_eq!(status, 400, "{answer}");
        assert!(
            field_errors(&answer).contains("loops ran more than 10000 times"),
            "{answer}"
        );
        assert!(took < Duration::from_secs(3), "a bomb took {took:?}");
    }
    assert!(
        slowest < Duration::from_millis(500),
        "health took {slowest:?}"
    );
    // The real call is refused the same way, and nothing was accepted.
    let (status, answer) = h
        .post(&h.trigger_key, "/ajo/im/executions/unitary", &call(9))
        .await;
    assert_eq!(status, 400, "{answer}");
    assert!(h.server.is_running());
}
