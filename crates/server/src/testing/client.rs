//! A typed client of the control plane: [`ControlClient`].

use std::fmt;

use collab_core::DatasetId;
use collab_core::fixtures::Fixtures;
use collab_faults::FaultRule;
use reqwest::{Method, RequestBuilder, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::RecordedRequest;
use crate::testing::verify::{RequestPattern, Verdict};

/// The control plane of a server (a [`TestServer`](super::TestServer) or a
/// `collab serve` process) at a base URL such as `http://127.0.0.1:8080`, with its
/// admin token. Cheap to clone. `Debug` never shows the token.
#[derive(Clone)]
pub struct ControlClient {
    base_url: String,
    admin_token: SecretString,
    http: reqwest::Client,
}

/// Why a control call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ControlClientError {
    /// The server could not be reached, or its answer not read.
    #[error("the control plane at {url} could not be reached: {source}")]
    Transport {
        /// The route asked (never a token).
        url: String,
        /// The client's error.
        #[source]
        source: reqwest::Error,
    },
    /// The server refused the call; nothing changed.
    #[error("the control plane refused {what} ({status} {code}): {message}")]
    Refused {
        /// What was asked, such as `POST /_collab/users`.
        what: String,
        /// The status answered.
        status: u16,
        /// The error code, such as `CONFLICT`.
        code: String,
        /// The server's explanation.
        message: String,
        /// Where in the body or query, when the server said.
        path: Option<String>,
    },
}

impl ControlClientError {
    /// The status of a refusal, if the server answered one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Refused { status, .. } => Some(*status),
            Self::Transport { .. } => None,
        }
    }
}

/// A user the control plane added: their name and API token.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NewUser {
    /// The user's name (the `owner` of their datasets).
    pub name: String,
    /// Their API token.
    pub token: String,
}

/// Which journal entries to read (`GET /_collab/requests`): all by default.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pairs: Vec<(&'static str, String)>,
}

impl RequestFilter {
    /// Every entry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only requests of this method, such as `"POST"`.
    pub fn method(self, method: &str) -> Self {
        self.with("method", method)
    }

    /// Only requests of this path (exactly, without a query).
    pub fn path(self, path: &str) -> Self {
        self.with("path", path)
    }

    /// Only requests about this dataset.
    pub fn dataset(self, dataset: &DatasetId) -> Self {
        self.with("dataset", &dataset.to_string())
    }

    /// Only requests of this user.
    pub fn user(self, user: &str) -> Self {
        self.with("user", user)
    }

    /// Only requests answered with this status.
    pub fn status(self, status: u16) -> Self {
        self.with("status", &status.to_string())
    }

    /// Only entries after this `seq`.
    pub fn since(self, seq: u64) -> Self {
        self.with("since", &seq.to_string())
    }

    /// Only the newest `limit` of the entries that match.
    pub fn limit(self, limit: usize) -> Self {
        self.with("limit", &limit.to_string())
    }

    fn with(mut self, key: &'static str, value: &str) -> Self {
        self.pairs.push((key, value.to_owned()));
        self
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    code: String,
    error: String,
    path: Option<String>,
}

#[derive(Deserialize)]
struct NewDataset {
    id: DatasetId,
}

impl ControlClient {
    /// The control plane of the server at `base_url`, opened with `admin_token`.
    pub fn new(base_url: impl Into<String>, admin_token: impl Into<SecretString>) -> Self {
        Self {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            admin_token: admin_token.into(),
            http: reqwest::Client::new(),
        }
    }

    /// `GET /_collab/health` (no credential needed): the server's health document.
    pub async fn health(&self) -> Result<serde_json::Value, ControlClientError> {
        self.call(Method::GET, "/health", None, &[]).await
    }

    /// `GET /_collab/state`: the whole state.
    pub async fn state(&self) -> Result<Fixtures, ControlClientError> {
        self.call(Method::GET, "/state", None, &[]).await
    }

    /// `PUT /_collab/state`: replaces the state (ids and times kept).
    pub async fn put_state(&self, state: &Fixtures) -> Result<(), ControlClientError> {
        let body = serde_json::to_value(state).unwrap_or_default();
        self.call::<serde_json::Value>(Method::PUT, "/state", Some(body), &[])
            .await
            .map(drop)
    }

    /// `POST /_collab/reset`: back to the state the server started with; empties the
    /// journal.
    pub async fn reset(&self) -> Result<(), ControlClientError> {
        self.call::<serde_json::Value>(Method::POST, "/reset", None, &[])
            .await
            .map(drop)
    }

    /// `POST /_collab/users`: adds a user, with `token` or one the server makes.
    pub async fn add_user(
        &self,
        name: &str,
        token: Option<&str>,
    ) -> Result<NewUser, ControlClientError> {
        let body = json!({ "name": name, "token": token });
        self.call(Method::POST, "/users", Some(body), &[]).await
    }

    /// `POST /_collab/datasets`: adds a dataset owned by `owner`, with `id` or a fresh
    /// one; returns its id.
    pub async fn add_dataset(
        &self,
        owner: &str,
        id: Option<DatasetId>,
    ) -> Result<DatasetId, ControlClientError> {
        let body = json!({ "owner": owner, "id": id });
        let created: NewDataset = self
            .call(Method::POST, "/datasets", Some(body), &[])
            .await?;
        Ok(created.id)
    }

    /// `GET /_collab/requests`: the journal's entries that pass `filter`, oldest first.
    pub async fn requests(
        &self,
        filter: &RequestFilter,
    ) -> Result<Vec<RecordedRequest>, ControlClientError> {
        self.call(Method::GET, "/requests", None, &filter.pairs)
            .await
    }

