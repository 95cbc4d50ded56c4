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

/// A mobile number in E.164 form: `+`, then 8 to 15 digits, the first not 0. Spaces, dashes,
/// dots and parentheses people type are dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let compact: String = raw
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        let digits = compact.strip_prefix('+').unwrap_or("");
        let valid = (8..=15).contains(&digits.len())
            && digits.chars().all(|c| c.is_ascii_digit())
            && !digits.starts_with('0');
        if valid {
            Ok(Self(compact))
        } else {
            Err("is not a phone number in E.164 form (e.g. +14155550123)")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A country whose national phone numbers Herald reads (ISO 3166 alpha-2, e.g. `US`, `TW`).
/// Only its shape is checked here; the server also checks libphonenumber knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneRegion(String);

impl PhoneRegion {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let code = raw.trim().to_ascii_uppercase();
        if code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()) {
            Ok(Self(code))
        } else {
            Err("must be a two-letter country code such as US or TW")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhoneRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A device's push token: 1 to 4,096 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushToken(String);

impl PushToken {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let token = raw.trim();
        if (1..=4096).contains(&token.len()) && token.chars().all(|c| c.is_ascii_graphic()) {
            Ok(Self(token.to_owned()))
        } else {
            Err("is not a push token (1 to 4,096 visible ASCII characters)")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_e164() {
        assert_eq!(
            PhoneNumber::parse("+1 (415) 555-0123").unwrap().as_str(),
            "+14155550123"
        );
        for bad in [
            "",
            "4155550123",
            "+0123456789",
            "+1415555012a",
            "+1234567",
            "+1234567890123456",
        ] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn push_tokens_are_visible_ascii() {
        assert!(PushToken::parse("fcm:APA91b-x_y").is_ok());
        assert!(PushToken::parse("a b").is_err());
        assert!(PushToken::parse("").is_err());
    }

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
