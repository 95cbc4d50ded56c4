//! Personalisation templates (Handlebars, as in the reference product).
//!
//! Invariants:
//! - A template is checked with [`analyse`] before it is stored; a stored template compiles.
//! - Variables are absolute paths under `profile.` or `context.`; `context.system` is reserved.
//! - HTML parts escape `{{x}}` (but not `{{{x}}}`); subject and text parts never escape.
//! - Rendering reads only the data it is given: no partials from disk, no helpers with I/O,
//!   and the output is capped at [`MAX_RENDERED_BYTES`].

use handlebars::template::{HelperTemplate, Parameter, TemplateElement};
use handlebars::{Handlebars, Path, Template};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// Largest rendered part accepted (a guard against runaway `#each` output).
pub const MAX_RENDERED_BYTES: usize = 1024 * 1024;

/// Whether a call must send a variable for the content to make sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Need {
    /// Used only inside a block (`#if`, `#each`, …) or as a block's condition: may be absent.
    Optional,
    /// Printed directly at the top level: a message without it would have a hole.
    Required,
}

/// What a template uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateInfo {
    /// Full paths such as `profile.person.name.firstName` or `context.resetUrl`, each with the
    /// strongest need of its uses.
    pub variables: BTreeMap<String, Need>,
}

impl TemplateInfo {
    /// Adds the variables of `other`; a variable required by either is required.
    pub fn merge(&mut self, other: TemplateInfo) {
        for (path, need) in other.variables {
            record(&mut self.variables, path, need);
        }
    }
}

fn record(out: &mut BTreeMap<String, Need>, path: String, need: Need) {
    let entry = out.entry(path).or_insert(need);
    *entry = (*entry).max(need);
}

/// Why a template was refused, with a 1-based position where the parser gives one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateProblem {
    Syntax {
        line: Option<usize>,
        column: Option<usize>,
        reason: String,
    },
    ReservedVariable(String),
}

impl fmt::Display for TemplateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateProblem::Syntax {
                line: Some(line),
                column: Some(column),
                reason,
            } => write!(f, "line {line}, column {column}: {reason}"),
            TemplateProblem::Syntax { reason, .. } => f.write_str(reason),
            TemplateProblem::ReservedVariable(name) => {
                write!(
                    f,
                    "uses {name}, which is reserved and cannot be used in content"
                )
            }
        }
    }
}

/// Parses a template and lists the variables it uses.
pub fn analyse(source: &str) -> Result<TemplateInfo, TemplateProblem> {
    let template = Template::compile(source).map_err(|e| {
        let (line, column) = e.pos().unzip();
        TemplateProblem::Syntax {
            line,
            column,
            reason: e.reason().to_string(),
        }
    })?;
    let mut info = TemplateInfo::default();
    collect_template(&template, Need::Required, &mut info.variables);
    if let Some(reserved) = info
        .variables
        .keys()
        .find(|v| *v == "context.system" || v.starts_with("context.system."))
    {
        return Err(TemplateProblem::ReservedVariable(reserved.clone()));
    }
    Ok(info)
}

/// `need` is what a plain `{{path}}` at this depth means: required at the top level, optional
/// inside any block.
fn collect_template(template: &Template, need: Need, out: &mut BTreeMap<String, Need>) {
    for element in &template.elements {
        match element {
            TemplateElement::Expression(h) | TemplateElement::HtmlExpression(h) => {
                let plain_value = h.params.is_empty() && h.hash.is_empty();
                collect_helper(h, if plain_value { need } else { Need::Optional }, out);
            }
            TemplateElement::HelperBlock(h) => collect_helper(h, Need::Optional, out),
            _ => {}
        }
    }
}

