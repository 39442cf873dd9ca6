//! What `SharingService` says it did, in its span's events: the plan, the lock taken
//! and held, the write or why there was none; all at `DEBUG`, inside one `INFO` span.

use std::sync::{Arc, Mutex};

use collab_core::{
    AccessConfig, AccessConfigId, DatasetId, MockAccessConfigRepository, SharedAccessType,
    SharingService, Timestamp,
};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// One event: its level, its message and the name of its span.
type Seen = (tracing::Level, String, Option<String>);

/// Every event seen.
#[derive(Clone, Default)]
struct Events(Arc<Mutex<Vec<Seen>>>);

struct Message<'a>(&'a mut String);

impl Visit for Message<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            *self.0 = format!("{value:?}");
        }
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for Events {
    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        let mut message = String::new();
        event.record(&mut Message(&mut message));
        let span = ctx.event_span(event).map(|span| span.name().to_owned());
        self.0
            .lock()
            .unwrap()
            .push((*event.metadata().level(), message, span));
    }
}

fn dataset() -> DatasetId {
    "0123456789abcdef01234567".parse().unwrap()
}

fn config_id() -> AccessConfigId {
    "aaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap()
}

fn repo_with_ann() -> MockAccessConfigRepository {
    let config = AccessConfig {
        id: config_id(),
        owner: "alice".into(),
        access_type: SharedAccessType::Write,
        users: vec!["ann@x.io".into()],
        teams: vec![],
        created_at: Timestamp::from_millis(1),
        last_modified_at: Timestamp::from_millis(2),
    };
    let configs: Arc<[AccessConfig]> = Arc::from([config]);
    let mut repo = MockAccessConfigRepository::new();
    repo.expect_list_fresh()
        .returning(move |_| Ok(Arc::clone(&configs)));
    repo.expect_create_or_update()
        .returning(|_, _| Ok(config_id()));
    repo
}

#[tokio::test(flavor = "current_thread")]
async fn a_grant_says_it_locked_planned_wrote_and_released_and_a_noop_that_it_did_not_write() {
    let events = Events::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(events.clone()));
    let sharing = SharingService::new(repo_with_ann());

    sharing.grant(&dataset(), ["bob@x.io"]).await.unwrap();
    sharing.grant(&dataset(), ["ann@x.io"]).await.unwrap();

    let seen = events.0.lock().unwrap().clone();
    let messages: Vec<&str> = seen
        .iter()
        .map(|(_, message, _)| message.as_str())
        .collect();
    let written = [
        "collab-core: dataset lock taken",
        "collab-core: planned",
        "collab-core: wrote the WRITE config",
        "collab-core: dataset lock released",
    ];
    let unchanged = [
        "collab-core: dataset lock taken",
        "collab-core: planned",
        "collab-core: no write: the plan changes nothing",
        "collab-core: dataset lock released",
    ];
    assert_eq!(messages, [written, unchanged].concat(), "{seen:?}");
    for (level, message, span) in &seen {
        assert_eq!(*level, tracing::Level::DEBUG, "{message}");
        assert_eq!(span.as_deref(), Some("collab.sharing"), "{message}");
    }
}
