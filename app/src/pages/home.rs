use crate::api::home;
use crate::components::{ErrorBox, Layout, error_text};
use crate::report::{KpiTiles, SeriesChart, percent};
use domain::report::ReportQueryInput;
use leptos::prelude::*;
use leptos_router::components::A;
use std::time::Duration;

/// How often the home page and a live report refresh themselves.
pub const LIVE_REFRESH: Duration = Duration::from_secs(5);

/// A signal that ticks every `period` while the page is open in the browser.
pub fn ticker(period: Duration) -> ReadSignal<u32> {
    let (tick, set_tick) = signal(0u32);
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(move || set_tick.update(|t| *t += 1), period) {
            on_cleanup(move || handle.clear());
        }
    });
    tick
}

/// The first screen after sign-in: the sandbox's last 24 hours, a chart, the campaigns that
/// failed most, and a banner when messages are only captured. Refreshes by itself.
#[component]
pub fn HomePage() -> impl IntoView {
    let tick = ticker(LIVE_REFRESH);
    let offset = crate::local_time::utc_offset_signal();
    let data = Resource::new(
        move || (tick.get(), offset.get()),
        |(_, offset)| {
            home(ReportQueryInput {
                bucket: Some("hour".into()),
                utc_offset: Some(offset).filter(|o| !o.is_empty()),
                ..ReportQueryInput::default()
            })
        },
    );
    view! {
        <Layout>
            <div class="title-row">
                <h1>"Last 24 hours"</h1>
                <A href="/campaigns/new" attr:class="button">"New campaign"</A>
            </div>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(home) => {
                            let report = home.report;
                            view! {
                                <KpiTiles report=report.clone()/>
                                <SeriesChart report=report/>
                                <section class="breakdown">
                                    <h2>"Most failures"</h2>
                                    {if home.most_failed.is_empty() {
                                        view! { <p class="empty">"No campaign failed in the last 24 hours."</p> }.into_any()
                                    } else {
                                        view! {
                                            <table class="list" data-testid="most-failed">
                                                <thead><tr><th>"Campaign"</th><th>"Failed"</th><th>"Failure rate"</th></tr></thead>
                                                <tbody>
                                                    {home.most_failed.into_iter().map(|c| {
                                                        let rate = (c.finished > 0).then(|| c.failed as f64 / c.finished as f64);
                                                        view! {
                                                            <tr>
                                                                <td><A href=format!("/campaigns/{}/report", c.campaign_id)>{c.title}</A></td>
                                                                <td class="num">{c.failed}</td>
                                                                <td class="num">{percent(rate)}</td>
                                                            </tr>
                                                        }
                                                    }).collect_view()}
                                                </tbody>
                                            </table>
                                        }.into_any()
                                    }}
                                </section>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </Layout>
    }
}
