//! The wasm entry point: takes over the server-rendered page and makes it interactive.
//! Built with `--features hydrate` for `wasm32-unknown-unknown` only.

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    use wasm_bindgen::JsCast;
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // In a later task, once what hydrates asynchronously (inside `<Suspense>`) has: what was
    // typed before now goes back into the fields and their signals (see `app::shell`).
    leptos::prelude::set_timeout(
        || {
            let window = leptos::prelude::window();
            if let Ok(replay) = js_sys::Reflect::get(&window, &"__heraldReplayInput".into())
                && let Some(replay) = replay.dyn_ref::<js_sys::Function>()
            {
                let _ = replay.call0(&window);
            }
            // A marker that browser tests wait for before they interact.
            let _ = js_sys::Reflect::set(&window, &"__heraldHydrated".into(), &true.into());
        },
        std::time::Duration::ZERO,
    );
}
