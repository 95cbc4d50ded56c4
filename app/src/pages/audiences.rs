//! Audiences: who a campaign is sent to in one go — static lists, or rules evaluated at send
//! time — with their size.

use crate::api::{AddAudienceMembers, CreateAudience, DeleteAudience, count_rule, list_audiences};
use crate::components::{ErrorBox, Layout, error_text};
use crate::error::AppError;
use leptos::prelude::*;

#[component]
pub fn AudiencesPage() -> impl IntoView {
    let create = ServerAction::<CreateAudience>::new();
    let delete = ServerAction::<DeleteAudience>::new();
    let add = ServerAction::<AddAudienceMembers>::new();
    let list = Resource::new(
        move || {
            (
                create.version().get(),
                delete.version().get(),
                add.version().get(),
            )
        },
        |_| list_audiences(),
    );
    let failure = move || {
        let answer = |r: Option<Result<Result<_, String>, AppError>>| match r? {
            Ok(Ok(_)) => None,
            Ok(Err(why)) => Some(why),
            Err(e) => Some(error_text(&e)),
        };
        answer(create.value().get().map(|r| r.map(|a| a.map(drop))))
            .or_else(|| answer(add.value().get().map(|r| r.map(|a| a.map(drop)))))
            .or_else(|| {
                delete
                    .value()
                    .get()
                    .and_then(|r| r.err())
                    .map(|e| error_text(&e))
            })
    };
    let added = move || match add.value().get() {
        Some(Ok(Ok(change))) => Some(if change.unknown.is_empty() {
            format!("{} added; {} now.", change.changed, members(change.members))
        } else {
            let unknown: Vec<String> = change
                .unknown
                .iter()
                .map(|i| format!("{}:{}", i.namespace, i.id))
                .collect();
            format!(
                "{} added; {} now. No profile has {}.",
                change.changed,
                members(change.members),
                unknown.join(", ")
            )
        }),
        _ => None,
    };
    view! {
        <Layout>
            <h1>"Audiences"</h1>
            <p class="hint">
                "An audience is who an audience send reaches: a static list of profiles, or everyone whose attributes pass a rule "
                "when the send starts. Send with "<code>"POST /ajo/im/executions/audience"</code>" (see "<a href="/api-docs">"API"</a>"), "
                "or name one on a campaign for sends that name none."
            </p>
            {move || failure().map(|message| view! { <ErrorBox message/> })}
            {move || added().map(|text| view! { <p class="hint" role="status">{text}</p> })}
            <NewAudienceForm create/>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(items) if items.is_empty() => view! {
                            <p class="empty">"No audiences yet."</p>
                        }.into_any(),
                        Ok(items) => view! {
                            <div class="table-scroll">
                            <table class="list">
                                <thead><tr><th>"Name"</th><th>"Who"</th><th>"Size"</th><th>"Id"</th><th></th></tr></thead>
                                <tbody>
                                    {items.into_iter().map(|a| {
                                        let (id, delete_id, export_id) = (a.id.clone(), a.id.clone(), a.id.clone());
                                        let who = a.rule.clone().map_or_else(
                                            || view! { <span>"static list"</span> }.into_any(),
                                            |rule| view! { <code>{rule}</code> }.into_any(),
                                        );
                                        let size = a.members.map_or_else(
                                            || "counted at send time".to_owned(),
                                            members,
                                        );
                                        let is_static = a.rule.is_none();
                                        view! {
                                            <tr data-testid="audience">
                                                <td>{a.name}</td>
                                                <td>{who}</td>
                                                <td>{size}</td>
                                                <td><code class="id">{a.id}</code></td>
                                                <td>
                                                    <a href=format!("/files/profiles/export?audienceId={export_id}") download>"Export CSV"</a>
                                                    <ActionForm action=delete>
                                                        <input type="hidden" name="id" value=delete_id/>
                                                        <button type="submit" class="danger">"Delete"</button>
                                                    </ActionForm>
                                                </td>
                                            </tr>
                                            {is_static.then(|| view! {
                                                <tr class="sub">
                                                    <td colspan="5">
                                                        <ActionForm action=add attr:class="inline-form">
                                                            <input type="hidden" name="id" value=id/>
                                                            <label>"Add members (one per line: an email address, or namespace:id)"
                                                                <textarea name="identities" rows="2" placeholder="ada@example.org\ncrmId:c-42"></textarea>
                                                            </label>
                                                            <button type="submit" class="secondary">"Add members"</button>
                                                        </ActionForm>
                                                    </td>
                                                </tr>
                                            })}
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}

fn members(n: i64) -> String {
    if n == 1 {
        "1 member".into()
    } else {
        format!("{n} members")
    }
}

/// The form for a new audience, with the live size of the rule being written.
#[component]
fn NewAudienceForm(create: ServerAction<CreateAudience>) -> impl IntoView {
    let rule = RwSignal::new(String::new());
    // Counted once typing pauses, not on every key.
    let settled = RwSignal::new(String::new());
    Effect::new(move |_| {
        let typed = rule.get();
        set_timeout(
            move || {
                if rule.get_untracked() == typed {
                    settled.set(typed);
                }
            },
            std::time::Duration::from_millis(400),
        );
    });
    let count = Resource::new(
        move || settled.get(),
        |rule| async move {
            if rule.trim().is_empty() {
                return None;
            }
            Some(count_rule(rule).await)
        },
    );
    view! {
        <section class="card">
            <h2>"New audience"</h2>
            <ActionForm action=create attr:class="stacked-form">
                <label>"Name" <input name="name" required maxlength="100" placeholder="e.g. French, consenting"/></label>
                <label>"Description" <input name="description" maxlength="1000"/></label>
                <label>"Rule (empty: a static list you add members to)"
                    <input name="rule" autocomplete="off" data-testid="audience-rule"
                        placeholder="preferredLanguage = fr AND consents.marketing.email.val = y"
                        on:input=move |ev| rule.set(event_target_value(&ev))/>
                </label>
                <p class="hint">
                    "Conditions joined by AND: "<code>"path = value"</code>", "<code>"path != value"</code>", "
                    <code>"path exists"</code>", "<code>"path missing"</code>"; dots walk into the profile's attributes."
                </p>
                <p class="meta" data-testid="audience-count" aria-live="polite">
                    <Suspense>
                        {move || Suspend::new(async move {
                            match count.await {
                                None => String::new(),
                                Some(Ok(Ok(n))) => format!("{n} profiles pass this rule now."),
                                Some(Ok(Err(why))) => why,
                                Some(Err(e)) => error_text(&e),
                            }
                        })}
                    </Suspense>
                </p>
                <button type="submit" disabled=move || create.pending().get()>"Create audience"</button>
            </ActionForm>
        </section>
    }
}
