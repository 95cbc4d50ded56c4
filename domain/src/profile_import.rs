//! Profile files: what a row of an imported CSV or NDJSON file means, and how a profile is
//! written back out. Pure: the backend reads the bytes, this module reads the rows.
//!
//! Invariants:
//! - CSV: a column whose header is an identity namespace of the sandbox (`email`, `crmId`, a
//!   custom one) holds an identity; any other header is a dotted attribute path
//!   (`person.name.firstName`, `consents.marketing.email.val`). Cells are text; an empty cell
//!   sets nothing. Every row needs at least one identity.
//! - NDJSON: one profile per line, `{"identities": [{"namespace", "id"}], "attributes": {…}}`
//!   (the shape [`ExportedProfile`] writes, so an export imports back unchanged).
//! - Rows are numbered as a person sees them: CSV rows as in a spreadsheet (the header is row
//!   1), NDJSON rows by line. A bad row is reported with its number, column and reason; it
//!   never stops the rows after it.
//! - Importing attributes lays them over the stored ones ([`crate::profile::overlay`]): a file
//!   with fewer columns never erases attributes, and importing the same file twice changes
//!   nothing the second time.

use crate::profile::{MAX_ATTRIBUTE_BYTES, Namespace, identity_value};
use crate::views::IdentityView;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::str::FromStr;

/// Most columns a CSV file may have.
pub const MAX_COLUMNS: usize = 500;
/// Most bytes one row may take.
pub const MAX_ROW_BYTES: usize = 256 * 1024;

crate::delivery::status_enum!(
    /// How a profile file is written.
    FileFormat {
        Csv => "csv",
        Ndjson => "ndjson",
    }
);

impl FileFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Ndjson => "application/x-ndjson",
        }
    }
}

impl FromStr for FileFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Self::Csv),
            "ndjson" | "jsonl" => Ok(Self::Ndjson),
            other => Err(format!("'{other}' is not a file format: use csv or ndjson")),
        }
    }
}

crate::delivery::status_enum!(
    /// Where an import stands.
    ImportStatus {
        /// An upload is being read.
        Reading => "reading",
        /// The whole file was read.
        Completed => "completed",
        /// The upload ended before the file did: send the file again with the import's id to
        /// go on after its last committed row.
        Interrupted => "interrupted",
    }
);

/// An import: where it stands and what it did.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportView {
    pub import_id: String,
    pub format: FileFormat,
    pub file_name: String,
    /// The static audience the imported profiles were added to.
    pub audience_id: Option<String>,
    pub status: ImportStatus,
    /// The last row (as numbered in the file) whose profiles are stored: a resumed import
    /// skips the rows up to it.
    pub last_row: u64,
    pub created: u64,
    pub updated: u64,
    /// Rows that matched a profile and changed nothing in it.
    pub unchanged: u64,
    pub failed: u64,
    /// The first refused rows (all of them, up to 10,000, in the error report).
    pub errors: Vec<RowError>,
    /// Why this upload stopped before the end of the file (in the upload's answer only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_because: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One valid row: the identities it names and the attributes it sets.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRow {
    pub row: u64,
    /// (namespace, value), without repeats.
    pub identities: Vec<(String, String)>,
    pub attributes: Map<String, Value>,
}

/// Why a row was not imported.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RowError {
    /// The row as a person counts it (CSV: the header is row 1; NDJSON: the line).
    pub row: u64,
    /// The column (CSV header) or field the reason is about; empty for the row as a whole.
    pub column: String,
    pub reason: String,
}

impl RowError {
    pub fn new(row: u64, column: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            row,
            column: column.into(),
            reason: reason.into(),
        }
    }
}

/// What one CSV column holds.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Column {
    Identity(String),
    Attribute(Vec<String>),
}

/// The meaning of a CSV file's columns, read from its header.
#[derive(Debug, Clone)]
pub struct CsvColumns {
    names: Vec<String>,
    columns: Vec<Column>,
}

