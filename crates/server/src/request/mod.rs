//! The request's context, which every layer above reads: its id, the notes the
//! layers and handlers share about it, what its path says before any route reads
//! it, and its access-log line. Imports nothing of the server but
//! [`http`](crate::http).

pub(crate) mod access_log;
pub(crate) mod id;
pub(crate) mod notes;
pub(crate) mod path;
