//! Every server function, with its tag and who may call it.

use server_fn::ServerFn;
use utoipa::openapi::{RefOr, Schema};
use utoipa::ToSchema;

use crate::auth::scope::Scope;
use crate::{
    api_keys, audit, auth, company, dashboard, delivery, events, integrations, notifications,
    rest_hooks, webhooks,
};

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (sign-in, first-run setup).
    Public,
    /// A signed-in admin only; API keys get 403.
    Admin,
    /// A signed-in admin, or an API key holding the scope.
    Scope(Scope),
}

type Schemas = Vec<(String, RefOr<Schema>)>;

/// One server function as the document describes it.
pub struct Operation {
    pub path: &'static str,
    pub tag: &'static str,
    pub access: Access,
    /// The argument struct's schema (an object whose properties are the arguments); its
    /// description is the function's doc comment.
    pub input: RefOr<Schema>,
    /// The result: a named schema, a list of one, or nothing (`null`).
    pub output: Output,
    /// Named schemas the input and output refer to.
    pub schemas: Schemas,
    /// The body is a form (`application/x-www-form-urlencoded`) rather than JSON: the
    /// functions behind the sign-in and setup pages, which post before their script loads.
    pub form_body: bool,
}

pub enum Output {
    One(String),
    List(String),
    Nothing,
}

impl Operation {
    fn input<F: ServerFn + ToSchema>(
        tag: &'static str,
        access: Access,
        output: Output,
        mut schemas: Schemas,
    ) -> Self {
        F::schemas(&mut schemas);
        Operation {
            path: F::PATH,
            tag,
            access,
            input: F::schema(),
            output,
            schemas,
            form_body: false,
        }
    }

    fn with_form_body(mut self) -> Self {
        self.form_body = true;
        self
    }

