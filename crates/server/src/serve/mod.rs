//! Serving: the router on a socket the router on a socket ([`bind`](crate::bind)), with the
//! deadlines and limits no client can stretch (header read, idle, write, the
//! connection bound and its `503`s, the lingering close, the shutdown grace period).

pub(crate) mod bind;
pub(crate) mod busy;
pub(crate) mod in_flight;
pub(crate) mod watched_io;
