use crate::api::{
    ActivateCampaign, ApplyReviewFix, ArchiveCampaign, DecideApproval, DeleteDraft,
    DuplicateCampaign, RequestApproval, SendTest, StopCampaign, campaign_test_sends, get_campaign,
};
use crate::components::{Confirm, CopyButton, ErrorBox, Layout, StatusBadge, error_text};
use crate::local_time::LocalTime;
use crate::pages::campaign_approval::{ApprovalCard, Viewer};
use crate::pages::campaign_report::{CampaignTab, CampaignTabs};
use crate::pages::campaign_sends::AudienceSends;
use crate::pages::saved_content::SaveContentCard;
use domain::campaign::CampaignStatus;
use domain::content::{PushOptions, VariantInput};
use domain::parts::Parts;
use domain::tenancy::Permission;
use domain::views::{CampaignView, TestSendSummary};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// A campaign: its status, content, and once live its Campaign ID and cURL request.
#[component]
pub fn CampaignPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let activate = ServerAction::<ActivateCampaign>::new();
    let stop = ServerAction::<StopCampaign>::new();
    let duplicate = ServerAction::<DuplicateCampaign>::new();
    let delete = ServerAction::<DeleteDraft>::new();
    let archive = ServerAction::<ArchiveCampaign>::new();
    let request = ServerAction::<RequestApproval>::new();
    let decide = ServerAction::<DecideApproval>::new();
    let fix = ServerAction::<ApplyReviewFix>::new();
    let me = Resource::new(|| (), |_| crate::api::workspace());
    let campaign = Resource::new(
        move || {
            let versions = (
                activate.version().get(),
                stop.version().get(),
                archive.version().get(),
                request.version().get(),
                decide.version().get(),
                fix.version().get(),
            );
            (id(), versions)
        },
        |(id, _)| get_campaign(id),
    );
    let action_error = move || {
        let activated = activate.value().get().and_then(|r| r.err());
        let stopped = stop.value().get().and_then(|r| r.err());
        let duplicated = duplicate.value().get().and_then(|r| r.err());
        let deleted = delete.value().get().and_then(|r| r.err());
        let archived = archive.value().get().and_then(|r| r.err());
        let fixed = fix.value().get().and_then(|r| r.err());
        activated
            .or(stopped)
            .or(duplicated)
            .or(deleted)
            .or(archived)
            .or(fixed)
            .map(|e| error_text(&e))
    };
    // What the last change did, said once it is done.
    let done = RwSignal::new(None::<&'static str>);
    let say = move |ok: bool, what: &'static str| {
        if ok {
            done.set(Some(what));
        }
    };
    Effect::new(move || {
        say(
            matches!(activate.value().get(), Some(Ok(_))),
            "Activated: trigger calls use this version now.",
        )
    });
    Effect::new(move || {
        say(
            matches!(stop.value().get(), Some(Ok(_))),
            "Stopped: the campaign refuses new trigger calls.",
        )
    });
    Effect::new(move || say(matches!(archive.value().get(), Some(Ok(_))), "Archived."));
    Effect::new(move || {
        say(
            matches!(request.value().get(), Some(Ok(_))),
            "Approval requested: approvers see the request on this page.",
        )
    });
    Effect::new(move || {
        say(
            matches!(decide.value().get(), Some(Ok(_))),
            "Decision recorded: see the history below.",
        )
    });
    view! {
        <Layout>
            {move || done.get().map(|what| view! { <p class="banner success" role="status">{what}</p> })}
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    // Buttons the person's role would be refused are not shown (the server decides).
                    let me = me.await.ok();
                    let may = Viewer {
                        edit: me.as_ref().is_some_and(|w| w.may(Permission::Edit)),
                        launch: me.as_ref().is_some_and(|w| w.may(Permission::Launch)),
                        email: me.map(|w| w.email).unwrap_or_default(),
                    };
                    let actions = Actions { activate, stop, duplicate, delete, archive, request, decide, fix };
                    match campaign.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(c) => view! { <CampaignDetails campaign=c may actions/> }.into_any(),
                    }
                })}
            </Suspense>
            {move || action_error().map(|message| view! { <ErrorBox message/> })}
        </Layout>
    }
}

