use crate::api::{
    CreateCampaign, TextFromHtml, list_audiences, list_fragments, list_namespaces,
    list_saved_content, list_surfaces, saved_content,
};
use crate::components::{ErrorBox, Layout, error_text, textarea_text};
use crate::editor::{
    AttributePicker, ContentProblems, ContentVariables, LivePreview, field_problem, sms_summary,
    utf16_to_byte,
};
use crate::error::AppError;
use crate::languages::{LanguageTabs, Languages};
use crate::local_time::{from_local_input, to_local_input, zone_signal};
use domain::campaign::CampaignInput;
use domain::channel::{Category, Channel};
use domain::content::{Content, PushOptions};
use domain::fragment::Fragments;
use domain::parts::Parts;
use domain::sms::sms_length;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

const SAMPLE_SUBJECT: &str = "Reset your password, {{profile.person.name.firstName}}";
const SAMPLE_HTML: &str = "<p>Hi {{profile.person.name.firstName}},</p>\n<p><a href=\"{{context.resetUrl}}\">Reset your password</a></p>";
const SAMPLE_TEXT: &str =
    "Hi {{profile.person.name.firstName}},\nReset your password: {{context.resetUrl}}";
const SAMPLE_SMS: &str = "Your code is {{context.otp}}. It expires in 10 minutes.";
const SAMPLE_PUSH_TITLE: &str = "Your order is on its way";
const SAMPLE_PUSH_BODY: &str = "Order {{context.orderId}} ships today.";

/// Creates an API-triggered campaign (a draft) on email, SMS or push: with example content,
/// or with saved content (`?from=<saved content id>`).
#[component]
pub fn NewCampaignPage() -> impl IntoView {
    let create = ServerAction::<CreateCampaign>::new();
    let query = use_query_map();
    let from = move || query.with(|q| q.get("from")).filter(|id| !id.is_empty());
    // Rendered on the server with the saved content already in place, so nothing changes at
    // hydration.
    let starting = Resource::new(from, |from| async move {
        match from {
            Some(id) => saved_content(id).await.map(Some),
            None => Ok(None),
        }
    });
    let saved = Resource::new(|| (), |_| list_saved_content());
    let fragments = Resource::new(|| (), |_| sandbox_fragments());
    let error = Signal::derive(move || create.value().get().and_then(|r| r.err()));
    let form = move |initial: CampaignInput, fragments: Fragments| {
        view! {
            <CampaignForm
                initial
                fragments
                locked=false
                submit_label="Create campaign"
                pending=create.pending().into()
                error
                on_submit=Callback::new(move |input| { create.dispatch(CreateCampaign { input }); })
            />
        }
    };
    view! {
        <Layout>
            <h1>"New API-triggered campaign"</h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let saved = saved.await.unwrap_or_default();
                    (!saved.is_empty()).then(|| view! {
                        <form method="get" action="/campaigns/new" class="inline-form" data-testid="start-from">
                            <label>"Start from"
                                <select name="from">
                                    <option value="">"Example content"</option>
                                    {saved.into_iter().map(|s| {
                                        let chosen = from().as_deref() == Some(s.id.as_str());
                                        view! {
                                            <option value=s.id selected=chosen>
                                                {format!("{} ({})", s.name, s.channel.as_str())}
                                            </option>
                                        }
                                    }).collect_view()}
                                </select>
                            </label>
                            <button type="submit" class="secondary">"Use"</button>
                        </form>
                    })
                })}
            </Suspense>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let fragments = fragments.await;
                    match starting.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(Some(saved)) => {
                            let mut initial = CampaignInput {
                                namespace: saved.content.channel.usual_namespace().into(),
                                ..CampaignInput::default()
                            };
                            initial.set_content(saved.content);
                            view! {
                                <p class="hint" data-testid="started-from">
                                    {format!("Content from \u{201c}{}\u{201d}: a copy; the saved content stays as it is.", saved.summary.name)}
                                </p>
                                {form(initial, fragments)}
                            }.into_any()
                        }
                        Ok(None) => form(CampaignInput {
                            subject: SAMPLE_SUBJECT.into(),
                            html_body: SAMPLE_HTML.into(),
                            text_body: SAMPLE_TEXT.into(),
                            ..CampaignInput::default()
                        }, fragments).into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}

