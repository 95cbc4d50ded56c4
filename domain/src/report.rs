//! Campaign reports: counters kept as the work happens, the one rule that moves them, and the
//! views built from them.
//!
//! # The counting rule
//! Every change of a message and every event on it moves counters **in the same transaction**
//! that records the change, and only through [`counts`]; nothing counts `messages` rows to make a
//! report. Each counter belongs to a [`Segment`] (campaign, version, language variant, push
//! platform) and to the minute in which the change happened (the store keeps minute and hour
//! rows). The happenings and what they count:
//!
//! | happening | counters moved |
//! |---|---|
//! | a recipient accepted (or an audience member queued) | `targeted` +1; excluded at once (suppressed, opted out, no consent, no usable address): `excluded`(reason) +1 |
//! | a queued message excluded later (its pace would pass the campaign's end or its audience send's window; its audience send was cancelled) | `excluded`(reason) +1 |
//! | an attempt failed and will be retried | `retried` +1 (and a bounce, below) |
//! | the provider accepted the message | `sent` +1 |
//! | the message failed for good | `failed`(reason) +1 (and a bounce, below) |
//! | an email attempt refused by the SMTP server | `bounced`(`hard` for a 5xx reply, `soft` for 4xx) +1 |
//! | the provider confirmed delivery | `delivered` +1 |
//! | the provider reported a sent message undelivered | `failed`(`undelivered`) +1 |
//! | an open | `opened` +1; the message's first open: `unique_opened` +1 |
//! | a click on a link | `clicked`(URL) +1; the message's first click: `unique_clicked` +1; the link's first click in this message: `unique_link_clicked`(URL) +1 |
//! | the recipient unsubscribed through the message (first time) | `unsubscribed` +1 |
//!
//! So a message is `targeted` once; it ends `excluded`, `failed` before sending, or `sent`
//! (a retry that succeeds is one `sent`); a sent message may later be `failed`(`undelivered`).
//! Rates (see [`Rates`]) use the messages that reached an outcome with a provider:
//! `reached = sent − undelivered`, `finished = sent + failed − undelivered`.

use crate::dates::{DAY_OR_INSTANT, day_or_instant, utc_offset_ms};
use crate::error::{FieldError, ValidationError};
use crate::ids::CampaignId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

crate::delivery::status_enum!(
    /// What a counter counts (see the module's counting rule).
    Metric {
        Targeted => "targeted",
        Excluded => "excluded",
        Retried => "retried",
        Sent => "sent",
        Failed => "failed",
        Bounced => "bounced",
        Delivered => "delivered",
        Opened => "opened",
        UniqueOpened => "unique_opened",
        Clicked => "clicked",
        UniqueClicked => "unique_clicked",
        UniqueLinkClicked => "unique_link_clicked",
        Unsubscribed => "unsubscribed",
    }
);

crate::delivery::status_enum!(
    /// Why a message was never sent.
    Exclusion {
        Suppressed => "suppressed",
        OptedOut => "opted_out",
        NoConsent => "no_consent",
        PastEndDate => "past_end_date",
        /// An audience member without a usable address on the campaign's channel, or whose
        /// message cannot be rendered.
        InvalidRecipient => "invalid_recipient",
        /// Queued by an audience send that was cancelled before it went out.
        Cancelled => "cancelled",
        /// Still waiting when its audience send's window closed.
        SendWindow => "send_window",
        /// A local-time send reached the member after their time zone's clock had passed its
        /// time (by more than the schedule grace period).
        LocalTimePassed => "local_time_passed",
    }
);

crate::delivery::status_enum!(
    /// Why a message failed.
    Failure {
        /// The provider refused it for good (a 5xx reply, an invalid token, …).
        Rejected => "rejected",
        /// Every retry failed, or the give-up age passed.
        GaveUp => "gave_up",
        /// Sent, then reported undelivered by the provider's receipt.
        Undelivered => "undelivered",
    }
);

crate::delivery::status_enum!(
    /// An email refused by the receiving SMTP server.
    Bounce {
        Hard => "hard",
        Soft => "soft",
    }
);

