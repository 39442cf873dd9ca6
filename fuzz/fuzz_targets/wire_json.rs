//! Both generations' JSON bodies of the API (`collab_core`'s wire models).
//!
//! The first byte picks the body's kind, the rest is the JSON text. Invariants:
//! - a create-or-update request that is read satisfies the rules: rebuilding it with
//!   the validating `ShareRequest::new` gives the same request (users and teams
//!   normalised, within their limits); written in either generation and read again,
//!   it is the same request (less the `creator`, which only today's generation has),
//!   and the spelling read back is the generation written whenever it shows one;
//! - a config, a list of configs and an error body, written in either generation and
//!   read again, are the same value (less what the generation does not have: an error
//!   body's `requestId` and `errorLabels` in 2022's);
//! - an id read as text is written back as the same id; a `CreateEntityResponse`
//!   round-trips through serde.
//! Refusals are errors, never panics.
#![no_main]

use collab_core::wire::{IncomingShareRequest, WireGeneration};
use collab_core::{
    AccessConfig, AccessConfigId, ApiErrorResponse, CreateEntityResponse, DatasetId, ShareRequest,
};
use libfuzzer_sys::fuzz_target;

const GENERATIONS: [WireGeneration; 2] = [WireGeneration::Current, WireGeneration::V2022];

fn share_request(text: &str) {
    let Ok(incoming) = serde_json::from_str::<IncomingShareRequest>(text) else {
        return;
    };
    let request = incoming.request;
    let rebuilt = ShareRequest::new(
        request.access_type(),
        request.users().to_vec(),
        request.teams().to_vec(),
    )
    .unwrap_or_else(|error| panic!("read {request:?}, which the rules refuse: {error}"));
    let rebuilt = match request.creator() {
        Some(creator) => rebuilt.with_creator(creator.clone()),
        None => rebuilt,
    };
    assert_eq!(rebuilt, request, "{text}");
    for generation in GENERATIONS {
        let written = serde_json::to_string(&generation.on_wire(&request)).expect("written");
        let read: IncomingShareRequest = serde_json::from_str(&written).unwrap_or_else(|error| {
            panic!("{written} written in {generation} is not read: {error}")
        });
        let expected = match generation {
            WireGeneration::Current => request.clone(),
            _ => ShareRequest::new(
                request.access_type(),
                request.users().to_vec(),
                request.teams().to_vec(),
            )
            .expect("valid"),
        };
        assert_eq!(read.request, expected, "{written}");
        if let Some(spelled) = read.spelled_in {
            assert_eq!(spelled, generation, "{written}");
        }
    }
}

fn configs(text: &str) {
    if let Ok(config) = serde_json::from_str::<AccessConfig>(text) {
        for generation in GENERATIONS {
            let written = serde_json::to_string(&generation.on_wire(&config)).expect("written");
            let read: AccessConfig = serde_json::from_str(&written)
                .unwrap_or_else(|error| panic!("{written} is not read: {error}"));
            assert_eq!(read, config, "{written}");
        }
        let plain = serde_json::to_string(&config).expect("written");
        assert_eq!(
            serde_json::from_str::<AccessConfig>(&plain).expect("read"),
            config
        );
    }
    if let Ok(list) = serde_json::from_str::<Vec<AccessConfig>>(text) {
        for generation in GENERATIONS {
            let written =
                serde_json::to_string(&generation.on_wire(list.as_slice())).expect("written");
            let read: Vec<AccessConfig> = serde_json::from_str(&written)
                .unwrap_or_else(|error| panic!("{written} is not read: {error}"));
            assert_eq!(read, list, "{written}");
        }
    }
}

fn error_body(text: &str) {
    let Ok(body) = serde_json::from_str::<ApiErrorResponse>(text) else {
        return;
    };
    for generation in GENERATIONS {
        let written = serde_json::to_string(&generation.on_wire(&body)).expect("written");
        let read: ApiErrorResponse = serde_json::from_str(&written)
            .unwrap_or_else(|error| panic!("{written} is not read: {error}"));
        assert_eq!(read.code, body.code, "{written}");
        assert_eq!(read.message, body.message, "{written}");
        // The 2022 generation has no `requestId` or `errorLabels`.
        if generation == WireGeneration::Current {
            assert_eq!(read, body, "{written}");
        }
    }
}

fn ids(text: &str) {
    if let Ok(dataset) = text.parse::<DatasetId>() {
        assert_eq!(dataset.to_string().parse::<DatasetId>(), Ok(dataset));
        assert_eq!(dataset.to_string().len(), collab_core::OBJECT_ID_LEN);
    }
    if let Ok(config) = text.parse::<AccessConfigId>() {
        assert_eq!(config.to_string().parse::<AccessConfigId>(), Ok(config));
    }
    if let Ok(created) = serde_json::from_str::<CreateEntityResponse>(text) {
        let written = serde_json::to_string(&created).expect("written");
        assert_eq!(
            serde_json::from_str::<CreateEntityResponse>(&written).expect("read"),
            created
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match kind % 4 {
        0 => share_request(text),
        1 => configs(text),
        2 => error_body(text),
        _ => ids(text),
    }
});
