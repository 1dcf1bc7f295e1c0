//! The one error type of the `app` crate: what every server function returns.
//!
//! On the wire it is always `{"error": {"code", "message", "field"}}` with the matching HTTP
//! status, whether the caller is the browser or a REST client.

use http::StatusCode;
use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(into = "ErrorBody", from = "ErrorBody")]
pub enum AppError {
    /// A missing, malformed or out-of-range argument. `field` names it.
    #[error("{message}")]
    BadRequest { field: String, message: String },
    /// No valid session (or, later, API key).
    #[error("Sign in to continue: this needs a signed-in session, or an API key sent as `Authorization: Bearer <key>`.")]
    Unauthenticated,
    /// An `Authorization: Bearer` key that is unknown, disabled, expired or replaced.
    #[error("{0}")]
    InvalidApiKey(String),
    /// Wrong email or password; kept apart from `Unauthenticated` so the UI can tell them apart.
    #[error("Email or password is incorrect.")]
    InvalidCredentials,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// An API path called with a method it does not take.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// The request clashes with existing state (duplicate email, setup already done).
    #[error("{message}")]
    Conflict { field: String, message: String },
    /// Well-formed but unacceptable, e.g. an event type that is not in the registry.
    #[error("{message}")]
    Unprocessable { field: String, message: String },
    #[error("{message}")]
    PayloadTooLarge { field: String, message: String },
    #[error("Too many attempts. Try again in {retry_after_secs} seconds.")]
    TooManyRequests { retry_after_secs: u64 },
    /// More publishes are waiting than Plugboard takes on: refused at once (503 with
    /// `Retry-After`) rather than queued for seconds.
    #[error("Plugboard is busy: too many publishes are waiting to be stored. Try again in {retry_after_secs} seconds.")]
    Overloaded { retry_after_secs: u64 },
    /// Anything unexpected. Details are logged on the server, never sent.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request never reached the server or the answer could not be read (client side).
    #[error("{0}")]
    Network(String),
}

impl AppError {
    pub fn bad_request(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadRequest {
            field: field.into(),
            message: message.into(),
        }
    }

    /// An event type that is not in the registry: 422 wherever it is named (publishing,
    /// subscribing an endpoint, a test send).
    pub fn unknown_event_type(field: impl Into<String>, name: &str) -> Self {
        Self::Unprocessable {
            field: field.into(),
            message: format!("Unknown event type `{name}`: add it to the event registry first."),
        }
    }

    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Conflict {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthenticated | Self::InvalidCredentials | Self::InvalidApiKey(_) => {
                StatusCode::UNAUTHORIZED
            }
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Overloaded { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Network(_) => StatusCode::BAD_GATEWAY,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { .. } => "bad_request",
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidCredentials => "invalid_credentials",
            Self::InvalidApiKey(_) => "invalid_api_key",
            Self::Unprocessable { .. } => "unprocessable",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::MethodNotAllowed(_) => "method_not_allowed",
            Self::Conflict { .. } => "conflict",
            Self::TooManyRequests { .. } => "rate_limited",
            Self::Overloaded { .. } => "overloaded",
            Self::Internal => "internal",
            Self::Network(_) => "network",
        }
    }