/// Something that happened to a message, as it moves counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Happening<'a> {
    Accepted {
        excluded: Option<Exclusion>,
    },
    Excluded(Exclusion),
    Retried {
        bounce: Option<Bounce>,
    },
    Sent,
    Failed {
        reason: Failure,
        bounce: Option<Bounce>,
    },
    Delivered,
    Opened {
        first: bool,
    },
    Clicked {
        url: &'a str,
        first_in_message: bool,
        first_of_link: bool,
    },
    Unsubscribed,
}

/// The counters one happening moves, each by one: (metric, detail). The detail is a reason,
/// a bounce kind or a link's URL; empty when the metric has none.
pub fn counts(happening: &Happening<'_>) -> Vec<(Metric, String)> {
    let plain = |m: Metric| (m, String::new());
    let bounce = |b: &Option<Bounce>| b.map(|b| (Metric::Bounced, b.as_str().to_owned()));
    match happening {
        Happening::Accepted { excluded } => std::iter::once(plain(Metric::Targeted))
            .chain(excluded.map(|r| (Metric::Excluded, r.as_str().to_owned())))
            .collect(),
        Happening::Excluded(r) => vec![(Metric::Excluded, r.as_str().to_owned())],
        Happening::Retried { bounce: b } => std::iter::once(plain(Metric::Retried))
            .chain(bounce(b))
            .collect(),
        Happening::Sent => vec![plain(Metric::Sent)],
        Happening::Failed { reason, bounce: b } => {
            std::iter::once((Metric::Failed, reason.as_str().to_owned()))
                .chain(bounce(b))
                .collect()
        }
        Happening::Delivered => vec![plain(Metric::Delivered)],
        Happening::Opened { first } => std::iter::once(plain(Metric::Opened))
            .chain(first.then(|| plain(Metric::UniqueOpened)))
            .collect(),
        Happening::Clicked {
            url,
            first_in_message,
            first_of_link,
        } => std::iter::once((Metric::Clicked, (*url).to_owned()))
            .chain(first_in_message.then(|| plain(Metric::UniqueClicked)))
            .chain(first_of_link.then(|| (Metric::UniqueLinkClicked, (*url).to_owned())))
            .collect(),
        Happening::Unsubscribed => vec![plain(Metric::Unsubscribed)],
    }
}

/// What a counter is kept for: a campaign's version, language variant and push platform.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Segment {
    pub campaign_id: CampaignId,
    pub version: i64,
    /// The language variant's locale; empty for the default content.
    pub locale: String,
    /// Push: `ios` or `android`; empty on other channels.
    pub platform: String,
}

/// The platforms push counters are kept under (see [`platform_group`]).
pub const PLATFORM_GROUPS: &[&str] = &["ios", "android", "web", "other", "unknown"];

/// The platform a push message's counters are kept under: the device's platform as the trigger
/// call named it, when it is one of the known ones (so a caller cannot make up dimensions).
pub fn platform_group(platform: Option<&str>) -> &'static str {
    match platform.map(|p| p.trim().to_ascii_lowercase()).as_deref() {
        Some("ios") => "ios",
        Some("android") => "android",
        Some("web") => "web",
        None | Some("") => "unknown",
        Some(_) => "other",
    }
}

pub const MINUTE_MS: i64 = 60_000;
pub const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 86_400_000;

/// One counter's increment: segment, the minute it happened in (ms), metric and detail.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CounterKey {
    pub segment: Segment,
    pub minute: i64,
    pub metric: Metric,
    pub detail: String,
}

/// The counters a transaction moves, summed by key before they are written (one row per key).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally(BTreeMap<CounterKey, i64>);

