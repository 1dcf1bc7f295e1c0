use leptos::prelude::*;
use uuid::Uuid;

use super::add_admin_modal::AddAdminModal;
use crate::company::{remove_admin, AdminSummary};
use crate::components::ui::{calendar_day, use_toasts, Modal, MonthName, SectionCard};

/// The company's admins, with Add and a confirmed Remove (not for yourself).
#[component]
pub fn AdminsSection(admins: Vec<AdminSummary>, on_changed: Callback<()>) -> impl IntoView {
    let toasts = use_toasts();
    let adding = RwSignal::new(false);
    let removing = RwSignal::new(None::<AdminSummary>);
    let remove = Action::new(|id: &Uuid| remove_admin(*id));
    toasts.follow(remove, move |()| {
        removing.set(None);
        on_changed.run(());
        Some("Admin removed.".into())
    });
    let count = admins.len();
    view! {
        <SectionCard id="admins-title" title=format!("Admins ({count})")
            actions=ViewFn::from(move || view! {
                <button type="button" class="button button-secondary" on:click=move |_| adding.set(true)>"+ Add admin"</button>
            })>
            <ul class="list" data-testid="admins-list">
                {admins.into_iter().map(|admin| {
                    let for_modal = admin.clone();
                    view! {
                        <li class="list-row">
                            <div>
                                <strong>{if admin.name.is_empty() { admin.email.clone() } else { admin.name.clone() }}</strong>
                                {admin.is_you.then_some(view! { <span class="badge">"You"</span> })}
                                <p class="muted">{admin.email.clone()} " · added " {calendar_day(admin.added_at, MonthName::Long)}</p>
                            </div>
                            {(!admin.is_you).then(|| view! {
                                <button type="button" class="button button-danger-outline"
                                    aria-label=format!("Remove {}", admin.email)
                                    on:click=move |_| removing.set(Some(for_modal.clone()))>
                                    "Remove"
                                </button>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </SectionCard>
        <AddAdminModal open=adding on_added=Callback::new(move |_| { adding.set(false); on_changed.run(()); })/>
        <Modal
            open=Signal::derive(move || removing.get().is_some())
            title=Signal::derive(move || removing.get().map(|a| format!("Remove {}", a.email)).unwrap_or_default())
            on_close=Callback::new(move |_| removing.set(None))
            size="sm"
            footer=move || view! {
                <button type="button" class="button button-secondary" on:click=move |_| removing.set(None)>"Cancel"</button>
                <button type="button" class="button button-danger" disabled=move || remove.pending().get()
                    on:click=move |_| { if let Some(a) = removing.get_untracked() { remove.dispatch(a.user_id); } }>
                    "Remove admin"
                </button>
            }
        >
            <p>"This admin will be signed out everywhere and can no longer manage your company's integrations."</p>
        </Modal>
    }
}
