//! The layers every request passes: the record of each request (its id, the access
//! log's line, the request journal's entry), the finishing of answers (the error
//! bodies of bare answers, by their cause; error bodies in the caller's generation),
//! the answer to a panic (for tower-http's `CatchPanic`), the request timeout, and the
//! declared body length. Imports only the layers below: `http`, `request`, the
//! journal.

pub(crate) mod answers;
pub(crate) mod declared_length;
pub(crate) mod panic;
pub(crate) mod record;
pub(crate) mod timeout;
