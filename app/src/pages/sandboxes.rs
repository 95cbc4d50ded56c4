use crate::api::{
    CreateSandbox, SetRetention, SetSandboxSettings, retention, sandbox_settings, workspace,
};
use crate::components::{ErrorBox, Layout, SandboxesChanged, error_text};
use leptos::prelude::*;

/// Sandboxes: isolated spaces (e.g. `prod`, `dev`) for campaigns, profiles and API keys.
#[component]
pub fn SandboxesPage() -> impl IntoView {
    let create = ServerAction::<CreateSandbox>::new();
    let list = Resource::new(move || create.version().get(), |_| workspace());
    if let Some(SandboxesChanged(changed)) = use_context::<SandboxesChanged>() {
        Effect::new(move |_| {
            if create.value().get().is_some_and(|r| r.is_ok()) {
                changed.update(|n| *n += 1);
            }
        });
    }
    let failure = move || {
        create
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| error_text(&e))
    };
    view! {
        <Layout>
            <h1>"Sandboxes"</h1>
            <p class="hint">
                "Each sandbox holds its own campaigns, profiles and API keys; an API key sees only its sandbox. "
                "API calls may name theirs with the headers 'x-gw-ims-org-id' and 'x-sandbox-name'."
            </p>
            {move || failure().map(|message| view! { <ErrorBox message/> })}
            <ActionForm action=create attr:class="inline-form">
                <label>"Organisation" <input name="org_id" required maxlength="128" value="herald"/></label>
                <label>"Name" <input name="name" required maxlength="64" placeholder="e.g. dev" pattern="[a-z][a-z0-9\\-]*"/></label>
                <button type="submit" disabled=move || create.pending().get()>"Create sandbox"</button>
            </ActionForm>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(w) => view! {
                            <table class="list">
                                <thead><tr><th>"Organisation (x-gw-ims-org-id)"</th><th>"Sandbox (x-sandbox-name)"</th><th></th></tr></thead>
                                <tbody>
                                    {w.sandboxes.into_iter().map(|s| {
                                        let current = s.id == w.sandbox.id;
                                        view! {
                                            <tr data-testid="sandbox">
                                                <td><code>{s.org_id}</code></td>
                                                <td><code>{s.name}</code></td>
                                                <td>{current.then_some("current")}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                    }
                })}
            </Suspense>
            <SandboxDefaults/>
            <RetentionSettings/>
        </Layout>
    }
}

/// The current sandbox's defaults: the country national phone numbers are read in, and the
/// time zone of local-time sends' recipients whose profile names none.
#[component]
fn SandboxDefaults() -> impl IntoView {
    let save = ServerAction::<SetSandboxSettings>::new();
    let current = Resource::new(move || save.version().get(), |_| sandbox_settings());
    let saved = move || save.value().get().is_some_and(|r| matches!(r, Ok(Ok(_))));
    let failure = move || match save.value().get()? {
        Ok(Ok(_)) => None,
        Ok(Err(why)) => Some(why),
        Err(e) => Some(error_text(&e)),
    };
    view! {
        <section class="card" data-testid="sandbox-defaults">
            <h2>"Phone numbers and time zone in this sandbox"</h2>
            <p class="hint">
                "Trigger calls and profiles may carry national numbers (0921234567) instead of E.164 (+886921234567). "
                "They are read in this country unless the SMS surface names its own; with none, they are refused. "
                "A send at a local time reaches each person at that time in the zone their profile names (attribute timeZone), "
                "else in this sandbox's zone."
            </p>
            {move || failure().map(|message| view! { <ErrorBox message/> })}
            {move || saved().then(|| view! { <p class="hint" role="status">"Saved."</p> })}
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match current.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(s) => {
                            let placeholder = match &s.server_phone_region {
                                Some(r) => format!("{r} (server default)"),
                                None => "none (server default)".to_owned(),
                            };
                            // `prop:value` too: after a save the canonical value ("Europe/Paris"
                            // for "europe/paris") replaces what was typed.
                            let region = s.phone_region.unwrap_or_default();
                            view! {
                                <ActionForm action=save attr:class="inline-form">
                                    <label>"Default phone region (two letters, e.g. US)"
                                        <input name="phone_region" maxlength="2" autocomplete="off"
                                            value=region.clone() prop:value=region placeholder=placeholder/>
                                    </label>
                                    <label>"Time zone (e.g. Europe/Paris)"
                                        <input name="time_zone" maxlength="64" autocomplete="off"
                                            value=s.time_zone.clone() prop:value=s.time_zone placeholder="UTC"/>
                                    </label>
                                    <button type="submit" disabled=move || save.pending().get()>"Save settings"</button>
                                </ActionForm>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

/// How long the current sandbox keeps what it stores: its own days, or the server's default
/// (shown as the placeholder) when a field is left empty.
#[component]
fn RetentionSettings() -> impl IntoView {
    let save = ServerAction::<SetRetention>::new();
    let current = Resource::new(move || save.version().get(), |_| retention());
    let saved = move || save.value().get().is_some_and(|r| matches!(r, Ok(Ok(_))));
    let failure = move || match save.value().get()? {
        Ok(Ok(_)) => None,
        Ok(Err(why)) => Some(why),
        Err(e) => Some(error_text(&e)),
    };
    view! {
        <section class="card" data-testid="retention">
            <h2>"Data retention in this sandbox"</h2>
            <p class="hint">
                "After these many days the housekeeping empties a message's content (its recipient, status and events stay), "
                "then deletes the message with its attempts and events, and deletes webhook delivery records. "
                "Messages still waiting to be sent are kept whole. Reports keep their totals. Empty: the server's default."
            </p>
            {move || failure().map(|message| view! { <ErrorBox message/> })}
            {move || saved().then(|| view! { <p class="hint" role="status">"Saved. The next housekeeping round applies it."</p> })}
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match current.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(r) => {
                            let field = |label: &'static str, name: &'static str, own: Option<u32>, default: u32| view! {
                                <label>{label}
                                    <input type="number" name=name min="1" max=domain::retention::MAX_DAYS.to_string()
                                        value=own.map(|d| d.to_string()).unwrap_or_default()
                                        placeholder=format!("{default} (default)")/>
                                </label>
                            };
                            view! {
                                <ActionForm action=save attr:class="inline-form">
                                    {field("Content (days)", "content_days", r.overrides.content_days, r.defaults.content_days)}
                                    {field("Messages (days)", "message_days", r.overrides.message_days, r.defaults.message_days)}
                                    {field("Webhook deliveries (days)", "webhook_days", r.overrides.webhook_days, r.defaults.webhook_days)}
                                    <button type="submit" disabled=move || save.pending().get()>"Save retention"</button>
                                </ActionForm>
                                <p class="meta" data-testid="retention-effective">
                                    {format!(
                                        "In force: content {} days, messages {} days, webhook deliveries {} days.",
                                        r.effective.content_days, r.effective.message_days, r.effective.webhook_days
                                    )}
                                </p>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}
