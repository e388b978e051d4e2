//! The one error type of the API. Each variant is what a client sees under
//! `extensions.code`; internal causes are logged with the request id and never returned.

use async_graphql::ErrorExtensions;
use sea_orm::DbErr;
use std::fmt;

/// What went wrong, as a client is told it.
///
/// `ApiError` deliberately does not implement `Display`: async-graphql converts any `Display`
/// type into an error without extensions, and every error here must carry its code.
#[derive(Debug)]
pub enum ApiError {
    /// No valid token, or a token whose claims do not describe a usable viewer.
    Unauthenticated(String),
    /// The caller can see the record but may not do this to it.
    Forbidden(String),
    /// No such record, or one outside the caller's scope (indistinguishable by design).
    NotFound(String),
    /// An argument is malformed or out of range; `field` names it.
    BadUserInput { field: String, message: String },
    /// The `version` the caller read is stale.
    Conflict(String),
    /// The record's state does not allow the action.
    InvalidTransition(String),
    /// A recommendation would exceed the region's quota.
    QuotaExceeded(String),
    /// A policy rule refuses the action.
    RuleViolation(String),
    /// Too many requests; try again after `retry_after_secs`.
    RateLimited { retry_after_secs: u64 },
    /// The database could not be reached within the acquire timeout. Retryable: the client is
    /// told to try again after [`UNAVAILABLE_RETRY_SECS`].
    Unavailable,
    /// Anything else. The client sees only "internal error"; the cause is logged.
    Internal,
}

/// Seconds a client is asked to wait before retrying an `UNAVAILABLE` answer.
pub const UNAVAILABLE_RETRY_SECS: u64 = 5;

/// Results of service functions.
pub type ApiResult<T, E = ApiError> = Result<T, E>;

impl ApiError {
    /// A `NOT_FOUND` for a kind of record.
    pub fn not_found(what: &str) -> Self {
        ApiError::NotFound(format!("{what} not found"))
    }

    /// A `BAD_USER_INPUT` naming the offending field.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::BadUserInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Logs an internal failure with its cause and returns the opaque `INTERNAL` error.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        ApiError::Internal
    }

    /// The `extensions.code` of this error.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated(_) => "UNAUTHENTICATED",
            ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::NotFound(_) => "NOT_FOUND",
            ApiError::BadUserInput { .. } => "BAD_USER_INPUT",
            ApiError::Conflict(_) => "CONFLICT",
            ApiError::InvalidTransition(_) => "INVALID_TRANSITION",
            ApiError::QuotaExceeded(_) => "QUOTA_EXCEEDED",
            ApiError::RuleViolation(_) => "RULE_VIOLATION",
            ApiError::RateLimited { .. } => "RATE_LIMITED",
            ApiError::Unavailable => "UNAVAILABLE",
            ApiError::Internal => "INTERNAL",
        }
    }

    /// The human-readable message shown to the client.
    pub fn message(&self) -> String {
        match self {
            ApiError::Unauthenticated(m)
            | ApiError::Forbidden(m)
            | ApiError::NotFound(m)
            | ApiError::Conflict(m)
            | ApiError::InvalidTransition(m)
            | ApiError::QuotaExceeded(m)
            | ApiError::RuleViolation(m) => m.clone(),
            ApiError::BadUserInput { field, message } => format!("{field}: {message}"),
            ApiError::RateLimited { retry_after_secs } => {
                format!("rate limit exceeded; retry after {retry_after_secs} s")
            }
            ApiError::Unavailable => {
                format!("the database is unavailable; retry after {UNAVAILABLE_RETRY_SECS} s")
            }
            ApiError::Internal => "internal error".to_owned(),
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(e: ApiError) -> Self {
        let code = e.code();
        async_graphql::Error::new(e.message()).extend_with(|_, ext| {
            ext.set("code", code);
            match &e {
                ApiError::BadUserInput { field, .. } => ext.set("field", field.as_str()),
                ApiError::RateLimited { retry_after_secs } => {
                    ext.set("retryAfter", *retry_after_secs)
                }
                ApiError::Unavailable => ext.set("retryAfter", UNAVAILABLE_RETRY_SECS),
                _ => {}
            }
        })
    }
}

impl From<ApiError> for anyhow::Error {
    fn from(e: ApiError) -> Self {
        anyhow::anyhow!("{}: {}", e.code(), e.message())
    }
}

impl From<DbErr> for ApiError {
    fn from(e: DbErr) -> Self {
        match e {
            DbErr::ConnectionAcquire(reason) => {
                tracing::warn!(error = %reason, "no database connection within the acquire timeout");
                ApiError::Unavailable
            }
            other => ApiError::internal(other),
        }
    }
}

/// Turns `async_graphql`'s own errors (argument parsing, limits) into coded ones, so that
/// every error a client sees carries `extensions.code`.
pub fn ensure_code(mut err: async_graphql::ServerError) -> async_graphql::ServerError {
    let has_code = err
        .extensions
        .as_ref()
        .is_some_and(|ext| ext.get("code").is_some());
    if !has_code {
        let mut ext = err.extensions.take().unwrap_or_default();
        ext.set("code", "BAD_USER_INPUT");
        err.extensions = Some(ext);
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_carries_code_and_field() {
        let e: async_graphql::Error = ApiError::bad_input("first", "at most 100").into();
        let ext = e.extensions.expect("extensions");
        assert_eq!(
            ext.get("code"),
            Some(&async_graphql::Value::from("BAD_USER_INPUT"))
        );
        assert_eq!(ext.get("field"), Some(&async_graphql::Value::from("first")));
        assert_eq!(e.message, "first: at most 100");
    }

    #[test]
    fn internal_errors_reveal_nothing() {
        let e: async_graphql::Error = ApiError::from(DbErr::Custom("secret SQL".into())).into();
        assert_eq!(e.message, "internal error");
    }
}
