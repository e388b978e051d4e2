//! The client's address behind reverse proxies: the connection's peer, unless the peer is a
//! configured trusted proxy (`TRUSTED_PROXIES`), in which case the address it forwarded
//! (`Forwarded: for=…`, else `X-Forwarded-For`), read from the right past every trusted hop.
//! A header from anyone else is ignored, so a client cannot pick its own rate budget.

use std::net::IpAddr;

/// One trusted address or network (`10.0.0.5`, `10.0.0.0/24`, `::1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyNet {
    addr: IpAddr,
    prefix: u8,
}

impl ProxyNet {
    /// Parses an address or `address/prefix`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("`{s}` is not an IP address or network"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{s}`: the prefix is 0 to {max}"))?,
            None => max,
        };
        Ok(ProxyNet { addr, prefix })
    }

    /// Whether `ip` lies in this network (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v) => v.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let p = u32::from(self.prefix);
        match (ip, self.addr) {
            (IpAddr::V4(a), IpAddr::V4(n)) => {
                let mask = u32::MAX.checked_shl(32 - p).unwrap_or(0);
                u32::from(a) & mask == u32::from(n) & mask
            }
            (IpAddr::V6(a), IpAddr::V6(n)) => {
                let mask = u128::MAX.checked_shl(128 - p).unwrap_or(0);
                u128::from(a) & mask == u128::from(n) & mask
            }
            _ => false,
        }
    }
}

/// The address a request came from, given its peer and its forwarding headers.
pub fn client(
    peer: Option<IpAddr>,
    forwarded: Option<&str>,
    x_forwarded_for: Option<&str>,
    trusted: &[ProxyNet],
) -> String {
    let Some(peer) = peer else {
        return String::new();
    };
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return peer.to_string();
    }
    let hops: Vec<IpAddr> = match forwarded {
        Some(f) => f
            .split(',')
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (k, v) = pair.split_once('=')?;
                    k.trim()
                        .eq_ignore_ascii_case("for")
                        .then(|| forwarded_ip(v))?
                })
            })
            .collect(),
        None => x_forwarded_for
            .unwrap_or("")
            .split(',')
            .filter_map(|h| h.trim().parse().ok())
            .collect(),
    };
    hops.iter()
        .rev()
        .find(|ip| !is_trusted(**ip))
        .or(hops.first())
        .copied()
        .unwrap_or(peer)
        .to_string()
}

/// The address of a `Forwarded` `for=` value: `192.0.2.1`, `"192.0.2.1:4711"`,
/// `"[2001:db8::1]:4711"`.
fn forwarded_ip(v: &str) -> Option<IpAddr> {
    let v = v.trim().trim_matches('"');
    if let Some(rest) = v.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    v.parse()
        .ok()
        .or_else(|| v.rsplit_once(':').and_then(|(a, _)| a.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        s.parse().ok()
    }

    #[test]
    fn networks_contain_their_addresses() {
        let net = ProxyNet::parse("10.0.0.0/24").expect("net");
        assert!(net.contains("10.0.0.77".parse().expect("ip")));
        assert!(!net.contains("10.0.1.1".parse().expect("ip")));
        assert!(net.contains("::ffff:10.0.0.9".parse().expect("mapped")));
        assert!(
            ProxyNet::parse("::1")
                .expect("v6")
                .contains("::1".parse().expect("ip"))
        );
        assert!(ProxyNet::parse("10.0.0.1/33").is_err());
        assert!(ProxyNet::parse("proxy").is_err());
    }

    #[test]
    fn forwarded_addresses_count_only_from_a_trusted_peer() {
        let trusted = [ProxyNet::parse("10.0.0.0/8").expect("net")];
        // Anyone else's header is ignored.
        assert_eq!(
            client(ip("203.0.113.9"), None, Some("1.2.3.4"), &trusted),
            "203.0.113.9"
        );
        // Behind the proxy: the nearest untrusted hop, however much a client prepends.
        assert_eq!(
            client(
                ip("10.0.0.2"),
                None,
                Some("6.6.6.6, 198.51.100.7, 10.0.0.3"),
                &trusted
            ),
            "198.51.100.7"
        );
        assert_eq!(
            client(
                ip("10.0.0.2"),
                Some("for=6.6.6.6, for=\"[2001:db8::7]:4711\";proto=https"),
                Some("9.9.9.9"),
                &trusted
            ),
            "2001:db8::7"
        );
        assert_eq!(client(ip("10.0.0.2"), None, None, &trusted), "10.0.0.2");
        assert_eq!(
            client(ip("10.0.0.2"), None, Some("1.2.3.4"), &[]),
            "10.0.0.2"
        );
    }
}
