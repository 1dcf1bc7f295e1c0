mod attention_list;
mod dashboard_page;
mod delivery_chart;
mod getting_started;
mod recent_notifications;
mod status_tiles;

pub use dashboard_page::DashboardPage;
