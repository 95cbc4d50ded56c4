//! A campaign's versions: the list (roll back, discard the draft), a comparison of two side by
//! side, and one version's content.

use crate::api::{
    DiscardDraftVersion, RollBackCampaign, campaign_version, campaign_versions, compare_versions,
    workspace,
};
use crate::components::{Confirm, ErrorBox, Layout, StatusBadge, error_text};
use crate::local_time::LocalTime;
use crate::pages::campaign::{ContentShown, content_view};
use crate::pages::campaign_report::{CampaignTab, CampaignTabs};
use domain::diff::{DiffRow, Line, PartDiff};
use domain::parts::Parts;
use domain::tenancy::Permission;
use domain::version::{VersionComparison, VersionState, VersionsView, comparison_pair};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The list of versions, and the comparison the URL asks for (`?from=1&to=2`; by default the
/// newest version against the one before).
#[component]
pub fn CampaignVersionsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let asked = move |key: &str| query.with(|q| q.get(key).and_then(|v| v.parse::<i64>().ok()));
    let roll_back = ServerAction::<RollBackCampaign>::new();
    let discard = ServerAction::<DiscardDraftVersion>::new();
    let may_edit = Resource::new(
        || (),
        |_| async { workspace().await.is_ok_and(|w| w.may(Permission::Edit)) },
    );
    let versions = Resource::new(
        move || (id(), roll_back.version().get(), discard.version().get()),
        |(id, ..)| campaign_versions(id),
    );
    // The server picks the pair (the one asked for, else the two newest), so the comparison
    // needs no version list of its own.
    let comparison = Resource::new(
        move || {
            let changed = (roll_back.version().get(), discard.version().get());
            (id(), asked("from"), asked("to"), changed)
        },
        |(id, from, to, _)| compare_versions(id, from, to),
    );
    let done = move || {
        let rolled = roll_back.value().get().and_then(Result::ok).map(|draft| {
            format!("Version {draft} is now the draft, with the content you chose. Trigger calls keep the live version until you activate it.")
        });
        let discarded = discard
            .value()
            .get()
            .and_then(Result::ok)
            .map(|v| format!("Draft version {v} discarded."));
        rolled.or(discarded)
    };
    let failed = move || {
        let rolled = roll_back.value().get().and_then(Result::err);
        rolled
            .or_else(|| discard.value().get().and_then(Result::err))
            .map(|e| error_text(&e))
    };
    view! {
        <Layout>
            {move || done().map(|what| view! { <p class="banner success" role="status">{what}</p> })}
            {move || failed().map(|message| view! { <ErrorBox message/> })}
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let may_edit = may_edit.await;
                    match versions.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(v) => {
                            let shown = comparison_pair(&v.versions, asked("from"), asked("to"));
                            view! { <VersionList versions=v shown may_edit roll_back discard/> }.into_any()
                        }
                    }
                })}
            </Suspense>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match comparison.await {
                        Ok(None) => None,
                        Err(e) => Some(view! { <ErrorBox message=error_text(&e)/> }.into_any()),
                        Ok(Some(c)) => Some(view! { <Comparison comparison=c/> }.into_any()),
                    }
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn VersionList(
    versions: VersionsView,
    /// The versions compared below.
    shown: Option<(i64, i64)>,
    may_edit: bool,
    roll_back: ServerAction<RollBackCampaign>,
    discard: ServerAction<DiscardDraftVersion>,
) -> impl IntoView {
    let id = versions.campaign_id.clone();
    let newest = versions.versions.first().map(|v| v.version);
    let may_roll_back = may_edit && versions.may_roll_back();
    let discardable = versions.discardable().filter(|_| may_edit);
    let choices = versions
        .versions
        .iter()
        .map(|v| v.version)
        .collect::<Vec<_>>();
    let (from, to) = shown.unzip();
    let rows = versions
        .versions
        .iter()
        .map(|v| {
            let number = v.version;
            let href = format!("/campaigns/{id}/versions/{number}");
            let roll = (may_roll_back && Some(number) != newest)
                .then(|| view! { <RollBack id=id.clone() version=number action=roll_back/> });
            let drop = (discardable == Some(number)).then(|| {
                let id = StoredValue::new(id.clone());
                view! {
                    <Confirm ask="Discard draft…".into()
                        question=format!("Version {number} and its changes are deleted for good; the live version stays as it is.")>
                        <ActionForm action=discard>
                            <input type="hidden" name="id" value=id.get_value()/>
                            <button type="submit" class="danger">"Discard draft"</button>
                        </ActionForm>
                    </Confirm>
                }
            });
            view! {
                <tr data-testid="version-row">
                    <td><a href=href>{format!("Version {number}")}</a></td>
                    <td><VersionBadge state=v.state/></td>
                    <td>{v.edited_by.clone().unwrap_or_else(|| "—".into())}</td>
                    <td><LocalTime ms=v.created_at/></td>
                    <td class="row-actions">{roll}{drop}</td>
                </tr>
            }
        })
        .collect_view();
    let option = move |v: i64, chosen: Option<i64>| {
        view! { <option value=v selected=Some(v) == chosen>{format!("Version {v}")}</option> }
    };
    let compare = (choices.len() > 1).then(|| {
        view! {
            <form method="get" class="filters" aria-label="Compare versions">
                <label>"From"
                    <select name="from" aria-label="From version">{choices.iter().map(|v| option(*v, from)).collect_view()}</select>
                </label>
                <label>"to"
                    <select name="to" aria-label="To version">{choices.iter().map(|v| option(*v, to)).collect_view()}</select>
                </label>
                <button type="submit" class="secondary">"Compare"</button>
            </form>
        }
    });
    view! {
        <div class="title-row">
            <h1>{versions.title.clone()}</h1>
            <StatusBadge status=versions.status/>
        </div>
        <CampaignTabs id=id.clone() current=CampaignTab::Versions/>
        <p class="hint">
            "Versions that have been live never change: messages accepted with one keep it. "
            "Rolling back makes an earlier version's content the draft; activate the draft to use it."
        </p>
        <table class="list versions">
            <thead><tr><th>"Version"</th><th>"State"</th><th>"Written by"</th><th>"Created"</th><th></th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        {compare}
    }
}

