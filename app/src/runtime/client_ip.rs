use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use http::{Extensions, HeaderMap};

/// The address a request came from. Behind a trusted reverse proxy, the last hop the proxy
/// appended to `X-Forwarded-For` (earlier entries are client-supplied and spoofable).
pub fn client_ip(
    headers: &HeaderMap,
    extensions: &Extensions,
    trust_proxy_headers: bool,
) -> String {
    if trust_proxy_headers {
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .next_back()
            .and_then(|v| v.rsplit(',').map(str::trim).find(|v| !v.is_empty()));
        if let Some(ip) = forwarded {
            return ip.to_string();
        }
    }
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}
