use crate::api::list_campaigns;
use crate::components::{ErrorBox, Layout, StatusBadge, error_text};
use domain::views::format_utc;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn CampaignsPage() -> impl IntoView {
    let campaigns = Resource::new(|| (), |_| list_campaigns());
    view! {
        <Layout>
            <div class="title-row">
                <h1>"Campaigns"</h1>
                <A href="/campaigns/new" attr:class="button">"New campaign"</A>
            </div>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match campaigns.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <p class="empty">
                                "No campaigns yet. Create one, activate it, and trigger it with one API call."
                            </p>
                        }.into_any(),
                        Ok(list) => view! {
                            <table class="list">
                                <thead><tr><th>"Title"</th><th>"Channel"</th><th>"Status"</th><th>"Updated"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|c| view! {
                                        <tr>
                                            <td><A href=format!("/campaigns/{}", c.id)>{c.title}</A></td>
                                            <td>{c.channel}</td>
                                            <td><StatusBadge status=c.status/></td>
                                            <td>{format_utc(c.updated_at)}</td>
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
