//! What campaigns did, on screen: KPI tiles, the time-series chart (drawn by
//! `leptos-chartistry`, with the same numbers in a table beside it), and breakdowns. Used by
//! the home page and a campaign's report tab. Every count links to the message explorer
//! filtered to the messages it counts, where the explorer can filter them.

use chrono::{DateTime, Utc};
use domain::report::{Bucket, PartTotals, Rates, ReasonCount, Report, SeriesPoint, Totals};
use domain::views::format_rfc3339;
use leptos::prelude::*;
use leptos_chartistry::{
    AspectRatio, AxisMarker, Chart, IntoInner, Legend, Line, Series, TickLabels, Tooltip,
    XGridLine, YGridLine,
};

/// `42.5 %`, or an en dash while there is nothing to divide by.
pub fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "–".to_owned(), |r| format!("{:.1} %", r * 100.0))
}

/// The message explorer's URL for a campaign's messages (all campaigns when `None`) in the
/// report's range, with these more filters (`status`, `engagement`, `version`, `language`).
fn explorer(campaign: Option<&str>, report: &Report, filters: &[(&'static str, &str)]) -> String {
    let mut query = vec![
        ("from", format_rfc3339(report.from)),
        ("to", format_rfc3339(report.to - 1)),
    ];
    if let Some(c) = campaign {
        query.push(("campaignId", c.to_owned()));
    }
    query.extend(filters.iter().map(|(k, v)| (*k, (*v).to_owned())));
    format!(
        "/messages?{}",
        serde_urlencoded::to_string(&query).unwrap_or_default()
    )
}

/// The headline numbers with their rates, each a link to the messages behind it.
#[component]
pub fn KpiTiles(report: Report, #[prop(optional)] campaign: Option<String>) -> impl IntoView {
    let t = &report.totals;
    let r: Rates = report.rates;
    let link = |status: Option<&str>| {
        let filters: Vec<_> = status.map(|s| ("status", s)).into_iter().collect();
        explorer(campaign.as_deref(), &report, &filters)
    };
    let engaged = |e: &str| explorer(campaign.as_deref(), &report, &[("engagement", e)]);
    let tile = |label: &'static str, value: i64, rate: Option<String>, href: String| {
        view! {
            <a class="tile" href=href data-testid=format!("kpi-{}", label.to_lowercase())>
                <span class="tile-label">{label}</span>
                <strong class="tile-value">{value}</strong>
                {rate.map(|r| view! { <span class="tile-rate">{r}</span> })}
            </a>
        }
    };
    view! {
        <div class="tiles">
            {tile("Targeted", t.targeted, None, link(None))}
            {tile("Sent", t.sent, Some(format!("{} delivery", percent(r.delivery))), link(Some("sent")))}
            {tile("Failed", t.failed, Some(format!("{} failure", percent(r.failure))), link(Some("failed")))}
            {tile("Excluded", t.excluded, None, link(Some("excluded")))}
            {tile("Opened", t.unique_opened, Some(format!("{} open", percent(r.open))), engaged("opened"))}
            {tile("Clicked", t.unique_clicked, Some(format!("{} click", percent(r.click))), engaged("clicked"))}
            {tile("Unsubscribed", t.unsubscribed, Some(format!("{} unsubscribe", percent(r.unsubscribe))), link(Some("sent")))}
        </div>
    }
}

/// A point of the chart: its instant and counts.
#[derive(Clone)]
struct Point {
    at: DateTime<Utc>,
    p: SeriesPoint,
}

/// Sent, delivered, failed, opened and clicked per bucket: a chart, and the same numbers as a
/// table (for screen readers, tests and copying).
#[component]
pub fn SeriesChart(report: Report) -> impl IntoView {
    let points: Vec<Point> = report
        .series
        .iter()
        .map(|p| Point {
            at: DateTime::from_timestamp_millis(p.at).unwrap_or_default(),
            p: p.clone(),
        })
        .collect();
    let data = Signal::derive(move || points.clone());
    let line = |name: &'static str, get: fn(&SeriesPoint) -> i64| {
        Line::new(move |d: &Point| get(&d.p) as f64).with_name(name)
    };
    let series = Series::new(|d: &Point| d.at)
        .line(line("sent", |p| p.sent))
        .line(line("delivered", |p| p.delivered))
        .line(line("failed", |p| p.failed))
        .line(line("opened", |p| p.opened))
        .line(line("clicked", |p| p.clicked))
        .with_min_y(0.0);
    let unit = match report.bucket {
        Bucket::Minute => "minute",
        Bucket::Hour => "hour",
        Bucket::Day => "day",
    };
    view! {
        <figure class="chart" data-testid="series-chart">
            <Chart
                aspect_ratio=AspectRatio::from_env_width(240.0)
                top=Legend::start()
                left=TickLabels::aligned_floats()
                bottom=TickLabels::timestamps()
                inner=[
                    AxisMarker::left_edge().into_inner(),
                    AxisMarker::bottom_edge().into_inner(),
                    XGridLine::default().into_inner(),
                    YGridLine::default().into_inner(),
                ]
                tooltip=Tooltip::left_cursor()
                series
                data
            />
            <figcaption>{format!("Messages per {unit} (UTC)")}</figcaption>
        </figure>
        <details class="series-numbers">
            <summary>{format!("Numbers per {unit}")}</summary>
            <table class="list" data-testid="series-table">
                <thead><tr><th>"From"</th><th>"Sent"</th><th>"Delivered"</th><th>"Failed"</th><th>"Opened"</th><th>"Clicked"</th></tr></thead>
                <tbody>
                    {report.series.iter().filter(|p| p.targeted + p.sent + p.delivered + p.failed + p.opened + p.clicked > 0).map(|p| view! {
                        <tr>
                            <td><crate::local_time::LocalTime ms=p.at/></td>
                            <td>{p.sent}</td><td>{p.delivered}</td><td>{p.failed}</td>
                            <td>{p.opened}</td><td>{p.clicked}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </details>
    }
}

fn reasons_table(
    title: &'static str,
    id: &'static str,
    reasons: Vec<ReasonCount>,
) -> impl IntoView {
    (!reasons.is_empty()).then(|| {
        view! {
            <section class="breakdown">
                <h3>{title}</h3>
                <table class="list" data-testid=id>
                    <tbody>
                        {reasons.into_iter().map(|r| view! {
                            <tr><td>{r.reason.replace('_', " ")}</td><td class="num">{r.count}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        }
    })
}

/// Results by part; `href` gives a part's link to its messages, if the explorer can list them.
fn parts_table(
    title: &'static str,
    id: &'static str,
    parts: Vec<PartTotals>,
    href: impl Fn(&str) -> Option<String>,
) -> impl IntoView {
    (parts.len() > 1).then(|| {
        view! {
            <section class="breakdown">
                <h3>{title}</h3>
                <table class="list" data-testid=id>
                    <thead><tr><th></th><th>"Sent"</th><th>"Failed"</th><th>"Opened"</th><th>"Clicked"</th></tr></thead>
                    <tbody>
                        {parts.into_iter().map(|p| {
                            let Totals { sent, failed, unique_opened, unique_clicked, .. } = p.totals;
                            let key = match href(&p.key) {
                                Some(href) => view! { <a href=href>{p.key}</a> }.into_any(),
                                None => p.key.into_any(),
                            };
                            view! {
                                <tr><td>{key}</td><td class="num">{sent}</td><td class="num">{failed}</td>
                                    <td class="num">{unique_opened}</td><td class="num">{unique_clicked}</td></tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        }
    })
}

/// Failures and exclusions by reason, clicks by link, and results by version, language and
/// push platform (a part table shows only when there is more than one part). Versions and
/// languages link to their messages in the explorer.
#[component]
pub fn Breakdowns(report: Report, campaign: String) -> impl IntoView {
    let links = report.links.clone();
    let part_link = |filter: &'static str| {
        let (campaign, report) = (campaign.clone(), report.clone());
        move |key: &str| Some(explorer(Some(&campaign), &report, &[(filter, key)]))
    };
    let (by_version, by_language) = (part_link("version"), part_link("language"));
    view! {
        <div class="breakdowns">
            {reasons_table("Failures by reason", "failures", report.failures)}
            {reasons_table("Exclusions by reason", "exclusions", report.exclusions)}
            {(!links.is_empty()).then(|| view! {
                <section class="breakdown">
                    <h3>"Clicks by link"</h3>
                    <table class="list" data-testid="links">
                        <thead><tr><th>"Link"</th><th>"Clicks"</th><th>"Unique"</th></tr></thead>
                        <tbody>
                            {links.into_iter().map(|l| view! {
                                <tr><td class="url">{l.url}</td><td class="num">{l.clicks}</td><td class="num">{l.unique_clicks}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </section>
            })}
            {parts_table("By version", "versions", report.versions, by_version)}
            {parts_table("By language", "languages", report.languages, by_language)}
            {parts_table("By platform", "platforms", report.platforms, |_| None)}
        </div>
    }
}

/// The report as a CSV file to download (built in the page, from the numbers shown).
#[component]
pub fn CsvLink(report: Report, name: String) -> impl IntoView {
    let href = format!(
        "data:text/csv;charset=utf-8,{}",
        report
            .to_csv()
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b',' | b':' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    );
    view! { <a class="button secondary" href=href download=format!("{name}.csv")>"Export CSV"</a> }
}
