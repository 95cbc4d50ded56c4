//! The content editor's live feedback, computed in the browser with the same domain code the
//! server uses: template problems with their positions, the variables (the trigger contract),
//! and a preview rendered with sample data the marketer edits.

use domain::FieldError;
use domain::campaign::Channel;
use domain::content::Content;
use domain::locale::Locale;
use domain::template::{Need, Pick, Renderer};
use leptos::prelude::*;
use serde_json::{Map, Value};

/// The content as typed: valid, or every problem with its field.
pub type Checked = Result<Content, Vec<FieldError>>;

/// Template problems under the form, as they are typed (field, line and column).
#[component]
pub fn ContentProblems(check: Memo<Checked>) -> impl IntoView {
    move || match check.get() {
        Ok(_) => None,
        Err(errors) => Some(view! {
            <ul class="problems" role="alert" data-testid="content-problems">
                {errors.into_iter().map(|e| view! { <li><code>{e.field}</code>" " {e.message}</li> }).collect_view()}
            </ul>
        }),
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
    let refill = move |_| {
        let (p, c) = sample();
        profile_json.set(p);
        context_json.set(c);
    };
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
            .map_err(|_| "Fix the problems above to see the preview.".to_owned())?;
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
        let renderer = Renderer::new(&content).map_err(|e| e.to_string())?;
        let out = renderer
            .render(data, Pick::Locale(locale.get().as_ref()))
            .map_err(|e| format!("Cannot render: {e}"))?;
        Ok::<_, String>((content.channel(), out.subject, out.html_body, out.text_body))
    });
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
                            on:input=move |ev| profile_json.set(event_target_value(&ev))></textarea>
                    </label>
                    <label>"Sample context (JSON)"
                        <textarea rows="5" data-testid="sample-context" prop:value=context_json
                            on:input=move |ev| context_json.set(event_target_value(&ev))></textarea>
                    </label>
                    <button type="button" class="secondary" on:click=refill>"Sample data from the content"</button>
                </div>
                <div data-testid="preview">
                    {move || match rendered.get() {
                        Err(message) => view! { <p class="hint">{message}</p> }.into_any(),
                        Ok((Channel::Email, subject, html, text)) => view! {
                            <p class="label">"Subject"</p>
                            <p data-testid="preview-subject"><strong>{subject}</strong></p>
                            <iframe class="preview" title="Email preview" sandbox="" srcdoc=html></iframe>
                            <pre class="code">{text}</pre>
                        }.into_any(),
                        Ok((Channel::Sms, _, _, text)) => view! {
                            <div class="phone"><p class="sms-bubble" data-testid="preview-text">{text}</p></div>
                        }.into_any(),
                        Ok((Channel::Push, title, _, body)) => view! {
                            <div class="phone">
                                <div class="push-card">
                                    <strong data-testid="preview-subject">{title}</strong>
                                    <p data-testid="preview-text">{body}</p>
                                </div>
                            </div>
                        }.into_any(),
                    }}
                </div>
            </div>
        </section>
    }
}

/// The variables a marketer can insert at the cursor: the sandbox's known profile attributes
/// and the context attributes the content already uses, optionally with a fallback for empty
/// values.
#[component]
pub fn AttributePicker(check: Memo<Checked>, insert: Callback<String>) -> impl IntoView {
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
            <p class="label">"Context (sent with each call)"</p>
            <div class="chips">
                {move || context().into_iter().map(button).collect_view()}
            </div>
        </aside>
    }
}

/// `{{path}}`, or with a fallback `{{#if path}}{{path}}{{else}}fallback{{/if}}` (which also
/// makes a context attribute optional in the trigger contract).
pub fn snippet(path: &str, fallback: &str) -> String {
    let fallback = fallback.trim();
    if fallback.is_empty() {
        format!("{{{{{path}}}}}")
    } else {
        format!("{{{{#if {path}}}}}{{{{{path}}}}}{{{{else}}}}{fallback}{{{{/if}}}}")
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
            "{{#if profile.a}}{{profile.a}}{{else}}there{{/if}}"
        );
    }

    #[test]
    fn utf16_positions_become_byte_offsets() {
        assert_eq!(utf16_to_byte("héllo", 2), 3);
        assert_eq!(utf16_to_byte("a👋b", 3), 5);
        assert_eq!(utf16_to_byte("ab", 9), 2);
    }
}
