//! The wire's vocabulary, which every layer above speaks: JSON answers, the error
//! body every failure answers ([`ServerError`](error::ServerError)), the two
//! generations of the wire, the causes of bare answers, and credentials. Imports
//! nothing of the server.

pub(crate) mod cause;
pub(crate) mod credentials;
pub(crate) mod error;
pub(crate) mod generation;
pub(crate) mod json;
