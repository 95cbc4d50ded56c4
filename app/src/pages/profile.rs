//! One profile: its identities, the states of its addresses (suppressed, opted out), its
//! consents, its attributes (edited as JSON), the messages sent to it, and erasure.

use crate::api::{EraseProfile, SaveProfileAttributes, profile_detail};
use crate::components::{Confirm, ErrorBox, Layout, error_text};
use crate::local_time::LocalTime;
use domain::views::ProfileDetail;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ProfilePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let save = ServerAction::<SaveProfileAttributes>::new();
    let erase = ServerAction::<EraseProfile>::new();
    let detail = Resource::new(
        move || (id(), save.version().get()),
        |(id, _)| profile_detail(id),
    );
    view! {
        <Layout>
            <p><A href="/profiles">"← Profiles"</A></p>
            {move || match erase.value().get() {
                Some(Ok(done)) => view! {
                    <h1>"Profile erased"</h1>
                    <p role="status" data-testid="erased">{format!(
                        "The profile is gone; {} stored messages to it lost their address and content{}.",
                        done.messages_redacted,
                        if done.messages_unfinished > 0 {
                            format!(" ({} still being sent were left: erase their addresses again later)", done.messages_unfinished)
                        } else {
                            String::new()
                        }
                    )}</p>
                }.into_any(),
                Some(Err(e)) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                None => view! {
                    <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                        {move || Suspend::new(async move {
                            match detail.await {
                                Err(e) => view! { <h1>"Profile"</h1><ErrorBox message=error_text(&e)/> }.into_any(),
                                Ok(d) => view! { <Profile detail=d save erase/> }.into_any(),
                            }
                        })}
                    </Suspense>
                }.into_any(),
            }}
        </Layout>
    }
}

#[component]
fn Profile(
    detail: ProfileDetail,
    save: ServerAction<SaveProfileAttributes>,
    erase: ServerAction<EraseProfile>,
) -> impl IntoView {
    let profile = detail.profile;
    let title = profile
        .identities
        .first()
        .map_or_else(|| profile.id.clone(), |i| i.id.clone());
    let attributes = serde_json::to_string_pretty(&profile.attributes).unwrap_or_default();
    let saved = move || match save.value().get() {
        Some(Ok(Ok(_))) => Some(view! { <p role="status">"Saved."</p> }.into_any()),
        Some(Ok(Err(why))) => Some(view! { <ErrorBox message=why/> }.into_any()),
        Some(Err(e)) => Some(view! { <ErrorBox message=error_text(&e)/> }.into_any()),
        None => None,
    };
    let (id, erase_id) = (profile.id.clone(), StoredValue::new(profile.id.clone()));
    view! {
        <h1>{title}</h1>
        <p class="meta">"Created "<LocalTime ms=profile.created_at/>", changed "<LocalTime ms=profile.updated_at/>
            " · id "<code class="id">{profile.id.clone()}</code></p>
        <section class="card">
            <h2>"Identities"</h2>
            <ul>
                {profile.identities.into_iter().map(|i| view! {
                    <li><strong>{i.namespace}</strong>": "{i.id}</li>
                }).collect_view()}
            </ul>
        </section>
        <section class="card">
            <h2>"Addresses"</h2>
            {if detail.addresses.is_empty() {
                view! { <p class="empty">"No email address or phone number."</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll">
                    <table class="list" data-testid="addresses">
                        <thead><tr><th>"Channel"</th><th>"Address"</th><th>"Suppressed"</th><th>"Marketing"</th><th></th></tr></thead>
                        <tbody>
                            {detail.addresses.into_iter().map(|a| {
                                let messages = format!(
                                    "/messages?{}",
                                    serde_urlencoded::to_string([("recipient", a.address.as_str())]).unwrap_or_default()
                                );
                                view! {
                                    <tr>
                                        <td>{a.channel}</td>
                                        <td>{a.address}</td>
                                        <td>{a.suppressed.unwrap_or_else(|| "no".into())}</td>
                                        <td>{if a.opted_out { "opted out" } else { "not opted out" }}</td>
                                        <td><A href=messages>"Messages sent"</A></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    </div>
                }.into_any()
            }}
            <p class="hint">"Consent to marketing: "
                {detail.consents.into_iter().map(|(channel, value)| {
                    let said = match value.as_deref() {
                        Some("y") => "yes",
                        Some("n") => "no",
                        Some(_) => "other",
                        None => "not given",
                    };
                    view! { <span class="chip">{format!("{channel}: {said}")}</span>" " }
                }).collect_view()}
                "(from "<code>"consents.marketing.<channel>.val"</code>")"
            </p>
        </section>
        <section class="card">
            <h2>"Attributes"</h2>
            <ActionForm action=save attr:class="stacked-form">
                <input type="hidden" name="id" value=id/>
                <label>"As JSON (personalises messages as "<code>"{{profile.…}}"</code>")"
                    <textarea name="attributes" rows="14" spellcheck="false" class="code">{attributes}</textarea>
                </label>
                <button type="submit" disabled=move || save.pending().get()>"Save attributes"</button>
            </ActionForm>
            {saved}
        </section>
        <section class="card danger-zone">
            <h2>"Erase"</h2>
            <p class="hint">
                "Deletes the profile and removes the address and content of every finished message sent to it. "
                "The audit log records that it was erased, by whom and when — not who it was. This cannot be undone."
            </p>
            <Confirm ask="Erase profile…".into() question="Erase this profile and redact its messages?".into()>
                <ActionForm action=erase attr:class="inline-form">
                    <input type="hidden" name="id" value=erase_id.get_value()/>
                    <button type="submit" class="danger" disabled=move || erase.pending().get()>"Yes, erase this profile"</button>
                </ActionForm>
            </Confirm>
        </section>
    }
}
