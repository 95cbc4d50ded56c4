//! Small building blocks shared by the pages.

use crate::api::current_user;
use domain::campaign::CampaignStatus;
use leptos::prelude::*;
use leptos_router::components::A;

/// The frame of every signed-in page: navigation, the user, sign-out.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let user = Resource::new(|| (), |_| current_user());
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Herald"</a>
            <nav aria-label="Main">
                <A href="/">"Campaigns"</A>
                <A href="/messages">"Sent messages"</A>
                <A href="/settings/api-keys">"API keys"</A>
            </nav>
            <div class="account">
                <Suspense>
                    {move || Suspend::new(async move {
                        user.await.ok().map(|email| view! { <span class="user">{email}</span> })
                    })}
                </Suspense>
                <form method="post" action="/logout">
                    <button type="submit" class="link">"Sign out"</button>
                </form>
            </div>
        </header>
        <main class="page">{children()}</main>
    }
}

/// A server function's error as a sentence for a person.
pub fn error_text(e: &ServerFnError) -> String {
    match e {
        ServerFnError::ServerError(message) => message.clone(),
        other => other.to_string(),
    }
}

#[component]
pub fn ErrorBox(message: String) -> impl IntoView {
    view! { <p class="error" role="alert">{message}</p> }
}

#[component]
pub fn StatusBadge(status: CampaignStatus) -> impl IntoView {
    let label = match status {
        CampaignStatus::Draft => "Draft",
        CampaignStatus::Live => "Live",
        CampaignStatus::Stopped => "Stopped",
    };
    view! { <span class=format!("badge badge-{}", status.as_str())>{label}</span> }
}

/// A button that copies `text` to the clipboard and says so.
#[component]
pub fn CopyButton(text: String, label: &'static str) -> impl IntoView {
    let copied = RwSignal::new(false);
    let on_click = move |_| {
        let clipboard = window().navigator().clipboard();
        let _ = clipboard.write_text(&text);
        copied.set(true);
    };
    view! {
        <button type="button" class="secondary" on:click=on_click>
            {move || if copied.get() { "Copied" } else { label }}
        </button>
    }
}
