//! Webhooks: endpoints that receive events about the sandbox's messages, signed. Add one (its
//! secret is shown once), see its deliveries and failures, rotate its secret, delete it.

use crate::api::{
    AddWebhook, DeleteWebhook, RotateWebhookSecret, list_webhooks, webhook_deliveries,
};
use crate::components::{Confirm, CopyButton, ErrorBox, Layout, error_text};
use crate::local_time::LocalTime;
use domain::views::WebhookView;
use domain::webhook::WEBHOOK_EVENTS;
use leptos::prelude::*;

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let add = ServerAction::<AddWebhook>::new();
    let rotate = ServerAction::<RotateWebhookSecret>::new();
    let delete = ServerAction::<DeleteWebhook>::new();
    let list = Resource::new(
        move || (add.version().get(), delete.version().get()),
        |_| list_webhooks(),
    );
    let secret = move || match (add.value().get(), rotate.value().get()) {
        (Some(Ok(Ok(s))), None) | (_, Some(Ok(s))) => Some(s),
        _ => None,
    };
    let failure = move || match add.value().get() {
        Some(Ok(Err(why))) => Some(why),
        Some(Err(e)) => Some(error_text(&e)),
        _ => rotate
            .value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| delete.value().get().and_then(|r| r.err()))
            .map(|e| error_text(&e)),
    };
    view! {
        <Layout>
            <h1>"Webhooks"</h1>
            <p class="hint">
                "Herald POSTs each event about this sandbox's messages to these endpoints, signed with "
                <code>"Herald-Signature: t=…,v1=…"</code>" (HMAC-SHA256 of "<code>"<t>.<body>"</code>" with the secret), "
                "and retries with backoff for about 9 hours."
            </p>
            {move || failure().map(|message| view! { <ErrorBox message/> })}
            {move || secret().map(|secret| view! {
                <section class="card new-key" role="status">
                    <p class="label">"The signing secret — copy it now, it will not be shown again:"</p>
                    <div class="copy-row">
                        <code data-testid="webhook-secret">{secret.clone()}</code>
                        <CopyButton text=secret label="Copy secret"/>
                    </div>
                </section>
            })}
            <NewWebhookForm add/>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(items) if items.is_empty() => view! {
                            <p class="empty">"No webhooks yet."</p>
                        }.into_any(),
                        Ok(items) => items.into_iter()
                            .map(|w| view! { <Webhook webhook=w rotate delete/> })
                            .collect_view()
                            .into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn NewWebhookForm(add: ServerAction<AddWebhook>) -> impl IntoView {
    let url = RwSignal::new(String::new());
    let events = RwSignal::new(Vec::<String>::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        add.dispatch(AddWebhook {
            url: url.get_untracked(),
            events: events.get_untracked(),
        });
    };
    view! {
        <section class="card">
            <h2>"New webhook"</h2>
            <form class="stacked-form" on:submit=submit>
                <label>"URL" <input type="url" required placeholder="https://example.com/herald-events"
                    on:input=move |ev| url.set(event_target_value(&ev))/></label>
                <fieldset>
                    <legend>"Events (none chosen: all)"</legend>
                    {WEBHOOK_EVENTS.iter().map(|e| {
                        let event = (*e).to_owned();
                        view! {
                            <label class="inline">
                                <input type="checkbox" on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    let event = event.clone();
                                    events.update(|list| {
                                        list.retain(|x| *x != event);
                                        if on { list.push(event); }
                                    });
                                }/>
                                {*e}
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                <button type="submit" disabled=move || add.pending().get()>"Add webhook"</button>
            </form>
        </section>
    }
}

/// One webhook: what it receives, its backlog and failures, its deliveries on demand.
#[component]
fn Webhook(
    webhook: WebhookView,
    rotate: ServerAction<RotateWebhookSecret>,
    delete: ServerAction<DeleteWebhook>,
) -> impl IntoView {
    let shown = RwSignal::new(false);
    let id = webhook.id.clone();
    let deliveries = Resource::new(
        move || shown.get(),
        move |shown| {
            let id = id.clone();
            async move {
                if shown {
                    Some(webhook_deliveries(id).await)
                } else {
                    None
                }
            }
        },
    );
    let (rotate_id, delete_id) = (webhook.id.clone(), StoredValue::new(webhook.id.clone()));
    view! {
        <section class="card" data-testid="webhook">
            <h2>{webhook.url.clone()}</h2>
            <p class="meta">
                {webhook.events.join(", ")}" · "{webhook.pending}" waiting · "{webhook.failed}" failed for good · added "
                <LocalTime ms=webhook.created_at/>
            </p>
            <div class="copy-row">
                <button type="button" class="secondary" on:click=move |_| shown.update(|s| *s = !*s)>
                    {move || if shown.get() { "Hide deliveries" } else { "Show deliveries" }}
                </button>
                <ActionForm action=rotate>
                    <input type="hidden" name="id" value=rotate_id/>
                    <button type="submit" class="secondary">"Rotate secret"</button>
                </ActionForm>
                <Confirm ask="Delete…".into() question="Delete this webhook? Events stop going to it.".into()>
                    <ActionForm action=delete attr:class="inline-form">
                        <input type="hidden" name="id" value=delete_id.get_value()/>
                        <button type="submit" class="danger">"Yes, delete it"</button>
                    </ActionForm>
                </Confirm>
            </div>
            <Suspense>
                {move || Suspend::new(async move {
                    match deliveries.await {
                        None => ().into_any(),
                        Some(Err(e)) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Some(Ok(list)) if list.is_empty() => view! { <p class="empty">"No deliveries yet."</p> }.into_any(),
                        Some(Ok(list)) => view! {
                            <div class="table-scroll">
                            <table class="list" data-testid="webhook-deliveries">
                                <thead><tr><th>"Event"</th><th>"Status"</th><th>"Attempts"</th><th>"Last answer"</th><th>"Since"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|d| view! {
                                        <tr>
                                            <td>{d.event}</td>
                                            <td>{d.status.as_str()}</td>
                                            <td>{d.attempts}</td>
                                            <td>{d.last_result.unwrap_or_default()}</td>
                                            <td><LocalTime ms=d.created_at/></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
