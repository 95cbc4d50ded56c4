//! Mobile numbers as integrations send them: E.164 (`+14155550123`) or national (`0921234567`),
//! the latter read in a default region with libphonenumber's metadata (the `phonenumber` crate).
//!
//! Invariants:
//! - Every number Herald stores or sends is E.164 ([`PhoneNumber`]); a national number is turned
//!   into one here, or refused with words naming what is missing.
//! - The region a national number is read in is the first set of: the campaign's surface
//!   (`phoneRegion`), its sandbox, the server (`HERALD_DEFAULT_PHONE_REGION`). With none, a
//!   national number is refused: guessing a country would text a stranger.
//! - A national number is accepted when its length is possible for a mobile number of its
//!   region (as libphonenumber's `isPossibleNumberForType`), not only when its digits are assigned: the
//!   reference's own sample (`1234567890`, region US) is accepted, and a carrier refuses a
//!   number that does not exist as it would any other.

use domain::recipient::{PhoneNumber, PhoneRegion};
use phonenumber::country;
use phonenumber::metadata::DATABASE;

/// Whether libphonenumber knows the region (e.g. `US`, `TW`; not `XX`).
pub fn region_known(region: &PhoneRegion) -> bool {
    DATABASE.by_id(region.as_str()).is_some()
}

/// Reads a number typed or sent by a person or a system: E.164 as is, a national number in
/// `region`.
pub fn parse(raw: &str, region: Option<&PhoneRegion>) -> Result<PhoneNumber, String> {
    let trimmed = raw.trim();
    if trimmed.starts_with('+') || trimmed.is_empty() {
        return PhoneNumber::parse(trimmed).map_err(str::to_owned);
    }
    let Some(region) = region else {
        return Err(
            "is a national number (no leading +) and no default phone region applies: send it in \
             E.164 form (e.g. +14155550123) or set a default region (the surface's phoneRegion, \
             the sandbox's, or HERALD_DEFAULT_PHONE_REGION)"
                .to_owned(),
        );
    };
    let not_possible = || format!("is not a possible phone number in region {region}");
    let id: country::Id = region.as_str().parse().map_err(|_| not_possible())?;
    let number = phonenumber::parse(Some(id), trimmed).map_err(|_| not_possible())?;
    let code = number.code().value();
    let national = number.national().to_string();
    // libphonenumber drops a leading trunk prefix even when what is left is too short (`1` in
    // `1234567890`, region US); the digits as sent are then tried as the national number.
    let as_sent: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    let national = [national, as_sent]
        .into_iter()
        .find(|n| possible_length(code, n.len()))
        .ok_or_else(not_possible)?;
    PhoneNumber::parse(&format!("+{code}{national}")).map_err(|_| not_possible())
}

/// Whether mobile numbers of this country code may have `digits` national digits (where the
/// metadata lists no mobile lengths, any number's).
fn possible_length(code: u16, digits: usize) -> bool {
    DATABASE.by_code(&code).into_iter().flatten().any(|meta| {
        let d = meta.descriptors();
        let lengths = match d.mobile() {
            Some(mobile) if !mobile.possible_length().is_empty() => mobile.possible_length(),
            _ => d.general().possible_length(),
        };
        lengths.contains(&(digits as u16))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(r: &str) -> PhoneRegion {
        PhoneRegion::parse(r).unwrap()
    }

    #[test]
    fn the_references_samples_are_read_in_their_region() {
        assert_eq!(
            parse("1234567890", Some(&region("US"))).unwrap().as_str(),
            "+11234567890"
        );
        assert_eq!(
            parse("0921234567", Some(&region("TW"))).unwrap().as_str(),
            "+886921234567"
        );
        assert_eq!(
            parse("0151 1234 5678", Some(&region("DE")))
                .unwrap()
                .as_str(),
            "+4915112345678"
        );
    }

    #[test]
    fn e164_needs_no_region() {
        assert_eq!(
            parse("+1 (415) 555-0123", None).unwrap().as_str(),
            "+14155550123"
        );
    }

    #[test]
    fn without_a_region_or_with_a_wrong_length_a_number_is_refused() {
        assert!(parse("1234567890", None).unwrap_err().contains("region"));
        assert_eq!(
            parse("0151 123", Some(&region("DE"))).unwrap_err(),
            "is not a possible phone number in region DE"
        );
        assert!(parse("12345678901234567", Some(&region("US"))).is_err());
        assert!(parse("call me", Some(&region("US"))).is_err());
    }

    #[test]
    fn only_known_regions_are_known() {
        assert!(region_known(&region("TW")));
        assert!(!region_known(&region("XX")));
    }
}
