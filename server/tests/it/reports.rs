//! Campaign reports: a known set of sends, refusals by a real SMTP server, retries, an
//! exclusion, opens, clicks and an unsubscribe give exactly the expected numbers — the same as
//! counting the stored messages directly — through the report API (JSON and CSV), the sandbox
//! report and the campaign list.

use crate::support::{SmtpSink, TestApp};
use domain::campaign::CampaignInput;
use domain::channel::{Category, Channel};
use domain::ids::CampaignId;
use domain::report::{Report, SandboxReport};
use domain::tenancy::DEFAULT_SANDBOX_ID;
use domain::views::{CampaignPage, MessageView};
use reqwest::Method;
use serde_json::json;

fn link_in(text: &str, prefix: &str) -> Vec<String> {
    text.match_indices(prefix)
        .map(|(i, _)| {
            text[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "/:._-".contains(*c))
                .collect()
        })
        .collect()
}

async fn trigger(app: &TestApp, campaign: CampaignId, request: &str, emails: &[&str]) {
    let recipients: Vec<_> = emails
        .iter()
        .map(|e| json!({"type": "external", "userId": e, "namespace": "email"}))
        .collect();
    let body = json!({"requestId": request, "campaignId": campaign.to_string(),
                      "recipients": recipients});
    assert_eq!(app.trigger(&body).await.0, 202);
}

async fn report(app: &TestApp, path: &str) -> Report {
    let (status, body) = app.send(Method::GET, path, None).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).unwrap()
}

/// Counts the campaign's stored rows directly, independently of the counters.
async fn counted_directly(app: &TestApp, campaign: CampaignId, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(campaign.to_string())
        .fetch_one(app.db().await)
        .await
        .unwrap()
}

/// Hour counters by metric and detail.
async fn counters(app: &TestApp, table: &str) -> Vec<(String, String, i64)> {
    sqlx::query_as(&format!(
        "SELECT metric, detail, CAST(SUM(count) AS BIGINT) FROM {table}
          WHERE resolution = 'hour' GROUP BY metric, detail ORDER BY metric, detail"
    ))
    .fetch_all(app.db().await)
    .await
    .unwrap()
}

