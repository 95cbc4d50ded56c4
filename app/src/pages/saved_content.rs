//! Saved content: campaigns' content kept under a name (saved from a campaign's page), listed
//! here to start new campaigns from or delete.

use crate::api::{DeleteSavedContent, SaveContent, list_saved_content};
use crate::components::{Confirm, ErrorBox, Layout, error_text};
use crate::local_time::LocalTime;
use leptos::prelude::*;

#[component]
pub fn SavedContentPage() -> impl IntoView {
    let delete = ServerAction::<DeleteSavedContent>::new();
    let list = Resource::new(move || delete.version().get(), |_| list_saved_content());
    view! {
        <Layout>
            <h1>"Saved content"</h1>
            <p class="hint">
                "Content saved from a campaign (its subject, bodies, push options and languages), to start new campaigns from. "
                "Save a campaign's content from its page; a saved copy does not change when the campaign does."
            </p>
            {move || delete.value().get().and_then(Result::err).map(|e| view! { <ErrorBox message=error_text(&e)/> })}
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(items) if items.is_empty() => view! {
                            <p class="empty" data-testid="no-saved-content">
                                "Nothing is saved yet. Open a campaign and use \"Save content for reuse\"."
                            </p>
                        }.into_any(),
                        Ok(items) => view! {
                            <div class="table-scroll">
                            <table class="list" data-testid="saved-content">
                                <thead><tr><th>"Name"</th><th>"Channel"</th><th>"Saved from"</th><th>"Saved"</th><th></th></tr></thead>
                                <tbody>
                                    {items.into_iter().map(|s| {
                                        let id = StoredValue::new(s.id.clone());
                                        view! {
                                        <tr>
                                            <td>
                                                <strong>{s.name.clone()}</strong>
                                                {(!s.description.is_empty()).then(|| view! { <div class="hint">{s.description.clone()}</div> })}
                                            </td>
                                            <td>{s.channel.as_str()}</td>
                                            <td>{s.from_campaign.clone().unwrap_or_else(|| "a deleted campaign".into())}</td>
                                            <td><LocalTime ms=s.saved_at/>" by "{s.saved_by.clone()}</td>
                                            <td class="row-actions">
                                                <a class="button" href=format!("/campaigns/new?from={}", s.id)>"Start a campaign"</a>
                                                <Confirm ask="Delete…".into()
                                                    question=format!("\"{}\" is deleted; campaigns started from it keep their content.", s.name)>
                                                    <ActionForm action=delete>
                                                        <input type="hidden" name="id" value=id.get_value()/>
                                                        <button type="submit" class="danger">"Delete"</button>
                                                    </ActionForm>
                                                </Confirm>
                                            </td>
                                        </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}

/// "Save content for reuse" on a campaign's page: its newest content under a name.
#[component]
pub(crate) fn SaveContentCard(campaign_id: String) -> impl IntoView {
    let save = ServerAction::<SaveContent>::new();
    view! {
        <section class="card" data-testid="save-content">
            <h2>"Save content for reuse"</h2>
            <p class="hint">
                "Keeps a copy of the newest content under a name, to start new campaigns from under "
                <a href="/content">"Saved content"</a>"."
            </p>
            <ActionForm action=save attr:class="inline-form">
                <input type="hidden" name="campaign_id" value=campaign_id/>
                <label>"Name" <input name="name" required maxlength="100"/></label>
                <label>"Description" <input name="description" maxlength="500"/></label>
                <button type="submit" class="secondary" disabled=move || save.pending().get()>"Save content"</button>
            </ActionForm>
            {move || save.value().get().map(|result| match result {
                Ok(saved) => view! {
                    <p class="hint" data-testid="saved">
                        {format!("Saved as \u{201c}{}\u{201d}. ", saved.name)}
                        <a href=format!("/campaigns/new?from={}", saved.id)>"Start a campaign from it"</a>
                    </p>
                }.into_any(),
                Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
            })}
        </section>
    }
}