impl Tally {
    /// Counts a happening of a message of `segment` at `at` (ms).
    pub fn add(&mut self, segment: &Segment, at: i64, happening: &Happening<'_>) {
        for (metric, detail) in counts(happening) {
            let key = CounterKey {
                segment: segment.clone(),
                minute: at - at.rem_euclid(MINUTE_MS),
                metric,
                detail,
            };
            *self.0.entry(key).or_default() += 1;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The increments in key order (a fixed order, so concurrent writers lock rows alike).
    pub fn iter(&self) -> impl Iterator<Item = (&CounterKey, i64)> {
        self.0.iter().map(|(k, n)| (k, *n))
    }

    /// The total of one metric (all details), for tests and logs.
    pub fn total(&self, metric: Metric) -> i64 {
        self.iter()
            .filter(|(k, _)| k.metric == metric)
            .map(|(_, n)| n)
            .sum()
    }
}

crate::delivery::status_enum!(
    /// The width of a report's time buckets.
    Bucket {
        Minute => "minute",
        Hour => "hour",
        Day => "day",
    }
);

impl Bucket {
    pub fn width_ms(self) -> i64 {
        match self {
            Bucket::Minute => MINUTE_MS,
            Bucket::Hour => HOUR_MS,
            Bucket::Day => DAY_MS,
        }
    }
}

/// How long minute counters are kept; older reports use hour counters.
pub const MINUTE_COUNTERS_KEPT_MS: i64 = 48 * HOUR_MS;
/// Most points a report's time series may have.
pub const MAX_POINTS: i64 = 2_000;

/// A report's query as it arrives (URL query or form): every field optional text.
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportQueryInput {
    /// Start: a day (`2026-11-29`, from its midnight) or an RFC 3339 instant. Default: 24 hours
    /// before `to`.
    pub from: Option<String>,
    /// End: a day (through its end) or an RFC 3339 instant. Default: now.
    pub to: Option<String>,
    /// `minute`, `hour` or `day`. Default: minute up to 6 hours, hour up to 14 days, else day.
    pub bucket: Option<String>,
    /// The days' time zone as minutes east of UTC (`-300` for New York in winter); UTC if absent.
    pub utc_offset: Option<String>,
}

/// A valid report query: the buckets `[from, to)` (ms, aligned to the bucket) it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportQuery {
    pub from: i64,
    pub to: i64,
    pub bucket: Bucket,
    /// Minutes east of UTC, in ms: where days begin.
    pub offset_ms: i64,
}

impl ReportQuery {
    /// Parses and aligns a query; `now` (ms) is the default end.
    pub fn parse(input: &ReportQueryInput, now: i64) -> Result<Self, ValidationError> {
        let mut errors = Vec::new();
        let text = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| s.chars().take(100).collect::<String>())
        };
        let offset_ms = utc_offset_ms(text(&input.utc_offset).as_deref()).unwrap_or_else(|e| {
            errors.push(e);
            0
        });
        let mut instant = |field: &str, end_of_day: bool| {
            let raw = text(if end_of_day { &input.to } else { &input.from })?;
            // A day as `to` counts through its end.
            let parsed = day_or_instant(&raw, offset_ms)
                .map(|(at, day)| if day && end_of_day { at + DAY_MS } else { at });
            if parsed.is_none() {
                errors.push(FieldError::new(field, DAY_OR_INSTANT));
            }
            parsed
        };
        let to = instant("to", true).unwrap_or(now);
        let from = instant("from", false).unwrap_or(to - DAY_MS);
        let bucket = match text(&input.bucket) {
            None => None,
            Some(b) => {
                let bucket = Bucket::parse(&b);
                if bucket.is_none() {
                    errors.push(FieldError::new("bucket", "must be minute, hour or day"));
                }
                bucket
            }
        };
        if from >= to {
            errors.push(FieldError::new("from", "must be before to"));
        }
        if !errors.is_empty() {
            return Err(ValidationError::new("invalid_report_query", errors));
        }
        let span = to - from;
        let bucket = bucket.unwrap_or(if span <= 6 * HOUR_MS {
            Bucket::Minute
        } else if span <= 14 * DAY_MS {
            Bucket::Hour
        } else {
            Bucket::Day
        });
        let width = bucket.width_ms();
        // Days begin at the local midnight; minutes and hours are the same everywhere (but for
        // zones a half hour off, whose days then begin at the hour before their midnight).
        let shift = if bucket == Bucket::Day { offset_ms } else { 0 };
        let floor = |t: i64| t - (t + shift).rem_euclid(width);
        let (from, to) = (floor(from), floor(to - 1) + width);
        let query = Self {
            from,
            to,
            bucket,
            offset_ms: shift,
        };
        if bucket == Bucket::Minute && from < now - MINUTE_COUNTERS_KEPT_MS {
            return Err(ValidationError::new(
                "invalid_report_query",
                vec![FieldError::new(
                    "bucket",
                    "minute buckets are kept for 48 hours; use hour or day for older times",
                )],
            ));
        }
        if query.points() > MAX_POINTS {
            return Err(ValidationError::new(
                "invalid_report_query",
                vec![FieldError::new(
                    "bucket",
                    format!(
                        "this range has {} {} buckets, more than {MAX_POINTS}: choose a larger bucket or a shorter range",
                        query.points(),
                        bucket
                    ),
                )],
            ));
        }
        Ok(query)
    }

    /// How many buckets the series has.
    pub fn points(&self) -> i64 {
        (self.to - self.from) / self.bucket.width_ms()
    }

    /// Which stored counters answer it: minute rows for minute buckets, else hour rows.
    pub fn resolution(&self) -> Bucket {
        match self.bucket {
            Bucket::Minute => Bucket::Minute,
            _ => Bucket::Hour,
        }
    }
}

