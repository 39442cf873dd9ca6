//! The client commands: list, share, grant, revoke, delete, through the HTTP adapter.

use collab_core::coordination::CoordinationError;
use collab_core::request::normalize_users;
use collab_core::{AccessConfigRepository, Error, ShareRequest, SharingService, UserChange};
use std::sync::Arc;
use std::time::Duration;

use collab_cache::{CacheConfig, CachedRepository};
use collab_core::wire::WireGeneration;
use collab_http::{BuildError, HttpRepository, RetryPolicy};
use collab_redis::{RedisConfig, RedisCoordinator};
use collab_server::WireMode;
use secrecy::{ExposeSecret, SecretString};

use crate::args::{ChangeArgs, Command};
use crate::failure::Failure;
use crate::output::{config_table, plan_json, plan_lines, plan_text};

/// A person at a terminal should learn within seconds that the API is unreachable, so
/// the CLI retries less than the library's default (which follows Lightly's client).
const INTERACTIVE_RETRIES: RetryPolicy = RetryPolicy {
    max_attempts: 3,
    initial_backoff: Duration::from_millis(200),
    max_backoff: Duration::from_secs(2),
    max_elapsed: Duration::from_secs(10),
    jitter: true,
};

/// Where and as whom the client commands call the API, as given on the command line;
/// what is not given comes from the environment, read the way `collab-http` reads it.
#[derive(Debug)]
pub(crate) struct Connection {
    /// `--api-url`, if given.
    pub(crate) api_url: Option<String>,
    /// `--token`, if given.
    pub(crate) token: Option<SecretString>,
    /// `--redis` (or `REDIS_URL`), if given: the fleet's coordination.
    pub(crate) redis: Option<SecretString>,
    /// `--wire`: the generation requests are written in (`auto` is today's).
    pub(crate) wire: WireMode,
}

impl Connection {
    fn repository(&self) -> Result<HttpRepository, Failure> {
        let builder = match &self.api_url {
            Some(url) => HttpRepository::builder().with_base_url(url.clone()),
            None => HttpRepository::builder().base_url_from_env(),
        };
        let builder = match &self.token {
            Some(token) => builder.with_api_token(token.clone()),
            None => builder.token_from_env().map_err(usage)?,
        };
        let generation = match self.wire {
            WireMode::Pinned(generation) => generation,
            _ => WireGeneration::Current,
        };
        builder
            .with_wire_generation(generation)
            .with_retry(INTERACTIVE_RETRIES)
            .with_connect_timeout(Duration::from_secs(5))
            .with_request_timeout(Duration::from_secs(30))
            .build()
            .map_err(usage)
    }

    /// With `--redis`: the fleet's lock and cache generations on that Redis.
    fn fleet(&self) -> Result<Option<Arc<RedisCoordinator>>, Failure> {
        // An empty REDIS_URL counts as unset, as an empty LIGHTLY_SERVER_LOCATION does.
        let Some(url) = self
            .redis
            .as_ref()
            .filter(|url| !url.expose_secret().trim().is_empty())
        else {
            return Ok(None);
        };
        let config = RedisConfig::new().with_url(url.expose_secret().trim());
        RedisCoordinator::new(config)
            .map(|coordinator| Some(Arc::new(coordinator)))
            .map_err(|error| Failure::Usage(format!("--redis: {error}")))
    }
}

/// The sharing service for the commands that write: with `--redis`, it takes the fleet
/// lock, and its writes retire the fleet's cached lists (through a cache that keeps
/// nothing itself), so that services sharing that Redis see them at once.
fn sharing<'a>(
    repo: &'a HttpRepository,
    fleet: Option<&Arc<RedisCoordinator>>,
) -> SharingService<Arc<dyn AccessConfigRepository + 'a>> {
    match fleet {
        None => SharingService::new(Arc::new(repo)),
        Some(redis) => {
            let announcing =
                CachedRepository::new(repo, CacheConfig::new().with_time_to_live(Duration::ZERO))
                    .with_coherence(Arc::clone(redis));
            SharingService::new(Arc::new(announcing) as _).with_fleet_locks(Arc::clone(redis))
        }
    }
}

/// A failure to coordinate through Redis names Redis, not the API.
fn coordination_failure(error: Error, redis: &RedisCoordinator) -> Result<Failure, Error> {
    let cause = match &error {
        Error::Unavailable {
            source: Some(source),
            ..
        } => source.downcast_ref::<CoordinationError>(),
        _ => None,
    };
    match cause {
        Some(CoordinationError::Unreachable { .. }) => Ok(Failure::Api {
            error,
            api_url: redis.config().redacted_url(),
        }),
        Some(cause) => Ok(Failure::Failed(format!("{error}: {cause}"))),
        None => Err(error),
    }
}

