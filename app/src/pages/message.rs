//! One message: its recipient, rendered content, status timeline and every delivery attempt.

use crate::api::get_message;
use crate::components::{ErrorBox, Layout, MessageStatusBadge, error_text};
use crate::local_time::LocalTime;
use domain::delivery::{AttemptOutcome, ReportedStatus};
use domain::views::{AttemptView, MessageView};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn MessagePage() -> impl IntoView {
    let params = use_params_map();
    let message = Resource::new(
        move || params.with(|p| p.get("id").unwrap_or_default()),
        get_message,
    );
    view! {
        <Layout>
            <p><a href="/messages">"← Sent messages"</a></p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match message.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok((m, attempts)) => view! { <MessageDetail m attempts/> }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn MessageDetail(m: MessageView, attempts: Vec<AttemptView>) -> impl IntoView {
    let timeline = timeline(&m, &attempts);
    view! {
        <div class="title-row">
            <h1>{m.recipient.clone()}</h1>
            <MessageStatusBadge status=m.status provider=m.provider.clone() attr:data-testid="message-status"/>
        </div>
        <p class="meta">
            {m.channel.clone()} " · campaign " <a href=format!("/campaigns/{}", m.campaign_id)>{m.campaign_title.clone()}</a>
            " · request " <code>{m.request_id.clone()}</code>
            " · execution " <a href=format!("/messages?executionId={}", m.execution_id)><code>{m.execution_id.clone()}</code></a>
            " · message " <code>{m.id.clone()}</code>
            {(m.opens + m.clicks > 0).then(|| format!(" · opened {} times · {} clicks", m.opens, m.clicks))}
        </p>
        {m.status_reason.clone().map(|r| view! { <p class="hint" data-testid="status-reason">{r}</p> })}
        <section class="card">
            <h2>"Content"</h2>
            {match m.content_dropped_at {
                Some(at) => view! {
                    <p class="hint" data-testid="content-dropped">
                        "Removed " <LocalTime ms=at/> ": the sandbox keeps message content for a set number of days (Sandboxes → Data retention)."
                    </p>
                }.into_any(),
                None => view! {
                    {(!m.subject.is_empty()).then(|| view! { <p><strong>{m.subject.clone()}</strong></p> })}
                    {(!m.html_body.is_empty()).then(|| view! {
                        <iframe class="preview" title="Rendered HTML" sandbox="" srcdoc=m.html_body.clone()></iframe>
                    })}
                    <pre class="code">{m.text_body.clone()}</pre>
                }.into_any(),
            }}
        </section>
        <section class="card">
            <h2>"Timeline"</h2>
            <ol class="timeline" data-testid="timeline">
                {timeline.into_iter().map(|(at, what)| view! { <li><LocalTime ms=at/> " " {what}</li> }).collect_view()}
            </ol>
        </section>
        <section class="card">
            <h2>"Attempts"</h2>
            {if attempts.is_empty() {
                view! { <p class="empty">"No delivery attempt (yet)."</p> }.into_any()
            } else {
                view! {
                    <table class="list">
                        <thead><tr><th>"#"</th><th>"Started"</th><th>"Took"</th><th>"Provider"</th><th>"Outcome"</th><th>"Provider's answer"</th></tr></thead>
                        <tbody>
                            {attempts.into_iter().map(|a| view! {
                                <tr data-testid="attempt">
                                    <td>{a.attempt}</td>
                                    <td><LocalTime ms=a.started_at/></td>
                                    <td>{format!("{} ms", a.finished_at - a.started_at)}</td>
                                    <td>{a.provider}</td>
                                    <td>{a.outcome.as_str().replace('_', " ")}</td>
                                    <td>{a.detail.unwrap_or_default()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

/// Accepted, each attempt, and where the message now stands.
fn timeline(m: &MessageView, attempts: &[AttemptView]) -> Vec<(i64, String)> {
    let mut steps = vec![(m.created_at, "accepted".to_owned())];
    for a in attempts {
        let outcome = match a.outcome {
            AttemptOutcome::Sent => "sent",
            AttemptOutcome::TransientFailure => "failed, will retry",
            AttemptOutcome::PermanentFailure => "failed for good",
        };
        steps.push((
            a.finished_at,
            format!("attempt {} via {}: {outcome}", a.attempt, a.provider),
        ));
    }
    match m.status {
        ReportedStatus::Queued if !attempts.is_empty() => {
            steps.push((m.updated_at, "waiting to retry".into()))
        }
        ReportedStatus::Queued | ReportedStatus::Sending => {
            steps.push((m.updated_at, m.status.to_string()))
        }
        ReportedStatus::Excluded => steps.push((
            m.updated_at,
            format!("excluded: {}", m.status_reason.clone().unwrap_or_default()),
        )),
        _ => {}
    }
    steps
}
