//! Serving: the router on a socket the router on a socket ([`bind`](crate::bind)), with the
//! deadlines and limits no client can stretch (header read, idle, write, the
//! connection bound and its `503`s, the lingering close, the shutdown grace period),
//! and what a fault rule does to a connection (closing it unanswered, reset or
//! after garbage: `watched_io`; cutting or dribbling a body: `delivery`).

pub(crate) mod bind;
pub(crate) mod busy;
pub(crate) mod delivery;
pub(crate) mod in_flight;
pub(crate) mod watched_io;
