//! Webhooks on the API & Webhooks tab: the endpoint list, the add/edit dialog with the signing
//! secret, test sends, the delivery log and deletion.

mod attempt_detail;
mod browser;
mod delete_modal;
mod delivery_log;
mod delivery_row;
mod endpoint_fields;
mod endpoint_modal;
mod endpoint_row;
pub mod format;
mod headers_editor;
mod log_pages;
mod secret_panel;
mod test_modal;
mod webhooks_section;

pub use webhooks_section::WebhooksSection;