/// Summed counters of a segment in a range, as the store answers: one line per (segment,
/// metric, detail).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct CounterSum {
    pub version: i64,
    pub locale: String,
    pub platform: String,
    pub metric: Metric,
    pub detail: String,
    pub count: i64,
}

/// Summed counters of one time bucket, as the store answers: one line per (bucket, metric).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct BucketSum {
    pub at: i64,
    pub metric: Metric,
    pub count: i64,
}

/// A report's numbers over its whole range.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub targeted: i64,
    pub excluded: i64,
    pub sent: i64,
    pub delivered: i64,
    pub failed: i64,
    /// Sent, then reported undelivered (included in `failed`).
    pub undelivered: i64,
    pub retried: i64,
    pub hard_bounces: i64,
    pub soft_bounces: i64,
    pub opened: i64,
    pub unique_opened: i64,
    pub clicked: i64,
    pub unique_clicked: i64,
    pub unsubscribed: i64,
}

impl Totals {
    fn add(&mut self, metric: Metric, detail: &str, n: i64) {
        match metric {
            Metric::Targeted => self.targeted += n,
            Metric::Excluded => self.excluded += n,
            Metric::Retried => self.retried += n,
            Metric::Sent => self.sent += n,
            Metric::Failed => {
                self.failed += n;
                if detail == Failure::Undelivered.as_str() {
                    self.undelivered += n;
                }
            }
            Metric::Bounced if detail == Bounce::Hard.as_str() => self.hard_bounces += n,
            Metric::Bounced => self.soft_bounces += n,
            Metric::Delivered => self.delivered += n,
            Metric::Opened => self.opened += n,
            Metric::UniqueOpened => self.unique_opened += n,
            Metric::Clicked => self.clicked += n,
            Metric::UniqueClicked => self.unique_clicked += n,
            Metric::UniqueLinkClicked => {}
            Metric::Unsubscribed => self.unsubscribed += n,
        }
    }

    /// Messages that reached their recipient's provider and stayed there.
    pub fn reached(&self) -> i64 {
        self.sent - self.undelivered
    }

    /// Messages with a final outcome from sending: reached or failed.
    pub fn finished(&self) -> i64 {
        self.sent + self.failed - self.undelivered
    }

    pub fn rates(&self) -> Rates {
        let ratio = |n: i64, d: i64| (d > 0).then(|| n as f64 / d as f64);
        Rates {
            delivery: ratio(self.reached(), self.finished()),
            failure: ratio(self.failed, self.finished()),
            open: ratio(self.unique_opened, self.reached()),
            click: ratio(self.unique_clicked, self.reached()),
            unsubscribe: ratio(self.unsubscribed, self.reached()),
        }
    }
}