    /// How long the caller should wait before trying again, for errors that say.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::TooManyRequests { retry_after_secs } | Self::Overloaded { retry_after_secs } => {
                Some(*retry_after_secs)
            }
            _ => None,
        }
    }

    /// The field the error is about, for forms that show messages next to inputs.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::BadRequest { field, .. }
            | Self::Conflict { field, .. }
            | Self::Unprocessable { field, .. }
            | Self::PayloadTooLarge { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// The JSON shape of every error response.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Machine-readable: `bad_request`, `unauthenticated`, `invalid_api_key`, `forbidden`,
    /// `not_found`, `conflict`, `unprocessable`, `payload_too_large`, `rate_limited`, `overloaded`,
    /// `internal`.
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

impl From<AppError> for ErrorBody {
    fn from(err: AppError) -> Self {
        let retry_after_secs = err.retry_after_secs();
        ErrorBody {
            error: ErrorDetail {
                code: err.code().to_string(),
                message: err.to_string(),
                field: err.field().map(str::to_string),
                retry_after_secs,
            },
        }
    }
}

impl From<ErrorBody> for AppError {
    fn from(body: ErrorBody) -> Self {
        let ErrorDetail {
            code,
            message,
            field,
            retry_after_secs,
        } = body.error;
        let field = field.unwrap_or_default();
        match code.as_str() {
            "bad_request" => AppError::BadRequest { field, message },
            "unauthenticated" => AppError::Unauthenticated,
            "invalid_credentials" => AppError::InvalidCredentials,
            "invalid_api_key" => AppError::InvalidApiKey(message),
            "unprocessable" => AppError::Unprocessable { field, message },
            "payload_too_large" => AppError::PayloadTooLarge { field, message },
            "forbidden" => AppError::Forbidden(message),
            "not_found" => AppError::NotFound(message),
            "method_not_allowed" => AppError::MethodNotAllowed(message),
            "conflict" => AppError::Conflict { field, message },
            "rate_limited" => AppError::TooManyRequests {
                retry_after_secs: retry_after_secs.unwrap_or(60),
            },
            "overloaded" => AppError::Overloaded {
                retry_after_secs: retry_after_secs.unwrap_or(1),
            },
            "internal" => AppError::Internal,
            _ => AppError::Network(message),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// Errors raised by the framework itself: bad arguments are the caller's fault (400, with
    /// serde's message, which names the field); transport failures are reported as such.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::Deserialization(msg) => {
                AppError::bad_request(field_from_serde_message(&msg), msg)
            }
            ServerFnErrorErr::Request(msg) => {
                AppError::Network(format!("Could not reach the server: {msg}"))
            }
            ServerFnErrorErr::Response(msg) => {
                AppError::Network(format!("Unreadable answer from the server: {msg}"))
            }
            ServerFnErrorErr::MissingArg(field) => {
                AppError::bad_request(field.clone(), format!("missing field `{field}`"))
            }
            other => {
                leptos::logging::error!("server function failed: {other}");
                AppError::Internal
            }
        }
    }

    /// Every error a server function returns is serialised here, so this is also where its HTTP
    /// status is set.
    fn ser(&self) -> server_fn::Bytes {
        #[cfg(feature = "ssr")]
        crate::runtime::respond::set_status(self.status_code());
        #[cfg(feature = "ssr")]
        if let Some(secs) = self.retry_after_secs() {
            crate::runtime::respond::set_header(http::header::RETRY_AFTER, &secs.to_string());
        }
        let body = ErrorBody::from(self.clone());
        serde_json::to_vec(&body)
            .map(Into::into)
            .unwrap_or_else(|_| {
                server_fn::Bytes::from_static(
                    b"{\"error\":{\"code\":\"internal\",\"message\":\"error\"}}",
                )
            })
    }
}

/// For responses built outside a server function (middleware, plain axum routes).
#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let status = self.status_code();
        let retry_after = self.retry_after_secs();
        let mut response = (status, axum::Json(ErrorBody::from(self))).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
        }
        response
    }
}

/// serde names the field in backticks in "missing field `email`", "unknown field `x`" and
/// "duplicate field `x`". Other messages ("unknown variant `x`", "invalid type: string \"x\"")
/// quote the value instead, which must never be reported as the field: those are "body".
fn field_from_serde_message(msg: &str) -> String {
    let names_field = ["missing field", "unknown field", "duplicate field"]
        .iter()
        .any(|start| msg.trim_start().starts_with(start));
    match msg.split('`').nth(1) {
        Some(field) if names_field => field.to_string(),
        _ => "body".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape_round_trips() {
        let err = AppError::bad_request("email", "Enter a valid email address.");
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(json["error"]["code"], "bad_request");
        assert_eq!(json["error"]["field"], "email");
        assert_eq!(json["error"]["message"], "Enter a valid email address.");
        let back: AppError = serde_json::from_value(json).unwrap();
        assert_eq!(back, err);
    }

    #[test]
    fn internal_errors_send_no_details() {
        let json = serde_json::to_value(AppError::Internal).unwrap();
        assert_eq!(json["error"]["code"], "internal");
        assert!(json["error"].get("field").is_none());
    }

    #[test]
    fn a_value_quoted_by_serde_is_never_taken_for_the_field() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::Args(
            "unknown variant `hunter2`, expected `pending` or `failed`".into(),
        ));
        assert_eq!(err.field(), Some("body"));
    }

    #[test]
    fn serde_argument_errors_are_400_naming_the_field() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::Args(
            "missing field `password` at line 1 column 20".into(),
        ));
        assert_eq!(err.status_code(), StatusCode::BAD_REQUEST);
        assert_eq!(err.field(), Some("password"));
    }
}
