//! The message explorer: every message Herald accepted, searched by recipient, requestId,
//! executionId, campaign, status, reason, engagement and date (a plain GET form: the search is
//! in the URL). The report's links add filters the form has no field for (version, language,
//! link, platform): they are named above the results and kept when the form is sent.

use crate::api::{find_messages, list_campaigns};
use crate::components::{ErrorBox, Layout, MessageStatusBadge, error_text};
use crate::local_time::{LocalTime, utc_offset_signal};
use domain::delivery::MessageStatus;
use domain::message_query::{Engagement, MessageQueryInput, Reason};
use domain::views::MessagePage;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

#[component]
pub fn MessagesPage() -> impl IntoView {
    let query = use_query_map();
    let input = move || {
        query.with(|q| MessageQueryInput {
            recipient: q.get("recipient"),
            request_id: q.get("requestId"),
            execution_id: q.get("executionId"),
            campaign_id: q.get("campaignId"),
            status: q.get("status"),
            reason: q.get("reason"),
            engagement: q.get("engagement"),
            link: q.get("link"),
            version: q.get("version"),
            language: q.get("language"),
            platform: q.get("platform"),
            from: q.get("from"),
            to: q.get("to"),
            utc_offset: q.get("utcOffset"),
            page: q.get("page"),
        })
    };
    let messages = Resource::new(input, find_messages);
    let campaigns = Resource::new(|| (), |_| list_campaigns());
    let value = move |key: &'static str| query.with(|q| q.get(key).unwrap_or_default());
    let utc_offset = utc_offset_signal();
    view! {
        <Layout>
            <h1>"Sent messages"</h1>
            <p class="hint">
                "Every accepted message with its status. Messages of campaigns without a surface go to the server's "
                "default sender; with none configured they are captured here, not sent."
            </p>
            <form method="get" action="/messages" class="filters" role="search">
                <label>"Recipient" <input type="search" name="recipient" value=value("recipient") placeholder="Exact address, number or token"/></label>
                <label>"Request ID" <input name="requestId" value=value("requestId") size="14"/></label>
                <label>"Execution ID" <input name="executionId" value=value("executionId") size="14"/></label>
                <label>"Campaign"
                    <select name="campaignId">
                        <option value="">"Any"</option>
                        <Suspense>
                            {move || Suspend::new(async move {
                                let current = value("campaignId");
                                campaigns.await.unwrap_or_default().into_iter().map(|c| {
                                    let selected = c.id == current;
                                    view! { <option value=c.id selected=selected>{c.title}</option> }
                                }).collect_view()
                            })}
                        </Suspense>
                    </select>
                </label>
                <label>"Status"
                    <select name="status">
                        <option value="">"Any"</option>
                        {MessageStatus::ALL.iter().map(|s| s.as_str()).map(|s| view! { <option value=s selected=value("status") == s>{s}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Reason"
                    <select name="reason">
                        <option value="">"Any"</option>
                        {Reason::all().into_iter().map(|r| r.as_str()).map(|r| view! { <option value=r selected=value("reason") == r>{r.replace('_', " ")}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Engagement"
                    <select name="engagement">
                        <option value="">"Any"</option>
                        {Engagement::ALL.iter().map(|e| e.as_str()).map(|e| view! { <option value=e selected=value("engagement") == e>{e}</option> }).collect_view()}
                    </select>
                </label>
                <ReportFilters/>
                <label>"From" <input type="date" name="from" value=value("from")/></label>
                <label>"To" <input type="date" name="to" value=value("to")/></label>
                // Days are the browser's: its offset from UTC goes with the search.
                <input type="hidden" name="utcOffset" prop:value=utc_offset/>
                <button type="submit" class="secondary">"Search"</button>
            </form>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match messages.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(page) if page.items.is_empty() && page.page == 1 && input() != MessageQueryInput::default() => view! {
                            <p class="empty">"No message matches. "<a href="/messages">"Clear the search"</a>"."</p>
                        }.into_any(),
                        Ok(page) if page.items.is_empty() => view! {
                            <p class="empty">"No messages yet. Trigger a live campaign to see its messages here."</p>
                        }.into_any(),
                        Ok(page) => view! { <MessageTable page input=input()/> }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}

/// The filters a report's link sets that the form has no field for: kept as hidden fields, and
/// named with a link to drop each.
#[component]
fn ReportFilters() -> impl IntoView {
    const FIELDS: [(&str, &str); 4] = [
        ("version", "version"),
        ("language", "language"),
        ("link", "clicked link"),
        ("platform", "platform"),
    ];
    let query = use_query_map();
    move || {
        let present: Vec<(&str, &str, String)> = query.with(|q| {
            FIELDS
                .iter()
                .filter_map(|(key, label)| {
                    q.get(key)
                        .filter(|v| !v.is_empty())
                        .map(|v| (*key, *label, v))
                })
                .collect()
        });
        let without = move |drop: &str| {
            let mut rest = query.get();
            rest.remove(drop);
            rest.remove("page");
            format!("/messages{}", rest.to_query_string())
        };
        (!present.is_empty()).then(|| view! {
            <p class="report-filters" data-testid="report-filters">
                "Also filtered by: "
                {present.into_iter().map(|(key, label, v)| view! {
                    <input type="hidden" name=key value=v.clone()/>
                    <span class="chip">{format!("{label} {v}")}" "
                        <a href=without(key) aria-label=format!("Remove the {label} filter")>"✕"</a>
                    </span>
                }).collect_view()}
            </p>
        })
    }
}

#[component]
fn MessageTable(page: MessagePage, input: MessageQueryInput) -> impl IntoView {
    let pages = (page.total.max(1) as u32).div_ceil(page.per_page);
    let link = move |to: u32| {
        let mut i = input.clone();
        i.page = Some(to.to_string());
        format!(
            "/messages?{}",
            serde_urlencoded::to_string(&i).unwrap_or_default()
        )
    };
    let (prev, next) = (
        (page.page > 1).then(|| link(page.page - 1)),
        (page.page < pages).then(|| link(page.page + 1)),
    );
    view! {
        <table class="list">
            <thead><tr>
                <th>"Created"</th><th>"Channel"</th><th>"Recipient"</th><th>"Campaign"</th>
                <th>"Subject / text"</th><th>"Status"</th>
            </tr></thead>
            <tbody>
                {page.items.into_iter().map(|m| {
                    let summary = if m.subject.is_empty() { m.text_body.clone() } else { m.subject.clone() };
                    let summary: String = summary.chars().take(80).collect();
                    view! {
                        <tr data-testid="message">
                            <td><LocalTime ms=m.created_at/></td>
                            <td class="channel">{m.channel.clone()}</td>
                            <td><A href=format!("/messages/{}", m.id)>{m.recipient.clone()}</A></td>
                            <td>{m.campaign_title.clone()}</td>
                            <td class="subject">{summary}</td>
                            <td><MessageStatusBadge status=m.status provider=m.provider/></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <nav class="pager" aria-label="Pages">
            {prev.map(|href| view! { <a href=href>"← Newer"</a> })}
            <span data-testid="page-info">{format!("Page {} of {} · {} messages", page.page, pages, page.total)}</span>
            {next.map(|href| view! { <a href=href>"Older →"</a> })}
        </nav>
    }
}
