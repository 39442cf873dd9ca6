//! The client commands: list, share, grant, revoke, delete, through the HTTP adapter.

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use collab_cache::{CacheConfig, CachedRepository};
use collab_core::coordination::CoordinationError;
use collab_core::request::normalize_users;
use collab_core::wire::WireGeneration;
use collab_core::{
    AccessConfigRepository, Applied, Error, ShareRequest, SharingPlan, SharingService, UserChange,
};
use collab_http::{BuildError, HttpRepository, RetryPolicy, SERVER_LOCATION_ENV};
use collab_redis::{RedisConfig, RedisCoordinator};
use collab_server::WireMode;
use secrecy::ExposeSecret;

use crate::args::{ChangeArgs, ClientArgs, Command, ShareArgs};
use crate::confirm::confirm;
use crate::failure::Failure;
use crate::output::{Change, config_table, delete_json, plan_json, plan_lines, plan_text, to_json};
use crate::progress::while_waiting;

/// A person at a terminal should learn within seconds that the API is unreachable, so
/// the CLI retries less than the library's default (which follows Lightly's client);
/// the command's deadline (`--timeout`) bounds it all.
const INTERACTIVE_RETRIES: RetryPolicy = RetryPolicy::new()
    .with_max_attempts(3)
    .with_initial_backoff(Duration::from_millis(200))
    .with_max_backoff(Duration::from_secs(2))
    .with_max_elapsed(Duration::from_secs(10))
    .with_jitter(true);

/// A URL to suggest when the one given cannot be used: `collab serve`'s.
const EXAMPLE_URL: &str = "http://127.0.0.1:8080";

/// The API as one command reaches it: the repository, its URL for messages, and the
/// command's deadline.
struct Session {
    flags: ClientArgs,
    wire: WireMode,
    repo: HttpRepository,
    api_url: String,
    timeout: Duration,
    deadline: Instant,
    /// With `--redis`: the fleet's lock and cache generations.
    fleet: Option<Arc<RedisCoordinator>>,
}

impl Session {
    /// Builds the repository from the flags (what is not given comes from the
    /// environment, read the way `collab-http` reads it), with a deadline `timeout`
    /// from now shared by every call of the command.
    fn open(flags: &ClientArgs, wire: WireMode) -> Result<Self, Failure> {
        let timeout = flags.timeout().map_err(Failure::Usage)?;
        let deadline = Instant::now() + timeout;
        let builder = match &flags.api_url {
            Some(url) => HttpRepository::builder().with_base_url(url.clone()),
            None => HttpRepository::builder().base_url_from_env(),
        };
        let builder = match &flags.token {
            Some(token) => builder.with_api_token(token.clone()),
            None => builder.token_from_env().map_err(build_failure)?,
        };
        // `auto` writes today's generation; reading accepts either.
        let generation = match wire {
            WireMode::Pinned(generation) => generation,
            _ => WireGeneration::Current,
        };
        let repo = builder
            .with_wire_generation(generation)
            .with_retry(INTERACTIVE_RETRIES)
            .with_connect_timeout(Duration::from_secs(5))
            .with_deadline(deadline)
            .build()
            .map_err(build_failure)?;
        let api_url = repo.base_url().as_str().trim_end_matches('/').to_owned();
        let fleet = match flags.redis_url() {
            None => None,
            Some(url) => Some(Arc::new(
                RedisConfig::new()
                    .with_url(url.expose_secret())
                    .build()
                    .map_err(|error| Failure::Usage(format!("--redis: {error}")))?,
            )),
        };
        Ok(Self {
            flags: flags.clone(),
            wire,
            repo,
            api_url,
            timeout,
            deadline,
            fleet,
        })
    }

    /// The sharing service of the commands that write: with `--redis`, it takes the
    /// fleet lock, and its writes retire the fleet's cached lists (through a cache that
    /// keeps nothing itself), so that services sharing that Redis see them at once.
    fn sharing(&self) -> SharingService<Arc<dyn AccessConfigRepository + '_>> {
        match &self.fleet {
            None => SharingService::new(Arc::new(&self.repo)),
            Some(redis) => {
                let no_cache = CacheConfig::new().with_time_to_live(Duration::ZERO);
                let announcing =
                    CachedRepository::new(&self.repo, no_cache).with_coherence(Arc::clone(redis));
                SharingService::new(Arc::new(announcing) as _).with_fleet_locks(Arc::clone(redis))
            }
        }
    }

    /// Goes on after consent to `what` (see [`confirm`]): at once with `yes`, else
    /// after a person answered yes, with a fresh deadline (the time they took is not
    /// the API's).
    fn after_consent(self, what: &str, yes: bool) -> Result<Self, Failure> {
        if yes {
            return Ok(self);
        }
        confirm(what)?;
        Self::open(&self.flags, self.wire)
    }

    /// An error of the port as the command's failure: one that ran into the deadline
    /// says so.
    fn failure(&self, error: Error) -> Failure {
        // A failure to coordinate through Redis names Redis, not the API.
        let coordination = match &error {
            Error::Unavailable {
                source: Some(source),
                ..
            } => source.downcast_ref::<CoordinationError>(),
            _ => None,
        };
        match (coordination, &self.fleet) {
            (Some(CoordinationError::Unreachable { .. }), Some(redis)) => {
                return Failure::Api {
                    api_url: redis.config().redacted_url(),
                    error,
                };
            }
            (Some(cause), _) => return Failure::Failed(format!("{error}: {cause}")),
            (None, _) => {}
        }
        if error.is_retryable() && Instant::now() >= self.deadline {
            return Failure::TimedOut {
                api_url: self.api_url.clone(),
                timeout: self.timeout,
            };
        }
        Failure::Api {
            error,
            api_url: self.api_url.clone(),
        }
    }

    /// Runs a call, with a spinner on a terminal when it takes long.
    async fn call<T>(
        &self,
        work: impl std::future::Future<Output = Result<T, Error>>,
    ) -> Result<T, Failure> {
        let what = format!("waiting for the API at {}", self.api_url);
        while_waiting(what, work)
            .await
            .map_err(|error| self.failure(error))
    }
}

