//! The content editor's live feedback, computed in the browser with the same domain code the
//! server uses: template problems with their positions, the variables (the trigger contract),
//! and a preview rendered with sample data the marketer edits.

use crate::components::textarea_text;
use domain::FieldError;
use domain::channel::Channel;
use domain::content::Content;
use domain::locale::Locale;
use domain::sms::{SmsLength, sms_length, ucs2_characters};
use domain::template::{Need, Pick};
use leptos::prelude::*;
use serde_json::{Map, Value};

/// The content as typed: valid, or every problem with its field.
pub type Checked = Result<Content, Vec<FieldError>>;

/// An SMS's length as a person reads it: "161 characters · GSM-7 · 2 segments".
pub fn sms_summary(n: SmsLength) -> String {
    format!(
        "{} characters · {} · {} segment{}",
        n.units,
        if n.gsm7 { "GSM-7" } else { "UCS-2 (Unicode)" },
        n.segments,
        if n.segments == 1 { "" } else { "s" }
    )
}

/// The content's problems as a list under the form, each with its field's label (the field
/// itself shows its own, see [`field_problem`]).
#[component]
pub fn ContentProblems(check: Memo<Checked>, channel: Signal<Channel>) -> impl IntoView {
    move || match check.get() {
        Ok(_) => None,
        Err(errors) => Some(view! {
            <ul class="problems" role="alert" data-testid="content-problems">
                {errors.into_iter().map(|e| view! {
                    <li><strong>{field_label(&e.field, channel.get())}</strong>": " {e.message}</li>
                }).collect_view()}
            </ul>
        }),
    }
}

/// The problem of one field (`name` as the checks give it, e.g. `variants[0].htmlBody`).
pub fn field_problem(check: Memo<Checked>, name: &str) -> Option<String> {
    check.with(|c| {
        c.as_ref()
            .err()?
            .iter()
            .find(|e| e.field == name)
            .map(|e| e.message.clone())
    })
}

/// A content field's name as the form labels it: `htmlBody` is "HTML body", and a language
/// variant's field says which variant.
pub fn field_label(field: &str, channel: Channel) -> String {
    let (variant, part) = match field
        .strip_prefix("variants[")
        .and_then(|rest| rest.split_once("]."))
    {
        Some((i, part)) => (i.parse::<usize>().ok(), part),
        None => (None, field),
    };
    let label = match (part, channel) {
        ("subject" | "title", Channel::Push) => "Title",
        ("subject", _) => "Subject",
        ("preheader", _) => "Preheader",
        ("htmlBody", _) => "HTML body",
        ("textBody", Channel::Email) => "Text body",
        ("textBody", Channel::Sms) => "SMS text",
        ("textBody", Channel::Push) => "Body",
        ("push.imageUrl", _) => "Image URL",
        ("push.link", _) => "On tap",
        ("push.data", _) => "Custom data",
        (other, _) => other,
    };
    match variant {
        Some(i) if part == "locale" => format!("Language variant {}", i + 1),
        Some(i) => format!("{label} (language variant {})", i + 1),
        None => label.to_owned(),
    }
}

/// The variables the content uses: profile attributes, and context attributes each trigger
/// call must (required) or may (optional) send.
#[component]
pub fn ContentVariables(check: Memo<Checked>) -> impl IntoView {
    move || {
        let content = check.get().ok()?;
        let variables = content.variables();
        (!variables.is_empty()).then(|| {
            view! {
                <ul class="vars" data-testid="content-variables">
                    {variables.into_iter().map(|(path, need)| {
                        let kind = if !path.starts_with("context.") { "profile" }
                            else if need == Need::Required { "required" } else { "optional" };
                        view! { <li><code>{path}</code>" "<span class="need">{kind}</span></li> }
                    }).collect_view()}
                </ul>
            }
        })
    }
}

