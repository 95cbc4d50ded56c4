use crate::api::CreateCampaign;
use crate::components::{ErrorBox, Layout, error_text};
use leptos::prelude::*;

const SAMPLE_HTML: &str = "<p>Hi {{profile.person.name.firstName}},</p>\n<p><a href=\"{{context.resetUrl}}\">Reset your password</a></p>";
const SAMPLE_TEXT: &str =
    "Hi {{profile.person.name.firstName}},\nReset your password: {{context.resetUrl}}";

/// Creates an API-triggered email campaign (a draft).
#[component]
pub fn NewCampaignPage() -> impl IntoView {
    let create = ServerAction::<CreateCampaign>::new();
    let error = move || {
        create
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| error_text(&e))
    };
    view! {
        <Layout>
            <h1>"New API-triggered email campaign"</h1>
            {move || error().map(|message| view! { <ErrorBox message/> })}
            <ActionForm action=create attr:class="stack wide">
                <label>"Title" <input name="title" required maxlength="200"/></label>
                <label>"Category"
                    <select name="category">
                        <option value="transactional" selected>"Transactional — password resets, codes, receipts"</option>
                        <option value="marketing">"Marketing — promotions; consent and opt-outs apply"</option>
                    </select>
                </label>
                <label>"Identity namespace"
                    <input name="namespace" required value="email" list="namespaces" maxlength="64"/>
                    <datalist id="namespaces">
                        {domain::profile::STANDARD_NAMESPACES.map(|ns| view! { <option value=ns></option> }).collect_view()}
                    </datalist>
                </label>
                <p class="hint">"How the API call's userId identifies a person: email, phone, ecid, crmId, or your own namespace."</p>
                <label class="checkbox">
                    <input type="checkbox" name="create_profiles" value="on"/>
                    "Create new profiles: a recipient of type \"aep\" without a profile gets one instead of failing the call"
                </label>
                <label>"Subject"
                    <input name="subject" required value="Reset your password, {{profile.person.name.firstName}}"/>
                </label>
                <label>"HTML body" <textarea name="html_body" rows="8">{SAMPLE_HTML}</textarea></label>
                <label>"Text body" <textarea name="text_body" rows="5">{SAMPLE_TEXT}</textarea></label>
                <p class="hint">
                    "Personalise with "<code>"{{profile.…}}"</code>" (the recipient's profile) and "
                    <code>"{{context.…}}"</code>" (data sent with each API call)."
                </p>
                <div class="actions">
                    <button type="submit" disabled=move || create.pending().get()>"Create campaign"</button>
                </div>
            </ActionForm>
        </Layout>
    }
}