/// Shares from 0 to 1; absent while their denominator is zero.
/// - delivery = reached ÷ finished, failure = failed ÷ finished (they add up to 1);
/// - open, click, unsubscribe = unique opens, unique clicks, unsubscribes ÷ reached.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rates {
    pub delivery: Option<f64>,
    pub failure: Option<f64>,
    pub open: Option<f64>,
    pub click: Option<f64>,
    pub unsubscribe: Option<f64>,
}

/// One bucket of the time series.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeriesPoint {
    /// The bucket's start, ms since the epoch.
    pub at: i64,
    pub targeted: i64,
    pub sent: i64,
    pub delivered: i64,
    pub failed: i64,
    pub opened: i64,
    pub clicked: i64,
}

/// A count by reason (failures, exclusions).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReasonCount {
    pub reason: String,
    pub count: i64,
}

/// Clicks of one link.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkClicks {
    pub url: String,
    pub clicks: i64,
    /// Messages in which this link was clicked.
    pub unique_clicks: i64,
}

/// The totals of one part of the campaign: a version, a language variant or a push platform.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartTotals {
    /// `1`, `2`… for versions; the locale (`default` for the default content); the platform.
    pub key: String,
    pub totals: Totals,
}

/// What a campaign (or a whole sandbox) did in a range.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The range covered, ms since the epoch, aligned to the buckets: `[from, to)`.
    pub from: i64,
    pub to: i64,
    pub bucket: Bucket,
    pub totals: Totals,
    pub rates: Rates,
    /// One point per bucket of the range, empty buckets included.
    pub series: Vec<SeriesPoint>,
    /// Failures by reason: rejected, gave_up, undelivered.
    pub failures: Vec<ReasonCount>,
    /// Exclusions by reason: suppressed, opted_out, no_consent, past_end_date,
    /// invalid_recipient, cancelled, send_window, local_time_passed.
    pub exclusions: Vec<ReasonCount>,
    /// Tracked links, most clicked first.
    pub links: Vec<LinkClicks>,
    pub versions: Vec<PartTotals>,
    pub languages: Vec<PartTotals>,
    /// Push campaigns: by platform.
    pub platforms: Vec<PartTotals>,
}

impl Report {
    /// Builds the report of `query` from the store's sums.
    pub fn build(query: &ReportQuery, sums: &[CounterSum], buckets: &[BucketSum]) -> Self {
        let mut totals = Totals::default();
        let mut failures: BTreeMap<&str, i64> = BTreeMap::new();
        let mut exclusions: BTreeMap<&str, i64> = BTreeMap::new();
        let mut links: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
        let mut versions: BTreeMap<i64, Totals> = BTreeMap::new();
        let mut languages: BTreeMap<&str, Totals> = BTreeMap::new();
        let mut platforms: BTreeMap<&str, Totals> = BTreeMap::new();
        for s in sums {
            totals.add(s.metric, &s.detail, s.count);
            versions
                .entry(s.version)
                .or_default()
                .add(s.metric, &s.detail, s.count);
            let locale = if s.locale.is_empty() {
                "default"
            } else {
                &s.locale
            };
            languages
                .entry(locale)
                .or_default()
                .add(s.metric, &s.detail, s.count);
            if !s.platform.is_empty() {
                platforms
                    .entry(&s.platform)
                    .or_default()
                    .add(s.metric, &s.detail, s.count);
            }
            match s.metric {
                Metric::Failed => *failures.entry(&s.detail).or_default() += s.count,
                Metric::Excluded => *exclusions.entry(&s.detail).or_default() += s.count,
                Metric::Clicked => links.entry(&s.detail).or_default().0 += s.count,
                Metric::UniqueLinkClicked => links.entry(&s.detail).or_default().1 += s.count,
                _ => {}
            }
        }
        let reasons = |m: BTreeMap<&str, i64>| {
            let mut v: Vec<ReasonCount> = m
                .into_iter()
                .filter(|(_, n)| *n != 0)
                .map(|(reason, count)| ReasonCount {
                    reason: reason.to_owned(),
                    count,
                })
                .collect();
            v.sort_by(|a, b| b.count.cmp(&a.count).then(a.reason.cmp(&b.reason)));
            v
        };
        let mut links: Vec<LinkClicks> = links
            .into_iter()
            .map(|(url, (clicks, unique_clicks))| LinkClicks {
                url: url.to_owned(),
                clicks,
                unique_clicks,
            })
            .collect();
        links.sort_by(|a, b| b.clicks.cmp(&a.clicks).then(a.url.cmp(&b.url)));
        let parts = |m: BTreeMap<String, Totals>| {
            m.into_iter()
                .map(|(key, totals)| PartTotals { key, totals })
                .collect()
        };
        Self {
            from: query.from,
            to: query.to,
            bucket: query.bucket,
            rates: totals.rates(),
            totals,
            series: series(query, buckets),
            failures: reasons(failures),
            exclusions: reasons(exclusions),
            links,
            versions: parts(
                versions
                    .into_iter()
                    .map(|(v, t)| (v.to_string(), t))
                    .collect(),
            ),
            languages: parts(
                languages
                    .into_iter()
                    .map(|(l, t)| (l.to_owned(), t))
                    .collect(),
            ),
            platforms: parts(
                platforms
                    .into_iter()
                    .map(|(p, t)| (p.to_owned(), t))
                    .collect(),
            ),
        }
    }

