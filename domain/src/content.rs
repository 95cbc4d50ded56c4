//! What a campaign sends, per channel: Handlebars templates that all compile, use no reserved
//! variable, and fit the channel.
//!
//! One shape serves the three channels, so versions, messages and the renderer stay uniform:
//! - email: `subject` (one line), an optional `preheader` (one line, the inbox preview text),
//!   `html_body` and/or `text_body`;
//! - SMS: `text_body` only;
//! - push: `subject` is the title (one line), `text_body` the body, plus [`PushOptions`].
//!
//! Language variants ([`Variant`]) hold the same parts for other locales; see [`crate::locale`].

use crate::channel::Channel;
use crate::error::FieldError;
use crate::fragment::{self, Fragments};
use crate::locale::{self, DEFAULT_LOCALE_ATTRIBUTE, Locale, MAX_VARIANTS};
use crate::parts::Parts;
use crate::template::{self, Need, RenderProblem, Renderer, TemplateInfo};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most bytes a single template may hold.
pub const MAX_TEMPLATE_BYTES: usize = 256 * 1024;
/// Longest SMS template, in characters (ten concatenated segments).
pub const MAX_SMS_CHARS: usize = 1_600;

/// Push settings beyond title and body.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushOptions {
    /// An https image shown with the notification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Where a tap leads: a deep link (`myapp://…`) or a web URL; none opens the app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Custom key-values delivered to the app.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, String>,
}

/// One language variant as submitted, stored and shown: its locale and its parts. A part left
/// empty uses the default content's.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VariantInput {
    /// A language tag such as `fr`, `fr-CA` or `zh-Hant`.
    pub locale: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub preheader: String,
    #[serde(default)]
    pub html_body: String,
    #[serde(default)]
    pub text_body: String,
}

impl VariantInput {
    pub fn new(locale: String, parts: Parts) -> Self {
        Self {
            locale,
            subject: parts.subject,
            preheader: parts.preheader,
            html_body: parts.html_body,
            text_body: parts.text_body,
        }
    }

    /// The variant's parts, as typed.
    pub fn parts(&self) -> Parts {
        Parts {
            subject: self.subject.clone(),
            preheader: self.preheader.clone(),
            html_body: self.html_body.clone(),
            text_body: self.text_body.clone(),
        }
    }
}

/// Content as typed, before validation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentInput {
    pub channel: Channel,
    pub subject: String,
    pub preheader: String,
    pub html_body: String,
    pub text_body: String,
    pub push: PushOptions,
    /// The profile attribute that picks a variant.
    pub locale_attribute: String,
    pub variants: Vec<VariantInput>,
}

impl ContentInput {
    /// The content with the default content's `parts`.
    pub fn new(
        channel: Channel,
        parts: Parts,
        push: PushOptions,
        locale_attribute: String,
        variants: Vec<VariantInput>,
    ) -> Self {
        Self {
            channel,
            subject: parts.subject,
            preheader: parts.preheader,
            html_body: parts.html_body,
            text_body: parts.text_body,
            push,
            locale_attribute,
            variants,
        }
    }

    /// The default content's parts, as typed.
    pub fn parts(&self) -> Parts {
        Parts {
            subject: self.subject.clone(),
            preheader: self.preheader.clone(),
            html_body: self.html_body.clone(),
            text_body: self.text_body.clone(),
        }
    }
}

impl Default for ContentInput {
    fn default() -> Self {
        Self {
            channel: Channel::default(),
            subject: String::new(),
            preheader: String::new(),
            html_body: String::new(),
            text_body: String::new(),
            push: PushOptions::default(),
            locale_attribute: DEFAULT_LOCALE_ATTRIBUTE.to_owned(),
            variants: Vec::new(),
        }
    }
}

/// A valid language variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    pub locale: Locale,
    pub parts: Parts,
}

/// Valid content for one channel. Its parts and variants are what is sent: the fragments they
/// include (`{{> name}}`, see [`crate::fragment`]) are expanded, and every check applies to the
/// expanded text; [`Content::to_input`] gives them back as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Content {
    channel: Channel,
    parts: Parts,
    push: PushOptions,
    locale_attribute: String,
    variants: Vec<Variant>,
    written: Written,
    fragments: Fragments,
}

/// The default parts and each variant's parts as written, inclusions unexpanded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Written {
    parts: Parts,
    variants: Vec<Parts>,
}

