//! What commands print on stdout: tables and plans for people, the API's JSON for scripts.

use chrono::{DateTime, Local};
use collab_core::{AccessConfig, AccessConfigId, DatasetId, SharingPlan, Timestamp};

/// A timestamp in the local time zone; one outside what a calendar date can show (the
/// API allows any `u64` of milliseconds) is shown as its number.
pub(crate) fn local_time(timestamp: Timestamp) -> String {
    i64::try_from(timestamp.as_millis())
        .ok()
        .and_then(DateTime::from_timestamp_millis)
        .map(|time| {
            time.with_timezone(&Local)
                .format("%Y-%m-%d %H:%M:%S%:z")
                .to_string()
        })
        .unwrap_or_else(|| format!("{} ms", timestamp.as_millis()))
}

fn joined(entries: &[String]) -> String {
    if entries.is_empty() {
        "-".to_owned()
    } else {
        entries.join(", ")
    }
}

/// The configs as an aligned table, or a sentence when there are none.
pub(crate) fn config_table(dataset: &DatasetId, configs: &[AccessConfig]) -> String {
    if configs.is_empty() {
        return format!("dataset {dataset} is not shared (no access configs)\n");
    }
    let header = ["ID", "ACCESS", "USERS", "TEAMS", "CREATED", "LAST MODIFIED"].map(str::to_owned);
    let rows: Vec<[String; 6]> = configs
        .iter()
        .map(|c| {
            [
                c.id.to_string(),
                c.access_type.to_string(),
                joined(&c.users),
                joined(&c.teams),
                local_time(c.created_at),
                local_time(c.last_modified_at),
            ]
        })
        .collect();
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    std::iter::once(&header)
        .chain(&rows)
        .map(|row| {
            let cells: Vec<String> = row
                .iter()
                .zip(widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect();
            format!("{}\n", cells.join("  ").trim_end())
        })
        .collect()
}

/// One line per change a plan makes: who gains and who loses access.
pub(crate) fn plan_lines(plan: &SharingPlan) -> String {
    let lines = [
        ("+ user", &plan.added_users),
        ("- user", &plan.removed_users),
        ("+ team", &plan.added_teams),
        ("- team", &plan.removed_teams),
    ];
    lines
        .iter()
        .flat_map(|(sign, entries)| entries.iter().map(move |entry| format!("{sign} {entry}\n")))
        .collect()
}

/// Which command made a plan: the words for a plan that changes nothing differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Share,
    Grant,
    Revoke,
}

impl Change {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Share => "share",
            Self::Grant => "grant",
            Self::Revoke => "revoke",
        }
    }
}

/// A plan for people: its changes, then what was (or would be) done.
pub(crate) fn plan_text(plan: &SharingPlan, change: Change, written: bool) -> String {
    if plan.is_noop() {
        let why = match change {
            Change::Revoke => "none of the users named has access to",
            Change::Grant => "every user named already has access to",
            Change::Share => "already shared as asked:",
        };
        return format!("no change: {why} dataset {}\n", plan.dataset);
    }
    let verb = match (written, plan.creates) {
        (true, true) => "created",
        (true, false) => "updated",
        (false, true) => "would create (dry run, nothing written)",
        (false, false) => "would update (dry run, nothing written)",
    };
    format!(
        "{}{verb}: dataset {} shared with {} user(s), {} team(s)\n",
        plan_lines(plan),
        plan.dataset,
        plan.users.len(),
        plan.teams.len()
    )
}

/// What `share`, `grant` and `revoke` print with `--json`: one object of the same
/// shape with and without `--dry-run` (documented in the README):
///
/// - `command`, `datasetId`, `dryRun`;
/// - `written`: whether this run wrote the config;
/// - `id`: the config's id when one exists after the run (written, or found and left
///   as it was), `null` when there is none;
/// - the plan: `changed`, `creates`, `users`, `teams` (the lists the config holds, or
///   would hold), `addedUsers`, `removedUsers`, `addedTeams`, `removedTeams`.
pub(crate) fn plan_json(
    change: Change,
    plan: &SharingPlan,
    written: Option<&AccessConfigId>,
    dry_run: bool,
) -> serde_json::Value {
    let id = written
        .copied()
        .or_else(|| plan.current.as_ref().map(|config| config.id));
    serde_json::json!({
        "command": change.name(),
        "datasetId": plan.dataset,
        "dryRun": dry_run,
        "written": written.is_some(),
        "id": id,
        "changed": !plan.is_noop(),
        "creates": plan.creates,
        "users": plan.users,
        "teams": plan.teams,
        "addedUsers": plan.added_users,
        "removedUsers": plan.removed_users,
        "addedTeams": plan.added_teams,
        "removedTeams": plan.removed_teams,
    })
}

/// What `delete` prints with `--json`.
pub(crate) fn delete_json(dataset: &DatasetId, config: &AccessConfigId) -> serde_json::Value {
    serde_json::json!({
        "command": "delete",
        "datasetId": dataset,
        "id": config,
        "deleted": true,
    })
}

/// A value as pretty JSON and a newline.
pub(crate) fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    // Serialising our own types to a string cannot fail.
    format!(
        "{}\n",
        serde_json::to_string_pretty(value).unwrap_or_default()
    )
}

/// Writes what a long-running command says on stdout (`serve`'s banner, `record`'s
/// address and result). A reader that took the address from the first line and closed
/// its end (`collab serve ... | head -1`, a test harness) must not stop the process, as
/// `println!` would by panicking: a failed write is let go.
pub(crate) fn announce(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        tracing::debug!(error = %e, "stdout is closed: a line was not written");
    }
}