/// A builder's refusal as a usage error that names the flag or variable the value came
/// from. Its text never holds the token nor the URL's query or user info.
fn build_failure(error: BuildError) -> Failure {
    Failure::Usage(match error {
        BuildError::MissingToken { .. } => format!("{error} (pass --token or set LIGHTLY_TOKEN)"),
        BuildError::InvalidUrl { origin, reason } => {
            let source = if origin == SERVER_LOCATION_ENV {
                SERVER_LOCATION_ENV
            } else {
                "--api-url"
            };
            let reason = if reason.contains("relative URL without a base")
                || reason.contains("the scheme must be")
            {
                "it must start with http:// or https://".to_owned()
            } else {
                reason
            };
            format!("{source} is not a usable API URL: {reason}; give one like {EXAMPLE_URL}")
        }
        error => error.to_string(),
    })
}

/// Whether the token would travel readable by anyone on the way: plain `http://` to
/// a host that is not this machine.
pub(crate) fn token_travels_in_the_clear(scheme: &str, host: Option<&str>) -> bool {
    if scheme != "http" {
        return false;
    }
    let Some(host) = host else {
        return true;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    };
    !loopback
}

/// Runs a client command with its flags; returns what to print on stdout.
pub(crate) async fn run(
    command: Command,
    flags: &ClientArgs,
    wire: WireMode,
) -> Result<String, Failure> {
    let session = Session::open(flags, wire)?;
    let url = session.repo.base_url();
    if token_travels_in_the_clear(url.scheme(), url.host_str()) {
        eprintln!(
            "warning: {} is plain http:// to another machine: the API token travels in the URL, readable on the way (use https://)",
            session.api_url
        );
    }
    let json = flags.json;
    match command {
        Command::List(args) => {
            let configs = session.call(session.repo.list(&args.dataset)).await?;
            Ok(if json {
                to_json(&*configs)
            } else {
                config_table(&args.dataset, &configs)
            })
        }
        Command::Share(args) => share(session, args, json).await,
        Command::Grant(args) => change(session, args, Change::Grant, json).await,
        Command::Revoke(args) => change(session, args, Change::Revoke, json).await,
        Command::Delete(args) => {
            let question = format!(
                "delete access config {} of dataset {}",
                args.config, args.dataset
            );
            let session = session.after_consent(&question, args.yes)?;
            session
                .call(session.repo.delete(&args.dataset, &args.config))
                .await?;
            Ok(if json {
                to_json(&delete_json(&args.dataset, &args.config))
            } else {
                format!(
                    "deleted access config {} of dataset {}\n",
                    args.config, args.dataset
                )
            })
        }
        Command::Serve(_)
        | Command::Store(_)
        | Command::Completions(_)
        | Command::Record(_)
        | Command::CheckDrift(_) => Err(Failure::Usage("not a client command".to_owned())),
    }
}

/// What can be checked before any call is a usage error: it never reached the API.
fn checked<T>(result: Result<T, Error>) -> Result<T, Failure> {
    result.map_err(|error| Failure::Usage(error.to_string()))
}

async fn share(session: Session, args: ShareArgs, json: bool) -> Result<String, Failure> {
    let request = checked(ShareRequest::write(&args.users, &args.teams))?;
    let empties = request.users().is_empty() && request.teams().is_empty();
    let session = if empties && !args.dry_run {
        let question = format!(
            "share dataset {} with nobody (no --user, no --team): this removes everyone's access",
            args.dataset
        );
        session.after_consent(&question, args.yes)?
    } else {
        session
    };
    let sharing = session.sharing();
    if args.dry_run {
        let plan = session
            .call(sharing.plan_request(&args.dataset, &request))
            .await?;
        return Ok(show_plan(Change::Share, &plan, None, true, json));
    }
    // Planned and written under the dataset's lock.
    let applied = session.call(sharing.share(&args.dataset, &request)).await?;
    let (plan, id) = (&applied.plan, applied.written.as_ref());
    Ok(match id {
        _ if json => to_json(&plan_json(Change::Share, plan, id, false)),
        Some(id) => format!("{}shared: access config {id}\n", plan_lines(plan)),
        None => plan_lines(plan),
    })
}