impl CsvColumns {
    /// Reads the header; `is_namespace` says which names are identity namespaces of the
    /// sandbox. Refuses empty, repeated or clashing names (`a` and `a.b`) and headers with no
    /// identity column: the whole file would fail.
    pub fn from_header<'a>(
        header: impl IntoIterator<Item = &'a str>,
        is_namespace: impl Fn(&str) -> bool,
    ) -> Result<Self, RowError> {
        let bad = |column: &str, reason: String| RowError::new(1, column, reason);
        let mut names = Vec::new();
        let mut columns = Vec::new();
        for (i, raw) in header.into_iter().enumerate() {
            let name = raw.trim().trim_start_matches('\u{feff}').to_owned();
            if names.len() == MAX_COLUMNS {
                return Err(bad("", format!("has more than {MAX_COLUMNS} columns")));
            }
            if name.is_empty() {
                return Err(bad(
                    "",
                    format!("column {} has no name: name every column", i + 1),
                ));
            }
            if names.contains(&name) {
                return Err(bad(&name, "appears twice: name every column once".into()));
            }
            let column = if is_namespace(&name) {
                Column::Identity(name.clone())
            } else {
                let path: Vec<String> = name.split('.').map(str::to_owned).collect();
                if path.iter().any(|p| p.trim().is_empty() || p.trim() != p) {
                    return Err(bad(
                        &name,
                        "is neither an identity namespace of this sandbox nor an attribute path \
                         such as person.name.firstName"
                            .into(),
                    ));
                }
                Column::Attribute(path)
            };
            names.push(name);
            columns.push(column);
        }
        for (i, a) in columns.iter().enumerate() {
            for b in &columns[i + 1..] {
                if let (Column::Attribute(a), Column::Attribute(b)) = (a, b)
                    && (a.starts_with(b) || b.starts_with(a))
                {
                    return Err(bad(
                        &b.join("."),
                        format!(
                            "clashes with the column {}: an attribute cannot hold both a value \
                             and other attributes",
                            a.join(".")
                        ),
                    ));
                }
            }
        }
        if !columns.iter().any(|c| matches!(c, Column::Identity(_))) {
            return Err(bad(
                "",
                "has no identity column: name one column after an identity namespace, e.g. \
                 email or crmId"
                    .into(),
            ));
        }
        Ok(Self { names, columns })
    }

    /// The profile one data row describes; `row` is its number (the first data row is 2).
    pub fn row<'a>(
        &self,
        row: u64,
        cells: impl ExactSizeIterator<Item = &'a str>,
    ) -> Result<ImportRow, RowError> {
        if cells.len() != self.columns.len() {
            return Err(RowError::new(
                row,
                "",
                format!(
                    "has {} cells where the header has {} columns",
                    cells.len(),
                    self.columns.len()
                ),
            ));
        }
        let mut identities = Vec::new();
        let mut attributes = Map::new();
        for ((cell, column), name) in cells.zip(&self.columns).zip(&self.names) {
            let cell = from_spreadsheet_safe(cell.trim());
            if cell.is_empty() {
                continue;
            }
            match column {
                Column::Identity(ns) => {
                    let value =
                        identity_value(cell).map_err(|reason| RowError::new(row, name, reason))?;
                    push_new(&mut identities, (ns.clone(), value));
                }
                Column::Attribute(path) => set_path(&mut attributes, path, cell),
            }
        }
        finish(row, identities, attributes)
    }
}

