//! One "Send a test" of a campaign: to whom, which version, what the provider answered, and
//! what was sent.

use crate::api::campaign_test_send;
use crate::components::{ErrorBox, Layout, error_text};
use crate::local_time::LocalTime;
use crate::pages::campaign::TestSendResult;
use domain::channel::Channel;
use domain::views::TestSendView;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn TestSendPage() -> impl IntoView {
    let params = use_params_map();
    let ids = move || {
        params.with(|p| {
            (
                p.get("id").unwrap_or_default(),
                p.get("test").unwrap_or_default(),
            )
        })
    };
    let test = Resource::new(ids, |(id, test)| campaign_test_send(id, test));
    view! {
        <Layout>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match test.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(t) => view! { <TestSendDetail test=t/> }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn TestSendDetail(test: TestSendView) -> impl IntoView {
    let t = test.summary.clone();
    let (subject_label, text_label) = match test.channel {
        Channel::Email => ("Subject", "Text body"),
        Channel::Sms => ("", "SMS text"),
        Channel::Push => ("Title", "Body"),
    };
    view! {
        <div class="title-row">
            <h1>{format!("Test send to {}", t.address)}</h1>
        </div>
        <p class="meta">
            "Campaign " <a href=format!("/campaigns/{}", test.campaign_id)>{test.campaign_title.clone()}</a>
            " · version " {t.version}
            " · sent " <LocalTime ms=t.sent_at/> " by " {t.sent_by.clone()}
            {t.provider_id.clone().map(|id| view! { " · provider's id " <code>{id}</code> })}
        </p>
        <p data-testid="test-send-result"><TestSendResult test=t.clone()/></p>
        <section class="card">
            <h2>"What was sent"</h2>
            {(!t.subject.is_empty()).then(|| view! {
                <p class="label">{subject_label}</p>
                <p data-testid="test-send-subject"><strong>{t.subject.clone()}</strong></p>
            })}
            {(!test.html_body.is_empty()).then(|| view! {
                <p class="label">"HTML body"</p>
                <iframe class="preview" title="Rendered HTML" sandbox="" srcdoc=test.html_body.clone()></iframe>
            })}
            {(!test.text_body.is_empty()).then(|| view! {
                <p class="label">{text_label}</p>
                <pre class="code">{test.text_body.clone()}</pre>
            })}
            {test.payload.clone().map(|payload| view! {
                <p class="label">"Push options"</p>
                <pre class="code">{payload}</pre>
            })}
        </section>
    }
}
