//! Scheduler cases (recipe 12.12): spindle's cooperative [`Scheduler`] against the
//! single-threaded executors people would otherwise reach for. One op is one task
//! switch: two tasks take turns, each `yield_now().await`ing `iters / 2` times.

use super::*;

use std::pin::pin;

use spindle_core::sched::{yield_now, Scheduler, Task};

/// One of the two tasks: yields `n` times.
async fn yielder(n: u64) -> u64 {
    for i in 0..n {
        black_box(i);
        yield_now().await;
    }
    n
}

/// spindle: two pinned tasks on a `Scheduler<2>`.
pub fn yield_switch_spindle(iters: u64) -> Duration {
    let half = iters / 2;
    let sched: Scheduler<2> = Scheduler::new();
    let a = pin!(Task::new(yielder(half)));
    let b = pin!(Task::new(yielder(half)));
    let t0 = Instant::now();
    let mut ha = sched.spawn(a).expect("room for two tasks");
    let mut hb = sched.spawn(b).expect("room for two tasks");
    sched.run();
    let took = t0.elapsed();
    assert_eq!(ha.try_take(), Some(half));
    assert_eq!(hb.try_take(), Some(half));
    took
}

/// futures' `LocalPool`, with its `yield_now` equivalent.
pub fn yield_switch_local_pool(iters: u64) -> Duration {
    use futures::task::LocalSpawnExt;
    let half = iters / 2;
    let mut pool = futures::executor::LocalPool::new();
    let spawner = pool.spawner();
    let t0 = Instant::now();
    for _ in 0..2 {
        spawner
            .spawn_local(async move {
                for i in 0..half {
                    black_box(i);
                    futures_yield().await;
                }
            })
            .expect("spawn on the pool");
    }
    pool.run();
    t0.elapsed()
}

/// `yield_now` for other executors: wake self, return `Pending` once.
fn futures_yield() -> impl std::future::Future<Output = ()> {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            return std::task::Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    })
}

/// tokio's current-thread runtime, with `tokio::task::yield_now`.
pub fn yield_switch_tokio(iters: u64) -> Duration {
    let half = iters / 2;
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async move {
        let t0 = Instant::now();
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                tokio::spawn(async move {
                    for i in 0..half {
                        black_box(i);
                        tokio::task::yield_now().await;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("task ran");
        }
        t0.elapsed()
    })
}
