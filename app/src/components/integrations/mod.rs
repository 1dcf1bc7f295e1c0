mod api_tab;
mod available_tab;
mod configure_modal;
mod connect_form;
mod connected_tab;
mod connection_card;
mod disconnect_modal;
mod integrations_page;
mod oauth_error_modal;
mod provider_card;
mod provider_detail_modal;
mod send_test_result;
mod settings_form;
mod zaps_card;

pub use api_tab::ApiTab;
pub use available_tab::AvailableTab;
pub use connected_tab::ConnectedTab;
pub use integrations_page::IntegrationsPage;
