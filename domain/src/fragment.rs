//! Fragments: named pieces of content (a header, a footer, a legal notice) that the campaigns
//! of a sandbox include with `{{> name}}`.
//!
//! Invariants:
//! - A fragment's body is a template that compiles on its own and includes no fragment, so an
//!   inclusion is one textual substitution before the content is checked and compiled, never
//!   a recursion; the content with its fragments expanded passes every check content does.
//! - A content version keeps the bodies of the fragments it includes as they were when it was
//!   written ([`Fragments`]). Editing a fragment changes no version: a campaign takes the new
//!   body in its next version (its next edit), so what was approved or is live stays as it is.
//! - Names are unique in a sandbox and never change: content refers to fragments by name.

use crate::error::{FieldError, ValidationError};
use crate::template;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The longest name, in characters.
pub const NAME_MAX: usize = 64;
/// Most bytes a fragment's body may hold.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Fragment bodies by name: those a sandbox has, or those a version includes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fragments(BTreeMap<String, String>);

impl Fragments {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

impl FromIterator<(String, String)> for Fragments {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// Where `{{> name}}` stands in a template: the tag's byte range and the name. Other partial
/// forms (`{{#> x}}`, `{{> x param}}`) are not inclusions; the template checks refuse them.
fn inclusions(source: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = source[from..].find("{{>") {
        let start = from + offset;
        let rest = &source[start + 3..];
        let name_at = rest.len() - rest.trim_start_matches(' ').len();
        let name_len = rest[name_at..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len() - name_at);
        let name = &rest[name_at..name_at + name_len];
        let after = rest[name_at + name_len..].trim_start_matches(' ');
        if !name.is_empty() && after.starts_with("}}") {
            let end = source.len() - after.len() + 2;
            found.push((start..end, name));
            from = end;
        } else {
            from = start + 3;
        }
    }
    found
}

/// The fragment names `source` includes.
pub fn included(source: &str) -> Vec<&str> {
    inclusions(source).into_iter().map(|(_, n)| n).collect()
}

/// `source` with each `{{> name}}` replaced by that fragment's body from `available`; the
/// bodies used are added to `used`, the names `available` lacks to `unknown` (and expand to
/// the tag as literal text, so the refusal of the content names only what is missing). `None`
/// when the result would be longer than `max_bytes`: it is never built past that, so a part
/// that includes a large fragment thousands of times costs no more memory than the limit.
pub fn expand(
    source: &str,
    available: &Fragments,
    used: &mut Fragments,
    unknown: &mut Vec<String>,
    max_bytes: usize,
) -> Option<String> {
    let mut out = String::with_capacity(source.len().min(max_bytes));
    let push = |out: &mut String, piece: &str| {
        (out.len() + piece.len() <= max_bytes).then(|| out.push_str(piece))
    };
    let mut last = 0;
    for (range, name) in inclusions(source) {
        push(&mut out, &source[last..range.start])?;
        match available.get(name) {
            Some(body) => {
                push(&mut out, body)?;
                used.0.insert(name.to_owned(), body.to_owned());
            }
            None => {
                push(&mut out, "\\")?;
                push(&mut out, &source[range.clone()])?;
                unknown.push(name.to_owned());
            }
        }
        last = range.end;
    }
    push(&mut out, &source[last..])?;
    Some(out)
}

/// Why `{{> name}}` cannot be included, in a marketer's words.
pub fn unknown_message(name: &str, available: &Fragments) -> String {
    let known: Vec<&str> = available.names().collect();
    if known.is_empty() {
        format!(
            "includes the fragment “{name}”, but this sandbox has no fragments yet (create them under Fragments)"
        )
    } else {
        format!(
            "includes the fragment “{name}”, which this sandbox does not have (it has: {})",
            known.join(", ")
        )
    }
}

/// A fragment as typed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FragmentInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub body: String,
}

/// A checked [`FragmentInput`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFragment {
    pub name: String,
    pub description: String,
    pub body: String,
}