    /// `DELETE /_collab/requests`: empties the journal; returns how many entries it held.
    pub async fn clear_requests(&self) -> Result<u64, ControlClientError> {
        let answer: serde_json::Value = self.call(Method::DELETE, "/requests", None, &[]).await?;
        Ok(answer["cleared"].as_u64().unwrap_or(0))
    }

    /// `POST /_collab/faults`: arms `rule`; returns its id.
    pub async fn arm_fault(&self, rule: &FaultRule) -> Result<u64, ControlClientError> {
        let armed: serde_json::Value = self
            .call(Method::POST, "/faults", Some(rule.to_value()), &[])
            .await?;
        Ok(armed["id"].as_u64().unwrap_or_default())
    }

    /// `GET /_collab/faults`: the armed rules, each its fields with `id`, `matched`
    /// and `fired`.
    pub async fn faults(&self) -> Result<Vec<serde_json::Value>, ControlClientError> {
        self.call(Method::GET, "/faults", None, &[]).await
    }

    /// `DELETE /_collab/faults/{id}`: disarms one rule.
    pub async fn disarm_fault(&self, id: u64) -> Result<(), ControlClientError> {
        self.call::<serde_json::Value>(Method::DELETE, &format!("/faults/{id}"), None, &[])
            .await
            .map(drop)
    }

    /// `DELETE /_collab/faults`: disarms every rule.
    pub async fn disarm_all_faults(&self) -> Result<(), ControlClientError> {
        self.call::<serde_json::Value>(Method::DELETE, "/faults", None, &[])
            .await
            .map(drop)
    }

    /// `POST /_collab/requests/verify`: checks `pattern` and its count against the
    /// journal.
    pub async fn verify(&self, pattern: &RequestPattern) -> Result<Verdict, ControlClientError> {
        self.call(
            Method::POST,
            "/requests/verify",
            Some(pattern.to_value()),
            &[],
        )
        .await
    }

    /// Asserts that the journal holds what `pattern` says.
    ///
    /// # Panics
    ///
    /// When it does not, with the expectation, the count and the nearest entries with
    /// the fields in which each differs ([`Verdict::explain`]); or when the control
    /// plane cannot be asked.
    pub async fn assert_requests(&self, pattern: &RequestPattern) {
        match self.verify(pattern).await {
            Ok(verdict) if verdict.held => {}
            Ok(verdict) => panic!("{}", verdict.explain(pattern)),
            Err(error) => panic!("the journal could not be verified: {error}"),
        }
    }

    /// `POST /_collab/snapshots/{name}`: saves the whole state under `name`; returns
    /// its listing (`name`, `savedAt`, `size`).
    pub async fn save_snapshot(&self, name: &str) -> Result<serde_json::Value, ControlClientError> {
        self.call(Method::POST, &format!("/snapshots/{name}"), None, &[])
            .await
    }

    /// `GET /_collab/snapshots`: the saved snapshots' listings, by name.
    pub async fn snapshots(&self) -> Result<Vec<serde_json::Value>, ControlClientError> {
        let answer: serde_json::Value = self.call(Method::GET, "/snapshots", None, &[]).await?;
        Ok(answer["snapshots"].as_array().cloned().unwrap_or_default())
    }

    /// `POST /_collab/snapshots/{name}/restore`: makes the snapshot the state.
    pub async fn restore_snapshot(&self, name: &str) -> Result<(), ControlClientError> {
        self.call::<serde_json::Value>(
            Method::POST,
            &format!("/snapshots/{name}/restore"),
            None,
            &[],
        )
        .await
        .map(drop)
    }

    /// `DELETE /_collab/snapshots/{name}`: forgets the snapshot.
    pub async fn forget_snapshot(&self, name: &str) -> Result<(), ControlClientError> {
        self.call::<serde_json::Value>(Method::DELETE, &format!("/snapshots/{name}"), None, &[])
            .await
            .map(drop)
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        route: &str,
        body: Option<serde_json::Value>,
        query: &[(&'static str, String)],
    ) -> Result<T, ControlClientError> {
        let mut url = format!("{}/_collab{route}", self.base_url);
        if !query.is_empty() {
            let encoded = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(query.iter().map(|(key, value)| (*key, value.as_str())))
                .finish();
            url = format!("{url}?{encoded}");
        }
        let what = format!("{method} /_collab{route}");
        let mut request: RequestBuilder = self
            .http
            .request(method, &url)
            .bearer_auth(self.admin_token.expose_secret());
        if let Some(body) = body {
            request = request.json(&body);
        }
        let transport = |source| ControlClientError::Transport {
            url: url.clone(),
            source,
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(transport)?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|error| ControlClientError::Refused {
                what,
                status: status.as_u16(),
                code: "UNREADABLE".to_owned(),
                message: format!("the answer is not what was expected: {error}"),
                path: None,
            });
        }
        Err(refusal(what, status, &bytes))
    }
}

fn refusal(what: String, status: StatusCode, bytes: &[u8]) -> ControlClientError {
    match serde_json::from_slice::<ErrorBody>(bytes) {
        Ok(body) => ControlClientError::Refused {
            what,
            status: status.as_u16(),
            code: body.code,
            message: body.error,
            path: body.path,
        },
        Err(_) => ControlClientError::Refused {
            what,
            status: status.as_u16(),
            code: "UNKNOWN".to_owned(),
            message: String::from_utf8_lossy(bytes).chars().take(200).collect(),
            path: None,
        },
    }
}

impl fmt::Debug for ControlClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ControlClient")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}
