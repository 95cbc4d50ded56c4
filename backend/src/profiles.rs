//! Profiles: stored people whose attributes personalise messages (`profile.*`).
//!
//! Invariants:
//! - A profile lives in one sandbox; an identity (namespace, value) names at most one profile
//!   per sandbox.
//! - Erasing a profile deletes it and redacts its finished messages (address, content,
//!   providers' answers); the audit records that it happened, never the data.
//! - Trigger calls never write attributes: their `profile` object overlays the stored attributes
//!   for that message only, and their `context` is never stored on a profile. A campaign that
//!   creates profiles creates them with the identity alone.

use crate::accounts::Caller;
use crate::clock::now_ms;
use crate::error::{Error, ErrorKind, Result};
use crate::store::profiles::{Identity, ProfileRow};
use crate::{Herald, store};
use domain::channel::Channel;
use domain::ids::ProfileId;
use domain::profile::{
    EMAIL_ATTRIBUTE, Namespace, PHONE_ATTRIBUTE, check_attributes, identity_value, text_at,
};
use domain::tenancy::Permission;
use domain::views::{
    AddressState, Erasure, IdentityView, ProfileDetail, ProfilePage, ProfileSummary, ProfileView,
};
use domain::{FieldError, ValidationError};
use serde_json::{Map, Value};
use std::collections::HashMap;

fn profile_not_found() -> Error {
    Error::not_found("profile_not_found", "No profile has this identity.")
}

/// Most identities one profile may have.
const MAX_IDENTITIES: usize = 20;

impl Herald {
    /// Profile attributes the editor offers: the usual ones and those found in stored profiles.
    pub async fn known_profile_attributes(&self, sandbox_id: &str) -> Result<Vec<String>> {
        let mut paths: Vec<String> = [
            "person.name.firstName",
            "person.name.lastName",
            EMAIL_ATTRIBUTE,
            PHONE_ATTRIBUTE,
        ]
        .map(String::from)
        .to_vec();
        paths.extend(store::profiles::attribute_paths(self.store().reader(), sandbox_id).await?);
        paths.sort();
        paths.dedup();
        Ok(paths)
    }

    /// The profile known by `value` in `namespace`.
    pub async fn profile(
        &self,
        sandbox_id: &str,
        namespace: &str,
        value: &str,
    ) -> Result<ProfileView> {
        store::profiles::by_identity(self.store().reader(), sandbox_id, namespace, value)
            .await?
            .map(view)
            .ok_or_else(profile_not_found)
    }

    /// Creates or replaces the attributes of the profile known by (`namespace`, `value`); also
    /// links `more` identities to it. Returns the profile and whether it was created.
    #[tracing::instrument(skip_all)]
    pub async fn upsert_profile(
        &self,
        sandbox_id: &str,
        identity: (&str, &str),
        more: &[IdentityView],
        attributes: &Map<String, Value>,
    ) -> Result<(ProfileView, bool)> {
        let mut errors = Vec::new();
        let mut identities: Vec<Identity> = Vec::new();
        let names = self.namespace_names(sandbox_id).await?;
        let known = |ns: &str| names.contains(ns);
        let all = std::iter::once((identity.0, identity.1))
            .chain(more.iter().map(|i| (i.namespace.as_str(), i.id.as_str())));
        for (i, (namespace, value)) in all.enumerate() {
            let field = if i == 0 {
                "identity".to_owned()
            } else {
                format!("identities[{}]", i - 1)
            };
            match (Namespace::parse(namespace), identity_value(value)) {
                (Ok(ns), Ok(_)) if !known(ns.as_str()) => errors.push(FieldError::new(
                    format!("{field}.namespace"),
                    "is not an identity namespace of this sandbox (an admin adds custom ones)",
                )),
                (Ok(ns), Ok(v)) => {
                    let id = (ns.as_str().to_owned(), v);
                    if !identities.contains(&id) {
                        identities.push(id);
                    }
                }
                (ns, v) => {
                    errors.extend(
                        ns.err()
                            .map(|e| FieldError::new(format!("{field}.namespace"), e.message)),
                    );
                    errors.extend(v.err().map(|m| FieldError::new(format!("{field}.id"), m)));
                }
            }
        }
        if identities.len() > MAX_IDENTITIES {
            errors.push(FieldError::new(
                "identities",
                "a profile may have at most 20 identities",
            ));
        }
        errors.extend(check_attributes("attributes", attributes).err());
        if !errors.is_empty() {
            return Err(ValidationError::new("invalid_profile", errors).into());
        }
        let now = now_ms();
        let mut tx = self.store().begin().await?;
        let owners = store::profiles::owners(&mut tx, sandbox_id, &identities).await?;
        let created = match owners.as_slice() {
            [] => {
                store::profiles::insert(&mut tx, sandbox_id, &identities, attributes, now).await?;
                true
            }
            [id] => {
                store::profiles::update(&mut tx, sandbox_id, id, &identities, attributes, now)
                    .await?;
                false
            }
            _ => {
                return Err(Error::new(
                    ErrorKind::Conflict,
                    "identity_conflict",
                    "these identities belong to different profiles",
                ));
            }
        };
        tx.commit().await?;
        let profile = self
            .profile(sandbox_id, identity.0.trim(), identity.1.trim())
            .await?;
        Ok((profile, created))
    }

