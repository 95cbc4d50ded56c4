use crate::api::find_campaigns;
use crate::components::{ErrorBox, Layout, StatusBadge, error_text};
use crate::local_time::LocalTime;
use domain::campaign::CampaignStatus;
use domain::listing::CampaignQueryInput;
use domain::views::CampaignPage;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// The campaign list: search, filters and sort in the URL (a plain GET form), 25 a page.
#[component]
pub fn CampaignsPage() -> impl IntoView {
    let query = use_query_map();
    let input = move || {
        query.with(|q| CampaignQueryInput {
            search: q.get("search"),
            status: q.get("status"),
            channel: q.get("channel"),
            category: q.get("category"),
            tag: q.get("tag"),
            sort: q.get("sort"),
            page: q.get("page"),
        })
    };
    let campaigns = Resource::new(input, find_campaigns);
    let value = move |key: &'static str| query.with(|q| q.get(key).unwrap_or_default());
    let filtered = move || {
        let i = input();
        [i.search, i.status, i.channel, i.category, i.tag]
            .iter()
            .any(|v| v.as_deref().is_some_and(|s| !s.is_empty()))
    };
    let choice = move |key: &'static str,
                       options: Vec<(&'static str, &'static str)>,
                       label: &'static str| {
        let current = value(key);
        view! {
            <label>{label}
                <select name=key>
                    {options.into_iter().map(|(v, text)| view! {
                        <option value=v selected=current == v>{text}</option>
                    }).collect_view()}
                </select>
            </label>
        }
    };
    let statuses: Vec<(&str, &str)> = std::iter::once(("", "Any (not archived)"))
        .chain(CampaignStatus::ALL.iter().map(|s| (s.as_str(), s.as_str())))
        .collect();
    view! {
        <Layout>
            <div class="title-row">
                <h1>"Campaigns"</h1>
                <A href="/campaigns/new" attr:class="button">"New campaign"</A>
            </div>
            <form method="get" action="/campaigns" class="filters" role="search">
                <label>"Search" <input type="search" name="search" value=value("search") placeholder="Title contains…"/></label>
                {choice("status", statuses, "Status")}
                {choice("channel", vec![("", "Any"), ("email", "Email"), ("sms", "SMS"), ("push", "Push")], "Channel")}
                {choice("category", vec![("", "Any"), ("transactional", "Transactional"), ("marketing", "Marketing")], "Category")}
                <label>"Tag" <input name="tag" value=value("tag") size="10"/></label>
                {choice("sort", vec![("newest", "Newest"), ("oldest", "Oldest"), ("updated", "Recently changed"), ("title", "Title")], "Sort")}
                <button type="submit" class="secondary">"Apply"</button>
            </form>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match campaigns.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(page) if page.items.is_empty() && filtered() => view! {
                            <p class="empty">"No campaign matches. "<a href="/campaigns">"Clear the filters"</a>"."</p>
                        }.into_any(),
                        Ok(page) if page.items.is_empty() => view! {
                            <p class="empty">
                                "No campaigns yet. Create one, activate it, and trigger it with one API call."
                            </p>
                        }.into_any(),
                        Ok(page) => view! { <CampaignTable page input=input()/> }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn CampaignTable(page: CampaignPage, input: CampaignQueryInput) -> impl IntoView {
    let pages = (page.total.max(1) as u32).div_ceil(page.per_page);
    let link = move |to: u32| {
        let mut i = input.clone();
        i.page = Some(to.to_string());
        format!("/campaigns?{}", query_string(&i))
    };
    let (prev, next) = (
        (page.page > 1).then(|| link(page.page - 1)),
        (page.page < pages).then(|| link(page.page + 1)),
    );
    view! {
        <table class="list">
            <thead><tr><th>"Title"</th><th>"Channel"</th><th>"Category"</th><th>"Tags"</th><th>"Status"</th>
                <th>"Last triggered"</th><th>"Sent (24 h)"</th><th>"Failure rate (24 h)"</th><th>"Updated"</th></tr></thead>
            <tbody>
                {page.items.into_iter().map(|c| view! {
                    <tr data-testid="campaign-row">
                        <td><A href=format!("/campaigns/{}", c.id)>{c.title}</A></td>
                        <td>{c.channel}</td>
                        <td>{c.category.as_str()}</td>
                        <td>{c.tags.join(", ")}</td>
                        <td><StatusBadge status=c.status/></td>
                        <td>{match c.last_triggered_at {
                            Some(ms) => view! { <LocalTime ms/> }.into_any(),
                            None => "never".into_any(),
                        }}</td>
                        <td class="num" data-testid="sent-24h">{c.sent_24h}</td>
                        <td class="num">{crate::report::percent(c.failure_rate_24h)}</td>
                        <td><LocalTime ms=c.updated_at/></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <nav class="pager" aria-label="Pages">
            {prev.map(|href| view! { <a href=href>"← Previous"</a> })}
            <span data-testid="page-info">{format!("Page {} of {} · {} campaigns", page.page, pages, page.total)}</span>
            {next.map(|href| view! { <a href=href>"Next →"</a> })}
        </nav>
    }
}

/// The query string of a campaign query (its values percent-encoded).
fn query_string(i: &CampaignQueryInput) -> String {
    let pairs = [
        ("search", &i.search),
        ("status", &i.status),
        ("channel", &i.channel),
        ("category", &i.category),
        ("tag", &i.tag),
        ("sort", &i.sort),
        ("page", &i.page),
    ];
    pairs
        .iter()
        .filter_map(|(k, v)| {
            v.as_deref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", encode(v)))
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
