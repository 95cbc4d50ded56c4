//! Finding campaigns: search, filters, sort and pages, shared by the campaign list page and
//! `GET /api/v1/campaigns`. Parsed from query-string text at the edge.

use crate::campaign::CampaignStatus;
use crate::channel::{Category, Channel};
use crate::error::{FieldError, ValidationError};
use serde::{Deserialize, Serialize};

/// Campaigns per page.
pub const PAGE_SIZE: u32 = 25;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// Newest first (the default).
    #[default]
    Newest,
    Oldest,
    /// Most recently changed first.
    Updated,
    /// By title, A to Z.
    Title,
}

/// The query as it arrives: every field optional text (a form or a URL).
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignQueryInput {
    /// Words in the title (case-insensitive).
    pub search: Option<String>,
    /// draft, scheduled, live, stopped, completed or archived (archived are hidden otherwise).
    pub status: Option<String>,
    /// email, sms or push.
    pub channel: Option<String>,
    /// transactional or marketing.
    pub category: Option<String>,
    /// One tag the campaign has.
    pub tag: Option<String>,
    /// newest (default), oldest, updated or title.
    pub sort: Option<String>,
    /// 1-based page of 25.
    pub page: Option<String>,
}

/// A valid campaign query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CampaignQuery {
    pub search: Option<String>,
    pub status: Option<CampaignStatus>,
    pub channel: Option<Channel>,
    pub category: Option<Category>,
    pub tag: Option<String>,
    pub sort: Sort,
    pub page: u32,
}

impl CampaignQuery {
    pub fn parse(input: &CampaignQueryInput) -> Result<Self, ValidationError> {
        let mut errors = Vec::new();
        fn text(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|s| !s.is_empty())
        }
        fn pick<T>(
            raw: Option<&str>,
            field: &str,
            parse: impl Fn(&str) -> Option<T>,
            errors: &mut Vec<FieldError>,
        ) -> Option<T> {
            let raw = raw?;
            let parsed = parse(raw);
            if parsed.is_none() {
                errors.push(FieldError::new(
                    field,
                    format!("\"{raw}\" is not one of the accepted values"),
                ));
            }
            parsed
        }
        let status = pick(
            text(&input.status),
            "status",
            CampaignStatus::parse,
            &mut errors,
        );
        let channel = pick(text(&input.channel), "channel", Channel::parse, &mut errors);
        let category = pick(
            text(&input.category),
            "category",
            Category::parse,
            &mut errors,
        );
        let sort = pick(
            text(&input.sort),
            "sort",
            |s| match s {
                "newest" => Some(Sort::Newest),
                "oldest" => Some(Sort::Oldest),
                "updated" => Some(Sort::Updated),
                "title" => Some(Sort::Title),
                _ => None,
            },
            &mut errors,
        )
        .unwrap_or_default();
        let page = match text(&input.page).map(str::parse::<u32>) {
            None => 1,
            Some(Ok(p)) if (1..=100_000).contains(&p) => p,
            Some(_) => {
                errors.push(FieldError::new("page", "must be a page number from 1"));
                1
            }
        };
        let search = text(&input.search).map(|s| s.chars().take(200).collect());
        let tag = text(&input.tag).map(|s| s.chars().take(50).collect());
        if errors.is_empty() {
            Ok(Self {
                search,
                status,
                channel,
                category,
                tag,
                sort,
                page,
            })
        } else {
            Err(ValidationError::new("invalid_query", errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(pairs: &[(&str, &str)]) -> CampaignQueryInput {
        let mut i = CampaignQueryInput::default();
        for (k, v) in pairs {
            let v = Some(v.to_string());
            match *k {
                "search" => i.search = v,
                "status" => i.status = v,
                "channel" => i.channel = v,
                "category" => i.category = v,
                "tag" => i.tag = v,
                "sort" => i.sort = v,
                "page" => i.page = v,
                _ => unreachable!(),
            }
        }
        i
    }

    #[test]
    fn empty_values_mean_no_filter() {
        let q =
            CampaignQuery::parse(&input(&[("search", " "), ("status", ""), ("page", "")])).unwrap();
        assert_eq!(
            q,
            CampaignQuery {
                page: 1,
                ..CampaignQuery::default()
            }
        );
    }

    #[test]
    fn every_filter_is_parsed_or_refused_by_name() {
        let q = CampaignQuery::parse(&input(&[
            ("search", "reset"),
            ("status", "scheduled"),
            ("channel", "sms"),
            ("category", "marketing"),
            ("tag", "vip"),
            ("sort", "title"),
            ("page", "3"),
        ]))
        .unwrap();
        assert_eq!(
            (q.status, q.channel, q.sort, q.page),
            (
                Some(CampaignStatus::Scheduled),
                Some(Channel::Sms),
                Sort::Title,
                3
            )
        );
        let err = CampaignQuery::parse(&input(&[
            ("status", "paused"),
            ("sort", "x"),
            ("page", "0"),
        ]))
        .unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["status", "sort", "page"]);
    }
}
