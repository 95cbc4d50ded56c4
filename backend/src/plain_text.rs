//! The text part of an email generated from its HTML (the editor's "Generate from HTML").
//! Links become numbered footnotes with their URLs.
//!
//! Invariant: every template expression (`{{…}}`, `{{{…}}}`, `{{!-- … --}}`) comes out exactly
//! as written. The converter wraps lines, and would break an expression at a space or inside a
//! long word; so each expression is swapped for one private-use character before conversion
//! (one unbreakable column) and put back after. A line holding long expressions may therefore
//! be longer than [`WIDTH`].

use domain::content::MAX_TEMPLATE_BYTES;

/// Lines are wrapped at this width, as plain-text email usually is.
const WIDTH: usize = 78;

/// Stand-ins for expressions: Unicode's private-use planes 15 and 16 (131,068 characters,
/// more than a 256 KB template can hold), which no real text uses.
const STAND_INS: std::ops::Range<u32> = 0xF_0000..0x10_FFFE;

/// Plain text for an HTML template; an error a marketer can read when the HTML is too large to
/// be content anyway, or already uses the characters that stand in for expressions.
pub fn from_html(html: &str) -> Result<String, &'static str> {
    if html.len() > MAX_TEMPLATE_BYTES {
        return Err("The HTML is larger than 256 KB.");
    }
    if html.chars().any(|c| STAND_INS.contains(&(c as u32))) {
        return Err(
            "The HTML holds private-use characters (U+F0000 and above); remove them first.",
        );
    }
    let (masked, expressions) = mask_expressions(html);
    let text = html2text::config::plain()
        .no_table_borders()
        .no_link_wrapping()
        .allow_width_overflow()
        .string_from_read(masked.as_bytes(), WIDTH)
        .map_err(|_| "The HTML could not be read.")?;
    let text = text.trim_end().chars().fold(String::new(), |mut out, c| {
        match (c as u32).checked_sub(STAND_INS.start) {
            Some(i) if STAND_INS.contains(&(c as u32)) => out.push_str(expressions[i as usize]),
            _ => out.push(c),
        }
        out
    });
    Ok(text)
}

/// The HTML with each expression replaced by its stand-in, and the expressions in order.
fn mask_expressions(html: &str) -> (String, Vec<&str>) {
    let mut masked = String::with_capacity(html.len());
    let mut expressions = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open..];
        let close = if after.starts_with("{{!--") {
            after.find("--}}").map(|i| i + 4)
        } else if after.starts_with("{{{") {
            after.find("}}}").map(|i| i + 3)
        } else {
            after.find("}}").map(|i| i + 2)
        };
        // An unclosed expression stays text: the template check reports it where it is.
        let Some(close) = close else { break };
        let Some(stand_in) = char::from_u32(STAND_INS.start + expressions.len() as u32) else {
            break;
        };
        masked.push_str(&rest[..open]);
        masked.push(stand_in);
        expressions.push(&after[..close]);
        rest = &after[close..];
    }
    masked.push_str(rest);
    (masked, expressions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_keeps_expressions_and_lists_links() {
        let text = from_html(
            "<h1>Hi {{profile.person.name.firstName}},</h1>\
             <p>{{#if context.vip}}Thanks for being VIP.{{/if}}</p>\
             <p><a href=\"{{context.resetUrl}}\">Reset your password</a> &amp; enjoy.</p>",
        )
        .unwrap();
        assert!(
            text.contains("Hi {{profile.person.name.firstName}},"),
            "{text}"
        );
        assert!(
            text.contains("{{#if context.vip}}Thanks for being VIP.{{/if}}"),
            "{text}"
        );
        assert!(text.contains("[Reset your password][1] & enjoy."), "{text}");
        assert!(text.ends_with("[1]: {{context.resetUrl}}"), "{text}");
        domain::template::analyse(&text).expect("the text is still a valid template");
        assert!(from_html(&"x".repeat(MAX_TEMPLATE_BYTES + 1)).is_err());
    }

    /// Long lines are wrapped between words, never inside an expression (it used to give
    /// `{{else}}there{` and `{/if}}` on two lines).
    #[test]
    fn wrapping_never_breaks_an_expression() {
        let fallback = "{{#if profile.person.name.firstName}}{{profile.person.name.firstName}}\
                        {{else}}there{{/if}}";
        let html = format!(
            "<p>Hello {fallback}, we have news about your order and a few words more to make \
             this line wrap {{{{lookup context.greetings \"a key with spaces in it\"}}}} \
             {{{{{{context.rawHtml}}}}}} {{{{!-- a comment with }}}} inside --}}}} and {fallback}.</p>"
        );
        let text = from_html(&html).unwrap();
        assert_eq!(text.matches(fallback).count(), 2, "{text}");
        assert!(
            text.contains("{{lookup context.greetings \"a key with spaces in it\"}}"),
            "{text}"
        );
        assert!(text.contains("{{{context.rawHtml}}}"), "{text}");
        assert!(
            text.contains("{{!-- a comment with }} inside --}}"),
            "{text}"
        );
        assert!(text.lines().count() > 1, "the text is wrapped: {text}");
        domain::template::analyse(&text).expect("the text is still a valid template");
    }

    #[test]
    fn an_unclosed_expression_and_stand_in_characters_are_left_alone() {
        assert_eq!(
            from_html("<p>Hi {{profile.x}}, {{#if</p>").as_deref(),
            Ok("Hi {{profile.x}}, {{#if")
        );
        assert!(from_html("<p>\u{F0000}</p>").is_err());
    }
}
