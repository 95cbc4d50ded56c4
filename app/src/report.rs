//! What campaigns did, on screen: KPI tiles, the time-series chart (drawn by
//! `leptos-chartistry`, with the same numbers in a table beside it), and breakdowns. Used by
//! the home page and a campaign's report tab. Every count of messages links to the message
//! explorer filtered to the messages it counts.

use chrono::{DateTime, Utc};
use domain::dates::format_rfc3339;
use domain::report::{Bucket, PartTotals, Rates, ReasonCount, Report, SeriesPoint, Totals};
use leptos::prelude::*;
use leptos_chartistry::{
    AspectRatio, AxisMarker, Chart, IntoInner, Legend, Line, Series, TickLabels, Tooltip,
    XGridLine, YGridLine,
};

/// `42.5 %`, or an en dash while there is nothing to divide by.
pub fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "–".to_owned(), |r| format!("{:.1} %", r * 100.0))
}

/// Where a report's numbers lead: the message explorer, showing a campaign's messages (all
/// campaigns' when `campaign` is `None`) in the report's range.
#[derive(Clone)]
struct Explorer {
    campaign: Option<String>,
    from: i64,
    to: i64,
}

impl Explorer {
    fn new(campaign: Option<String>, report: &Report) -> Self {
        Self {
            campaign,
            from: report.from,
            to: report.to,
        }
    }

    /// The explorer's URL with these more filters (see `domain::message_query`).
    fn href(&self, filters: &[(&str, &str)]) -> String {
        let mut query = vec![
            ("from", format_rfc3339(self.from)),
            ("to", format_rfc3339(self.to - 1)),
        ];
        if let Some(c) = &self.campaign {
            query.push(("campaignId", c.clone()));
        }
        query.extend(filters.iter().map(|(k, v)| (*k, (*v).to_owned())));
        format!(
            "/messages?{}",
            serde_urlencoded::to_string(&query).unwrap_or_default()
        )
    }
}

/// The headline numbers with their rates, each a link to the messages behind it.
#[component]
pub fn KpiTiles(report: Report, #[prop(optional)] campaign: Option<String>) -> impl IntoView {
    let t = &report.totals;
    let r: Rates = report.rates;
    let explorer = Explorer::new(campaign, &report);
    let link = |status: Option<&str>| {
        let filters: Vec<_> = status.map(|s| ("status", s)).into_iter().collect();
        explorer.href(&filters)
    };
    let engaged = |e: &str| explorer.href(&[("engagement", e)]);
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
            {tile("Unsubscribed", t.unsubscribed, Some(format!("{} unsubscribe", percent(r.unsubscribe))), engaged("unsubscribed"))}
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

/// Counts by reason, each a link to its messages (`href` of the reason).
fn reasons_table(
    title: &'static str,
    id: &'static str,
    reasons: Vec<ReasonCount>,
    href: impl Fn(&str) -> String,
) -> impl IntoView {
    (!reasons.is_empty()).then(|| {
        view! {
            <section class="breakdown">
                <h3>{title}</h3>
                <table class="list" data-testid=id>
                    <tbody>
                        {reasons.into_iter().map(|r| view! {
                            <tr><td><a href=href(&r.reason)>{r.reason.replace('_', " ")}</a></td><td class="num">{r.count}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        }
    })
}

/// Results by part, each part a link to its messages (`href` of the part's key).
fn parts_table(
    title: &'static str,
    id: &'static str,
    parts: Vec<PartTotals>,
    href: impl Fn(&str) -> String,
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
                            view! {
                                <tr><td><a href=href(&p.key)>{p.key.clone()}</a></td><td class="num">{sent}</td><td class="num">{failed}</td>
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
/// push platform (a part table shows only when there is more than one part), each row a link
/// to its messages in the explorer.
#[component]
pub fn Breakdowns(report: Report, campaign: String) -> impl IntoView {
    let links = report.links.clone();
    let explorer = Explorer::new(Some(campaign), &report);
    let filtered = |filter: &'static str| {
        let explorer = explorer.clone();
        move |value: &str| explorer.href(&[(filter, value)])
    };
    let with_status = |status: &'static str| {
        let explorer = explorer.clone();
        move |reason: &str| explorer.href(&[("status", status), ("reason", reason)])
    };
    let clicked = filtered("link");
    view! {
        <div class="breakdowns">
            {reasons_table("Failures by reason", "failures", report.failures, with_status("failed"))}
            {reasons_table("Exclusions by reason", "exclusions", report.exclusions, with_status("excluded"))}
            {(!links.is_empty()).then(|| view! {
                <section class="breakdown">
                    <h3>"Clicks by link"</h3>
                    <table class="list" data-testid="links">
                        <thead><tr><th>"Link"</th><th>"Clicks"</th><th>"Unique"</th></tr></thead>
                        <tbody>
                            {links.into_iter().map(|l| view! {
                                <tr><td class="url"><a href=clicked(&l.url)>{l.url.clone()}</a></td><td class="num">{l.clicks}</td><td class="num">{l.unique_clicks}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </section>
            })}
            {parts_table("By version", "versions", report.versions, filtered("version"))}
            {parts_table("By language", "languages", report.languages, filtered("language"))}
            {parts_table("By platform", "platforms", report.platforms, filtered("platform"))}
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
