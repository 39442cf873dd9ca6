//! What the cache says it did, as `tracing` events: hit (trace), miss, load and
//! invalidation (debug); nothing at `INFO`, so an `INFO` log stays quiet.

use std::sync::{Arc, Mutex};

use collab_cache::{CacheConfig, CachedRepository};
use collab_core::AccessConfigRepository;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};

use crate::support::{ControlledRepository, dataset, share_request};

/// Every event's level and message.
#[derive(Clone, Default)]
struct Messages(Arc<Mutex<Vec<(tracing::Level, String)>>>);

struct Message<'a>(&'a mut String);

impl Visit for Message<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            *self.0 = format!("{value:?}");
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Messages {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut message = String::new();
        event.record(&mut Message(&mut message));
        self.0
            .lock()
            .unwrap()
            .push((*event.metadata().level(), message));
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_miss_a_hit_and_an_invalidation_are_each_one_quiet_event() {
    let messages = Messages::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(messages.clone()));
    let inner = ControlledRepository::new();
    let cache = CachedRepository::new(inner.clone(), CacheConfig::default());

    cache.list(&dataset(1)).await.unwrap();
    cache.list(&dataset(1)).await.unwrap();
    cache
        .create_or_update(&dataset(1), &share_request())
        .await
        .unwrap();

    let seen = messages.0.lock().unwrap().clone();
    let texts: Vec<&str> = seen.iter().map(|(_, text)| text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "collab-cache: miss",
            "collab-cache: loading from the inner repository",
            "collab-cache: hit",
            "collab-cache: invalidated",
        ]
    );
    assert!(
        seen.iter().all(|(level, _)| *level > tracing::Level::INFO),
        "debug or trace only: {seen:?}"
    );
}
