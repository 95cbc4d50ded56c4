//! Language variants in the campaign form: one set of text fields edits the language chosen in
//! the tabs; the other languages' parts wait in [`Languages`] until their tab is chosen again.

use domain::channel::Channel;
use domain::content::{ContentInput, PushOptions, VariantInput};
use domain::locale::{Locale, MAX_VARIANTS};
use domain::parts::Parts;
use leptos::prelude::*;

/// The form's text fields: they hold the parts of the language being edited.
#[derive(Clone, Copy)]
pub struct PartFields {
    pub subject: RwSignal<String>,
    pub preheader: RwSignal<String>,
    pub html_body: RwSignal<String>,
    pub text_body: RwSignal<String>,
}

impl PartFields {
    pub fn new(parts: Parts) -> Self {
        Self {
            subject: RwSignal::new(parts.subject),
            preheader: RwSignal::new(parts.preheader),
            html_body: RwSignal::new(parts.html_body),
            text_body: RwSignal::new(parts.text_body),
        }
    }

    /// The fields' parts (tracked).
    fn get(&self) -> Parts {
        Parts {
            subject: self.subject.get(),
            preheader: self.preheader.get(),
            html_body: self.html_body.get(),
            text_body: self.text_body.get(),
        }
    }

    pub fn set(&self, parts: Parts) {
        self.subject.set(parts.subject);
        self.preheader.set(parts.preheader);
        self.html_body.set(parts.html_body);
        self.text_body.set(parts.text_body);
    }
}

/// The content's languages: the default content first (locale `""`), then each variant.
#[derive(Clone, Copy)]
pub struct Languages {
    list: RwSignal<Vec<(String, Parts)>>,
    /// The index of the language in the fields.
    active: RwSignal<usize>,
    pub fields: PartFields,
}

impl Languages {
    pub fn new(content: ContentInput) -> Self {
        let default = content.parts();
        let mut list = vec![(String::new(), default.clone())];
        list.extend(
            content
                .variants
                .iter()
                .map(|v| (v.locale.clone(), v.parts())),
        );
        Self {
            list: RwSignal::new(list),
            active: RwSignal::new(0),
            fields: PartFields::new(default),
        }
    }

    /// Puts the fields' parts away and loads language `to`'s.
    fn switch(&self, to: usize) {
        let from = self.active.get_untracked();
        if from == to {
            return;
        }
        let current = self.fields.get();
        self.list.update(|l| l[from].1 = current);
        self.fields
            .set(self.list.with_untracked(|l| l[to].1.clone()));
        self.active.set(to);
    }

    /// Adds a variant (or opens the existing one for that locale); its parts start empty, so
    /// it shows the default content until the marketer translates a part.
    fn add(&self, locale: &Locale) {
        let existing = self
            .list
            .with_untracked(|l| l.iter().position(|(tag, _)| tag == locale.as_str()));
        let to = existing.unwrap_or_else(|| {
            self.list
                .update(|l| l.push((locale.to_string(), Parts::default())));
            self.list.with_untracked(Vec::len) - 1
        });
        self.switch(to);
    }

    /// Removes the variant being edited and goes back to the default content.
    fn remove_active(&self) {
        let gone = self.active.get_untracked();
        if gone == 0 {
            return;
        }
        self.fields
            .set(self.list.with_untracked(|l| l[0].1.clone()));
        self.active.set(0);
        self.list.update(|l| {
            l.remove(gone);
        });
    }

    /// Back to the default content alone, with these parts (a channel switch).
    pub fn reset(&self, parts: Parts) {
        self.list.set(vec![(String::new(), Parts::default())]);
        self.active.set(0);
        self.fields.set(parts);
    }

    /// Whether the campaign has variants (tracked).
    pub fn has_variants(&self) -> bool {
        self.list.with(|l| l.len() > 1)
    }

