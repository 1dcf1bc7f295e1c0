//! The integration tests: one binary (Leptos test binaries are large and slow to link), one
//! module per area, each test on its own database (`#[sqlx::test]`).

mod common;

mod actions_discord;
mod actions_email;
mod actions_hooks;
mod actions_slack;
mod actions_teams;
mod actions_whatsapp;
mod api_answers;
mod api_errors;
mod api_keys;
mod api_scopes;
mod auth;
mod connection_labels;
mod daily_summary;
mod dashboard;
mod delivery_crash;
mod delivery_fairness;
mod delivery_finishing;
mod delivery_queue;
mod embedded_db;
mod events;
mod group_commit;
mod inbound_email;
mod integrations_connect;
mod integrations_oauth;
mod integrations_slack;
mod integrations_tokens;
mod log_partitions;
mod openapi;
mod provider_apps;
mod publish_admission;
mod queue_statistics;
mod rate_limits;
mod readme_walkthrough;
mod rest_hooks;
mod retry_policies;
mod security;
mod sessions;
mod site_settings;
mod slack_replies;
mod static_files;
mod tenancy;
mod webhooks_delivery;
mod webhooks_safety;