/// The bodies of the sandbox's fragments as they are now, which the form's content may include
/// (none when they cannot be read: the server checks again on submission).
pub(crate) async fn sandbox_fragments() -> Fragments {
    list_fragments()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|f| (f.name, f.body))
        .collect()
}

/// The campaign form with live checks and preview. `locked` keeps the channel and namespace (a
/// live campaign's) unchangeable.
#[component]
pub fn CampaignForm(
    initial: CampaignInput,
    /// The sandbox's fragments, which the content may include.
    fragments: Fragments,
    locked: bool,
    submit_label: &'static str,
    pending: Signal<bool>,
    /// The server's refusal of the last submission, with the fields it is about.
    error: Signal<Option<AppError>>,
    on_submit: Callback<CampaignInput>,
) -> impl IntoView {
    let channel = RwSignal::new(initial.channel);
    let title = RwSignal::new(initial.title.clone());
    let category = RwSignal::new(initial.category);
    let namespace = RwSignal::new(initial.namespace.clone());
    let create_profiles = RwSignal::new(initial.create_profiles);
    let tracking = RwSignal::new(initial.tracking);
    let languages = Languages::new(initial.content());
    let locale_attribute = RwSignal::new(initial.locale_attribute.clone());
    let fields = languages.fields;
    let (subject, preheader, html_body, text_body) = (
        fields.subject,
        fields.preheader,
        fields.html_body,
        fields.text_body,
    );
    let image_url = RwSignal::new(initial.push.image_url.clone().unwrap_or_default());
    let link = RwSignal::new(initial.push.link.clone().unwrap_or_default());
    let push_data = RwSignal::new(
        initial
            .push
            .data
            .iter()
            .enumerate()
            .map(|(id, (k, v))| DataRow::new(id, k.clone(), v.clone()))
            .collect::<Vec<_>>(),
    );
    let description = RwSignal::new(initial.description.clone());
    let tags = RwSignal::new(initial.tags.join(", "));
    // Dates are entered and shown in the browser's time zone, so they are filled in once the
    // page runs in the browser (the server does not know the zone).
    let starts_at = RwSignal::new(String::new());
    let ends_at = RwSignal::new(String::new());
    let (initial_start, initial_end) = (initial.starts_at.clone(), initial.ends_at.clone());
    Effect::new(move |_| {
        starts_at.set(to_local_input(initial_start.as_deref()));
        ends_at.set(to_local_input(initial_end.as_deref()));
    });
    let zone = zone_signal();
    let surface_id = RwSignal::new(initial.surface_id.clone().unwrap_or_default());
    let surfaces = Resource::new(|| (), |_| list_surfaces());
    let audience_id = RwSignal::new(initial.audience_id.clone().unwrap_or_default());
    let audiences = Resource::new(|| (), |_| list_audiences());
    let namespaces = Resource::new(|| (), |_| list_namespaces());
    let rate_limit = RwSignal::new(
        initial
            .rate_limit
            .map(|r| r.to_string())
            .unwrap_or_default(),
    );
    // Switching channel brings that channel's example content (and usual namespace).
    let switch_channel = move |to: Channel| {
        channel.set(to);
        surface_id.set(String::new());
        let (s, h, t) = match to {
            Channel::Email => (SAMPLE_SUBJECT, SAMPLE_HTML, SAMPLE_TEXT),
            Channel::Sms => ("", "", SAMPLE_SMS),
            Channel::Push => (SAMPLE_PUSH_TITLE, "", SAMPLE_PUSH_BODY),
        };
        namespace.set(to.usual_namespace().into());
        languages.reset(Parts {
            subject: s.into(),
            html_body: h.into(),
            text_body: t.into(),
            ..Parts::default()
        });
    };
    let optional = |s: String| Some(s).filter(|v| !v.trim().is_empty());
    // Push options (tracked); rows without a key are left out.
    let push = move || {
        if channel.get() != Channel::Push {
            return PushOptions::default();
        }
        PushOptions {
            image_url: optional(image_url.get()),
            link: optional(link.get()),
            data: push_data.with(|rows| {
                rows.iter()
                    .map(|row| (row.key.get().trim().to_owned(), row.value.get()))
                    .filter(|(k, _)| !k.is_empty())
                    .collect()
            }),
        }
    };
    // The content as typed, every language included, checked on every keystroke with the
    // server's own rules.
    let content_input = move || languages.content(channel.get(), push(), locale_attribute.get());
    let fragment_names: Vec<String> = fragments.names().map(str::to_owned).collect();
    let check = Memo::new(move |_| Content::parse_with(&content_input(), &fragments));
    // A content field's problem, shown under it (tracked); the field is marked invalid.
    let problem = move |part: &'static str| field_problem(check, &languages.field_name(part));
    let invalid = move |part: &'static str| move || problem(part).is_some().to_string();
    let problem_text = move |part: &'static str| {
        move || {
            problem(part).map(|message| {
                view! { <span class="field-problem" id=format!("{part}-problem")>{message}</span> }
            })
        }
    };
    // A property's problem as the server found it (the content's are checked above, as typed),
    // shown under the field until the next submission answers.
    let refused = move |field: &'static str| {
        error.with(|e| e.as_ref().and_then(|e| e.about(field)).map(str::to_owned))
    };
    let refused_invalid = move |field: &'static str| move || refused(field).is_some().to_string();
    let refused_text = move |field: &'static str| {
        move || {
            refused(field).map(|message| {
                view! { <span class="field-problem" id=format!("{field}-problem")>{message}</span> }
            })
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // An unreadable rate limit is sent as 0, which the server refuses by name.
        let rate_limit = rate_limit.get_untracked();
        let rate_limit =
            (!rate_limit.trim().is_empty()).then(|| rate_limit.trim().parse().unwrap_or(0));
        let mut input = CampaignInput {
            title: title.get_untracked(),
            description: description.get_untracked(),
            tags: tags
                .get_untracked()
                .split(',')
                .map(|t| t.trim().to_owned())
                .collect(),
            starts_at: from_local_input(&starts_at.get_untracked()),
            ends_at: from_local_input(&ends_at.get_untracked()),
            rate_limit,
            surface_id: Some(surface_id.get_untracked()).filter(|s| !s.is_empty()),
            audience_id: Some(audience_id.get_untracked()).filter(|s| !s.is_empty()),
            category: category.get_untracked(),
            namespace: namespace.get_untracked(),
            create_profiles: create_profiles.get_untracked(),
            tracking: tracking.get_untracked(),
            ..CampaignInput::default()
        };
        input.set_content(untrack(content_input));
        on_submit.run(input);
    };
    // Where "insert a variable" goes: the cursor of the content field edited last.
    let subject_ref = NodeRef::<leptos::html::Input>::new();
    let preheader_ref = NodeRef::<leptos::html::Input>::new();
    let html_ref = NodeRef::<leptos::html::Textarea>::new();
    let text_ref = NodeRef::<leptos::html::Textarea>::new();
    let focused = RwSignal::new("text");
    let insert = Callback::new(move |snippet: String| {
        let input_cursor = |r: NodeRef<leptos::html::Input>| {
            r.get_untracked()
                .and_then(|e| e.selection_start().ok().flatten())
        };
        let area_cursor = |r: NodeRef<leptos::html::Textarea>| {
            r.get_untracked()
                .and_then(|e| e.selection_start().ok().flatten())
        };
        let (field, cursor) = match focused.get_untracked() {
            "subject" => (subject, input_cursor(subject_ref)),
            "preheader" => (preheader, input_cursor(preheader_ref)),
            "html" => (html_body, area_cursor(html_ref)),
            _ => (text_body, area_cursor(text_ref)),
        };
        field.update(|value| {
            let at = cursor.map_or(value.len(), |c| utf16_to_byte(value, c as usize));
            value.insert_str(at, &snippet);
        });
    });
    let sms_counter = move || format!("Template: {}", sms_summary(sms_length(&text_body.get())));
    let is = move |c: Channel| move || channel.get() == c;
    // "Generate from HTML" replaces the text body with the server's conversion of the HTML.
    let generate = ServerAction::<TextFromHtml>::new();
    Effect::new(move |_| {
        if let Some(Ok(text)) = generate.value().get() {
            text_body.set(text);
        }
    });
    // The content fields, erased to one type to keep the form's view type shallow.
    let content_fields = view! {
        <LanguageTabs languages locale_attribute/>
        <Show when=move || channel.get() != Channel::Sms>
            <label>{move || if channel.get() == Channel::Push { "Title" } else { "Subject" }}
                <input name="subject" required=move || languages.active_locale().is_none()
                    placeholder=move || languages.fallback().subject node_ref=subject_ref on:focus=move |_| focused.set("subject")
                    value=subject.get_untracked() prop:value=subject on:input=move |ev| subject.set(event_target_value(&ev))
                    aria-invalid=invalid("subject") aria-describedby="subject-problem"/>
                {problem_text("subject")}
            </label>
        </Show>
        <Show when=is(Channel::Email)>
            <label>"Preheader (optional: the inbox preview line)"
                <input name="preheader" maxlength="250" placeholder=move || languages.fallback().preheader node_ref=preheader_ref on:focus=move |_| focused.set("preheader")
                    value=preheader.get_untracked() prop:value=preheader on:input=move |ev| preheader.set(event_target_value(&ev))
                    aria-invalid=invalid("preheader") aria-describedby="preheader-problem"/>
                {problem_text("preheader")}
            </label>
            <label>"HTML body"
                <textarea name="html_body" rows="8" placeholder=move || languages.fallback().html_body node_ref=html_ref on:focus=move |_| focused.set("html")
                    inner_html=textarea_text(&html_body.get_untracked()) prop:value=html_body on:input=move |ev| html_body.set(event_target_value(&ev))
                    aria-invalid=invalid("htmlBody") aria-describedby="htmlBody-problem"></textarea>
                {problem_text("htmlBody")}
            </label>
        </Show>
        <label>{move || match channel.get() { Channel::Email => "Text body", Channel::Sms => "SMS text", Channel::Push => "Body" }}
            <textarea name="text_body" rows="5" placeholder=move || languages.fallback().text_body node_ref=text_ref on:focus=move |_| focused.set("text")
                inner_html=textarea_text(&text_body.get_untracked()) prop:value=text_body on:input=move |ev| text_body.set(event_target_value(&ev))
                aria-invalid=invalid("textBody") aria-describedby="textBody-problem"></textarea>
            {problem_text("textBody")}
        </label>
        <Show when=is(Channel::Email)>
            <div class="actions">
                <button type="button" class="secondary" disabled=move || generate.pending().get()
                    on:click=move |_| { generate.dispatch(TextFromHtml { html: html_body.get_untracked() }); }>
                    "Generate the text body from the HTML"
                </button>
            </div>
        </Show>
        <Show when=is(Channel::Sms)>
            <p class="hint" data-testid="sms-counter">{sms_counter}</p>
        </Show>
        <Show when=is(Channel::Push)>
            <label>"Image URL (https, optional)"
                <input name="image_url" type="url" prop:value=image_url on:input=move |ev| image_url.set(event_target_value(&ev))/>
            </label>
            <label>"On tap: deep link or web URL (empty opens the app)"
                <input name="link" prop:value=link on:input=move |ev| link.set(event_target_value(&ev))/>
            </label>
            <PushData rows=push_data/>
        </Show>
        <p class="hint">
            "Personalise with "<code>"{{profile.…}}"</code>" (the recipient's profile) and "
            <code>"{{context.…}}"</code>" (data sent with each API call)."
        </p>
    }
    .into_any();
    // Optional settings are folded away unless one is set.
    let has_settings = !(initial.description.is_empty()
        && initial.tags.iter().all(|t| t.trim().is_empty())
        && initial.starts_at.is_none()
        && initial.ends_at.is_none()
        && initial.rate_limit.is_none());
    // Erased to one type, as the content fields are, to keep the form's view type shallow.
    let settings = view! {
                <details class="settings" open=has_settings>
                <summary>"Schedule, rate limit, description and tags"</summary>
                <div class="stack">
                <label>"Description"
                    <textarea name="description" rows="2" maxlength="2000"
                        inner_html=textarea_text(&description.get_untracked()) prop:value=description
                        on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                </label>
                <label>"Tags (comma-separated)"
                    <input name="tags" value=tags.get_untracked() prop:value=tags on:input=move |ev| tags.set(event_target_value(&ev))
                        aria-invalid=refused_invalid("tags") aria-describedby="tags-problem"/>
                    {refused_text("tags")}
                </label>
                <div class="inline-form">
                    <label>"Accept calls from"
                        <input type="datetime-local" name="starts_at" prop:value=starts_at
                            aria-invalid=refused_invalid("startsAt") aria-describedby="startsAt-problem"
                            on:input=move |ev| starts_at.set(event_target_value(&ev))/>
                        {refused_text("startsAt")}
                    </label>
                    <label>"Until"
                        <input type="datetime-local" name="ends_at" prop:value=ends_at
                            aria-invalid=refused_invalid("endsAt") aria-describedby="endsAt-problem"
                            on:input=move |ev| ends_at.set(event_target_value(&ev))/>
                        {refused_text("endsAt")}
                    </label>
                    <label>"Rate limit (messages/s, 1–2000)"
                        <input type="number" name="rate_limit" min="1" max="2000"
                            aria-invalid=refused_invalid("rateLimit") aria-describedby="rateLimit-problem"
                            value=rate_limit.get_untracked() prop:value=rate_limit
                            on:input=move |ev| rate_limit.set(event_target_value(&ev))/>
                        {refused_text("rateLimit")}
                    </label>
                </div>
                <p class="hint" data-testid="time-zone">
                    {move || format!("Dates are in your time zone ({}). ", zone.get())}
                    "Leave them empty to accept calls as soon as the campaign is live, and for as long."
                </p>
                </div>
                </details>
    }
    .into_any();
    let side = view! {
        <AttributePicker check insert fragments=fragment_names marketing_email=Signal::derive(move || {
            channel.get() == Channel::Email && category.get() == Category::Marketing
        })/>
        <LivePreview check locale=Signal::derive(move || languages.active_locale())/>
    }
    .into_any();
    // Erased to keep the form's view type within the compiler's recursion limit.
    let properties = view! {
                <fieldset class="choices" aria-label="Channel" disabled=locked>
                    <legend>"Channel"</legend>
                    {[(Channel::Email, "Email"), (Channel::Sms, "SMS"), (Channel::Push, "Push")].map(|(c, label)| view! {
                        <label class="checkbox">
                            <input type="radio" name="channel" value=c.as_str()
                                checked=channel.get_untracked() == c prop:checked=move || channel.get() == c
                                on:change=move |_| switch_channel(c)/>
                            {label}
                        </label>
                    }).collect_view()}
                </fieldset>
                <label>"Title"
                    <input name="title" required maxlength="200" on:input=move |ev| title.set(event_target_value(&ev))
                        aria-invalid=refused_invalid("title") aria-describedby="title-problem"
                        value=title.get_untracked() prop:value=title/>
                    {refused_text("title")}
                </label>
                <label>"Category"
                    <select name="category" on:change=move |ev| {
                        category.set(Category::parse(&event_target_value(&ev)).unwrap_or_default());
                        surface_id.set(String::new());
                    }>
                        <option value="transactional" selected=move || category.get() == Category::Transactional>
                            "Transactional — password resets, codes, receipts"
                        </option>
                        <option value="marketing" selected=move || category.get() == Category::Marketing>
                            "Marketing — promotions; consent and opt-outs apply"
                        </option>
                    </select>
                </label>
                <label>"Surface (sender and provider)"
                    <select name="surface" on:change=move |ev| surface_id.set(event_target_value(&ev))
                        aria-invalid=refused_invalid("surfaceId") aria-describedby="surfaceId-problem">
                        <option value="" selected=move || surface_id.with(String::is_empty)>"Server default sender"</option>
                        <Suspense>
                            {move || Suspend::new(async move {
                                surfaces.await.unwrap_or_default().into_iter()
                                    .filter(|s| s.channel == channel.get() && s.category == category.get())
                                    .map(|s| {
                                        let id = s.id.clone();
                                        view! {
                                            <option value=s.id selected=move || surface_id.with(|v| *v == id)>{s.name}</option>
                                        }
                                    })
                                    .collect_view()
                            })}
                        </Suspense>
                    </select>
                </label>
                {refused_text("surfaceId")}
                <p class="hint">"Only surfaces of the campaign's channel and category are offered; add them under "<a href="/settings/surfaces">"Surfaces"</a>"."</p>
                <label>"Audience (for audience sends that name none)"
                    <select name="audience" on:change=move |ev| audience_id.set(event_target_value(&ev))>
                        <option value="" selected=move || audience_id.with(String::is_empty)>"None"</option>
                        <Suspense>
                            {move || Suspend::new(async move {
                                audiences.await.unwrap_or_default().into_iter()
                                    .map(|a| {
                                        let id = a.id.clone();
                                        view! {
                                            <option value=a.id selected=move || audience_id.with(|v| *v == id)>{a.name}</option>
                                        }
                                    })
                                    .collect_view()
                            })}
                        </Suspense>
                    </select>
                </label>
                <label>"Identity namespace"
                    <select name="namespace" disabled=locked on:change=move |ev| namespace.set(event_target_value(&ev))
                        aria-invalid=refused_invalid("namespace") aria-describedby="namespace-problem">
                        <Suspense fallback=move || {
                            let current = namespace.get_untracked();
                            view! { <option value=current selected>{current.clone()}</option> }
                        }>
                            {move || Suspend::new(async move {
                                namespaces.await.unwrap_or_default().into_iter().map(|n| {
                                    let name = n.name.clone();
                                    let label = if n.description.is_empty() { n.name.clone() } else { format!("{} — {}", n.name, n.description) };
                                    view! { <option value=n.name selected=move || namespace.with(|v| *v == name)>{label}</option> }
                                }).collect_view()
                            })}
                        </Suspense>
                    </select>
                </label>
                {refused_text("namespace")}
                <p class="hint">"How the API call's userId identifies a person. Admins add custom namespaces under "<a href="/settings/namespaces">"Namespaces"</a>"."</p>
                <label class="checkbox">
                    <input type="checkbox" name="create_profiles" checked=create_profiles.get_untracked()
                        prop:checked=create_profiles on:change=move |ev| create_profiles.set(event_target_checked(&ev))/>
                    "Create new profiles: a recipient of type \"aep\" without a profile gets one instead of failing the call"
                </label>
                <label class="checkbox">
                    <input type="checkbox" name="tracking" checked=tracking.get_untracked()
                        prop:checked=tracking on:change=move |ev| tracking.set(event_target_checked(&ev))/>
                    "Track engagement: opens of emails and clicks on links (links then go through Herald)"
                </label>
    }
    .into_any();
    view! {
        <div class="editor-layout">
        <div class="editor-main">
            {move || error.get().map(|e| view! { <ErrorBox message=error_text(&e)/> })}
            <form class="stack" on:submit=submit>
                {properties}
                {settings}
                {content_fields}
                <ContentProblems check channel=channel.into()/>
                <ContentVariables check/>
                <div class="actions">
                    // Not while the content has a problem: it would only be refused.
                    <button type="submit" disabled=move || pending.get() || check.with(Result::is_err)>{submit_label}</button>
                </div>
            </form>
        </div>
        <div class="editor-side">{side}</div>
        </div>
    }
}

