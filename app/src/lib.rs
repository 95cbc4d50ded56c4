//! Herald's browser UI.
//!
//! Pages live in [`pages`]; the server functions they call live in [`api`] and are thin
//! adapters to `backend` use cases, compiled in only with the `ssr` feature. Every page but
//! sign-in requires a session (checked by the server before rendering) and every server
//! function checks the session again itself, since each is a public HTTP endpoint.

pub mod api;
mod components;
mod editor;
pub mod error;
mod languages;
mod local_time;
mod pages;
mod report;
#[cfg(feature = "ssr")]
pub mod session;
pub mod team;
mod upload;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    // The bundle's files share one (content-hashed) name, see `scripts/lib.sh`'s `build_site`.
    let stylesheet = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
    let nonce = leptos::nonce::use_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.ico"/>
                <link rel="stylesheet" href=stylesheet/>
                <script nonce=nonce inner_html=KEEP_EARLY_INPUT></script>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Keeps what a person types before the bundle has taken over the page. Hydration sets every
/// field to the value the page was rendered with, so this records the fields edited until then
/// and `__heraldReplayInput()` (called by the bundle once hydrated) puts their values back and
/// replays the events, which the app's handlers then see as typing.
const KEEP_EARLY_INPUT: &str = r#"(function () {
  var typed = new Map();
  function record(e) {
    var el = e.target;
    if (window.__heraldHydrated || !el || !("value" in el)) return;
    var toggle = el.type === "checkbox" || el.type === "radio";
    typed.set(el, toggle ? { checked: el.checked } : { value: el.value });
  }
  addEventListener("input", record, true);
  addEventListener("change", record, true);
  window.__heraldReplayInput = function () {
    removeEventListener("input", record, true);
    removeEventListener("change", record, true);
    typed.forEach(function (v, el) {
      if (!el.isConnected) return;
      if ("checked" in v) el.checked = v.checked; else el.value = v.value;
      var kind = "checked" in v || el.tagName === "SELECT" ? "change" : "input";
      el.dispatchEvent(new Event(kind, { bubbles: true }));
    });
    typed.clear();
  };
})();"#;

/// A page's Content Security Policy: scripts only from Herald itself or carrying this response's
/// nonce (Leptos puts it on its hydration scripts), WebAssembly allowed, images from https (email
/// previews), inline styles (email HTML in the preview), never framed by another site.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; connect-src 'self'; \
         frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(components::SandboxesChanged(RwSignal::new(0)));
    view! {
        <Title text="Herald"/>
        <Router>
            <Routes fallback=pages::NotFound>
                <Route path=path!("/login") view=pages::LoginPage/>
                <Route path=path!("/welcome") view=pages::WelcomePage/>
                <Route path=path!("/account") view=pages::AccountPage/>
                <Route path=path!("/settings/team") view=pages::TeamPage/>
                <Route path=path!("/settings/audit") view=pages::AuditPage/>
                <Route path=path!("/") view=pages::HomePage/>
                <Route path=path!("/campaigns") view=pages::CampaignsPage/>
                <Route path=path!("/campaigns/new") view=pages::NewCampaignPage/>
                <Route path=path!("/campaigns/:id") view=pages::CampaignPage/>
                <Route path=path!("/campaigns/:id/report") view=pages::CampaignReportPage/>
                <Route path=path!("/campaigns/:id/versions") view=pages::CampaignVersionsPage/>
                <Route path=path!("/campaigns/:id/versions/:version") view=pages::CampaignVersionPage/>
                <Route path=path!("/campaigns/:id/tests/:test") view=pages::TestSendPage/>
                <Route path=path!("/campaigns/:id/edit") view=pages::EditCampaignPage/>
                <Route path=path!("/content") view=pages::SavedContentPage/>
                <Route path=path!("/fragments") view=pages::FragmentsPage/>
                <Route path=path!("/fragments/:id") view=pages::FragmentPage/>
                <Route path=path!("/audiences") view=pages::AudiencesPage/>
                <Route path=path!("/profiles") view=pages::ProfilesPage/>
                <Route path=path!("/profiles/:id") view=pages::ProfilePage/>
                <Route path=path!("/suppressions") view=pages::SuppressionsPage/>
                <Route path=path!("/messages") view=pages::MessagesPage/>
                <Route path=path!("/messages/:id") view=pages::MessagePage/>
                <Route path=path!("/settings/api-keys") view=pages::ApiKeysPage/>
                <Route path=path!("/settings/sandboxes") view=pages::SandboxesPage/>
                <Route path=path!("/settings/namespaces") view=pages::NamespacesPage/>
                <Route path=path!("/settings/surfaces") view=pages::SurfacesPage/>
                <Route path=path!("/settings/webhooks") view=pages::WebhooksPage/>
                <Route path=path!("/settings/system") view=pages::SystemPage/>
                <Route path=path!("/api-docs") view=pages::ApiDocsPage/>
            </Routes>
        </Router>
    }
}
