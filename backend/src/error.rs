//! The backend's one error type. Each [`ErrorKind`] has its HTTP status code here
//! ([`ErrorKind::status_code`]), the one mapping both doors (REST and the browser's server
//! functions) answer with. Internal causes are kept for the log and never shown.

use domain::{FieldError, ValidationError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input is malformed or breaks a rule (HTTP 400).
    Invalid,
    /// No or bad credentials (401).
    Unauthorized,
    /// Authenticated, but not allowed to do this (403).
    Forbidden,
    /// The thing does not exist, or the caller may not know it does (404).
    NotFound,
    /// The path exists, but not with this HTTP method (405).
    MethodNotAllowed,
    /// The request clashes with the current state, e.g. a reused idempotency key (409).
    Conflict,
    /// The request is larger than allowed (413).
    TooLarge,
    /// Too many requests; retry after the given seconds (429).
    RateLimited { retry_after_secs: u64 },
    /// Well-formed, but the target's state does not allow it, e.g. a campaign that is not live (422).
    Unprocessable,
    /// A fault on our side (500); details go to the log only.
    Internal,
    /// A service Herald needs (its database) cannot be reached now; nothing was done: retry
    /// after the given seconds (503).
    Unavailable { retry_after_secs: u64 },
}

impl ErrorKind {
    /// The HTTP status a refusal of this kind answers with.
    pub fn status_code(self) -> u16 {
        match self {
            ErrorKind::Invalid => 400,
            ErrorKind::Unauthorized => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::MethodNotAllowed => 405,
            ErrorKind::Conflict => 409,
            ErrorKind::TooLarge => 413,
            ErrorKind::Unprocessable => 422,
            ErrorKind::RateLimited { .. } => 429,
            ErrorKind::Internal => 500,
            ErrorKind::Unavailable { .. } => 503,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Error {
    pub kind: ErrorKind,
    /// Stable snake_case code that clients can match on.
    pub code: &'static str,
    /// A sentence for a person: what went wrong and what to do.
    pub message: String,
    pub errors: Vec<FieldError>,
    #[source]
    pub cause: Option<anyhow::Error>,
}

impl Error {
    pub fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            message: message.into(),
            errors: Vec::new(),
            cause: None,
        }
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self {
            cause: Some(cause.into()),
            ..Self::new(
                ErrorKind::Internal,
                "internal_error",
                "Something went wrong on our side. Try again; if it persists, contact the operator.",
            )
        }
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, code, message)
    }
}

impl From<ValidationError> for Error {
    fn from(e: ValidationError) -> Self {
        let message = match e.errors.as_slice() {
            [one] => format!("{} {}", one.field, one.message),
            many => format!("The request has {} problems; see errors.", many.len()),
        };
        Self::new(ErrorKind::Invalid, e.code, message).with_errors(e.errors)
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        let make = for_database_error(&e);
        make(e.into())
    }
}

/// What a failed database call means to its caller: no space left (503 `storage_full`), the
/// database out of reach (503 `database_unavailable`), else an internal error; the function
/// that makes that error from its cause.
pub fn for_database_error(e: &sqlx::Error) -> fn(anyhow::Error) -> Error {
    if is_storage_full(e) {
        Error::storage_full
    } else if is_unreachable(e) {
        Error::unavailable
    } else {
        Error::internal
    }
}

impl Error {
    /// The database cannot be reached: a 503 with `Retry-After`, the cause logged.
    pub fn unavailable(cause: impl Into<anyhow::Error>) -> Self {
        Self {
            cause: Some(cause.into()),
            ..Self::new(
                ErrorKind::Unavailable {
                    retry_after_secs: 2,
                },
                "database_unavailable",
                "Herald cannot reach its database right now; nothing was done. Retry in a few seconds.",
            )
        }
    }
}

impl Error {
    /// The database has no space left: a 503 with `Retry-After`; nothing was written.
    pub fn storage_full(cause: impl Into<anyhow::Error>) -> Self {
        Self {
            cause: Some(cause.into()),
            ..Self::new(
                ErrorKind::Unavailable {
                    retry_after_secs: 30,
                },
                "storage_full",
                "Herald's database has no space left, so nothing was done; messages already \
                 accepted are still delivered. Retry later (an operator must free or add space).",
            )
        }
    }
}

/// Whether a database error means the disk (or the database's size cap) is full: SQLite's
/// `SQLITE_FULL`, PostgreSQL's `disk_full`.
pub fn is_storage_full(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|code| matches!(&*code, "13" | "53100")),
        _ => false,
    }
}

/// Whether a database error means the database cannot be reached (the connection failed, was
/// cut, or the server is shutting down, starting or out of connections), as opposed to a query
/// that failed. Such an error changed nothing that a retry should worry about.
pub fn is_unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // Class 08: connection exception; 57P01–57P03: admin or crash shutdown, cannot
            // connect now; 53300: too many connections.
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")
        }),
        _ => false,
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
