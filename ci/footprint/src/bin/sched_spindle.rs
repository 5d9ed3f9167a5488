//! spindle-core: a Scheduler running 4 tasks that take turns.
#![no_std]
#![no_main]

#[allow(dead_code)] // the board is shared: each program uses part of it
#[path = "../../../freestanding/src/board.rs"]
mod board;
#[path = "../rt.rs"]
mod rt;

use core::cell::Cell;
use core::pin::pin;

use spindle_core::sched::{yield_now, RunQueue, Scheduler, Task};

static READY: RunQueue<4> = RunQueue::new();

async fn worker(turns: u32, count: &Cell<u32>) {
    for _ in 0..turns {
        count.set(count.get() + 1);
        yield_now().await;
    }
}

fn program(n: u32) -> u32 {
    let Ok(sched) = Scheduler::with_run_queue(&READY) else {
        return 0;
    };
    let count = Cell::new(0);
    let a = pin!(Task::new(worker(n, &count)));
    let b = pin!(Task::new(worker(n, &count)));
    let c = pin!(Task::new(worker(n, &count)));
    let d = pin!(Task::new(worker(n, &count)));
    let _ = sched.spawn(a);
    let _ = sched.spawn(b);
    let _ = sched.spawn(c);
    let _ = sched.spawn(d);
    sched.run_with(|| {});
    count.get()
}