/// "Roll back to this…", confirmed.
#[component]
fn RollBack(id: String, version: i64, action: ServerAction<RollBackCampaign>) -> impl IntoView {
    let id = StoredValue::new(id);
    view! {
        <Confirm ask="Roll back to this…".into()
            question=format!("Version {version}'s content becomes the draft (replacing any draft). The live version stays until you activate the draft.")>
            <ActionForm action>
                <input type="hidden" name="id" value=id.get_value()/>
                <input type="hidden" name="version" value=version/>
                <button type="submit">{format!("Roll back to version {version}")}</button>
            </ActionForm>
        </Confirm>
    }
}

#[component]
fn VersionBadge(state: VersionState) -> impl IntoView {
    view! { <span class=format!("badge badge-{}", state.label())>{state.label()}</span> }
}

/// Two versions side by side, changed parts only.
#[component]
fn Comparison(comparison: VersionComparison) -> impl IntoView {
    let VersionComparison { from, to, parts } = comparison;
    let body = if parts.is_empty() {
        view! { <p class="hint">{format!("Versions {from} and {to} have the same content.")}</p> }
            .into_any()
    } else {
        parts
            .into_iter()
            .map(|part| view! { <PartTable part from to/> })
            .collect_view()
            .into_any()
    };
    view! {
        <section class="card" data-testid="comparison">
            <h2>{format!("Version {from} → version {to}")}</h2>
            {body}
        </section>
    }
}

