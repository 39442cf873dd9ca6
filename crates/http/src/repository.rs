//! [`HttpRepository`]: the port over Lightly's HTTP API.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use backon::Retryable;
use collab_core::wire::{CallTarget, WireGeneration};
use collab_core::{
    AccessConfig, AccessConfigId, AccessConfigList, AccessConfigRepository, CreateEntityResponse,
    DatasetId, Error, FailedAttempts, Result, ShareRequest,
};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue, USER_AGENT};
use reqwest::{Method, Url};
use tokio::time::Instant;
use tracing::Instrument;

use crate::auth::{Auth, Redactor};
use crate::call_limit::{CallBudget, CallLimit};
use crate::endpoint::BaseUrl;
use crate::response::{self, Answer, CREATED_BODY, LIST_BODY, transport_error};
use crate::retry::wait_asked_by;
use crate::retry_budget::{self, Tokens};
use crate::spans;
use crate::{HttpRepositoryBuilder, RetryBudget, RetryPolicy};

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// The [`AccessConfigRepository`] port over Lightly's Collaboration API (or
/// `collab serve`), with reqwest and rustls.
///
/// Build one with [`HttpRepository::builder`]. Cloning is cheap and clones share one
/// `reqwest::Client`, hence one connection pool: make one repository per service and
/// clone it where needed.
///
/// Every answer is mapped with [`collab_core::wire::error_from_response`]; calls that
/// fail in a way trying again can fix are retried as the [`RetryPolicy`] says. A
/// `DELETE` is sent without a body. `Debug` output, errors and log lines never hold the
/// credential.
///
/// ```
/// use collab_http::HttpRepository;
///
/// let repo = HttpRepository::builder()
///     .with_base_url("http://127.0.0.1:8080")
///     .with_bearer_token("a-jwt")
///     .build()?;
/// let shared = repo.clone(); // the same client and connection pool
/// assert_eq!(shared.base_url(), repo.base_url());
/// # Ok::<(), collab_http::BuildError>(())
/// ```
#[derive(Clone)]
pub struct HttpRepository {
    inner: Arc<Settings>,
}

/// Everything a repository needs, shared by its clones.
pub(crate) struct Settings {
    pub(crate) client: reqwest::Client,
    pub(crate) base_url: BaseUrl,
    pub(crate) auth: Auth,
    /// Every spelling of the credential, to keep it out of what the service sends back.
    pub(crate) redactor: Redactor,
    pub(crate) user_agent: HeaderValue,
    /// The generation requests are written in; answers are read in either.
    pub(crate) wire: WireGeneration,
    pub(crate) request_timeout: Duration,
    pub(crate) retry: RetryPolicy,
    /// What is left of the retries the clones may make together.
    pub(crate) retry_tokens: Tokens,
    pub(crate) call_limit: CallLimit,
}

impl fmt::Debug for HttpRepository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let settings = &*self.inner;
        f.debug_struct("HttpRepository")
            .field("base_url", &settings.base_url.as_url().as_str())
            .field("auth", &settings.auth.describe())
            .field("user_agent", &settings.user_agent)
            .field("wire", &settings.wire)
            .field("request_timeout", &settings.request_timeout)
            .field("retry", &settings.retry)
            .field("retry_budget", settings.retry_tokens.budget())
            .field("call_limit", &settings.call_limit)
            .finish_non_exhaustive()
    }
}

/// One API call: what to send where, and what it is about.
struct Call<'a> {
    /// The port's operation, for the call's span: `list`, `create_or_update`, `delete`.
    operation: &'static str,
    method: Method,
    /// Without query: the credential is added per attempt, so this is safe to show.
    url: Url,
    body: Option<&'a [u8]>,
    target: CallTarget,
}

impl Call<'_> {
    fn describe(&self) -> String {
        format!("{} {}", self.method, self.url)
    }
}

/// How a call ended, and whether an earlier attempt may have changed the state anyway.
struct Outcome {
    result: Result<Answer>,
    outcome_unknown: bool,
}

impl HttpRepository {
    /// A builder with Lightly's defaults; see [`HttpRepositoryBuilder`].
    pub fn builder() -> HttpRepositoryBuilder {
        HttpRepositoryBuilder::new()
    }

