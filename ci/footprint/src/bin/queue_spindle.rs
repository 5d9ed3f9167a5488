//! spindle-core: a bounded Queue<u32, 8>, async send and receive.
#![no_std]
#![no_main]

#[allow(dead_code)] // the board is shared: each program uses part of it
#[path = "../../../freestanding/src/board.rs"]
mod board;
#[path = "../rt.rs"]
mod rt;

use spindle_core::queue::Queue;
use spindle_core::raw::CriticalSectionRawMutex;

static QUEUE: Queue<CriticalSectionRawMutex, u32, 8> = Queue::new();

fn program(n: u32) -> u32 {
    rt::block_on(async {
        for i in 0..n {
            let _ = QUEUE.send(i).await;
        }
        let mut sum = 0;
        for _ in 0..n {
            sum += QUEUE.recv().await.unwrap_or(0);
        }
        sum
    })
}
