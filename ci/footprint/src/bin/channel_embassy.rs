//! embassy-sync: a Channel<u32, 8>, async send and receive.
#![no_std]
#![no_main]

#[allow(dead_code)] // the board is shared: each program uses part of it
#[path = "../../../freestanding/src/board.rs"]
mod board;
#[path = "../rt.rs"]
mod rt;

use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_sync::channel::Channel;

static QUEUE: Channel<CriticalSectionRawMutex, u32, 8> = Channel::new();

fn program(n: u32) -> u32 {
    rt::block_on(async {
        for i in 0..n {
            QUEUE.send(i).await;
        }
        let mut sum = 0;
        for _ in 0..n {
            sum += QUEUE.receive().await;
        }
        sum
    })
}