    pub(crate) fn from_settings(settings: Settings) -> Self {
        Self {
            inner: Arc::new(settings),
        }
    }

    /// The base URL requests go to (never holds a credential).
    pub fn base_url(&self) -> &Url {
        self.inner.base_url.as_url()
    }

    /// The generation of the wire requests are written in; see
    /// [`HttpRepositoryBuilder::with_wire_generation`].
    pub fn wire_generation(&self) -> WireGeneration {
        self.inner.wire
    }

    /// The retry policy in force.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The retry budget this repository shares with its clones; see [`RetryBudget`].
    pub fn retry_budget(&self) -> &RetryBudget {
        self.inner.retry_tokens.budget()
    }

    /// Runs a call with retries, as the policy says, in the call's span.
    async fn execute(&self, call: &Call<'_>) -> Outcome {
        let span = spans::call(call.operation, &call.target);
        self.execute_in_span(call).instrument(span).await
    }

    async fn execute_in_span(&self, call: &Call<'_>) -> Outcome {
        let policy = self.inner.retry;
        let budget = CallBudget::start(&self.inner.call_limit, &policy, self.inner.request_timeout);
        // Shared with each attempt's future, which must be `Send`: hence atomics.
        let attempts = &AtomicU32::new(0);
        let outcome_unknown = &AtomicBool::new(false);
        let retry_refused = &AtomicBool::new(false);
        let tokens = &self.inner.retry_tokens;
        let result = (move || async move {
            let attempt = attempts.fetch_add(1, Ordering::Relaxed) + 1;
            let timeout = budget.attempt_timeout(attempt);
            self.attempt(call, attempt, timeout, outcome_unknown)
                .instrument(spans::attempt(&call.method, &call.url, attempt))
                .await
        })
        .retry(policy.backoff())
        .when(Error::is_retryable)
        .adjust(|error, proposed| {
            let delay = budget.wait(policy.next_delay(proposed, wait_asked_by(error)))?;
            if tokens.spend_on_retry() {
                Some(delay)
            } else {
                retry_refused.store(true, Ordering::Relaxed);
                None
            }
        })
        .notify(|error, delay| {
            spans::retry_wait(
                call.operation,
                call.url.path(),
                attempts.load(Ordering::Relaxed),
                delay,
                error,
            );
        })
        .await;
        let result = match result {
            Ok(answer) => {
                tokens.refill_on_success();
                Ok(answer)
            }
            Err(error) if retry_refused.load(Ordering::Relaxed) => {
                Err(retry_budget::refused(error))
            }
            Err(error) => Err(error),
        };
        let attempts = attempts.load(Ordering::Relaxed);
        let outcome_unknown = outcome_unknown.load(Ordering::Relaxed);
        // Says, in an `Unavailable` of a retried call or of a write that may have been
        // applied, how many attempts were made and whether the write's outcome is
        // unknown (`Error::attempts`, `Error::outcome_unknown`). A call that failed at
        // its only attempt with nothing to add keeps its error (and source) as it was.
        let write_outcome_unknown = outcome_unknown && call.method != Method::GET;
        let result = result.map_err(|error| {
            if attempts > 1 || write_outcome_unknown {
                FailedAttempts::new(attempts, write_outcome_unknown).into_error(error)
            } else {
                error
            }
        });
        spans::record_call_end(attempts, &result);
        Outcome {
            result,
            outcome_unknown,
        }
    }