/// Expands the fragments `parts` include; an inclusion of a fragment `available` lacks is an
/// error on its field (and stays as literal text, so that field has no second error), and so is
/// a part its inclusions would take past [`MAX_TEMPLATE_BYTES`] (expansion stops there).
fn expand_parts(
    parts: &Parts,
    prefix: &str,
    available: &Fragments,
    used: &mut Fragments,
    errors: &mut Vec<FieldError>,
) -> Parts {
    let mut one = |name: &str, source: &str| {
        if source.len() > MAX_TEMPLATE_BYTES {
            return source.to_owned(); // refused by size in `check_parts`
        }
        let mut unknown = Vec::new();
        let expanded = fragment::expand(source, available, used, &mut unknown, MAX_TEMPLATE_BYTES);
        let field = || format!("{prefix}{name}");
        if let Some(missing) = unknown.first() {
            let message = fragment::unknown_message(missing, available);
            errors.push(FieldError::new(field(), message));
        }
        expanded.unwrap_or_else(|| {
            let message = "is larger than 256 KB once its fragments are included";
            errors.push(FieldError::new(field(), message));
            String::new()
        })
    };
    Parts {
        subject: one("subject", &parts.subject),
        preheader: one("preheader", &parts.preheader),
        html_body: one("htmlBody", &parts.html_body),
        text_body: one("textBody", &parts.text_body),
    }
}

impl Content {
    /// Parses content that includes no fragment (an inclusion is an error).
    pub fn parse(input: &ContentInput) -> Result<Self, Vec<FieldError>> {
        Self::parse_with(input, &Fragments::default())
    }

    /// Parses content that may include the fragments in `available`; the content keeps the
    /// bodies of those it includes.
    pub fn parse_with(
        input: &ContentInput,
        available: &Fragments,
    ) -> Result<Self, Vec<FieldError>> {
        let channel = input.channel;
        let written = Written {
            parts: input.parts().trimmed(),
            variants: input.variants.iter().map(|v| v.parts().trimmed()).collect(),
        };
        let mut used = Fragments::default();
        let mut errors = Vec::new();
        let parts = expand_parts(&written.parts, "", available, &mut used, &mut errors);
        let subject_name = if channel == Channel::Push {
            "title"
        } else {
            "subject"
        };
        errors.extend(check_parts(channel, &parts, ""));
        if channel != Channel::Sms && parts.subject.is_empty() {
            errors.push(FieldError::new(
                "subject",
                format!("the {subject_name} is required"),
            ));
        }
        if channel == Channel::Email {
            if parts.html_body.trim().is_empty() && parts.text_body.trim().is_empty() {
                errors.push(FieldError::new(
                    "htmlBody",
                    "an HTML or a text body is required",
                ));
            }
        } else if parts.text_body.trim().is_empty() {
            errors.push(FieldError::new("textBody", "the text is required"));
        }
        if channel == Channel::Push {
            errors.extend(check_push(&input.push));
        } else if input.push != PushOptions::default() {
            errors.push(FieldError::new(
                "push",
                "only push campaigns have push options",
            ));
        }
        let locale_attribute = locale::parse_attribute(&input.locale_attribute)
            .map_err(|e| errors.push(e))
            .unwrap_or_default();
        let variants = parse_variants(
            channel,
            &input.variants,
            &mut errors,
            |i, prefix, errors| {
                expand_parts(&written.variants[i], prefix, available, &mut used, errors)
            },
        );
        if errors.is_empty() {
            Ok(Self {
                channel,
                parts,
                push: input.push.clone(),
                locale_attribute,
                variants,
                written,
                fragments: used,
            })
        } else {
            Err(errors)
        }
    }

    /// The input this content was parsed from (in its normalised spelling, fragments included
    /// by name).
    pub fn to_input(&self) -> ContentInput {
        ContentInput::new(
            self.channel,
            self.written.parts.clone(),
            self.push.clone(),
            self.locale_attribute.clone(),
            self.variants
                .iter()
                .zip(&self.written.variants)
                .map(|(v, parts)| VariantInput::new(v.locale.to_string(), parts.clone()))
                .collect(),
        )
    }

    /// Compiles the content for rendering.
    pub fn renderer(&self) -> Result<Renderer, RenderProblem> {
        Renderer::new(
            &self.parts,
            &self.locale_attribute,
            self.variants.iter().map(|v| (&v.locale, &v.parts)),
        )
    }

    /// The bodies of the fragments the content includes, as they were when it was parsed.
    pub fn fragments(&self) -> &Fragments {
        &self.fragments
    }

    pub fn channel(&self) -> Channel {
        self.channel
    }

    /// The default content's parts as sent (for recipients no variant serves).
    pub fn parts(&self) -> &Parts {
        &self.parts
    }

    pub fn subject(&self) -> &str {
        &self.parts.subject
    }

