//! The browser door: sign-in, sessions, and what a visitor without a session gets.

use crate::support::{PASSWORD, REQUEST_TIMEOUT, TestApp};

#[tokio::test]
async fn pages_redirect_to_sign_in_without_a_session() {
    let app = TestApp::start(None).await;
    for path in ["/", "/campaigns", "/messages", "/campaigns/new"] {
        let response = app
            .http
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(response.headers()["location"], "/login");
    }
    let login = app
        .http
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    assert!(login.text().await.unwrap().contains("Sign in to Herald"));
}

#[tokio::test]
async fn server_functions_refuse_callers_without_a_session() {
    let app = TestApp::start(None).await;
    let response = app
        .http
        .post(format!("{}/api/list_campaigns", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn a_marketer_signs_in_sees_campaigns_and_signs_out() {
    let app = TestApp::start(None).await;
    app.reset_campaign().await;

    let wrong = post_login(&app, "marketer@example.com", "wrong password").await;
    assert_eq!(wrong.status(), 303);
    assert_eq!(wrong.headers()["location"], "/login?error=credentials");

    let right = post_login(&app, "marketer@example.com", PASSWORD).await;
    assert_eq!(right.status(), 303);
    assert_eq!(right.headers()["location"], "/");
    let cookie = right
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("herald_session="))
        .expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    let page = app
        .http
        .get(format!("{}/campaigns", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Password reset"),
        "the campaign list is rendered on the server"
    );
    assert!(html.contains("marketer@example.com"));

    let out = app
        .http
        .post(format!("{}/logout", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    let after = app.http.get(format!("{}/", app.base)).send().await.unwrap();
    assert_eq!(after.status(), 303);
}

/// Building a router generates the app's route list, which switches resource loading off
/// process-wide while it runs (leptos-rs/leptos#4773): a page rendered meanwhile never finished,
/// and once hung a test run for an hour. Herald generates the list once per process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_finish_while_the_process_builds_more_routers() {
    let app = TestApp::start(None).await;
    sign_in(&app).await;
    let herald = app.herald.clone();
    let building = tokio::spawn(async move {
        for _ in 0..40 {
            drop(server::router(herald.clone()).await.unwrap());
        }
    });
    let mut pages = 0;
    while !building.is_finished() || pages < 5 {
        let page = async {
            let response = app.http.get(format!("{}/campaigns", app.base)).send();
            response.await?.text().await
        };
        let html = tokio::time::timeout(std::time::Duration::from_secs(20), page)
            .await
            .expect("the page finished")
            .unwrap();
        assert!(html.contains("marketer@example.com"), "{html}");
        pages += 1;
    }
    building.await.unwrap();
}

#[tokio::test]
async fn a_cross_site_form_post_is_refused() {
    let app = TestApp::start(None).await;
    let response = app
        .http
        .post(format!("{}/login", app.base))
        .header("origin", "https://evil.example")
        .form(&[("email", "marketer@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn a_marketer_creates_uses_and_revokes_an_api_key() {
    let app = TestApp::start(None).await;
    let campaign = app.reset_campaign().await;
    let server_fn = |name: &str, form: &[(&str, &str)]| {
        app.http
            .post(format!("{}/api/{name}", app.base))
            .form(form)
            .send()
    };
    let refused = server_fn("create_api_key", &[("name", "shop"), ("scope", "trigger")])
        .await
        .unwrap();
    assert_eq!(refused.status(), 401, "no session, no key");

    sign_in(&app).await;
    let created = server_fn("create_api_key", &[("name", "shop"), ("scope", "trigger")])
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let key: String = created.json().await.unwrap();
    assert!(key.starts_with("hk_") && key.len() > 40, "{key}");

    let body = serde_json::json!({
        "requestId": "r1",
        "campaignId": campaign.to_string(),
        "recipients": [{"type": "external", "userId": "a@example.org", "namespace": "email",
                        "context": {"resetUrl": "https://x.test/r"}}]
    });
    let (status, _, _) = app.post_raw(body.to_string(), Some(&key)).await;
    assert_eq!(status, 202);

    let list = || async {
        let keys: Vec<serde_json::Value> = server_fn("list_api_keys", &[])
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        keys.into_iter().find(|k| k["name"] == "shop").unwrap()
    };
    let shop = list().await;
    assert_eq!(shop["prefix"], &key[..7]);
    assert!(
        shop.get("key").is_none() && !shop.to_string().contains(&key),
        "the secret is never listed"
    );
    // The last use is recorded in the background, off the request path.
    let mut last_used = shop["lastUsedAt"].clone();
    for _ in 0..100 {
        if !last_used.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        last_used = list().await["lastUsedAt"].clone();
    }
    assert!(last_used.is_i64(), "last use recorded");

    let id = shop["id"].as_str().unwrap().to_owned();
    let revoked = server_fn("revoke_api_key", &[("id", &id)]).await.unwrap();
    assert_eq!(revoked.status(), 200);
    assert!(list().await["revokedAt"].is_i64());
    let (status, _, _) = app.post_raw(body.to_string(), Some(&key)).await;
    assert_eq!(status, 401, "a revoked key is refused at once");
}

/// Posts the sign-in form, as the login page does.
async fn post_login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.http
        .post(format!("{}/login", app.base))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
}

async fn sign_in(app: &TestApp) {
    let response = post_login(app, "marketer@example.com", PASSWORD).await;
    assert_eq!(response.headers()["location"], "/");
}

/// A browser of its own (cookies), connecting from `127.0.0.<n>`.
fn browser(n: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .timeout(REQUEST_TIMEOUT)
        .local_address(std::net::IpAddr::from([127, 0, 0, n]))
        .build()
        .unwrap()
}

async fn login_from(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    password: &str,
) -> String {
    let r = client
        .post(format!("{}/login", app.base))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap();
    r.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_address_that_keeps_guessing_is_slowed_down_and_others_are_not() {
    let app = TestApp::start(None).await;
    let attacker = browser(21);
    for _ in 0..5 {
        let at = login_from(&app, &attacker, "marketer@example.com", "guess").await;
        assert_eq!(at, "/login?error=credentials");
    }
    let at = login_from(&app, &attacker, "marketer@example.com", PASSWORD).await;
    assert!(at.starts_with("/login?error=throttled&wait="), "{at}");
    // Another address is not slowed down, and the owner signs in.
    let owner = browser(22);
    assert_eq!(
        login_from(&app, &owner, "marketer@example.com", PASSWORD).await,
        "/"
    );
}

#[tokio::test]
async fn an_account_under_attack_still_lets_its_owner_in_from_a_known_browser() {
    let app = TestApp::start(None).await;
    let owner = browser(30);
    assert_eq!(
        login_from(&app, &owner, "marketer@example.com", PASSWORD).await,
        "/"
    );
    // Wrong passwords from many addresses guard the account …
    for n in 0..10 {
        let attacker = browser(40 + n);
        let at = login_from(&app, &attacker, "Marketer@Example.com", "guess").await;
        assert_eq!(at, "/login?error=credentials");
    }
    // … so a browser that never signed in to it must wait, even with the right password …
    let stranger = browser(60);
    let at = login_from(&app, &stranger, "marketer@example.com", PASSWORD).await;
    assert!(at.starts_with("/login?error=throttled"), "{at}");
    // … while the owner's browser signs in, and other accounts are not affected.
    assert_eq!(
        login_from(&app, &owner, "marketer@example.com", PASSWORD).await,
        "/"
    );
    let at = login_from(&app, &stranger, "someone-else@example.com", "guess").await;
    assert_eq!(at, "/login?error=credentials");
}

#[tokio::test]
async fn oversized_sign_in_forms_are_refused_before_anything_is_kept() {
    let app = TestApp::start(None).await;
    let huge = "a".repeat(2 * 1024 * 1024);
    let r = app
        .http
        .post(format!("{}/login", app.base))
        .form(&[("email", huge.as_str()), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let long_email = format!("{}@example.com", "a".repeat(4_000));
    let r = post_login(&app, &long_email, "x").await;
    assert_eq!(r.headers()["location"], "/login?error=credentials");
}

#[tokio::test]
async fn session_ids_are_stored_only_as_hashes() {
    let app = TestApp::start(None).await;
    let right = post_login(&app, "marketer@example.com", PASSWORD).await;
    let cookie = right
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|c| c.to_str().ok())
        .find_map(|c| c.strip_prefix("herald_session="))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let stored: Vec<String> =
        sqlx::query_scalar(&format!("SELECT id FROM {}", app.sessions_table()))
            .fetch_all(app.db().await)
            .await
            .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(
        !stored.contains(&cookie),
        "the cookie's id is not in the database"
    );
    let page = app.http.get(format!("{}/", app.base)).send().await.unwrap();
    assert_eq!(page.status(), 200, "the session still works");
}