/// Renders the content with sample profile and context data, as the channel would show it, in
/// the language being edited (`None`: the default content).
#[component]
pub fn LivePreview(check: Memo<Checked>, locale: Signal<Option<Locale>>) -> impl IntoView {
    let sample = move || {
        let paths: Vec<String> = check
            .get_untracked()
            .map(|c| c.variables().into_keys().collect())
            .unwrap_or_default();
        let (profile, context) = domain::curl::sample_data(&paths);
        let pretty = |m: Map<String, Value>| {
            serde_json::to_string_pretty(&Value::Object(m)).unwrap_or_default()
        };
        (pretty(profile), pretty(context))
    };
    let (profile0, context0) = sample();
    let profile_json = RwSignal::new(profile0);
    let context_json = RwSignal::new(context0);
    let refill = move || {
        let (p, c) = sample();
        profile_json.set(p);
        context_json.set(c);
    };
    // Switching channel brings that channel's example content; its sample data follows.
    let channel = Memo::new(move |_| check.with(|c| c.as_ref().ok().map(Content::channel)));
    Effect::new(move |previous: Option<Option<Channel>>| {
        let now = channel.get();
        if let (Some(Some(before)), Some(after)) = (previous, now)
            && before != after
        {
            refill();
        }
        now
    });
    // Rendered in the browser only: the server never renders a marketer's draft while it builds
    // the page (that work belongs to the render pool, with the trigger's limits).
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    let rendered = Memo::new(move |_| {
        if !hydrated.get() {
            return Err("The preview appears once the page has loaded.".to_owned());
        }
        let content = check
            .get()
            .map_err(|_| "The content has a problem (shown under its field).".to_owned())?;
        let object = |label: &str, raw: String| match serde_json::from_str::<Value>(&raw) {
            Ok(Value::Object(m)) => Ok(Value::Object(m)),
            Ok(_) => Err(format!("{label} data must be a JSON object.")),
            Err(e) => Err(format!("{label} data is not valid JSON: {e}")),
        };
        let data = serde_json::json!({
            "profile": object("Profile", profile_json.get())?,
            "context": object("Context", context_json.get())?,
            // Marketing messages get their own one-click link; the preview shows its shape.
            "unsubscribeUrl": "https://herald.example/u/preview",
        });
        let renderer = content.renderer().map_err(|e| e.to_string())?;
        let out = renderer
            .render(data, Pick::Locale(locale.get().as_ref()))
            .map_err(|e| format!("Cannot render: {e}"))?;
        Ok::<_, String>((content.channel(), out.subject, out.html_body, out.text_body))
    });
    // While the content or the sample data has a problem, the last render that worked stays,
    // under the problem.
    let shown = Memo::new(
        move |previous: Option<&(Option<String>, Option<Rendered>)>| match rendered.get() {
            Ok(latest) => (None, Some(latest)),
            Err(problem) => (Some(problem), previous.and_then(|(_, last)| last.clone())),
        },
    );
    view! {
        <section class="card preview-card">
            <h2>{move || match locale.get() {
                Some(l) => format!("Preview ({l})"),
                None => "Preview".to_owned(),
            }}</h2>
            <div class="preview-grid">
                <div class="stack">
                    <label>"Sample profile (JSON)"
                        <textarea rows="5" data-testid="sample-profile" prop:value=profile_json
                            inner_html=textarea_text(&profile_json.get_untracked())
                            on:input=move |ev| profile_json.set(event_target_value(&ev))></textarea>
                    </label>
                    <label>"Sample context (JSON)"
                        <textarea rows="5" data-testid="sample-context" prop:value=context_json
                            inner_html=textarea_text(&context_json.get_untracked())
                            on:input=move |ev| context_json.set(event_target_value(&ev))></textarea>
                    </label>
                    <button type="button" class="secondary" on:click=move |_| refill()>"Sample data from the content"</button>
                </div>
                <div data-testid="preview">
                    {move || {
                        let (problem, last) = shown.get();
                        let kept = problem.is_some() && last.is_some();
                        view! {
                            {problem.map(|message| view! { <p class="hint" data-testid="preview-problem">{message}</p> })}
                            {kept.then(|| view! { <p class="hint">"Until it is fixed, this is the last preview that worked:"</p> })}
                            {last.map(preview_of)}
                        }
                    }}
                </div>
            </div>
        </section>
    }
}

/// A render as the channel shows it: (channel, subject or title, HTML body, text body).
type Rendered = (Channel, String, String, String);

fn preview_of((channel, subject, html, text): Rendered) -> AnyView {
    match channel {
        Channel::Email => view! {
            <p class="label">"Subject"</p>
            <p data-testid="preview-subject"><strong>{subject}</strong></p>
            <iframe class="preview" title="Email preview" sandbox="" srcdoc=html></iframe>
            <pre class="code">{text}</pre>
        }
        .into_any(),
        Channel::Sms => {
            let length = sms_summary(sms_length(&text));
            let ucs2 = ucs2_characters(&text);
            view! {
                <div class="phone"><p class="sms-bubble" data-testid="preview-text">{text}</p></div>
                <p class="hint" data-testid="sms-preview-counter">{format!("As sent with this sample: {length}")}</p>
                {(!ucs2.is_empty()).then(|| view! {
                    <p class="hint" data-testid="ucs2-characters">
                        "Unicode because of "
                        {ucs2.into_iter().map(|c| view! {
                            <mark title=format!("U+{:04X}", c as u32)>{c.to_string()}</mark>" "
                        }).collect_view()}
                        "— without them a segment holds 160 characters instead of 70."
                    </p>
                })}
            }.into_any()
        }
        Channel::Push => view! {
            <div class="phone">
                <div class="push-card">
                    <strong data-testid="preview-subject">{subject}</strong>
                    <p data-testid="preview-text">{text}</p>
                </div>
            </div>
        }
        .into_any(),
    }
}

