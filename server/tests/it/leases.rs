//! Leases: a worker that stalls past its lease loses the message to another worker, and its late
//! result cannot overwrite the newer attempt's outcome.

use crate::support::{SmtpSink, TestApp};
use backend::clock::now_ms;
use backend::store::messages::{self, Attempt, Outcome};
use domain::delivery::{AttemptOutcome, ReportedStatus};
use serde_json::json;

#[tokio::test]
async fn a_stalled_workers_late_result_does_not_overwrite_the_newer_attempt() {
    let sink = SmtpSink::start();
    let app = TestApp::start(Some(sink.url())).await;
    let campaign = app.campaign("Hi", "", "Hello", true).await;
    let body = json!({"requestId": "lease", "campaignId": campaign.to_string(),
                      "recipients": [{"type": "external", "userId": "ada@example.com", "namespace": "email"}]});
    assert_eq!(app.trigger(&body).await.0, 202);

    // The stalled worker claims the message with a lease that ends at once, then hangs.
    let now = now_ms();
    let mut conn = app.herald.store().acquire().await.unwrap();
    let stalled = messages::claim_due(&mut conn, "stalled-worker", now, now + 1, 10)
        .await
        .unwrap();
    drop(conn);
    assert_eq!(stalled.len(), 1);
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;

    // Another worker finds the lease expired, takes the message and sends it.
    app.herald.drain_outbox().await.unwrap();
    assert_eq!(sink.messages().len(), 1);

    // The stalled worker wakes up with a failure: it is ignored.
    let mut conn = app.herald.store().acquire().await.unwrap();
    let late = Attempt {
        message_id: stalled[0].outgoing.id,
        lease_token: "stalled-worker",
        attempt: stalled[0].attempts,
        started_at: now,
        finished_at: now_ms(),
        provider: "smtp",
        outcome: Outcome::Failed(domain::report::Failure::Rejected),
        detail: Some("SMTP timeout"),
    };
    assert!(
        messages::finish_attempts(&mut conn, &[late])
            .await
            .unwrap()
            .is_empty()
    );
    drop(conn);
    let (message, attempts) = app
        .herald
        .message(
            domain::tenancy::DEFAULT_SANDBOX_ID,
            &stalled[0].outgoing.id.to_string(),
        )
        .await
        .unwrap();
    assert_eq!(message.status, ReportedStatus::Sent);
    assert_eq!(attempts.len(), 1, "only the newer attempt is recorded");
    assert_eq!(attempts[0].outcome, AttemptOutcome::Sent);
}
