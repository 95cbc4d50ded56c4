//! Side-by-side differences between two versions of a campaign's content, part by part (subject,
//! bodies, push options, each language variant). Only changed parts are listed; inside a part,
//! unchanged lines farther than [`CONTEXT`] lines from a change fold into one "unchanged" row.
//! A diff that takes longer than [`TIME_LIMIT`] is approximated (coarser, never wrong), so two
//! large hostile bodies cannot hold a server thread.

use crate::channel::Channel;
use crate::content::{Content, ContentInput, PushOptions, VariantInput};
use crate::review::part_label;
use similar::{DiffTag, TextDiff};
use std::time::Duration;

/// Unchanged lines kept around each change.
pub const CONTEXT: usize = 3;
const TIME_LIMIT: Duration = Duration::from_millis(200);

/// One changed part: its label and its rows.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PartDiff {
    /// "Subject", "HTML body", "fr · Text body", "Push link", …
    pub part: String,
    pub rows: Vec<DiffRow>,
}

/// One row of the side-by-side table.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum DiffRow {
    /// The same line on both sides.
    Same { old: Line, new: Line },
    /// A line of the older version replaced by one of the newer.
    Changed { old: Line, new: Line },
    /// A line only the older version has.
    Removed(Line),
    /// A line only the newer version has.
    Added(Line),
    /// Unchanged lines left out.
    Folded { lines: usize },
}

/// A line and its number (from 1) in its part.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Line {
    pub number: usize,
    pub text: String,
}

/// The parts that differ from `old` to `new`, in the order the form shows them.
pub fn compare(old: &ContentInput, new: &ContentInput) -> Vec<PartDiff> {
    let channel = new.channel;
    let mut parts = Vec::new();
    let mut part = |label: String, old: &str, new: &str| {
        if old != new {
            parts.push(PartDiff {
                part: label,
                rows: rows(old, new),
            });
        }
    };
    let named = |name: &str| capitalised(part_label(channel, name));
    for (name, old_text, new_text) in text_parts(channel, old, new) {
        part(named(name), old_text, new_text);
    }
    if channel == Channel::Push {
        part(
            "Push options".into(),
            &push_lines(&old.push),
            &push_lines(&new.push),
        );
    }
    part(
        "Language attribute".into(),
        &old.locale_attribute,
        &new.locale_attribute,
    );
    let empty = |locale: &str| VariantInput {
        locale: locale.to_owned(),
        ..VariantInput::default()
    };
    let mut locales: Vec<&str> = new.variants.iter().map(|v| v.locale.as_str()).collect();
    for v in &old.variants {
        if !locales.contains(&v.locale.as_str()) {
            locales.push(&v.locale);
        }
    }
    for locale in locales {
        let find = |c: &ContentInput| {
            c.variants
                .iter()
                .find(|v| v.locale == locale)
                .cloned()
                .unwrap_or_else(|| empty(locale))
        };
        let (o, n) = (find(old), find(new));
        for (name, old_text, new_text) in variant_parts(channel, &o, &n) {
            part(format!("{locale} · {}", named(name)), old_text, new_text);
        }
    }
    parts
}

/// The parts that differ between two versions' contents, then the fragments they include whose
/// bodies differ ("Fragment “footer”": an edit of the fragment taken by the newer version).
pub fn compare_content(old: &Content, new: &Content) -> Vec<PartDiff> {
    let mut parts = compare(&old.to_input(), &new.to_input());
    let (old, new) = (old.fragments(), new.fragments());
    let mut names: Vec<&str> = new.names().chain(old.names()).collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let (before, after) = (old.get(name).unwrap_or(""), new.get(name).unwrap_or(""));
        if before != after {
            parts.push(PartDiff {
                part: format!("Fragment “{name}”"),
                rows: rows(before, after),
            });
        }
    }
    parts
}

/// The text parts a channel has, with the form's field names.
fn text_parts<'a>(
    channel: Channel,
    old: &'a ContentInput,
    new: &'a ContentInput,
) -> Vec<(&'static str, &'a str, &'a str)> {
    let all = [
        ("subject", old.subject.as_str(), new.subject.as_str()),
        ("preheader", &old.preheader, &new.preheader),
        ("htmlBody", &old.html_body, &new.html_body),
        ("textBody", &old.text_body, &new.text_body),
    ];
    all.into_iter()
        .filter(|(name, ..)| used(channel, name))
        .collect()
}

fn variant_parts<'a>(
    channel: Channel,
    old: &'a VariantInput,
    new: &'a VariantInput,
) -> Vec<(&'static str, &'a str, &'a str)> {
    let all = [
        ("subject", old.subject.as_str(), new.subject.as_str()),
        ("preheader", &old.preheader, &new.preheader),
        ("htmlBody", &old.html_body, &new.html_body),
        ("textBody", &old.text_body, &new.text_body),
    ];
    all.into_iter()
        .filter(|(name, ..)| used(channel, name))
        .collect()
}

/// Whether the channel's form has the part.
fn used(channel: Channel, name: &str) -> bool {
    match channel {
        Channel::Email => true,
        Channel::Sms => name == "textBody",
        Channel::Push => matches!(name, "subject" | "textBody"),
    }
}