    pub fn html_body(&self) -> &str {
        &self.parts.html_body
    }

    pub fn text_body(&self) -> &str {
        &self.parts.text_body
    }

    pub fn push(&self) -> &PushOptions {
        &self.push
    }

    /// The profile attribute whose value picks a variant.
    pub fn locale_attribute(&self) -> &str {
        &self.locale_attribute
    }

    pub fn variants(&self) -> &[Variant] {
        &self.variants
    }

    /// Every `profile.*` and `context.*` variable the content uses, across its parts and
    /// variants, with whether a trigger call must send it. With variants, the locale attribute
    /// is an optional profile variable.
    pub fn variables(&self) -> BTreeMap<String, Need> {
        let mut all = TemplateInfo::default();
        std::iter::once(&self.parts)
            .chain(self.variants.iter().map(|v| &v.parts))
            .flat_map(|parts| parts.named().map(|(_, source)| source))
            .filter_map(|source| template::analyse(source).ok())
            .for_each(|info| all.merge(info));
        if !self.variants.is_empty() {
            all.variables
                .entry(format!("profile.{}", self.locale_attribute))
                .or_insert(Need::Optional);
        }
        all.variables
    }

    /// The context attributes every trigger call must carry for each recipient: the campaign's
    /// trigger contract.
    pub fn required_context(&self) -> Vec<String> {
        self.variables()
            .into_iter()
            .filter(|(path, need)| *need == Need::Required && path.starts_with("context."))
            .map(|(path, _)| path)
            .collect()
    }
}

/// The rules every set of parts follows, default or variant: one-line subject and preheader,
/// only the parts the channel has, sizes, and templates that compile. `prefix` names the
/// variant in field names (`variants[0].`).
fn check_parts(channel: Channel, parts: &Parts, prefix: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let field = |name: &str| format!("{prefix}{name}");
    let subject_name = if channel == Channel::Push {
        "title"
    } else {
        "subject"
    };
    if channel == Channel::Sms && !parts.subject.is_empty() {
        errors.push(FieldError::new(field("subject"), "an SMS has no subject"));
    } else if parts.subject.contains(['\r', '\n']) {
        errors.push(FieldError::new(
            field("subject"),
            format!("the {subject_name} must be on one line"),
        ));
    }
    if channel != Channel::Email && !parts.preheader.is_empty() {
        errors.push(FieldError::new(
            field("preheader"),
            "only an email has a preheader",
        ));
    } else if parts.preheader.contains(['\r', '\n']) || parts.preheader.chars().count() > 250 {
        errors.push(FieldError::new(
            field("preheader"),
            "the preheader must be one line of at most 250 characters",
        ));
    }
    if channel != Channel::Email && !parts.html_body.trim().is_empty() {
        let message = format!("a {} message has no HTML body", channel.as_str());
        errors.push(FieldError::new(field("htmlBody"), message));
    }
    if channel == Channel::Sms && parts.text_body.chars().count() > MAX_SMS_CHARS {
        let message = "an SMS template may have at most 1,600 characters";
        errors.push(FieldError::new(field("textBody"), message));
    }
    for (name, source) in parts.named() {
        if source.len() > MAX_TEMPLATE_BYTES {
            errors.push(FieldError::new(field(name), "is larger than 256 KB"));
        } else if let Err(e) = template::analyse(source) {
            errors.push(FieldError::new(field(name), e.to_string()));
        }
    }
    errors
}

/// A push link a device may open: a web URL or an app's deep link, never a scheme that runs or
/// embeds content.
fn safe_link(link: &str) -> bool {
    let Some((scheme, rest)) = link.split_once(':') else {
        return false;
    };
    let scheme = scheme.to_ascii_lowercase();
    let well_formed = !scheme.is_empty()
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    well_formed
        && !rest.is_empty()
        && link.len() <= 2048
        && !link.chars().any(|c| c.is_whitespace() || c.is_control())
        && !matches!(
            scheme.as_str(),
            "javascript" | "data" | "vbscript" | "file" | "blob" | "about" | "filesystem"
        )
}

