//! Where webhooks may go: absolute http(s) URLs; https unless plain http is allowed; never to
//! loopback, private, link-local or metadata addresses unless private targets are allowed.
//! Checked when an endpoint is saved and again on every delivery, against the addresses the
//! connection actually uses (the HTTP client resolves through [`GuardedResolver`]), so a DNS
//! answer that changes after the check cannot redirect a delivery.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;

use crate::error::AppError;

#[derive(Debug, Clone, Copy, Default)]
pub struct UrlPolicy {
    pub allow_http: bool,
    pub allow_private: bool,
}

/// Addresses a webhook must not reach: this host, private networks, link-local (including the
/// cloud metadata service at 169.254.169.254), shared and reserved ranges.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => forbidden_v4(v4),
            None => forbidden_v6(v6),
        },
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || a >= 240 // reserved
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || first == 0x2001 && ip.segments()[1] == 0xdb8 // documentation
        || first == 0x64 && ip.segments()[1] == 0xff9b // NAT64 to anything, including private v4
}

fn refused(message: impl Into<String>) -> AppError {
    AppError::bad_request("url", message)
}

/// Checks a URL as an admin enters it, resolving its host.
pub async fn check(raw: &str, policy: UrlPolicy) -> Result<Url, AppError> {
    let url = Url::parse(raw.trim())
        .map_err(|_| refused("Enter an absolute URL, e.g. https://example.com/webhooks."))?;
    match url.scheme() {
        "https" => {}
        "http" if policy.allow_http => {}
        "http" => {
            return Err(refused(
                "Use an https:// URL (plain http is turned off on this server).",
            ))
        }
        _ => return Err(refused("Use an http(s) URL.")),
    }
    let Some(host) = url.host_str() else {
        return Err(refused("The URL needs a host."));
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refused(
            "Put credentials in custom headers, not in the URL.",
        ));
    }
    if policy.allow_private {
        return Ok(url);
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|_| refused(format!("Could not resolve {host}.")))?
            .map(|a| a.ip())
            .collect(),
    };
    if addrs.is_empty() {
        return Err(refused(format!("Could not resolve {host}.")));
    }
    if let Some(ip) = addrs.into_iter().find(|ip| is_forbidden(*ip)) {
        return Err(refused(format!(
            "{host} resolves to {ip}, a private or internal address; webhooks must go to a public address."
        )));
    }
    Ok(url)
}

/// The delivery-time check for URLs whose host is an address (the resolver never sees those).
pub fn check_literal_host(url: &Url, policy: UrlPolicy) -> Result<(), String> {
    if policy.allow_private {
        return Ok(());
    }
    let host = url
        .host_str()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']');
    match host.parse::<IpAddr>() {
        Ok(ip) if is_forbidden(ip) => {
            Err(format!("refused: {ip} is a private or internal address"))
        }
        _ => Ok(()),
    }
}

/// A resolver for the webhook HTTP client that drops forbidden addresses.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| allow_private || !is_forbidden(a.ip()))
                .collect();
            if allowed.is_empty() {
                let reason = if found.is_empty() {
                    format!("{host} did not resolve")
                } else {
                    format!("refused: {host} resolves to a private or internal address")
                };
                return Err(reason.into());
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_forbidden_and_public_ones_allowed() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(is_forbidden(bad.parse().unwrap()), "{bad}");
        }
        for good in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(!is_forbidden(good.parse().unwrap()), "{good}");
        }
    }

    #[tokio::test]
    async fn urls_are_checked_for_scheme_host_and_address() {
        let strict = UrlPolicy::default();
        for (url, why) in [
            ("not a url", "absolute"),
            ("ftp://example.com/x", "http(s)"),
            ("http://example.com/x", "https"),
            ("https://127.0.0.1/x", "private"),
            ("https://[::1]:8443/x", "private"),
            ("https://169.254.169.254/latest/meta-data", "private"),
            ("https://localhost/x", "private"),
            ("https://user:pw@example.com/x", "credentials"),
        ] {
            let err = check(url, strict).await.unwrap_err();
            assert_eq!(err.field(), Some("url"));
            assert!(err.to_string().contains(why), "{url}: {err}");
        }
        let open = UrlPolicy {
            allow_http: true,
            allow_private: true,
        };
        assert!(check("http://127.0.0.1:9/x", open).await.is_ok());
        assert!(check_literal_host(&Url::parse("https://10.0.0.1/").unwrap(), strict).is_err());
    }
}
