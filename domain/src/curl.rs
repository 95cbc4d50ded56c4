//! The ready-to-run cURL request shown on a live campaign's page.
//!
//! Its payload contains every profile and context variable the content uses, with example
//! values, so a developer can paste it into a shell and see a real message go out.

use crate::channel::Channel;
use serde_json::{Map, Value, json};

/// The campaign a sample request triggers, and where it lives.
#[derive(Debug, Clone, Copy)]
pub struct SampleTarget<'a> {
    pub base_url: &'a str,
    pub campaign_id: &'a str,
    pub channel: Channel,
    pub namespace: &'a str,
    /// With profile creation on, the sample sends an `aep` recipient (its profile is created on
    /// the first call); otherwise an `external` one, which needs no stored profile.
    pub create_profiles: bool,
    pub org_id: &'a str,
    pub sandbox_name: &'a str,
}

/// Example `profile` and `context` objects holding every variable in `variables`, nested by
/// path, with plausible values (used by cURL samples and the editor's preview).
pub fn sample_data(variables: &[String]) -> (Map<String, Value>, Map<String, Value>) {
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
    (profile, context)
}

/// Builds the payload of a sample unitary call for a campaign whose content uses `variables`.
pub fn sample_payload(target: &SampleTarget<'_>, variables: &[String]) -> Value {
    let (profile, context) = sample_data(variables);
    let user_id = match target.namespace {
        "email" => "jane@example.com",
        "phone" => "+14155550123",
        _ => "jane-0001",
    };
    let mut recipient = json!({
        "type": if target.create_profiles { "aep" } else { "external" },
        "userId": user_id,
        "namespace": target.namespace,
    });
    match target.channel {
        Channel::Email if target.namespace != "email" => {
            recipient["channelData"] = json!({"emailAddress": "jane@example.com"});
        }
        Channel::Sms if target.namespace != "phone" => {
            recipient["channelData"] = json!({"mobilePhoneNumber": "+14155550123"});
        }
        Channel::Push => {
            recipient["channelData"] = json!({"pushInfo": {
                "appID": "com.example.app", "platform": "ios", "token": "DEVICE_TOKEN"
            }});
        }
        _ => {}
    }
    if !profile.is_empty() {
        recipient["profile"] = Value::Object(profile);
    }
    if !context.is_empty() {
        recipient["context"] = Value::Object(context);
    }
    json!({
        "requestId": "REQUEST_ID",
        "campaignId": target.campaign_id,
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
    } else if lower.contains("language") || lower.contains("locale") {
        "en-US".into()
    } else if lower.contains("code") || lower.contains("otp") {
        "123456".into()
    } else {
        format!("example {name}")
    }
}

/// The whole shell command. `REQUEST_ID` becomes a fresh id on every run, so pasting it twice
/// sends twice instead of replaying the first call.
pub fn curl_command(target: &SampleTarget<'_>, variables: &[String]) -> String {
    let payload = sample_payload(target, variables);
    let body = serde_json::to_string_pretty(&payload)
        .expect("a JSON value always serialises")
        .replace("\"REQUEST_ID\"", "\"req-$(date +%s%N)\"");
    format!(
        "curl -sS -X POST '{base}/ajo/im/executions/unitary' \\\n  \
         -H \"Authorization: Bearer $HERALD_API_KEY\" \\\n  \
         -H 'x-gw-ims-org-id: {org}' \\\n  \
         -H 'x-sandbox-name: {sandbox}' \\\n  \
         -H 'Content-Type: application/json' \\\n  \
         --data-binary @- <<EOF\n{body}\nEOF",
        base = target.base_url.trim_end_matches('/'),
        org = target.org_id,
        sandbox = target.sandbox_name,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TARGET: SampleTarget<'static> = SampleTarget {
        base_url: "http://127.0.0.1:3000/",
        campaign_id: "c1",
        channel: Channel::Email,
        namespace: "email",
        create_profiles: false,
        org_id: "herald",
        sandbox_name: "prod",
    };

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
        let p = sample_payload(&TARGET, &vars);
        let r = &p["recipients"][0];
        assert_eq!(r["profile"]["person"]["name"]["firstName"], "Jane");
        assert_eq!(r["context"]["resetUrl"], "https://example.com/resetUrl");
        assert_eq!(r["context"]["product"]["name"], "Jane");
        assert_eq!(p["campaignId"], "c1");
        assert_eq!(r["type"], "external");
    }

    #[test]
    fn the_recipient_fits_the_namespace_and_profile_creation() {
        let crm = SampleTarget {
            namespace: "crmId",
            create_profiles: true,
            ..TARGET
        };
        let r = &sample_payload(&crm, &[])["recipients"][0];
        assert_eq!(r["type"], "aep");
        assert_eq!(r["namespace"], "crmId");
        assert_eq!(r["channelData"]["emailAddress"], "jane@example.com");
        let sms = SampleTarget {
            channel: Channel::Sms,
            namespace: "phone",
            ..TARGET
        };
        let r = &sample_payload(&sms, &[])["recipients"][0];
        assert_eq!(r["userId"], "+14155550123");
        assert!(r.get("channelData").is_none());
        let push = SampleTarget {
            channel: Channel::Push,
            ..TARGET
        };
        let r = &sample_payload(&push, &[])["recipients"][0];
        assert_eq!(r["channelData"]["pushInfo"]["token"], "DEVICE_TOKEN");
    }

    #[test]
    fn the_command_uses_a_fresh_request_id_and_the_key_from_the_environment() {
        let cmd = curl_command(&TARGET, &[]);
        assert!(
            cmd.starts_with("curl -sS -X POST 'http://127.0.0.1:3000/ajo/im/executions/unitary'")
        );
        assert!(cmd.contains("\"requestId\": \"req-$(date +%s%N)\""));
        assert!(cmd.contains("Bearer $HERALD_API_KEY"));
        assert!(cmd.contains("-H 'x-sandbox-name: prod'"));
        assert!(cmd.ends_with("\nEOF"));
    }
}
