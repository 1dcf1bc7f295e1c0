mod dropdown;
mod empty_state;
mod form_field;
pub mod icons;
mod modal;
mod toast;

pub use dropdown::close_on_outside_click;
pub use empty_state::EmptyState;
pub use form_field::{field_error, form_error, FormField};
pub use modal::Modal;
pub use toast::{provide_toasts, use_toasts, ToastKind, ToastRegion, Toasts};
