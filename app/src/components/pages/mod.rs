mod help_page;
mod not_found;

pub use help_page::HelpPage;
pub use not_found::NotFound;
