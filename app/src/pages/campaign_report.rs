use crate::api::{campaign_report, get_campaign};
use crate::components::{ErrorBox, Layout, error_text};
use crate::pages::home::{LIVE_REFRESH, ticker};
use crate::report::{Breakdowns, CsvLink, KpiTiles, SeriesChart};
use domain::report::ReportQueryInput;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The tabs of a campaign's pages.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum CampaignTab {
    Overview,
    Versions,
    Report,
}

/// The campaign's overview, versions and report tabs.
#[component]
pub fn CampaignTabs(id: String, current: CampaignTab) -> impl IntoView {
    let tab = |href: String, tab: CampaignTab, label: &'static str| {
        // A plain link: the router's `A` would mark the overview current on every sub-page.
        view! { <a href=href aria-current=(current == tab).then_some("page")>{label}</a> }
    };
    view! {
        <nav class="tabs" aria-label="Campaign">
            {tab(format!("/campaigns/{id}"), CampaignTab::Overview, "Overview")}
            {tab(format!("/campaigns/{id}/versions"), CampaignTab::Versions, "Versions")}
            {tab(format!("/campaigns/{id}/report"), CampaignTab::Report, "Report")}
        </nav>
    }
}

/// What a campaign did: live (the last 24 hours, refreshing by itself) or over a date range
/// (from/to in the URL, a plain GET form), by minute, hour or day.
#[component]
pub fn CampaignReportPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let value = move |key: &'static str| query.with(|q| q.get(key).unwrap_or_default());
    let live = move || value("from").is_empty() && value("to").is_empty();
    let tick = ticker(LIVE_REFRESH);
    let offset = crate::local_time::utc_offset_signal();
    let campaign = Resource::new(id, get_campaign);
    let report = Resource::new(
        move || {
            let input = ReportQueryInput {
                from: Some(value("from")),
                to: Some(value("to")),
                bucket: Some(value("bucket")),
                utc_offset: Some(offset.get()),
            };
            // Only a live report follows the clock.
            (id(), input, if live() { tick.get() } else { 0 })
        },
        |(id, input, _)| campaign_report(id, input),
    );
    let bucket = move |b: &'static str, label: &'static str| {
        view! { <option value=b selected=move || value("bucket") == b>{label}</option> }
    };
    view! {
        <Layout>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    campaign.await.ok().map(|c| view! { <h1>{c.title}</h1> })
                })}
            </Suspense>
            <CampaignTabs id=id() current=CampaignTab::Report/>
            <form method="get" class="filters" role="search">
                <label>"From" <input type="date" name="from" value=move || value("from")/></label>
                <label>"To" <input type="date" name="to" value=move || value("to")/></label>
                <label>"By"
                    <select name="bucket">
                        {bucket("", "Automatic")}
                        {bucket("minute", "Minute")}
                        {bucket("hour", "Hour")}
                        {bucket("day", "Day")}
                    </select>
                </label>
                <input type="hidden" name="utcOffset" value=move || offset.get()/>
                <button type="submit" class="secondary">"Show"</button>
                <A href=move || format!("/campaigns/{}/report", id())>"Live (last 24 hours)"</A>
            </form>
            <p class="hint" data-testid="report-mode">
                {move || if live() { "Live: the last 24 hours, updated every few seconds." } else { "The chosen dates, in your time zone." }}
            </p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match report.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(r) => {
                            let campaign_id = id();
                            view! {
                                <KpiTiles report=r.clone() campaign=campaign_id.clone()/>
                                <SeriesChart report=r.clone()/>
                                <Breakdowns report=r.clone() campaign=campaign_id.clone()/>
                                <CsvLink report=r name=format!("campaign-{campaign_id}-report")/>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </Layout>
    }
}
