use crate::api::{CreateApiKey, RevokeApiKey, list_api_keys, list_campaigns};
use crate::components::{Confirm, CopyButton, ErrorBox, Layout, error_text};
use crate::local_time::LocalTime;
use domain::views::ApiKeyView;
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
            {move || matches!(revoke.value().get(), Some(Ok(_))).then(|| view! {
                <p class="banner success" role="status">"Revoked: calls with that key are refused from now on."</p>
            })}
            {move || create.value().get().and_then(|r| r.ok()).map(|key| view! {
                <section class="card new-key" role="status">
                    <p class="label">"Your new API key — copy it now, it will not be shown again:"</p>
                    <div class="copy-row">
                        <code data-testid="new-api-key">{key.clone()}</code>
                        <CopyButton text=key label="Copy key"/>
                    </div>
                </section>
            })}
            <NewKeyForm create/>
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

/// The new-key form: name, scope, and optionally the only campaigns the key may trigger.
#[component]
fn NewKeyForm(create: ServerAction<CreateApiKey>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let scope = RwSignal::new("trigger".to_owned());
    let restricted = RwSignal::new(false);
    let chosen = RwSignal::new(Vec::<String>::new());
    let campaigns = Resource::new(|| (), |_| list_campaigns());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateApiKey {
            name: name.get_untracked(),
            scope: scope.get_untracked(),
            campaigns: restricted.get_untracked().then(|| chosen.get_untracked()),
        });
    };
    view! {
        <form class="stack" on:submit=submit>
            <div class="inline-form">
                <label>"Name"
                    <input name="name" required maxlength="100" placeholder="e.g. shop-backend"
                        prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                </label>
                <label>"Scope"
                    <select name="scope" on:change=move |ev| scope.set(event_target_value(&ev))>
                        <option value="trigger" selected>"trigger — execution API only"</option>
                        <option value="admin">"admin — also the management API"</option>
                    </select>
                </label>
            </div>
            <label class="checkbox">
                <input type="checkbox" name="restricted"
                    prop:checked=restricted on:change=move |ev| restricted.set(event_target_checked(&ev))/>
                "Allow only some campaigns"
            </label>
            <Show when=move || restricted.get()>
                <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        let list = campaigns.await.unwrap_or_default();
                        if list.is_empty() {
                            return view! { <p class="empty">"This sandbox has no campaigns yet."</p> }.into_any();
                        }
                        view! {
                            <fieldset class="choices">
                                <legend>"Campaigns this key may trigger"</legend>
                                {list.into_iter().map(|c| {
                                    let id = c.id.clone();
                                    view! {
                                        <label class="checkbox">
                                            <input type="checkbox" on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                chosen.update(|ids| {
                                                    ids.retain(|x| *x != id);
                                                    if on { ids.push(id.clone()); }
                                                });
                                            }/>
                                            {c.title}
                                        </label>
                                    }
                                }).collect_view()}
                            </fieldset>
                        }.into_any()
                    })}
                </Suspense>
            </Show>
            <div class="actions">
                <button type="submit" disabled=move || create.pending().get()>"Create API key"</button>
            </div>
        </form>
    }
}

#[component]
fn KeyTable(keys: Vec<ApiKeyView>, revoke: ServerAction<RevokeApiKey>) -> impl IntoView {
    let active_admin_keys = keys
        .iter()
        .filter(|k| k.revoked_at.is_none() && k.scope == "admin")
        .count();
    view! {
        <table class="list">
            <thead><tr><th>"Name"</th><th>"Key"</th><th>"Sandbox"</th><th>"Scope"</th><th>"Created"</th><th>"Last used"</th><th>"Status"</th><th></th></tr></thead>
            <tbody>
                {keys.into_iter().map(|k| {
                    let active = k.revoked_at.is_none();
                    view! {
                        <tr data-testid="api-key">
                            <td>{k.name.clone()}</td>
                            <td><code>{format!("{}…", k.prefix)}</code></td>
                            <td>{format!("{} / {}", k.org_id, k.sandbox_name)}</td>
                            <td>
                                {k.scope.clone()}
                                {k.restricted.then(|| {
                                    let allowed = if k.campaigns.is_empty() { "no campaign".to_owned() } else { k.campaigns.join(", ") };
                                    view! { <div class="hint">{format!("only: {allowed}")}</div> }
                                })}
                            </td>
                            <td><LocalTime ms=k.created_at/></td>
                            <td>{match k.last_used_at {
                                Some(ms) => view! { <LocalTime ms/> }.into_any(),
                                None => "never".into_any(),
                            }}</td>
                            <td>
                                {match k.revoked_at {
                                    None => view! { <span class="badge badge-live">"active"</span> }.into_any(),
                                    Some(at) => view! { <span class="badge badge-stopped">"revoked " <LocalTime ms=at/></span> }.into_any(),
                                }}
                            </td>
                            <td>
                                {active.then(|| {
                                    let mut question = "Every call with this key is refused from now on; this cannot be undone.".to_owned();
                                    if k.scope == "admin" && active_admin_keys == 1 {
                                        question.push_str(" It is the last active admin key: until another is created (on this page or with herald api-key create), nothing can manage Herald through the API.");
                                    }
                                    let id = StoredValue::new(k.id.clone());
                                    view! {
                                        <Confirm ask=format!("Revoke {}…", k.name) question type_to_confirm=k.name.clone()>
                                            <ActionForm action=revoke>
                                                <input type="hidden" name="id" value=id.get_value()/>
                                                <button type="submit" class="danger">"Revoke key"</button>
                                            </ActionForm>
                                        </Confirm>
                                    }
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