/// One editable key-value of a push's custom data.
#[derive(Clone, Copy)]
struct DataRow {
    id: usize,
    key: RwSignal<String>,
    value: RwSignal<String>,
}

impl DataRow {
    fn new(id: usize, key: String, value: String) -> Self {
        Self {
            id,
            key: RwSignal::new(key),
            value: RwSignal::new(value),
        }
    }
}

/// Custom key-values delivered with a push notification, as editable rows.
#[component]
fn PushData(rows: RwSignal<Vec<DataRow>>) -> impl IntoView {
    let next_id = StoredValue::new(rows.with_untracked(Vec::len));
    let add = move |_| {
        let id = next_id.get_value();
        next_id.set_value(id + 1);
        rows.update(|r| r.push(DataRow::new(id, String::new(), String::new())));
    };
    view! {
        <fieldset class="push-data">
            <legend>"Custom data (key-values for the app)"</legend>
            <For each=move || rows.get() key=|row| row.id let:row>
                <div class="inline-form">
                    <input aria-label="Data key" placeholder="key" maxlength="100" prop:value=row.key
                        on:input=move |ev| row.key.set(event_target_value(&ev))/>
                    <input aria-label="Data value" placeholder="value" maxlength="1024" prop:value=row.value
                        on:input=move |ev| row.value.set(event_target_value(&ev))/>
                    <button type="button" class="secondary"
                        on:click=move |_| rows.update(|r| r.retain(|other| other.id != row.id))>"Remove"</button>
                </div>
            </For>
            <button type="button" class="secondary" on:click=add>"Add a key-value"</button>
        </fieldset>
    }
}