/// The text of one of this engine's migrations.
fn migration(name: &str) -> String {
    let engine = if crate::support::on_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrations")
        .join(engine)
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

/// Runs the upgrade's recount (the migration that brought counters to installs with messages)
/// into a scratch table and returns its hour counters.
async fn recounted_by_the_upgrade(app: &TestApp) -> Vec<(String, String, i64)> {
    let sql = migration("20261204000001_reports.sql");
    let start = sql.find("INSERT INTO report_counts").unwrap();
    let recount =
        sql[start..].replacen("INSERT INTO report_counts", "INSERT INTO report_recount", 1);
    let db = app.db().await;
    sqlx::query("CREATE TABLE report_recount AS SELECT * FROM report_counts WHERE 1 = 0")
        .execute(db)
        .await
        .unwrap();
    sqlx::query(&recount).execute(db).await.unwrap();
    counters(app, "report_recount").await
}

/// The messages' reason codes (id, code), as stored now and as the upgrade that brought the
/// column classes the same messages.
async fn reason_codes_and_their_upgrade(
    app: &TestApp,
) -> (Vec<(String, Option<String>)>, Vec<(String, Option<String>)>) {
    let sql = migration("20261205000001_reason_codes.sql");
    let backfill = &sql[sql.find("UPDATE messages").unwrap()..];
    let db = app.db().await;
    let codes = || async {
        sqlx::query_as("SELECT id, reason_code FROM messages ORDER BY id")
            .fetch_all(db)
            .await
            .unwrap()
    };
    let live = codes().await;
    sqlx::query("UPDATE messages SET reason_code = NULL")
        .execute(db)
        .await
        .unwrap();
    sqlx::query(backfill).execute(db).await.unwrap();
    (live, codes().await)
}

#[tokio::test]
async fn a_known_set_of_sends_gives_exact_report_numbers() {
    let sink = SmtpSink::start();
    let app = TestApp::start_with(
        Some(sink.url()),
        &[("HERALD_RETRY_EMAIL_MAX_ATTEMPTS", "2")],
    )
    .await;
    let input = CampaignInput {
        title: "Weekly offer".into(),
        category: Category::Marketing,
        tracking: true,
        subject: "Offer".into(),
        html_body:
            "<p><a href=\"https://shop.test/a\">A</a> <a href=\"https://shop.test/b\">B</a> \
                    <a href=\"https://shop.test/a\">A again</a> \
                    <a href=\"{{unsubscribeUrl}}\">Unsubscribe</a></p>"
                .into(),
        text_body: "Offer".into(),
        ..CampaignInput::default()
    };
    let campaign = app.campaign_in(DEFAULT_SANDBOX_ID, input, true).await;
    let emails = [
        "ok1@example.com",
        "ok2@example.com",
        "ok3@example.com",
        "ok4@example.com",
        "reject1@example.com",
        "tempfail1@example.com",
    ];
    trigger(&app, campaign, "r-1", &emails).await;
    app.herald.drain_outbox().await.unwrap();
    // The soft bounce's retry is due now; its second failure gives up (2 attempts at most).
    sqlx::query("UPDATE messages SET next_attempt_at = 0 WHERE status = 'queued'")
        .execute(app.db().await)
        .await
        .unwrap();
    app.herald.drain_outbox().await.unwrap();
    // The hard bounce suppressed its address: the next message to it is excluded.
    trigger(&app, campaign, "r-2", &["reject1@example.com"]).await;

    let messages: Vec<MessageView> = app
        .herald
        .recent_messages(DEFAULT_SANDBOX_ID, 20)
        .await
        .unwrap();
    let body_of = |email: &str| {
        messages
            .iter()
            .find(|m| m.recipient == email && m.status.as_str() == "sent")
            .unwrap_or_else(|| panic!("no sent message to {email}"))
            .html_body
            .clone()
    };
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let get = |url: String| {
        let http = http.clone();
        async move { assert!(http.get(&url).send().await.unwrap().status().as_u16() < 400) }
    };
    // Opens: ok1 twice, ok2 once.
    let pixel = |body: &str| link_in(body, &format!("{}/o/", app.base)).remove(0);
    get(pixel(&body_of("ok1@example.com"))).await;
    get(pixel(&body_of("ok1@example.com"))).await;
    get(pixel(&body_of("ok2@example.com"))).await;
    // Clicks: ok1 on A twice (through its two occurrences) and B once; ok3 on A once.
    let links = |body: &str| link_in(body, &format!("{}/l/", app.base));
    let ok1 = links(&body_of("ok1@example.com"));
    assert_eq!(ok1.len(), 3);
    assert_eq!(ok1[0], ok1[2], "one tracked link per URL of a message");
    get(ok1[0].clone()).await;
    get(ok1[2].clone()).await;
    get(ok1[1].clone()).await;
    get(links(&body_of("ok3@example.com"))[0].clone()).await;
    // ok4 unsubscribes (twice: counted once).
    let unsubscribe = link_in(&body_of("ok4@example.com"), &format!("{}/u/", app.base)).remove(0);
    for _ in 0..2 {
        let answer = http
            .post(&unsubscribe)
            .form(&[("List-Unsubscribe", "One-Click")])
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success(), "{}", answer.status());
    }

    let r = report(&app, &format!("/api/v1/campaigns/{campaign}/report")).await;
    let t = &r.totals;
    assert_eq!(
        (t.targeted, t.excluded, t.sent, t.failed, t.retried),
        (7, 1, 4, 2, 1),
        "{t:?}"
    );
    assert_eq!((t.hard_bounces, t.soft_bounces, t.delivered), (1, 2, 0));
    assert_eq!(
        (t.opened, t.unique_opened, t.clicked, t.unique_clicked),
        (3, 2, 4, 2)
    );
    assert_eq!(t.unsubscribed, 1);
    assert_eq!(r.rates.delivery, Some(4.0 / 6.0));
    assert_eq!(r.rates.open, Some(0.5));
    assert_eq!(r.rates.unsubscribe, Some(0.25));
    let reasons = |v: &[domain::report::ReasonCount]| -> Vec<(String, i64)> {
        v.iter().map(|r| (r.reason.clone(), r.count)).collect()
    };
    assert_eq!(
        reasons(&r.failures),
        [("gave_up".to_owned(), 1), ("rejected".to_owned(), 1)]
    );
    assert_eq!(reasons(&r.exclusions), [("suppressed".to_owned(), 1)]);
    let links: Vec<(&str, i64, i64)> = r
        .links
        .iter()
        .map(|l| (l.url.as_str(), l.clicks, l.unique_clicks))
        .collect();
    assert_eq!(
        links,
        [("https://shop.test/a", 3, 2), ("https://shop.test/b", 1, 1)]
    );
    assert_eq!(r.versions.len(), 1);
    assert_eq!(r.versions[0].totals, r.totals);
    // Every number's link: the explorer finds the messages behind it (the unique counts, the
    // failures and exclusions by reason, the clicks by link, the version and language rows).
    let mut filters = vec![
        ("engagement=opened".to_owned(), t.unique_opened),
        ("engagement=clicked".to_owned(), t.unique_clicked),
        ("engagement=unsubscribed".to_owned(), t.unsubscribed),
        ("version=1".to_owned(), t.targeted),
        ("version=2".to_owned(), 0),
        ("language=default".to_owned(), t.targeted),
        ("language=fr-FR".to_owned(), 0),
        ("platform=ios".to_owned(), 0),
    ];
    for (status, rows) in [("failed", &r.failures), ("excluded", &r.exclusions)] {
        for row in rows {
            let filter = format!("status={status}&reason={}", row.reason);
            filters.push((filter, row.count));
        }
    }
    filters.push(("reason=undelivered".to_owned(), 0));
    for l in &r.links {
        let filter = serde_urlencoded::to_string([("link", &l.url)]).unwrap();
        filters.push((filter, l.unique_clicks));
    }
    for (filter, expected) in filters {
        let path = format!("/api/v1/messages?campaignId={campaign}&{filter}");
        let (status, found) = app.send(Method::GET, &path, None).await;
        assert_eq!(
            (status, found["total"].as_i64()),
            (200, Some(expected)),
            "{filter}: {found}"
        );
    }
    assert_eq!(r.series.iter().map(|p| p.sent).sum::<i64>(), 4);
    assert_eq!(r.series.iter().map(|p| p.targeted).sum::<i64>(), 7);

    // The same numbers as counting the stored rows directly.
    let direct = [
        (t.targeted, "SELECT COUNT(*) FROM messages WHERE campaign_id = $1"),
        (
            t.excluded,
            "SELECT COUNT(*) FROM messages WHERE campaign_id = $1 AND status = 'excluded'",
        ),
        (
            t.failed,
            "SELECT COUNT(*) FROM messages WHERE campaign_id = $1 AND status = 'failed'",
        ),
        (
            t.sent,
            "SELECT COUNT(*) FROM message_attempts a JOIN messages m ON m.id = a.message_id
              WHERE m.campaign_id = $1 AND a.outcome = 'sent'",
        ),
        (
            t.opened,
            "SELECT COUNT(*) FROM engagements g JOIN messages m ON m.id = g.message_id
              WHERE m.campaign_id = $1 AND g.kind = 'open'",
        ),
        (
            t.unique_clicked,
            "SELECT COUNT(DISTINCT g.message_id) FROM engagements g
               JOIN messages m ON m.id = g.message_id WHERE m.campaign_id = $1 AND g.kind = 'click'",
        ),
        (
            t.unsubscribed,
            "SELECT COUNT(*) FROM opt_outs o JOIN messages m ON m.id = o.message_id
              WHERE m.campaign_id = $1",
        ),
    ];
    for (counter, sql) in direct {
        assert_eq!(
            counter,
            counted_directly(&app, campaign, sql).await,
            "{sql}"
        );
    }

    let (live, upgraded) = reason_codes_and_their_upgrade(&app).await;
    assert_eq!(
        live, upgraded,
        "the upgrade classes stored messages as the live code did"
    );
    assert_eq!(
        recounted_by_the_upgrade(&app).await,
        counters(&app, "report_counts").await,
        "the upgrade's recount of stored messages agrees with the live counters"
    );

    // By the minute, the same totals; CSV has the same numbers.
    let minutes = report(
        &app,
        &format!("/api/v1/campaigns/{campaign}/report?bucket=minute"),
    )
    .await;
    assert_eq!(minutes.totals, r.totals);
    assert_eq!(minutes.series.iter().map(|p| p.opened).sum::<i64>(), 3);
    let csv = app
        .api(Method::GET, &format!("/api/v1/campaigns/{campaign}/report"))
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with("bucket_start,targeted,sent,delivered,failed,opened,clicked\n"));
    assert!(csv.ends_with("total,7,4,0,2,3,4\n"), "{csv}");

    // The sandbox's report and the campaign list agree.
    let (status, body) = app.send(Method::GET, "/api/v1/reports", None).await;
    assert_eq!(status, 200, "{body}");
    let sandbox: SandboxReport = serde_json::from_value(body).unwrap();
    assert_eq!(sandbox.report.totals, r.totals);
    assert_eq!(sandbox.most_failed[0].campaign_id, campaign.to_string());
    assert_eq!(
        (
            sandbox.most_failed[0].failed,
            sandbox.most_failed[0].finished
        ),
        (2, 6)
    );
    let (_, body) = app.send(Method::GET, "/api/v1/campaigns", None).await;
    let page: CampaignPage = serde_json::from_value(body).unwrap();
    let line = page
        .items
        .iter()
        .find(|c| c.id == campaign.to_string())
        .unwrap();
    assert_eq!(line.sent_24h, 4);
    assert_eq!(line.failure_rate_24h, Some(2.0 / 6.0));
    assert!(line.last_triggered_at.is_some());
}

