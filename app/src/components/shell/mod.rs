mod app_shell;
mod header;
mod header_search;
mod notification_item;
mod notifications_bell;
mod sidebar;
mod theme_toggle;
mod user_menu;

pub use app_shell::{use_current_user, AppShell, CurrentUserResource};
pub use notification_item::NotificationItem;
