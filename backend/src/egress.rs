//! One outbound policy for every connection Herald opens on a user's behalf: webhooks, SMS and
//! push providers, and the SMTP relays of surfaces.
//!
//! Invariants:
//! - Only public addresses are reached, in every encoding: private, loopback, link-local,
//!   shared, reserved, documentation and benchmarking ranges are refused, also when embedded
//!   in IPv6 (IPv4-mapped, -compatible and -translated, NAT64, 6to4; Teredo and other tunnels
//!   are refused whole). Names are checked when a URL is saved, and again at every connection
//!   (the HTTP clients resolve through [`PublicOnly`]; SMTP through [`Egress::resolve`]); a URL
//!   with a literal address is checked when its transport is built.
//! - No redirect is followed (so no `Authorization` header is forwarded anywhere), connections
//!   time out, and provider replies are read up to [`MAX_REPLY_BYTES`].
//! - `HERALD_ALLOW_PRIVATE_TARGETS=true` lifts the address rule (for a gateway inside your own
//!   network, and for the tests' local stand-ins); nothing else does. The server's own relay
//!   (`HERALD_SMTP_URL`) is the operator's setting and is not subject to it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// Most bytes of a provider's reply that are read (they are small JSON documents).
pub const MAX_REPLY_BYTES: usize = 64 * 1024;

/// Longest wait for a TCP connection to a provider.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The policy: public addresses only, unless the operator allows private ones.
#[derive(Debug, Clone, Copy)]
pub struct Egress {
    pub allow_private: bool,
}

impl Egress {
    pub fn permits(self, ip: IpAddr) -> bool {
        self.allow_private || is_public(ip)
    }

    /// An HTTP client under the policy: no redirects, connect and whole-request timeouts, names
    /// resolved to permitted addresses only. `http2_only` for APNs.
    pub fn http_client(
        self,
        timeout: Duration,
        http2_only: bool,
    ) -> reqwest::Result<reqwest::Client> {
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(CONNECT_TIMEOUT.min(timeout))
            .redirect(reqwest::redirect::Policy::none());
        if http2_only {
            builder = builder.http2_prior_knowledge();
        }
        if !self.allow_private {
            builder = builder.dns_resolver(Arc::new(PublicOnly));
        }
        builder.build()
    }

    /// Checks a URL's scheme and, when its host is a literal address, the address. Names are
    /// checked when they are resolved.
    pub fn check_literal(self, url: &str) -> Result<(), String> {
        let parsed = url::Url::parse(url).map_err(|_| "is not a URL".to_owned())?;
        if !matches!(parsed.scheme(), "http" | "https" | "smtp" | "smtps") {
            return Err("must be an http(s) URL".into());
        }
        match parsed.host() {
            Some(url::Host::Ipv4(v4)) if !self.permits(IpAddr::V4(v4)) => Err(refused()),
            Some(url::Host::Ipv6(v6)) if !self.permits(IpAddr::V6(v6)) => Err(refused()),
            Some(_) => Ok(()),
            None => Err("has no host".into()),
        }
    }

    /// Checks a URL when it is saved: its literal address, or every address its name resolves
    /// to, must be permitted.
    pub async fn check_url(self, url: &str) -> Result<(), String> {
        self.check_literal(url)?;
        if self.allow_private {
            return Ok(());
        }
        let parsed = url::Url::parse(url).map_err(|_| "is not a URL".to_owned())?;
        if let Some(url::Host::Domain(name)) = parsed.host() {
            let port = parsed.port_or_known_default().unwrap_or(443);
            let addrs: Vec<IpAddr> = tokio::net::lookup_host((name, port))
                .await
                .map_err(|_| format!("{name} does not resolve"))?
                .map(|a| a.ip())
                .collect();
            if addrs.is_empty() || !addrs.iter().all(|ip| is_public(*ip)) {
                return Err(refused());
            }
        }
        Ok(())
    }

    /// The permitted addresses of `host:port`, for a connection opened by hand (SMTP).
    pub async fn resolve(self, host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => tokio::net::lookup_host((host, port))
                .await
                .map_err(|_| format!("{host} does not resolve"))?
                .collect(),
        };
        let permitted: Vec<SocketAddr> =
            addrs.into_iter().filter(|a| self.permits(a.ip())).collect();
        if permitted.is_empty() {
            return Err(refused());
        }
        Ok(permitted)
    }
}

fn refused() -> String {
    "must reach a public address (private, loopback, link-local and reserved targets are refused \
     unless HERALD_ALLOW_PRIVATE_TARGETS is set)"
        .into()
}

