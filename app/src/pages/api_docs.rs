use crate::components::Layout;
use leptos::prelude::*;

const TRIGGER: &str = r#"curl -sS -X POST "$HERALD_URL/ajo/im/executions/unitary" \
  -H "Authorization: Bearer $HERALD_API_KEY" \
  -H 'Content-Type: application/json' \
  -d '{
    "requestId": "reset-4711",
    "campaignId": "<Campaign ID>",
    "recipients": [{
      "type": "external",
      "userId": "ada@example.org",
      "namespace": "email",
      "profile": {"person": {"name": {"firstName": "Ada"}}},
      "context": {"resetUrl": "https://shop.example/reset/abc"}
    }]
  }'
# 202 {"executionId":"…","requestId":"reset-4711","createdAt":"…","createdBy":"…","modifiedAt":"…","modifiedBy":"…"}"#;

const DRY_RUN: &str = r#"curl -sS -X POST "$HERALD_URL/ajo/im/executions/unitary?dryRun=true" \
  -H "Authorization: Bearer $HERALD_API_KEY" -H 'Content-Type: application/json' -d @call.json
# 200 {"dryRun":true,"recipients":[{"outcome":"would_send","address":"…","rendered":{"subject":"…",…}}]}"#;

const STATUS: &str = r#"curl -sS "$HERALD_URL/ajo/im/executions/unitary/<executionId>" \
  -H "Authorization: Bearer $HERALD_API_KEY"
# 200 {"executionId":"…","recipients":[{"messageId":"…","status":"sent","attempts":[…]}]}"#;

const ERROR: &str = r#"# 400 {"type":"urn:herald:error:invalid_recipient","title":"…","status":400,
#      "code":"invalid_recipient",
#      "errors":[{"field":"recipients[1].context.resetUrl","message":"is required by the campaign"}],
#      "report":{"additionalContext":{"requestId":"reset-4711","campaignId":"…"}}}"#;

const AUDIENCE: &str = r#"curl -sS -X POST "$HERALD_URL/ajo/im/executions/audience" \
  -H "Authorization: Bearer $HERALD_API_KEY" -H 'Content-Type: application/json' \
  -d '{"requestId": "december-news", "campaignId": "<Campaign ID>",
       "audience": {"id": "<Audience ID>"}, "context": {"issue": "December"}}'
# 202 {"executionId":"…","requestId":"december-news",…}
curl -sS "$HERALD_URL/ajo/im/executions/audience/<executionId>" -H "Authorization: Bearer $HERALD_API_KEY"
# 200 {"status":"InProgress","targetedProfileCount":120000,"queued":48000,"sent":46210,…}"#;

const MANAGE: &str = r#"curl -sS -X POST "$HERALD_URL/api/v1/campaigns" \
  -H "Authorization: Bearer $HERALD_ADMIN_KEY" -H 'Content-Type: application/json' \
  -d '{"title": "Order shipped", "subject": "Order {{context.orderId}} shipped",
       "textBody": "Track it: {{context.trackingUrl}}"}'
curl -sS -X POST "$HERALD_URL/api/v1/campaigns/<id>/activate" -H "Authorization: Bearer $HERALD_ADMIN_KEY"
curl -sS -X PUT "$HERALD_URL/api/v1/profiles/email/ada@example.org" \
  -H "Authorization: Bearer $HERALD_ADMIN_KEY" -H 'Content-Type: application/json' \
  -d '{"attributes": {"person": {"name": {"firstName": "Ada"}}}}'"#;

