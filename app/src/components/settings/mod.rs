mod add_admin_modal;
mod admins_section;
mod audit_log_section;
mod change_password_form;
mod company_name_form;
mod settings_page;
mod time_zone_form;

pub use settings_page::SettingsPage;
