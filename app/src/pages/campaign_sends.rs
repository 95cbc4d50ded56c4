//! A live campaign's audience sends on its page: send it to an audience now or later (after a
//! review step that names the audience and its size), follow each send's progress, cancel one,
//! delete a schedule before it fires.

use crate::api::{
    CancelAudienceSend, DeleteAudienceSchedule, SendToAudience, campaign_audience_sends,
    list_audiences,
};
use crate::components::{ErrorBox, error_text};
use crate::local_time::{LocalTime, from_local_input};
use domain::audience::{
    AudienceSendSummary, AudienceView, ScheduleStatus, ScheduleSummary, SendStatus,
};
use domain::local_time::LocalTime as LocalClock;
use domain::views::VariableView;
use leptos::prelude::*;
use serde_json::{Map, Value};

/// The campaign's sends and schedules, refreshed every 2 s while a send runs; with the form to
/// start one when the campaign is live.
#[component]
pub fn AudienceSends(
    campaign_id: String,
    /// The campaign's own audience (sends that name none go to it).
    audience: Option<String>,
    /// Whether the campaign takes sends now.
    live: bool,
    /// The content's variables: the `context.*` ones prefill the context.
    variables: Vec<VariableView>,
) -> impl IntoView {
    let tick = RwSignal::new(0u32);
    let cancel = ServerAction::<CancelAudienceSend>::new();
    let delete = ServerAction::<DeleteAudienceSchedule>::new();
    let start = ServerAction::<SendToAudience>::new();
    let id = campaign_id.clone();
    let sends = Resource::new(
        move || {
            (
                tick.get(),
                cancel.version().get(),
                delete.version().get(),
                start.version().get(),
            )
        },
        move |_| campaign_audience_sends(id.clone()),
    );
    Effect::new(move |_| {
        let running = sends.get().and_then(|r| r.ok()).is_some_and(|s| {
            // Until every message is sent, not only queued: the counts show delivery too.
            s.sends.iter().any(AudienceSendSummary::changing)
                || s.schedules
                    .iter()
                    .any(|s| s.status == ScheduleStatus::Scheduled)
        });
        if running {
            set_timeout(
                move || tick.update(|t| *t += 1),
                std::time::Duration::from_secs(2),
            );
        }
    });
    let failure = move || {
        cancel
            .value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| delete.value().get().and_then(|r| r.err()))
            .map(|e| error_text(&e))
    };
    let own = audience.clone();
    view! {
        <section class="card" data-testid="audience-sends">
            <h2>"Audience sends"</h2>
            {move || failure().map(|message| view! { <ErrorBox message/> })}
            <p class="hint">
                {match &audience {
                    Some(name) => format!("Sends that name no audience go to “{name}”. "),
                    None => String::new(),
                }}
                "Integrations start one with POST /ajo/im/executions/audience and this Campaign ID."
            </p>
            {live.then(|| view! { <SendForm campaign_id=campaign_id.clone() own_audience=own.clone() variables=variables.clone() start/> })}
            <Suspense>
                {move || Suspend::new(async move {
                    let listed = sends.await.unwrap_or_default();
                    view! {
                        {(!listed.schedules.is_empty()).then(|| view! {
                            <h3>"Scheduled"</h3>
                            <ul class="schedules" data-testid="schedules">
                                {listed.schedules.into_iter().map(|s| view! { <ScheduleLine schedule=s delete/> }).collect_view()}
                            </ul>
                        })}
                        {listed.sends.into_iter().map(|s| view! { <SendProgress send=s cancel/> }).collect_view()}
                    }
                })}
            </Suspense>
        </section>
    }
}

