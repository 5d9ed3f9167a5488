//! embassy-sync: an async Mutex and a Signal.
#![no_std]
#![no_main]

#[allow(dead_code)] // the board is shared: each program uses part of it
#[path = "../../../freestanding/src/board.rs"]
mod board;
#[path = "../rt.rs"]
mod rt;

use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_sync::mutex::Mutex;
use embassy_sync::signal::Signal;

static SHARED: Mutex<CriticalSectionRawMutex, u32> = Mutex::new(0);
static READY: Signal<CriticalSectionRawMutex, ()> = Signal::new();

fn program(n: u32) -> u32 {
    rt::block_on(async {
        for _ in 0..n {
            *SHARED.lock().await += 1;
        }
        READY.signal(());
        READY.wait().await;
        let total = *SHARED.lock().await;
        total
    })
}
