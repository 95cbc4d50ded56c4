//! The four text parts of a message (subject, preheader, HTML body, text body): the shape that
//! content, language variants, rendering and reviews share.

use serde::{Deserialize, Serialize};

/// The four text parts of a message, as templates (content, variants) or as rendered text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parts {
    pub subject: String,
    pub preheader: String,
    pub html_body: String,
    pub text_body: String,
}

impl Parts {
    /// One-line parts (subject, preheader) without surrounding spaces, as they are kept.
    pub(crate) fn trimmed(mut self) -> Self {
        self.subject = self.subject.trim().to_owned();
        self.preheader = self.preheader.trim().to_owned();
        self
    }

    /// `(name, text)` of each part, in form order; names are the API's field names.
    pub fn named(&self) -> [(&'static str, &str); 4] {
        [
            ("subject", &self.subject),
            ("preheader", &self.preheader),
            ("htmlBody", &self.html_body),
            ("textBody", &self.text_body),
        ]
    }
}
