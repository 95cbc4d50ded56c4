//! Personalisation templates (Handlebars, as in the reference product).
//!
//! Invariants:
//! - A template is checked with [`analyse`] before it is stored; a stored template compiles.
//! - Variables are absolute paths under `profile.` or `context.`; `context.system` is reserved.
//! - HTML parts escape `{{x}}` (but not `{{{x}}}`); subject and text parts never escape.
//! - Rendering reads only the data it is given: no partials, no decorators, only the helpers
//!   in [`HELPERS`] (none with I/O, no `log`); nesting is bounded before compiling
//!   ([`guard`]), and output, loop iterations and time are bounded while rendering
//!   ([`budget`]). A template either renders within those limits or is refused with the limit
//!   it hit; it never takes the thread's stack or the process's memory.

mod budget;
mod guard;
mod syntax;

pub use budget::{Limit, MAX_ITERATIONS, MAX_RENDERED_BYTES, RENDER_TIME_BUDGET};
pub use guard::{HELPERS, MAX_NESTING, MAX_SUBEXPRESSION_DEPTH};

use crate::locale::Locale;
use crate::parts::Parts;
use budget::{Budget, Capped};
use handlebars::template::{HelperTemplate, Parameter, TemplateElement};
use handlebars::{Context, Handlebars, Path, Template};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

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
    /// What the parser could not read, where it stopped.
    Syntax {
        line: Option<usize>,
        column: Option<usize>,
        reason: String,
    },
    /// A mustache or block never closed, or closed wrongly: `message` names it, its position
    /// (`line`, `column`: where the cause is) and the fix.
    Unbalanced {
        line: usize,
        column: usize,
        message: String,
    },
    ReservedVariable(String),
    /// A partial left after fragments were expanded (`{{#> x}}`, `{{> x param}}`): parts
    /// include fragments only, as `{{> name}}`.
    Partial(String),
    /// `{{#*inline}}` and other decorators.
    Decorator(String),
    /// A helper Herald does not have.
    UnknownHelper(String),
    /// Nested deeper than `limit` (`what`: blocks or subexpressions).
    TooDeep {
        what: &'static str,
        limit: usize,
    },
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
            TemplateProblem::Unbalanced { message, .. } => f.write_str(message),
            TemplateProblem::ReservedVariable(name) => {
                write!(
                    f,
                    "uses {name}, which is reserved and cannot be used in content"
                )
            }
            TemplateProblem::Partial(name) => write!(
                f,
                "includes another template in a form Herald does not support ({name}): include a fragment as {{{{> name}}}}, with nothing else in the braces"
            ),
            TemplateProblem::Decorator(name) => write!(
                f,
                "uses the decorator *{name} (such as inline partials), which Herald does not support"
            ),
            TemplateProblem::UnknownHelper(name) => write!(
                f,
                "uses the helper {name}, which Herald does not have (helpers: {})",
                HELPERS.join(", ")
            ),
            TemplateProblem::TooDeep { what, limit } => {
                write!(f, "nests {what} more than {limit} deep (the limit)")
            }
        }
    }
}

