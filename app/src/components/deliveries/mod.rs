//! The delivery log, shared by webhook endpoints and connections: deliveries newest first,
//! filtered, paged and refreshed while open, each with its attempts and a Redeliver button.

mod attempt_detail;
pub mod browser;
mod delivery_log;
mod delivery_row;
pub mod format;
mod log_pages;
mod retry_policy_fields;
mod source;

pub use attempt_detail::AttemptDetail;
pub use delivery_log::DeliveryLog;
pub use retry_policy_fields::{RetryPolicyFields, RetryPolicyForm, RETRY_FIELDS};
pub use source::LogSource;