/// The profile one NDJSON line describes (`None` for a blank line).
pub fn ndjson_row(
    row: u64,
    line: &str,
    is_namespace: impl Fn(&str) -> bool,
) -> Option<Result<ImportRow, RowError>> {
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    let parsed: ExportedProfile = match serde_json::from_str(line) {
        Ok(p) => p,
        Err(e) => {
            return Some(Err(RowError::new(
                row,
                "",
                format!(
                    "is not a profile object ({{\"identities\": [...], \"attributes\": {{...}}}}): {e}"
                ),
            )));
        }
    };
    let mut identities = Vec::new();
    for (i, identity) in parsed.identities.iter().enumerate() {
        let field = |f: &str| format!("identities[{i}].{f}");
        let ns = match Namespace::parse(&identity.namespace) {
            Ok(ns) if is_namespace(ns.as_str()) => ns,
            _ => {
                return Some(Err(RowError::new(
                    row,
                    field("namespace"),
                    "is not an identity namespace of this sandbox",
                )));
            }
        };
        match identity_value(&identity.id) {
            Ok(v) => push_new(&mut identities, (ns.as_str().to_owned(), v)),
            Err(reason) => return Some(Err(RowError::new(row, field("id"), reason))),
        }
    }
    Some(finish(row, identities, parsed.attributes))
}

fn finish(
    row: u64,
    identities: Vec<(String, String)>,
    attributes: Map<String, Value>,
) -> Result<ImportRow, RowError> {
    if identities.is_empty() {
        return Err(RowError::new(
            row,
            "",
            "has no identity: fill at least one identity column",
        ));
    }
    if serde_json::to_vec(&attributes).map_or(usize::MAX, |v| v.len()) > MAX_ATTRIBUTE_BYTES {
        return Err(RowError::new(row, "", "has attributes larger than 64 KB"));
    }
    Ok(ImportRow {
        row,
        identities,
        attributes,
    })
}

fn push_new<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

fn set_path(attributes: &mut Map<String, Value>, path: &[String], value: &str) {
    let (last, parents) = path.split_last().expect("a path has a segment");
    let mut node = attributes;
    for part in parents {
        let entry = node
            .entry(part.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        // The header check rules out a value where an object is needed.
        let Value::Object(next) = entry else { return };
        node = next;
    }
    node.insert(last.clone(), Value::String(value.to_owned()));
}

/// Characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A CSV cell as an export writes it: one a spreadsheet would run as a formula (`=HYPERLINK(…)`
/// in a first name) gets a leading `'`, which spreadsheets show as text; imports remove it.
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// A CSV cell as it was before [`spreadsheet_safe`].
pub fn from_spreadsheet_safe(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

/// A profile as an export writes it and an NDJSON import reads it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedProfile {
    pub identities: Vec<IdentityView>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attributes: Map<String, Value>,
}

/// Every leaf path of `attributes` (arrays and their contents count as one leaf), in order.
pub fn leaf_paths(attributes: &Map<String, Value>, prefix: &str, into: &mut Vec<String>) {
    for (key, value) in attributes {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            Value::Object(inner) if !inner.is_empty() => leaf_paths(inner, &path, into),
            _ => into.push(path),
        }
    }
}