#[tokio::test]
async fn report_queries_are_checked() {
    let app = TestApp::start(None).await;
    let campaign = app.campaign("Hi", "<p>Hi</p>", "Hi", true).await;
    let path = format!("/api/v1/campaigns/{campaign}/report");
    for (query, field) in [
        ("?bucket=week", "bucket"),
        ("?from=yesterday", "from"),
        ("?from=2026-11-02&to=2026-11-01", "from"),
        ("?from=2020-01-01&to=2020-01-03&bucket=minute", "bucket"),
        ("?from=2020-01-01&bucket=hour", "bucket"),
    ] {
        let (status, body) = app.send(Method::GET, &format!("{path}{query}"), None).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["code"], "invalid_report_query", "{body}");
        assert_eq!(body["errors"][0]["field"], field, "{query}: {body}");
    }
    let (status, body) = app
        .send(
            Method::GET,
            &format!("/api/v1/campaigns/{}/report", CampaignId::new()),
            None,
        )
        .await;
    assert_eq!((status, &body["code"]), (404, &json!("campaign_not_found")));
    // Days in a time zone: 30 days, each from the local midnight.
    let r = report(
        &app,
        &format!("{path}?from=2026-11-01&to=2026-11-30&utcOffset=-300"),
    )
    .await;
    assert_eq!(r.series.len(), 30);
    assert_eq!(r.totals.targeted, 0);
}

