//! Fragments: a header, a footer or a notice that campaigns include with `{{> name}}`. The
//! list creates them; a fragment's page edits it, shows which campaigns include it and whether
//! they hold this edit yet (an edit reaches a campaign in its next version), and deletes it
//! once no campaign does.

use crate::api::{DeleteFragment, SaveFragment, fragment, list_fragments};
use crate::components::{Confirm, ErrorBox, Layout, StatusBadge, error_text, textarea_text};
use crate::error::AppError;
use crate::local_time::LocalTime;
use domain::views::{FragmentUse, FragmentView};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// `{{> name}}`, as content includes the fragment.
fn tag(name: &str) -> String {
    format!("{{{{> {name}}}}}")
}

#[component]
pub fn FragmentsPage() -> impl IntoView {
    let save = ServerAction::<SaveFragment>::new();
    let list = Resource::new(move || save.version().get(), |_| list_fragments());
    view! {
        <Layout>
            <h1>"Fragments"</h1>
            <p class="hint">
                "A fragment is content many campaigns share — a header, a footer, a legal notice. A campaign includes it by writing "
                <code>"{{> name}}"</code>" in any part (or with the chips beside the editor). "
                "A campaign keeps the fragment as it was when its content was last saved: editing a fragment reaches each campaign in its next version, never a live one."
            </p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(items) if items.is_empty() => view! {
                            <p class="empty" data-testid="no-fragments">"No fragments yet: create the first below."</p>
                        }.into_any(),
                        Ok(items) => view! {
                            <div class="table-scroll">
                            <table class="list" data-testid="fragments">
                                <thead><tr><th>"Name"</th><th>"Included by"</th><th>"Last edited"</th></tr></thead>
                                <tbody>
                                    {items.into_iter().map(|f| view! {
                                        <tr>
                                            <td>
                                                <a href=format!("/fragments/{}", f.id)><strong>{f.name.clone()}</strong></a>
                                                " "<code>{tag(&f.name)}</code>
                                                {(!f.description.is_empty()).then(|| view! { <div class="hint">{f.description.clone()}</div> })}
                                            </td>
                                            <td>{usage(&f.used_by)}</td>
                                            <td><LocalTime ms=f.updated_at/>" by "{f.updated_by.clone()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </div>
                        }.into_any(),
                    }
                })}
            </Suspense>
            <section class="card">
                <h2>"New fragment"</h2>
                <FragmentForm save existing=None/>
            </section>
        </Layout>
    }
}

/// "2 campaigns (1 takes this edit in its next version)".
fn usage(used_by: &[FragmentUse]) -> String {
    let behind = used_by.iter().filter(|u| !u.current).count();
    let count = match used_by.len() {
        0 => return "no campaign".into(),
        1 => "1 campaign".to_owned(),
        n => format!("{n} campaigns"),
    };
    match (behind, used_by.len()) {
        (0, _) => count,
        (1, 1) => format!("{count} (takes this edit in its next version)"),
        (1, _) => format!("{count} (1 takes this edit in its next version)"),
        (n, _) => format!("{count} ({n} take this edit in their next version)"),
    }
}