fn collect_helper(helper: &HelperTemplate, need: Need, out: &mut BTreeMap<String, Need>) {
    collect_parameter(&helper.name, need, out);
    for p in helper.params.iter().chain(helper.hash.values()) {
        collect_parameter(p, Need::Optional, out);
    }
    for block in [&helper.template, &helper.inverse].into_iter().flatten() {
        collect_template(block, Need::Optional, out);
    }
}

fn collect_parameter(parameter: &Parameter, need: Need, out: &mut BTreeMap<String, Need>) {
    match parameter {
        Parameter::Path(Path::Relative((_, raw))) => {
            let raw = raw.strip_prefix("@root.").unwrap_or(raw);
            if raw.starts_with("profile.") || raw.starts_with("context.") {
                record(out, raw.to_owned(), need);
            }
        }
        Parameter::Subexpression(sub) => {
            if let TemplateElement::Expression(h) | TemplateElement::HelperBlock(h) =
                sub.as_element()
            {
                collect_helper(h, Need::Optional, out);
            }
        }
        _ => {}
    }
}

/// A failure while rendering one message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{part}: {reason}")]
pub struct RenderProblem {
    pub part: &'static str,
    pub reason: String,
}

/// One rendered message (the parts its channel has; the others are empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub html_body: String,
    pub text_body: String,
}

/// Compiled templates of one campaign version, ready to render many recipients.
pub struct Renderer {
    escaped: Handlebars<'static>,
    verbatim: Handlebars<'static>,
}

impl fmt::Debug for Renderer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Renderer")
    }
}

impl Renderer {
    pub fn new(content: &crate::content::Content) -> Result<Self, RenderProblem> {
        let mut escaped = Handlebars::new();
        let mut verbatim = Handlebars::new();
        verbatim.register_escape_fn(handlebars::no_escape);
        let register = |hb: &mut Handlebars<'static>, name: &'static str, source: &str| {
            hb.register_template_string(name, source)
                .map_err(|e| RenderProblem {
                    part: name,
                    reason: e.to_string(),
                })
        };
        register(&mut escaped, "htmlBody", content.html_body())?;
        register(&mut verbatim, "subject", content.subject())?;
        register(&mut verbatim, "textBody", content.text_body())?;
        Ok(Self { escaped, verbatim })
    }

    /// Renders for one recipient. `data` is `{"profile": {...}, "context": {...}}`.
    pub fn render(&self, data: &Value) -> Result<Rendered, RenderProblem> {
        let subject = render_part(&self.verbatim, "subject", data)?;
        if subject.contains(['\r', '\n']) {
            return Err(RenderProblem {
                part: "subject",
                reason: "the rendered subject contains a line break".into(),
            });
        }
        Ok(Rendered {
            subject: subject.trim().to_owned(),
            html_body: render_part(&self.escaped, "htmlBody", data)?,
            text_body: render_part(&self.verbatim, "textBody", data)?,
        })
    }
}

