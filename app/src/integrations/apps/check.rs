//! Checks client credentials with the provider before they are saved: the token endpoint is
//! asked to exchange an authorization code that cannot exist. A provider that knows the client
//! says the code is wrong (`invalid_grant`; Slack's `invalid_code`); one that does not says the
//! client is (`invalid_client`, RFC 6749 section 5.2; Slack's `invalid_client_id`,
//! `bad_client_secret`). No token can come of it.

use oauth2::{AuthorizationCode, PkceCodeChallenge, RequestTokenError};
use serde_json::Value;

use crate::error::AppError;
use crate::integrations::catalogue::Provider;
use crate::integrations::oauth::{client_with, describe_server_error};
use crate::runtime::AppState;

/// The code exchanged: no provider issued it.
const PROBE_CODE: &str = "plugboard-credentials-check";

/// What the provider's answer says of the client credentials.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    /// Refused, blaming the client id or the secret.
    Refused {
        field: &'static str,
        reason: String,
    },
    /// The answer says nothing either way (an unexpected error, no answer).
    Unknown(String),
}

/// Checks the credentials; refused ones are an error naming the field, anything else is the
/// note kept with the saved app.
pub async fn check(
    state: &AppState,
    provider: &Provider,
    client_id: &str,
    client_secret: &str,
) -> Result<String, AppError> {
    let client = client_with(state, provider, client_id, client_secret)?;
    let mut exchange = client.exchange_code(AuthorizationCode::new(PROBE_CODE.into()));
    // Providers that require PKCE refuse a code without a verifier before judging the client.
    let (_, verifier) = PkceCodeChallenge::new_random_sha256();
    if provider.oauth.as_ref().is_some_and(|o| o.def.pkce) {
        exchange = exchange.set_pkce_verifier(verifier);
    }
    let verdict = match exchange.request_async(&state.oauth_http).await {
        // A provider that hands out tokens for any code knows the client at least.
        Ok(_) => Verdict::Accepted,
        Err(RequestTokenError::ServerResponse(resp)) => {
            judge(resp.error().as_ref(), describe_server_error(&resp))
        }
        Err(RequestTokenError::Parse(_, body)) => parse_nonstandard(&body),
        Err(RequestTokenError::Request(e)) => {
            Verdict::Unknown(format!("could not reach {} ({e})", provider.def.name))
        }
        Err(RequestTokenError::Other(e)) => Verdict::Unknown(e),
    };
    let name = &provider.def.name;
    match verdict {
        Verdict::Accepted => Ok(format!("{name} accepted these credentials.")),
        Verdict::Refused { field, reason } => Err(AppError::bad_request(
            field,
            format!("{name} refused these credentials ({reason}). Check the client ID and secret in its developer console."),
        )),
        Verdict::Unknown(reason) => Ok(format!(
            "Saved without confirmation: {}.",
            crate::runtime::untrusted::storable(&reason)
        )),
    }
}

/// Judges a standard (RFC 6749) or Slack-style error code.
pub fn judge(code: &str, described: String) -> Verdict {
    match code {
        "invalid_client" | "unauthorized_client" | "bad_client_secret" => Verdict::Refused {
            field: "client_secret",
            reason: described,
        },
        "invalid_client_id" => Verdict::Refused {
            field: "client_id",
            reason: described,
        },
        "invalid_grant" | "invalid_code" | "code_already_used" => Verdict::Accepted,
        _ => Verdict::Unknown(format!("the provider answered {described}")),
    }
}

/// Slack answers HTTP 200 `{"ok": false, "error": "invalid_client_id"}`, which is no token
/// response and no standard error either.
fn parse_nonstandard(body: &[u8]) -> Verdict {
    let answer: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    match answer.get("error").and_then(Value::as_str) {
        Some(code) => {
            let code = crate::runtime::untrusted::storable(code);
            judge(&code, code.clone())
        }
        None => Verdict::Unknown("an answer that is neither a token nor an error".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_and_slack_answers_are_judged() {
        assert_eq!(judge("invalid_grant", "x".into()), Verdict::Accepted);
        assert_eq!(
            judge("invalid_client", "invalid_client: bad".into()),
            Verdict::Refused {
                field: "client_secret",
                reason: "invalid_client: bad".into()
            }
        );
        assert_eq!(
            parse_nonstandard(br#"{"ok":false,"error":"invalid_client_id"}"#),
            Verdict::Refused {
                field: "client_id",
                reason: "invalid_client_id".into()
            }
        );
        assert_eq!(
            parse_nonstandard(br#"{"ok":false,"error":"invalid_code"}"#),
            Verdict::Accepted
        );
        assert!(matches!(parse_nonstandard(b"<html>"), Verdict::Unknown(_)));
        assert!(matches!(
            judge("server_error", "server_error".into()),
            Verdict::Unknown(_)
        ));
    }
}
