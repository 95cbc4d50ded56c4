use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Sign-in. A plain form posted to `/login`, so it works before (and without) the wasm bundle.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let error = move || {
        query.with(|q| {
            q.get("error").map(|e| match e.as_str() {
                "throttled" => "Too many attempts for this account. Wait a minute, then try again.",
                "credentials" => "Wrong email or password. Try again.",
                _ => "Signing in failed on our side. Try again in a moment.",
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
