//! The replay: a fresh in-memory fake served as `collab serve` serves it, seeded with
//! the recording's start states and callers, and every recorded request sent to it in
//! order.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use collab_core::{AccessConfig, DatasetId};
use collab_fake::InMemoryStore;
use collab_server::{ServerConfig, ServerHandle};
use serde_json::Value;

use super::compare::{Rules, compare};
use super::normalise::{References, is_object_id, normalise};
use super::report::{EndStateReport, Report, StepReport};
use crate::Error;
use crate::recording::secrets::is_placeholder;
use crate::recording::{
    CredentialState, Message, RESPONSE_HEADERS, Recording, Request, StateRead, body_of,
    configs_path,
};

/// The owner of a dataset that its callers could not read (`403`): a user of the
/// fake with no token.
const SOMEONE_ELSE: &str = "someone-else";

/// The fake, seeded, and the token that stands for each placeholder.
struct Fake {
    server: ServerHandle,
    tokens: HashMap<String, String>,
    client: reqwest::Client,
}

/// Replays `recording` against a fresh fake and compares every answer.
pub(crate) async fn replay(recording: &Recording, file: String) -> Result<Report, Error> {
    let fake = start_fake(recording).await?;
    let noise: BTreeSet<String> = recording
        .steps
        .iter()
        .flat_map(|step| step.noise.iter().cloned())
        .collect();
    let rules = Rules {
        noise: &noise,
        gaps: &recording.gaps,
    };
    let (mut api_refs, mut fake_refs) = (References::default(), References::default());
    // The fake holds the start states' configs under their own ids: the same
    // references on both sides.
    for id in start_config_ids(recording) {
        api_refs.number(&id);
        fake_refs.number(&id);
    }
    let mut steps = Vec::new();
    for (index, step) in recording.steps.iter().enumerate() {
        let path = replayed_path(&step.request.path, &mut api_refs, &mut fake_refs);
        let answer = fake.send(&step.request, &path).await?;
        let findings = compare(
            &normalised(&step.response, &mut api_refs),
            &normalised(&answer, &mut fake_refs),
            &rules,
        );
        steps.push(StepReport {
            step: index + 1,
            method: step.request.method.clone(),
            path: step.request.path.clone(),
            findings,
        });
    }
    let mut end_states = Vec::new();
    for dataset in &recording.datasets {
        let Some(end) = &dataset.end else { continue };
        let answer = fake.read(&dataset.id, end).await?;
        end_states.push(EndStateReport {
            dataset: dataset.id.clone(),
            findings: compare(
                &normalised(&end.response, &mut api_refs),
                &normalised(&answer, &mut fake_refs),
                &rules,
            ),
        });
    }
    fake.server.shutdown().await;
    Ok(Report::new(
        file,
        recording.recorded_at.clone(),
        recording.upstream.clone(),
        steps,
        end_states,
    ))
}

fn normalised(message: &Message, references: &mut References) -> Message {
    Message {
        body: message
            .body
            .as_ref()
            .map(|body| normalise(body, references)),
        ..message.clone()
    }
}

/// The recorded path with a config id the API made replaced by the fake's id of the
/// same reference.
fn replayed_path(path: &str, api_refs: &mut References, fake_refs: &mut References) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    let mut replayed = Vec::with_capacity(segments.len());
    for (index, segment) in segments.iter().enumerate() {
        let after_access = index > 0 && segments[index - 1] == "access";
        if after_access && is_object_id(segment) {
            let number = api_refs.number(segment);
            let id = fake_refs.id(number).unwrap_or(segment).to_owned();
            fake_refs.number(&id);
            replayed.push(id);
        } else {
            replayed.push((*segment).to_owned());
        }
    }
    replayed.join("/")
}

fn start_config_ids(recording: &Recording) -> Vec<String> {
    recording
        .datasets
        .iter()
        .filter_map(|dataset| dataset.start.as_ref())
        .filter(|start| start.response.status == 200)
        .filter_map(|start| start.response.body.as_ref()?.as_array())
        .flatten()
        .filter_map(|config| Some(config.get("id")?.as_str()?.to_owned()))
        .collect()
}

/// The caller of a request: its `token` query parameter's placeholder, else its
/// `Authorization` one.
fn caller_of(request: &Request) -> Option<String> {
    let from_query = request
        .query
        .iter()
        .find(|(name, value)| name == "token" && is_placeholder(value))
        .map(|(_, value)| value.clone());
    from_query.or_else(|| {
        let value = request.headers.get("authorization")?;
        let credential = value.rsplit(' ').next()?;
        is_placeholder(credential).then(|| credential.to_owned())
    })
}

/// The user id the API showed as `owner` of the configs each caller listed.
fn owners(recording: &Recording) -> HashMap<String, String> {
    let mut owners = HashMap::new();
    let steps = recording
        .steps
        .iter()
        .filter(|step| step.request.method == "GET")
        .filter_map(|step| Some((caller_of(&step.request)?, &step.response)));
    let states = recording
        .datasets
        .iter()
        .flat_map(|dataset| [&dataset.start, &dataset.end])
        .flatten()
        .map(|read| (read.caller.clone(), &read.response));
    for (caller, response) in states.chain(steps) {
        if response.status != 200 {
            continue;
        }
        let owner = response
            .body
            .as_ref()
            .and_then(Value::as_array)
            .and_then(|configs| configs.first())
            .and_then(|config| config.get("owner")?.as_str());
        if let Some(owner) = owner {
            owners.entry(caller).or_insert_with(|| owner.to_owned());
        }
    }
    owners
}

