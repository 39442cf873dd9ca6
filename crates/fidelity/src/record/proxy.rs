//! The recording proxy: forwards each request to the upstream, returns its answer
//! unchanged, and keeps a scrubbed copy of both; reads each dataset's configs before
//! the first request that touches it.
//!
//! Requests are forwarded one at a time (a lock around the whole exchange), so that
//! the order of the steps is the order in which the upstream saw them, and a start
//! state is read before anything can change it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;

use crate::recording::paths;
use crate::recording::secrets::Credentials;
use crate::recording::{
    Caller, CredentialState, DatasetStates, Message, REQUEST_HEADERS, RESPONSE_HEADERS, Request,
    StateRead, Step, body_of, configs_path, dataset_of,
};

/// The proxy's state: where to forward, what may be touched, what was recorded.
pub(crate) struct Proxy {
    upstream: String,
    client: reqwest::Client,
    allowed: Vec<String>,
    repeat_reads: bool,
    session: Mutex<Session>,
}

/// What has been recorded so far.
#[derive(Default)]
struct Session {
    credentials: Credentials,
    /// Placeholders the upstream answered `401` for.
    invalid: BTreeSet<String>,
    /// Placeholders in the order first seen.
    callers: Vec<String>,
    datasets: Vec<Touched>,
    steps: Vec<Step>,
}

/// A dataset touched, with who can read it.
struct Touched {
    id: String,
    start: Option<StateRead>,
    /// Placeholders that tried to read its start state.
    tried: BTreeSet<String>,
    /// The caller whose read is kept (the first answered `200`, else the last tried).
    reader: Option<Auth>,
    end: Option<StateRead>,
}

/// How a caller authenticated: the credentials as sent, and the placeholder.
#[derive(Clone)]
struct Auth {
    placeholder: String,
    query_token: Option<SecretString>,
    authorization: Option<SecretString>,
    headers: BTreeMap<String, String>,
}

/// An upstream answer, as received.
struct Answer {
    status: StatusCode,
    headers: Vec<(String, HeaderValue)>,
    body: Bytes,
}