    /// The report as CSV: one line per bucket, then the totals.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("bucket_start,targeted,sent,delivered,failed,opened,clicked\n");
        let mut line = |at: &str, p: &SeriesPoint| {
            out.push_str(&format!(
                "{at},{},{},{},{},{},{}\n",
                p.targeted, p.sent, p.delivered, p.failed, p.opened, p.clicked
            ));
        };
        for p in &self.series {
            line(&crate::dates::format_rfc3339(p.at), p);
        }
        let t = &self.totals;
        line(
            "total",
            &SeriesPoint {
                at: 0,
                targeted: t.targeted,
                sent: t.sent,
                delivered: t.delivered,
                failed: t.failed,
                opened: t.opened,
                clicked: t.clicked,
            },
        );
        out
    }
}

/// Every bucket of the range, with the sums that fall in it.
fn series(query: &ReportQuery, buckets: &[BucketSum]) -> Vec<SeriesPoint> {
    let width = query.bucket.width_ms();
    let mut points: Vec<SeriesPoint> = (0..query.points())
        .map(|i| SeriesPoint {
            at: query.from + i * width,
            ..SeriesPoint::default()
        })
        .collect();
    for b in buckets {
        let i = (b.at - query.from).div_euclid(width);
        let Some(p) = usize::try_from(i).ok().and_then(|i| points.get_mut(i)) else {
            continue;
        };
        match b.metric {
            Metric::Targeted => p.targeted += b.count,
            Metric::Sent => p.sent += b.count,
            Metric::Delivered => p.delivered += b.count,
            Metric::Failed => p.failed += b.count,
            Metric::Opened => p.opened += b.count,
            Metric::Clicked => p.clicked += b.count,
            _ => {}
        }
    }
    points
}

/// The metrics a time series shows.
pub const SERIES_METRICS: [Metric; 6] = [
    Metric::Targeted,
    Metric::Sent,
    Metric::Delivered,
    Metric::Failed,
    Metric::Opened,
    Metric::Clicked,
];

