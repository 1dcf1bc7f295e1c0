//! Each company's inbound address: its name's slug at the installation's inbound domain,
//! given on first use, numbered when another company has it.

use sqlx::PgPool;
use uuid::Uuid;

use crate::error::AppError;

/// Local parts a mail system keeps for itself (RFC 2142) or that read as ours.
const RESERVED: &[&str] = &[
    "postmaster",
    "abuse",
    "hostmaster",
    "webmaster",
    "mailer-daemon",
    "noreply",
    "no-reply",
    "notifications",
    "admin",
    "root",
    "security",
];
/// `Acme Corp, Inc.` -> `acme-corp-inc`.
pub fn slug_of(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_matches('-').chars().take(40).collect();
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() || RESERVED.contains(&slug.as_str()) {
        format!("{slug}company").trim_start_matches('-').to_string()
    } else {
        slug
    }
}

/// The company's inbound address, given it on first use: its name's slug, or the slug with a
/// number when another company has it.
pub async fn address(pool: &PgPool, company_id: Uuid, domain: &str) -> Result<String, AppError> {
    #[derive(sqlx::FromRow)]
    struct Company {
        name: String,
        inbound_email_slug: Option<String>,
    }
    let company: Company =
        sqlx::query_as("SELECT name, inbound_email_slug FROM companies WHERE id = $1")
            .bind(company_id)
            .fetch_one(pool)
            .await?;
    if let Some(slug) = company.inbound_email_slug {
        return Ok(format!("{slug}@{domain}"));
    }
    let base = slug_of(&company.name);
    for n in 1..=50u32 {
        let candidate = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let taken: Option<String> = sqlx::query_scalar(
            "UPDATE companies SET inbound_email_slug = COALESCE(inbound_email_slug, $2)
              WHERE id = $1
                AND NOT EXISTS (SELECT 1 FROM companies WHERE inbound_email_slug = $2 AND id <> $1)
             RETURNING inbound_email_slug",
        )
        .bind(company_id)
        .bind(&candidate)
        .fetch_optional(pool)
        .await
        .or_else(|e| match &e {
            // Another company took it between the check and the write.
            sqlx::Error::Database(db) if db.is_unique_violation() => Ok(None),
            _ => Err(e),
        })?;
        if let Some(slug) = taken {
            return Ok(format!("{slug}@{domain}"));
        }
    }
    Err(AppError::Internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_names_become_address_slugs() {
        assert_eq!(slug_of("Acme Corp, Inc."), "acme-corp-inc");
        assert_eq!(slug_of("  Zoë's Café  "), "zo-s-caf");
        assert_eq!(slug_of("!!!"), "company");
        assert_eq!(slug_of("Postmaster"), "postmastercompany");
        assert_eq!(slug_of(&"a".repeat(60)).len(), 40);
    }
}