impl Proxy {
    /// A proxy forwarding to `upstream` (a base URL without a trailing `/`).
    pub(crate) fn new(
        upstream: String,
        allowed: Vec<String>,
        repeat_reads: bool,
        upstream_timeout: Duration,
    ) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            // A redirect would carry the `token` query parameter along.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(upstream_timeout)
            .build()?;
        Ok(Self {
            upstream,
            client,
            allowed,
            repeat_reads,
            session: Mutex::new(Session::default()),
        })
    }

    /// The axum app: every method and path goes to [`forward`].
    pub(crate) fn app(self: Arc<Self>) -> axum::Router {
        axum::Router::new().fallback(forward).with_state(self)
    }

    /// The upstream's base URL.
    pub(crate) fn upstream(&self) -> &str {
        &self.upstream
    }

    /// Reads every touched dataset's end state, then hands back what was recorded.
    pub(crate) async fn finish(&self) -> Finished {
        let mut session = self.session.lock().await;
        let session = &mut *session;
        for index in 0..session.datasets.len() {
            let Some(reader) = session.datasets[index].reader.clone() else {
                continue;
            };
            let id = session.datasets[index].id.clone();
            let end = self.read_state(&id, &reader, &session.credentials).await;
            session.datasets[index].end = end;
        }
        let callers = session
            .callers
            .iter()
            .map(|placeholder| Caller {
                placeholder: placeholder.clone(),
                credential: if session.invalid.contains(placeholder) {
                    CredentialState::Invalid
                } else {
                    CredentialState::Valid
                },
            })
            .collect();
        let datasets = session
            .datasets
            .iter()
            .map(|touched| DatasetStates {
                id: touched.id.clone(),
                start: touched.start.clone(),
                end: touched.end.clone(),
            })
            .collect();
        Finished {
            credentials: std::mem::take(&mut session.credentials),
            callers,
            datasets,
            steps: std::mem::take(&mut session.steps),
        }
    }

    fn allows(&self, dataset: &str) -> bool {
        self.allowed.is_empty() || self.allowed.iter().any(|allowed| allowed == dataset)
    }

    /// Sends one request upstream with the allowlisted headers and the caller's
    /// `Authorization`.
    async fn send(
        &self,
        method: &Method,
        path_and_query: &str,
        headers: &HeaderMap,
        body: &Bytes,
    ) -> Result<Answer, reqwest::Error> {
        let url = format!("{}{path_and_query}", self.upstream);
        let mut request = self.client.request(method.clone(), url);
        for name in REQUEST_HEADERS.iter().chain(&["authorization"]) {
            for value in headers.get_all(*name) {
                request = request.header(*name, value);
            }
        }
        if !body.is_empty() {
            request = request.body(body.clone());
        }
        let response = request.send().await?;
        let status = response.status();
        let headers = RESPONSE_HEADERS
            .iter()
            .filter_map(|name| {
                let value = response.headers().get(*name)?;
                Some(((*name).to_owned(), value.clone()))
            })
            .collect();
        let body = response.bytes().await?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// Reads a dataset's configs as `auth`, recorded scrubbed; `None` when the
    /// upstream cannot be reached.
    async fn read_state(
        &self,
        dataset: &str,
        auth: &Auth,
        credentials: &Credentials,
    ) -> Option<StateRead> {
        let mut path = configs_path(dataset);
        if let Some(token) = &auth.query_token {
            let query: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("token", token.expose_secret())
                .finish();
            path = format!("{path}?{query}");
        }
        let mut headers = HeaderMap::new();
        for (name, value) in &auth.headers {
            if let (Ok(name), Ok(value)) = (
                header::HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                headers.insert(name, value);
            }
        }
        if let Some(authorization) = &auth.authorization
            && let Ok(value) = HeaderValue::from_str(authorization.expose_secret())
        {
            headers.insert(header::AUTHORIZATION, value);
        }
        let answer = self
            .send(&Method::GET, &path, &headers, &Bytes::new())
            .await
            .ok()?;
        Some(StateRead {
            caller: auth.placeholder.clone(),
            headers: kept_headers(&headers, REQUEST_HEADERS, credentials),
            response: recorded_answer(&answer, credentials),
        })
    }

    /// Reads the start state of `dataset` unless it is known: as `auth`, once per
    /// caller, until one read answers `200` (before that, nothing can have changed it:
    /// only its owner may).
    async fn read_start(&self, session: &mut Session, dataset: &str, auth: Option<&Auth>) {
        let index = match session.datasets.iter().position(|t| t.id == dataset) {
            Some(index) => index,
            None => {
                session.datasets.push(Touched {
                    id: dataset.to_owned(),
                    start: None,
                    tried: BTreeSet::new(),
                    reader: None,
                    end: None,
                });
                session.datasets.len() - 1
            }
        };
        let Some(auth) = auth else { return };
        let touched = &session.datasets[index];
        let known = touched
            .start
            .as_ref()
            .is_some_and(|start| start.response.status == 200);
        if known || touched.tried.contains(&auth.placeholder) {
            return;
        }
        let read = self.read_state(dataset, auth, &session.credentials).await;
        let touched = &mut session.datasets[index];
        touched.tried.insert(auth.placeholder.clone());
        if let Some(read) = read {
            touched.start = Some(read);
            touched.reader = Some(auth.clone());
        }
    }
}

/// What a stopped proxy hands over.
pub(crate) struct Finished {
    pub(crate) credentials: Credentials,
    pub(crate) callers: Vec<Caller>,
    pub(crate) datasets: Vec<DatasetStates>,
    pub(crate) steps: Vec<Step>,
}