/// Choosing the audience, the context and when; then a review that names what will happen
/// before anything is sent.
#[component]
fn SendForm(
    campaign_id: String,
    own_audience: Option<String>,
    variables: Vec<VariableView>,
    start: ServerAction<SendToAudience>,
) -> impl IntoView {
    let audiences = Resource::new(|| (), |_| list_audiences());
    let campaign_id = StoredValue::new(campaign_id);
    let chosen = RwSignal::new(String::new());
    let context = RwSignal::new(context_skeleton(&variables));
    let timing = RwSignal::new(Timing::Now);
    let when = RwSignal::new(String::new());
    // Set by "Review": the request id that makes submitting twice send once.
    let review: RwSignal<Option<String>> = RwSignal::new(None);
    Effect::new(move |_| {
        if start.value().get().is_some_and(|r| matches!(r, Ok(Ok(_)))) {
            review.set(None);
        }
    });
    let outcome = move || match start.value().get() {
        Some(Ok(Ok(done))) => {
            Some(view! { <p role="status" data-testid="send-outcome">{done}</p> }.into_any())
        }
        Some(Ok(Err(why))) => Some(view! { <ErrorBox message=why/> }.into_any()),
        Some(Err(e)) => Some(view! { <ErrorBox message=error_text(&e)/> }.into_any()),
        None => None,
    };
    let confirm = move |_| {
        let Some(request_id) = review.get_untracked() else {
            return;
        };
        let (execute_at, local_time) = match timing.get_untracked() {
            Timing::Now => (None, None),
            Timing::At => (from_local_input(&when.get_untracked()), None),
            Timing::Local => (None, Some(when.get_untracked())),
        };
        start.dispatch(SendToAudience {
            campaign_id: campaign_id.get_value(),
            audience_id: chosen.get_untracked(),
            context: context.get_untracked(),
            execute_at,
            local_time,
            request_id,
        });
    };
    view! {
        <Suspense>
            {move || {
                let own_audience = own_audience.clone();
                Suspend::new(async move {
                    let list = audiences.await.unwrap_or_default();
                    if list.is_empty() {
                        return view! { <p class="hint">"Create an audience on the Audiences page to send this campaign to it."</p> }.into_any();
                    }
                    let default_id = own_audience
                        .as_ref()
                        .and_then(|name| list.iter().find(|a| &a.name == name))
                        .unwrap_or(&list[0])
                        .id
                        .clone();
                    if chosen.get_untracked().is_empty() {
                        chosen.set(default_id);
                    }
                    let named = list.clone();
                    let summary = move || {
                        let audience = named.iter().find(|a| a.id == chosen.get())?;
                        let when = match timing.get() {
                            Timing::Now => "now".into(),
                            Timing::At => match from_local_input(&when.get()) {
                                Some(at) => format!("at {}", at.replace('T', " ")),
                                None => "at the time you choose".into(),
                            },
                            Timing::Local => match LocalClock::parse(&when.get()) {
                                Ok(at) => format!("at {} in each member's time zone", at.describe()),
                                Err(_) => "at the time you choose, in each member's time zone".into(),
                            },
                        };
                        Some(format!("Send to “{}” ({}) {when}?", audience.name, size_of(audience)))
                    };
                    view! {
                        <form class="send-form" on:submit=move |ev| {
                            ev.prevent_default();
                            review.set(Some(domain::ids::ExecutionId::new().to_string()));
                        }>
                            <label>"Audience"
                                <select name="audience" prop:value=move || chosen.get()
                                    on:change=move |ev| { chosen.set(event_target_value(&ev)); review.set(None); }>
                                    {list.iter().map(|a| view! {
                                        <option value=a.id.clone()>{format!("{} — {}", a.name, size_of(a))}</option>
                                    }).collect_view()}
                                </select>
                            </label>
                            <label>"Context (JSON, the same for every recipient)"
                                <textarea name="context" rows="3" prop:value=move || context.get()
                                    on:input=move |ev| { context.set(event_target_value(&ev)); review.set(None); }></textarea>
                            </label>
                            <fieldset class="choices">
                                <legend>"When"</legend>
                                {[(Timing::Now, " Now"), (Timing::At, " Later"), (Timing::Local, " At a local time in each member's time zone")]
                                    .into_iter()
                                    .map(|(choice, label)| view! {
                                        <label><input type="radio" name="when" checked=move || timing.get() == choice
                                            on:change=move |_| { timing.set(choice); review.set(None); }/>{label}</label>
                                    })
                                    .collect_view()}
                                {move || (timing.get() != Timing::Now).then(|| view! {
                                    <input type="datetime-local" name="execute_at" aria-label="Send at"
                                        prop:value=move || when.get()
                                        on:input=move |ev| { when.set(event_target_value(&ev)); review.set(None); }/>
                                })}
                                {move || (timing.get() == Timing::Local).then(|| view! {
                                    <p class="hint">"Each member gets the message when their profile's time zone (attribute timeZone, else the sandbox's) shows this time. "
                                    "The send starts when the first zone reaches it; members whose time has already passed are not sent to."</p>
                                })}
                            </fieldset>
                            <button type="submit" class="secondary">"Review send"</button>
                        </form>
                        {move || review.get().map(|_| view! {
                            <div class="confirm" data-testid="send-review">
                                <p><strong>{summary.clone()}</strong></p>
                                <p class="hint">"Every member gets one message; suppressed and opted-out addresses are skipped."</p>
                                <button type="button" on:click=confirm disabled=move || start.pending().get()>"Confirm send"</button>
                                " "
                                <button type="button" class="secondary" on:click=move |_| review.set(None)>"Change"</button>
                            </div>
                        })}
                    }.into_any()
                })
            }}
        </Suspense>
        {outcome}
    }
}

