use crate::api::{CreateSandbox, workspace};
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
        </Layout>
    }
}