/// The CSV cell of an attribute path: text as it is, other values as JSON, missing as empty.
pub fn cell_at(attributes: &Map<String, Value>, path: &str) -> String {
    let mut parts = path.split('.');
    let Some(mut node) = parts.next().and_then(|p| attributes.get(p)) else {
        return String::new();
    };
    for part in parts {
        match node.get(part) {
            Some(next) => node = next,
            None => return String::new(),
        }
    }
    match node {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn namespaces(name: &str) -> bool {
        ["email", "crmId"].contains(&name)
    }

    fn columns(header: &[&str]) -> Result<CsvColumns, RowError> {
        CsvColumns::from_header(header.iter().copied(), namespaces)
    }

    #[test]
    fn a_header_names_identities_and_attribute_paths() {
        let c = columns(&["\u{feff}email", "crmId", "person.name.firstName", "tier"]).unwrap();
        let row = c
            .row(2, ["a@b.org", "", " Jane ", "gold"].into_iter())
            .unwrap();
        assert_eq!(row.identities, [("email".into(), "a@b.org".into())]);
        assert_eq!(
            Value::Object(row.attributes),
            json!({"person": {"name": {"firstName": "Jane"}}, "tier": "gold"})
        );
    }

    #[test]
    fn bad_headers_are_refused_as_a_whole() {
        let reason = |h: &[&str]| columns(h).unwrap_err().reason;
        assert!(reason(&["tier"]).contains("no identity column"));
        assert!(reason(&["email", "email"]).contains("twice"));
        assert!(reason(&["email", ""]).contains("column 2 has no name"));
        assert!(reason(&["email", "a..b"]).contains("attribute path"));
        assert!(reason(&["email", "a", "a.b"]).contains("clashes"));
    }

    #[test]
    fn bad_rows_say_their_number_column_and_reason() {
        let c = columns(&["email", "tier"]).unwrap();
        let e = c.row(3, ["", "gold"].into_iter()).unwrap_err();
        assert_eq!((e.row, e.column.as_str()), (3, ""));
        assert!(e.reason.contains("no identity"));
        let e = c.row(4, ["a\u{7}b", "gold"].into_iter()).unwrap_err();
        assert_eq!((e.row, e.column.as_str()), (4, "email"));
        let e = c.row(5, ["a@b.org"].into_iter()).unwrap_err();
        assert!(e.reason.contains("1 cells where the header has 2"));
    }

    #[test]
    fn ndjson_lines_are_exported_profiles() {
        let line = r#"{"identities":[{"namespace":"crmId","id":"42"},{"namespace":"crmId","id":"42"}],"attributes":{"n":1}}"#;
        let row = ndjson_row(7, line, namespaces).unwrap().unwrap();
        assert_eq!(row.identities, [("crmId".into(), "42".into())]);
        assert_eq!(row.attributes["n"], json!(1));
        assert!(ndjson_row(8, "  ", namespaces).is_none());
        let e = ndjson_row(
            9,
            r#"{"identities":[{"namespace":"fax","id":"1"}]}"#,
            namespaces,
        )
        .unwrap()
        .unwrap_err();
        assert_eq!((e.row, e.column.as_str()), (9, "identities[0].namespace"));
        let e = ndjson_row(10, "[1]", namespaces).unwrap().unwrap_err();
        assert!(e.reason.contains("not a profile object"), "{}", e.reason);
    }

    #[test]
    fn exported_cells_read_back_as_they_were_written() {
        let attributes =
            json!({"person": {"name": {"firstName": "Jane"}}, "n": 3, "tags": ["a"], "e": {}})
                .as_object()
                .unwrap()
                .clone();
        let mut paths = Vec::new();
        leaf_paths(&attributes, "", &mut paths);
        assert_eq!(paths, ["e", "n", "person.name.firstName", "tags"]);
        let cells: Vec<String> = paths.iter().map(|p| cell_at(&attributes, p)).collect();
        assert_eq!(cells, ["{}", "3", "Jane", "[\"a\"]"]);
        assert_eq!(cell_at(&attributes, "person.missing"), "");
    }

    #[test]
    fn formula_cells_are_quoted_on_export_and_unquoted_on_import() {
        for cell in ["=1+1", "+33 6", "-5", "@x", "plain", "'quoted", ""] {
            assert_eq!(from_spreadsheet_safe(&spreadsheet_safe(cell)), cell);
        }
        assert_eq!(spreadsheet_safe("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(spreadsheet_safe("Jane"), "Jane");
        let c = columns(&["email", "n"]).unwrap();
        let row = c.row(2, ["a@b.org", "'-5"].into_iter()).unwrap();
        assert_eq!(row.attributes["n"], json!("-5"));
    }

    #[test]
    fn formats_are_named_by_their_usual_names() {
        assert_eq!("CSV".parse::<FileFormat>(), Ok(FileFormat::Csv));
        assert_eq!("jsonl".parse::<FileFormat>(), Ok(FileFormat::Ndjson));
        assert!("xlsx".parse::<FileFormat>().is_err());
    }
}
