//! Who is at the other end of a request: the client's address (what sign-in throttling counts
//! by) and whether the request came over https (what makes cookies `Secure`).
//!
//! Forwarded headers (`X-Forwarded-For`, `X-Forwarded-Proto`) are believed only when the request
//! comes from a proxy named with `--trusted-proxy` (none by default): anyone else could write
//! them, and a client that picks its own address escapes every per-address limit. Behind
//! trusted proxies the client is the last address in `X-Forwarded-For` that is not itself a
//! trusted proxy. IPv6 clients are counted by their /64 network, which one subscriber holds.

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The proxies whose forwarded headers are believed: addresses or networks (`10.0.0.0/8`).
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Arc<Vec<ipnet::IpNet>>);

impl TrustedProxies {
    /// Reads a comma-separated list of addresses and networks; the first bad entry is named.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let net = match entry.parse::<ipnet::IpNet>() {
                Ok(n) => n,
                Err(_) => match entry.parse::<IpAddr>() {
                    Ok(ip) => ipnet::IpNet::from(ip),
                    Err(_) => {
                        return Err(format!(
                            "--trusted-proxy: \"{entry}\" is not an IP address or network like 10.0.0.0/8"
                        ));
                    }
                },
            };
            nets.push(net);
        }
        Ok(TrustedProxies(Arc::new(nets)))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|n| n.contains(&ip))
    }
}

/// The client of a request, as far as kehu can tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Client {
    pub ip: Option<IpAddr>,
    /// Whether the client's connection was https (kehu itself speaks plain http: only a
    /// trusted proxy can say so).
    pub https: bool,
}

impl Client {
    /// What per-client limits count by: the address, or for IPv6 its /64 network.
    pub fn key(&self) -> String {
        match self.ip {
            None => "unknown".into(),
            Some(IpAddr::V4(v4)) => v4.to_string(),
            Some(IpAddr::V6(v6)) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        }
    }
}

/// The client behind `peer` (the socket's other end), given the request's headers.
pub fn identify(proxies: &TrustedProxies, peer: Option<IpAddr>, headers: &HeaderMap) -> Client {
    let Some(peer) = peer.map(|p| p.to_canonical()) else {
        return Client {
            ip: None,
            https: false,
        };
    };
    if !proxies.trusts(peer) {
        return Client {
            ip: Some(peer),
            https: false,
        };
    }
    // Each proxy appends the address it got the request from: read from the right, skipping our
    // own proxies; the first other address is the client.
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if proxies.trusts(ip) => client = ip.to_canonical(),
            Ok(ip) => {
                client = ip.to_canonical();
                break;
            }
            // Garbage from before our proxies: stop at the last address we could read.
            Err(_) => break,
        }
    }
    let https = headers
        .get_all("x-forwarded-proto")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .next_back()
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    Client {
        ip: Some(client),
        https,
    }
}

/// Middleware: puts the request's [`Client`] into its extensions.
pub async fn layer(
    State(proxies): State<TrustedProxies>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let client = identify(&proxies, peer, req.headers());
    req.extensions_mut().insert(client);
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn forwarded_headers_from_anyone_else_are_ignored() {
        let none = TrustedProxies::default();
        let h = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-proto", "https"),
        ]);
        let c = identify(&none, ip("203.0.113.9"), &h);
        assert_eq!(c.ip, ip("203.0.113.9"));
        assert!(!c.https);
    }

    #[test]
    fn behind_trusted_proxies_the_client_is_the_last_untrusted_hop() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7").unwrap();
        // A client that writes its own header gets it read only up to our proxies' hops.
        let h = headers(&[
            ("x-forwarded-for", "6.6.6.6, 198.51.100.20"),
            ("x-forwarded-for", "10.1.2.3"),
            ("x-forwarded-proto", "https"),
        ]);
        let c = identify(&proxies, ip("192.0.2.7"), &h);
        assert_eq!(c.ip, ip("198.51.100.20"));
        assert!(c.https);
        // Without the header, the proxy itself is the client.
        let c = identify(&proxies, ip("10.9.9.9"), &HeaderMap::new());
        assert_eq!(c.ip, ip("10.9.9.9"));
    }

    #[test]
    fn ipv6_clients_count_by_their_network_and_mapped_v4_as_v4() {
        let c = Client {
            ip: ip("2001:db8:1:2:aaaa::1"),
            https: false,
        };
        assert_eq!(c.key(), "2001:db8:1:2::/64");
        let none = TrustedProxies::default();
        let c = identify(&none, ip("::ffff:203.0.113.5"), &HeaderMap::new());
        assert_eq!(c.key(), "203.0.113.5");
    }

    #[test]
    fn a_bad_proxy_entry_is_named() {
        let e = TrustedProxies::parse("10.0.0.1, nonsense").unwrap_err();
        assert!(e.contains("\"nonsense\""), "{e}");
    }
}