#[tokio::test]
async fn push_results_by_platform_link_to_their_messages() {
    let app = TestApp::start(None).await;
    let input = CampaignInput {
        title: "App news".into(),
        channel: Channel::Push,
        namespace: "ecid".into(),
        subject: "News".into(),
        text_body: "Open the app".into(),
        ..CampaignInput::default()
    };
    let campaign = app.campaign_in(DEFAULT_SANDBOX_ID, input, true).await;
    let device = |user: &str, platform: &str| {
        json!({"type": "external", "userId": user, "namespace": "ecid",
               "channelData": {"pushInfo": {"appID": "com.shop", "platform": platform, "token": format!("t-{user}")}}})
    };
    let body = json!({"requestId": "p-1", "campaignId": campaign.to_string(), "recipients": [
        device("a", "iOS"), device("b", "ios"), device("c", "android"), device("d", "tv")]});
    let (status, answer, _) = app.trigger(&body).await;
    assert_eq!(status, 202, "{answer}");
    app.herald.drain_outbox().await.unwrap();

    let r = report(&app, &format!("/api/v1/campaigns/{campaign}/report")).await;
    let parts: Vec<(&str, i64)> = r
        .platforms
        .iter()
        .map(|p| (p.key.as_str(), p.totals.sent))
        .collect();
    assert_eq!(parts, [("android", 1), ("ios", 2), ("other", 1)]);
    for part in &r.platforms {
        let path = format!(
            "/api/v1/messages?campaignId={campaign}&platform={}",
            part.key
        );
        let (status, found) = app.send(Method::GET, &path, None).await;
        assert_eq!(
            (status, found["total"].as_i64()),
            (200, Some(part.totals.targeted)),
            "{path}: {found}"
        );
    }
    let (status, body) = app
        .send(
            Method::GET,
            "/api/v1/messages?platform=tv&reason=lost",
            None,
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["reason", "platform"], "{body}");
}
