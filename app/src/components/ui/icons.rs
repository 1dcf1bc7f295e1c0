//! Inline SVG icons (stroke style, 24x24 grid), decorative unless labelled by their button.

use leptos::prelude::*;

fn icon(path: &'static str) -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor"
            stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">
            <path d=path/>
        </svg>
    }
}

#[component]
pub fn IconDashboard() -> impl IntoView {
    icon("M3 13h8V3H3zM13 21h8V11h-8zM3 21h8v-6H3zM13 3v6h8V3z")
}

#[component]
pub fn IconPlug() -> impl IntoView {
    icon("M9 2v6M15 2v6M6 8h12v4a6 6 0 0 1-12 0zM12 18v4")
}

#[component]
pub fn IconSettings() -> impl IntoView {
    icon("M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z")
}

#[component]
pub fn IconHelp() -> impl IntoView {
    icon("M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM9.1 9a3 3 0 0 1 5.8 1c0 2-3 3-3 3M12 17h.01")
}

#[component]
pub fn IconBell() -> impl IntoView {
    icon("M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9M13.7 21a2 2 0 0 1-3.4 0")
}

#[component]
pub fn IconMenu() -> impl IntoView {
    icon("M3 6h18M3 12h18M3 18h18")
}

#[component]
pub fn IconSearch() -> impl IntoView {
    icon("M11 19a8 8 0 1 0 0-16 8 8 0 0 0 0 16zM21 21l-4.3-4.3")
}

#[component]
pub fn IconMoon() -> impl IntoView {
    icon("M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z")
}

#[component]
pub fn IconSun() -> impl IntoView {
    icon("M12 17a5 5 0 1 0 0-10 5 5 0 0 0 0 10zM12 1v2M12 21v2M4.2 4.2l1.4 1.4M18.4 18.4l1.4 1.4M1 12h2M21 12h2M4.2 19.8l1.4-1.4M18.4 5.6l1.4-1.4")
}

#[component]
pub fn IconKey() -> impl IntoView {
    icon("M21 2l-2 2m-7.6 7.6a5.5 5.5 0 1 1-7.8 7.8 5.5 5.5 0 0 1 7.8-7.8zm0 0L15.5 7.5m0 0l3 3L22 7l-3-3m-3.5 3.5L19 4")
}

/// Broadcast waves: webhooks.
#[component]
pub fn IconWebhook() -> impl IntoView {
    icon("M4.9 19.1a10 10 0 0 1 0-14.2M19.1 4.9a10 10 0 0 1 0 14.2M7.8 16.2a6 6 0 0 1 0-8.4M16.2 7.8a6 6 0 0 1 0 8.4M12 13a1 1 0 1 0 0-2 1 1 0 0 0 0 2z")
}

#[component]
pub fn IconGrid() -> impl IntoView {
    icon("M3 3h7v7H3zM14 3h7v7h-7zM14 14h7v7h-7zM3 14h7v7H3z")
}

/// The Plugboard mark: a plug in a rounded square.
#[component]
pub fn Logo() -> impl IntoView {
    view! {
        <svg class="logo-mark" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true" focusable="false">
            <rect width="32" height="32" rx="8" fill="var(--accent)"/>
            <path d="M12 7v6M20 7v6M9 13h14v3a7 7 0 0 1-14 0zM16 23v3" fill="none" stroke="#fff"
                stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"/>
        </svg>
    }
}

/// A circled "i": notes and hints.
#[component]
pub fn IconInfo() -> impl IntoView {
    icon("M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM12 16v-4M12 8h.01")
}

/// Angle brackets: developer documentation.
#[component]
pub fn IconCode() -> impl IntoView {
    icon("M16 18l6-6-6-6M8 6l-6 6 6 6")
}

/// A warning triangle.
#[component]
pub fn IconAlert() -> impl IntoView {
    icon("M10.3 3.9L1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0zM12 9v4M12 17h.01")
}

/// A tick: a step done.
#[component]
pub fn IconCheck() -> impl IntoView {
    icon("M20 6L9 17l-5-5")
}