async fn start_fake(recording: &Recording) -> Result<Fake, Error> {
    let store = InMemoryStore::new();
    let owners = owners(recording);
    let mut names = HashMap::new();
    let mut tokens = HashMap::new();
    let mut users = Vec::new();
    for (index, caller) in recording.callers.iter().enumerate() {
        let token = format!("check-drift-token-{}", index + 1);
        if caller.credential == CredentialState::Valid {
            let name = owners
                .get(&caller.placeholder)
                .cloned()
                .unwrap_or_else(|| format!("user-{}", index + 1));
            store.add_user(name.clone());
            users.push((name.clone(), token.clone()));
            names.insert(caller.placeholder.clone(), name);
        }
        tokens.insert(caller.placeholder.clone(), token);
    }
    for dataset in &recording.datasets {
        let Some(start) = &dataset.start else {
            continue;
        };
        let id: DatasetId = dataset.id.parse().map_err(|e| {
            Error::unusable(format!("dataset {:?} is not a dataset id: {e}", dataset.id))
        })?;
        match start.response.status {
            200 => {
                let owner = names
                    .get(&start.caller)
                    .cloned()
                    .ok_or_else(|| Error::unusable(format!("dataset {id}: its start state was read by {:?}, who is not a caller of the recording", start.caller)))?;
                store.add_dataset(id, owner.clone());
                let configs = start
                    .response
                    .body
                    .clone()
                    .unwrap_or(Value::Array(Vec::new()));
                let configs: Vec<AccessConfig> = serde_json::from_value(configs).map_err(|e| {
                    Error::unusable(format!(
                        "dataset {id}: its start state is not a list of configs: {e}"
                    ))
                })?;
                for mut config in configs {
                    config.owner = owner.clone();
                    store.put_config(&id, config);
                }
            }
            403 => {
                store.add_user(SOMEONE_ELSE);
                store.add_dataset(id, SOMEONE_ELSE);
            }
            _ => {}
        }
    }
    let sessions = store.clone();
    let mut config = ServerConfig::new(move |user: &str| sessions.session(user));
    for (name, token) in users {
        config = config.with_user(name, token);
    }
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let server = collab_server::bind(address, config)
        .await
        .map_err(|e| Error::unavailable(format!("cannot start the fake: {e}")))?
        .spawn();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::unavailable(format!("cannot build the HTTP client: {e}")))?;
    Ok(Fake {
        server,
        tokens,
        client,
    })
}

impl Fake {
    /// `text` with every placeholder replaced by the fake's token for it.
    fn with_tokens(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (placeholder, token) in &self.tokens {
            text = text.replace(placeholder, token);
        }
        text
    }

    async fn send(&self, request: &Request, path: &str) -> Result<Message, Error> {
        let query = request
            .query
            .iter()
            .fold(
                form_urlencoded::Serializer::new(String::new()),
                |mut query, (name, value)| {
                    query.append_pair(name, &self.with_tokens(value));
                    query
                },
            )
            .finish();
        let mut url = format!("{}{path}", self.server.base_url());
        if !request.query.is_empty() {
            url = format!("{url}?{query}");
        }
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|_| {
            Error::unusable(format!(
                "step with method {:?}: not an HTTP method",
                request.method
            ))
        })?;
        let mut call = self.client.request(method, url);
        for (name, value) in &request.headers {
            call = call.header(name, self.with_tokens(value));
        }
        if let Some(body) = &request.body {
            call = call.body(body.to_string());
        } else if let Some(text) = &request.body_text {
            call = call.body(text.clone());
        }
        let response = call
            .send()
            .await
            .map_err(|e| Error::unavailable(format!("the fake did not answer: {e}")))?;
        let status = response.status().as_u16();
        let headers: BTreeMap<String, String> = RESPONSE_HEADERS
            .iter()
            .filter_map(|name| {
                let value = response.headers().get(*name)?.to_str().ok()?;
                Some(((*name).to_owned(), value.to_owned()))
            })
            .collect();
        let text = response
            .text()
            .await
            .map_err(|e| Error::unavailable(format!("the fake's answer could not be read: {e}")))?;
        let (body, body_text) = body_of(&text);
        Ok(Message {
            status,
            headers,
            body,
            body_text,
        })
    }

    /// Reads a dataset's configs as the end state was read.
    async fn read(&self, dataset: &str, read: &StateRead) -> Result<Message, Error> {
        let request = Request {
            method: "GET".to_owned(),
            path: configs_path(dataset),
            query: vec![("token".to_owned(), read.caller.clone())],
            headers: read.headers.clone(),
            body: None,
            body_text: None,
        };
        self.send(&request, &request.path).await
    }
}
