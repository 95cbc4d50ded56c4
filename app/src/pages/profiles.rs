//! Profiles: the people of the sandbox, searched by identity or attribute; imports of CSV or
//! NDJSON files with their progress and refused rows; exports.

use crate::api::{list_audiences, profile_imports, profile_page};
use crate::components::{ErrorBox, Layout, error_text};
use crate::local_time::LocalTime;
use crate::upload::{Answer, send_file};
use domain::profile_import::{ImportStatus, ImportView};
use leptos::html::Input;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ProfilesPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let before = move || query.read().get("before");
    let imported = RwSignal::new(0u32);
    let page = Resource::new(
        move || (q(), before(), imported.get()),
        |(q, before, _)| profile_page(q, before),
    );
    view! {
        <Layout>
            <h1>"Profiles"</h1>
            <p class="hint">
                "The people this sandbox sends to, known by their identities (email, phone, crmId…). "
                "Trigger calls and imports create them; audiences group them."
            </p>
            <form method="get" action="/profiles" class="inline-form" role="search">
                <label>"Search"
                    <input type="search" name="q" value=q placeholder="The start of an identity, or any attribute text"/>
                </label>
                <button type="submit" class="secondary">"Search"</button>
            </form>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(page) if page.items.is_empty() => view! {
                            <p class="empty">"No profiles match."</p>
                        }.into_any(),
                        Ok(page) => {
                            let next = page.next.map(|n| {
                                let href = format!(
                                    "/profiles?{}",
                                    serde_urlencoded::to_string([("q", q()), ("before", n)]).unwrap_or_default()
                                );
                                view! { <p><A href=href>"Older profiles"</A></p> }
                            });
                            view! {
                                <div class="table-scroll">
                                <table class="list">
                                    <thead><tr><th>"Identities"</th><th>"Name"</th><th>"Changed"</th></tr></thead>
                                    <tbody>
                                        {page.items.into_iter().map(|p| {
                                            let identities: Vec<String> = p.identities.iter()
                                                .map(|i| format!("{}: {}", i.namespace, i.id)).collect();
                                            view! {
                                                <tr data-testid="profile">
                                                    <td><A href=format!("/profiles/{}", p.id)>{identities.join(", ")}</A></td>
                                                    <td>{p.name}</td>
                                                    <td><LocalTime ms=p.updated_at/></td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                </div>
                                {next}
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
            <ImportCard imported/>
            <section class="card">
                <h2>"Export"</h2>
                <p>
                    "Every profile of the sandbox as "
                    <a href="/files/profiles/export?format=csv" download>"CSV"</a>" or "
                    <a href="/files/profiles/export?format=ndjson" download>"NDJSON"</a>
                    " (NDJSON keeps numbers and lists and imports back unchanged). An audience's members are exported from the "
                    <A href="/audiences">"Audiences"</A>" page."
                </p>
            </section>
        </Layout>
    }
}

/// Where an upload stands in the browser.
#[derive(Clone)]
enum Upload {
    Idle,
    Sending { loaded: f64, total: f64 },
    Done(Box<ImportView>),
    Refused(String),
}

/// Picks a file and imports it, showing the upload's progress and then what the import did.
#[component]
fn ImportCard(imported: RwSignal<u32>) -> impl IntoView {
    let file_input = NodeRef::<Input>::new();
    let audience = RwSignal::new(String::new());
    let state = RwSignal::new(Upload::Idle);
    let audiences = Resource::new(|| (), |_| list_audiences());
    let history = Resource::new(move || imported.get(), |_| profile_imports());
    let start = move |_| {
        let Some(file) = file_input
            .get()
            .and_then(|input| input.files())
            .and_then(|files| files.get(0))
        else {
            state.set(Upload::Refused("Choose a file first.".into()));
            return;
        };
        let name = file.name();
        let format = if name.ends_with(".ndjson") || name.ends_with(".jsonl") {
            "ndjson"
        } else {
            "csv"
        };
        let query = serde_urlencoded::to_string([
            ("format", format),
            ("fileName", name.as_str()),
            ("audienceId", audience.get_untracked().as_str()),
        ])
        .unwrap_or_default();
        state.set(Upload::Sending {
            loaded: 0.0,
            total: file.size(),
        });
        send_file(
            &format!("/files/profiles/import?{query}"),
            file,
            move |loaded, total| state.set(Upload::Sending { loaded, total }),
            move |answer: Answer| {
                state.set(match serde_json::from_str::<ImportView>(&answer.text) {
                    Ok(view) if answer.status == 200 => Upload::Done(Box::new(view)),
                    _ => Upload::Refused(refusal(&answer)),
                });
                imported.update(|n| *n += 1);
            },
        );
    };
    view! {
        <section class="card" data-testid="import">
            <h2>"Import"</h2>
            <p class="hint">
                "A CSV file whose columns are named after identity namespaces (e.g. "<code>"email"</code>", "<code>"crmId"</code>
                ") and attribute paths (e.g. "<code>"person.name.firstName"</code>", "<code>"consents.marketing.email.val"</code>
                "), or NDJSON with one "<code>"{\"identities\": [...], \"attributes\": {...}}"</code>" per line. "
                "Rows are laid over the stored profiles: importing a file twice changes nothing the second time."
            </p>
            <div class="stacked-form">
                <label>"File" <input type="file" accept=".csv,.ndjson,.jsonl,text/csv" node_ref=file_input/></label>
                <label>"Also add them to the static audience"
                    <select on:change=move |ev| audience.set(event_target_value(&ev))>
                        <option value="">"None"</option>
                        <Suspense>
                            {move || Suspend::new(async move {
                                audiences.await.unwrap_or_default().into_iter()
                                    .filter(|a| a.rule.is_none())
                                    .map(|a| view! { <option value=a.id>{a.name}</option> })
                                    .collect_view()
                            })}
                        </Suspense>
                    </select>
                </label>
                <button type="button" on:click=start
                    disabled=move || matches!(state.get(), Upload::Sending { .. })>"Import"</button>
            </div>
            {move || match state.get() {
                Upload::Idle => ().into_any(),
                Upload::Sending { loaded, total } => {
                    let percent = if total > 0.0 { (loaded / total * 100.0).round() } else { 0.0 };
                    view! {
                        <p aria-live="polite">
                            <progress max="100" value=percent data-testid="import-progress"></progress>
                            {format!(" Uploading and importing… {percent} %")}
                        </p>
                    }.into_any()
                }
                Upload::Refused(why) => view! { <ErrorBox message=why/> }.into_any(),
                Upload::Done(view) => view! { <ImportResult import=*view/> }.into_any(),
            }}
            <Suspense>
                {move || Suspend::new(async move {
                    let items = history.await.unwrap_or_default();
                    (!items.is_empty()).then(|| view! {
                        <h3>"Recent imports"</h3>
                        <div class="table-scroll">
                        <table class="list">
                            <thead><tr><th>"File"</th><th>"Status"</th><th>"Created"</th><th>"Updated"</th><th>"Unchanged"</th><th>"Refused"</th><th>"Started"</th></tr></thead>
                            <tbody>
                                {items.into_iter().map(|i| view! {
                                    <tr>
                                        <td>{i.file_name.clone()}</td>
                                        <td>{status_text(i.status)}</td>
                                        <td>{i.created}</td>
                                        <td>{i.updated}</td>
                                        <td>{i.unchanged}</td>
                                        <td>{if i.failed > 0 {
                                            view! {
                                                <a href=format!("/files/profile-imports/{}/errors", i.import_id) download>{i.failed}</a>
                                            }.into_any()
                                        } else {
                                            view! { "0" }.into_any()
                                        }}</td>
                                        <td><LocalTime ms=i.created_at/></td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        </div>
                    })
                })}
            </Suspense>
        </section>
    }
}

/// What an import did, with its first refused rows and the full report to download.
#[component]
fn ImportResult(import: ImportView) -> impl IntoView {
    let report = format!("/files/profile-imports/{}/errors", import.import_id);
    let summary = format!(
        "{}: {} created, {} updated, {} unchanged, {} refused.",
        status_text(import.status),
        import.created,
        import.updated,
        import.unchanged,
        import.failed
    );
    let failed = import.failed;
    let stopped = import.stopped_because.map(|why| view! {
        <ErrorBox message=format!("The import stopped after row {}: {why}. Import the file again to go on: stored rows are not imported twice.", import.last_row)/>
    });
    view! {
        <p role="status" data-testid="import-result">{summary}</p>
        {stopped}
        {(failed > 0).then(|| view! {
            <div class="table-scroll">
            <table class="list" data-testid="import-errors">
                <thead><tr><th>"Row"</th><th>"Column"</th><th>"Reason"</th></tr></thead>
                <tbody>
                    {import.errors.into_iter().map(|e| view! {
                        <tr><td>{e.row}</td><td>{e.column}</td><td>{e.reason}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            </div>
            <p><a href=report download>"Download the error report (CSV)"</a></p>
        })}
    }
}

fn status_text(status: ImportStatus) -> &'static str {
    match status {
        ImportStatus::Reading => "Importing",
        ImportStatus::Completed => "Imported",
        ImportStatus::Interrupted => "Interrupted (import the file again to go on)",
    }
}

/// A refused upload in words: the answer's title, or its text.
fn refusal(answer: &Answer) -> String {
    serde_json::from_str::<serde_json::Value>(&answer.text)
        .ok()
        .and_then(|v| v["title"].as_str().map(str::to_owned))
        .unwrap_or_else(|| answer.text.clone())
}
