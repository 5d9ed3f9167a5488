//! spindle-core: an async Mutex and an Event.
#![no_std]
#![no_main]

#[allow(dead_code)] // the board is shared: each program uses part of it
#[path = "../../../freestanding/src/board.rs"]
mod board;
#[path = "../rt.rs"]
mod rt;

use spindle_core::raw::CriticalSectionRawMutex;
use spindle_core::sync::{Event, Mutex};

static SHARED: Mutex<CriticalSectionRawMutex, u32> = Mutex::new(0);
static READY: Event<CriticalSectionRawMutex> = Event::new();

fn program(n: u32) -> u32 {
    rt::block_on(async {
        for _ in 0..n {
            *SHARED.lock().await += 1;
        }
        READY.set();
        READY.wait().await;
        let total = *SHARED.lock().await;
        total
    })
}
