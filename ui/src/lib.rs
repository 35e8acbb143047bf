//! Rally's interface: Yew components compiled to wasm, shown by the Tauri window.
//!
//! Layout:
//! - [`api`]: typed calls to the Tauri commands, with rally-core's own types on both sides.
//! - [`state`]: what the app remembers (identities, the chosen one, the page) as a reducer, no DOM.
//! - [`format`]: times for people: the event's zone, and the viewer's when it differs.
//! - [`components`]: small reusable views (a form field with its inline error, the identity switcher).
//! - [`pages`]: one file per screen.

mod api;
mod app;
mod components;
mod format;
mod pages;
mod state;

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(start)]
pub fn start() {
    yew::Renderer::<app::App>::new().render();
}