/// The REST API for people: what to send, what comes back, with examples to paste.
#[component]
pub fn ApiDocsPage() -> impl IntoView {
    let routes = [
        (
            "POST",
            "/ajo/im/executions/unitary",
            "trigger a live campaign for 1 to 20 recipients (?dryRun=true: render only)",
        ),
        (
            "GET",
            "/ajo/im/executions/unitary/{executionId}",
            "each recipient's message, status and attempts",
        ),
        (
            "POST",
            "/ajo/im/executions/highthroughput",
            "the unitary call for \"external\" recipients only: no profile is read",
        ),
        (
            "POST",
            "/ajo/im/executions/audience",
            "send a live campaign to every member of an audience, now or at schedule.executeAt",
        ),
        (
            "GET",
            "/ajo/im/executions/audience/{executionId}",
            "an audience send: status, members targeted, queued, sent, failed, excluded",
        ),
        (
            "GET, DELETE",
            "/ajo/im/executions/schedules/{scheduleId}",
            "a scheduled send; delete it before its time",
        ),
        (
            "GET",
            "/ajo/im/health",
            "UP when the database answers (no key needed)",
        ),
        (
            "GET, POST",
            "/api/v1/campaigns",
            "list campaigns; create a draft (admin keys)",
        ),
        (
            "GET, PUT, DELETE",
            "/api/v1/campaigns/{id}",
            "read; edit a draft; delete a draft",
        ),
        (
            "POST",
            "/api/v1/campaigns/{id}/activate | stop | archive | duplicate",
            "the lifecycle",
        ),
        (
            "GET, PUT, DELETE",
            "/api/v1/profiles/{namespace}/{identity}",
            "read, create or replace, delete a profile",
        ),
        (
            "POST",
            "/api/v1/profiles/import",
            "import a CSV or NDJSON file of profiles (streamed, resumable)",
        ),
        (
            "GET",
            "/api/v1/profile-imports[/{id}[/errors]]",
            "imports, one import, its error report (CSV)",
        ),
        (
            "GET",
            "/api/v1/profiles/export",
            "the sandbox's profiles or an audience as CSV or NDJSON",
        ),
        (
            "GET, POST, PUT, DELETE",
            "/api/v1/audiences[/{id}[/members | /count]]",
            "audiences: static lists or rules; their members and size",
        ),
        (
            "GET",
            "/api/v1/messages/{id}",
            "one message with every delivery attempt",
        ),
        (
            "GET, DELETE",
            "/api/v1/suppressions[/{channel}/{address}]",
            "suppressed addresses (hard bounces); lift one",
        ),
        (
            "GET, DELETE",
            "/api/v1/opt-outs[/{channel}/{address}]",
            "marketing opt-outs (unsubscribe links used); lift one",
        ),
        (
            "GET, POST, DELETE",
            "/api/v1/webhooks[/{id}[/deliveries | /rotate-secret]]",
            "webhooks: add, list, delete; deliveries; a new signing secret",
        ),
    ];
    view! {
        <Layout>
            <h1>"API"</h1>
            <p class="hint">
                "Send an API key as 'Authorization: Bearer <key>' or 'x-api-key: <key>' (make keys on the "
                <a href="/settings/api-keys">"API keys"</a>" page). 'x-gw-ims-org-id' and 'x-sandbox-name' are optional; "
                "if sent they must name the key's sandbox. The machine-readable description is "
                <a href="/openapi.json">"/openapi.json"</a>" (OpenAPI 3.1)."
            </p>
            <table class="list">
                <thead><tr><th>"Method"</th><th>"Path"</th><th>"Does"</th></tr></thead>
                <tbody>
                    {routes.into_iter().map(|(method, path, does)| view! {
                        <tr><td><code>{method}</code></td><td><code>{path}</code></td><td>{does}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <section class="card">
                <h2>"Trigger a campaign"</h2>
                <p class="hint">
                    "Recipients of type \"external\" need no stored profile; \"aep\" recipients are looked up by namespace and userId. "
                    "The requestId (or an Idempotency-Key header) makes retries safe: a repeat gets the first answer back."
                </p>
                <pre class="code">{TRIGGER}</pre>
                <h2>"Dry run"</h2>
                <pre class="code">{DRY_RUN}</pre>
                <h2>"Status of what you triggered"</h2>
                <pre class="code">{STATUS}</pre>
                <h2>"Send to an audience"</h2>
                <p class="hint">
                    "One call for everyone in an audience (leave \"audience\" out for the campaign's own), with one context for all. "
                    "Add \"schedule\": {\"executeAt\": \"2026-12-24T09:00:00Z\"} to send later."
                </p>
                <pre class="code">{AUDIENCE}</pre>
                <h2>"Errors"</h2>
                <p class="hint">"Every error has the same shape, a stable code and the fields to fix."</p>
                <pre class="code">{ERROR}</pre>
            </section>
            <section class="card">
                <h2>"Management API (admin keys)"</h2>
                <pre class="code">{MANAGE}</pre>
            </section>
        </Layout>
    }
}