    /// A function returning one `T`.
    fn one<F, T>(tag: &'static str, access: Access) -> Self
    where
        F: ServerFn<Output = T> + ToSchema,
        T: ToSchema,
    {
        Self::input::<F>(tag, access, Output::One(T::name().into()), named::<T>())
    }

    /// A function returning a list of `T`.
    fn list<F, T>(tag: &'static str, access: Access) -> Self
    where
        F: ServerFn<Output = Vec<T>> + ToSchema,
        T: ToSchema,
    {
        Self::input::<F>(tag, access, Output::List(T::name().into()), named::<T>())
    }

    /// A function that returns nothing (`null`).
    fn nothing<F>(tag: &'static str, access: Access) -> Self
    where
        F: ServerFn<Output = ()> + ToSchema,
    {
        Self::input::<F>(tag, access, Output::Nothing, Vec::new())
    }
}

/// `T` itself and everything it refers to.
fn named<T: ToSchema>() -> Schemas {
    let mut schemas = vec![(T::name().into(), T::schema())];
    T::schemas(&mut schemas);
    schemas
}

pub fn operations() -> Vec<Operation> {
    use Access::{Admin, Public};
    use Scope::*;
    let s = Access::Scope;
    vec![
        Operation::one::<auth::GetCurrentUser, auth::CurrentUser>("Auth", Admin),
        Operation::one::<auth::GetSetupStatus, auth::SetupStatus>("Auth", Public),
        Operation::one::<auth::CompleteSetup, auth::CurrentUser>("Auth", Public).with_form_body(),
        Operation::one::<auth::SignIn, auth::CurrentUser>("Auth", Public).with_form_body(),
        Operation::nothing::<auth::SignOut>("Auth", Admin),
        Operation::one::<company::GetCompanySettings, company::CompanySettings>(
            "Company",
            s(CompanyRead),
        ),
        Operation::one::<company::RenameCompany, company::CompanySettings>(
            "Company",
            s(CompanyWrite),
        ),
        Operation::one::<company::SetTimeZone, company::CompanySettings>(
            "Company",
            s(CompanyWrite),
        ),
        Operation::one::<company::ListTimeZones, company::TimeZones>("Company", s(CompanyRead)),
        Operation::one::<company::AddAdmin, company::AdminSummary>("Company", Admin),
        Operation::nothing::<company::RemoveAdmin>("Company", Admin),
        Operation::nothing::<company::ChangePassword>("Company", Admin),
        Operation::one::<audit::ListAuditLog, audit::AuditPage>("Company", s(AuditRead)),
        Operation::one::<dashboard::GetDashboardOverview, dashboard::DashboardOverview>(
            "Dashboard",
            Admin,
        ),
        Operation::one::<notifications::ListNotifications, notifications::NotificationFeed>(
            "Notifications",
            Admin,
        ),
        Operation::nothing::<notifications::MarkAllNotificationsRead>("Notifications", Admin),
        Operation::one::<integrations::apps::GetProviderApp, integrations::apps::ProviderAppView>(
            "Integrations",
            Admin,
        ),
        Operation::one::<integrations::apps::SaveProviderApp, integrations::apps::ProviderAppView>(
            "Integrations",
            Admin,
        ),
        Operation::one::<integrations::apps::RemoveProviderApp, integrations::apps::ProviderAppView>(
            "Integrations",
            Admin,
        ),
        Operation::list::<integrations::ListCatalogue, integrations::ProviderView>(
            "Integrations",
            s(IntegrationsRead),
        ),
        Operation::one::<integrations::GetProvider, integrations::ProviderView>(
            "Integrations",
            s(IntegrationsRead),
        ),
        Operation::list::<integrations::ListConnections, integrations::ConnectionView>(
            "Integrations",
            s(IntegrationsRead),
        ),
        Operation::one::<integrations::GetConnection, integrations::ConnectionView>(
            "Integrations",
            s(IntegrationsRead),
        ),
        Operation::one::<integrations::StartOauth, integrations::OAuthStart>("Integrations", Admin),
        Operation::one::<integrations::ConnectApiKey, integrations::ConnectionView>(
            "Integrations",
            s(IntegrationsWrite),
        ),
        Operation::one::<integrations::ConnectWebhook, integrations::ConnectionView>(
            "Integrations",
            s(IntegrationsWrite),
        ),
        Operation::one::<integrations::SaveConfig, integrations::ConnectionView>(
            "Integrations",
            s(IntegrationsWrite),
        ),
        Operation::nothing::<integrations::Disconnect>("Integrations", s(IntegrationsWrite)),
        Operation::list::<integrations::ListOptions, integrations::RemoteOption>(
            "Integrations",
            s(IntegrationsRead),
        ),
        Operation::one::<integrations::ListConnectionDeliveries, delivery::DeliveryPage>(
            "Integrations",
            s(IntegrationsRead),
        ),
        Operation::one::<integrations::SendConnectionTest, delivery::DeliveryView>(
            "Integrations",
            s(IntegrationsWrite),
        ),
        Operation::one::<integrations::RedeliverConnectionDelivery, delivery::DeliveryView>(
            "Integrations",
            s(IntegrationsWrite),
        ),
        Operation::one::<rest_hooks::SubscribeHook, rest_hooks::HookSubscription>(
            "REST Hooks",
            s(IntegrationsWrite),
        ),
        Operation::one::<rest_hooks::UnsubscribeHook, rest_hooks::UnsubscribedHooks>(
            "REST Hooks",
            s(IntegrationsWrite),
        ),
        Operation::one::<api_keys::ListApiKeys, api_keys::ApiKeyList>("API keys", s(ApiKeysRead)),
        Operation::one::<api_keys::CreateApiKey, api_keys::IssuedApiKey>(
            "API keys",
            s(ApiKeysWrite),
        ),
        Operation::one::<api_keys::RegenerateApiKey, api_keys::IssuedApiKey>(
            "API keys",
            s(ApiKeysWrite),
        ),
        Operation::one::<api_keys::SetApiKeyEnabled, api_keys::ApiKeyView>(
            "API keys",
            s(ApiKeysWrite),
        ),
        Operation::nothing::<api_keys::DeleteApiKey>("API keys", s(ApiKeysWrite)),
        Operation::one::<events::PublishEvent, events::PublishedEvent>("Events", s(EventsWrite)),
        Operation::list::<events::PublishEvents, events::PublishedEvent>("Events", s(EventsWrite)),
        Operation::list::<events::ListEventTypes, events::EventTypeView>("Events", s(EventsRead)),
        Operation::one::<events::CreateEventType, events::EventTypeView>("Events", s(EventsWrite)),
        Operation::nothing::<events::DeleteEventType>("Events", s(EventsWrite)),
        Operation::list::<webhooks::ListWebhooks, webhooks::WebhookEndpointView>(
            "Webhooks",
            s(WebhooksRead),
        ),
        Operation::one::<webhooks::CreateWebhook, webhooks::EndpointWithSecret>(
            "Webhooks",
            s(WebhooksWrite),
        ),
        Operation::one::<webhooks::GetDefaultRetrySchedule, webhooks::RetrySchedule>(
            "Webhooks",
            s(WebhooksRead),
        ),
        Operation::one::<webhooks::GetWebhook, webhooks::WebhookEndpointView>(
            "Webhooks",
            s(WebhooksRead),
        ),
        Operation::one::<webhooks::GetWebhookSecrets, webhooks::EndpointSecrets>(
            "Webhooks",
            s(WebhooksWrite),
        ),
        Operation::one::<webhooks::UpdateWebhook, webhooks::WebhookEndpointView>(
            "Webhooks",
            s(WebhooksWrite),
        ),
        Operation::one::<webhooks::SetWebhookEnabled, webhooks::WebhookEndpointView>(
            "Webhooks",
            s(WebhooksWrite),
        ),
        Operation::nothing::<webhooks::DeleteWebhook>("Webhooks", s(WebhooksWrite)),
        Operation::one::<webhooks::TestWebhook, webhooks::DeliveryView>(
            "Webhooks",
            s(WebhooksWrite),
        ),
        Operation::one::<webhooks::RotateWebhookSecret, webhooks::EndpointWithSecret>(
            "Webhooks",
            s(WebhooksWrite),
        ),
        Operation::one::<webhooks::ListDeliveries, webhooks::DeliveryPage>(
            "Webhooks",
            s(WebhooksRead),
        ),
        Operation::one::<webhooks::Redeliver, webhooks::DeliveryView>("Webhooks", s(WebhooksWrite)),
        Operation::one::<webhooks::RetryFailed, webhooks::RetriedCount>(
            "Webhooks",
            s(WebhooksWrite),
        ),
    ]
}
