mod api_tab;
mod available_tab;
mod connected_tab;
mod integrations_page;

pub use api_tab::ApiTab;
pub use available_tab::AvailableTab;
pub use connected_tab::ConnectedTab;
pub use integrations_page::IntegrationsPage;