/// When a send goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timing {
    Now,
    /// At one instant (the input is in the browser's zone).
    At,
    /// At the input's wall-clock time in each member's zone.
    Local,
}

/// An audience's size as the form shows it.
fn size_of(audience: &AudienceView) -> String {
    match audience.members {
        Some(1) => "1 member".into(),
        Some(n) => format!("{n} members"),
        None => "rule-based, counted when it starts".into(),
    }
}

/// The `context.*` variables of the content as a JSON object to fill in (`{}` without any).
fn context_skeleton(variables: &[VariableView]) -> String {
    let mut root = Map::new();
    for path in variables
        .iter()
        .filter_map(|v| v.path.strip_prefix("context."))
    {
        let mut at = &mut root;
        let parts: Vec<&str> = path.split('.').collect();
        for (i, part) in parts.iter().enumerate() {
            let leaf = i + 1 == parts.len();
            let entry = at.entry(part.to_string()).or_insert_with(|| {
                if leaf {
                    Value::String(String::new())
                } else {
                    Value::Object(Map::new())
                }
            });
            match entry {
                Value::Object(inner) if !leaf => at = inner,
                _ => break,
            }
        }
    }
    if root.is_empty() {
        return "{}".into();
    }
    serde_json::to_string_pretty(&Value::Object(root)).unwrap_or_default()
}

#[component]
fn ScheduleLine(
    schedule: ScheduleSummary,
    delete: ServerAction<DeleteAudienceSchedule>,
) -> impl IntoView {
    let audience = schedule
        .audience_name
        .clone()
        .unwrap_or_else(|| "a deleted audience".into());
    let status = match schedule.status {
        ScheduleStatus::Scheduled => "scheduled",
        ScheduleStatus::Triggered => "started",
        ScheduleStatus::Missed => "missed",
        ScheduleStatus::Failed => "failed",
    };
    view! {
        <li data-testid="schedule">
            <strong>{audience}</strong>" · "{status}" for "
            {match schedule.local_time.clone() {
                Some(local) => view! {
                    {local}" in each member's time zone (from "<LocalTime ms=schedule.execute_at/>")"
                }.into_any(),
                None => view! { <LocalTime ms=schedule.execute_at/> }.into_any(),
            }}
            " · by "{schedule.started_by.clone()}
            {schedule.failure.clone().map(|why| view! { <span class="hint">" · "{why}</span> })}
            {(schedule.status == ScheduleStatus::Scheduled).then(|| view! {
                <ActionForm action=delete>
                    <input type="hidden" name="schedule_id" value=schedule.schedule_id.clone()/>
                    <button type="submit" class="danger">"Delete schedule"</button>
                </ActionForm>
            })}
        </li>
    }
}

#[component]
fn SendProgress(
    send: AudienceSendSummary,
    cancel: ServerAction<CancelAudienceSend>,
) -> impl IntoView {
    let percent = send.percent_queued();
    let counts = format!(
        "{} of {} queued · {} sent · {} failed · {} excluded",
        send.queued + send.excluded,
        send.targeted
            .map_or_else(|| "…".to_owned(), |t| t.to_string()),
        send.sent,
        send.failed,
        send.excluded,
    );
    let status = match send.status {
        SendStatus::InProgress => "in progress",
        SendStatus::Succeeded => "every member queued",
        SendStatus::Failed => "failed",
        SendStatus::Cancelled => "cancelled: waiting messages were not sent",
    };
    view! {
        <div class="send-progress" data-testid="audience-send">
            <p>
                <strong>{send.audience_name.clone()}</strong>" · "{status}" · "<LocalTime ms=send.created_at/>
                " · by "{send.started_by.clone()}" · request "<code>{send.request_id.clone()}</code>
            </p>
            <progress max="100" value=percent.to_string() aria-label="Members queued"></progress>
            <p class="meta" data-testid="audience-send-counts">{counts}</p>
            {send.failure.clone().map(|why| view! { <p class="hint">{why}</p> })}
            {send.cancellable().then(|| view! {
                <ActionForm action=cancel>
                    <input type="hidden" name="execution_id" value=send.execution_id.clone()/>
                    <button type="submit" class="danger">"Cancel send"</button>
                </ActionForm>
            })}
        </div>
    }
}
