//! `InProcessLocks`: one acquire and release, uncontended and with 8 tasks queued on
//! one dataset, against a bare `tokio::sync::Mutex` doing the same in the same run
//! (the ratio is what counts).
//!
//! `cargo bench -p collab-core --bench in_process_locks`

use std::hint::black_box;
use std::sync::Arc;

use collab_core::DatasetId;
use collab_core::coordination::InProcessLocks;
use criterion::{Criterion, criterion_group, criterion_main};

/// Tasks that take the one dataset's lock in turn, in the contended case.
const TASKS: usize = 8;
/// Acquisitions per task and iteration, in the contended case.
const ROUNDS: usize = 64;

fn dataset() -> DatasetId {
    "0123456789abcdef01234567".parse().unwrap()
}

fn uncontended(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("lock_uncontended");
    let locks = InProcessLocks::new();
    group.bench_function("in_process_locks", |b| {
        b.to_async(&runtime)
            .iter(|| async { drop(black_box(locks.acquire(&dataset()).await)) })
    });
    let mutex = Arc::new(tokio::sync::Mutex::new(()));
    group.bench_function("bare_tokio_mutex", |b| {
        b.to_async(&runtime)
            .iter(|| async { drop(black_box(Arc::clone(&mutex).lock_owned().await)) })
    });
    group.finish();
}

fn contended(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let mut group = c.benchmark_group("lock_contended_8_tasks_x64");
    let locks = InProcessLocks::new();
    group.bench_function("in_process_locks", |b| {
        b.to_async(&runtime).iter(|| async {
            let tasks: Vec<_> = (0..TASKS)
                .map(|_| {
                    let locks = locks.clone();
                    tokio::spawn(async move {
                        for _ in 0..ROUNDS {
                            let lease = locks.acquire(&dataset()).await;
                            tokio::task::yield_now().await;
                            drop(lease);
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        })
    });
    let mutex = Arc::new(tokio::sync::Mutex::new(()));
    group.bench_function("bare_tokio_mutex", |b| {
        b.to_async(&runtime).iter(|| async {
            let tasks: Vec<_> = (0..TASKS)
                .map(|_| {
                    let mutex = Arc::clone(&mutex);
                    tokio::spawn(async move {
                        for _ in 0..ROUNDS {
                            let guard = Arc::clone(&mutex).lock_owned().await;
                            tokio::task::yield_now().await;
                            drop(guard);
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        })
    });
    group.finish();
}

criterion_group!(benches, uncontended, contended);
criterion_main!(benches);
