//! The sandbox's people: who may do what here, invitations, and (for owners) roles, disabled
//! accounts and password resets.

use crate::api::workspace;
use crate::components::{Confirm, ErrorBox, Layout, error_text};
use crate::team::{
    Invite, RemoveMember, ResetMemberPassword, SetApprovalRequired, SetMemberDisabled,
    SetMemberRole, team,
};
use domain::tenancy::{Permission, Role};
use leptos::prelude::*;

/// What each role may do, as the page explains it.
fn role_summary(role: Role) -> &'static str {
    match role {
        Role::Owner => "everything, including people and sandboxes",
        Role::Admin => "everything in the sandbox except people: also surfaces, keys, webhooks",
        Role::Editor => "writes campaigns, sends tests, manages profiles and audiences",
        Role::Approver => "activates, stops and sends campaigns",
        Role::Viewer => "reads everything, changes nothing",
    }
}

fn role_options(selected: Role) -> impl IntoView {
    Role::ALL
        .into_iter()
        .map(|r| view! { <option value=r.as_str() selected=r == selected>{r.as_str()}</option> })
        .collect_view()
}

#[component]
pub fn TeamPage() -> impl IntoView {
    let invite = ServerAction::<Invite>::new();
    let set_role = ServerAction::<SetMemberRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let disable = ServerAction::<SetMemberDisabled>::new();
    let reset = ServerAction::<ResetMemberPassword>::new();
    let approvals = ServerAction::<SetApprovalRequired>::new();
    let me = Resource::new(|| (), |_| workspace());
    let people = Resource::new(
        move || {
            (
                invite.version().get(),
                set_role.version().get(),
                remove.version().get(),
                disable.version().get(),
                approvals.version().get(),
            )
        },
        |_| team(),
    );
    let failure = move || {
        set_role
            .value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| remove.value().get().and_then(|r| r.err()))
            .or_else(|| disable.value().get().and_then(|r| r.err()))
            .or_else(|| reset.value().get().and_then(|r| r.err()))
            .or_else(|| invite.value().get().and_then(|r| r.err()))
            .or_else(|| approvals.value().get().and_then(|r| r.err()))
            .map(|e| error_text(&e))
    };
    let invited = move || invite.value().get().and_then(|r| r.ok());
    let reset_done = move || reset.value().get().and_then(|r| r.ok());
    view! {
        <Layout>
            <h1>"Team"</h1>
            <ul class="hint roles">
                {Role::ALL.into_iter().map(|r| view! {
                    <li><strong>{r.as_str()}</strong>": "{role_summary(r)}</li>
                }).collect_view()}
            </ul>
            {move || failure().map(|message| view! { <ErrorBox message/> })}
            {move || invited().map(|answer| match answer {
                Ok(message) => view! { <p class="banner success" role="status" data-testid="invited">{message}</p> }.into_any(),
                Err(message) => view! { <ErrorBox message/> }.into_any(),
            })}
            {move || reset_done().map(|message| view! {
                <p class="banner success" role="status" data-testid="reset-link">{message}</p>
            })}
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let (me, people) = (me.await, people.await);
                    let owner = me.as_ref().is_ok_and(|w| w.may(Permission::Own));
                    let my_email = me.map(|w| w.email).unwrap_or_default();
                    match people {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(t) => view! {
                            {owner.then(|| view! {
                                <h2>"Invite someone"</h2>
                                <ActionForm action=invite attr:class="inline-form">
                                    <label>"Email" <input type="email" name="email" required maxlength="254"/></label>
                                    <label>"Role" <select name="role" data-testid="invite-role">{role_options(Role::Editor)}</select></label>
                                    <button type="submit" disabled=move || invite.pending().get()>"Invite"</button>
                                </ActionForm>
                            })}
                            <h2>"People"</h2>
                            <table class="list">
                                <thead><tr><th>"Email"</th><th>"Role"</th><th>"Account"</th><th></th></tr></thead>
                                <tbody>
                                    {t.members.into_iter().map(|m| {
                                        let myself = m.email == my_email;
                                        let id = StoredValue::new(m.user_id.clone());
                                        let email = m.email.clone();
                                        view! {
                                            <tr data-testid="member">
                                                <td>{m.email.clone()}</td>
                                                <td>{if owner {
                                                    view! {
                                                        <ActionForm action=set_role attr:class="inline-form">
                                                            <input type="hidden" name="user_id" value=id.get_value()/>
                                                            <select name="role" aria-label=format!("Role of {}", m.email)>{role_options(m.role)}</select>
                                                            <button type="submit" class="secondary">"Change"</button>
                                                        </ActionForm>
                                                    }.into_any()
                                                } else {
                                                    view! { <span>{m.role.as_str()}</span> }.into_any()
                                                }}</td>
                                                <td>{if m.disabled { "disabled" } else { "active" }}</td>
                                                <td class="actions">{(owner && !myself).then(|| view! {
                                                    <ActionForm action=disable>
                                                        <input type="hidden" name="user_id" value=id.get_value()/>
                                                        <input type="hidden" name="disabled" value=(!m.disabled).to_string()/>
                                                        <button type="submit" class="secondary">{if m.disabled { "Enable" } else { "Disable" }}</button>
                                                    </ActionForm>
                                                    <ActionForm action=reset>
                                                        <input type="hidden" name="user_id" value=id.get_value()/>
                                                        <button type="submit" class="secondary">"Reset password"</button>
                                                    </ActionForm>
                                                    <Confirm ask="Remove".to_owned()
                                                        question=format!("{email} will lose their role in this sandbox (their account stays).")>
                                                        <ActionForm action=remove>
                                                            <input type="hidden" name="user_id" value=id.get_value()/>
                                                            <button type="submit" class="danger">"Remove from sandbox"</button>
                                                        </ActionForm>
                                                    </Confirm>
                                                })}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <ApprovalPolicy required=t.approval_required owner approvals/>
                            {(!t.invitations.is_empty()).then(|| view! {
                                <h2>"Invitations not yet accepted"</h2>
                                <table class="list">
                                    <thead><tr><th>"Email"</th><th>"Role"</th><th>"Link works until"</th></tr></thead>
                                    <tbody>
                                        {t.invitations.into_iter().map(|i| view! {
                                            <tr data-testid="invitation">
                                                <td>{i.email}</td>
                                                <td>{i.role.as_str()}</td>
                                                <td>{domain::dates::format_utc(i.expires_at)}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            })}
                        }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}

/// Whether marketing campaigns need an approver's decision to go live here; owners change it.
#[component]
fn ApprovalPolicy(
    required: bool,
    owner: bool,
    approvals: ServerAction<SetApprovalRequired>,
) -> impl IntoView {
    view! {
        <h2>"Approvals"</h2>
        <p data-testid="approval-policy">{if required {
            "Marketing campaigns go live only once an approver other than their last editor approves them."
        } else {
            "Campaigns go live when someone who may activate them does: no approval is needed."
        }}</p>
        {owner.then(|| view! {
            <ActionForm action=approvals>
                <input type="hidden" name="required" value=(!required).to_string()/>
                <button type="submit" class="secondary" disabled=move || approvals.pending().get()>
                    {if required { "Stop requiring approval" } else { "Require approval of marketing campaigns" }}
                </button>
            </ActionForm>
        })}
    }
}
