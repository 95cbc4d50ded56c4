//! Identity namespaces: the standard ones, and custom ones an admin adds for campaigns and
//! profiles to use.

use crate::api::{AddNamespace, DeleteNamespace, list_namespaces};
use crate::components::{ErrorBox, Layout, error_text};
use leptos::prelude::*;

#[component]
pub fn NamespacesPage() -> impl IntoView {
    let add = ServerAction::<AddNamespace>::new();
    let delete = ServerAction::<DeleteNamespace>::new();
    let list = Resource::new(
        move || (add.version().get(), delete.version().get()),
        |_| list_namespaces(),
    );
    let failure = move || {
        add.value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| delete.value().get().and_then(|r| r.err()))
            .map(|e| error_text(&e))
    };
    view! {
        <Layout>
            <h1>"Identity namespaces"</h1>
            <p class="hint">
                "A namespace says what a trigger call's userId is: an email address, a phone number, a CRM id… "
                "Campaigns and profile identities use the standard ones or those added here."
            </p>
            {move || failure().map(|message| view! { <ErrorBox message/> })}
            <ActionForm action=add attr:class="inline-form">
                <label>"Name" <input name="name" required maxlength="64" placeholder="e.g. loyaltyId" pattern="[A-Za-z][A-Za-z0-9_]*"/></label>
                <label>"Description" <input name="description" maxlength="200" placeholder="e.g. Loyalty card number"/></label>
                <button type="submit" disabled=move || add.pending().get()>"Add namespace"</button>
            </ActionForm>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(items) => view! {
                            <table class="list">
                                <thead><tr><th>"Name"</th><th>"Description"</th><th>"Used by"</th><th></th></tr></thead>
                                <tbody>
                                    {items.into_iter().map(|n| {
                                        let used = format!("{} campaigns, {} profile identities", n.campaigns, n.identities);
                                        let removable = !n.standard;
                                        let in_use = n.campaigns + n.identities > 0;
                                        let name = n.name.clone();
                                        view! {
                                            <tr data-testid="namespace">
                                                <td><code>{n.name}</code></td>
                                                <td>{n.description}</td>
                                                <td>{used}</td>
                                                <td>
                                                    {if removable {
                                                        view! {
                                                            <ActionForm action=delete>
                                                                <input type="hidden" name="name" value=name/>
                                                                <button type="submit" class="danger" disabled=in_use
                                                                    title=if in_use { "In use: it can be deleted once nothing uses it" } else { "" }>"Delete"</button>
                                                            </ActionForm>
                                                        }.into_any()
                                                    } else {
                                                        view! { <span class="hint">"standard"</span> }.into_any()
                                                    }}
                                                </td>
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