/// Parses a template and lists the variables it uses.
pub fn analyse(source: &str) -> Result<TemplateInfo, TemplateProblem> {
    let template = compile(source)?;
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

/// Compiles a template that passes every check of [`guard`].
fn compile(source: &str) -> Result<Template, TemplateProblem> {
    guard::check_source(source)?;
    let template = Template::compile(source).map_err(|e| {
        if let Some((line, column, message)) = syntax::explain(source) {
            return TemplateProblem::Unbalanced {
                line,
                column,
                message,
            };
        }
        let (line, column) = e.pos().unzip();
        let reason = match e.reason() {
            // The grammar rules it expected: jargon to a marketer.
            handlebars::TemplateErrorReason::InvalidSyntax(_) => {
                "this expression cannot be read: check its braces, quotes and spaces".to_owned()
            }
            other => other.to_string(),
        };
        TemplateProblem::Syntax {
            line,
            column,
            reason,
        }
    })?;
    guard::check_compiled(&template)?;
    Ok(template)
}

/// The helper that [`instrumented`] puts at the start of every `#each` body: one loop turn.
const TICK_HELPER: &str = "__herald_loop_turn";

/// `template` with a call of [`TICK_HELPER`] at the start of each `#each` body, so every
/// iteration is charged to the message's budget (the built-in `each` has no hook of its own).
fn instrumented(mut template: Template) -> Template {
    let tick = Template::compile(&format!("{{{{{TICK_HELPER}}}}}"))
        .expect("the loop-turn call compiles")
        .elements
        .remove(0);
    let mut stack = vec![&mut template];
    while let Some(t) = stack.pop() {
        for element in &mut t.elements {
            if let TemplateElement::HelperBlock(h) = element {
                if matches!(&h.name, Parameter::Name(n) if n == "each")
                    && let Some(body) = h.template.as_mut()
                {
                    body.elements.insert(0, tick.clone());
                    if let Some(first) = body.mapping.first().cloned() {
                        body.mapping.insert(0, first);
                    }
                }
                stack.extend(h.template.as_mut());
                stack.extend(h.inverse.as_mut());
            }
        }
    }
    template
}

// `{{default value "fallback"}}`: the value, or the fallback where it is missing, null or an
// empty (or blank) text. Its output is escaped like any `{{…}}`.
handlebars::handlebars_helper!(DefaultHelper: |value: Json, fallback: Json| {
    let empty = match value {
        Value::Null => true,
        Value::String(text) => text.trim().is_empty(),
        _ => false,
    };
    if empty { fallback.clone() } else { value.clone() }
});

/// A registry with only the documented helpers, plus the loop-turn counter.
fn registry(escape: bool) -> Handlebars<'static> {
    let mut hb = Handlebars::new();
    if !escape {
        hb.register_escape_fn(handlebars::no_escape);
    }
    for builtin in ["log", "raw"] {
        hb.unregister_helper(builtin);
    }
    hb.register_helper("default", Box::new(DefaultHelper));
    hb.register_helper(
        TICK_HELPER,
        Box::new(
            |_: &handlebars::Helper<'_>,
             _: &Handlebars<'_>,
             _: &Context,
             _: &mut handlebars::RenderContext<'_, '_>,
             _: &mut dyn handlebars::Output|
             -> handlebars::HelperResult {
                budget::tick()
                    .map_err(|limit| handlebars::RenderErrorReason::Other(limit.reason()).into())
            },
        ),
    );
    hb
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

/// One rendered message (the parts its channel has; the others are empty). An email's
/// preheader is already inside `html_body`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub html_body: String,
    pub text_body: String,
    /// The variant used; `None`: the default content.
    pub locale: Option<Locale>,
}

/// Compiled templates of one campaign version, ready to render many recipients. The default
/// content's parts are registered under their names (`subject`, …), variant `i`'s non-empty
/// parts as `subject@i`, ….
pub struct Renderer {
    escaped: Handlebars<'static>,
    verbatim: Handlebars<'static>,
    locale_attribute: String,
    /// Per variant: its locale, and which parts it has (in [`Parts::named`] order).
    variants: Vec<(Locale, [bool; 4])>,
}

impl fmt::Debug for Renderer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Renderer")
    }
}

/// Which variant to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick<'a> {
    /// The one the recipient's profile asks for (through the locale attribute).
    FromProfile,
    /// This locale's (the editor's preview of the variant being edited); `None`: the default.
    Locale(Option<&'a Locale>),
}

