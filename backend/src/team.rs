//! A sandbox's people: roles, invitations, disabled accounts and password resets.
//!
//! Invariants:
//! - Every sandbox keeps at least one enabled owner: the last one cannot be demoted, removed or
//!   disabled (by anyone, themselves included).
//! - Owners act only on people of their own sandbox: a user id of someone without a role there
//!   is `user_not_found`, as if they did not exist.
//! - One-time links (invitations, password resets) are random 256-bit tokens of which only the
//!   SHA-256 is stored; a link works once (marked used in the same transaction that uses it),
//!   until it expires ([`LINK_LIFETIME_MS`]).
//! - A disabled account cannot sign in, and its open sessions stop working at their next
//!   request ([`Herald::member_caller`] finds no sandbox for it).

use crate::accounts::{Caller, check_password, hash_password, key_hash};
use crate::clock::now_ms;
use crate::error::{Error, ErrorKind, Result};
use crate::store::audit::Who;
use crate::store::team::LinkPurpose;
use crate::{Herald, store};
use domain::channel::Channel;
use domain::ids::UserId;
use domain::recipient::EmailAddress;
use domain::team::{LinkView, OneTimeLink, TeamView};
use domain::tenancy::{Permission, Role};
use domain::views::AuditEventView;
use rand::Rng;
use rand::distr::Alphanumeric;

/// How long an invitation or a password reset link works: 7 days.
pub const LINK_LIFETIME_MS: i64 = 7 * 86_400_000;

/// What an invitation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invited {
    /// The person already had an account: they have the role now.
    Added,
    /// A link was made for them to choose a password.
    Link(OneTimeLink),
}

fn user_not_found() -> Error {
    Error::not_found("user_not_found", "No one in this sandbox has this id.")
}

fn last_owner() -> Error {
    Error::new(
        ErrorKind::Conflict,
        "last_owner",
        "A sandbox keeps at least one owner: make someone else owner first.",
    )
}

fn dead_link() -> Error {
    Error::not_found(
        "link_not_valid",
        "This link has expired or was already used. Ask an owner of your team for a new one.",
    )
}

impl Herald {
    /// The caller's sandbox's people and pending invitations.
    pub async fn team(&self, caller: &Caller) -> Result<TeamView> {
        caller.require(Permission::Read)?;
        let pool = self.store().reader();
        Ok(TeamView {
            members: store::team::members(pool, caller.sandbox_id()).await?,
            invitations: store::team::pending_invitations(pool, caller.sandbox_id(), now_ms())
                .await?,
            approval_required: store::sandboxes::approval_required(pool, caller.sandbox_id())
                .await?,
        })
    }

    /// The caller's sandbox's audit log: the newest 500 changes matching `search`.
    pub async fn audit_log(&self, caller: &Caller, search: &str) -> Result<Vec<AuditEventView>> {
        caller.require(Permission::Read)?;
        let search: String = search.trim().chars().take(200).collect();
        let pool = self.store().reader();
        Ok(store::audit::sandbox_events(pool, caller.sandbox_id(), &search, 500).await?)
    }

    /// Gives a person a role in a sandbox, outside any caller (the command line, first start).
    pub async fn grant(&self, user: UserId, sandbox_id: &str, role: Role) -> Result<()> {
        let mut conn = self.store().acquire().await?;
        store::team::set_role(&mut conn, user, sandbox_id, role, now_ms()).await?;
        Ok(())
    }

