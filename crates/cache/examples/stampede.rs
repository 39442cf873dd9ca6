//! A stampede: 1000 concurrent `list` calls for one cold dataset, over an inner
//! repository that takes 10 ms per call. Prints how many calls reached the inner
//! repository (target: exactly 1) and the wall time as a ratio of one uncached call
//! measured in the same run (target: about 1).
//!
//! `cargo run --release -p collab-cache --example stampede`

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use collab_cache::{CacheConfig, CachedRepository};
use collab_core::{
    AccessConfigId, AccessConfigList, AccessConfigRepository, DatasetId, Error, Result,
    ShareRequest,
};
use tokio::sync::Barrier;

const CALLERS: usize = 1000;
const DELAY: Duration = Duration::from_millis(10);
const ROUNDS: usize = 5;

/// An inner repository whose `list` takes [`DELAY`], counting its calls.
#[derive(Default)]
struct SlowRepository {
    list_calls: AtomicUsize,
}

#[async_trait]
impl AccessConfigRepository for SlowRepository {
    async fn create_or_update(&self, _: &DatasetId, _: &ShareRequest) -> Result<AccessConfigId> {
        Err(Error::InvalidRequest {
            message: "read-only example backend".to_owned(),
        })
    }

    async fn delete(&self, _: &DatasetId, _: &AccessConfigId) -> Result<()> {
        Err(Error::InvalidRequest {
            message: "read-only example backend".to_owned(),
        })
    }

    async fn list(&self, _: &DatasetId) -> Result<AccessConfigList> {
        self.list_calls.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(DELAY).await;
        Ok(Vec::new().into())
    }
}

/// Runs `CALLERS` lists released at once by a barrier; returns the wall time from the
/// release to the last answer.
async fn stampede(repo: Arc<dyn AccessConfigRepository>, dataset: DatasetId) -> Duration {
    let barrier = Arc::new(Barrier::new(CALLERS + 1));
    let tasks: Vec<_> = (0..CALLERS)
        .map(|_| {
            let (repo, barrier) = (Arc::clone(&repo), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                repo.list(&dataset).await
            })
        })
        .collect();
    let started = Instant::now();
    barrier.wait().await;
    for task in tasks {
        task.await
            .expect("a caller should not panic")
            .expect("a caller should get the list");
    }
    started.elapsed()
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

#[tokio::main]
async fn main() {
    let dataset: DatasetId = "65f0a1b2c3d4e5f601234567".parse().expect("a valid id");

    let mut baselines = Vec::new();
    let mut walls = Vec::new();
    let mut inner_calls = Vec::new();
    let mut uncached_calls = Vec::new();
    let mut last_stats = None;
    for _ in 0..ROUNDS {
        // Baseline: one call to the inner repository, no cache.
        let inner = SlowRepository::default();
        let started = Instant::now();
        inner.list(&dataset).await.expect("the list");
        baselines.push(started.elapsed());

        // Contrast: the same stampede without a cache.
        let inner = Arc::new(SlowRepository::default());
        stampede(
            Arc::clone(&inner) as Arc<dyn AccessConfigRepository>,
            dataset,
        )
        .await;
        uncached_calls.push(inner.list_calls.load(Ordering::SeqCst));

        // The stampede through a cold cache.
        let inner = Arc::new(SlowRepository::default());
        let cache = Arc::new(CachedRepository::new(
            Arc::clone(&inner),
            CacheConfig::default(),
        ));
        walls.push(
            stampede(
                Arc::clone(&cache) as Arc<dyn AccessConfigRepository>,
                dataset,
            )
            .await,
        );
        inner_calls.push(inner.list_calls.load(Ordering::SeqCst));
        let stats = cache.stats();
        assert_eq!(
            stats.misses + stats.hits,
            CALLERS as u64,
            "every call was counted"
        );
        last_stats = Some(stats);
    }

    let (baseline, wall) = (median(baselines), median(walls));
    println!(
        "stampede: {CALLERS} concurrent list() on one cold dataset, inner delay {DELAY:?}, {ROUNDS} rounds"
    );
    println!("  inner calls per round, through the cache: {inner_calls:?} (target: 1)");
    println!("  inner calls per round, without a cache:   {uncached_calls:?}");
    println!(
        "  baseline, one uncached call (median):     {:.2} ms",
        millis(baseline)
    );
    println!(
        "  stampede wall time through the cache:     {:.2} ms (median)",
        millis(wall)
    );
    println!("  cache stats of the last round:            {last_stats:?}");
    println!(
        "  ratio stampede / one call:                {:.2} (target: about 1)",
        wall.as_secs_f64() / baseline.as_secs_f64()
    );
}