    /// Erases the profile known by this identity (see [`Herald::erase_profile`]).
    #[tracing::instrument(skip_all)]
    pub async fn delete_profile(
        &self,
        caller: &Caller,
        namespace: &str,
        value: &str,
    ) -> Result<Erasure> {
        caller.require(Permission::Edit)?;
        let profile = self.profile(caller.sandbox_id(), namespace, value).await?;
        self.erase_profile(caller, &profile.id).await
    }
}

/// Profiles a page of the browser's list shows.
const PAGE_SIZE: i64 = 50;

impl Herald {
    /// A page of the sandbox's profiles, newest first; with a query, those with an identity
    /// starting with it or attributes containing it.
    pub async fn profile_page(
        &self,
        sandbox_id: &str,
        query: &str,
        before: Option<&str>,
    ) -> Result<ProfilePage> {
        let query = Some(query.trim()).filter(|q| !q.is_empty());
        let mut rows = store::profiles::page(
            self.store().reader(),
            sandbox_id,
            query,
            before,
            PAGE_SIZE + 1,
        )
        .await?;
        let next = (rows.len() as i64 > PAGE_SIZE).then(|| {
            rows.truncate(PAGE_SIZE as usize);
            rows.last().map(|r| r.id.to_string()).unwrap_or_default()
        });
        let ids: Vec<ProfileId> = rows.iter().map(|r| r.id).collect();
        let mut identities = self.identities_by_profile(&ids).await?;
        let items = rows
            .into_iter()
            .map(|r| {
                let attributes: Map<String, Value> =
                    serde_json::from_str(&r.attributes).unwrap_or_default();
                let name = ["person.name.firstName", "person.name.lastName"]
                    .iter()
                    .filter_map(|p| text_at(&attributes, p))
                    .collect::<Vec<_>>()
                    .join(" ");
                ProfileSummary {
                    identities: identities.remove(&r.id).unwrap_or_default(),
                    id: r.id.to_string(),
                    name,
                    updated_at: r.updated_at,
                }
            })
            .collect();
        Ok(ProfilePage { items, next })
    }

    /// A profile of the sandbox by id, with its addresses' states and its consents.
    pub async fn profile_detail(&self, sandbox_id: &str, id: &str) -> Result<ProfileDetail> {
        let row = self.profile_row(sandbox_id, id).await?;
        let mut addresses = Vec::new();
        for (channel, address) in addresses_of(&row) {
            let reader = self.store().reader();
            let suppressed =
                store::suppressions::reasons(reader, sandbox_id, channel, &[address.as_str()])
                    .await?
                    .remove(&address);
            let opted_out =
                !store::opt_outs::opted_out(reader, sandbox_id, channel, &[address.as_str()])
                    .await?
                    .is_empty();
            addresses.push(AddressState {
                channel: channel.as_str().to_owned(),
                address,
                suppressed,
                opted_out,
            });
        }
        let consents = ["email", "sms", "push", "any"]
            .iter()
            .map(|c| {
                let path = format!("consents.marketing.{c}.val");
                (
                    (*c).to_owned(),
                    text_at(&row.attributes, &path).map(str::to_owned),
                )
            })
            .collect();
        Ok(ProfileDetail {
            profile: view(row),
            addresses,
            consents,
        })
    }

