//! The campaign page's approval card, where the sandbox requires approval: whoever edits asks
//! for it with a note; an approver other than the last editor reads the rendered content and
//! approves (the version goes live) or rejects with a comment. The server enforces every rule;
//! this card only spares people buttons that would be refused.

use crate::api::{DecideApproval, RequestApproval};
use crate::components::ErrorBox;
use crate::editor::LivePreview;
use crate::local_time::LocalTime;
use domain::approval::{ApprovalView, Decision};
use domain::views::CampaignView;
use leptos::prelude::*;

/// Who is looking at the card, and what their role lets them do.
#[derive(Clone)]
pub struct Viewer {
    pub email: String,
    pub edit: bool,
    pub launch: bool,
}

#[component]
pub fn ApprovalCard(
    campaign: CampaignView,
    viewer: Viewer,
    request: ServerAction<RequestApproval>,
    decide: ServerAction<DecideApproval>,
) -> impl IntoView {
    let c = campaign;
    let id = StoredValue::new(c.id.clone());
    let version = c.version;
    // The request for the newest version, if one was made.
    let current = c.approval.clone().filter(|a| a.version == version);
    let pending = current.as_ref().is_some_and(ApprovalView::is_pending);
    let own_change = c.last_editor.as_deref() == Some(viewer.email.as_str());
    let blocked = domain::review::blocks(&c.review);
    let content = c.content();
    let check = Memo::new(move |_| content.clone());

    let note = RwSignal::new(String::new());
    let ask = move |_| {
        request.dispatch(RequestApproval {
            id: id.get_value(),
            note: note.get_untracked(),
        });
    };
    let comment = RwSignal::new(String::new());
    let decision = move |approve: bool| {
        decide.dispatch(DecideApproval {
            id: id.get_value(),
            version,
            approve,
            comment: comment.get_untracked(),
        });
    };
    let busy = move || request.pending().get() || decide.pending().get();
    let failure = move || {
        let asked = request.value().get().and_then(|r| r.err());
        asked
            .or_else(|| decide.value().get().and_then(|r| r.err()))
            .map(|e| crate::components::error_text(&e))
    };

    let status = current.as_ref().map(|a| status_line(a, version));
    let ask_form = (!pending && viewer.edit).then(|| {
        view! {
            <label>"Note for the approver (optional)"
                <textarea rows="2" maxlength="2000" data-testid="approval-note" prop:value=note
                    on:input=move |ev| note.set(event_target_value(&ev))></textarea>
            </label>
            <div class="actions">
                <button type="button" on:click=ask disabled=move || blocked || busy()>"Request approval"</button>
            </div>
        }
    });
    let decide_form = (pending && viewer.launch).then(|| {
        if own_change {
            return view! {
                <p class="hint" data-testid="own-change">
                    "You made the last change to this version: another approver must approve it."
                </p>
            }
            .into_any();
        }
        view! {
            <LivePreview check locale=Signal::stored(None)/>
            <label>"Comment (required to reject)"
                <textarea rows="2" maxlength="2000" data-testid="approval-comment" prop:value=comment
                    on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
            </label>
            <div class="actions">
                <button type="button" on:click=move |_| decision(true) disabled=move || blocked || busy()>
                    "Approve and activate"
                </button>
                <button type="button" class="danger" on:click=move |_| decision(false) disabled=busy>
                    "Reject"
                </button>
            </div>
        }
        .into_any()
    });
    let waiting = (!pending && !viewer.edit).then(|| {
        view! { <p class="hint">"Someone who edits campaigns requests approval; then an approver decides."</p> }
    });
    view! {
        <section class="card" data-testid="approval">
            <h2>"Approval"</h2>
            <p class="hint">
                "This sandbox requires approval: an approver other than the last editor"
                {c.last_editor.map(|e| format!(" ({e})"))}
                " approves version " {version} " before it goes live."
            </p>
            {status}
            {ask_form}
            {decide_form}
            {waiting}
            {move || failure().map(|message| view! { <ErrorBox message/> })}
        </section>
    }
}

/// Where the request stands, as one line with the note or comment.
fn status_line(a: &ApprovalView, version: i64) -> impl IntoView + use<> {
    let (what, who, at, words) = match a.decision {
        None => (
            "Requested",
            a.requested_by.clone(),
            a.requested_at,
            a.note.clone(),
        ),
        Some(d) => {
            let what = match d {
                Decision::Approved => "Approved",
                Decision::Rejected => "Rejected",
                Decision::Withdrawn => "Withdrawn by an edit",
            };
            let who = a.decided_by.clone().unwrap_or_default();
            (
                what,
                who,
                a.decided_at.unwrap_or_default(),
                a.comment.clone(),
            )
        }
    };
    view! {
        <p data-testid="approval-status">
            <strong>{what}</strong>
            {format!(" (version {version})")}
            {(!who.is_empty()).then(|| format!(" by {who}"))}
            " · " <LocalTime ms=at/>
            {(!words.is_empty()).then(|| view! { " — " <q>{words}</q> })}
        </p>
    }
}
