use crate::api::list_messages;
use crate::components::{ErrorBox, Layout, error_text};
use domain::views::format_utc;
use leptos::prelude::*;

/// Every message Herald accepted, newest first, with its rendered content and status.
#[component]
pub fn MessagesPage() -> impl IntoView {
    let messages = Resource::new(|| (), |_| list_messages());
    view! {
        <Layout>
            <h1>"Sent messages"</h1>
            <p class="hint">
                "Without an SMTP relay (HERALD_SMTP_URL), emails are captured here instead of being sent; "
                "SMS and push messages are captured here until their providers are set up."
            </p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match messages.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <p class="empty">"No messages yet. Trigger a live campaign to see its messages here."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="messages">
                                {list.into_iter().map(|m| view! {
                                    <li class="message" data-testid="message">
                                        <details>
                                            <summary>
                                                <span class="channel">{m.channel.clone()}</span>
                                                <span class="recipient">{m.recipient}</span>
                                                <span class="subject">{m.subject}</span>
                                                <span class=format!("badge badge-{}", m.status)>{m.status.clone()}</span>
                                                <span class="when">{format_utc(m.created_at)}</span>
                                            </summary>
                                            <p class="meta">
                                                {m.campaign_title} " · attempts " {m.attempts}
                                                " · via " {m.provider.unwrap_or_else(|| "—".into())}
                                                {m.status_reason.map(|r| format!(" · {r}"))}
                                            </p>
                                            {(!m.html_body.is_empty()).then(|| view! {
                                                <iframe class="preview" title="Rendered HTML" sandbox="" srcdoc=m.html_body></iframe>
                                            })}
                                            <pre class="code">{m.text_body}</pre>
                                        </details>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}