async fn change(
    session: Session,
    args: ChangeArgs,
    change: Change,
    json: bool,
) -> Result<String, Failure> {
    let mut users = args.users;
    if let Some(file) = &args.from_file {
        users.extend(read_users(file)?);
    }
    if change == Change::Grant {
        checked(normalize_users(&users))?;
    }
    if users.is_empty() {
        return Err(Failure::Usage(format!(
            "no e-mail address to {}: name at least one, or pass a --from-file that holds some",
            change.name()
        )));
    }
    let sharing = session.sharing();
    let user_change = |users| match change {
        Change::Revoke => UserChange::Revoke(users),
        _ => UserChange::Grant(users),
    };
    // A grant never leaves nobody with access, so nothing needs asking: it is planned
    // and written under the dataset's lock at once, reading the config once. A revoke
    // (or a dry run) is planned first, outside the lock: if it leaves nobody with
    // access a person is asked, and nobody holds a dataset's lock while waiting for an
    // answer.
    if change == Change::Revoke || args.dry_run {
        let plan = match change {
            Change::Revoke => {
                session
                    .call(sharing.plan_revoke(&args.dataset, &users))
                    .await?
            }
            _ => {
                session
                    .call(sharing.plan_grant(&args.dataset, &users))
                    .await?
            }
        };
        if args.dry_run || plan.is_noop() {
            return Ok(show_plan(change, &plan, None, args.dry_run, json));
        }
        if plan.users.is_empty() && plan.teams.is_empty() {
            drop(sharing);
            let question = format!(
                "{} would leave nobody with access to dataset {}",
                change.name(),
                args.dataset
            );
            let session = session.after_consent(&question, args.yes)?;
            // What was consented to is written only if the dataset has not changed
            // since (the check is made under the dataset's lock).
            let applied = session.call(session.sharing().apply(&plan)).await?;
            return Ok(show_applied(change, &applied, json));
        }
    }
    // Planned (again) and written under the dataset's lock, so that no change made
    // since a plan above is lost.
    let applied = session
        .call(sharing.change(&args.dataset, user_change(users)))
        .await?;
    Ok(show_applied(change, &applied, json))
}

fn show_applied(change: Change, applied: &Applied, json: bool) -> String {
    show_plan(change, &applied.plan, applied.written.as_ref(), false, json)
}

fn show_plan(
    change: Change,
    plan: &SharingPlan,
    written: Option<&collab_core::AccessConfigId>,
    dry_run: bool,
    json: bool,
) -> String {
    if json {
        to_json(&plan_json(change, plan, written, dry_run))
    } else {
        plan_text(plan, change, written.is_some())
    }
}

/// The e-mail addresses in FILE (`-`: stdin), one per line; blank lines and lines
/// starting with `#` are skipped.
fn read_users(file: &Path) -> Result<Vec<String>, Failure> {
    let text = if file == Path::new("-") {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(file)
    }
    .map_err(|e| Failure::Usage(format!("cannot read --from-file {}: {e}", file.display())))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_to_another_host_is_in_the_clear() {
        let in_the_clear = |scheme, host| token_travels_in_the_clear(scheme, Some(host));
        assert!(in_the_clear("http", "api.example.com"));
        assert!(in_the_clear("http", "10.0.0.7"));
        assert!(in_the_clear("http", "0.0.0.0"));
        assert!(!in_the_clear("https", "api.example.com"));
        assert!(!in_the_clear("http", "127.0.0.1"));
        assert!(!in_the_clear("http", "127.1.2.3"));
        assert!(!in_the_clear("http", "[::1]"));
        assert!(!in_the_clear("http", "LOCALHOST"));
    }

    #[test]
    fn a_url_error_names_its_source_and_suggests_a_url() {
        let from_flag = build_failure(BuildError::InvalidUrl {
            origin: "with_base_url",
            reason: "relative URL without a base".to_owned(),
        });
        assert_eq!(
            from_flag.message(),
            "--api-url is not a usable API URL: it must start with http:// or https://; give one like http://127.0.0.1:8080"
        );
        let from_env = build_failure(BuildError::InvalidUrl {
            origin: SERVER_LOCATION_ENV,
            reason: "the URL has no host".to_owned(),
        });
        assert!(
            from_env.message().starts_with(
                "LIGHTLY_SERVER_LOCATION is not a usable API URL: the URL has no host"
            ),
            "{}",
            from_env.message()
        );
    }

    #[test]
    fn a_users_file_skips_blanks_and_comments() {
        let dir = std::env::temp_dir().join(format!("collab-users-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("users.txt");
        std::fs::write(
            &file,
            "# team A\nann@example.com\n\n  bob@example.com  \r\n",
        )
        .unwrap();
        let users = read_users(&file).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(users, ["ann@example.com", "bob@example.com"]);
        let missing = read_users(Path::new("/nonexistent/users.txt")).unwrap_err();
        assert!(
            missing
                .message()
                .starts_with("cannot read --from-file /nonexistent/users.txt"),
            "{}",
            missing.message()
        );
    }
}