/// A builder's refusal as a usage error. Its text never holds the token nor the URL's
/// query or user info, so it is printed as it is, with a hint where one helps.
fn usage(error: BuildError) -> Failure {
    Failure::Usage(match error {
        BuildError::MissingToken { .. } => format!("{error} (pass --token or set LIGHTLY_TOKEN)"),
        error => error.to_string(),
    })
}

/// Runs a client command; returns what to print on stdout.
pub(crate) async fn run(
    connection: &Connection,
    command: Command,
    json: bool,
) -> Result<String, Failure> {
    let repo = connection.repository()?;
    let fleet = connection.fleet()?;
    let api = |error| {
        let error = match &fleet {
            Some(redis) => match coordination_failure(error, redis) {
                Ok(failure) => return failure,
                Err(error) => error,
            },
            None => error,
        };
        Failure::Api {
            error,
            api_url: repo.base_url().as_str().trim_end_matches('/').to_owned(),
        }
    };
    // What can be checked here is a usage error: it never reached the API.
    fn checked<T>(result: Result<T, Error>) -> Result<T, Failure> {
        result.map_err(|error| Failure::Usage(error.to_string()))
    }
    match command {
        Command::List { dataset } => {
            let configs = repo.list(&dataset).await.map_err(api)?;
            Ok(if json {
                to_json(&*configs)
            } else {
                config_table(&dataset, &configs)
            })
        }
        Command::Share {
            dataset,
            users,
            teams,
            dry_run,
        } => {
            let request = checked(ShareRequest::write(&users, &teams))?;
            let sharing = sharing(&repo, fleet.as_ref());
            if dry_run {
                let plan = sharing
                    .plan_request(&dataset, &request)
                    .await
                    .map_err(api)?;
                return Ok(if json {
                    to_json(&plan_json(&plan, None, true))
                } else {
                    plan_text(&plan, false)
                });
            }
            let (plan, id) = sharing.share(&dataset, &request).await.map_err(api)?;
            Ok(if json {
                to_json(&collab_core::CreateEntityResponse { id: id.object_id() })
            } else {
                format!("{}shared: access config {id}\n", plan_lines(&plan))
            })
        }
        Command::Grant(change) => {
            checked(normalize_users(&change.users))?;
            apply_change(&sharing(&repo, fleet.as_ref()), change, Change::Grant, json)
                .await
                .map_err(api)
        }
        Command::Revoke(change) => apply_change(
            &sharing(&repo, fleet.as_ref()),
            change,
            Change::Revoke,
            json,
        )
        .await
        .map_err(api),
        Command::Delete { dataset, config } => {
            repo.delete(&dataset, &config).await.map_err(api)?;
            Ok(if json {
                String::new()
            } else {
                format!("deleted access config {config} of dataset {dataset}\n")
            })
        }
        Command::Serve(_) | Command::Completions { .. } => {
            Err(Failure::Usage("not a client command".to_owned()))
        }
    }
}

#[derive(Clone, Copy)]
enum Change {
    Grant,
    Revoke,
}

async fn apply_change(
    sharing: &SharingService<impl AccessConfigRepository>,
    args: ChangeArgs,
    change: Change,
    json: bool,
) -> Result<String, Error> {
    let (plan, written) = match (change, args.dry_run) {
        (Change::Grant, true) => (sharing.plan_grant(&args.dataset, &args.users).await?, None),
        (Change::Revoke, true) => (sharing.plan_revoke(&args.dataset, &args.users).await?, None),
        // Planned and written under the dataset's lock, so no concurrent change is lost.
        (change, false) => {
            let change = match change {
                Change::Grant => UserChange::Grant(args.users),
                Change::Revoke => UserChange::Revoke(args.users),
            };
            let applied = sharing.change(&args.dataset, change).await?;
            (applied.plan, applied.written)
        }
    };
    Ok(if json {
        to_json(&plan_json(
            &plan,
            written.map(|id| id.to_string()),
            args.dry_run,
        ))
    } else {
        plan_text(&plan, written.is_some())
    })
}

fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    // Serialising our own types to a string cannot fail.
    format!(
        "{}\n",
        serde_json::to_string_pretty(value).unwrap_or_default()
    )
}
