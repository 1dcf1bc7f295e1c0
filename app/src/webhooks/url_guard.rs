//! Where webhooks may go: absolute http(s) URLs; https unless plain http is allowed; never to
//! loopback, private, link-local or metadata addresses unless private targets are allowed.
//! Checked when an endpoint is saved and again on every delivery, against the addresses the
//! connection actually uses (the HTTP client resolves through [`GuardedResolver`]), so a DNS
//! answer that changes after the check cannot redirect a delivery.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;

use crate::error::AppError;

/// The longest URL accepted (what browsers and proxies reliably carry).
pub const MAX_URL_LEN: usize = 2048;

#[derive(Debug, Clone, Copy, Default)]
pub struct UrlPolicy {
    pub allow_http: bool,
    pub allow_private: bool,
}

impl UrlPolicy {
    /// What this server allows (`PLUGBOARD_ALLOW_HTTP_WEBHOOKS`, `..._PRIVATE_WEBHOOKS`).
    pub fn of(config: &crate::runtime::config::WebhookConfig) -> Self {
        UrlPolicy {
            allow_http: config.allow_http,
            allow_private: config.allow_private,
        }
    }
}

/// Addresses a webhook must not reach: every range of IANA's special-purpose address registries
/// that is not globally reachable (this host, private networks, link-local and the cloud
/// metadata service at 169.254.169.254, shared, benchmarking, documentation, reserved), and the
/// IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4), judged by the
/// address they embed.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_loopback() // 127/8
        || ip.is_private() // 10/8, 172.16/12, 192.168/16
        || ip.is_link_local() // 169.254/16
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast() // 224/4
        || ip.is_documentation() // 192.0.2/24, 198.51.100/24, 203.0.113/24
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // 100.64/10 shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // 192.0.0/24 IETF protocol assignments
        || (a == 192 && b == 88 && c == 99) // 192.88.99/24 6to4 relay anycast (deprecated)
        || (a == 198 && (b & 0xfe) == 18) // 198.18/15 benchmarking
        || a >= 240 // 240/4 reserved
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    // ::ffff:a.b.c.d (IPv4-mapped) and 64:ff9b::a.b.c.d (NAT64, RFC 6052): the IPv4 address
    // decides.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return forbidden_v4(embedded_v4(s[6], s[7]));
    }
    // 2002:a.b.c.d::/48 (6to4) carries its IPv4 address next.
    if s[0] == 0x2002 {
        return forbidden_v4(embedded_v4(s[1], s[2]));
    }
    // Only 2000::/3 is global unicast. Everything else is special: ::/128, ::1, ::/96
    // IPv4-compatible, ::ffff:0:0:0/96 IPv4-translated, 64:ff9b:1::/48 local NAT64,
    // 100::/64 discard, 5f00::/16 SRv6, fc00::/7 unique local, fe80::/10 link-local,
    // fec0::/10 site-local, ff00::/8 multicast.
    if s[0] & 0xe000 != 0x2000 {
        return true;
    }
    // 2001::/23 IETF protocol assignments (Teredo 2001::/32, benchmarking, ORCHID) and
    // 2001:db8::/32 documentation; 3fff::/20 documentation.
    (s[0] == 0x2001 && (s[1] < 0x200 || s[1] == 0xdb8)) || (s[0] == 0x3fff && s[1] < 0x1000)
}

fn embedded_v4(high: u16, low: u16) -> Ipv4Addr {
    let [a, b] = high.to_be_bytes();
    let [c, d] = low.to_be_bytes();
    Ipv4Addr::new(a, b, c, d)
}

fn refused(message: impl Into<String>) -> AppError {
    AppError::bad_request("url", message)
}

/// Checks a URL as an admin enters it, resolving its host.
pub async fn check(raw: &str, policy: UrlPolicy) -> Result<Url, AppError> {
    if raw.chars().count() > MAX_URL_LEN {
        return Err(refused(format!(
            "Keep the URL under {MAX_URL_LEN} characters."
        )));
    }
    let raw = crate::validate::uri_text("url", raw)?;
    let url = Url::parse(raw)
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
            // Special-purpose ranges and IPv4-embedding forms a probe got through before.
            "::127.0.0.1",
            "::ffff:0:127.0.0.1",
            "2002:7f00:1::1",
            "2002:c0a8:101::1",
            "2001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "fec0::1",
            "100::1",
            "198.18.0.1",
            "198.19.255.254",
            "192.88.99.1",
            "64:ff9b::10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "2001:db8::1",
            "3fff::1",
            "5f00::1",
            "ff02::1",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.0.8",
            "::",
        ] {
            assert!(is_forbidden(bad.parse().unwrap()), "{bad}");
        }
        for good in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "2a00:1450:4001:80b::200e",
            "64:ff9b::93.184.216.34",
            "2002:5db8:d822::1",
            "198.20.0.1",
            "::ffff:93.184.216.34",
        ] {
            assert!(!is_forbidden(good.parse().unwrap()), "{good}");
        }
    }

    #[tokio::test]
    async fn urls_are_checked_for_scheme_host_and_address() {
        let strict = UrlPolicy::default();
        for (url, why) in [
            ("not a url", "spaces"),
            ("example.com/hook", "absolute"),
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
