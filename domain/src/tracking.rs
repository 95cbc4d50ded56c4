//! Engagement tracking: rewriting a rendered message's links to tracked ones, and adding the
//! open pixel to email. Pure: the caller supplies the tracked URL of each link.

/// `html` with every `href="http…"` / `href='http…'` replaced by `track(url)` (links `track`
/// answers `None` for stay), and `pixel` (an `<img>`) before `</body>` or at the end.
pub fn track_html(
    html: &str,
    pixel: Option<&str>,
    track: &mut dyn FnMut(&str) -> Option<String>,
) -> String {
    let mut out = String::with_capacity(html.len() + 200);
    let mut rest = html;
    while let Some(at) = find_href(rest) {
        let (before, after) = rest.split_at(at.value_start);
        out.push_str(before);
        let value = &after[..at.value_len];
        let tracked = if is_web_url(value) {
            track(&decode_amp(value))
        } else {
            None
        };
        match tracked {
            Some(tracked) => out.push_str(&tracked),
            None => out.push_str(value),
        }
        rest = &after[at.value_len..];
    }
    out.push_str(rest);
    if let Some(pixel) = pixel {
        match out.to_ascii_lowercase().rfind("</body>") {
            Some(i) => out.insert_str(i, pixel),
            None => out.push_str(pixel),
        }
    }
    out
}

/// `text` with every bare `http://…` / `https://…` URL replaced by `track(url)`.
pub fn track_text(text: &str, track: &mut dyn FnMut(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = find_url(rest) {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\''))
            .unwrap_or(tail.len());
        // Sentence punctuation right after a URL is not part of it.
        let url = tail[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')']);
        match track(url) {
            Some(tracked) => out.push_str(&tracked),
            None => out.push_str(url),
        }
        rest = &tail[url.len()..];
    }
    out.push_str(rest);
    out
}

struct Href {
    value_start: usize,
    value_len: usize,
}

fn find_href(s: &str) -> Option<Href> {
    let lower = s.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("href=") {
        let at = from + i + 5;
        let quote = s[at..].chars().next()?;
        if quote == '"' || quote == '\'' {
            let value_start = at + 1;
            let value_len = s[value_start..].find(quote)?;
            return Some(Href {
                value_start,
                value_len,
            });
        }
        from = at;
    }
    None
}

fn find_url(s: &str) -> Option<usize> {
    let lower = s.to_ascii_lowercase();
    match (lower.find("http://"), lower.find("https://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn is_web_url(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

fn decode_amp(value: &str) -> String {
    value.replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracker() -> impl FnMut(&str) -> Option<String> {
        let mut n = 0;
        move |url: &str| {
            if url.contains("/u/") {
                return None;
            }
            n += 1;
            Some(format!("https://h.test/l/{n}"))
        }
    }

    #[test]
    fn html_links_are_tracked_except_those_the_tracker_keeps() {
        let html = "<body><a href=\"https://shop.test/a?x=1&amp;y=2\">A</a> <a HREF='http://b.test'>B</a> \
                    <a href=\"mailto:x@y.z\">M</a> <a href=\"https://h.test/u/tok\">Unsubscribe</a></body>";
        let mut seen = Vec::new();
        let mut t = tracker();
        let out = track_html(html, Some("<img src=\"p\">"), &mut |u| {
            seen.push(u.to_owned());
            t(u)
        });
        assert_eq!(
            out,
            "<body><a href=\"https://h.test/l/1\">A</a> <a HREF='https://h.test/l/2'>B</a> \
             <a href=\"mailto:x@y.z\">M</a> <a href=\"https://h.test/u/tok\">Unsubscribe</a><img src=\"p\"></body>"
        );
        assert_eq!(seen[0], "https://shop.test/a?x=1&y=2");
    }

    #[test]
    fn text_urls_are_tracked_without_trailing_punctuation() {
        let out = track_text(
            "Track it: https://shop.test/o/1. Or http://x.test!",
            &mut tracker(),
        );
        assert_eq!(out, "Track it: https://h.test/l/1. Or https://h.test/l/2!");
        assert_eq!(track_text("no links", &mut tracker()), "no links");
    }
}