#[component]
fn PartTable(part: PartDiff, from: i64, to: i64) -> impl IntoView {
    let cell = |line: Option<Line>, class: &'static str| match line {
        None => view! { <td class="n"></td><td class="empty"></td> }.into_any(),
        Some(Line { number, text }) => {
            let text = match class {
                "removed" => view! { <del>{text}</del> }.into_any(),
                "added" => view! { <ins>{text}</ins> }.into_any(),
                _ => view! { <span>{text}</span> }.into_any(),
            };
            view! { <td class="n">{number}</td><td class=class>{text}</td> }.into_any()
        }
    };
    let rows = part
        .rows
        .into_iter()
        .map(|row| match row {
            DiffRow::Same { old, new } => view! {
                <tr>{cell(Some(old), "same")}{cell(Some(new), "same")}</tr>
            }
            .into_any(),
            DiffRow::Changed { old, new } => view! {
                <tr>{cell(Some(old), "removed")}{cell(Some(new), "added")}</tr>
            }
            .into_any(),
            DiffRow::Removed(old) => view! { <tr>{cell(Some(old), "removed")}{cell(None, "")}</tr> }
                .into_any(),
            DiffRow::Added(new) => view! { <tr>{cell(None, "")}{cell(Some(new), "added")}</tr> }
                .into_any(),
            DiffRow::Folded { lines } => view! {
                <tr class="folded"><td colspan="4">{format!("… {lines} unchanged line(s)")}</td></tr>
            }
            .into_any(),
        })
        .collect_view();
    view! {
        <h3>{part.part}</h3>
        <div class="diff-scroll">
            <table class="diff" data-testid="diff">
                <thead><tr>
                    <th colspan="2">{format!("Version {from}")}</th>
                    <th colspan="2">{format!("Version {to}")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// One version's content, with a link to compare it with the live one.
#[component]
pub fn CampaignVersionPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let number = move || {
        params.with(|p| {
            p.get("version")
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or_default()
        })
    };
    let roll_back = ServerAction::<RollBackCampaign>::new();
    let may_edit = Resource::new(
        || (),
        |_| async { workspace().await.is_ok_and(|w| w.may(Permission::Edit)) },
    );
    let version = Resource::new(
        move || (id(), number(), roll_back.version().get()),
        |(id, number, _)| campaign_version(id, number),
    );
    let versions = Resource::new(
        move || (id(), roll_back.version().get()),
        |(id, _)| campaign_versions(id),
    );
    view! {
        <Layout>
            {move || roll_back.value().get().map(|result| match result {
                Ok(draft) => view! {
                    <p class="banner success" role="status">
                        {format!("Version {draft} is now the draft, with this content. ")}
                        <a href=format!("/campaigns/{}/versions", id())>"See the versions"</a>
                    </p>
                }.into_any(),
                Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
            })}
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let may_edit = may_edit.await;
                    let all = versions.await.ok();
                    let v = match version.await {
                        Err(e) => return view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(v) => v,
                    };
                    let number = v.summary.version;
                    let newest = all.as_ref().and_then(|a| a.versions.first()).map(|s| s.version);
                    let may_roll_back = all.as_ref().is_some_and(VersionsView::may_roll_back);
                    let roll = (may_edit && may_roll_back && newest != Some(number))
                        .then(|| view! { <RollBack id=v.campaign_id.clone() version=number action=roll_back/> });
                    let live = all.as_ref().and_then(|a| a.live_version).filter(|live| *live != number);
                    let compare = live.map(|live| view! {
                        <a class="button secondary"
                            href=format!("/campaigns/{}/versions?from={live}&to={number}", v.campaign_id)>
                            {format!("Compare with live version {live}")}
                        </a>
                    });
                    view! {
                        <div class="title-row">
                            <h1>{format!("{} — version {number}", v.title)}</h1>
                            <VersionBadge state=v.summary.state/>
                        </div>
                        <CampaignTabs id=v.campaign_id.clone() current=CampaignTab::Versions/>
                        <p class="meta">
                            {v.summary.edited_by.clone().map(|who| format!("Written by {who} · "))}
                            "created " <LocalTime ms=v.summary.created_at/>
                        </p>
                        <div class="actions">{compare}{roll}</div>
                        <section class="card" data-testid="version-content">
                            <h2>"Content"</h2>
                            {content_view(ContentShown {
                                channel: v.channel.as_str(),
                                parts: Parts {
                                    subject: v.subject.clone(),
                                    preheader: v.preheader.clone(),
                                    html_body: v.html_body.clone(),
                                    text_body: v.text_body.clone(),
                                },
                                push: v.push.clone(),
                                locale_attribute: &v.locale_attribute,
                                variants: &v.variants,
                            })}
                        </section>
                    }.into_any()
                })}
            </Suspense>
        </Layout>
    }
}