/// Valid variants: known, distinct locales, each with at least one part, at most
/// [`MAX_VARIANTS`].
fn parse_variants(
    channel: Channel,
    inputs: &[VariantInput],
    errors: &mut Vec<FieldError>,
    // Variant `i`'s parts as written (trimmed), with its fragments expanded; `prefix` names its
    // fields.
    mut expand: impl FnMut(usize, &str, &mut Vec<FieldError>) -> Parts,
) -> Vec<Variant> {
    if inputs.len() > MAX_VARIANTS {
        errors.push(FieldError::new(
            "variants",
            "a campaign may have at most 50 language variants",
        ));
        return Vec::new();
    }
    let mut variants: Vec<Variant> = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let prefix = format!("variants[{i}].");
        let parts = expand(i, &prefix, errors);
        let problems = check_parts(channel, &parts, &prefix);
        let empty = parts.named().iter().all(|(_, text)| text.trim().is_empty());
        if empty {
            errors.push(FieldError::new(
                format!("{prefix}locale"),
                "the variant has no content; fill in at least one part or remove it",
            ));
        }
        match Locale::parse(&input.locale) {
            None => errors.push(FieldError::new(
                format!("{prefix}locale"),
                "must be a language tag such as fr, fr-CA or zh-Hant",
            )),
            Some(locale) if variants.iter().any(|v| v.locale == locale) => {
                errors.push(FieldError::new(
                    format!("{prefix}locale"),
                    format!("{locale} has two variants"),
                ));
            }
            Some(locale) if problems.is_empty() && !empty => {
                variants.push(Variant { locale, parts })
            }
            Some(_) => {}
        }
        errors.extend(problems);
    }
    variants
}

