//! Writing the log of a served process: the access log's line ([`AccessLogFormat`])
//! and the batched writer off the request path ([`BatchedLog`]).
//!
//! [`AccessLogFormat`]: crate::AccessLogFormat
//! [`BatchedLog`]: crate::BatchedLog

pub(crate) mod access_format;
pub(crate) mod log_batches;
