//! embassy-executor: 4 tasks that take turns (its platform-spin executor).
#![no_std]
#![no_main]

#[allow(dead_code)] // the board is shared: each program uses part of it
#[path = "../../../freestanding/src/board.rs"]
mod board;
#[path = "../rt.rs"]
mod rt;

use core::sync::atomic::{AtomicU32, Ordering};

use embassy_executor::{Executor, Spawner};

static COUNT: AtomicU32 = AtomicU32::new(0);
static DONE: AtomicU32 = AtomicU32::new(0);
static mut EXECUTOR: Option<Executor> = None;

#[embassy_executor::task(pool_size = 4)]
async fn worker(turns: u32) {
    for _ in 0..turns {
        COUNT.store(COUNT.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        embassy_futures::yield_now().await;
    }
    // The executor never returns: the last task out reports and ends the program.
    let done = DONE.load(Ordering::Relaxed) + 1;
    DONE.store(done, Ordering::Relaxed);
    if done == 4 {
        board::write_u32(COUNT.load(Ordering::Relaxed));
        board::write_all(b"\n");
        board::exit(0);
    }
}

fn program(n: u32) -> u32 {
    // SAFETY: the only reference ever made to EXECUTOR; `run` never returns.
    let executor = unsafe { &mut *core::ptr::addr_of_mut!(EXECUTOR) }.insert(Executor::new());
    executor.run(|spawner: Spawner| {
        for _ in 0..4 {
            if let Ok(token) = worker(n) {
                spawner.spawn(token);
            }
        }
    })
}
