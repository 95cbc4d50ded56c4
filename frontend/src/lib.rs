//! The wasm entry point: takes over the server-rendered page and makes it interactive.
//! Built with `--features hydrate` for `wasm32-unknown-unknown` only.

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // A marker that browser tests wait for before they interact.
    let _ = js_sys::Reflect::set(
        &leptos::prelude::window(),
        &"__heraldHydrated".into(),
        &true.into(),
    );
}
