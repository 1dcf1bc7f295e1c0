//! API access: the API & Webhooks tab's keys and event types, and the API documentation page.

mod add_event_type_modal;
mod api_access;
mod browser;
mod copy_button;
mod create_key_modal;
mod delete_key_modal;
mod docs_operation;
mod docs_overview;
mod docs_page;
mod event_types;
mod key_row;
mod openapi_curl;
mod openapi_model;
mod openapi_operation;
mod openapi_schema;
#[cfg(test)]
mod openapi_tests;
mod regenerate_modal;
mod rich_text;
mod secret_modal;

pub use api_access::{ApiAccess, DOCS_PATH};
pub use copy_button::CopyButton;
pub use docs_page::ApiDocsPage;
pub use event_types::EventTypes;
