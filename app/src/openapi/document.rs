//! Assembles the OpenAPI document from [`operations`](super::operations).

use std::collections::HashMap;

use server_fn::axum::server_fn_paths;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, HeaderBuilder, InfoBuilder, OpenApi, OpenApiBuilder,
    PathItem, PathsBuilder, Ref, RefOr, Required, ResponseBuilder, ResponsesBuilder, Schema,
    ServerBuilder,
};
use utoipa::{PartialSchema, ToSchema};

use super::operations::{operations, Access, Operation, Output};
use crate::auth::session::{CSRF_HEADER, SESSION_COOKIE};
use crate::error::ErrorBody;

const BEARER: &str = "apiKey";
/// Operations that name event types, answering 422 for one not in the registry.
const NAMES_EVENT_TYPES: [&str; 6] = [
    "/api/v1/events/publish",
    "/api/v1/hooks/subscribe",
    "/api/v1/events/publish_batch",
    "/api/v1/webhooks/create",
    "/api/v1/webhooks/update",
    "/api/v1/webhooks/test",
];
const SESSION: &str = "session";

/// The document for a server reached at `api_base_url` (`PUBLIC_URL/api/v1`).
pub fn document(api_base_url: &str) -> OpenApi {
    let methods: HashMap<&str, http::Method> = server_fn_paths().collect();
    let mut paths = PathsBuilder::new();
    let mut components = ComponentsBuilder::new()
        .schema(ErrorBody::name(), ErrorBody::schema())
        .security_scheme(
            BEARER,
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("sk_live_...")
                    .description(Some("An API key from API & Webhooks: `Authorization: Bearer sk_live_...`. It acts for its company within its scopes."))
                    .build(),
            ),
        )
        .security_scheme(
            SESSION,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                &format!("The admin's browser session. State-changing calls also send the `{CSRF_HEADER}` header."),
            ))),
        );
    let mut error_schemas = Vec::new();
    ErrorBody::schemas(&mut error_schemas);
    for (name, schema) in error_schemas {
        components = components.schema(name, schema);
    }
    for op in operations() {
        let method = methods.get(op.path).cloned().unwrap_or(http::Method::POST);
        for (name, schema) in &op.schemas {
            components = components.schema(name.clone(), schema.clone());
        }
        let item = PathItem::new(http_method(&method), operation(&op, &method));
        paths = paths.path(op.path, item);
    }
    let info = InfoBuilder::new()
        .title("Plugboard API")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(INTRO))
        .build();
    OpenApiBuilder::new()
        .info(info)
        .servers(Some(vec![ServerBuilder::new()
            .url(api_base_url.trim_end_matches("/api/v1"))
            .build()]))
        .paths(paths.build())
        .components(Some(components.build()))
        .build()
}

const INTRO: &str = "Every endpoint takes JSON (reads take query parameters; sign-in and setup take \
a form body) and answers JSON. \
Errors are always `{\"error\": {\"code\", \"message\", \"field\"}}`. API keys are limited to 1,000 requests \
an hour and 100 a minute (publishing has its own 200 a second); each response carries \
`X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds until the quota is whole), \
and a refused one is 429 with `Retry-After`.";

fn http_method(method: &http::Method) -> HttpMethod {
    if method == http::Method::GET {
        HttpMethod::Get
    } else {
        HttpMethod::Post
    }
}

fn operation(op: &Operation, method: &http::Method) -> utoipa::openapi::path::Operation {
    let (summary, description) = describe(op);
    let mut builder = OperationBuilder::new()
        .operation_id(Some(
            op.path.trim_start_matches("/api/v1/").replace('/', "_"),
        ))
        .tag(op.tag)
        .summary(Some(summary))
        .description(Some(description))
        .responses(responses(op));
    if method == http::Method::GET {
        for (name, schema, required) in properties(&op.input) {
            builder = builder.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Query)
                    .required(if required {
                        Required::True
                    } else {
                        Required::False
                    })
                    .schema(Some(schema)),
            );
        }
    } else {
        let content_type = match op.form_body {
            true => "application/x-www-form-urlencoded",
            false => "application/json",
        };
        let body = RequestBodyBuilder::new()
            .required(Some(Required::True))
            .content(
                content_type,
                ContentBuilder::new()
                    .schema(Some(body_schema(&op.input)))
                    .build(),
            )
            .build();
        builder = builder.request_body(Some(body));
    }
    builder = match op.access {
        Access::Public => builder.securities(Some(Vec::<SecurityRequirement>::new())),
        Access::Admin => builder.security(SecurityRequirement::new(SESSION, Vec::<String>::new())),
        Access::Scope(scope) => builder
            .security(SecurityRequirement::new(BEARER, [scope.as_str()]))
            .security(SecurityRequirement::new(SESSION, Vec::<String>::new())),
    };
    builder.build()
}

