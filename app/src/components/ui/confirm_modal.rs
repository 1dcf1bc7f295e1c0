use leptos::prelude::*;

use super::{use_toasts, Modal};
use crate::error::AppError;

/// Asks before something that cannot be undone: `children` say what will happen; the danger
/// button (`confirm`) runs `action`. Success shows `done` and runs `on_done`; an error is shown
/// as it is, and the dialog stays open.
#[component]
pub fn ConfirmModal(
    #[prop(into)] title: String,
    #[prop(into)] confirm: String,
    action: Action<(), Result<(), AppError>>,
    #[prop(into)] done: String,
    on_close: Callback<()>,
    on_done: Callback<()>,
    children: ChildrenFn,
) -> impl IntoView {
    use_toasts().follow(action, move |()| {
        on_done.run(());
        Some(done.clone())
    });
    let footer = move || {
        let confirm = confirm.clone();
        view! {
            <button type="button" class="button button-secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
            <button type="button" class="button button-danger" disabled=move || action.pending().get()
                on:click=move |_| { action.dispatch(()); }>{confirm}</button>
        }
    };
    view! {
        <Modal open=Signal::from(true) title on_close footer=footer size="sm">
            <div class="modal-prose">{children()}</div>
        </Modal>
    }
}
