use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Sign-in. A plain form posted to `/login`, so it works before (and without) the wasm bundle.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let error = move || {
        query.with(|q| {
            let wait = q.get("wait").and_then(|w| w.parse::<u64>().ok()).map_or(
                "a minute".to_owned(),
                |s| match s {
                    0..=90 => format!("{s} seconds"),
                    s => format!("{} minutes", s.div_ceil(60)),
                },
            );
            q.get("error").map(|e| match e.as_str() {
                "throttled" => format!(
                    "Too many attempts. Wait {wait}, then try again \
                     (a browser you signed in with before can sign in now)."
                ),
                "credentials" => "Wrong email or password. Try again.".to_owned(),
                _ => "Signing in failed on our side. Try again in a moment.".to_owned(),
            })
        })
    };
    view! {
        <main class="page narrow login">
            <h1>"Sign in to Herald"</h1>
            {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
            <form method="post" action="/login" class="stack">
                <label>"Email" <input type="email" name="email" autocomplete="username" required/></label>
                <label>"Password"
                    <input type="password" name="password" autocomplete="current-password" required/>
                </label>
                <button type="submit">"Sign in"</button>
            </form>
            <p class="hint">"First start? The credentials were printed in the terminal that started Herald."</p>
        </main>
    }
}
