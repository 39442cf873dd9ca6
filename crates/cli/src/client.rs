//! The client commands: list, share, grant, revoke, delete, through the HTTP adapter.

use collab_core::request::normalize_users;
use collab_core::{AccessConfigRepository, Error, ShareRequest, SharingService};
use std::time::Duration;

use collab_core::wire::WireGeneration;
use collab_http::{BuildError, HttpRepository, RetryPolicy};
use collab_server::WireMode;
use secrecy::SecretString;

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
    let api = |error| Failure::Api {
        error,
        api_url: repo.base_url().as_str().trim_end_matches('/').to_owned(),
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
            let plan = SharingService::new(&repo)
                .plan_request(&dataset, &request)
                .await
                .map_err(api)?;
            if dry_run {
                return Ok(if json {
                    to_json(&plan_json(&plan, None, true))
                } else {
                    plan_text(&plan, false)
                });
            }
            let id = repo
                .create_or_update(&dataset, &request)
                .await
                .map_err(api)?;
            Ok(if json {
                to_json(&collab_core::CreateEntityResponse { id: id.object_id() })
            } else {
                format!("{}shared: access config {id}\n", plan_lines(&plan))
            })
        }
        Command::Grant(change) => {
            checked(normalize_users(&change.users))?;
            apply_change(&repo, change, Change::Grant, json)
                .await
                .map_err(api)
        }
        Command::Revoke(change) => apply_change(&repo, change, Change::Revoke, json)
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
    repo: &HttpRepository,
    args: ChangeArgs,
    change: Change,
    json: bool,
) -> Result<String, Error> {
    let sharing = SharingService::new(repo);
    let plan = match change {
        Change::Grant => sharing.plan_grant(&args.dataset, &args.users).await?,
        Change::Revoke => sharing.plan_revoke(&args.dataset, &args.users).await?,
    };
    let written = if args.dry_run {
        None
    } else {
        sharing.apply(&plan).await?
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
