//! The client commands: list, share, grant, revoke, delete, through the HTTP adapter.

use collab_core::{AccessConfigRepository, Error, ShareRequest, SharingPlan, SharingService};
use std::time::Duration;

use collab_http::{HttpRepository, RetryPolicy};
use secrecy::SecretString;

use crate::args::{ChangeArgs, Command};
use crate::failure::Failure;
use crate::output::{config_table, plan_json, plan_text};

/// A person at a terminal should learn within seconds that the API is unreachable, so
/// the CLI retries less than the library's default (which follows Lightly's client).
const INTERACTIVE_RETRIES: RetryPolicy = RetryPolicy {
    max_attempts: 3,
    initial_backoff: Duration::from_millis(200),
    max_backoff: Duration::from_secs(2),
    max_elapsed: Duration::from_secs(10),
    jitter: true,
};

/// Where and as whom the client commands call the API.
#[derive(Debug)]
pub(crate) struct Connection {
    /// The API's base URL.
    pub(crate) api_url: String,
    /// The API token, if one was given.
    pub(crate) token: Option<SecretString>,
}

impl Connection {
    fn repository(&self) -> Result<HttpRepository, Failure> {
        let token = self.token.clone().ok_or_else(|| {
            Failure::Usage("no API token: set LIGHTLY_TOKEN or pass --token".to_owned())
        })?;
        HttpRepository::builder()
            .with_base_url(self.api_url.clone())
            .with_api_token(token)
            .with_retry(INTERACTIVE_RETRIES)
            .with_connect_timeout(Duration::from_secs(5))
            .with_request_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| Failure::Usage(format!("cannot use API URL {:?}: {e}", self.api_url)))
    }

    fn failure(&self, error: Error) -> Failure {
        Failure::Api {
            error,
            api_url: self.api_url.clone(),
        }
    }
}

/// Runs a client command; returns what to print on stdout.
pub(crate) async fn run(
    connection: &Connection,
    command: Command,
    json: bool,
) -> Result<String, Failure> {
    let repo = connection.repository()?;
    let api = |error| connection.failure(error);
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
            organizations,
            dry_run,
        } => {
            let request = ShareRequest::write(&users, &organizations).map_err(api)?;
            let sharing = SharingService::new(&repo);
            let plan = sharing
                .plan_share(&dataset, request.users(), request.organizations())
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
                format!("{}shared: access config {id}\n", plan_changes(&plan))
            })
        }
        Command::Grant(change) => apply_change(&repo, change, Change::Grant, json)
            .await
            .map_err(api),
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

/// The plan's lines without its summary, printed before the `shared:` line.
fn plan_changes(plan: &SharingPlan) -> String {
    if plan.is_noop() {
        return String::new();
    }
    let text = plan_text(plan, true);
    text.lines()
        .filter(|line| line.starts_with(['+', '-']))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    // Serialising our own types to a string cannot fail.
    format!(
        "{}\n",
        serde_json::to_string_pretty(value).unwrap_or_default()
    )
}