    /// The name the content's checks give `part` (`htmlBody`, …) of the language being edited:
    /// the default content's own, or `variants[i].htmlBody` (tracked).
    pub fn field_name(&self, part: &str) -> String {
        match self.active.get() {
            0 => part.to_owned(),
            i => format!("variants[{}].{part}", i - 1),
        }
    }

    /// The locale being edited; `None`: the default content (tracked).
    pub fn active_locale(&self) -> Option<Locale> {
        let active = self.active.get();
        self.list.with(|l| Locale::parse(&l[active].0))
    }

    /// While a variant is edited, the default content's parts (what the variant's empty parts
    /// fall back to, shown as placeholders); on the default tab, nothing (tracked).
    pub fn fallback(&self) -> Parts {
        match self.active.get() {
            0 => Parts::default(),
            _ => self.list.with(|l| l[0].1.clone()),
        }
    }

    /// The whole content as typed, every language included (tracked).
    pub fn content(
        &self,
        channel: Channel,
        push: PushOptions,
        locale_attribute: String,
    ) -> ContentInput {
        let current = self.fields.get();
        let active = self.active.get();
        self.list.with(|list| {
            let parts = |i: usize| {
                if i == active {
                    current.clone()
                } else {
                    list[i].1.clone()
                }
            };
            let variants = (1..list.len())
                .map(|i| VariantInput::new(list[i].0.clone(), parts(i)))
                .collect();
            ContentInput::new(channel, parts(0), push, locale_attribute, variants)
        })
    }
}

/// Tabs that choose the language being edited, a way to add one and to remove the one shown,
/// and the profile attribute that picks a recipient's language.
#[component]
pub fn LanguageTabs(languages: Languages, locale_attribute: RwSignal<String>) -> impl IntoView {
    let new_locale = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<&'static str>);
    let add = move || match Locale::parse(&new_locale.get_untracked()) {
        None => problem.set(Some("Type a language tag such as fr, fr-CA or zh-Hant.")),
        Some(_) if languages.list.with_untracked(Vec::len) > MAX_VARIANTS => problem.set(Some(
            "A campaign may have at most 50 languages besides the default.",
        )),
        Some(locale) => {
            problem.set(None);
            new_locale.set(String::new());
            languages.add(&locale);
        }
    };
    let tabs = move || {
        let active = languages.active.get();
        languages.list.with(|list| {
            list.iter()
                .enumerate()
                .map(|(i, (tag, _))| {
                    let label = if i == 0 {
                        "Default".to_owned()
                    } else {
                        tag.clone()
                    };
                    view! {
                        <button type="button" role="tab" class="tab" aria-selected=(i == active).to_string()
                            on:click=move |_| languages.switch(i)>{label}</button>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <fieldset class="languages">
            <legend>"Language"</legend>
            <div role="tablist" aria-label="Language" class="tabs">{tabs}</div>
            <div class="inline-form">
                <input aria-label="New language" placeholder="e.g. fr-CA" maxlength="20" prop:value=new_locale
                    on:input=move |ev| new_locale.set(event_target_value(&ev))
                    on:keydown=move |ev| if ev.key() == "Enter" { ev.prevent_default(); add(); }/>
                <button type="button" class="secondary" on:click=move |_| add()>"Add language"</button>
                <Show when=move || languages.active_locale().is_some()>
                    <button type="button" class="secondary" on:click=move |_| languages.remove_active()>
                        {move || format!("Remove {}", languages.active_locale().map(|l| l.to_string()).unwrap_or_default())}
                    </button>
                </Show>
            </div>
            {move || problem.get().map(|p| view! { <p class="problems" role="alert">{p}</p> })}
            <Show when=move || languages.has_variants()>
                <p class="hint">
                    "Each recipient gets the content of their language (fr-CA, else fr), else the default. "
                    "A part left empty in a language uses the default's."
                </p>
                <label>"Profile attribute holding the language"
                    <input name="locale_attribute" maxlength="200" prop:value=locale_attribute
                        on:input=move |ev| locale_attribute.set(event_target_value(&ev))/>
                </label>
            </Show>
        </fieldset>
    }
}