/// Resolves names for the HTTP clients, keeping only public addresses.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| is_public(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err("the target has no public address".into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Whether an address is on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0                                   // "this network"
        || a == 10                             // private
        || a == 127                            // loopback
        || (a == 100 && (64..128).contains(&b)) // shared (carrier-grade NAT)
        || (a == 169 && b == 254)              // link-local (cloud metadata)
        || (a == 172 && (16..32).contains(&b)) // private
        || (a == 192 && b == 0 && c == 0)      // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)      // documentation
        || (a == 192 && b == 88 && c == 99)    // 6to4 relay anycast
        || (a == 192 && b == 168)              // private
        || (a == 198 && (b == 18 || b == 19))  // benchmarking
        || (a == 198 && b == 51 && c == 100)   // documentation
        || (a == 203 && b == 0 && c == 113)    // documentation
        || a >= 224) // multicast, reserved, broadcast
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let embedded_v4 = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    match s {
        // ::/96 (unspecified, loopback, IPv4-compatible) and ::ffff:0:0/96 (IPv4-mapped):
        // as the IPv4 address they carry, which for the former is never public.
        [0, 0, 0, 0, 0, 0, _, _] => false,
        [0, 0, 0, 0, 0, 0xffff, hi, lo] => is_public_v4(embedded_v4(hi, lo)),
        // ::ffff:0:0:0/96, IPv4-translated (SIIT).
        [0, 0, 0, 0, 0xffff, 0, _, _] => false,
        // 64:ff9b::/96, NAT64's well-known prefix: as the IPv4 address it carries.
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => is_public_v4(embedded_v4(hi, lo)),
        // 64:ff9b:1::/48, NAT64 for local use.
        [0x64, 0xff9b, 1, ..] => false,
        // 2002::/16, 6to4: as the IPv4 address in bits 16–48.
        [0x2002, hi, lo, ..] => is_public_v4(embedded_v4(hi, lo)),
        // 2001::/23 special purpose: Teredo (2001::/32), benchmarking (2001:2::/48), ORCHID…;
        // documentation 2001:db8::/32.
        [0x2001, second, ..] if second < 0x200 || second == 0xdb8 => false,
        // 3fff::/20 documentation, 5f00::/16 segment routing.
        [first, ..] if first & 0xfff0 == 0x3ff0 || first == 0x5f00 => false,
        // Global unicast is 2000::/3; the rest (unique local fc00::/7, link-local fe80::/10,
        // site-local fec0::/10, multicast ff00::/8, discard 100::/64, …) is not public.
        [first, ..] => first & 0xe000 == 0x2000,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_encoding_of_a_non_public_address_is_refused() {
        let refused = [
            "0.0.0.0",
            "10.1.2.3",
            "100.64.0.1",
            "127.0.0.1",
            "127.8.9.10",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::127.0.0.1",
            "::8.8.8.8",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:0:7f00:1",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::8.8.8.8",
            "2002:7f00:1::",
            "2002:a9fe:a9fe::1",
            "2001::1",
            "2001:0:4136:e378::1",
            "2001:2::1",
            "2001:db8::1",
            "2001:10::1",
            "3fff::1",
            "5f00::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "100::1",
        ];
        for addr in refused {
            let ip: IpAddr = addr.parse().unwrap();
            assert!(!is_public(ip), "{addr} must not count as public");
        }
        let public = [
            "8.8.8.8",
            "1.1.1.1",
            "93.184.216.34",
            "172.32.0.1",
            "100.128.0.1",
            "198.20.0.1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "2606:4700::1111",
            "2a00:1450:4001::1",
        ];
        for addr in public {
            let ip: IpAddr = addr.parse().unwrap();
            assert!(is_public(ip), "{addr} is public");
        }
    }

    #[tokio::test]
    async fn urls_to_non_public_targets_are_refused_by_name_and_by_address() {
        let policy = Egress {
            allow_private: false,
        };
        for url in [
            "http://127.0.0.1/x",
            "http://[::ffff:127.0.0.1]/x",
            "http://169.254.169.254/latest/meta-data",
            "http://localhost:8080/",
            "smtp://user:pw@127.0.0.1:25",
        ] {
            assert!(policy.check_url(url).await.is_err(), "{url}");
        }
        assert!(policy.check_literal("file:///etc/passwd").is_err());
        assert!(policy.resolve("localhost", 25).await.is_err());
        let allowed = Egress {
            allow_private: true,
        };
        assert!(allowed.check_url("http://127.0.0.1:9/x").await.is_ok());
        assert_eq!(allowed.resolve("127.0.0.1", 25).await.unwrap().len(), 1);
    }
}
