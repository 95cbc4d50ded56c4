//! The text part of an email generated from its HTML (the editor's "Generate from HTML").
//! Template expressions are text to the converter, so `{{…}}` survive as written; links become
//! numbered footnotes with their URLs.

use domain::content::MAX_TEMPLATE_BYTES;

/// Lines are wrapped at this width, as plain-text email usually is.
const WIDTH: usize = 78;

/// Plain text for an HTML template; `None` when the HTML is too large to be content anyway.
pub fn from_html(html: &str) -> Option<String> {
    if html.len() > MAX_TEMPLATE_BYTES {
        return None;
    }
    let text = html2text::config::plain()
        .no_table_borders()
        .no_link_wrapping()
        .allow_width_overflow()
        .string_from_read(html.as_bytes(), WIDTH)
        .ok()?;
    Some(text.trim_end().to_owned())
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
        assert_eq!(from_html(&"x".repeat(MAX_TEMPLATE_BYTES + 1)), None);
    }
}
