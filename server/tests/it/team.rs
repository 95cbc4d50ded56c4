//! People of a sandbox: invitations by one-time link, roles, disabled accounts, the last
//! owner, and the audit log that records it all.

use crate::support::{PASSWORD, TestApp};
use backend::team::Invited;
use domain::tenancy::{DEFAULT_SANDBOX_ID, Role};
use reqwest::Method;
use serde_json::Value;

fn token_of(url: &str) -> &str {
    url.split("token=").nth(1).unwrap()
}

#[tokio::test]
async fn an_invitation_works_once_and_a_disabled_account_is_signed_out() {
    let app = TestApp::start(None).await;
    let owner = app.caller().await;
    let Invited::Link(link) = app
        .herald
        .invite(&owner, "ed@example.org", Role::Editor)
        .await
        .unwrap()
    else {
        panic!("a new person gets a link");
    };
    assert!(
        !link.emailed,
        "no sender is configured: the link is shown instead"
    );
    let token = token_of(&link.url);
    let weak = app.herald.use_link(token, "password123").await.unwrap_err();
    assert_eq!(weak.code, "weak_password");
    let ed = app.herald.use_link(token, PASSWORD).await.unwrap();
    let again = app.herald.use_link(token, PASSWORD).await.unwrap_err();
    assert_eq!(again.code, "link_not_valid");
    let caller = app.herald.member_caller(ed, None).await.unwrap();
    assert_eq!(caller.sandbox.id, DEFAULT_SANDBOX_ID);
    assert_eq!(
        caller.access,
        backend::accounts::Access::Member(Role::Editor)
    );

    // Signed in, then disabled: the next server function call is refused as signed out.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    let signed_in = browser
        .post(format!("{}/login", app.base))
        .form(&[("email", "ed@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.headers()["location"], "/");
    let call = || {
        browser
            .post(format!("{}/api/list_campaigns", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .send()
    };
    assert_eq!(call().await.unwrap().status(), 200);
    app.herald
        .set_member_disabled(&owner, ed, true)
        .await
        .unwrap();
    assert_eq!(call().await.unwrap().status(), 401);
    assert!(
        app.herald
            .account("ed@example.org")
            .await
            .unwrap()
            .is_none()
    );

    // The last owner cannot demote, remove or disable themselves.
    let me = app.user;
    for refused in [
        app.herald.set_member_role(&owner, me, Role::Admin).await,
        app.herald.remove_member(&owner, me).await,
    ] {
        assert_eq!(refused.unwrap_err().code, "last_owner");
    }
    let disable_self = app.herald.set_member_disabled(&owner, me, true).await;
    assert_eq!(disable_self.unwrap_err().code, "cannot_disable_self");

    // A reset link sets a new password, once.
    app.herald
        .set_member_disabled(&owner, ed, false)
        .await
        .unwrap();
    let reset = app.herald.password_reset_link(&owner, ed).await.unwrap();
    app.herald
        .use_link(token_of(&reset.url), "another strong passphrase")
        .await
        .unwrap();
    let account = app.herald.account("ed@example.org").await.unwrap();
    let checked = app
        .herald
        .verify_login(account.as_ref(), "another strong passphrase")
        .await
        .unwrap();
    assert_eq!(checked, Some(ed));

    // Everything above is in the audit log, with who did it.
    let response = app.api(Method::GET, "/api/v1/audit").send().await.unwrap();
    assert_eq!(response.status(), 200);
    let events: Vec<Value> = response.json().await.unwrap();
    let seen: Vec<(String, String)> = events
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_owned(),
                e["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for (actor, action) in [
        ("marketer@example.com", "invited"),
        ("ed@example.org", "joined"),
        ("marketer@example.com", "disabled"),
        ("marketer@example.com", "enabled"),
        ("marketer@example.com", "password reset link made"),
        ("ed@example.org", "password reset"),
        ("operator", "API key created"),
    ] {
        assert!(
            seen.contains(&(actor.to_owned(), action.to_owned())),
            "{actor} {action} in {seen:?}"
        );
    }
    let filtered: Vec<Value> = app
        .api(Method::GET, "/api/v1/audit?q=JOINED")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(filtered.len(), 1, "{filtered:?}");
}

#[tokio::test]
async fn an_invitation_is_emailed_when_a_sender_is_configured() {
    let sink = crate::support::SmtpSink::start();
    let app = TestApp::start(Some(sink.url())).await;
    let owner = app.caller().await;
    let Invited::Link(link) = app
        .herald
        .invite(&owner, "vi@example.org", Role::Viewer)
        .await
        .unwrap()
    else {
        panic!("a new person gets a link");
    };
    assert!(link.emailed);
    let mail = sink
        .messages()
        .into_iter()
        .find(|m| m.contains("To: vi@example.org"))
        .expect("the invitation was emailed");
    assert!(
        mail.contains("Subject: Your invitation to Herald"),
        "{mail}"
    );
    // The body as a person reads it (quoted-printable undone).
    let body = mail
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    let token: String = body
        .split("/welcome?token=")
        .nth(1)
        .expect("the link is in the email")
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    assert_eq!(token, token_of(&link.url));
    let vi = app.herald.use_link(&token, PASSWORD).await.unwrap();
    let caller = app.herald.member_caller(vi, None).await.unwrap();
    assert_eq!(
        caller.access,
        backend::accounts::Access::Member(Role::Viewer)
    );
}

/// A browser signed in as `email`, with the cookie jar of its own.
async fn browser(app: &TestApp, email: &str, password: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .user_agent(format!("test browser of {email}"))
        .build()
        .unwrap();
    let response = client
        .post(format!("{}/login", app.base))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["location"], "/", "{email} signs in");
    client
}

async fn server_fn(
    app: &TestApp,
    client: &reqwest::Client,
    name: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(format!("{}/api/{name}", app.base))
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn sessions(app: &TestApp, client: &reqwest::Client) -> Vec<domain::team::SessionView> {
    let response = server_fn(app, client, "my_sessions", &[]).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn people_see_their_sessions_and_end_the_others() {
    let app = TestApp::start(None).await;
    let email = "marketer@example.com";
    let laptop = browser(&app, email, PASSWORD).await;
    let phone = browser(&app, email, PASSWORD).await;
    let listed = sessions(&app, &laptop).await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(listed.iter().filter(|s| s.current).count(), 1);
    assert!(
        listed
            .iter()
            .all(|s| s.browser == format!("test browser of {email}"))
    );
    assert!(listed.iter().all(|s| s.address == "127.0.0.1"));
    let phones = listed.iter().find(|s| !s.current).unwrap().key.clone();

    // Someone else cannot end them, even knowing a key.
    let other = app
        .herald
        .create_user("eve@example.org", PASSWORD)
        .await
        .unwrap();
    app.herald
        .grant(other, DEFAULT_SANDBOX_ID, Role::Viewer)
        .await
        .unwrap();
    let eve = browser(&app, "eve@example.org", PASSWORD).await;
    assert_eq!(
        server_fn(&app, &eve, "end_sessions", &[("key", &phones)])
            .await
            .status(),
        200
    );
    assert_eq!(
        sessions(&app, &phone).await.len(),
        2,
        "the phone is still signed in"
    );

    // The laptop ends the phone's session: its next request is signed out.
    assert_eq!(
        server_fn(&app, &laptop, "end_sessions", &[("key", &phones)])
            .await
            .status(),
        200
    );
    assert_eq!(
        server_fn(&app, &phone, "my_sessions", &[]).await.status(),
        401
    );
    assert_eq!(sessions(&app, &laptop).await.len(), 1);

    // A password change ends every other session, and keeps this one.
    let tablet = browser(&app, email, PASSWORD).await;
    let new = "a much better passphrase";
    let changed = server_fn(
        &app,
        &laptop,
        "change_password",
        &[("current", PASSWORD), ("new", new)],
    )
    .await;
    assert_eq!(changed.status(), 200);
    assert_eq!(
        server_fn(&app, &tablet, "my_sessions", &[]).await.status(),
        401
    );
    let left = sessions(&app, &laptop).await;
    assert_eq!(left.len(), 1);
    assert!(left[0].current);

    // "End all other sessions" (an empty key).
    let desktop = browser(&app, email, new).await;
    assert_eq!(
        server_fn(&app, &laptop, "end_sessions", &[("key", "")])
            .await
            .status(),
        200
    );
    assert_eq!(
        server_fn(&app, &desktop, "my_sessions", &[]).await.status(),
        401
    );
    assert_eq!(sessions(&app, &laptop).await.len(), 1);
}

/// A server function answers a refused input with the refusal's status (400, 404), as the REST
/// door does, not with a 500.
#[tokio::test]
async fn server_functions_answer_refusals_with_their_status() {
    let app = TestApp::start(None).await;
    let admin = browser(&app, "marketer@example.com", PASSWORD).await;
    let bad_name = server_fn(
        &app,
        &admin,
        "add_namespace",
        &[("name", "no spaces allowed"), ("description", "")],
    )
    .await;
    assert_eq!(bad_name.status(), 400);
    let unknown = server_fn(&app, &admin, "delete_namespace", &[("name", "neverAdded")]).await;
    assert_eq!(unknown.status(), 404);
}
