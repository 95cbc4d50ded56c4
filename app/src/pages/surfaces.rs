//! Channel surfaces: the senders and providers campaigns send through, per sandbox.

use crate::api::{DeleteSurface, SaveSurface, VerifySurface, list_surfaces};
use crate::components::{ErrorBox, Layout, error_text};
use crate::error::AppError;
use domain::channel::{Category, Channel};
use domain::surface::{ProviderKind, SurfaceInput};
use domain::views::SurfaceView;
use leptos::prelude::*;

type GetField = fn(&SurfaceInput) -> String;
type SetField = fn(&mut SurfaceInput, String);

#[component]
pub fn SurfacesPage() -> impl IntoView {
    let save = ServerAction::<SaveSurface>::new();
    let delete = ServerAction::<DeleteSurface>::new();
    let verify = ServerAction::<VerifySurface>::new();
    // The name of the surface last verified, for the answer's sentence.
    let verified = RwSignal::new(String::new());
    let list = Resource::new(
        move || (save.version().get(), delete.version().get()),
        |_| list_surfaces(),
    );
    // The surface being edited (None: a new one), and the form's values.
    let editing = RwSignal::new(None::<SurfaceView>);
    let form = RwSignal::new(blank(Channel::Email));
    Effect::new(move |_| {
        if save.value().get().is_some_and(|r| r.is_ok()) {
            editing.set(None);
            form.set(blank(Channel::Email));
        }
    });
    let failure = move || {
        let failed = |v: Option<Result<(), AppError>>| v.and_then(|r| r.err());
        failed(save.value().get())
            .or_else(|| failed(delete.value().get()))
            .map(|e| error_text(&e))
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveSurface {
            id: editing.get_untracked().map(|s| s.id),
            input: form.get_untracked(),
        });
    };
    let text = move |label: &'static str, name: &'static str, get: GetField, set: SetField| {
        view! {
            <label>{label}
                <input name=name prop:value=move || form.with(get)
                    on:input=move |ev| form.update(|f| set(f, event_target_value(&ev)))/>
            </label>
        }
    };
    // A secret field shows nothing once saved; left empty, the saved value is kept.
    let secret = move |label: &'static str,
                       name: &'static str,
                       multiline: bool,
                       get: GetField,
                       set: SetField| {
        let placeholder = move || {
            let saved = editing.with(|e| {
                e.as_ref()
                    .is_some_and(|s| s.secrets_set.iter().any(|n| n == name))
            });
            if saved {
                "saved — leave empty to keep"
            } else {
                ""
            }
        };
        let on_input = move |ev| form.update(|f| set(f, event_target_value(&ev)));
        if multiline {
            view! {
                <label>{label}
                    <textarea name=name rows="4" placeholder=placeholder autocomplete="off"
                        prop:value=move || form.with(get) on:input=on_input></textarea>
                </label>
            }
            .into_any()
        } else {
            view! {
                <label>{label}
                    <input type="password" name=name placeholder=placeholder autocomplete="new-password"
                        prop:value=move || form.with(get) on:input=on_input/>
                </label>
            }
            .into_any()
        }
    };
    let channel = move || form.with(|f| f.channel);
    let provider = move || form.with(|f| f.settings.provider);
    let is_channel = move |c: Channel| move || channel() == c;
    let is_provider = move |p: ProviderKind| move || provider() == p;
    view! {
        <Layout>
            <h1>"Channel surfaces"</h1>
            <p class="hint">
                "A surface is who a message comes from and which provider carries it: an email sender and its SMTP relay, "
                "an SMS sender and its gateway, a push app and its service. Campaigns choose one of their channel and category. "
                "Credentials are encrypted at rest and never shown again once saved."
            </p>
            {move || failure().map(|message| view! { <ErrorBox message/> })}
            {move || verify.value().get().map(|result| match result {
                Ok(check) => {
                    let (class, outcome) = if check.ok { ("banner success", "answered") } else { ("banner warning", "refused") };
                    view! {
                        <p class=class role="status" data-testid="surface-check">
                            <strong>{format!("{} ({}) {outcome}: ", verified.get(), check.provider)}</strong>
                            {check.answer}
                            {format!(" ({} ms)", check.took_ms)}
                        </p>
                    }.into_any()
                }
                Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
            })}
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(items) if items.is_empty() => view! {
                            <p class="empty">"No surfaces yet: campaigns use the server's default sender. Add one below."</p>
                        }.into_any(),
                        Ok(items) => view! {
                            <table class="list">
                                <thead><tr>
                                    <th>"Name"</th><th>"Channel"</th><th>"Category"</th><th>"Sender"</th>
                                    <th>"Provider"</th><th>"Campaigns"</th><th></th>
                                </tr></thead>
                                <tbody>
                                    {items.into_iter().map(|s| {
                                        let edit = s.clone();
                                        let id = s.id.clone();
                                        let check = (s.id.clone(), s.name.clone());
                                        view! {
                                            <tr data-testid="surface">
                                                <td>{s.name.clone()}</td>
                                                <td>{s.channel.as_str()}</td>
                                                <td>{s.category.as_str()}</td>
                                                <td>{sender(&s)}</td>
                                                <td>
                                                    {s.settings.provider.label()}
                                                    {s.smtp_server.clone().map(|u| view! { " " <code>{u}</code> })}
                                                </td>
                                                <td>{s.campaigns}</td>
                                                <td class="row-actions">
                                                    <button type="button" class="secondary" on:click=move |_| {
                                                        form.set(edit.to_input());
                                                        editing.set(Some(edit.clone()));
                                                    }>"Edit"</button>
                                                    <button type="button" class="secondary" disabled=move || verify.pending().get()
                                                        on:click=move |_| {
                                                            verified.set(check.1.clone());
                                                            verify.dispatch(VerifySurface { id: check.0.clone() });
                                                        }>
                                                        "Verify"
                                                    </button>
                                                    <button type="button" class="secondary" disabled={s.campaigns > 0}
                                                        on:click=move |_| { delete.dispatch(DeleteSurface { id: id.clone() }); }>
                                                        "Delete"
                                                    </button>
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
            <h2>{move || match editing.get() {
                Some(s) => format!("Edit “{}”", s.name),
                None => "New surface".to_owned(),
            }}</h2>
            <form class="stack" on:submit=submit data-testid="surface-form">
                {text("Name", "name", |f| f.name.clone(), |f, v| f.name = v)}
                <div class="inline-form">
                    <label>"Channel"
                        <select name="channel" disabled=move || editing.with(Option::is_some)
                            on:change=move |ev| {
                                let c = Channel::parse(&event_target_value(&ev)).unwrap_or_default();
                                form.update(|f| { f.channel = c; f.settings.provider = ProviderKind::Capture; });
                            }>
                            {[Channel::Email, Channel::Sms, Channel::Push].map(|c| view! {
                                <option value=c.as_str() selected=move || channel() == c>{c.as_str()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label>"Category"
                        <select name="category" on:change=move |ev| {
                            let c = Category::parse(&event_target_value(&ev)).unwrap_or_default();
                            form.update(|f| f.category = c);
                        }>
                            {[Category::Transactional, Category::Marketing].map(|c| view! {
                                <option value=c.as_str() selected=move || form.with(|f| f.category) == c>{c.as_str()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label>"Provider"
                        <select name="provider" on:change=move |ev| {
                            let p = ProviderKind::parse(&event_target_value(&ev)).unwrap_or_default();
                            form.update(|f| f.settings.provider = p);
                        }>
                            {move || ProviderKind::ALL.into_iter().filter(|p| p.serves(channel())).map(|p| view! {
                                <option value=p.as_str() selected=move || provider() == p>{p.label()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                </div>
                <Show when=is_channel(Channel::Email)>
                    {text("From name", "from_name", |f| f.settings.from_name.clone(), |f, v| f.settings.from_name = v)}
                    {text("From address", "from_address", |f| f.settings.from_address.clone(), |f, v| f.settings.from_address = v)}
                    {text("Reply-to (optional)", "reply_to", |f| f.settings.reply_to.clone(), |f, v| f.settings.reply_to = v)}
                </Show>
                <Show when=is_channel(Channel::Sms)>
                    {text("Sender (E.164 number or up to 11 letters and digits)", "sender", |f| f.settings.sender.clone(), |f, v| f.settings.sender = v)}
                    {text("Phone region for national numbers (e.g. US; empty: the sandbox's)", "phone_region", |f| f.settings.phone_region.clone(), |f, v| f.settings.phone_region = v)}
                </Show>
                <Show when=is_channel(Channel::Push)>
                    {text("App id (bundle id or package name)", "app_id", |f| f.settings.app_id.clone(), |f, v| f.settings.app_id = v)}
                    <label>"Platform"
                        <select name="platform" on:change=move |ev| {
                            let p = event_target_value(&ev);
                            form.update(|f| f.settings.platform = p);
                        }>
                            <option value="">"Choose…"</option>
                            {["android", "ios"].map(|p| view! {
                                <option value=p selected=move || form.with(|f| f.settings.platform == p)>{p}</option>
                            }).collect_view()}
                        </select>
                    </label>
                </Show>
                <Show when=is_provider(ProviderKind::Smtp)>
                    {secret("SMTP URL: smtp://user:password@host:587?tls=required or smtps://…", "smtpUrl", false,
                        |f| f.secrets.smtp_url.clone().unwrap_or_default(), |f, v| f.secrets.smtp_url = Some(v))}
                </Show>
                <Show when=is_provider(ProviderKind::Twilio)>
                    {text("Account SID", "account_sid", |f| f.settings.account_sid.clone(), |f, v| f.settings.account_sid = v)}
                    {secret("Auth token", "authToken", false,
                        |f| f.secrets.auth_token.clone().unwrap_or_default(), |f, v| f.secrets.auth_token = Some(v))}
                    {text("API base URL (empty: Twilio's)", "base_url", |f| f.settings.base_url.clone(), |f, v| f.settings.base_url = v)}
                </Show>
                <Show when=is_provider(ProviderKind::Webhook)>
                    {text("Gateway URL (receives a JSON POST per SMS)", "webhook_url", |f| f.settings.webhook_url.clone(), |f, v| f.settings.webhook_url = v)}
                    {secret("Bearer token (optional)", "authToken", false,
                        |f| f.secrets.auth_token.clone().unwrap_or_default(), |f, v| f.secrets.auth_token = Some(v))}
                </Show>
                <Show when=is_provider(ProviderKind::Fcm)>
                    {secret("Service account JSON key", "serviceAccount", true,
                        |f| f.secrets.service_account.clone().unwrap_or_default(), |f, v| f.secrets.service_account = Some(v))}
                    {text("Token URL (empty: the key's token_uri)", "token_url", |f| f.settings.token_url.clone(), |f, v| f.settings.token_url = v)}
                    {text("API base URL (empty: FCM's)", "api_base", |f| f.settings.api_base.clone(), |f, v| f.settings.api_base = v)}
                </Show>
                <Show when=is_provider(ProviderKind::Apns)>
                    {text("Team id", "team_id", |f| f.settings.team_id.clone(), |f, v| f.settings.team_id = v)}
                    {text("Key id", "key_id", |f| f.settings.key_id.clone(), |f, v| f.settings.key_id = v)}
                    {secret("Signing key (.p8)", "privateKey", true,
                        |f| f.secrets.private_key.clone().unwrap_or_default(), |f, v| f.secrets.private_key = Some(v))}
                    {text("API base URL (empty: production APNs)", "base_url", |f| f.settings.base_url.clone(), |f, v| f.settings.base_url = v)}
                </Show>
                {text("Provider rate limit (messages/s, empty: none)", "rate_limit",
                    |f| f.settings.rate_limit.map(|r| r.to_string()).unwrap_or_default(),
                    // Unreadable is sent as 0, which the server refuses by name.
                    |f, v| f.settings.rate_limit = (!v.trim().is_empty()).then(|| v.trim().parse().unwrap_or(0)))}
                <label>"Backup surface (takes over when this provider is down)"
                    <select name="backup" on:change=move |ev| {
                        let id = event_target_value(&ev);
                        form.update(|f| f.settings.backup_surface_id = id);
                    }>
                        <option value="">"None"</option>
                        <Suspense>
                            {move || Suspend::new(async move {
                                let editing_id = editing.with(|e| e.as_ref().map(|e| e.id.clone()));
                                list.await.unwrap_or_default().into_iter()
                                    .filter(|s| s.channel == channel() && Some(&s.id) != editing_id.as_ref())
                                    .map(|s| {
                                        let id = s.id.clone();
                                        view! {
                                            <option value=s.id selected=move || form.with(|f| f.settings.backup_surface_id == id)>
                                                {s.name}
                                            </option>
                                        }
                                    })
                                    .collect_view()
                            })}
                        </Suspense>
                    </select>
                </label>
                <div class="actions">
                    <button type="submit" disabled=move || save.pending().get()>
                        {move || if editing.with(Option::is_some) { "Save surface" } else { "Create surface" }}
                    </button>
                    <Show when=move || editing.with(Option::is_some)>
                        <button type="button" class="secondary" on:click=move |_| {
                            editing.set(None);
                            form.set(blank(Channel::Email));
                        }>"Cancel"</button>
                    </Show>
                </div>
            </form>
        </Layout>
    }
}

fn blank(channel: Channel) -> SurfaceInput {
    SurfaceInput {
        channel,
        ..SurfaceInput::default()
    }
}

/// Who the surface's messages come from, in one line.
fn sender(s: &SurfaceView) -> String {
    let v = &s.settings;
    match s.channel {
        Channel::Email if v.from_name.is_empty() => v.from_address.clone(),
        Channel::Email => format!("{} <{}>", v.from_name, v.from_address),
        Channel::Sms => v.sender.clone(),
        Channel::Push => format!("{} ({})", v.app_id, v.platform),
    }
}
