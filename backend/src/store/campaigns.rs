//! Campaigns and their immutable content versions.

use super::Dialect;
use super::engine::on;
use super::{Conn, Reader};
use crate::clock::Millis;
use domain::campaign::{CampaignStatus, NewCampaign, Window};
use domain::channel::{Category, Channel};
use domain::content::{Content, ContentInput, VariantInput};
use domain::fragment::Fragments;
use domain::ids::{AudienceId, CampaignId, SurfaceId};
use domain::listing::{CampaignQuery, PAGE_SIZE, Sort};
use sqlx::query::Query;
use sqlx::{Database, Encode, FromRow, QueryBuilder, Type};

#[derive(Debug, Clone, FromRow)]
pub struct CampaignRow {
    pub id: CampaignId,
    pub title: String,
    pub description: String,
    /// A JSON array of strings.
    pub tags: String,
    pub category: Category,
    pub channel: Channel,
    pub namespace: String,
    pub sandbox_id: String,
    pub create_profiles: bool,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub rate_limit: Option<i64>,
    pub surface_id: Option<SurfaceId>,
    /// The audience sends that name none go to.
    pub audience_id: Option<AudienceId>,
    pub tracking: bool,
    /// The stored status (draft, live, stopped or archived).
    pub status: CampaignStatus,
    pub live_version: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl CampaignRow {
    /// The status as the dates make it at `now`.
    pub fn status_at(&self, now: Millis) -> CampaignStatus {
        self.status.effective(self.window(), now)
    }

    pub fn window(&self) -> Window {
        Window {
            starts_at: self.starts_at,
            ends_at: self.ends_at,
        }
    }

    pub fn tags(&self) -> Vec<String> {
        serde_json::from_str(&self.tags).unwrap_or_default()
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct VersionRow {
    pub version: i64,
    /// The campaign's channel.
    pub channel: Channel,
    pub subject: String,
    pub preheader: String,
    pub html_body: String,
    pub text_body: String,
    pub push_options: Option<String>,
    pub localization: Option<String>,
    /// The bodies of the fragments the version includes, as when it was written (JSON).
    pub fragments: Option<String>,
}

/// A version's language variants, as stored.
#[derive(serde::Serialize, serde::Deserialize)]
struct Localization {
    attribute: String,
    variants: Vec<VariantInput>,
}

impl VersionRow {
    /// Stored content was validated before it was stored; re-parse defensively all the same.
    pub fn content(&self) -> Result<Content, Vec<domain::FieldError>> {
        let mut input = ContentInput {
            channel: self.channel,
            subject: self.subject.clone(),
            preheader: self.preheader.clone(),
            html_body: self.html_body.clone(),
            text_body: self.text_body.clone(),
            push: self
                .push_options
                .as_deref()
                .and_then(|p| serde_json::from_str(p).ok())
                .unwrap_or_default(),
            ..ContentInput::default()
        };
        if let Some(l) = self
            .localization
            .as_deref()
            .and_then(|l| serde_json::from_str::<Localization>(l).ok())
        {
            input.locale_attribute = l.attribute;
            input.variants = l.variants;
        }
        let fragments: Fragments = self
            .fragments
            .as_deref()
            .and_then(|f| serde_json::from_str(f).ok())
            .unwrap_or_default();
        Content::parse_with(&input, &fragments)
    }
}

/// Push options as stored: JSON for push campaigns, NULL otherwise.
fn push_options_json(content: &Content) -> Option<String> {
    (content.channel() == Channel::Push)
        .then(|| serde_json::to_string(content.push()).expect("push options serialise"))
}

/// The fragments' bodies as stored: JSON when the content includes some, NULL otherwise.
fn fragments_json(content: &Content) -> Option<String> {
    (!content.fragments().is_empty())
        .then(|| serde_json::to_string(content.fragments()).expect("fragments serialise"))
}

/// Language variants as stored: JSON when there are some, NULL otherwise.
fn localization_json(content: &Content) -> Option<String> {
    let input = content.to_input();
    (!input.variants.is_empty()).then(|| {
        let localization = Localization {
            attribute: input.locale_attribute,
            variants: input.variants,
        };
        serde_json::to_string(&localization).expect("variants serialise")
    })
}

const VERSION_COLUMNS: &str = "v.version, c.channel, v.subject, v.preheader, v.html_body,
     v.text_body, v.push_options, v.localization, v.fragments";

const CAMPAIGN_COLUMNS: &str = "id, title, description, tags, category, channel, namespace,
     sandbox_id, create_profiles, starts_at, ends_at, rate_limit, surface_id, tracking, status, live_version,
     created_by, created_at, updated_at, audience_id";

pub async fn insert_campaign(
    conn: &mut Conn,
    id: CampaignId,
    sandbox_id: &str,
    campaign: &NewCampaign,
    created_by: &str,
    now: Millis,
) -> sqlx::Result<()> {
    on!(&mut *conn, c => bind_properties(sqlx::query(
        "INSERT INTO campaigns (id, sandbox_id, status, created_by, created_at, title, description,
             tags, category, channel, namespace, create_profiles, starts_at, ends_at, rate_limit,
             surface_id, tracking, updated_at, audience_id)
         VALUES ($1, $2, 'draft', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    )
    .bind(id)
    .bind(sandbox_id)
    .bind(created_by)
    .bind(now), campaign, now)
    .execute(c)
    .await
        .map(|r| r.rows_affected()))?;
    write_version(conn, id, 1, &campaign.content, created_by, now).await
}

/// Binds a campaign's properties, in the order both the insert and the edit list them:
/// title, description, tags, category, channel, namespace, create_profiles, starts_at, ends_at,
/// rate_limit, surface_id, tracking, updated_at, audience_id.
fn bind_properties<'q, Db: Database>(
    query: Query<'q, Db, <Db as Database>::Arguments<'q>>,
    campaign: &'q NewCampaign,
    now: Millis,
) -> Query<'q, Db, <Db as Database>::Arguments<'q>>
where
    &'q str: Encode<'q, Db> + Type<Db>,
    String: Encode<'q, Db> + Type<Db>,
    bool: Encode<'q, Db> + Type<Db>,
    i64: Encode<'q, Db> + Type<Db>,
    Option<i64>: Encode<'q, Db> + Type<Db>,
    Option<String>: Encode<'q, Db> + Type<Db>,
{
    query
        .bind(campaign.title.as_str())
        .bind(campaign.description.as_str())
        .bind(tags_json(campaign))
        .bind(campaign.category.as_str())
        .bind(campaign.content.channel().as_str())
        .bind(campaign.namespace.as_str())
        .bind(campaign.create_profiles)
        .bind(campaign.window.starts_at)
        .bind(campaign.window.ends_at)
        .bind(campaign.rate_limit.map(i64::from))
        .bind(campaign.surface_id.map(|s| s.to_string()))
        .bind(campaign.tracking)
        .bind(now)
        .bind(campaign.audience_id.map(|a| a.to_string()))
}

/// Writes the content of one version: a new version, or the pending one replaced; `editor`
/// (`user:<id>`, `key:<id>`) is who wrote it.
async fn write_version(
    conn: &mut Conn,
    id: CampaignId,
    version: i64,
    content: &Content,
    editor: &str,
    now: Millis,
) -> sqlx::Result<()> {
    // The parts as written: fragments stay included by name, their bodies kept beside.
    let written = content.to_input();
    on!(conn, c => sqlx::query(
        "INSERT INTO campaign_versions (campaign_id, version, subject, html_body, text_body,
             push_options, created_at, preheader, localization, edited_by, fragments)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (campaign_id, version) DO UPDATE SET subject = $3, html_body = $4,
             text_body = $5, push_options = $6, preheader = $8, localization = $9,
             edited_by = $10, fragments = $11",
    )
    .bind(id)
    .bind(version)
    .bind(&written.subject)
    .bind(&written.html_body)
    .bind(&written.text_body)
    .bind(push_options_json(content))
    .bind(now)
    .bind(&written.preheader)
    .bind(localization_json(content))
    .bind(editor)
    .bind(fragments_json(content))
    .execute(c).await
        .map(drop))
}

pub async fn campaign(pool: Reader<'_>, id: CampaignId) -> sqlx::Result<Option<CampaignRow>> {
    on!(pool, c => sqlx::query_as(&format!(
        "SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(c).await)
}

/// One page of a sandbox's campaigns matching `query` at `now`, and how many match in all.
pub async fn find(
    pool: Reader<'_>,
    sandbox_id: &str,
    query: &CampaignQuery,
    now: Millis,
) -> sqlx::Result<(Vec<CampaignRow>, i64)> {
    let dialect = pool.dialect();
    on!(pool, c, Db => {
        let mut count = QueryBuilder::<Db>::new("SELECT COUNT(*) FROM campaigns WHERE ");
        push_filters(&mut count, dialect, sandbox_id, query, now);
        let total: i64 = count.build_query_scalar().fetch_one(c).await?;
        let mut q =
            QueryBuilder::<Db>::new(format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE "));
        push_filters(&mut q, dialect, sandbox_id, query, now);
        q.push(match query.sort {
            Sort::Newest => " ORDER BY created_at DESC, id DESC",
            Sort::Oldest => " ORDER BY created_at, id",
            Sort::Updated => " ORDER BY updated_at DESC, id DESC",
            Sort::Title => " ORDER BY lower(title), id",
        });
        q.push(" LIMIT ")
            .push_bind(i64::from(PAGE_SIZE))
            .push(" OFFSET ")
            .push_bind(i64::from(query.page.saturating_sub(1)) * i64::from(PAGE_SIZE));
        let rows = q.build_query_as().fetch_all(c).await?;
        Ok((rows, total))
    })
}

/// The WHERE clause of [`find`]. Scheduled and completed are live campaigns before their start
/// and after their end; archived campaigns show only when asked for.
fn push_filters<'a, Db: Database>(
    q: &mut QueryBuilder<'a, Db>,
    dialect: Dialect,
    sandbox_id: &str,
    query: &CampaignQuery,
    now: Millis,
) where
    String: Encode<'a, Db> + Type<Db>,
    i64: Encode<'a, Db> + Type<Db>,
    &'a str: Encode<'a, Db> + Type<Db>,
{
    q.push("sandbox_id = ").push_bind(sandbox_id.to_owned());
    if let Some(search) = &query.search {
        let escaped = search
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        // Case-insensitive on both engines (PostgreSQL's LIKE is not).
        q.push(" AND lower(title) LIKE lower(")
            .push_bind(format!("%{escaped}%"))
            .push(") ESCAPE '\\'");
    }
    match query.status {
        None => {
            q.push(" AND status <> 'archived'");
        }
        Some(CampaignStatus::Live) => {
            q.push(" AND status = 'live' AND (starts_at IS NULL OR starts_at <= ")
                .push_bind(now)
                .push(") AND (ends_at IS NULL OR ends_at > ")
                .push_bind(now)
                .push(")");
        }
        Some(CampaignStatus::Scheduled) => {
            q.push(" AND status = 'live' AND starts_at > ")
                .push_bind(now);
        }
        Some(CampaignStatus::Completed) => {
            q.push(" AND status = 'live' AND ends_at <= ")
                .push_bind(now);
        }
        Some(stored) => {
            q.push(" AND status = ").push_bind(stored.as_str());
        }
    }
    if let Some(channel) = query.channel {
        q.push(" AND channel = ").push_bind(channel.as_str());
    }
    if let Some(category) = query.category {
        q.push(" AND category = ").push_bind(category.as_str());
    }
    if let Some(tag) = &query.tag {
        q.push(match dialect {
            Dialect::Sqlite => {
                " AND EXISTS (SELECT 1 FROM json_each(campaigns.tags) t WHERE t.value = "
            }
            Dialect::Postgres => {
                " AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(campaigns.tags::jsonb) t
                   WHERE t.value = "
            }
        })
        .push_bind(tag.clone())
        .push(")");
    }
}

/// The newest version: the draft being edited, or the live one when there is no newer draft.
pub async fn latest_version(pool: Reader<'_>, id: CampaignId) -> sqlx::Result<Option<VersionRow>> {
    on!(pool, c => sqlx::query_as(&format!(
        "SELECT {VERSION_COLUMNS} FROM campaign_versions v JOIN campaigns c ON c.id = v.campaign_id
          WHERE v.campaign_id = $1 ORDER BY v.version DESC LIMIT 1"
    ))
    .bind(id)
    .fetch_optional(c).await)
}

pub async fn version(
    pool: Reader<'_>,
    id: CampaignId,
    version: i64,
) -> sqlx::Result<Option<VersionRow>> {
    on!(pool, c => sqlx::query_as(&format!(
        "SELECT {VERSION_COLUMNS} FROM campaign_versions v JOIN campaigns c ON c.id = v.campaign_id
          WHERE v.campaign_id = $1 AND v.version = $2"
    ))
    .bind(id)
    .bind(version)
    .fetch_optional(c).await)
}

/// Replaces a campaign's properties and the content of its pending version, only while its
/// stored status is still `status` (compare-and-set). The pending version is a draft's only
/// version; for a live campaign it is a version newer than the live one, created by the first
/// edit after an activation (trigger calls keep using the live version until it is activated).
/// Returns the version edited.
pub async fn edit(
    conn: &mut Conn,
    id: CampaignId,
    status: CampaignStatus,
    campaign: &NewCampaign,
    editor: &str,
    now: Millis,
) -> sqlx::Result<Option<i64>> {
    let updated = on!(&mut *conn, c => bind_properties(sqlx::query(
        "UPDATE campaigns SET title = $1, description = $2, tags = $3, category = $4, channel = $5,
             namespace = $6, create_profiles = $7, starts_at = $8, ends_at = $9, rate_limit = $10,
             surface_id = $11, tracking = $12, updated_at = $13, audience_id = $14
          WHERE id = $15 AND status = $16",
    ), campaign, now)
    .bind(id)
    .bind(status.as_str())
    .execute(c)
    .await
        .map(|r| r.rows_affected()))?;
    if updated == 0 {
        return Ok(None);
    }
    write_draft(conn, id, &campaign.content, editor, now)
        .await
        .map(Some)
}

/// Writes `content` as the campaign's draft version: the pending one replaced, or, when the
/// newest version is live, the next one. Returns the version written.
async fn write_draft(
    conn: &mut Conn,
    id: CampaignId,
    content: &Content,
    editor: &str,
    now: Millis,
) -> sqlx::Result<i64> {
    let (live, newest): (Option<i64>, i64) = on!(&mut *conn, c => sqlx::query_as(
        "SELECT live_version, (SELECT MAX(version) FROM campaign_versions WHERE campaign_id = $1)
           FROM campaigns WHERE id = $1",
    )
    .bind(id)
    .fetch_one(c).await)?;
    let version = if live == Some(newest) {
        newest + 1
    } else {
        newest
    };
    write_version(conn, id, version, content, editor, now).await?;
    Ok(version)
}

/// Writes `content` (an earlier version's) as a live campaign's draft version, only while it
/// is still live (compare-and-set). Returns the version written.
pub async fn roll_back(
    conn: &mut Conn,
    id: CampaignId,
    content: &Content,
    editor: &str,
    now: Millis,
) -> sqlx::Result<Option<i64>> {
    let updated = on!(&mut *conn, c => sqlx::query(
        "UPDATE campaigns SET updated_at = $1 WHERE id = $2 AND status = 'live'",
    )
    .bind(now)
    .bind(id)
    .execute(c).await
        .map(|r| r.rows_affected()))?;
    if updated == 0 {
        return Ok(None);
    }
    write_draft(conn, id, content, editor, now).await.map(Some)
}

/// Deletes the draft version of a campaign that has been live, with its approval request:
/// only a version newer than the live one, which no trigger call can have used. Returns the
/// version deleted.
pub async fn discard_draft(
    conn: &mut Conn,
    id: CampaignId,
    now: Millis,
) -> sqlx::Result<Option<i64>> {
    let pending: Option<i64> = on!(&mut *conn, c => sqlx::query_scalar(
        "SELECT MAX(v.version) FROM campaign_versions v JOIN campaigns c ON c.id = v.campaign_id
          WHERE v.campaign_id = $1 AND v.version > c.live_version",
    )
    .bind(id)
    .fetch_one(c).await)?;
    let Some(version) = pending else {
        return Ok(None);
    };
    on!(&mut *conn, c => sqlx::query(
        "DELETE FROM approval_requests WHERE campaign_id = $1 AND version = $2",
    )
    .bind(id)
    .bind(version)
    .execute(c).await.map(drop))?;
    on!(&mut *conn, c => sqlx::query(
        "DELETE FROM campaign_versions WHERE campaign_id = $1 AND version = $2",
    )
    .bind(id)
    .bind(version)
    .execute(c).await.map(drop))?;
    on!(&mut *conn, c => sqlx::query("UPDATE campaigns SET updated_at = $1 WHERE id = $2")
    .bind(now)
    .bind(id)
    .execute(c).await.map(drop))?;
    Ok(Some(version))
}

/// One version in a campaign's list: number, when first written, who last wrote it.
#[derive(Debug, Clone, FromRow)]
pub struct VersionListRow {
    pub version: i64,
    pub created_at: i64,
    pub edited_by: Option<String>,
}

/// A campaign's versions, newest first, with how people read their editors.
pub async fn versions(pool: Reader<'_>, id: CampaignId) -> sqlx::Result<Vec<VersionListRow>> {
    on!(pool, c => sqlx::query_as(
        "SELECT v.version, v.created_at,
                CASE WHEN v.edited_by IS NULL THEN NULL
                     ELSE COALESCE(u.email, 'API key ' || k.name, v.edited_by) END AS edited_by
           FROM campaign_versions v
           LEFT JOIN users u ON v.edited_by = 'user:' || u.id
           LEFT JOIN api_keys k ON v.edited_by = 'key:' || k.id
          WHERE v.campaign_id = $1
          ORDER BY v.version DESC",
    )
    .bind(id)
    .fetch_all(c).await)
}

/// Makes the newest version the live one, if the campaign is live and that version is newer
/// than the live one (compare-and-set). Returns the version now live.
pub async fn publish_newest(
    conn: &mut Conn,
    id: CampaignId,
    now: Millis,
) -> sqlx::Result<Option<i64>> {
    on!(conn, c => sqlx::query_scalar(
        "UPDATE campaigns
            SET live_version = (SELECT MAX(version) FROM campaign_versions WHERE campaign_id = $2),
                updated_at = $1
          WHERE id = $2 AND status = 'live'
            AND live_version < (SELECT MAX(version) FROM campaign_versions WHERE campaign_id = $2)
         RETURNING live_version",
    )
    .bind(now)
    .bind(id)
    .fetch_optional(c).await)
}

/// Moves a draft to live with its latest version, only if it is still a draft (compare-and-set).
pub async fn mark_live(conn: &mut Conn, id: CampaignId, now: Millis) -> sqlx::Result<bool> {
    on!(conn, c => sqlx::query(
        "UPDATE campaigns SET status = 'live', updated_at = $1,
             live_version = (SELECT MAX(version) FROM campaign_versions WHERE campaign_id = campaigns.id)
         WHERE id = $2 AND status = 'draft'",
    )
    .bind(now)
    .bind(id)
    .execute(c).await
        .map(|r| r.rows_affected()))
    .map(|n| n == 1)
}

fn tags_json(campaign: &NewCampaign) -> String {
    serde_json::to_string(&campaign.tags).expect("strings serialise")
}

/// Moves a stopped campaign, or a live one past its end (completed), to archived, only if it is
/// still so (compare-and-set).
pub async fn mark_archived(conn: &mut Conn, id: CampaignId, now: Millis) -> sqlx::Result<bool> {
    on!(conn, c => sqlx::query(
        "UPDATE campaigns SET status = 'archived', updated_at = $1
          WHERE id = $2 AND (status = 'stopped' OR (status = 'live' AND ends_at <= $1))",
    )
    .bind(now)
    .bind(id)
    .execute(c).await
        .map(|r| r.rows_affected()))
    .map(|n| n == 1)
}

/// Moves a live campaign to stopped, only if it is still live (compare-and-set).
pub async fn mark_stopped(conn: &mut Conn, id: CampaignId, now: Millis) -> sqlx::Result<bool> {
    on!(conn, c => sqlx::query(
        "UPDATE campaigns SET status = 'stopped', updated_at = $1
          WHERE id = $2 AND status = 'live' AND (ends_at IS NULL OR ends_at > $1)",
    )
    .bind(now)
    .bind(id)
    .execute(c).await
        .map(|r| r.rows_affected()))
    .map(|n| n == 1)
}

/// Deletes a campaign only while it is a draft (its versions go with it). Returns whether it did.
pub async fn delete_draft(conn: &mut Conn, id: CampaignId) -> sqlx::Result<bool> {
    on!(conn, c => sqlx::query("DELETE FROM campaigns WHERE id = $1 AND status = 'draft'")
        .bind(id)
        .execute(c).await
        .map(|r| r.rows_affected()))
    .map(|n| n == 1)
}
