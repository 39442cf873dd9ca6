//! Which generation of the wire each caller is answered in: [`WireMode`], the
//! placement of a request, and error bodies written in the caller's generation.
//!
//! A caller is placed, in this order, by: a pinned mode; its `User-Agent` when that
//! names one of Lightly's official clients ([`WireGeneration::from_user_agent`]); the
//! spelling of its request body (`teams`/`creator`, or `organizations`); and otherwise
//! today's generation, which is what curl, this workspace's CLI and other languages'
//! clients get.

use std::fmt;
use std::str::FromStr;

use axum::http::{HeaderMap, header};
use axum::response::Response;
use collab_core::ApiErrorResponse;
use collab_core::wire::{UnknownGeneration, WireGeneration};

use crate::http::json::{json_response, replace_body};

/// How the server chooses the generation of the wire it answers in.
///
/// ```
/// use collab_core::wire::WireGeneration;
/// use collab_server::WireMode;
/// assert_eq!("auto".parse::<WireMode>()?, WireMode::Auto);
/// assert_eq!("2022".parse::<WireMode>()?, WireMode::Pinned(WireGeneration::V2022));
/// assert_eq!(WireMode::default(), WireMode::Auto);
/// # Ok::<(), collab_core::wire::UnknownGeneration>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum WireMode {
    /// Each caller in the generation it speaks, as far as the request tells; today's
    /// when it does not tell. One server then serves every official client.
    #[default]
    Auto,
    /// Every caller in this generation.
    Pinned(WireGeneration),
}

impl FromStr for WireMode {
    type Err = UnknownGeneration;
    /// `auto`, or a generation's name (`current`, `2022`).
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        if name.trim().eq_ignore_ascii_case("auto") {
            return Ok(Self::Auto);
        }
        name.parse().map(Self::Pinned)
    }
}

impl fmt::Display for WireMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Auto => f.write_str("auto"),
            Self::Pinned(generation) => generation.fmt(f),
        }
    }
}

/// Where a request was placed before its body was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Placement {
    /// The generation to answer in, unless the body tells better.
    pub(crate) generation: WireGeneration,
    /// Whether the mode or the `User-Agent` placed the caller, so the body cannot.
    settled: bool,
}

impl Placement {
    pub(crate) fn of(mode: WireMode, headers: &HeaderMap) -> Self {
        let placed = match mode {
            WireMode::Pinned(generation) => Some(generation),
            WireMode::Auto => headers
                .get(header::USER_AGENT)
                .and_then(|agent| agent.to_str().ok())
                .and_then(WireGeneration::from_user_agent),
        };
        Self {
            generation: placed.unwrap_or_default(),
            settled: placed.is_some(),
        }
    }

    /// The generation of the answer to a request whose body was spelled in
    /// `spelled_in`: the body counts only for a caller nothing else placed.
    pub(crate) fn with_body(self, spelled_in: Option<WireGeneration>) -> WireGeneration {
        match spelled_in {
            Some(generation) if !self.settled => generation,
            _ => self.generation,
        }
    }
}

/// On a response: the generation its request's body placed it in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AnsweredIn(pub(crate) WireGeneration);

/// On an error response: its body as data, written in today's generation until the
/// placing layer knows the caller's.
#[derive(Debug, Clone)]
pub(crate) struct ErrorBody(pub(crate) ApiErrorResponse);

/// `response` to a request placed at `placement`, with its error body (if any)
/// written in the generation of the caller, carrying `request_id` in today's
/// generation (the 2022 shape has no such field).
pub(crate) fn in_callers_generation(
    response: Response,
    placement: Placement,
    request_id: Option<&str>,
) -> Response {
    let generation = answered_in(&response, placement);
    match response.extensions().get::<ErrorBody>() {
        Some(ErrorBody(body)) => {
            let body = match request_id {
                Some(id) if generation == WireGeneration::Current => {
                    body.clone().with_request_id(id)
                }
                _ => body.clone(),
            };
            let rewritten = json_response(response.status(), &generation.on_wire(&body));
            replace_body(response, rewritten)
        }
        None => response,
    }
}

/// The generation `response` was written in, for a request placed at `placement`.
pub(crate) fn answered_in<B>(response: &Response<B>, placement: Placement) -> WireGeneration {
    response
        .extensions()
        .get::<AnsweredIn>()
        .map_or(placement.generation, |answered| answered.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(agent: Option<&'static str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(agent) = agent {
            headers.insert(header::USER_AGENT, HeaderValue::from_static(agent));
        }
        headers
    }

    #[test]
    fn an_official_client_is_placed_by_its_agent_and_the_body_cannot_override_it() {
        let placement = Placement::of(
            WireMode::Auto,
            &headers(Some("Swagger-Codegen/1.0.0/python")),
        );
        assert_eq!(placement.generation, WireGeneration::V2022);
        assert_eq!(
            placement.with_body(Some(WireGeneration::Current)),
            WireGeneration::V2022
        );
    }

    #[test]
    fn an_unknown_caller_gets_today_unless_its_body_speaks_2022() {
        let placement = Placement::of(WireMode::Auto, &headers(Some("curl/8.5.0")));
        assert_eq!(placement.generation, WireGeneration::Current);
        assert_eq!(placement.with_body(None), WireGeneration::Current);
        assert_eq!(
            placement.with_body(Some(WireGeneration::V2022)),
            WireGeneration::V2022
        );
        assert_eq!(
            Placement::of(WireMode::Auto, &headers(None)).generation,
            WireGeneration::Current
        );
    }

    #[test]
    fn a_pinned_mode_wins_over_agent_and_body() {
        let pinned = WireMode::Pinned(WireGeneration::V2022);
        let placement = Placement::of(pinned, &headers(Some("OpenAPI-Generator/1.0.0/python")));
        assert_eq!(
            placement.with_body(Some(WireGeneration::Current)),
            WireGeneration::V2022
        );
    }

    #[test]
    fn modes_parse_and_print() {
        for name in ["auto", "current", "2022"] {
            assert_eq!(name.parse::<WireMode>().unwrap().to_string(), name);
        }
        assert!("2019".parse::<WireMode>().is_err());
    }
}
