//! kehu's user interface (Leptos: rendered on the server, hydrated in the browser) and the wire
//! types shared with the server. The tiering engine is the Leptos-free `kehu-engine` crate,
//! re-exported here as [`engine`] so the browser and the server run the same code.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod chart;
pub mod components;
pub mod lab;
pub mod labels;
pub mod outbox;
pub mod pages;
pub mod why;
pub mod wire;

pub use kehu_engine as engine;

include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Panics go to the console, and mark the page so the browser tests notice any (a hydration
    // mismatch panics, then leaves a page that looks fine but no longer reacts).
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        if let Some(body) = leptos::prelude::document().body() {
            let _ = body.set_attribute("data-panicked", "true");
        }
    }));
    leptos::mount::hydrate_lazy(app::App);
}

/// Classifies the engine's deterministic self-check sample in the browser and returns (a promise
/// of) its digest; the e2e suite compares it with the native digest
/// (`app/engine/selfcheck-digest.txt`). Lazy: the engine is not part of the first-load bundle.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub async fn engine_selfcheck() -> String {
    selfcheck_digest().await
}

#[cfg(feature = "hydrate")]
#[leptos::lazy]
fn selfcheck_digest() -> String {
    engine::selfcheck::sample_digest()
}
