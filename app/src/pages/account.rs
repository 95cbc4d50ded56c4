//! The signed-in person's own account: their roles and their password.

use crate::api::workspace;
use crate::components::{ErrorBox, Layout, error_text};
use crate::team::ChangePassword;
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
        </Layout>
    }
}
