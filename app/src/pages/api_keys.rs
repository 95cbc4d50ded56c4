use crate::api::{CreateApiKey, RevokeApiKey, list_api_keys};
use crate::components::{CopyButton, ErrorBox, Layout, error_text};
use domain::views::{ApiKeyView, format_utc};
use leptos::prelude::*;

/// API keys: create one (its secret is shown once), see when each was last used, revoke.
#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let keys = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_api_keys(),
    );
    let failure = move || {
        let created = create.value().get().and_then(|r| r.err());
        let revoked = revoke.value().get().and_then(|r| r.err());
        created.or(revoked).map(|e| error_text(&e))
    };
    view! {
        <Layout>
            <h1>"API keys"</h1>
            <p class="hint">
                "External systems send a key as 'Authorization: Bearer <key>' or 'x-api-key: <key>'. "
                "Herald stores only a hash: a key is shown once, when it is created."
            </p>
            {move || failure().map(|message| view! { <ErrorBox message/> })}
            {move || create.value().get().and_then(|r| r.ok()).map(|key| view! {
                <section class="card new-key" role="status">
                    <p class="label">"Your new API key — copy it now, it will not be shown again:"</p>
                    <div class="copy-row">
                        <code data-testid="new-api-key">{key.clone()}</code>
                        <CopyButton text=key label="Copy key"/>
                    </div>
                </section>
            })}
            <ActionForm action=create attr:class="inline-form">
                <label>"Name" <input name="name" required maxlength="100" placeholder="e.g. shop-backend"/></label>
                <button type="submit" disabled=move || create.pending().get()>"Create API key"</button>
            </ActionForm>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match keys.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <p class="empty">"No API keys yet. Create one for each system that triggers campaigns."</p>
                        }.into_any(),
                        Ok(list) => view! { <KeyTable keys=list revoke/> }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn KeyTable(keys: Vec<ApiKeyView>, revoke: ServerAction<RevokeApiKey>) -> impl IntoView {
    view! {
        <table class="list">
            <thead><tr><th>"Name"</th><th>"Key"</th><th>"Created"</th><th>"Last used"</th><th>"Status"</th><th></th></tr></thead>
            <tbody>
                {keys.into_iter().map(|k| {
                    let active = k.revoked_at.is_none();
                    view! {
                        <tr data-testid="api-key">
                            <td>{k.name.clone()}</td>
                            <td><code>{format!("{}…", k.prefix)}</code></td>
                            <td>{format_utc(k.created_at)}</td>
                            <td>{k.last_used_at.map(format_utc).unwrap_or_else(|| "never".into())}</td>
                            <td>
                                {match k.revoked_at {
                                    None => view! { <span class="badge badge-live">"active"</span> }.into_any(),
                                    Some(at) => view! { <span class="badge badge-stopped">{format!("revoked {}", format_utc(at))}</span> }.into_any(),
                                }}
                            </td>
                            <td>
                                {active.then(|| view! {
                                    <ActionForm action=revoke>
                                        <input type="hidden" name="id" value=k.id.clone()/>
                                        <button type="submit" class="secondary" aria-label=format!("Revoke {}", k.name)>"Revoke"</button>
                                    </ActionForm>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