impl NewFragment {
    /// Checks every field: a name that can be written in `{{> name}}`, a body that is a template
    /// on its own.
    pub fn parse(input: &FragmentInput) -> Result<Self, ValidationError> {
        let name = input.name.trim();
        let description = input.description.trim();
        let mut errors = Vec::new();
        if name.is_empty() {
            errors.push(FieldError::new("name", "a name is required"));
        } else if name.chars().count() > NAME_MAX
            || !name.starts_with(|c: char| c.is_ascii_lowercase())
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        {
            errors.push(FieldError::new(
                "name",
                format!(
                    "must start with a lowercase letter and hold only a-z, 0-9, - and _ (at most {NAME_MAX})"
                ),
            ));
        }
        if description.chars().count() > 500 {
            errors.push(FieldError::new(
                "description",
                "is longer than 500 characters",
            ));
        }
        if input.body.trim().is_empty() {
            errors.push(FieldError::new(
                "body",
                "the fragment's content is required",
            ));
        } else if input.body.len() > MAX_BODY_BYTES {
            errors.push(FieldError::new("body", "is larger than 64 KB"));
        } else if let Some(inner) = included(&input.body).first() {
            errors.push(FieldError::new(
                "body",
                format!("includes the fragment “{inner}”: a fragment cannot include another"),
            ));
        } else if let Err(e) = template::analyse(&input.body) {
            errors.push(FieldError::new("body", e.to_string()));
        }
        if errors.is_empty() {
            Ok(Self {
                name: name.to_owned(),
                description: description.to_owned(),
                body: input.body.clone(),
            })
        } else {
            Err(ValidationError::new("invalid_fragment", errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(pairs: &[(&str, &str)]) -> Fragments {
        pairs
            .iter()
            .map(|(n, b)| ((*n).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn inclusions_are_replaced_by_the_bodies_they_name() {
        let available = set(&[("footer", "<p>Bye {{profile.name}}</p>"), ("x", "X")]);
        let (mut used, mut unknown) = (Fragments::default(), Vec::new());
        let out = expand(
            "Hi{{> footer}} and {{>  footer }}{{> header}}",
            &available,
            &mut used,
            &mut unknown,
            1_000,
        )
        .unwrap();
        assert_eq!(
            out,
            "Hi<p>Bye {{profile.name}}</p> and <p>Bye {{profile.name}}</p>\\{{> header}}"
        );
        assert_eq!(used, set(&[("footer", "<p>Bye {{profile.name}}</p>")]));
        assert_eq!(unknown, ["header"]);
        // Never built past the limit: 2,000 inclusions of a 100-byte body against 10 KB.
        let big = set(&[("big", &"x".repeat(100))]);
        let many = "{{> big}}".repeat(2_000);
        let (mut used, mut unknown) = (Fragments::default(), Vec::new());
        assert_eq!(expand(&many, &big, &mut used, &mut unknown, 10_000), None);
        // Not inclusions: other partial forms stay for the template checks to refuse.
        assert_eq!(
            included("{{#> footer}}{{/footer}} {{> footer a=1}} {{>}}"),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn a_fragment_is_a_valid_template_that_includes_no_other() {
        let input = |name: &str, body: &str| FragmentInput {
            name: name.into(),
            description: String::new(),
            body: body.into(),
        };
        assert!(NewFragment::parse(&input("footer-2024_a", "<p>{{profile.x}}</p>")).is_ok());
        let fields = |r: Result<NewFragment, ValidationError>| {
            r.unwrap_err()
                .errors
                .into_iter()
                .map(|e| e.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(fields(NewFragment::parse(&input("Footer", "x"))), ["name"]);
        assert_eq!(fields(NewFragment::parse(&input("9a", "x"))), ["name"]);
        assert_eq!(fields(NewFragment::parse(&input("a", " "))), ["body"]);
        assert_eq!(
            fields(NewFragment::parse(&input("a", "{{#if x}}"))),
            ["body"]
        );
        assert_eq!(fields(NewFragment::parse(&input("a", "{{> b}}"))), ["body"]);
    }
}
