//! One module per page.

mod account;
mod api_docs;
mod api_keys;
mod audiences;
mod audit;
mod campaign;
mod campaign_approval;
mod campaign_report;
mod campaign_sends;
mod campaign_versions;
mod campaigns;
mod edit_campaign;
mod fragments;
mod home;
mod login;
mod message;
mod messages;
mod namespaces;
mod new_campaign;
mod profile;
mod profiles;
mod sandboxes;
mod saved_content;
mod suppressions;
mod surfaces;
mod system;
mod team;
mod test_send;
mod webhooks;
mod welcome;

pub use account::AccountPage;
pub use api_docs::ApiDocsPage;
pub use api_keys::ApiKeysPage;
pub use audiences::AudiencesPage;
pub use audit::AuditPage;
pub use campaign::CampaignPage;
pub use campaign_report::CampaignReportPage;
pub use campaign_versions::{CampaignVersionPage, CampaignVersionsPage};
pub use campaigns::CampaignsPage;
pub use edit_campaign::EditCampaignPage;
pub use fragments::{FragmentPage, FragmentsPage};
pub use home::HomePage;
pub use login::LoginPage;
pub use message::MessagePage;
pub use messages::MessagesPage;
pub use namespaces::NamespacesPage;
pub use new_campaign::NewCampaignPage;
pub use profile::ProfilePage;
pub use profiles::ProfilesPage;
pub use sandboxes::SandboxesPage;
pub use saved_content::SavedContentPage;
pub use suppressions::SuppressionsPage;
pub use surfaces::SurfacesPage;
pub use system::SystemPage;
pub use team::TeamPage;
pub use test_send::TestSendPage;
pub use webhooks::WebhooksPage;
pub use welcome::WelcomePage;

use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <crate::components::Layout>
            <h1>"Page not found"</h1>
            <p>"There is no page at this address. "<a href="/campaigns">"Go to the campaigns"</a>"."</p>
        </crate::components::Layout>
    }
}
