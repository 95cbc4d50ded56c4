//! Template syntax errors in words a marketer can act on, pointing at their cause.
//!
//! Handlebars' parser reports where it gave up (often the end of the text) and what grammar
//! rules it expected there. Most mistakes are a `{{` never closed, a block never closed, or
//! a block closed by the wrong name; [`explain`] finds those by scanning the mustaches, with
//! the position of the mustache that caused them.

/// One mustache: where it starts (1-based line and column, in characters) and its inside.
struct Mustache<'a> {
    line: usize,
    column: usize,
    inner: &'a str,
}

/// A plain explanation of why `source` does not parse, with the line and column of its cause;
/// `None` when the scan finds nothing wrong (the caller then reports the parser's position).
pub fn explain(source: &str) -> Option<(usize, usize, String)> {
    let mut open: Vec<(&str, usize, usize)> = Vec::new();
    for mustache in mustaches(source) {
        let Mustache {
            line,
            column,
            inner,
        } = match mustache {
            Ok(m) => m,
            Err((line, column)) => {
                return Some((
                    line,
                    column,
                    format!("`{{{{` on line {line}, column {column} is never closed — add `}}}}`"),
                ));
            }
        };
        let inner = inner.trim_matches('~').trim();
        if let Some(rest) = inner.strip_prefix('#').or_else(|| inner.strip_prefix('^')) {
            let name = rest.trim_start_matches('>').split_whitespace().next();
            if let Some(name) = name.filter(|n| !n.is_empty()) {
                open.push((name, line, column));
            }
        } else if let Some(rest) = inner.strip_prefix('/') {
            let name = rest.trim();
            match open.pop() {
                None => {
                    return Some((
                        line,
                        column,
                        format!(
                            "`{{{{/{name}}}}}` on line {line}, column {column} closes no block — \
                             remove it, or open the block with `{{{{#{name} …}}}}` before it"
                        ),
                    ));
                }
                Some((opened, at_line, at_column)) if opened != name => {
                    return Some((
                        at_line,
                        at_column,
                        format!(
                            "`{{{{#{opened}}}}}` opened on line {at_line}, column {at_column} is \
                             closed by `{{{{/{name}}}}}` on line {line}, column {column} — close it \
                             with `{{{{/{opened}}}}}` first"
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
    }
    open.pop().map(|(name, line, column)| {
        (
            line,
            column,
            format!(
                "`{{{{#{name}}}}}` opened on line {line}, column {column} is never closed — add \
                 `{{{{/{name}}}}}`"
            ),
        )
    })
}

/// The mustaches of `source` in order; an unclosed one ends the scan with its position.
/// Comments are skipped and `\{{` is text, as Handlebars has them.
fn mustaches(source: &str) -> impl Iterator<Item = Result<Mustache<'_>, (usize, usize)>> {
    let mut rest = source;
    let mut consumed = 0;
    let mut done = false;
    std::iter::from_fn(move || {
        loop {
            if done {
                return None;
            }
            let Some(open) = rest.find("{{") else {
                done = true;
                return None;
            };
            let start = consumed + open;
            let escaped = source[..start].ends_with('\\');
            let after = &rest[open..];
            let (prefix, closer) = if after.starts_with("{{!--") {
                ("{{!--", "--}}")
            } else if after.starts_with("{{{") {
                ("{{{", "}}}")
            } else {
                ("{{", "}}")
            };
            let Some(end) = after[prefix.len()..].find(closer) else {
                done = true;
                if escaped {
                    return None;
                }
                let (line, column) = position(source, start);
                return Some(Err((line, column)));
            };
            let inner = &after[prefix.len()..prefix.len() + end];
            let length = open + prefix.len() + end + closer.len();
            consumed += length;
            rest = &rest[length..];
            if escaped || prefix == "{{!--" || inner.starts_with('!') {
                continue;
            }
            let (line, column) = position(source, start);
            return Some(Ok(Mustache {
                line,
                column,
                inner,
            }));
        }
    })
}

/// 1-based line and column (in characters) of byte `offset`.
fn position(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::explain;

    #[test]
    fn an_unclosed_block_is_named_where_it_was_opened() {
        let source = "<p>Hi</p>\n<p>\n\n   {{#if context.vip}}VIP<p>\n<p>Bye</p>";
        assert_eq!(
            explain(source),
            Some((
                4,
                4,
                "`{{#if}}` opened on line 4, column 4 is never closed — add `{{/if}}`".to_owned()
            ))
        );
    }

    #[test]
    fn a_wrong_or_stray_closer_is_named() {
        let (line, column, message) =
            explain("{{#each context.items}}{{#if this}}x{{/each}}{{/if}}").unwrap();
        assert_eq!((line, column), (1, 24));
        assert!(
            message.contains("`{{#if}}` opened on line 1, column 24"),
            "{message}"
        );
        assert!(
            message.contains("close it with `{{/if}}` first"),
            "{message}"
        );
        let (line, column, message) = explain("a\nb {{/if}}").unwrap();
        assert_eq!((line, column), (2, 3));
        assert!(message.starts_with("`{{/if}}` on line 2, column 3 closes no block"));
    }

    #[test]
    fn an_unclosed_mustache_is_named() {
        assert_eq!(
            explain("Hello {{profile.name, welcome").map(|(l, c, _)| (l, c)),
            Some((1, 7))
        );
    }

    #[test]
    fn valid_templates_comments_raw_and_escapes_are_fine() {
        for ok in [
            "{{#if a}}x{{else}}y{{/if}}",
            "{{{context.html}}} {{!-- {{#if}} --}} {{! {{#each}} }}",
            "\\{{#if not a block",
            "{{#each context.items as |item|}}{{item}}{{/each}}",
            "{{~#if a~}} x {{~/if~}}",
        ] {
            assert_eq!(explain(ok), None, "{ok}");
        }
    }
}