    /// Invites `email` to the caller's sandbox with `role`: someone with an account gets the
    /// role at once; anyone else gets a one-time link, emailed when the server can send email.
    #[tracing::instrument(skip_all)]
    pub async fn invite(&self, caller: &Caller, email: &str, role: Role) -> Result<Invited> {
        caller.require(Permission::Own)?;
        let email = EmailAddress::parse(email)
            .map_err(|m| Error::new(ErrorKind::Invalid, "invalid_email", format!("email {m}")))?;
        let existing =
            store::accounts::user_by_email(self.store().reader(), email.as_str()).await?;
        let mut tx = self.store().begin().await?;
        let invited = match existing {
            Some(user) => {
                store::team::set_role(&mut tx, user.id, caller.sandbox_id(), role, now_ms())
                    .await?;
                None
            }
            None => {
                let purpose = LinkPurpose::Invite {
                    sandbox_id: caller.sandbox_id().to_owned(),
                    role,
                };
                Some(
                    self.new_link(
                        &mut tx,
                        &caller.actor().to_string(),
                        email.as_str(),
                        &purpose,
                    )
                    .await?,
                )
            }
        };
        let detail = format!("{} as {role}", email.as_str());
        self.audit_team(&mut tx, caller, "invited", &detail).await?;
        tx.commit().await?;
        Ok(match invited {
            None => Invited::Added,
            Some((url, expires_at)) => {
                let sandbox = &caller.sandbox.name;
                let text = format!(
                    "You are invited to work in Herald's sandbox {sandbox} as {role}.\n\n\
                     Choose your password here (the link works once, for 7 days):\n{url}\n"
                );
                let emailed = self
                    .email_link(email.as_str(), "Your invitation to Herald", text)
                    .await;
                Invited::Link(OneTimeLink {
                    url,
                    emailed,
                    expires_at,
                })
            }
        })
    }