/// The variables a marketer can insert at the cursor: the sandbox's known profile attributes
/// and the context attributes the content already uses, optionally with a fallback for empty
/// values.
#[component]
pub fn AttributePicker(
    check: Memo<Checked>,
    insert: Callback<String>,
    /// The names of the sandbox's fragments, offered as `{{> name}}`.
    fragments: Vec<String>,
    /// Marketing email: its one-click unsubscribe link is offered too.
    marketing_email: Signal<bool>,
) -> impl IntoView {
    let known = Resource::new(|| (), |_| crate::api::known_attributes());
    let fallback = RwSignal::new(String::new());
    let button = move |path: String| {
        let label = path.clone();
        view! {
            <button type="button" class="chip" on:click=move |_| insert.run(snippet(&path, &fallback.get_untracked()))>
                {label}
            </button>
        }
    };
    let context = move || {
        check
            .get()
            .map(|c| {
                c.variables()
                    .into_keys()
                    .filter(|p| p.starts_with("context."))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    view! {
        <aside class="attributes card" data-testid="attributes">
            <h2>"Insert a variable"</h2>
            <p class="hint">"Click one to insert it at the cursor of the field you were editing."</p>
            <label>"Fallback when empty (optional)"
                <input prop:value=fallback on:input=move |ev| fallback.set(event_target_value(&ev)) placeholder="e.g. there"/>
            </label>
            <p class="label">"Profile"</p>
            <div class="chips">
                <Suspense>
                    {move || Suspend::new(async move {
                        known.await.unwrap_or_default().into_iter()
                            .map(|p| button(format!("profile.{p}")))
                            .collect_view()
                    })}
                </Suspense>
            </div>
            <Show when=move || marketing_email.get()>
                <p class="label">"Message"</p>
                <div class="chips">
                    <button type="button" class="chip" title="The recipient's one-click unsubscribe link"
                        on:click=move |_| insert.run("{{unsubscribeUrl}}".to_owned())>
                        "unsubscribeUrl"
                    </button>
                </div>
            </Show>
            <p class="label">"Context (sent with each call)"</p>
            <div class="chips">
                {move || context().into_iter().map(button).collect_view()}
            </div>
            <p class="label">"Fragments"</p>
            {if fragments.is_empty() {
                view! { <p class="hint">"A header or footer many campaigns share: create one under "<a href="/fragments">"Fragments"</a>"."</p> }.into_any()
            } else {
                view! {
                    <div class="chips" data-testid="fragment-chips">
                        {fragments.into_iter().map(|name| {
                            let tag = format!("{{{{> {name}}}}}");
                            view! {
                                <button type="button" class="chip" title="Include this fragment"
                                    on:click=move |_| insert.run(tag.clone())>{name}</button>
                            }
                        }).collect_view()}
                    </div>
                }.into_any()
            }}
        </aside>
    }
}

/// `{{path}}`, or with a fallback `{{default path "fallback"}}` (which also makes a context
/// attribute optional in the trigger contract, and is as long as what is sent is short).
pub fn snippet(path: &str, fallback: &str) -> String {
    let fallback = fallback.trim();
    if fallback.is_empty() {
        format!("{{{{{path}}}}}")
    } else {
        // A Handlebars string literal: its quotes and backslashes escaped.
        let literal = fallback.replace('\\', "\\\\").replace('"', "\\\"");
        format!("{{{{default {path} \"{literal}\"}}}}")
    }
}

/// The byte offset of a UTF-16 position (what the browser's selection reports) in `s`.
pub fn utf16_to_byte(s: &str, position: usize) -> usize {
    let mut units = 0;
    for (byte, c) in s.char_indices() {
        if units >= position {
            return byte;
        }
        units += c.len_utf16();
    }
    s.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_print_the_path_or_fall_back() {
        assert_eq!(snippet("profile.a", ""), "{{profile.a}}");
        assert_eq!(
            snippet("profile.a", " there "),
            "{{default profile.a \"there\"}}"
        );
        let quoted = snippet("context.b", r#"say "hi" \o/"#);
        assert_eq!(quoted, r#"{{default context.b "say \"hi\" \\o/"}}"#);
        domain::template::analyse(&quoted).expect("a valid template");
    }

    #[test]
    fn utf16_positions_become_byte_offsets() {
        assert_eq!(utf16_to_byte("héllo", 2), 3);
        assert_eq!(utf16_to_byte("a👋b", 3), 5);
        assert_eq!(utf16_to_byte("ab", 9), 2);
    }
}
