#![recursion_limit = "512"]
//! Plugboard's UI components and server functions. Built with `ssr` for the server binary and
//! with `hydrate` for the browser bundle; server-only code lives in modules gated on `ssr`.

#[cfg(feature = "ssr")]
pub mod actions;
pub mod api_keys;
mod app;
pub mod audit;
pub mod auth;
pub mod client;
pub mod company;
pub mod components;
pub mod dashboard;
pub mod delivery;
pub mod error;
pub mod events;
#[cfg(feature = "ssr")]
pub mod inbound_email;
pub mod integrations;
pub mod notifications;
#[cfg(feature = "ssr")]
pub mod openapi;
pub mod openapi_reader;
pub mod rest_hooks;
mod routes;
#[cfg(feature = "ssr")]
pub mod runtime;
pub mod validate;
pub mod webhooks;

pub use app::{shell, App, THEME_BOOT_SCRIPT};