    /// Changes a member's role in the caller's sandbox.
    pub async fn set_member_role(&self, caller: &Caller, user: UserId, role: Role) -> Result<()> {
        caller.require(Permission::Own)?;
        let mut tx = self.store().begin().await?;
        let current = self.member_role(caller, user).await?;
        store::team::set_role(&mut tx, user, caller.sandbox_id(), role, now_ms()).await?;
        if current == Role::Owner
            && store::team::owner_count(&mut tx, caller.sandbox_id()).await? == 0
        {
            return Err(last_owner());
        }
        let detail = format!("{} from {current} to {role}", self.email_of(user).await?);
        self.audit_team(&mut tx, caller, "role changed", &detail)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes a member's role in the caller's sandbox away (their account stays).
    pub async fn remove_member(&self, caller: &Caller, user: UserId) -> Result<()> {
        caller.require(Permission::Own)?;
        self.member_role(caller, user).await?;
        let mut tx = self.store().begin().await?;
        store::team::remove_member(&mut tx, user, caller.sandbox_id()).await?;
        if store::team::owner_count(&mut tx, caller.sandbox_id()).await? == 0 {
            return Err(last_owner());
        }
        let detail = self.email_of(user).await?;
        self.audit_team(&mut tx, caller, "removed", &detail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disables or enables a member's account (everywhere: an account is one person).
    pub async fn set_member_disabled(
        &self,
        caller: &Caller,
        user: UserId,
        disabled: bool,
    ) -> Result<()> {
        caller.require(Permission::Own)?;
        self.member_role(caller, user).await?;
        if disabled && caller.user == Some(user) {
            return Err(Error::new(
                ErrorKind::Conflict,
                "cannot_disable_self",
                "You cannot disable your own account.",
            ));
        }
        let mut tx = self.store().begin().await?;
        store::team::set_disabled(&mut tx, user, disabled.then(now_ms)).await?;
        if store::team::owner_count(&mut tx, caller.sandbox_id()).await? == 0 {
            return Err(last_owner());
        }
        let action = if disabled { "disabled" } else { "enabled" };
        let detail = self.email_of(user).await?;
        self.audit_team(&mut tx, caller, action, &detail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A one-time link for a member to choose a new password, emailed when the server can
    /// send email.
    pub async fn password_reset_link(&self, caller: &Caller, user: UserId) -> Result<OneTimeLink> {
        caller.require(Permission::Own)?;
        self.member_role(caller, user).await?;
        let email = self.email_of(user).await?;
        let mut tx = self.store().begin().await?;
        let (url, expires_at) = self
            .new_link(
                &mut tx,
                &caller.actor().to_string(),
                &email,
                &LinkPurpose::Reset { user },
            )
            .await?;
        self.audit_team(&mut tx, caller, "password reset link made", &email)
            .await?;
        tx.commit().await?;
        let text = format!(
            "Choose a new password for Herald here (the link works once, for 7 days):\n{url}\n\n\
             If you did not expect this, tell the owners of your team."
        );
        let emailed = self
            .email_link(&email, "Reset your Herald password", text)
            .await;
        Ok(OneTimeLink {
            url,
            emailed,
            expires_at,
        })
    }

    /// A password reset link made on the command line (the operator needs no role).
    pub async fn operator_reset_link(&self, email: &str) -> Result<OneTimeLink> {
        let user = store::accounts::user_by_email(self.store().reader(), email.trim())
            .await?
            .ok_or_else(|| Error::not_found("user_not_found", "No account has this email."))?;
        let mut conn = self.store().acquire().await?;
        let purpose = LinkPurpose::Reset { user: user.id };
        let (url, expires_at) = self
            .new_link(&mut conn, crate::accounts::OPERATOR, email.trim(), &purpose)
            .await?;
        Ok(OneTimeLink {
            url,
            emailed: false,
            expires_at,
        })
    }

    /// Disables or enables an account on the command line.
    pub async fn operator_set_disabled(&self, email: &str, disabled: bool) -> Result<()> {
        let user = store::accounts::any_user_by_email(self.store().reader(), email.trim())
            .await?
            .ok_or_else(|| Error::not_found("user_not_found", "No account has this email."))?;
        let mut conn = self.store().acquire().await?;
        store::team::set_disabled(&mut conn, user, disabled.then(now_ms)).await?;
        Ok(())
    }

    /// Every account with its roles, for the command line.
    pub async fn list_users(&self) -> Result<Vec<store::team::UserListing>> {
        Ok(store::team::list_users(self.store().reader()).await?)
    }

    /// What a live one-time link is for; `link_not_valid` if it is used, expired or unknown.
    pub async fn link(&self, token: &str) -> Result<LinkView> {
        let (email, purpose) =
            store::team::live_link(self.store().reader(), &key_hash(token.trim()), now_ms())
                .await?
                .ok_or_else(dead_link)?;
        let invitation = match purpose {
            LinkPurpose::Invite { sandbox_id, role } => {
                let s = self.sandbox(&sandbox_id).await?;
                Some((format!("{}/{}", s.org_id, s.name), role))
            }
            LinkPurpose::Reset { .. } => None,
        };
        Ok(LinkView { email, invitation })
    }

    /// Uses a one-time link with the password its holder chose: an invitation creates their
    /// account with its role, a reset sets the new password. Returns the account, to sign in.
    #[tracing::instrument(skip_all)]
    pub async fn use_link(&self, token: &str, password: &str) -> Result<UserId> {
        let view = self.link(token).await?;
        check_password(&view.email, password)?;
        let hash = hash_password(password.to_owned()).await?;
        let mut tx = self.store().begin().await?;
        let (email, purpose) = store::team::use_link(&mut tx, &key_hash(token.trim()), now_ms())
            .await?
            .ok_or_else(dead_link)?;
        let (user, sandbox_id, action) = match purpose {
            LinkPurpose::Invite { sandbox_id, role } => {
                let id = UserId::new();
                match store::accounts::insert_user(&mut tx, id, &email, &hash, now_ms()).await {
                    Ok(()) => {}
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                        return Err(Error::new(
                            ErrorKind::Conflict,
                            "user_exists",
                            "An account with this email exists already: sign in with it.",
                        ));
                    }
                    Err(e) => return Err(e.into()),
                }
                store::team::set_role(&mut tx, id, &sandbox_id, role, now_ms()).await?;
                (id, Some(sandbox_id), "joined")
            }
            LinkPurpose::Reset { user } => {
                store::team::set_password(&mut tx, user, &hash).await?;
                (user, None, "password reset")
            }
        };
        let who = Who::without_address(crate::accounts::Actor::User(user).to_string());
        let reset = sandbox_id.is_none();
        for sandbox in self.audit_sandboxes(user, sandbox_id).await? {
            store::audit::record_event(&mut tx, &sandbox, &who, action, "user", &email, now_ms())
                .await?;
        }
        tx.commit().await?;
        if reset {
            // Whoever knew the old password is signed out everywhere.
            self.end_other_sessions(user, None).await?;
        }
        Ok(user)
    }

    /// Changes the signed-in person's own password, given their current one, and ends their
    /// other sessions (all but `session`, the one asking).
    pub async fn change_own_password(
        &self,
        user: UserId,
        current: &str,
        new: &str,
        session: &str,
    ) -> Result<()> {
        let email = self.email_of(user).await?;
        let account = self.account(&email).await?;
        if self.verify_login(account.as_ref(), current).await? != Some(user) {
            return Err(Error::new(
                ErrorKind::Invalid,
                "wrong_password",
                "Your current password is not right.",
            ));
        }
        check_password(&email, new)?;
        let hash = hash_password(new.to_owned()).await?;
        let mut tx = self.store().begin().await?;
        store::team::set_password(&mut tx, user, &hash).await?;
        let who = Who::without_address(crate::accounts::Actor::User(user).to_string());
        for sandbox in self.audit_sandboxes(user, None).await? {
            store::audit::record_event(
                &mut tx,
                &sandbox,
                &who,
                "password changed",
                "user",
                &email,
                now_ms(),
            )
            .await?;
        }
        tx.commit().await?;
        self.end_other_sessions(user, Some(session)).await?;
        Ok(())
    }

    /// The role `user` holds in the caller's sandbox; `user_not_found` without one.
    async fn member_role(&self, caller: &Caller, user: UserId) -> Result<Role> {
        let members = store::team::members(self.store().reader(), caller.sandbox_id()).await?;
        members
            .into_iter()
            .find(|m| m.user_id == user.to_string())
            .map(|m| m.role)
            .ok_or_else(user_not_found)
    }

    async fn email_of(&self, user: UserId) -> Result<String> {
        self.user_email(&user).await?.ok_or_else(user_not_found)
    }

    /// Where a change to a person is audited: the sandbox it happened in, else every sandbox
    /// the person works in.
    async fn audit_sandboxes(&self, user: UserId, sandbox: Option<String>) -> Result<Vec<String>> {
        Ok(match sandbox {
            Some(s) => vec![s],
            None => {
                let all = store::team::sandboxes_of(self.store().reader(), user).await?;
                all.into_iter().map(|(s, _)| s.id).collect()
            }
        })
    }

    async fn audit_team(
        &self,
        conn: &mut store::Conn,
        caller: &Caller,
        action: &str,
        detail: &str,
    ) -> Result<()> {
        store::audit::record_event(
            conn,
            caller.sandbox_id(),
            &caller.who(),
            action,
            "user",
            detail,
            now_ms(),
        )
        .await?;
        Ok(())
    }

    async fn new_link(
        &self,
        conn: &mut store::Conn,
        created_by: &str,
        email: &str,
        purpose: &LinkPurpose,
    ) -> Result<(String, i64)> {
        let token = new_token();
        let expires_at = now_ms() + LINK_LIFETIME_MS;
        store::team::insert_link(
            conn,
            store::team::NewLink {
                token_hash: &key_hash(&token),
                email,
                purpose,
                created_by,
                now: now_ms(),
                expires_at,
            },
        )
        .await?;
        Ok((self.link_url(&token), expires_at))
    }

    fn link_url(&self, token: &str) -> String {
        format!(
            "{}/welcome?token={token}",
            self.settings().public_url.trim_end_matches('/')
        )
    }

    /// Emails a link through the server's email sender; `false` when there is none (local
    /// capture) or it refused, so the link is shown instead.
    async fn email_link(&self, to: &str, subject: &str, text: String) -> bool {
        let transport = self.inner.transports.default_for(Channel::Email);
        if transport.provider() == "capture" {
            return false;
        }
        let message = domain::delivery::Outgoing::notice(to, subject, text);
        match transport.send(&message).await {
            Ok(_) => true,
            Err(e) => {
                tracing::warn!(detail = %e.detail, "cannot email an account link");
                false
            }
        }
    }
}

/// A one-time link's secret: 43 random letters and digits (over 256 bits).
fn new_token() -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(43)
        .map(char::from)
        .collect()
}
