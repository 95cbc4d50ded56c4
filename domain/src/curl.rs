//! The ready-to-run cURL request shown on a live campaign's page.
//!
//! Its payload contains every profile and context variable the content uses, with example
//! values, so a developer can paste it into a shell and see a real message go out.

use serde_json::{Map, Value, json};

/// Builds the payload of a sample unitary call for a campaign whose content uses `variables`.
pub fn sample_payload(campaign_id: &str, variables: &[String]) -> Value {
    let mut profile = Map::new();
    let mut context = Map::new();
    for var in variables {
        let (root, rest) = match var.split_once('.') {
            Some(("profile", rest)) => (&mut profile, rest),
            Some(("context", rest)) => (&mut context, rest),
            _ => continue,
        };
        insert_path(root, rest);
    }
    let mut recipient = json!({
        "type": "aep",
        "userId": "jane@example.com",
        "namespace": "email",
    });
    if !profile.is_empty() {
        recipient["profile"] = Value::Object(profile);
    }
    if !context.is_empty() {
        recipient["context"] = Value::Object(context);
    }
    json!({
        "requestId": "REQUEST_ID",
        "campaignId": campaign_id,
        "recipients": [recipient],
    })
}

fn insert_path(root: &mut Map<String, Value>, path: &str) {
    let segments: Vec<&str> = path.split('.').collect();
    let mut node = root;
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        if last {
            node.entry(*segment)
                .or_insert_with(|| Value::String(example_value(segment)));
            return;
        }
        let entry = node
            .entry(*segment)
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        node = entry.as_object_mut().expect("made an object above");
    }
}

fn example_value(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    if lower.contains("url") || lower.contains("link") {
        "https://example.com/".to_owned() + name
    } else if lower.contains("email") {
        "jane@example.com".into()
    } else if lower == "firstname" || lower == "name" {
        "Jane".into()
    } else if lower == "lastname" {
        "Doe".into()
    } else if lower.contains("code") || lower.contains("otp") {
        "123456".into()
    } else {
        format!("example {name}")
    }
}

/// The whole shell command. `REQUEST_ID` becomes a fresh id on every run, so pasting it twice
/// sends twice instead of replaying the first call.
pub fn curl_command(base_url: &str, campaign_id: &str, variables: &[String]) -> String {
    let payload = sample_payload(campaign_id, variables);
    let body = serde_json::to_string_pretty(&payload)
        .expect("a JSON value always serialises")
        .replace("\"REQUEST_ID\"", "\"req-$(date +%s%N)\"");
    format!(
        "curl -sS -X POST '{base}/ajo/im/executions/unitary' \\\n  \
         -H \"Authorization: Bearer $HERALD_API_KEY\" \\\n  \
         -H 'Content-Type: application/json' \\\n  \
         --data-binary @- <<EOF\n{body}\nEOF",
        base = base_url.trim_end_matches('/'),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_holds_every_variable_nested_by_its_path() {
        let vars: Vec<String> = [
            "profile.person.name.firstName",
            "context.resetUrl",
            "context.product",
            "context.product.name",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        let p = sample_payload("c1", &vars);
        let r = &p["recipients"][0];
        assert_eq!(r["profile"]["person"]["name"]["firstName"], "Jane");
        assert_eq!(r["context"]["resetUrl"], "https://example.com/resetUrl");
        assert_eq!(r["context"]["product"]["name"], "Jane");
        assert_eq!(p["campaignId"], "c1");
    }

    #[test]
    fn the_command_uses_a_fresh_request_id_and_the_key_from_the_environment() {
        let cmd = curl_command("http://127.0.0.1:3000/", "c1", &[]);
        assert!(
            cmd.starts_with("curl -sS -X POST 'http://127.0.0.1:3000/ajo/im/executions/unitary'")
        );
        assert!(cmd.contains("\"requestId\": \"req-$(date +%s%N)\""));
        assert!(cmd.contains("Bearer $HERALD_API_KEY"));
        assert!(cmd.ends_with("\nEOF"));
    }
}
