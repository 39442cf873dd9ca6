//! What commands print on stdout: tables and plans for people, the API's JSON for scripts.

use chrono::{DateTime, Local};
use collab_core::{AccessConfig, DatasetId, SharingPlan, Timestamp};

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

/// A plan for people: its changes, then what was (or would be) done.
pub(crate) fn plan_text(plan: &SharingPlan, written: bool) -> String {
    if plan.is_noop() {
        return format!(
            "no change: dataset {} already shared as asked\n",
            plan.dataset
        );
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

/// A plan as JSON, with the config id when the plan was written.
pub(crate) fn plan_json(
    plan: &SharingPlan,
    written: Option<String>,
    dry_run: bool,
) -> serde_json::Value {
    serde_json::json!({
        "datasetId": plan.dataset,
        "dryRun": dry_run,
        "changed": !plan.is_noop(),
        "creates": plan.creates,
        "id": written,
        "users": plan.users,
        "teams": plan.teams,
        "addedUsers": plan.added_users,
        "removedUsers": plan.removed_users,
        "addedTeams": plan.added_teams,
        "removedTeams": plan.removed_teams,
    })
}
