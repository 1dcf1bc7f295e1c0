//! The API & Webhooks tab's API keys and event types.

mod add_event_type_modal;
mod api_access;
mod create_key_modal;
mod delete_key_modal;
mod dialogs;
mod event_types;
mod key_row;
mod regenerate_modal;
mod secret_modal;

pub use api_access::{ApiAccess, DOCS_PATH};
pub use event_types::EventTypes;
