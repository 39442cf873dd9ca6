//! What commands print on stdout: tables and plans for people, the API's JSON for scripts.

use std::time::SystemTime;

use chrono::{DateTime, Local};
use collab_core::{AccessConfig, DatasetId, SharingPlan, Timestamp};

/// A timestamp in the local time zone.
pub(crate) fn local_time(timestamp: Timestamp) -> String {
    DateTime::<Local>::from(SystemTime::from(timestamp))
        .format("%Y-%m-%d %H:%M:%S%:z")
        .to_string()
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
    let header = [
        "ID",
        "ACCESS",
        "USERS",
        "ORGANIZATIONS",
        "CREATED",
        "LAST MODIFIED",
    ]
    .map(str::to_owned);
    let rows: Vec<[String; 6]> = configs
        .iter()
        .map(|c| {
            [
                c.id.to_string(),
                c.access_type.to_string(),
                joined(&c.users),
                joined(&c.organizations),
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

/// A plan for people: who gains and who loses access.
pub(crate) fn plan_text(plan: &SharingPlan, written: bool) -> String {
    if plan.is_noop() {
        return format!(
            "no change: dataset {} already shared as asked\n",
            plan.dataset
        );
    }
    let mut text = String::new();
    let lines = [
        ("+ user", &plan.added_users),
        ("- user", &plan.removed_users),
        ("+ org ", &plan.added_organizations),
        ("- org ", &plan.removed_organizations),
    ];
    for (sign, entries) in lines {
        for entry in entries {
            text.push_str(&format!("{sign} {entry}\n"));
        }
    }
    let verb = if written {
        "updated"
    } else {
        "would update (dry run, nothing written)"
    };
    text.push_str(&format!(
        "{verb}: dataset {} shared with {} user(s), {} organization(s)\n",
        plan.dataset,
        plan.users.len(),
        plan.organizations.len()
    ));
    text
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
        "id": written,
        "users": plan.users,
        "organizations": plan.organizations,
        "addedUsers": plan.added_users,
        "removedUsers": plan.removed_users,
        "addedOrganizations": plan.added_organizations,
        "removedOrganizations": plan.removed_organizations,
    })
}
