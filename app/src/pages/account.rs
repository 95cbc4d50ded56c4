//! The signed-in person's own account: their role, their password, and where they are signed
//! in (sessions they can end).

use crate::api::workspace;
use crate::components::{ErrorBox, Layout, error_text};
use crate::local_time::LocalTime;
use crate::team::{ChangePassword, EndSessions, my_sessions};
use leptos::prelude::*;

#[component]
pub fn AccountPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let me = Resource::new(|| (), |_| workspace());
    view! {
        <Layout>
            <h1>"Your account"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match me.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(w) => view! {
                            <p>{w.email}" — "<strong data-testid="my-role">{w.role.as_str()}</strong>
                               {format!(" in {} / {}", w.sandbox.org_id, w.sandbox.name)}</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
            <h2>"Change your password"</h2>
            {move || change.value().get().map(|r| match r {
                Ok(Ok(message)) => view! { <p class="banner success" role="status">{message}</p> }.into_any(),
                Ok(Err(message)) => view! { <ErrorBox message/> }.into_any(),
                Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
            })}
            <ActionForm action=change attr:class="stack narrow">
                <label>"Current password" <input type="password" name="current" autocomplete="current-password" required/></label>
                <label>"New password" <input type="password" name="new" autocomplete="new-password" required minlength="10"/></label>
                <button type="submit" disabled=move || change.pending().get()>"Change password"</button>
            </ActionForm>
            <Sessions changed=change.version()/>
        </Layout>
    }
}

/// Where the person is signed in: each browser session with where and when it began; any but
/// this one can be ended (its next request finds itself signed out).
#[component]
fn Sessions(changed: RwSignal<usize>) -> impl IntoView {
    let end = ServerAction::<EndSessions>::new();
    let sessions = Resource::new(
        move || (end.version().get(), changed.get()),
        |_| my_sessions(),
    );
    view! {
        <h2>"Where you are signed in"</h2>
        {move || end.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorBox message=error_text(&e)/> })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let list = match sessions.await {
                    Ok(list) => list,
                    Err(e) => return view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                };
                let others = list.iter().filter(|s| !s.current).count();
                view! {
                    <table class="list">
                        <thead><tr><th>"Signed in"</th><th>"Browser"</th><th>"From"</th><th></th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|s| view! {
                                <tr data-testid="session">
                                    <td><LocalTime ms=s.signed_in_at/></td>
                                    <td class="wrap">{s.browser}</td>
                                    <td>{s.address}</td>
                                    <td>{if s.current {
                                        view! { <strong>"this browser"</strong> }.into_any()
                                    } else {
                                        view! {
                                            <ActionForm action=end>
                                                <input type="hidden" name="key" value=s.key/>
                                                <button type="submit" class="secondary">"End"</button>
                                            </ActionForm>
                                        }.into_any()
                                    }}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    {(others > 1).then(|| view! {
                        <ActionForm action=end>
                            <input type="hidden" name="key" value=""/>
                            <button type="submit" class="secondary">"End all other sessions"</button>
                        </ActionForm>
                    })}
                }.into_any()
            })}
        </Suspense>
    }
}