/// Forwards one request and records it.
async fn forward(
    State(recorder): State<Arc<Proxy>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let path_and_query = uri
        .path_and_query()
        .map_or_else(|| path.clone(), |p| p.as_str().to_owned());
    let dataset = dataset_of(&path).map(str::to_owned);
    if let Some(dataset) = &dataset
        && !recorder.allows(dataset)
    {
        return refusal(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            format!(
                "collab record: dataset {dataset} is not among the --dataset ones; the request was not forwarded"
            ),
        );
    }
    let pairs: Vec<(String, String)> = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let mut session = recorder.session.lock().await;
    let session = &mut *session;
    let auth = caller_of(&pairs, &headers, session);
    if let Some(dataset) = &dataset {
        recorder.read_start(session, dataset, auth.as_ref()).await;
    }
    let answer = match recorder
        .send(&method, &path_and_query, &headers, &body)
        .await
    {
        Ok(answer) => answer,
        Err(error) => {
            // reqwest's message names the URL; the upstream's path is the caller's, but
            // its query may hold a token: say only what failed.
            let why = if error.is_timeout() {
                "it did not answer in time"
            } else if error.is_connect() {
                "it cannot be reached"
            } else {
                "the exchange failed"
            };
            return refusal(
                StatusCode::BAD_GATEWAY,
                "MALFORMED_RESPONSE",
                format!(
                    "collab record: the upstream {} failed this request ({why}); it was not recorded",
                    recorder.upstream
                ),
            );
        }
    };
    let mut noise = Vec::new();
    if recorder.repeat_reads
        && method == Method::GET
        && let Ok(again) = recorder
            .send(&method, &path_and_query, &headers, &body)
            .await
    {
        let first = recorded_answer(&answer, &session.credentials);
        let second = recorded_answer(&again, &session.credentials);
        if let (Some(first), Some(second)) = (&first.body, &second.body) {
            noise = paths::differing(first, second).into_iter().collect();
        }
    }
    if answer.status == StatusCode::UNAUTHORIZED
        && let Some(auth) = &auth
    {
        session.invalid.insert(auth.placeholder.clone());
    }
    let step = Step {
        request: recorded_request(
            &method,
            &path,
            &pairs,
            &headers,
            &body,
            &session.credentials,
        ),
        response: recorded_answer(&answer, &session.credentials),
        noise,
    };
    session.steps.push(step);
    let mut response = Response::new(Body::from(answer.body));
    *response.status_mut() = answer.status;
    for (name, value) in answer.headers {
        if let Ok(name) = header::HeaderName::from_bytes(name.as_bytes()) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// The caller's credentials (the `token` query parameter, else `Authorization`),
/// each given its placeholder; `None` without any.
fn caller_of(
    pairs: &[(String, String)],
    headers: &HeaderMap,
    session: &mut Session,
) -> Option<Auth> {
    let query_token = pairs
        .iter()
        .find(|(name, value)| name == "token" && !value.is_empty())
        .map(|(_, value)| value.clone());
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .filter(|value| !value.trim().is_empty());
    let mut first = None;
    for credential in [
        query_token.clone(),
        authorization.as_deref().map(bearer_credential),
    ]
    .into_iter()
    .flatten()
    {
        let placeholder = session.credentials.placeholder(&credential);
        if !session.callers.contains(&placeholder) {
            session.callers.push(placeholder.clone());
        }
        first.get_or_insert(placeholder);
    }
    let mut kept = BTreeMap::new();
    if let Some(agent) = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
    {
        kept.insert("user-agent".to_owned(), agent.to_owned());
    }
    Some(Auth {
        placeholder: first?,
        query_token: query_token.map(SecretString::from),
        authorization: authorization.map(SecretString::from),
        headers: kept,
    })
}

/// The credential of an `Authorization` value: what follows its scheme.
fn bearer_credential(value: &str) -> String {
    match value.trim().split_once(' ') {
        Some((_scheme, credential)) => credential.trim().to_owned(),
        None => value.trim().to_owned(),
    }
}

fn recorded_request(
    method: &Method,
    path: &str,
    pairs: &[(String, String)],
    headers: &HeaderMap,
    body: &Bytes,
    credentials: &Credentials,
) -> Request {
    let query = pairs
        .iter()
        .map(|(name, value)| (credentials.scrub(name), credentials.scrub(value)))
        .collect();
    let mut kept = kept_headers(headers, REQUEST_HEADERS, credentials);
    if let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
    {
        kept.insert("authorization".to_owned(), credentials.scrub(value));
    }
    let (body, body_text) = body_of(&credentials.scrub(&String::from_utf8_lossy(body)));
    Request {
        method: method.as_str().to_owned(),
        path: credentials.scrub(path),
        query,
        headers: kept,
        body,
        body_text,
    }
}

fn recorded_answer(answer: &Answer, credentials: &Credentials) -> Message {
    let headers = answer
        .headers
        .iter()
        .filter_map(|(name, value)| Some((name.clone(), credentials.scrub(value.to_str().ok()?))))
        .collect();
    let (body, body_text) = body_of(&credentials.scrub(&String::from_utf8_lossy(&answer.body)));
    Message {
        status: answer.status.as_u16(),
        headers,
        body,
        body_text,
    }
}

/// The allowlisted headers among `headers`, scrubbed.
fn kept_headers(
    headers: &HeaderMap,
    allowlist: &[&str],
    credentials: &Credentials,
) -> BTreeMap<String, String> {
    allowlist
        .iter()
        .filter_map(|name| {
            let value = headers.get(*name)?.to_str().ok()?;
            Some(((*name).to_owned(), credentials.scrub(value)))
        })
        .collect()
}

/// An answer of the proxy itself (never recorded), in the API's error shape.
fn refusal(status: StatusCode, code: &str, error: String) -> Response {
    let body = serde_json::json!({ "code": code, "error": error });
    (status, axum::Json(body)).into_response()
}