/// The function's doc comment (carried by its argument struct, after the line the server
/// macro adds) and who may call it.
fn describe(op: &Operation) -> (String, String) {
    let doc = match &op.input {
        RefOr::T(Schema::Object(object)) => {
            clean_doc(object.description.as_deref().unwrap_or_default())
        }
        _ => String::new(),
    };
    let summary = doc
        .split(". ")
        .next()
        .unwrap_or_default()
        .trim_end_matches('.')
        .to_string();
    let access = match op.access {
        Access::Public => "No authentication.".to_string(),
        Access::Admin => "A signed-in admin only; API keys get 403.".to_string(),
        Access::Scope(scope) => format!(
            "API key scope: `{}` (or a signed-in admin).",
            scope.as_str()
        ),
    };
    (summary, format!("{doc}\n\n{access}"))
}

fn clean_doc(raw: &str) -> String {
    raw.lines()
        .map(str::trim)
        .filter(|line| !line.starts_with("Serialized arguments for the"))
        .collect::<Vec<_>>()
        .join(" ")
        .trim()
        .to_string()
}

/// The input schema without the macro's doc line.
fn body_schema(input: &RefOr<Schema>) -> RefOr<Schema> {
    let mut input = input.clone();
    if let RefOr::T(Schema::Object(object)) = &mut input {
        object.description = None;
    }
    input
}

/// The argument struct's properties: (name, schema, required).
fn properties(input: &RefOr<Schema>) -> Vec<(String, RefOr<Schema>, bool)> {
    match input {
        RefOr::T(Schema::Object(object)) => object
            .properties
            .iter()
            .map(|(name, schema)| (name.clone(), schema.clone(), object.required.contains(name)))
            .collect(),
        _ => Vec::new(),
    }
}

fn responses(op: &Operation) -> utoipa::openapi::Responses {
    let schema: RefOr<Schema> = match &op.output {
        Output::One(name) => Ref::from_schema_name(name.clone()).into(),
        Output::List(name) => ArrayBuilder::new()
            .items(Ref::from_schema_name(name.clone()))
            .into(),
        Output::Nothing => ObjectBuilder::new().schema_type(Type::Null).into(),
    };
    let integer = || {
        HeaderBuilder::new()
            .schema(ObjectBuilder::new().schema_type(Type::Integer))
            .build()
    };
    let ok = ResponseBuilder::new()
        .description("Success")
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(schema)).build(),
        )
        .header("X-RateLimit-Limit", integer())
        .header("X-RateLimit-Remaining", integer())
        .header("X-RateLimit-Reset", integer())
        .build();
    let error_body = |text: &str| {
        ResponseBuilder::new().description(text).content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(ErrorBody::name())))
                .build(),
        )
    };
    let error = |text: &str| error_body(text).build();
    // A refusal to retry later says how many seconds to wait.
    let retry_after = |text: &str| error_body(text).header("Retry-After", integer()).build();
    let mut responses = ResponsesBuilder::new().response("200", ok).response(
        "400",
        error("A missing or invalid argument; `field` names it."),
    );
    if op.path == "/api/v1/auth/sign_in" {
        responses = responses.response("401", error("The email or password is incorrect."));
    }
    if op.access != Access::Public {
        responses = responses
            .response(
                "401",
                error("No session or API key, or the key is unknown, disabled or expired."),
            )
            .response(
                "403",
                error("The key lacks the scope, or the endpoint is for signed-in admins."),
            );
    }
    responses = responses
        .response("404", error("Not found in the caller's company."))
        .response("409", error("Conflicts with existing state."));
    if op.path.starts_with("/api/v1/events/publish") {
        responses = responses.response("413", error("`data` is larger than 256 KB."));
    }
    if NAMES_EVENT_TYPES.contains(&op.path) {
        responses = responses.response("422", error("An event type is not in the registry."));
    }
    responses = responses
        .response(
            "429",
            retry_after("Rate limit exceeded; retry after `Retry-After` seconds."),
        )
        .response("500", error("Something went wrong on our side."));
    if op.path.starts_with("/api/v1/events/publish") {
        responses = responses.response(
            "503",
            retry_after(
                "More publishes are waiting to be stored than Plugboard takes on; nothing was \
                 stored. Retry after `Retry-After` seconds.",
            ),
        );
    }
    responses.build()
}