    /// Replaces a profile's attributes (the browser's JSON editor).
    #[tracing::instrument(skip_all)]
    pub async fn set_profile_attributes(
        &self,
        sandbox_id: &str,
        id: &str,
        attributes: &Map<String, Value>,
    ) -> Result<ProfileView> {
        let mut row = self.profile_row(sandbox_id, id).await?;
        check_attributes("attributes", attributes)
            .map_err(|e| Error::from(ValidationError::new("invalid_profile", vec![e])))?;
        let now = now_ms();
        let mut conn = self.store().acquire().await?;
        let json = Value::Object(attributes.clone()).to_string();
        store::profiles::set_attributes(&mut conn, &[(row.id, json)], now).await?;
        row.attributes = attributes.clone();
        row.updated_at = now;
        Ok(view(row))
    }

    /// Erases a profile: deletes it and redacts its finished messages, and records who did it
    /// (not what was erased).
    #[tracing::instrument(skip_all)]
    pub async fn erase_profile(&self, caller: &Caller, id: &str) -> Result<Erasure> {
        caller.require(Permission::Edit)?;
        let sandbox_id = caller.sandbox_id();
        let row = self.profile_row(sandbox_id, id).await?;
        let addresses: Vec<String> = addresses_of(&row).into_iter().map(|(_, a)| a).collect();
        let now = now_ms();
        let mut tx = self.store().begin().await?;
        let (redacted, unfinished) =
            store::profiles::redact_messages(&mut tx, sandbox_id, &addresses, now).await?;
        store::profiles::delete_by_id(&mut tx, row.id).await?;
        store::audit::record_event(
            &mut tx,
            sandbox_id,
            &caller.who(),
            "profile_erased",
            &row.id.to_string(),
            &format!("{redacted} messages redacted, {unfinished} unfinished"),
            now,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(profile_id = %row.id, redacted, unfinished, "profile erased");
        Ok(Erasure {
            messages_redacted: redacted,
            messages_unfinished: unfinished,
        })
    }

    /// The identities of these profiles, by profile.
    pub(crate) async fn identities_by_profile(
        &self,
        ids: &[ProfileId],
    ) -> Result<HashMap<ProfileId, Vec<IdentityView>>> {
        let mut identities: HashMap<ProfileId, Vec<IdentityView>> = HashMap::new();
        for (profile, namespace, id) in
            store::profiles::identities_of(self.store().reader(), ids).await?
        {
            identities
                .entry(profile)
                .or_default()
                .push(IdentityView { namespace, id });
        }
        Ok(identities)
    }

    async fn profile_row(&self, sandbox_id: &str, id: &str) -> Result<ProfileRow> {
        let id: ProfileId = id.parse().map_err(|_| profile_not_found())?;
        store::profiles::by_id(self.store().reader(), sandbox_id, id)
            .await?
            .ok_or_else(profile_not_found)
    }
}

/// The addresses a profile is reached at: its email and phone identities and attributes.
fn addresses_of(row: &ProfileRow) -> Vec<(Channel, String)> {
    let mut found: Vec<(Channel, String)> = Vec::new();
    let identities = row
        .identities
        .iter()
        .filter_map(|(ns, v)| match ns.as_str() {
            "email" => Some((Channel::Email, v.clone())),
            "phone" => Some((Channel::Sms, v.clone())),
            _ => None,
        });
    let attributes = [
        (Channel::Email, EMAIL_ATTRIBUTE),
        (Channel::Sms, PHONE_ATTRIBUTE),
    ]
    .into_iter()
    .filter_map(|(c, p)| text_at(&row.attributes, p).map(|a| (c, a.to_owned())));
    for address in identities.chain(attributes) {
        if !found.contains(&address) {
            found.push(address);
        }
    }
    found
}

fn view(row: ProfileRow) -> ProfileView {
    ProfileView {
        id: row.id.to_string(),
        identities: row
            .identities
            .into_iter()
            .map(|(namespace, id)| IdentityView { namespace, id })
            .collect(),
        attributes: row.attributes,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}