fn check_push(push: &PushOptions) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(url) = &push.image_url
        && !(url.starts_with("https://") && url.len() <= 2048 && !url.contains(char::is_whitespace))
    {
        errors.push(FieldError::new("push.imageUrl", "must be an https URL"));
    }
    if let Some(link) = &push.link
        && !safe_link(link)
    {
        errors.push(FieldError::new(
            "push.link",
            "must be a deep link (myapp://…) or a web URL; javascript:, data:, vbscript:, file: and blob: links are refused",
        ));
    }
    if push.data.len() > 50
        || push
            .data
            .iter()
            .any(|(k, v)| k.is_empty() || k.len() > 100 || v.len() > 1024)
    {
        errors.push(FieldError::new(
            "push.data",
            "at most 50 keys of 1 to 100 characters, values of at most 1,024",
        ));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(
        channel: Channel,
        subject: &str,
        html: &str,
        text: &str,
    ) -> Result<Content, Vec<String>> {
        parse_input(&ContentInput {
            channel,
            subject: subject.into(),
            html_body: html.into(),
            text_body: text.into(),
            ..ContentInput::default()
        })
    }

    fn parse_input(input: &ContentInput) -> Result<Content, Vec<String>> {
        Content::parse(input).map_err(|e| {
            e.into_iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect()
        })
    }

    #[test]
    fn each_channel_has_its_parts() {
        assert!(parse(Channel::Email, "Hi", "<p>x</p>", "").is_ok());
        assert!(parse(Channel::Sms, "", "", "Code {{context.code}}").is_ok());
        assert!(parse(Channel::Push, "Shipped", "", "On its way").is_ok());
        assert_eq!(parse(Channel::Sms, "Hi", "<p/>", "").unwrap_err().len(), 3);
        assert_eq!(
            parse(Channel::Push, "", "", "x").unwrap_err(),
            ["subject: the title is required"]
        );
        assert_eq!(
            parse(Channel::Email, "a\nb", "", "").unwrap_err(),
            [
                "subject: the subject must be on one line",
                "htmlBody: an HTML or a text body is required"
            ]
        );
    }

    #[test]
    fn push_options_are_checked_and_only_for_push() {
        let bad = PushOptions {
            image_url: Some("http://x.test/a.png".into()),
            link: Some("not a link".into()),
            data: BTreeMap::new(),
        };
        let mut input = ContentInput {
            channel: Channel::Push,
            subject: "T".into(),
            text_body: "B".into(),
            push: bad,
            ..ContentInput::default()
        };
        let errors = Content::parse(&input).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["push.imageUrl", "push.link"]);
        input.channel = Channel::Email;
        let errors = Content::parse(&input).unwrap_err();
        assert_eq!(errors[0].field, "push");
    }

    #[test]
    fn push_links_are_web_urls_or_deep_links_only() {
        for ok in [
            "https://shop.test/o/1",
            "myapp://orders/1",
            "com.acme.app:/open",
        ] {
            assert!(safe_link(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "JavaScript://%0aalert(1)",
            "data:text/html,<script>",
            "vbscript:x",
            "file:///etc/passwd",
            "https://x.test/\nX",
            "1http://x",
            "nocolon",
        ] {
            assert!(!safe_link(bad), "{bad}");
        }
    }

    fn variant(locale: &str, subject: &str, html: &str, text: &str) -> VariantInput {
        VariantInput {
            locale: locale.into(),
            subject: subject.into(),
            html_body: html.into(),
            text_body: text.into(),
            ..VariantInput::default()
        }
    }

    #[test]
    fn variants_are_checked_like_the_default_and_named_by_index() {
        let mut input = ContentInput {
            channel: Channel::Email,
            subject: "Hi".into(),
            preheader: "Your code inside".into(),
            html_body: "<p>x</p>".into(),
            variants: vec![
                variant("FR_ca", "Salut {{profile.x}}", "", ""),
                variant("de", "", "<p>{{#if x}}</p>", ""),
                variant("fr-CA", "Allô", "", ""),
                variant("klingon", "Q", "", ""),
                variant("es", "", "", ""),
            ],
            ..ContentInput::default()
        };
        let errors = parse_input(&input).unwrap_err();
        let starts: Vec<_> = errors.iter().map(|e| &e[..e.len().min(32)]).collect();
        assert_eq!(
            starts,
            [
                "variants[1].htmlBody: `{{#if}}` ",
                "variants[2].locale: fr-CA has tw",
                "variants[3].locale: must be a la",
                "variants[4].locale: the variant ",
            ]
        );
        input.variants.truncate(1);
        let content = parse_input(&input).unwrap();
        assert_eq!(content.variants()[0].locale.as_str(), "fr-CA");
        assert_eq!(content.to_input().variants[0].locale, "fr-CA");
        let vars: Vec<_> = content.variables().into_iter().collect();
        assert_eq!(
            vars,
            [
                ("profile.preferredLanguage".to_owned(), Need::Optional),
                ("profile.x".to_owned(), Need::Required)
            ],
            "the variant's variables and the locale attribute join the contract"
        );
        input.channel = Channel::Sms;
        input.variants = vec![variant("fr", "Objet", "", "Texte")];
        input.subject.clear();
        input.preheader.clear();
        input.html_body.clear();
        input.text_body = "Text".into();
        assert_eq!(
            parse_input(&input).unwrap_err(),
            ["variants[0].subject: an SMS has no subject"]
        );
    }

    #[test]
    fn a_preheader_is_one_line_of_an_email() {
        let mut input = ContentInput {
            channel: Channel::Email,
            subject: "Hi".into(),
            preheader: "a\nb".into(),
            text_body: "x".into(),
            ..ContentInput::default()
        };
        assert_eq!(
            parse_input(&input).unwrap_err(),
            ["preheader: the preheader must be one line of at most 250 characters"]
        );
        input.channel = Channel::Push;
        assert_eq!(
            parse_input(&input).unwrap_err(),
            ["preheader: only an email has a preheader"]
        );
    }

    #[test]
    fn fragments_are_sent_expanded_and_kept_by_name() {
        let available: Fragments = [
            (
                "footer".to_owned(),
                "<p>Bye {{profile.name}}</p>".to_owned(),
            ),
            ("unused".to_owned(), "x".to_owned()),
        ]
        .into_iter()
        .collect();
        let input = ContentInput {
            subject: "Hi".into(),
            html_body: "<p>Body</p>{{> footer}}".into(),
            variants: vec![VariantInput {
                locale: "fr".into(),
                html_body: "<p>Corps</p>{{> footer}}".into(),
                ..VariantInput::default()
            }],
            ..ContentInput::default()
        };
        let content = Content::parse_with(&input, &available).unwrap();
        assert_eq!(
            content.html_body(),
            "<p>Body</p><p>Bye {{profile.name}}</p>"
        );
        assert_eq!(
            content.variants()[0].parts.html_body,
            "<p>Corps</p><p>Bye {{profile.name}}</p>"
        );
        assert_eq!(content.to_input().html_body, input.html_body);
        assert_eq!(
            content.to_input().variants[0].html_body,
            input.variants[0].html_body
        );
        assert_eq!(content.fragments().names().collect::<Vec<_>>(), ["footer"]);
        assert!(content.variables().contains_key("profile.name"));
        // Without the fragment, the field that includes it says what is missing.
        let errors = Content::parse(&input).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["htmlBody", "variants[0].htmlBody"], "{errors:?}");
        assert!(errors[0].message.contains("“footer”"));
        // Included so often that the part would pass the size limit: refused by field.
        let large: Fragments = [("large".to_owned(), "x".repeat(60_000))]
            .into_iter()
            .collect();
        let input = ContentInput {
            subject: "Hi".into(),
            html_body: "{{> large}}".repeat(5),
            ..ContentInput::default()
        };
        let errors = Content::parse_with(&input, &large).unwrap_err();
        assert!(
            errors.iter().any(|e| e.field == "htmlBody"
                && e.message == "is larger than 256 KB once its fragments are included"),
            "{errors:?}"
        );
    }
}
