//! What a template may contain: checked on its source before it is compiled, then exactly on
//! the compiled tree.
//!
//! Invariants:
//! - No partials (`{{> x}}`, `{{#> x}}`) and no decorators (`{{*inline}}`, `{{#*inline}}`): the
//!   parts of a campaign cannot include each other or define templates of their own, so a render
//!   is one pass over the part's own text, never a recursion between parts.
//! - Helpers are those in [`HELPERS`] and nothing else (no `log`, no `raw`).
//! - Blocks nest at most [`MAX_NESTING`] deep (an `{{else if}}` branch counts as a level: it is
//!   a block inside the previous one) and subexpressions at most [`MAX_SUBEXPRESSION_DEPTH`].
//!   Compiling, rendering, walking and dropping a tree recurse once per level, so the depth is
//!   bounded on the source text first ([`check_source`], a scan without recursion that never
//!   under-counts), and only a shallow source is compiled.

use super::TemplateProblem;
use handlebars::template::{HelperTemplate, Parameter, TemplateElement};
use handlebars::{Path, Template};

/// The helpers a template may call, as the README documents them.
pub const HELPERS: [&str; 16] = [
    "if", "unless", "each", "with", "lookup", "eq", "ne", "gt", "gte", "lt", "lte", "and", "or",
    "not", "len", "default",
];

/// Deepest nesting of blocks (`{{#if}}` inside `{{#each}}` inside …; else-if branches count).
pub const MAX_NESTING: usize = 32;

/// Deepest nesting of subexpressions (`(eq (len x) 1)` is 2).
pub const MAX_SUBEXPRESSION_DEPTH: usize = 8;

/// Bounds the nesting of blocks and subexpressions on the source text, before compiling it.
/// Text the compiler treats as literal (comments, raw blocks, escaped `\{{`, string literals)
/// is skipped, so a close tag hidden there cannot lower the count.
pub(super) fn check_source(source: &str) -> Result<(), TemplateProblem> {
    let bytes = source.as_bytes();
    // Per open block: the levels it holds (1, plus one per else-if branch).
    let mut open: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(at) = find(bytes, i, b"{{") {
        if at > 0 && bytes[at - 1] == b'\\' {
            // `\{{…}}` is text up to its end.
            i = find(bytes, at + 2, b"}}").map_or(bytes.len(), |end| end + 2);
            continue;
        }
        if bytes[at..].starts_with(b"{{{{") {
            // A raw block: text up to its closing `{{{{/…}}}}`.
            i = find(bytes, at + 4, b"{{{{/").map_or(bytes.len(), |end| end + 5);
            continue;
        }
        let mut j = at + 2;
        while matches!(bytes.get(j), Some(b'{' | b'~' | b'&')) {
            j += 1;
        }
        if bytes[j..].starts_with(b"!--") {
            i = find(bytes, j, b"--}}").map_or(bytes.len(), |end| end + 4);
            continue;
        }
        if bytes.get(j) == Some(&b'!') {
            i = find(bytes, j, b"}}").map_or(bytes.len(), |end| end + 2);
            continue;
        }
        let (end, parens) = mustache_end(bytes, j);
        if parens > MAX_SUBEXPRESSION_DEPTH {
            return Err(TemplateProblem::TooDeep {
                what: "subexpressions",
                limit: MAX_SUBEXPRESSION_DEPTH,
            });
        }
        let body = source[j..end]
            .trim_end_matches('}')
            .trim_end_matches('~')
            .trim();
        let rest = |prefix: usize| body[prefix..].trim();
        if body.starts_with('#') || (body.starts_with('^') && !rest(1).is_empty()) {
            open.push(1);
            depth += 1;
        } else if body.starts_with('/') {
            depth -= open.pop().unwrap_or(0);
        } else if let Some(branch) = body.strip_prefix("else")
            && branch.starts_with(char::is_whitespace)
            && !branch.trim().is_empty()
            && let Some(levels) = open.last_mut()
        {
            *levels += 1;
            depth += 1;
        }
        if depth > MAX_NESTING {
            return Err(TemplateProblem::TooDeep {
                what: "blocks",
                limit: MAX_NESTING,
            });
        }
        i = end;
    }
    Ok(())
}

/// Where the mustache whose body starts at `from` ends (after its `}}`), and the deepest
/// parenthesis nesting in it, outside string literals.
fn mustache_end(bytes: &[u8], from: usize) -> (usize, usize) {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut quote = None;
    let mut k = from;
    while k < bytes.len() {
        let c = bytes[k];
        match quote {
            Some(_) if c == b'\\' => k += 1,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                b'"' | b'\'' => quote = Some(c),
                b'(' => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                b')' => depth = depth.saturating_sub(1),
                b'}' if bytes.get(k + 1) == Some(&b'}') => return (k + 2, deepest),
                _ => {}
            },
        }
        k += 1;
    }
    (bytes.len(), deepest)
}

fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Checks a compiled template: no partials or decorators, known helpers only, nesting within
/// the limits. Walks with its own stack, so a deep tree cannot overflow the thread's.
pub(super) fn check_compiled(template: &Template) -> Result<(), TemplateProblem> {
    let mut stack = vec![(template, 0usize)];
    while let Some((template, depth)) = stack.pop() {
        for element in &template.elements {
            match element {
                TemplateElement::Expression(h) | TemplateElement::HtmlExpression(h) => {
                    check_helper(h, 0)?;
                }
                TemplateElement::HelperBlock(h) => {
                    check_helper(h, 0)?;
                    if depth + 1 > MAX_NESTING {
                        return Err(TemplateProblem::TooDeep {
                            what: "blocks",
                            limit: MAX_NESTING,
                        });
                    }
                    for block in [&h.template, &h.inverse].into_iter().flatten() {
                        stack.push((block, depth + 1));
                    }
                }
                TemplateElement::PartialExpression(d) | TemplateElement::PartialBlock(d) => {
                    return Err(TemplateProblem::Partial(parameter_name(&d.name)));
                }
                TemplateElement::DecoratorExpression(d) | TemplateElement::DecoratorBlock(d) => {
                    return Err(TemplateProblem::Decorator(parameter_name(&d.name)));
                }
                TemplateElement::RawString(_) | TemplateElement::Comment(_) => {}
                // An element kind added by a later Handlebars: refused until it is checked.
                _ => return Err(TemplateProblem::Decorator("unknown".into())),
            }
        }
    }
    Ok(())
}

/// A helper call names a known helper; a plain `{{value}}` may name anything. Subexpressions
/// are checked to [`MAX_SUBEXPRESSION_DEPTH`].
fn check_helper(h: &HelperTemplate, sub_depth: usize) -> Result<(), TemplateProblem> {
    if sub_depth > MAX_SUBEXPRESSION_DEPTH {
        return Err(TemplateProblem::TooDeep {
            what: "subexpressions",
            limit: MAX_SUBEXPRESSION_DEPTH,
        });
    }
    let calls = h.block || !h.params.is_empty() || !h.hash.is_empty();
    if calls {
        let name = parameter_name(&h.name);
        if !HELPERS.contains(&name.as_str()) {
            return Err(TemplateProblem::UnknownHelper(name));
        }
    }
    for p in h.params.iter().chain(h.hash.values()) {
        if let Parameter::Subexpression(sub) = p
            && let TemplateElement::Expression(inner) | TemplateElement::HelperBlock(inner) =
                sub.as_element()
        {
            check_helper(inner, sub_depth + 1)?;
        }
    }
    Ok(())
}

fn parameter_name(p: &Parameter) -> String {
    match p {
        Parameter::Name(n) => n.clone(),
        Parameter::Path(Path::Relative((_, raw))) => raw.clone(),
        Parameter::Path(_) => "this".to_owned(),
        Parameter::Literal(v) => v.to_string(),
        _ => "(…)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(open: &str, close: &str, levels: usize) -> String {
        format!("{}x{}", open.repeat(levels), close.repeat(levels))
    }

    #[test]
    fn shallow_templates_pass_the_source_scan() {
        for ok in [
            "Hello {{profile.name}}",
            &nested("{{#if a}}", "{{/if}}", MAX_NESTING),
            "{{#if a}}1{{else if b}}2{{else}}3{{/if}}",
            "{{!-- {{#if a}} --}}{{! {{#if b}} }}\\{{#if c}} {{{{raw}}}}{{#if d}}{{{{/raw}}}}",
            "{{lookup a \"}}{{/if}}\"}}",
        ] {
            assert_eq!(check_source(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_on_the_source_in_every_spelling() {
        let too_deep = MAX_NESTING + 1;
        let blocks = TemplateProblem::TooDeep {
            what: "blocks",
            limit: MAX_NESTING,
        };
        for source in [
            nested("{{#if a}}", "{{/if}}", too_deep),
            nested("{{#each a}}", "{{/each}}", too_deep),
            nested("{{^a}}", "{{/a}}", too_deep),
            nested("{{~#if a~}}", "{{~/if~}}", too_deep),
            format!(
                "{{{{#if a}}}}{}{{{{/if}}}}",
                "{{else if b}}".repeat(too_deep)
            ),
            // Close tags hidden where the compiler sees text do not lower the count.
            "{{#if a}}{{!-- {{/if}} --}}".repeat(too_deep),
            "{{#if a}}\\{{/if}}".repeat(too_deep),
            "{{#if a}}{{lookup x \"}}{{/if}}\"}}".repeat(too_deep),
        ] {
            assert_eq!(check_source(&source), Err(blocks.clone()), "{source:.60}");
        }
        let parens = format!("{{{{eq {}1{} 1}}}}", "(len ".repeat(9), ")".repeat(9));
        assert!(matches!(
            check_source(&parens),
            Err(TemplateProblem::TooDeep {
                what: "subexpressions",
                ..
            })
        ));
    }

    #[test]
    fn partials_decorators_and_unknown_helpers_are_refused_when_compiled() {
        let check = |s: &str| check_compiled(&Template::compile(s).unwrap());
        assert_eq!(
            check("{{> textBody}}"),
            Err(TemplateProblem::Partial("textBody".into()))
        );
        assert!(matches!(
            check("{{#> layout}}x{{/layout}}"),
            Err(TemplateProblem::Partial(_))
        ));
        assert!(matches!(
            check("{{#*inline \"p\"}}x{{/inline}}"),
            Err(TemplateProblem::Decorator(_))
        ));
        assert_eq!(
            check("{{log context.secret}}"),
            Err(TemplateProblem::UnknownHelper("log".into()))
        );
        assert!(matches!(
            check("{{#raw}}x{{/raw}}"),
            Err(TemplateProblem::UnknownHelper(_))
        ));
        assert_eq!(
            check("{{#if (eq (len context.items) 1)}}one{{else if context.x}}x{{/if}}"),
            Ok(())
        );
    }
}
