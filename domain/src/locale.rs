//! Language variants: a campaign's content in other locales, chosen per recipient from a
//! profile attribute.
//!
//! Invariants:
//! - Locales are kept in one spelling (`fr`, `fr-CA`, `zh-Hant-TW`, `es-419`): the language in
//!   lower case, a script in title case, a region in upper case, joined by `-`.
//! - A recipient's locale picks a variant by RFC 4647 lookup: the exact locale, then the same
//!   with its last subtag dropped, and so on (`fr-CA` → `fr`); failing all, the default
//!   content. Case and `_` in the profile's value do not matter.
//! - A variant part left empty falls back to the default content's part (the review warns).

use crate::error::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The profile attribute that holds a recipient's language unless the campaign names another.
pub const DEFAULT_LOCALE_ATTRIBUTE: &str = "preferredLanguage";
/// Most variants a campaign may have.
pub const MAX_VARIANTS: usize = 50;

/// A language tag: language (2–3 letters), then optionally a script (4 letters) and a region
/// (2 letters or 3 digits).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Locale(String);

impl Locale {
    /// Reads a tag in any case, with `-` or `_` between subtags.
    pub fn parse(raw: &str) -> Option<Self> {
        let mut subtags = raw.trim().split(['-', '_']);
        let language = subtags.next()?;
        if !(2..=3).contains(&language.len()) || !language.chars().all(|c| c.is_ascii_alphabetic())
        {
            return None;
        }
        let mut tag = language.to_ascii_lowercase();
        let mut seen_script = false;
        let mut seen_region = false;
        for subtag in subtags {
            let alphabetic = subtag.chars().all(|c| c.is_ascii_alphabetic());
            let numeric = subtag.chars().all(|c| c.is_ascii_digit());
            tag.push('-');
            if subtag.len() == 4 && alphabetic && !seen_script && !seen_region {
                seen_script = true;
                tag.push_str(&subtag[..1].to_ascii_uppercase());
                tag.push_str(&subtag[1..].to_ascii_lowercase());
            } else if ((subtag.len() == 2 && alphabetic) || (subtag.len() == 3 && numeric))
                && !seen_region
            {
                seen_region = true;
                tag.push_str(&subtag.to_ascii_uppercase());
            } else {
                return None;
            }
        }
        Some(Self(tag))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// This locale, then each shorter prefix of it: `zh-Hant-TW`, `zh-Hant`, `zh`.
    pub fn lookup_chain(&self) -> impl Iterator<Item = &str> {
        let tag = self.0.as_str();
        std::iter::successors(Some(tag), |t| t.rsplit_once('-').map(|(head, _)| head))
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Locale {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse(&raw).ok_or_else(|| format!("{raw:?} is not a language tag"))
    }
}

impl From<Locale> for String {
    fn from(locale: Locale) -> String {
        locale.0
    }
}

/// Which of `locales` (the variants') serves someone whose profile says `wanted`; `None`: the
/// default content.
pub fn pick<'a>(locales: impl Iterator<Item = &'a Locale> + Clone, wanted: &str) -> Option<usize> {
    let wanted = Locale::parse(wanted)?;
    wanted
        .lookup_chain()
        .find_map(|tag| locales.clone().position(|l| l.as_str() == tag))
}

/// A profile attribute path such as `preferredLanguage` or `person.locale` (a leading
/// `profile.` is dropped): 1 to 200 characters of letters, digits, `_` and `.`.
pub fn parse_attribute(raw: &str) -> Result<String, FieldError> {
    let path = raw.trim();
    let path = path.strip_prefix("profile.").unwrap_or(path);
    let valid = (1..=200).contains(&path.len())
        && path.split('.').all(|segment| {
            !segment.is_empty()
                && segment
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
    if valid {
        Ok(path.to_owned())
    } else {
        Err(FieldError::new(
            "localeAttribute",
            "must be a profile attribute path such as preferredLanguage or person.locale",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locales(tags: &[&str]) -> Vec<Locale> {
        tags.iter().map(|t| Locale::parse(t).unwrap()).collect()
    }

    #[test]
    fn tags_are_read_in_any_case_and_kept_in_one_spelling() {
        let spelled = |raw| Locale::parse(raw).map(String::from);
        assert_eq!(spelled("fr"), Some("fr".into()));
        assert_eq!(spelled(" FR_ca "), Some("fr-CA".into()));
        assert_eq!(spelled("zh-hant-tw"), Some("zh-Hant-TW".into()));
        assert_eq!(spelled("es-419"), Some("es-419".into()));
        for bad in [
            "",
            "f",
            "fren",
            "fr-",
            "fr-CAN",
            "fr-CA-Latn",
            "fr-1",
            "fr CA",
            "12",
        ] {
            assert_eq!(Locale::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_fallback_chain_drops_subtags_then_gives_the_default() {
        let variants = locales(&["fr", "fr-CA", "zh-Hant", "de-CH"]);
        let pick = |wanted| pick(variants.iter(), wanted);
        assert_eq!(pick("fr-CA"), Some(1), "exact match first");
        assert_eq!(pick("fr_ca"), Some(1));
        assert_eq!(pick("fr-BE"), Some(0), "then the language");
        assert_eq!(pick("fr"), Some(0));
        assert_eq!(pick("zh-Hant-HK"), Some(2), "then the script");
        assert_eq!(
            pick("de"),
            None,
            "a language never picks one of its regions"
        );
        assert_eq!(pick("en-US"), None, "no variant: the default content");
        assert_eq!(pick("not a tag"), None);
    }

    #[test]
    fn attributes_are_profile_paths() {
        assert_eq!(
            parse_attribute("profile.person.locale").unwrap(),
            "person.locale"
        );
        assert_eq!(
            parse_attribute(" preferredLanguage ").unwrap(),
            "preferredLanguage"
        );
        for bad in ["", "a..b", "a b", "profile.", "x.{{y}}"] {
            assert!(parse_attribute(bad).is_err(), "{bad:?}");
        }
    }
}
