//! Each page's view is loaded with its route. `cargo leptos build --split` puts every page's code
//! in a wasm chunk of its own, fetched the first time the page is shown (on a first load, before
//! the page hydrates): a page downloads the shell and the code it draws, not every page's.
//! Every build of the bundle must split it (`build_release` in scripts/setup.sh does): the lazy
//! code imports the chunk loader that splitting writes.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use crate::components::api_docs::ApiDocsPage;
use crate::components::auth::SignInPage;
use crate::components::dashboard::DashboardPage;
use crate::components::integrations::{ApiTab, AvailableTab, ConnectedTab, IntegrationsPage};
use crate::components::pages::HelpPage;
use crate::components::settings::SettingsPage;

/// A route whose view is `$page`, loaded lazily; it has no data of its own to load beside it
/// (each page's resources start as it renders).
macro_rules! lazy_page {
    ($route:ident => $page:ident) => {
        #[doc = concat!("The route drawing [`", stringify!($page), "`].")]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    };
}

lazy_page!(SignInRoute => SignInPage);
lazy_page!(DashboardRoute => DashboardPage);
lazy_page!(IntegrationsRoute => IntegrationsPage);
lazy_page!(ConnectedRoute => ConnectedTab);
lazy_page!(AvailableRoute => AvailableTab);
lazy_page!(ApiRoute => ApiTab);
lazy_page!(ApiDocsRoute => ApiDocsPage);
lazy_page!(SettingsRoute => SettingsPage);
lazy_page!(HelpRoute => HelpPage);