fn render_part(
    hb: &Handlebars<'static>,
    part: &'static str,
    data: &Value,
) -> Result<String, RenderProblem> {
    let out = hb.render(part, data).map_err(|e| RenderProblem {
        part,
        reason: e.reason().to_string(),
    })?;
    if out.len() > MAX_RENDERED_BYTES {
        return Err(RenderProblem {
            part,
            reason: "the rendered text is larger than 1 MB".into(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::Channel;
    use crate::content::{Content, PushOptions};
    use serde_json::json;

    fn renderer(subject: &str, html: &str, text: &str) -> Renderer {
        let content =
            Content::parse(Channel::Email, subject, html, text, &PushOptions::default()).unwrap();
        Renderer::new(&content).unwrap()
    }

    #[test]
    fn profile_and_context_values_are_rendered() {
        let r = renderer(
            "Hi {{profile.person.name.firstName}}",
            "<a href=\"{{context.resetUrl}}\">Reset</a>",
            "Reset: {{context.resetUrl}}",
        );
        let out = r
            .render(&json!({
                "profile": {"person": {"name": {"firstName": "Jane"}}},
                "context": {"resetUrl": "https://x.test/r?a=1&b=2"}
            }))
            .unwrap();
        assert_eq!(out.subject, "Hi Jane");
        assert_eq!(
            out.html_body,
            "<a href=\"https://x.test/r?a&#x3D;1&amp;b&#x3D;2\">Reset</a>"
        );
        assert_eq!(out.text_body, "Reset: https://x.test/r?a=1&b=2");
    }

    #[test]
    fn html_is_escaped_only_in_the_html_part_and_only_for_double_braces() {
        let r = renderer(
            "{{context.x}}",
            "{{context.x}}|{{{context.x}}}",
            "{{context.x}}",
        );
        let out = r.render(&json!({"context": {"x": "<b>&"}})).unwrap();
        assert_eq!(out.subject, "<b>&");
        assert_eq!(out.html_body, "&lt;b&gt;&amp;|<b>&");
        assert_eq!(out.text_body, "<b>&");
    }

    #[test]
    fn block_helpers_and_nested_objects_work() {
        let r = renderer(
            "Order {{context.order.id}}",
            "{{#if profile.vip}}VIP{{else}}Hello{{/if}} {{#each context.items}}[{{this.name}}]{{/each}}",
            "",
        );
        let out = r
            .render(&json!({
                "profile": {"vip": false},
                "context": {"order": {"id": "A1"}, "items": [{"name": "a"}, {"name": "b"}]}
            }))
            .unwrap();
        assert_eq!(out.subject, "Order A1");
        assert_eq!(out.html_body, "Hello [a][b]");
    }

    #[test]
    fn a_value_with_a_line_break_cannot_reach_the_subject() {
        let r = renderer("Hi {{context.name}}", "x", "");
        let err = r
            .render(&json!({"context": {"name": "a\r\nBcc: evil@x.test"}}))
            .unwrap_err();
        assert_eq!(err.part, "subject");
    }

    #[test]
    fn variables_inside_blocks_and_helpers_are_found() {
        let info = analyse(
            "{{#if context.a}}{{context.b}}{{else}}{{profile.c}}{{/if}}{{#each context.items}}{{this}}{{/each}}",
        )
        .unwrap();
        let vars: Vec<_> = info.variables.into_keys().collect();
        assert_eq!(
            vars,
            ["context.a", "context.b", "context.items", "profile.c"]
        );
    }

    #[test]
    fn top_level_values_are_required_and_values_inside_blocks_are_optional() {
        let info = analyse(
            "{{context.url}} {{{context.raw}}} {{#if context.coupon}}{{context.coupon}} {{context.extra}}{{/if}} \
             {{#each context.items}}{{name}}{{/each}} {{lookup context.map \"k\"}}",
        )
        .unwrap();
        let need = |v: &str| info.variables[v];
        assert_eq!(need("context.url"), Need::Required);
        assert_eq!(need("context.raw"), Need::Required);
        assert_eq!(need("context.coupon"), Need::Optional);
        assert_eq!(need("context.extra"), Need::Optional);
        assert_eq!(need("context.items"), Need::Optional);
        assert_eq!(need("context.map"), Need::Optional);
    }

    #[test]
    fn a_variable_required_anywhere_is_required() {
        let mut info = analyse("{{#if context.name}}Hi {{context.name}}{{/if}}").unwrap();
        assert_eq!(info.variables["context.name"], Need::Optional);
        info.merge(analyse("Dear {{context.name}}").unwrap());
        assert_eq!(info.variables["context.name"], Need::Required);
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err = analyse("Hello\n{{#if context.a}}\nno end").unwrap_err();
        match err {
            TemplateProblem::Syntax { line, .. } => assert!(line.is_some()),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn context_system_is_reserved() {
        assert_eq!(
            analyse("{{context.system.id}}").unwrap_err(),
            TemplateProblem::ReservedVariable("context.system.id".into())
        );
    }
}
