//! System: what the database holds (size, rows of the tables that grow, the oldest message
//! kept), whether writes fail for lack of space, and the server's default retention.

use crate::api::system;
use crate::components::{ErrorBox, Layout, error_text};
use crate::local_time::LocalTime;
use leptos::prelude::*;

/// `12.3 MiB`.
fn mebibytes(bytes: i64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

#[component]
pub fn SystemPage() -> impl IntoView {
    let status = Resource::new(|| (), |_| system());
    view! {
        <Layout>
            <h1>"System"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(s) => view! {
                            {s.storage_full_since.map(|at| view! {
                                <p class="error" role="alert" data-testid="storage-full">
                                    "The database has had no space left since " <LocalTime ms=at/>
                                    ": trigger calls are refused until space is freed (shorter retention, a bigger disk)."
                                </p>
                            })}
                            <section class="card">
                                <h2>"Database"</h2>
                                <p data-testid="database-size">
                                    {format!("{}, {} on disk.", s.engine, mebibytes(s.database_bytes))}
                                </p>
                                <p data-testid="oldest-message">
                                    {match s.oldest_message_at {
                                        Some(at) => view! { "Oldest message kept: " <LocalTime ms=at/> "." }.into_any(),
                                        None => "No messages yet.".into_any(),
                                    }}
                                </p>
                                <table class="list" data-testid="table-rows">
                                    <thead><tr><th>"Table"</th><th class="num">"Rows"</th></tr></thead>
                                    <tbody>
                                        {s.tables.into_iter().map(|(table, rows)| view! {
                                            <tr><td><code>{table}</code></td><td class="num">{rows}</td></tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </section>
                            <p class="hint">
                                {format!(
                                    "Server defaults: content kept {} days, messages {} days, webhook deliveries {} days; each sandbox may set its own (Sandboxes).",
                                    s.retention.content_days, s.retention.message_days, s.retention.webhook_days
                                )}
                            </p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}
