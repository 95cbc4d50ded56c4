//! Recipient addresses, parsed once at the edge.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A syntactically valid email address, safe to put in a header (no CR/LF, at most 254 bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("is empty");
        }
        if raw.len() > 254 || raw.contains(['\r', '\n', '<', '>', ',', ' ']) {
            return Err("is not a valid email address");
        }
        if !email_address::EmailAddress::is_valid(raw) || !raw.contains('@') {
            return Err("is not a valid email address");
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_addresses_are_accepted() {
        assert_eq!(
            EmailAddress::parse(" jane@example.org ").unwrap().as_str(),
            "jane@example.org"
        );
    }

    #[test]
    fn header_injection_and_garbage_are_refused() {
        for bad in [
            "",
            "jane",
            "jane@example.org\r\nBcc: x@y.z",
            "a b@c.d",
            "<a@b.c>",
            "a@b.c,d@e.f",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
