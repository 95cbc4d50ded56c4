use super::new_campaign::{CampaignForm, sandbox_fragments};
use crate::api::{UpdateCampaign, get_campaign};
use crate::components::{ErrorBox, Layout, error_text};
use domain::campaign::CampaignStatus;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// Edits a campaign: a draft in place; a live campaign into a new draft version that takes
/// over once activated.
#[component]
pub fn EditCampaignPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let update = ServerAction::<UpdateCampaign>::new();
    let campaign = Resource::new(id, get_campaign);
    let fragments = Resource::new(|| (), |_| sandbox_fragments());
    let error = Signal::derive(move || update.value().get().and_then(|r| r.err()));
    view! {
        <Layout>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let fragments = fragments.await;
                    match campaign.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(c) => {
                            let live = matches!(c.status, CampaignStatus::Live | CampaignStatus::Scheduled);
                            let campaign_id = c.id.clone();
                            view! {
                                <h1>{format!("Edit {}", c.title)}</h1>
                                {live.then(|| view! {
                                    <p class="hint">
                                        "This campaign is live. Your changes to its content become a new version; trigger calls "
                                        "keep using the live version until you activate the new one. Channel and namespace stay as they are."
                                    </p>
                                })}
                                <CampaignForm
                                    initial=c.to_input()
                                    fragments
                                    locked=live
                                    submit_label="Save"
                                    pending=update.pending().into()
                                    error
                                    on_submit=Callback::new(move |input| {
                                        update.dispatch(UpdateCampaign { id: campaign_id.clone(), input });
                                    })
                                />
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </Layout>
    }
}
