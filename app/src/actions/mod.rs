//! Connections that act: a connection whose settings subscribe to events is a destination of
//! the delivery pipeline like a webhook endpoint ([`crate::delivery`]). Its settings decide
//! which events it gets ([`subscriptions`]); each provider is one module that turns an event
//! into the provider's request and classifies the answer ([`slack`], [`teams`], [`discord`], [`telegram`], [`whatsapp`],
//! [`email`] for email forwarding, [`catch_hook`] for Zapier, Make and n8n), reached through [`adapter`]; [`health`] keeps the
//! connection's last action and suspends it when the provider refuses its credentials.
//! [`slack_replies`] takes replies from Slack threads back in as events.

pub mod activity;
pub mod adapter;
pub mod catch_hook;
pub mod daily_summary;
pub mod discord;
pub mod email;
pub mod email_message;
pub mod health;
pub mod notice;
pub mod slack;
pub mod slack_replies;
pub mod subscriptions;
pub mod teams;
pub mod telegram;
pub mod whatsapp;
