mod dashboard_page;
mod help_page;
mod not_found;

pub use dashboard_page::DashboardPage;
pub use help_page::HelpPage;
pub use not_found::NotFound;
