//! Small building blocks shared by the pages.

use crate::api::{SwitchSandbox, workspace};
use crate::error::AppError;
use domain::campaign::CampaignStatus;
use domain::delivery::ReportedStatus;
use leptos::prelude::*;
use leptos_router::components::A;

/// Bumped when the list of sandboxes changes, so the switcher reloads it.
#[derive(Clone, Copy)]
pub struct SandboxesChanged(pub RwSignal<u32>);

/// A textarea's server-rendered text, as escaped inner HTML: the page shows the real content
/// before the bundle has loaded (`prop:value` keeps the field current afterwards, and is not
/// rendered on the server). It starts with the newline that the HTML parser drops after
/// `<textarea>`, so a newline the text starts with survives.
pub fn textarea_text(text: &str) -> String {
    let mut html = String::with_capacity(text.len() + 16);
    html.push('\n');
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            c => html.push(c),
        }
    }
    html
}

/// The frame of every signed-in page: navigation, the sandbox switcher, the user, sign-out.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let changed = use_context::<SandboxesChanged>().map(|c| c.0);
    let workspace = Resource::new(move || changed.map(|c| c.get()), |_| workspace());
    let switch = ServerAction::<SwitchSandbox>::new();
    // Everything on a page belongs to the sandbox: after a switch, load the app afresh.
    Effect::new(move |_| {
        if switch.value().get().is_some_and(|r| r.is_ok()) {
            let _ = window().location().set_href("/");
        }
    });
    // At phone width the navigation and account fold behind a "Menu" button (style/main.css).
    let menu_open = RwSignal::new(false);
    view! {
        <header class="topbar" class:open=move || menu_open.get()>
            <a class="brand" href="/">"Herald"</a>
            <button type="button" class="menu-toggle" aria-controls="main-menu"
                aria-expanded=move || menu_open.get().to_string()
                on:click=move |_| menu_open.update(|open| *open = !*open)>
                "Menu"
            </button>
            <nav aria-label="Main" id="main-menu">
                <A href="/" exact=true>"Home"</A>
                <A href="/campaigns">"Campaigns"</A>
                <A href="/content">"Saved content"</A>
                <A href="/fragments">"Fragments"</A>
                <A href="/profiles">"Profiles"</A>
                <A href="/audiences">"Audiences"</A>
                <A href="/suppressions">"Suppressions"</A>
                <A href="/messages">"Sent messages"</A>
                <A href="/settings/surfaces">"Surfaces"</A>
                <A href="/settings/webhooks">"Webhooks"</A>
                <A href="/settings/namespaces">"Namespaces"</A>
                <A href="/settings/api-keys">"API keys"</A>
                <A href="/settings/team">"Team"</A>
                <A href="/settings/audit">"Audit log"</A>
                <A href="/settings/sandboxes">"Sandboxes"</A>
                <A href="/settings/system">"System"</A>
                <A href="/api-docs">"API"</A>
            </nav>
            <div class="account">
                <Suspense>
                    {move || Suspend::new(async move {
                        workspace.await.ok().map(|w| {
                            let current = w.sandbox.id.clone();
                            view! {
                                <ActionForm action=switch attr:class="sandbox-switch">
                                    <select name="id" aria-label="Sandbox" data-testid="sandbox-select">
                                        {w.sandboxes.into_iter().map(|s| {
                                            let selected = s.id == current;
                                            view! {
                                                <option value=s.id selected=selected>
                                                    {format!("{} / {}", s.org_id, s.name)}
                                                </option>
                                            }
                                        }).collect_view()}
                                    </select>
                                    <button type="submit" class="secondary">"Switch"</button>
                                </ActionForm>
                                <a class="user" href="/account" title="Your account">
                                    {w.email}" · "<span data-testid="role">{w.role.as_str()}</span>
                                </a>
                            }
                        })
                    })}
                </Suspense>
                <form method="post" action="/logout">
                    <button type="submit" class="link">"Sign out"</button>
                </form>
            </div>
        </header>
        <Suspense>
            {move || Suspend::new(async move {
                workspace.await.ok().filter(|w| w.captures_only).map(|_| view! {
                    <p class="banner warning site-notice" data-testid="capture-banner">
                        "Messages are captured, not delivered: no sender is configured. "
                        <A href="/settings/surfaces">"Add a surface"</A>
                        " (or start Herald with HERALD_SMTP_URL) to deliver them."
                    </p>
                })
            })}
        </Suspense>
        <main class="page">{children()}</main>
    }
}

/// A server function's error as a sentence for a person.
pub fn error_text(e: &AppError) -> String {
    e.message.clone()
}

#[component]
pub fn ErrorBox(message: String) -> impl IntoView {
    view! { <p class="error" role="alert">{message}</p> }
}

#[component]
pub fn StatusBadge(status: CampaignStatus) -> impl IntoView {
    let label = match status {
        CampaignStatus::Draft => "Draft",
        CampaignStatus::Scheduled => "Scheduled",
        CampaignStatus::Live => "Live",
        CampaignStatus::Stopped => "Stopped",
        CampaignStatus::Completed => "Completed",
        CampaignStatus::Archived => "Archived",
    };
    view! { <span class=format!("badge badge-{}", status.as_str())>{label}</span> }
}

/// A message's status. One "sent" through the local capture (no sender configured) reached
/// nobody: it says so, in grey.
#[component]
pub fn MessageStatusBadge(status: ReportedStatus, provider: Option<String>) -> impl IntoView {
    let captured = status == ReportedStatus::Sent && provider.as_deref() == Some("capture");
    let (class, label) = if captured {
        (
            "badge badge-captured".to_owned(),
            "captured (not delivered)",
        )
    } else {
        (format!("badge badge-{}", status.as_str()), status.as_str())
    };
    view! { <span class=class>{label}</span> }
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

/// A destructive action asked twice. The first button ("Delete draft…") opens the
/// confirmation: the question, with `type_to_confirm` a field where the user must type that
/// text (a campaign's or key's name) before the action's button enables, and "Keep it".
/// `children` is the action's form; its controls sit in a fieldset that stays disabled until
/// the name is typed, so no single click can submit it.
#[component]
pub fn Confirm(
    /// The button that opens the confirmation.
    ask: String,
    /// What the confirmation says will happen.
    question: String,
    #[prop(optional)] type_to_confirm: Option<String>,
    children: ChildrenFn,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let typed = RwSignal::new(String::new());
    let close = move |_| {
        open.set(false);
        typed.set(String::new());
    };
    let expected = type_to_confirm.clone();
    let ready = Memo::new(move |_| {
        expected
            .as_deref()
            .is_none_or(|name| typed.with(|t| t.trim() == name))
    });
    move || {
        if !open.get() {
            let ask = ask.clone();
            return view! {
                <button type="button" class="danger" on:click=move |_| open.set(true)>{ask}</button>
            }
            .into_any();
        }
        let field = type_to_confirm.clone().map(|name| {
            view! {
                <label>"Type "<strong>{name}</strong>" to confirm"
                    <input autocomplete="off" spellcheck="false" prop:value=typed
                        on:input=move |ev| typed.set(event_target_value(&ev))/>
                </label>
            }
        });
        view! {
            <div class="confirm" role="group" aria-label=ask.clone()>
                <p>{question.clone()}</p>
                {field}
                <fieldset class="confirm-actions" disabled=move || !ready.get()>{children()}</fieldset>
                <button type="button" class="secondary" on:click=close>"Keep it"</button>
            </div>
        }
        .into_any()
    }
}
