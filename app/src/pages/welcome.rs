//! Where a one-time link leads: a person invited chooses their password and joins; a person
//! whose password was reset chooses a new one. Either way they are then signed in.

use crate::components::{ErrorBox, error_text};
use crate::team::{UseAccountLink, link_info};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn WelcomePage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.with(|q| q.get("token").unwrap_or_default());
    let link = Resource::new(token, link_info);
    let finish = ServerAction::<UseAccountLink>::new();
    view! {
        <main class="page narrow login">
            <h1>"Welcome to Herald"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match link.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok(l) => {
                            let intro = match &l.invitation {
                                Some((sandbox, role)) => format!(
                                    "You are invited to the sandbox {sandbox} as {}. Choose a password for {}.",
                                    role.as_str(), l.email
                                ),
                                None => format!("Choose a new password for {}.", l.email),
                            };
                            view! {
                                <p>{intro}</p>
                                {move || finish.value().get().and_then(|r| match r {
                                    Ok(Ok(())) => None,
                                    Ok(Err(message)) => Some(view! { <ErrorBox message/> }.into_any()),
                                    Err(e) => Some(view! { <ErrorBox message=error_text(&e)/> }.into_any()),
                                })}
                                <ActionForm action=finish attr:class="stack">
                                    <input type="hidden" name="token" value=token()/>
                                    <input type="email" name="email" value=l.email.clone() autocomplete="username" hidden/>
                                    <label>"Password (at least 10 characters, not easily guessed)"
                                        <input type="password" name="password" autocomplete="new-password" required minlength="10"/>
                                    </label>
                                    <button type="submit" disabled=move || finish.pending().get()>"Save and sign in"</button>
                                </ActionForm>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </main>
    }
}