impl Renderer {
    /// Compiles every part, checked as [`analyse`] checks it (content stored before a check
    /// existed is refused here rather than rendered).
    /// `parts` serve recipients no variant does; `variants` are each locale's parts.
    pub fn new<'a>(
        parts: &Parts,
        locale_attribute: &str,
        variants: impl IntoIterator<Item = (&'a Locale, &'a Parts)>,
    ) -> Result<Self, RenderProblem> {
        let mut escaped = registry(true);
        let mut verbatim = registry(false);
        // Registers one set of parts under `suffix`; returns which parts it has. A variant's
        // empty part is left out (it falls back to the default's); the default registers all.
        let mut register = |parts: &Parts, suffix: &str| {
            let mut present = [false; 4];
            for (slot, (part, source)) in parts.named().into_iter().enumerate() {
                if !suffix.is_empty() && source.trim().is_empty() {
                    continue;
                }
                present[slot] = true;
                let hb = if part == "htmlBody" {
                    &mut escaped
                } else {
                    &mut verbatim
                };
                let template = compile(source).map_err(|e| RenderProblem {
                    part,
                    reason: e.to_string(),
                })?;
                hb.register_template(&format!("{part}{suffix}"), instrumented(template));
            }
            Ok(present)
        };
        register(parts, "")?;
        let variants = variants
            .into_iter()
            .enumerate()
            .map(|(i, (locale, parts))| Ok((locale.clone(), register(parts, &format!("@{i}"))?)))
            .collect::<Result<_, RenderProblem>>()?;
        Ok(Self {
            escaped,
            verbatim,
            locale_attribute: locale_attribute.to_owned(),
            variants,
        })
    }

    /// Renders for one recipient. `data` is `{"profile": {...}, "context": {...}}`. The
    /// message's parts share one budget of loop iterations and time ([`budget`]).
    pub fn render(&self, data: Value, pick: Pick<'_>) -> Result<Rendered, RenderProblem> {
        let budget = Budget::install();
        let variant = match pick {
            Pick::FromProfile => data
                .get("profile")
                .and_then(|p| p.as_object())
                .and_then(|p| crate::profile::text_at(p, &self.locale_attribute))
                .and_then(|wanted| crate::locale::pick(self.variants.iter().map(|v| &v.0), wanted)),
            Pick::Locale(locale) => {
                locale.and_then(|l| self.variants.iter().position(|v| v.0 == *l))
            }
        };
        let context = Context::from(data);
        // The template of each part: the variant's, or the default's where it has none.
        let name = |slot: usize, part: &str| match variant {
            Some(i) if self.variants[i].1[slot] => format!("{part}@{i}"),
            _ => part.to_owned(),
        };
        let part = |hb: &Handlebars<'static>, part: &'static str, slot: usize| {
            render_part(hb, part, &name(slot, part), &context, &budget)
        };
        let subject = part(&self.verbatim, "subject", 0)?;
        if subject.contains(['\r', '\n']) {
            return Err(RenderProblem {
                part: "subject",
                reason: "the rendered subject contains a line break".into(),
            });
        }
        let preheader = part(&self.verbatim, "preheader", 1)?;
        let html_body = part(&self.escaped, "htmlBody", 2)?;
        Ok(Rendered {
            subject: subject.trim().to_owned(),
            html_body: with_preheader(html_body, preheader.trim()),
            text_body: part(&self.verbatim, "textBody", 3)?,
            locale: variant.map(|i| self.variants[i].0.clone()),
        })
    }
}

/// The HTML with the preheader as hidden text at the start of its body, where inboxes take
/// their preview line from. Nothing changes without a preheader or an HTML body.
fn with_preheader(html: String, preheader: &str) -> String {
    if preheader.is_empty() || html.trim().is_empty() {
        return html;
    }
    let hidden = format!(
        "<div style=\"display:none;max-height:0;overflow:hidden;mso-hide:all\">{}</div>",
        handlebars::html_escape(preheader)
    );
    let lower = html.to_ascii_lowercase();
    let at = lower
        .find("<body")
        .and_then(|start| lower[start..].find('>').map(|end| start + end + 1))
        .unwrap_or(0);
    let mut out = String::with_capacity(html.len() + hidden.len());
    out.push_str(&html[..at]);
    out.push_str(&hidden);
    out.push_str(&html[at..]);
    out
}

