//! spindle-core: an Exchange fanning out to 2 subscriber queues.
#![no_std]
#![no_main]

#[allow(dead_code)] // the board is shared: each program uses part of it
#[path = "../../../freestanding/src/board.rs"]
mod board;
#[path = "../rt.rs"]
mod rt;

use spindle_core::exchange::{Exchange, Overflow};
use spindle_core::queue::Queue;
use spindle_core::raw::CriticalSectionRawMutex;

static A: Queue<CriticalSectionRawMutex, u32, 4> = Queue::new();
static B: Queue<CriticalSectionRawMutex, u32, 4> = Queue::new();
static NEWS: Exchange<'static, CriticalSectionRawMutex, u32, 2> = Exchange::new();

fn program(n: u32) -> u32 {
    let (Ok(_a), Ok(_b)) = (
        NEWS.subscribe(&A, Overflow::DropOldest),
        NEWS.subscribe(&B, Overflow::DropOldest),
    ) else {
        return 0;
    };
    for i in 0..n {
        let _ = NEWS.try_send(i);
    }
    let mut sum = 0;
    while let Ok(v) = A.try_recv() {
        sum += v;
    }
    while let Ok(v) = B.try_recv() {
        sum += v;
    }
    sum
}
