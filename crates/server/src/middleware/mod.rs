//! The layers every request passes: the record of each request (its id, the access
//! log's event, the request journal's entry), the finishing of answers (the error bodies
//! of bare answers, by their cause; error bodies in the caller's generation), and the request timeout.

pub(crate) mod answers;
pub(crate) mod declared_length;
pub(crate) mod panic;
pub(crate) mod record;
pub(crate) mod timeout;