fn render_part(
    hb: &Handlebars<'static>,
    part: &'static str,
    template: &str,
    data: &Context,
    budget: &Budget,
) -> Result<String, RenderProblem> {
    let mut out = Capped::default();
    hb.render_with_context_to_write(template, data, &mut out)
        .map_err(|e| RenderProblem {
            part,
            reason: match budget.exceeded() {
                Some(limit) => limit.reason(),
                None => e.reason().to_string(),
            },
        })?;
    Ok(out.into_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::Channel;
    use crate::content::{Content, ContentInput, VariantInput};
    use serde_json::json;

    fn renderer(subject: &str, html: &str, text: &str) -> Renderer {
        let content = Content::parse(&ContentInput {
            channel: Channel::Email,
            subject: subject.into(),
            html_body: html.into(),
            text_body: text.into(),
            ..ContentInput::default()
        })
        .unwrap();
        content.renderer().unwrap()
    }

    #[test]
    fn the_profile_language_picks_a_variant_and_empty_parts_fall_back() {
        let content = Content::parse(&ContentInput {
            channel: Channel::Email,
            subject: "Hello {{profile.name}}".into(),
            preheader: "Offers & news".into(),
            html_body: "<html><BODY class=x><p>Hello</p></body></html>".into(),
            text_body: "Hello".into(),
            locale_attribute: "person.lang".into(),
            variants: vec![
                VariantInput {
                    locale: "fr".into(),
                    subject: "Bonjour {{profile.name}}".into(),
                    text_body: "Bonjour".into(),
                    ..VariantInput::default()
                },
                VariantInput {
                    locale: "fr-CA".into(),
                    subject: "Allô {{profile.name}}".into(),
                    ..VariantInput::default()
                },
            ],
            ..ContentInput::default()
        })
        .unwrap();
        let r = content.renderer().unwrap();
        let as_lang = |lang: &str| {
            let data = json!({"profile": {"name": "Jo", "person": {"lang": lang}}});
            r.render(data, Pick::FromProfile).unwrap()
        };
        let fr_ca = as_lang("fr_CA");
        assert_eq!(fr_ca.subject, "Allô Jo");
        assert_eq!(fr_ca.text_body, "Hello", "fr-CA has no text: the default's");
        assert_eq!(fr_ca.locale.unwrap().as_str(), "fr-CA");
        let fr_be = as_lang("fr-BE");
        assert_eq!(
            (fr_be.subject.as_str(), fr_be.text_body.as_str()),
            ("Bonjour Jo", "Bonjour")
        );
        let en = as_lang("en");
        assert_eq!((en.subject.as_str(), en.locale), ("Hello Jo", None));
        assert_eq!(
            en.html_body,
            "<html><BODY class=x><div style=\"display:none;max-height:0;overflow:hidden;\
             mso-hide:all\">Offers &amp; news</div><p>Hello</p></body></html>"
        );
        let none = r.render(json!({"profile": {"name": "Jo"}}), Pick::FromProfile);
        assert_eq!(none.unwrap().locale, None, "no language: the default");
        let fr = content.variants()[0].locale.clone();
        let preview = r.render(json!({}), Pick::Locale(Some(&fr))).unwrap();
        assert_eq!(preview.subject, "Bonjour");
    }

    #[test]
    fn profile_and_context_values_are_rendered() {
        let r = renderer(
            "Hi {{profile.person.name.firstName}}",
            "<a href=\"{{context.resetUrl}}\">Reset</a>",
            "Reset: {{context.resetUrl}}",
        );
        let out = r
            .render(
                json!({
                    "profile": {"person": {"name": {"firstName": "Jane"}}},
                    "context": {"resetUrl": "https://x.test/r?a=1&b=2"}
                }),
                Pick::FromProfile,
            )
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
        let out = r
            .render(json!({"context": {"x": "<b>&"}}), Pick::FromProfile)
            .unwrap();
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
            .render(
                json!({
                    "profile": {"vip": false},
                    "context": {"order": {"id": "A1"}, "items": [{"name": "a"}, {"name": "b"}]}
                }),
                Pick::FromProfile,
            )
            .unwrap();
        assert_eq!(out.subject, "Order A1");
        assert_eq!(out.html_body, "Hello [a][b]");
    }

    #[test]
    fn a_value_with_a_line_break_cannot_reach_the_subject() {
        let r = renderer("Hi {{context.name}}", "x", "");
        let err = r
            .render(
                json!({"context": {"name": "a\r\nBcc: evil@x.test"}}),
                Pick::FromProfile,
            )
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
        assert_eq!(
            err.to_string(),
            "`{{#if}}` opened on line 2, column 1 is never closed — add `{{/if}}`"
        );
        let err = analyse("Hello\n{{#if context.a \"x}}y{{/if}}").unwrap_err();
        match &err {
            TemplateProblem::Syntax { line, column, .. } => {
                assert_eq!((*line, column.is_some()), (Some(2), true))
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.to_string().contains("cannot be read"), "{err}");
    }

    #[test]
    fn context_system_is_reserved() {
        assert_eq!(
            analyse("{{context.system.id}}").unwrap_err(),
            TemplateProblem::ReservedVariable("context.system.id".into())
        );
    }
}

/// Hostile templates and contexts: each one returns or is refused within its budget, and none
/// can abort the process (a stack overflow here fails the whole test binary).
#[cfg(test)]
mod hostile {
    use super::*;
    use crate::channel::Channel;
    use crate::content::{Content, ContentInput};
    use proptest::prelude::*;
    use serde_json::json;
    use std::time::{Duration, Instant};

    fn content(subject: &str, html: &str, text: &str) -> Result<Content, String> {
        Content::parse(&ContentInput {
            channel: Channel::Email,
            subject: subject.into(),
            html_body: html.into(),
            text_body: text.into(),
            ..ContentInput::default()
        })
        .map_err(|e| format!("{e:?}"))
    }

    #[test]
    fn parts_that_include_each_other_are_refused_naming_the_part() {
        let err = content("{{> textBody}}", "", "{{> subject}}").unwrap_err();
        assert!(
            err.contains("subject") && err.contains("includes the fragment “textBody”"),
            "{err}"
        );
        let inline = "{{#*inline \"a\"}}{{> b}}{{> b}}{{/inline}}{{> a}}";
        let err = content("Hi", inline, "x").unwrap_err();
        assert!(err.contains("htmlBody"), "{err}");
    }

    #[test]
    fn thousands_of_nested_blocks_are_refused_before_compiling() {
        let deep = format!("{}x{}", "{{#if a}}".repeat(3_000), "{{/if}}".repeat(3_000));
        let err = content("Hi", &deep, "x").unwrap_err();
        assert!(err.contains("nests blocks more than 32 deep"), "{err}");
    }

    #[test]
    fn the_log_helper_is_not_there() {
        let err = content("Hi", "x", "{{log context.a}}").unwrap_err();
        assert!(err.contains("helper log"), "{err}");
    }

    fn render(html: &str, data: Value) -> Result<Rendered, RenderProblem> {
        content("Hi", html, "")
            .unwrap()
            .renderer()?
            .render(data, Pick::FromProfile)
    }

    #[test]
    fn default_gives_the_fallback_for_missing_and_empty_values_only() {
        let html = "<p>{{default profile.name \"there\"}}|{{default context.n \"none\"}}</p>";
        let shown = |data: Value| render(html, data).unwrap().html_body;
        assert_eq!(shown(json!({})), "<p>there|none</p>");
        assert_eq!(
            shown(json!({"profile": {"name": " "}, "context": {"n": 0}})),
            "<p>there|0</p>"
        );
        assert_eq!(
            shown(json!({"profile": {"name": "<Ada>"}})),
            "<p>&lt;Ada&gt;|none</p>",
            "escaped like any value"
        );
        let quoted = render("{{default context.q \"say \\\"hi\\\"\"}}", json!({})).unwrap();
        assert_eq!(quoted.html_body, "say &quot;hi&quot;");
        // A variable used only with a fallback is optional in the trigger contract.
        let info = analyse(html).unwrap();
        assert_eq!(info.variables["context.n"], Need::Optional);
    }

    #[test]
    fn nested_loops_over_a_large_context_stop_at_the_iteration_limit_at_once() {
        let items: Vec<Value> = (0..2_000).map(|i| json!({"n": i})).collect();
        let started = Instant::now();
        let err = render(
            "{{#each context.items}}{{#each ../context.items}}{{n}}{{/each}}{{/each}}",
            json!({"context": {"items": items}}),
        )
        .unwrap_err();
        assert_eq!(err.reason, Limit::Iterations.reason());
        assert!(
            started.elapsed() < Duration::from_millis(200),
            "{:?}",
            started.elapsed()
        );
        // Loops that print nothing are counted too.
        let silent = render(
            "{{#each context.items}}{{#each ../context.items}}{{/each}}{{/each}}",
            json!({"context": {"items": (0..2_000).collect::<Vec<_>>()}}),
        );
        assert_eq!(silent.unwrap_err().reason, Limit::Iterations.reason());
    }

    #[test]
    fn output_stops_at_the_cap_while_rendering() {
        let big = "x".repeat(100_000);
        let err = render(
            "{{#each context.items}}{{../context.big}}{{/each}}",
            json!({"context": {"big": big, "items": (0..50).collect::<Vec<_>>()}}),
        )
        .unwrap_err();
        assert_eq!(err.part, "htmlBody");
        assert_eq!(err.reason, Limit::Output.reason());
    }

    #[test]
    fn loops_within_the_limits_render_as_before() {
        let out = render(
            "{{#each context.items as |item i|}}{{i}}:{{item}}{{#if @last}}.{{else}},{{/if}}{{/each}}",
            json!({"context": {"items": ["a", "b", "c"]}}),
        )
        .unwrap();
        assert_eq!(out.html_body, "0:a,1:b,2:c.");
    }

    /// Pieces that hostile templates are made of: blocks, partials, decorators, subexpressions,
    /// comments, raw blocks, escapes and unbalanced syntax.
    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "{{#if context.a}}",
            "{{/if}}",
            "{{else}}",
            "{{else if context.b}}",
            "{{#each context.items}}",
            "{{#each ../context.items}}",
            "{{/each}}",
            "{{#with context.o}}",
            "{{/with}}",
            "{{^context.a}}",
            "{{/context.a}}",
            "{{> subject}}",
            "{{> htmlBody}}",
            "{{#> x}}",
            "{{/x}}",
            "{{#*inline \"x\"}}",
            "{{/inline}}",
            "{{*inline}}",
            "{{log context.a}}",
            "{{lookup context.o \"k\"}}",
            "{{eq (len (len context.items)) 1}}",
            "((((",
            "))))",
            "{{context.big}}",
            "{{{context.big}}}",
            "{{this}}",
            "{{@index}}",
            "{{!-- ",
            " --}}",
            "{{! x }}",
            "{{{{raw}}}}",
            "{{{{/raw}}}}",
            "\\{{",
            "\"",
            "'",
            "}}",
            "{{",
            "text ",
        ])
    }

    fn hostile_context() -> impl Strategy<Value = Value> {
        (0usize..300, 0usize..20_000).prop_map(|(items, big)| {
            json!({"context": {
                "a": true, "b": false, "o": {"k": "v"},
                "items": (0..items).collect::<Vec<_>>(),
                "big": "y".repeat(big),
            }})
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn any_template_returns_or_is_refused_within_budget(
            pieces in prop::collection::vec((piece(), 1usize..40), 1..40),
            data in hostile_context(),
        ) {
            let source: String = pieces.iter().map(|(p, n)| p.repeat(*n)).collect();
            let started = Instant::now();
            if let Ok(content) = content(&source.replace(['\r', '\n'], ""), &source, &source)
                && let Ok(renderer) = content.renderer()
            {
                let _ = renderer.render(data, Pick::FromProfile);
            }
            let took = started.elapsed();
            prop_assert!(took < RENDER_TIME_BUDGET * 2, "took {took:?}");
        }
    }
}
