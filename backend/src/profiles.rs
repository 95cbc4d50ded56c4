//! Profiles: stored people whose attributes personalise messages (`profile.*`).
//!
//! Invariants:
//! - A profile lives in one sandbox; an identity (namespace, value) names at most one profile
//!   per sandbox.
//! - Trigger calls never write attributes: their `profile` object overlays the stored attributes
//!   for that message only, and their `context` is never stored on a profile. A campaign that
//!   creates profiles creates them with the identity alone.

use crate::clock::now_ms;
use crate::error::{Error, ErrorKind, Result};
use crate::store::profiles::{Identity, ProfileRow};
use crate::{Herald, store};
use domain::profile::{
    EMAIL_ATTRIBUTE, Namespace, PHONE_ATTRIBUTE, check_attributes, identity_value,
};
use domain::views::{IdentityView, ProfileView};
use domain::{FieldError, ValidationError};
use serde_json::{Map, Value};

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
        let custom = store::namespaces::list(self.store().reader(), sandbox_id).await?;
        let known =
            |ns: &str| domain::profile::is_standard(ns) || custom.iter().any(|c| c.name == ns);
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

    /// Deletes the profile known by this identity, with all its identities.
    #[tracing::instrument(skip_all)]
    pub async fn delete_profile(
        &self,
        sandbox_id: &str,
        namespace: &str,
        value: &str,
    ) -> Result<()> {
        let mut conn = self.store().acquire().await?;
        if store::profiles::delete(&mut conn, sandbox_id, namespace, value).await? {
            Ok(())
        } else {
            Err(profile_not_found())
        }
    }
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
