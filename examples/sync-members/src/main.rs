//! `sync-members DATASET EMAIL...`: shares the dataset with exactly these members
//! (keeping its teams), against Lightly's API (`LIGHTLY_TOKEN`,
//! `LIGHTLY_SERVER_LOCATION`; e.g. `collab serve --demo`).

use sync_members::{MemberSync, production_repository};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dataset = args
        .next()
        .ok_or("usage: sync-members DATASET EMAIL...")?
        .parse()?;
    let members: Vec<String> = args.collect();
    let report = MemberSync::new(production_repository()?)
        .sync(&dataset, &members)
        .await?;
    println!("added {:?}, removed {:?}", report.added, report.removed);
    Ok(())
}
