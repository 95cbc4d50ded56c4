//! How long an SMS is as carriers count it: GSM-7 or UCS-2, units and segments.

use serde::{Deserialize, Serialize};

/// How an SMS text is encoded and how many segments it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsLength {
    /// `true`: GSM-7 (160 per single message, 153 per segment); `false`: UCS-2 (70 / 67).
    pub gsm7: bool,
    /// Length in the encoding's units (GSM-7 extension characters count twice; UCS-2 counts
    /// UTF-16 code units).
    pub units: usize,
    pub segments: usize,
}

/// The GSM 03.38 basic character set.
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// Characters of the GSM 03.38 extension table (two units each).
const GSM7_EXTENSION: &str = "^{}\\[~]|€\u{000C}";

/// Counts the segments an SMS text takes.
pub fn sms_length(text: &str) -> SmsLength {
    let gsm7 = text
        .chars()
        .all(|c| GSM7_BASIC.contains(c) || GSM7_EXTENSION.contains(c));
    let (units, single, multi) = if gsm7 {
        let units = text
            .chars()
            .map(|c| if GSM7_EXTENSION.contains(c) { 2 } else { 1 })
            .sum();
        (units, 160, 153)
    } else {
        (text.encode_utf16().count(), 70, 67)
    };
    let segments = match units {
        0 => 0,
        n if n <= single => 1,
        n => n.div_ceil(multi),
    };
    SmsLength {
        gsm7,
        units,
        segments,
    }
}

/// The characters of `text` outside GSM-7 (each once, in order): those that make it UCS-2.
pub fn ucs2_characters(text: &str) -> Vec<char> {
    let mut found = Vec::new();
    for c in text.chars() {
        if !GSM7_BASIC.contains(c) && !GSM7_EXTENSION.contains(c) && !found.contains(&c) {
            found.push(c);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_characters_that_force_ucs2_are_named_once_each() {
        assert_eq!(ucs2_characters("Code: 1234 [ok] €"), Vec::<char>::new());
        assert_eq!(ucs2_characters("Dein Code 👋 – 👋 ç"), vec!['👋', '–', 'ç']);
    }

    #[test]
    fn sms_segments_follow_gsm7_and_ucs2() {
        assert_eq!(
            sms_length(""),
            SmsLength {
                gsm7: true,
                units: 0,
                segments: 0
            }
        );
        assert_eq!(sms_length(&"a".repeat(160)).segments, 1);
        assert_eq!(sms_length(&"a".repeat(161)).segments, 2);
        assert_eq!(sms_length(&"a".repeat(306)).segments, 2);
        assert_eq!(sms_length(&"a".repeat(307)).segments, 3);
        let euro = sms_length("€");
        assert_eq!(
            (euro.gsm7, euro.units),
            (true, 2),
            "extension characters count twice"
        );
        let emoji = sms_length("Hi 👋");
        assert_eq!((emoji.gsm7, emoji.units, emoji.segments), (false, 5, 1));
        assert_eq!(sms_length(&"é".repeat(70)).segments, 1, "é is GSM-7");
        assert_eq!(
            sms_length(&"ł".repeat(71)).segments,
            2,
            "ł is not: UCS-2, 70 per SMS"
        );
        assert_eq!(sms_length(&"ł".repeat(134)).segments, 2);
        assert_eq!(sms_length(&"ł".repeat(135)).segments, 3);
    }
}