/// A sandbox's report: its numbers and the campaigns that failed most.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SandboxReport {
    pub report: Report,
    /// Campaigns with failures in the range, most first (at most 5).
    pub most_failed: Vec<CampaignFailures>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CampaignFailures {
    pub campaign_id: String,
    pub title: String,
    pub failed: i64,
    pub finished: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment() -> Segment {
        Segment {
            campaign_id: CampaignId::new(),
            version: 1,
            locale: String::new(),
            platform: String::new(),
        }
    }

    fn totals(tally: &Tally) -> Totals {
        let mut t = Totals::default();
        for (k, n) in tally.iter() {
            t.add(k.metric, &k.detail, n);
        }
        t
    }

    #[test]
    fn a_retry_that_succeeds_is_one_sent_not_two() {
        let (s, mut tally) = (segment(), Tally::default());
        tally.add(&s, 0, &Happening::Accepted { excluded: None });
        tally.add(
            &s,
            1_000,
            &Happening::Retried {
                bounce: Some(Bounce::Soft),
            },
        );
        tally.add(&s, 5_000, &Happening::Sent);
        let t = totals(&tally);
        assert_eq!(
            (t.targeted, t.retried, t.soft_bounces, t.sent, t.failed),
            (1, 1, 1, 1, 0)
        );
        assert_eq!(t.rates().delivery, Some(1.0));
    }

    #[test]
    fn each_happening_moves_exactly_its_counters() {
        let cases: Vec<(Happening<'_>, Vec<(Metric, &str)>)> = vec![
            (
                Happening::Accepted { excluded: None },
                vec![(Metric::Targeted, "")],
            ),
            (
                Happening::Accepted {
                    excluded: Some(Exclusion::Suppressed),
                },
                vec![(Metric::Targeted, ""), (Metric::Excluded, "suppressed")],
            ),
            (
                Happening::Excluded(Exclusion::PastEndDate),
                vec![(Metric::Excluded, "past_end_date")],
            ),
            (
                Happening::Retried { bounce: None },
                vec![(Metric::Retried, "")],
            ),
            (Happening::Sent, vec![(Metric::Sent, "")]),
            (
                Happening::Failed {
                    reason: Failure::Rejected,
                    bounce: Some(Bounce::Hard),
                },
                vec![(Metric::Failed, "rejected"), (Metric::Bounced, "hard")],
            ),
            (Happening::Delivered, vec![(Metric::Delivered, "")]),
            (
                Happening::Opened { first: true },
                vec![(Metric::Opened, ""), (Metric::UniqueOpened, "")],
            ),
            (
                Happening::Opened { first: false },
                vec![(Metric::Opened, "")],
            ),
            (
                Happening::Clicked {
                    url: "https://a.example/",
                    first_in_message: false,
                    first_of_link: true,
                },
                vec![
                    (Metric::Clicked, "https://a.example/"),
                    (Metric::UniqueLinkClicked, "https://a.example/"),
                ],
            ),
            (Happening::Unsubscribed, vec![(Metric::Unsubscribed, "")]),
        ];
        for (happening, expected) in cases {
            let got: Vec<(Metric, String)> = counts(&happening);
            let expected: Vec<(Metric, String)> = expected
                .into_iter()
                .map(|(m, d)| (m, d.to_owned()))
                .collect();
            assert_eq!(got, expected, "{happening:?}");
        }
    }

    #[test]
    fn an_undelivered_receipt_moves_a_sent_message_to_failed_in_the_rates() {
        let (s, mut tally) = (segment(), Tally::default());
        for _ in 0..4 {
            tally.add(&s, 0, &Happening::Accepted { excluded: None });
            tally.add(&s, 0, &Happening::Sent);
        }
        tally.add(
            &s,
            0,
            &Happening::Failed {
                reason: Failure::Undelivered,
                bounce: None,
            },
        );
        tally.add(&s, 0, &Happening::Opened { first: true });
        let t = totals(&tally);
        assert_eq!((t.sent, t.failed, t.reached(), t.finished()), (4, 1, 3, 4));
        let r = t.rates();
        assert_eq!((r.delivery, r.failure), (Some(0.75), Some(0.25)));
        assert_eq!(r.open, Some(1.0 / 3.0));
    }

    #[test]
    fn platforms_group_into_the_listed_few() {
        let named = [
            None,
            Some(""),
            Some(" iOS "),
            Some("Android"),
            Some("web"),
            Some("tv"),
        ];
        let groups: Vec<_> = named.into_iter().map(platform_group).collect();
        assert_eq!(
            groups,
            ["unknown", "unknown", "ios", "android", "web", "other"]
        );
        assert!(groups.iter().all(|g| PLATFORM_GROUPS.contains(g)));
    }

    #[test]
    fn the_tally_sums_by_minute() {
        let (s, mut tally) = (segment(), Tally::default());
        tally.add(&s, 60_001, &Happening::Sent);
        tally.add(&s, 119_999, &Happening::Sent);
        tally.add(&s, 120_000, &Happening::Sent);
        let rows: Vec<(i64, i64)> = tally.iter().map(|(k, n)| (k.minute, n)).collect();
        assert_eq!(rows, vec![(60_000, 2), (120_000, 1)]);
    }

    #[test]
    fn queries_align_to_their_buckets_and_refuse_too_many_points() {
        let now = 1_764_000_000_000 + 123_456;
        let live = ReportQuery::parse(&ReportQueryInput::default(), now).unwrap();
        assert_eq!(live.bucket, Bucket::Hour);
        assert_eq!(live.to % HOUR_MS, 0);
        assert_eq!(
            live.points(),
            25,
            "24 hours back, the current hour included"
        );
        let minutes = ReportQuery::parse(
            &ReportQueryInput {
                bucket: Some("minute".into()),
                ..Default::default()
            },
            now,
        )
        .unwrap();
        assert_eq!(minutes.points(), 24 * 60 + 1);
        let old = ReportQueryInput {
            from: Some("2020-01-01".into()),
            to: Some("2020-01-03".into()),
            bucket: Some("minute".into()),
            ..Default::default()
        };
        assert!(
            ReportQuery::parse(&old, now).is_err(),
            "minute rows are gone"
        );
        let years = ReportQueryInput {
            from: Some("2020-01-01".into()),
            bucket: Some("hour".into()),
            ..Default::default()
        };
        assert!(ReportQuery::parse(&years, now).is_err());
        let days = ReportQuery::parse(
            &ReportQueryInput {
                from: Some("2026-11-01".into()),
                to: Some("2026-11-30".into()),
                utc_offset: Some("-300".into()),
                ..Default::default()
            },
            now,
        )
        .unwrap();
        assert_eq!((days.bucket, days.points()), (Bucket::Day, 30));
        assert_eq!((days.from + days.offset_ms) % DAY_MS, 0, "local midnight");
    }

    #[test]
    fn a_report_fills_empty_buckets_and_breaks_down_by_part() {
        let query = ReportQuery {
            from: 0,
            to: 3 * HOUR_MS,
            bucket: Bucket::Hour,
            offset_ms: 0,
        };
        let sum = |version, locale: &str, metric, detail: &str, count| CounterSum {
            version,
            locale: locale.into(),
            platform: String::new(),
            metric,
            detail: detail.into(),
            count,
        };
        let sums = [
            sum(1, "", Metric::Sent, "", 5),
            sum(2, "fr", Metric::Sent, "", 3),
            sum(2, "fr", Metric::Failed, "rejected", 2),
            sum(1, "", Metric::Clicked, "https://a.example/", 4),
            sum(1, "", Metric::UniqueLinkClicked, "https://a.example/", 2),
        ];
        let buckets = [BucketSum {
            at: HOUR_MS,
            metric: Metric::Sent,
            count: 8,
        }];
        let r = Report::build(&query, &sums, &buckets);
        assert_eq!(r.totals.sent, 8);
        assert_eq!(
            r.series.iter().map(|p| p.sent).collect::<Vec<_>>(),
            vec![0, 8, 0]
        );
        assert_eq!(r.failures[0].reason, "rejected");
        assert_eq!(r.links[0].unique_clicks, 2);
        assert_eq!(r.versions.len(), 2);
        assert_eq!(r.languages[0].key, "default");
        assert_eq!(r.languages[1].totals.failed, 2);
        assert!(r.to_csv().ends_with("total,0,8,0,2,0,4\n"));
    }
}