    /// One attempt: send, read the whole answer, map it; logs one line. Sets
    /// `outcome_unknown` when the request may have reached the service although the
    /// attempt failed: a timeout, a connection lost mid-way, a `5xx`. A connection that
    /// could not be made at all sent nothing.
    async fn attempt(
        &self,
        call: &Call<'_>,
        attempt: u32,
        timeout: Duration,
        outcome_unknown: &AtomicBool,
    ) -> Result<Answer> {
        let settings = &*self.inner;
        let mut request = settings
            .auth
            .apply(call.url.clone(), |url| {
                settings.client.request(call.method.clone(), url)
            })
            .header(USER_AGENT, settings.user_agent.clone())
            .header(ACCEPT, JSON)
            .timeout(timeout);
        if let Some(body) = call.body {
            request = request.header(CONTENT_TYPE, JSON).body(body.to_vec());
        }
        let started = Instant::now();
        let (status, result, maybe_applied) = match request.send().await {
            Ok(answer) => {
                let status = answer.status().as_u16();
                let result = response::read(answer, call.target, |error| {
                    transport_error(error, &call.describe(), timeout)
                })
                .await;
                spans::record_attempt_end(status, &result);
                let maybe_applied =
                    status >= 500 || matches!(result, Err(Error::Unavailable { .. }));
                (Some(status), result, maybe_applied)
            }
            Err(error) => {
                spans::record_transport_failure(&error);
                let maybe_applied = !error.is_connect();
                (
                    None,
                    Err(transport_error(error, &call.describe(), timeout)),
                    maybe_applied,
                )
            }
        };
        if maybe_applied {
            outcome_unknown.store(true, Ordering::Relaxed);
        }
        let result = result.map_err(|error| settings.redactor.scrub(error));
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match &result {
            Ok(_) => tracing::debug!(
                method = %call.method,
                path = call.url.path(),
                attempt,
                status,
                elapsed_ms,
                "collab-http: answered"
            ),
            Err(error) => tracing::debug!(
                method = %call.method,
                path = call.url.path(),
                attempt,
                status,
                elapsed_ms,
                %error,
                "collab-http: failed"
            ),
        }
        result
    }

    /// Reads a success body as `T`; a wrong body is quoted redacted.
    fn decode<T: serde::de::DeserializeOwned>(&self, answer: &Answer, expected: &str) -> Result<T> {
        answer.decode(expected, &self.inner.redactor)
    }

    fn call<'a>(
        &self,
        operation: &'static str,
        method: Method,
        dataset: &DatasetId,
        config: Option<&AccessConfigId>,
        body: Option<&'a [u8]>,
    ) -> Call<'a> {
        Call {
            operation,
            method,
            url: self.inner.base_url.access(dataset, config),
            body,
            target: CallTarget {
                dataset: *dataset,
                config: config.copied(),
            },
        }
    }
}

#[async_trait]
impl AccessConfigRepository for HttpRepository {
    /// `POST /v1/datasets/{datasetId}/collaboration/access`; retried like the other
    /// calls, since replacing a config with the same lists twice equals doing it once.
    async fn create_or_update(
        &self,
        dataset: &DatasetId,
        request: &ShareRequest,
    ) -> Result<AccessConfigId> {
        let body = serde_json::to_vec(&self.inner.wire.on_wire(request)).map_err(|error| {
            Error::InvalidRequest {
                message: format!("cannot encode the request: {error}"),
            }
        })?;
        let call = self.call("create_or_update", Method::POST, dataset, None, Some(&body));
        let answer = self.execute(&call).await.result?;
        let created: CreateEntityResponse = self.decode(&answer, CREATED_BODY)?;
        Ok(AccessConfigId::new(created.id))
    }

    /// `DELETE /v1/datasets/{datasetId}/collaboration/access/{accessConfigId}`, sent
    /// without a body; the answer's body, if any, is ignored. When an earlier attempt
    /// may have reached the service (a timeout, a connection lost mid-way, a `5xx`) and
    /// a retry finds no such config, the delete is reported as done: the config is gone
    /// either way. A connection that could not be made sent nothing, so after it a
    /// missing config is still [`Error::AccessConfigNotFound`].
    async fn delete(&self, dataset: &DatasetId, config: &AccessConfigId) -> Result<()> {
        let call = self.call("delete", Method::DELETE, dataset, Some(config), None);
        let outcome = self.execute(&call).await;
        match outcome.result {
            Ok(_) => Ok(()),
            Err(Error::AccessConfigNotFound { .. }) if outcome.outcome_unknown => {
                tracing::debug!(
                    path = call.url.path(),
                    "collab-http: config already gone after an attempt with unknown outcome"
                );
                Ok(())
            }
            Err(error) => Err(error),
        }
    }

    /// `GET /v1/datasets/{datasetId}/collaboration/access`.
    async fn list(&self, dataset: &DatasetId) -> Result<AccessConfigList> {
        let call = self.call("list", Method::GET, dataset, None, None);
        let answer = self.execute(&call).await.result?;
        let configs: Vec<AccessConfig> = self.decode(&answer, LIST_BODY)?;
        Ok(configs.into())
    }
}