/// Push options as lines a person reads: link, image, then each custom key.
fn push_lines(push: &PushOptions) -> String {
    let mut lines = vec![
        format!(
            "On tap: {}",
            push.link.as_deref().unwrap_or("opens the app")
        ),
        format!("Image: {}", push.image_url.as_deref().unwrap_or("none")),
    ];
    lines.extend(push.data.iter().map(|(k, v)| format!("{k} = {v}")));
    lines.join("\n")
}

fn capitalised(label: &str) -> String {
    let mut chars = label.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The side-by-side rows of two texts: replaced lines pair up as changed, the rest of a
/// replacement is removed or added; unchanged runs outside the context fold.
fn rows(old: &str, new: &str) -> Vec<DiffRow> {
    let diff = TextDiff::configure()
        .timeout(TIME_LIMIT)
        .diff_lines(old, new);
    let (old_lines, new_lines) = (lines(old), lines(new));
    let line = |lines: &[&str], i: usize| Line {
        number: i + 1,
        text: lines[i].to_owned(),
    };
    let mut rows = Vec::new();
    let mut shown_until = 0;
    for group in diff.grouped_ops(CONTEXT) {
        let first_old = group.first().map_or(0, |op| op.old_range().start);
        if first_old > shown_until {
            rows.push(DiffRow::Folded {
                lines: first_old - shown_until,
            });
        }
        for op in group {
            let (tag, o, n) = op.as_tag_tuple();
            match tag {
                DiffTag::Equal => rows.extend(o.zip(n).map(|(i, j)| DiffRow::Same {
                    old: line(&old_lines, i),
                    new: line(&new_lines, j),
                })),
                DiffTag::Delete => rows.extend(o.map(|i| DiffRow::Removed(line(&old_lines, i)))),
                DiffTag::Insert => rows.extend(n.map(|j| DiffRow::Added(line(&new_lines, j)))),
                DiffTag::Replace => {
                    let paired = o.len().min(n.len());
                    rows.extend(o.clone().zip(n.clone()).map(|(i, j)| DiffRow::Changed {
                        old: line(&old_lines, i),
                        new: line(&new_lines, j),
                    }));
                    rows.extend(
                        o.skip(paired)
                            .map(|i| DiffRow::Removed(line(&old_lines, i))),
                    );
                    rows.extend(n.skip(paired).map(|j| DiffRow::Added(line(&new_lines, j))));
                }
            }
            shown_until = op.old_range().end;
        }
    }
    if old_lines.len() > shown_until {
        rows.push(DiffRow::Folded {
            lines: old_lines.len() - shown_until,
        });
    }
    rows
}

/// The lines `similar` numbers: an empty text has none.
fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(subject: &str, html: &str) -> ContentInput {
        ContentInput {
            channel: Channel::Email,
            subject: subject.into(),
            html_body: html.into(),
            ..ContentInput::default()
        }
    }

    #[test]
    fn only_changed_parts_are_listed() {
        let old = email("Hello", "<p>Hi</p>");
        let new = email("Hello again", "<p>Hi</p>");
        let diff = compare(&old, &new);
        assert_eq!(diff.len(), 1);
        assert_eq!(diff[0].part, "Subject");
        assert_eq!(
            diff[0].rows,
            [DiffRow::Changed {
                old: Line {
                    number: 1,
                    text: "Hello".into()
                },
                new: Line {
                    number: 1,
                    text: "Hello again".into()
                },
            }]
        );
        assert!(compare(&old, &old).is_empty());
    }

    #[test]
    fn far_unchanged_lines_fold_and_uneven_replacements_add() {
        let old_body: Vec<String> = (1..=20).map(|i| format!("line {i}")).collect();
        let mut new_body = old_body.clone();
        new_body[10] = "line eleven".into();
        new_body.insert(11, "an extra line".into());
        let diff = compare(
            &email("s", &old_body.join("\n")),
            &email("s", &new_body.join("\n")),
        );
        assert_eq!(diff[0].part, "HTML body");
        let rows = &diff[0].rows;
        assert_eq!(rows.first(), Some(&DiffRow::Folded { lines: 7 }));
        assert_eq!(rows.last(), Some(&DiffRow::Folded { lines: 6 }));
        assert!(rows.contains(&DiffRow::Changed {
            old: Line {
                number: 11,
                text: "line 11".into()
            },
            new: Line {
                number: 11,
                text: "line eleven".into()
            },
        }));
        assert!(rows.contains(&DiffRow::Added(Line {
            number: 12,
            text: "an extra line".into()
        })));
        let same = rows
            .iter()
            .filter(|r| matches!(r, DiffRow::Same { .. }))
            .count();
        assert_eq!(same, 2 * CONTEXT);
    }

    #[test]
    fn variants_and_push_options_are_compared_by_locale_and_key() {
        let mut old = ContentInput {
            channel: Channel::Push,
            subject: "Title".into(),
            text_body: "Body".into(),
            locale_attribute: "person.lang".into(),
            variants: vec![VariantInput {
                locale: "fr".into(),
                subject: "Titre".into(),
                ..VariantInput::default()
            }],
            ..ContentInput::default()
        };
        let mut new = old.clone();
        new.variants = vec![VariantInput {
            locale: "de".into(),
            subject: "Titel".into(),
            ..VariantInput::default()
        }];
        new.push.data.insert("screen".into(), "offers".into());
        old.html_body = "ignored: push has no HTML body".into();
        let parts: Vec<String> = compare(&old, &new).into_iter().map(|p| p.part).collect();
        assert_eq!(parts, ["Push options", "de · Title", "fr · Title"]);
    }
}
