pub mod browser;
mod confirm_modal;
mod copy_button;
mod dropdown;
mod empty_state;
mod form_field;
pub mod icons;
mod modal;
mod page_header;
mod toast;

pub use confirm_modal::ConfirmModal;
pub use copy_button::CopyButton;
pub use dropdown::close_on_outside_click;
pub use empty_state::EmptyState;
pub use form_field::{field_error, form_error, FormField};
pub use modal::Modal;
pub use page_header::PageHeader;
pub use toast::{provide_toasts, use_toasts, ToastKind, ToastRegion, Toasts};
