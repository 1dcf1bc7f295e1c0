use leptos::prelude::*;

use super::admins_section::AdminsSection;
use super::audit_log_section::AuditLogSection;
use super::change_password_form::ChangePasswordForm;
use super::company_name_form::CompanyNameForm;
use super::time_zone_form::TimeZoneForm;
use crate::company::get_company_settings;
use crate::components::ui::{server_data, PageHeader};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let settings = server_data(|| (), |_| get_company_settings());
    view! {
        <div class="page">
            <PageHeader title="Settings">"Your company, its admins, your password and the audit log."</PageHeader>
            <div class="stack">
                <Suspense fallback=|| view! { <div class="card"><p class="muted">"Loading..."</p></div> }>
                    {move || settings.get().map(|res| match res {
                        Ok(s) => view! {
                            <CompanyNameForm initial=s.name.clone() on_saved=Callback::new(move |_| settings.refetch())/>
                            <TimeZoneForm initial=s.time_zone.clone() on_saved=Callback::new(move |_| settings.refetch())/>
                            <AdminsSection admins=s.admins.clone() on_changed=Callback::new(move |_| settings.refetch())/>
                        }.into_any(),
                        Err(e) => view! { <div class="card"><p class="form-error" role="alert">{e.to_string()}</p></div> }.into_any(),
                    })}
                </Suspense>
                <ChangePasswordForm/>
                <AuditLogSection/>
            </div>
        </div>
    }
}