/// Name, description and body; the name is fixed once the fragment exists.
#[component]
fn FragmentForm(save: ServerAction<SaveFragment>, existing: Option<FragmentView>) -> impl IntoView {
    let refused = move |field: &'static str| {
        save.value().with(|v| {
            v.as_ref()
                .and_then(|r| r.as_ref().err())
                .and_then(|e: &AppError| e.about(field))
                .map(str::to_owned)
        })
    };
    let problem = move |field: &'static str| {
        move || {
            refused(field).map(|m| view! { <span class="field-problem" id=format!("fragment-{field}-problem")>{m}</span> })
        }
    };
    let invalid = move |field: &'static str| move || refused(field).is_some().to_string();
    let (id, name, description, body) = existing
        .map(|f| (Some(f.id), f.name, f.description, f.body))
        .unwrap_or_default();
    let creating = id.is_none();
    view! {
        <ActionForm action=save attr:class="stack" attr:data-testid="fragment-form">
            <input type="hidden" name="id" value=id.unwrap_or_default()/>
            <label>"Name"
                <input name="name" value=name required maxlength="64" readonly=!creating
                    placeholder="footer" aria-invalid=invalid("name") aria-describedby="fragment-name-problem"/>
                {problem("name")}
                <span class="hint">{if creating {
                    "Lowercase letters, digits, - and _; campaigns include it by this name, so it cannot change later."
                } else {
                    "Campaigns include the fragment by this name; it cannot change."
                }}</span>
            </label>
            <label>"Description (optional)"
                <input name="description" value=description maxlength="500"
                    aria-invalid=invalid("description") aria-describedby="fragment-description-problem"/>
                {problem("description")}
            </label>
            <label>"Content (a template: variables such as {{profile.person.name.firstName}} work as in campaigns)"
                <textarea name="body" rows="8" required inner_html=textarea_text(&body)
                    aria-invalid=invalid("body") aria-describedby="fragment-body-problem"></textarea>
                {problem("body")}
            </label>
            <button type="submit" disabled=move || save.pending().get()>
                {if creating { "Create fragment" } else { "Save fragment" }}
            </button>
            {move || save.value().get().map(|result| match result {
                Ok(f) => view! {
                    <p class="hint" data-testid="fragment-saved">
                        {format!("Saved \u{201c}{}\u{201d}. Include it with {}.", f.name, tag(&f.name))}
                    </p>
                }.into_any(),
                Err(e) if e.fields.is_empty() => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                Err(_) => ().into_any(),
            })}
        </ActionForm>
    }
}

/// One fragment: edit it, see who includes it, delete it.
#[component]
pub fn FragmentPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let save = ServerAction::<SaveFragment>::new();
    let delete = ServerAction::<DeleteFragment>::new();
    let found = Resource::new(move || (id(), save.version().get()), |(id, _)| fragment(id));
    view! {
        <Layout>
            <p><a href="/fragments">"← Fragments"</a></p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match found.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(f) => {
                            let used_by = f.used_by.clone();
                            let (fid, name) = (StoredValue::new(f.id.clone()), f.name.clone());
                            view! {
                                <h1>{format!("Fragment \u{201c}{}\u{201d}", f.name)}</h1>
                                <p class="hint">
                                    "Included as "<code>{tag(&f.name)}</code>". Last edited "
                                    <LocalTime ms=f.updated_at/>" by "{f.updated_by.clone()}"."
                                </p>
                                <section class="card">
                                    <FragmentForm save existing=Some(f)/>
                                </section>
                                <section class="card" data-testid="fragment-used-by">
                                    <h2>"Included by"</h2>
                                    <UsedBy used_by=used_by.clone()/>
                                </section>
                                {move || delete.value().get().and_then(Result::err).map(|e| view! { <ErrorBox message=error_text(&e)/> })}
                                {used_by.is_empty().then(|| view! {
                                    <Confirm ask="Delete fragment…".into()
                                        question=format!("\u{201c}{name}\u{201d} is deleted. No campaign includes it.")>
                                        <ActionForm action=delete>
                                            <input type="hidden" name="id" value=fid.get_value()/>
                                            <button type="submit" class="danger">"Delete"</button>
                                        </ActionForm>
                                    </Confirm>
                                })}
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </Layout>
    }
}

/// The campaigns whose newest version includes the fragment, and whether they hold this edit.
#[component]
fn UsedBy(used_by: Vec<FragmentUse>) -> impl IntoView {
    if used_by.is_empty() {
        return view! {
            <p class="empty">"No campaign includes it. It can be deleted."</p>
        }
        .into_any();
    }
    view! {
        <div class="table-scroll">
        <table class="list">
            <thead><tr><th>"Campaign"</th><th>"Status"</th><th>"Version"</th><th>"This edit"</th></tr></thead>
            <tbody>
                {used_by.into_iter().map(|u| view! {
                    <tr>
                        <td><a href=format!("/campaigns/{}", u.campaign_id)>{u.title.clone()}</a></td>
                        <td><StatusBadge status=u.status/></td>
                        <td>{u.version}</td>
                        <td>{if u.current {
                            "included".to_owned()
                        } else {
                            "in its next version: edit and save the campaign to take it".to_owned()
                        }}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        </div>
        <p class="hint">"A campaign that still includes the fragment keeps it; to delete the fragment, remove it from their content first."</p>
    }
    .into_any()
}
