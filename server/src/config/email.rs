//! Email forwarding: the SMTP relay and sender of outbound forwards, the inbound domain, and what
//! each inbound-mail provider's requests are checked with.

use app::actions::email::Mailer;
use app::runtime::config::{EmailConfig, InboundEmailSecrets};

use super::env::env_var;
use crate::error::ServerError;

pub fn email_config(public_url: &reqwest::Url) -> Result<EmailConfig, ServerError> {
    let from = env_var("PLUGBOARD_EMAIL_FROM").unwrap_or_else(|| {
        let host = public_url.host_str().unwrap_or("localhost");
        let domain = if host.contains('.') && !host.chars().all(|c| c.is_ascii_digit() || c == '.')
        {
            host
        } else {
            "localhost"
        };
        format!("Plugboard <notifications@{domain}>")
    });
    let smtp_url = env_var("PLUGBOARD_SMTP_URL");
    if let Some(url) = &smtp_url {
        // Mailer::new names the variable at fault.
        Mailer::new(url, &from).map_err(|e| {
            let (var, reason) = e.split_once(": ").unwrap_or(("PLUGBOARD_SMTP_URL", &e));
            let var = if var == "PLUGBOARD_EMAIL_FROM" {
                "PLUGBOARD_EMAIL_FROM"
            } else {
                "PLUGBOARD_SMTP_URL"
            };
            ServerError::config(var, reason.to_string())
        })?;
    }
    let inbound_domain = match env_var("PLUGBOARD_INBOUND_EMAIL_DOMAIN") {
        None => None,
        Some(domain) => {
            let domain = domain.trim().trim_start_matches('@').to_ascii_lowercase();
            let valid = domain.contains('.')
                && domain.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && !label.starts_with('-')
                        && !label.ends_with('-')
                        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                });
            if !valid {
                return Err(ServerError::config(
                    "PLUGBOARD_INBOUND_EMAIL_DOMAIN",
                    format!("expected a domain name such as inbound.example.com, got {domain:?}"),
                ));
            }
            Some(domain)
        }
    };
    Ok(EmailConfig {
        smtp_url,
        from,
        inbound_domain,
        inbound: InboundEmailSecrets {
            postmark_basic_auth: pair("POSTMARK_INBOUND_USERNAME", "POSTMARK_INBOUND_PASSWORD")?,
            mailgun_signing_key: env_var("MAILGUN_WEBHOOK_SIGNING_KEY"),
            sendgrid_verification_key: env_var("SENDGRID_INBOUND_VERIFICATION_KEY"),
            sendgrid_basic_auth: pair("SENDGRID_INBOUND_USERNAME", "SENDGRID_INBOUND_PASSWORD")?,
        },
    })
}

/// Both of a user name and password, or neither.
fn pair(
    user: &'static str,
    password: &'static str,
) -> Result<Option<(String, String)>, ServerError> {
    match (env_var(user), env_var(password)) {
        (Some(u), Some(p)) => Ok(Some((u, p))),
        (None, None) => Ok(None),
        (Some(_), None) => Err(ServerError::config(
            password,
            format!("is needed with {user}"),
        )),
        (None, Some(_)) => Err(ServerError::config(
            user,
            format!("is needed with {password}"),
        )),
    }
}