/// How a review fix is written in a form (as the server function reads it).
fn remedy_value(fix: domain::review::Fix) -> String {
    serde_json::to_value(fix)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The changes the campaign page can make.
#[derive(Clone, Copy)]
struct Actions {
    activate: ServerAction<ActivateCampaign>,
    stop: ServerAction<StopCampaign>,
    duplicate: ServerAction<DuplicateCampaign>,
    delete: ServerAction<DeleteDraft>,
    archive: ServerAction<ArchiveCampaign>,
    request: ServerAction<RequestApproval>,
    decide: ServerAction<DecideApproval>,
    fix: ServerAction<ApplyReviewFix>,
}

#[component]
fn CampaignDetails(campaign: CampaignView, may: Viewer, actions: Actions) -> impl IntoView {
    let Actions {
        activate,
        stop,
        duplicate,
        delete,
        archive,
        request,
        decide,
        fix,
    } = actions;
    let c = campaign;
    let is_draft = c.status == CampaignStatus::Draft;
    let is_live = matches!(c.status, CampaignStatus::Live | CampaignStatus::Scheduled);
    let is_over = matches!(
        c.status,
        CampaignStatus::Stopped | CampaignStatus::Completed
    );
    // The id, for the forms inside confirmations (rendered again each time one opens).
    let this = StoredValue::new(c.id.clone());
    let edit_id = c.id.clone();
    let pending_version = c.has_pending_version();
    let activatable = is_draft || pending_version;
    // Where approval is required, the approval card takes the place of "Activate".
    let approval = (activatable && c.approval_required).then(|| {
        view! { <ApprovalCard campaign=c.clone() viewer=may.clone() request decide/> }
    });
    let (may_edit, may_launch) = (may.edit, may.launch);
    let direct = activatable && !c.approval_required;
    let blocked = domain::review::blocks(&c.review);
    let review = (is_draft || pending_version).then(|| {
        let findings = c.review.clone();
        view! {
            <section class="card" data-testid="review">
                <h2>"Review"</h2>
                {if findings.is_empty() {
                    view! { <p class="hint">"No problems found: ready to activate."</p> }.into_any()
                } else {
                    view! {
                        <ul class="findings">
                            {findings.into_iter().map(|f| {
                                let (class, label) = match f.severity {
                                    domain::review::Severity::Error => ("finding-error", "Error"),
                                    domain::review::Severity::Warning => ("finding-warning", "Warning"),
                                };
                                let button = f.fix.filter(|_| may_edit).map(|remedy| {
                                    let id = this.get_value();
                                    view! {
                                        <ActionForm action=fix attr:class="fix">
                                            <input type="hidden" name="id" value=id/>
                                            <input type="hidden" name="fix" value=remedy_value(remedy)/>
                                            <button type="submit" class="secondary" disabled=move || fix.pending().get()>
                                                {remedy.label()}
                                            </button>
                                        </ActionForm>
                                    }
                                });
                                view! { <li class=class><strong>{label}": "</strong>{f.message}" "{button}</li> }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
        }
    });
    let (latest_version, live_version) = (c.version, c.live_version);
    let window = match (c.starts_at, c.ends_at) {
        (None, None) => None,
        (s, e) => Some(view! {
            " · accepts calls"
            {s.map(|ms| view! { " from " <LocalTime ms/> })}
            {e.map(|ms| view! { " until " <LocalTime ms/> })}
        }),
    };
    let duplicate_id = c.id.clone();
    let campaign_id = c.id.clone();
    let live = c.curl.clone().map(|curl| {
        let id = c.id.clone();
        view! {
            <section class="card">
                <h2>"Trigger it"</h2>
                <p class="label">"Campaign ID"</p>
                <div class="copy-row">
                    <code data-testid="campaign-id">{id.clone()}</code>
                    <CopyButton text=id label="Copy ID"/>
                </div>
                <p class="label">"cURL request"</p>
                <p class="hint">
                    "Set HERALD_API_KEY to an API key (the first start printed one), then paste this into a shell."
                </p>
                <pre class="code" data-testid="curl">{curl.clone()}</pre>
                <CopyButton text=curl label="Copy cURL"/>
            </section>
        }
    });
    view! {
        <div class="title-row">
            <h1>{c.title.clone()}</h1>
            <StatusBadge status=c.status/>
        </div>
        <CampaignTabs id=c.id.clone() current=CampaignTab::Overview/>
        <p class="meta">
            "API-triggered · " {c.category.as_str()} " · " {c.channel.clone()} " · namespace " <code>{c.namespace.clone()}</code>
            " · from " {match c.surface_name.clone() {
                Some(name) => view! { <span data-testid="surface-name">{name}</span> }.into_any(),
                None => view! { "the server's default sender" }.into_any(),
            }}
            {c.tracking.then_some(" · tracks opens and clicks")}
            {if c.create_profiles { " · creates new profiles" } else { " · profiles must exist for \"aep\" recipients" }}
            {window}
            " · version " {c.version} " · updated " <LocalTime ms=c.updated_at/>
        </p>
        {(!c.description.is_empty()).then(|| view! { <p class="description">{c.description.clone()}</p> })}
        {(is_draft || is_live).then(|| view! {
            <div class="actions">
                {may_edit.then(|| view! {
                    <a class="button secondary" href=format!("/campaigns/{edit_id}/edit")>"Edit"</a>
                })}
                {(direct && !may_launch).then(|| view! {
                    <p class="hint" data-testid="needs-approver">
                        "Your role cannot activate campaigns: an approver, admin or owner of this sandbox activates it."
                    </p>
                })}
                {(direct && may_launch).then(|| view! {
                    <ActionForm action=activate>
                        <input type="hidden" name="id" value=campaign_id.clone()/>
                        <button type="submit" disabled=move || blocked || activate.pending().get()>
                            {if is_draft { "Activate".to_owned() } else { format!("Activate version {latest_version}") }}
                        </button>
                    </ActionForm>
                })}
            </div>
        })}
        {review}
        {approval}
        {pending_version.then(|| view! {
            <p class="hint" data-testid="pending-version">
                {format!(
                    "Version {} is a draft: trigger calls use version {} until you activate it. The content below is the draft.",
                    latest_version,
                    live_version.unwrap_or_default()
                )}
            </p>
        })}
        {live}
        {(!is_draft).then(|| view! {
            <AudienceSends campaign_id=c.id.clone() audience=c.audience_name.clone() live=c.status == CampaignStatus::Live variables=c.variables.clone()/>
        })}
        {(is_live && may_launch).then(|| view! {
            <section class="card">
                <h2>"Stop"</h2>
                <p class="hint">
                    "A stopped campaign refuses new trigger calls for good (messages already accepted are still sent). "
                    "To send again, duplicate it."
                </p>
                <Confirm ask="Stop campaign…".into() type_to_confirm=c.title.clone()
                    question="Stopping is for good: every trigger call for this campaign will be refused.".into()>
                    <ActionForm action=stop>
                        <input type="hidden" name="id" value=this.get_value()/>
                        <button type="submit" class="danger" disabled=move || stop.pending().get()>"Stop campaign"</button>
                    </ActionForm>
                </Confirm>
            </section>
        })}
        <section class="card">
            <h2>"Content"</h2>
            {content_view(ContentShown {
                channel: &c.channel,
                parts: Parts {
                    subject: c.subject.clone(),
                    preheader: c.preheader.clone(),
                    html_body: c.html_body.clone(),
                    text_body: c.text_body.clone(),
                },
                push: c.push.clone(),
                locale_attribute: &c.locale_attribute,
                variants: &c.variants,
            })}
            {(!c.fragments.is_empty()).then(|| {
                let names: Vec<String> = c.fragments.names().map(|n| format!("{{{{> {n}}}}}")).collect();
                view! {
                    <p class="hint" data-testid="included-fragments">
                        {format!("Includes {} as it was when this version was written; an edit of a ", names.join(", "))}
                        <a href="/fragments">"fragment"</a>" reaches this campaign in its next version."
                    </p>
                }
            })}
            <p class="label">"Variables"</p>
            <p class="hint">
                "Required context attributes must be in every trigger call; a call without one is refused with a 400 naming it."
            </p>
            <ul class="vars">
                {c.variables.iter().map(|v| view! {
                    <li>
                        <code>{v.path.clone()}</code>
                        " "
                        <span class="need">
                            {if !v.path.starts_with("context.") { "profile" } else if v.required { "required" } else { "optional" }}
                        </span>
                    </li>
                }).collect_view()}
            </ul>
        </section>
        <SendTestCard campaign_id=c.id.clone() channel=c.channel.clone()
            variables=c.variables.iter().map(|v| v.path.clone()).collect()/>
        {may_edit.then(|| view! { <SaveContentCard campaign_id=c.id.clone()/> })}
        <section class="card">
            <h2>"History"</h2>
            <ul class="history" data-testid="history">
                {c.history.iter().map(|h| view! {
                    <li>
                        <span class="when"><LocalTime ms=h.at/></span>" "
                        <strong>{h.action.clone()}</strong>
                        {(!h.detail.is_empty()).then(|| format!(" ({})", h.detail))}
                        " by " {h.actor.clone()}
                    </li>
                }).collect_view()}
            </ul>
        </section>
        <section class="card actions">
            {may_edit.then(|| view! {
                <ActionForm action=duplicate>
                    <input type="hidden" name="id" value=duplicate_id/>
                    <button type="submit" class="secondary">"Duplicate"</button>
                </ActionForm>
            })}
            {(is_over && may_launch).then(|| view! {
                <Confirm ask="Archive…".into()
                    question="An archived campaign is set aside for good; its messages and reports stay.".into()>
                    <ActionForm action=archive>
                        <input type="hidden" name="id" value=this.get_value()/>
                        <button type="submit" class="danger">"Archive campaign"</button>
                    </ActionForm>
                </Confirm>
            })}
            {(is_draft && may_edit).then(|| view! {
                <Confirm ask="Delete draft…".into() question="The draft and its content are deleted for good.".into()>
                    <ActionForm action=delete>
                        <input type="hidden" name="id" value=this.get_value()/>
                        <button type="submit" class="danger">"Delete draft"</button>
                    </ActionForm>
                </Confirm>
            })}
        </section>
    }
}

/// "Send a test": the newest content, rendered with sample data, to one address, now; and the
/// test sends so far, each openable.
#[component]
fn SendTestCard(campaign_id: String, channel: String, variables: Vec<String>) -> impl IntoView {
    let send = ServerAction::<SendTest>::new();
    let listed = campaign_id.clone();
    let sent = Resource::new(
        move || (listed.clone(), send.version().get()),
        |(id, _)| campaign_test_sends(id),
    );
    let (profile, context) = domain::curl::sample_data(&variables);
    let pretty =
        |map| serde_json::to_string_pretty(&serde_json::Value::Object(map)).unwrap_or_default();
    let label = match channel.as_str() {
        "sms" => "Phone number (E.164)",
        "push" => "Device push token",
        _ => "Email address",
    };
    let link = StoredValue::new(campaign_id.clone());
    view! {
        <section class="card" data-testid="send-test">
            <h2>"Send a test"</h2>
            <p class="hint">
                "Sends the newest content, rendered with this sample data, through the campaign's surface, now. "
                "It is not a message of the campaign: it is not counted or reported, only listed below."
            </p>
            <ActionForm action=send attr:class="stack">
                <input type="hidden" name="id" value=campaign_id/>
                <label>{label} <input name="address" required/></label>
                <label>"Sample profile (JSON)" <textarea name="profile" rows="4">{pretty(profile)}</textarea></label>
                <label>"Sample context (JSON)" <textarea name="context" rows="4">{pretty(context)}</textarea></label>
                <div class="actions">
                    <button type="submit" class="secondary" disabled=move || send.pending().get()>"Send test"</button>
                </div>
            </ActionForm>
            {move || send.value().get().map(|result| match result {
                Ok(text) => view! { <p class="hint" data-testid="test-result">{text}</p> }.into_any(),
                Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
            })}
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let sent = sent.await.unwrap_or_default();
                    (!sent.is_empty()).then(|| view! {
                        <h3>"Test sends"</h3>
                        <table class="list" data-testid="test-sends">
                            <thead><tr><th>"Sent"</th><th>"To"</th><th>"Version"</th><th>"Result"</th></tr></thead>
                            <tbody>
                                {sent.into_iter().map(|t| view! {
                                    <tr>
                                        <td><a href=format!("/campaigns/{}/tests/{}", link.get_value(), t.id)><LocalTime ms=t.sent_at/></a></td>
                                        <td>{t.address.clone()}</td>
                                        <td>{t.version}</td>
                                        <td><TestSendResult test=t/></td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    })
                })}
            </Suspense>
        </section>
    }
}

/// What became of a test send: refused (with the provider's answer), captured, or sent.
#[component]
pub(crate) fn TestSendResult(test: TestSendSummary) -> impl IntoView {
    match (test.error, test.provider.as_str()) {
        (Some(error), provider) => view! {
            <span class="badge badge-failed">"refused"</span>
            <span class="hint">{format!(" {provider}: {error}")}</span>
        }
        .into_any(),
        (None, "capture") => {
            view! { <span class="badge badge-captured">"captured (not delivered)"</span> }
                .into_any()
        }
        (None, provider) => view! {
            <span class="badge badge-sent">"sent"</span>
            <span class="hint">{format!(" through {provider}")}</span>
        }
        .into_any(),
    }
}

/// A version's content as the campaign and version pages show it.
pub(crate) struct ContentShown<'a> {
    pub channel: &'a str,
    pub parts: Parts,
    pub push: Option<PushOptions>,
    pub locale_attribute: &'a str,
    pub variants: &'a [VariantInput],
}

/// The default parts, the push options and each language variant of a version.
pub(crate) fn content_view(content: ContentShown<'_>) -> impl IntoView + use<> {
    let ContentShown {
        channel,
        parts,
        push,
        locale_attribute,
        variants,
    } = content;
    let channel = channel.to_owned();
    let push = (channel == "push").then(|| {
        let push = push.unwrap_or_default();
        view! {
            <p class="label">"On tap"</p>
            <p>{push.link.unwrap_or_else(|| "opens the app".into())}</p>
            {push.image_url.map(|url| view! { <p class="label">"Image"</p><p><code>{url}</code></p> })}
            {(!push.data.is_empty()).then(|| view! {
                <p class="label">"Custom data"</p>
                <ul class="vars" data-testid="push-data">
                    {push.data.into_iter().map(|(k, v)| view! { <li><code>{k}</code>" = "<code>{v}</code></li> }).collect_view()}
                </ul>
            })}
        }
    });
    let languages = (!variants.is_empty()).then(|| view! {
        <h3>"Languages"</h3>
        <p class="hint">
            {format!("Chosen by the profile attribute {locale_attribute}: the recipient's language (fr-CA, else fr), else the content above. Empty parts use the content above.")}
        </p>
        {variants.iter().map(|v| view! {
            <section class="variant" data-testid="variant">
                <h4>{v.locale.clone()}</h4>
                {parts_view(&channel, &v.parts())}
            </section>
        }).collect_view()}
    });
    view! {
        {parts_view(&channel, &parts)}
        {push}
        {languages}
    }
}

/// A language's text parts as its channel has them; empty parts are left out.
fn parts_view(channel: &str, parts: &Parts) -> impl IntoView + use<> {
    let Parts {
        subject,
        preheader,
        html_body: html,
        text_body: text,
    } = parts;
    let (subject_label, text_label) = match channel {
        "sms" => ("", "SMS text"),
        "push" => ("Title", "Body"),
        _ => ("Subject", "Text body"),
    };
    let line = |label: &'static str, value: &str| {
        (!value.is_empty())
            .then(|| view! { <p class="label">{label}</p><p><code>{value.to_owned()}</code></p> })
    };
    let block = |label: &'static str, value: &str| {
        (!value.is_empty()).then(
            || view! { <p class="label">{label}</p><pre class="code">{value.to_owned()}</pre> },
        )
    };
    let segments = (channel == "sms" && !text.is_empty()).then(|| {
        let n = domain::sms::sms_length(text);
        view! { <p class="hint">{format!("Template: {} characters, {} segment(s) before personalisation", n.units, n.segments)}</p> }
    });
    view! {
        {line(subject_label, subject)}
        {line("Preheader", preheader)}
        {block("HTML body", html)}
        {block(text_label, text)}
        {segments}
    }
}
