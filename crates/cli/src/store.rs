//! `collab store export|import`: a `collab serve --data` store as a fixture file, and
//! back.

use crate::args::StoreCommand;
use crate::failure::Failure;
use crate::serve::{open_store, read_fixtures};

/// Runs a `collab store` command; gives what to print on stdout.
pub(crate) fn run(command: StoreCommand) -> Result<String, Failure> {
    match command {
        StoreCommand::Export { path, json, .. } => {
            let store = open_store(&path)?;
            let fixtures = store
                .export()
                .map_err(|e| Failure::Failed(format!("cannot export: {e}")))?;
            let text = if json {
                fixtures.to_json().map(|text| text + "\n")
            } else {
                fixtures.to_toml()
            };
            text.map_err(|e| Failure::Failed(e.to_string()))
        }
        StoreCommand::Import { path, file, .. } => {
            let fixtures = read_fixtures(&file)?;
            let store = open_store(&path)?;
            let stored = store.users().map_err(|e| Failure::Failed(e.to_string()))?;
            let origin = file.display().to_string();
            let fixtures =
                collab_store::Fixtures::combine([(origin.as_str(), &fixtures)], |name| {
                    stored.iter().any(|user| user.name == name)
                })
                .map_err(|e| Failure::Usage(e.to_string()))?;
            let report = store
                .seed(&fixtures)
                .map_err(|e| Failure::Failed(format!("cannot import: {e}")))?;
            Ok(format!(
                "imported {} into {}: {report}\n",
                file.display(),
                path.display()
            ))
        }
    }
}
