//! Webhooks on the API & Webhooks tab: the endpoint list, the add/edit dialog with the signing
//! secret, test sends, the delivery log and deletion.

mod delete_modal;
mod dialogs;
mod endpoint_fields;
mod endpoint_modal;
mod endpoint_row;
mod format;
mod headers_editor;
mod secret_panel;
mod test_modal;
mod webhooks_section;

pub use webhooks_section::WebhooksSection;
