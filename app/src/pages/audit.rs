//! The sandbox's audit log: who changed what, when — campaigns, people and roles, keys,
//! webhooks, suppressions, profiles.

use crate::components::{ErrorBox, Layout, error_text};
use crate::local_time::LocalTime;
use crate::team::audit_log;
use leptos::prelude::*;

#[component]
pub fn AuditPage() -> impl IntoView {
    let search = RwSignal::new(String::new());
    let events = Resource::new(move || search.get(), audit_log);
    view! {
        <Layout>
            <h1>"Audit log"</h1>
            <p class="hint">"Every change in this sandbox, newest first (the latest 500)."</p>
            <label class="inline-form">"Search"
                <input type="search" placeholder="a person, an action, a campaign…" data-testid="audit-search"
                    on:change=move |ev| search.set(event_target_value(&ev))/>
            </label>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match events.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p>"Nothing matches."</p> }.into_any(),
                        Ok(list) => view! {
                            <table class="list">
                                <thead><tr><th>"When"</th><th>"Who"</th><th>"What"</th><th>"On"</th><th>"Detail"</th><th>"From"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|e| view! {
                                        <tr data-testid="audit-event">
                                            <td><LocalTime ms=e.at/></td>
                                            <td>{e.actor}</td>
                                            <td>{e.action}</td>
                                            <td>{e.subject}</td>
                                            <td>{e.detail}</td>
                                            <td>{e.address}</td>
                                        </tr>
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
