pub mod api;
pub mod auth;
pub mod integrations;
pub mod pages;
pub mod settings;
pub mod shell;
pub mod ui;
pub mod webhooks;
