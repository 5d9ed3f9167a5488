//! spindle-core: the split spsc Ring<u32, 8>.
#![no_std]
#![no_main]

#[allow(dead_code)] // the board is shared: each program uses part of it
#[path = "../../../freestanding/src/board.rs"]
mod board;
#[path = "../rt.rs"]
mod rt;

use spindle_core::queue::spsc::Ring;

static mut RING: Ring<u32, 8> = Ring::new();

fn program(n: u32) -> u32 {
    // SAFETY: the only reference ever made to RING.
    let ring = unsafe { &mut *core::ptr::addr_of_mut!(RING) };
    let (mut tx, mut rx) = ring.split();
    for i in 0..n {
        let _ = tx.try_push(i);
    }
    let mut sum = 0;
    while let Ok(v) = rx.try_pop() {
        sum += v;
    }
    sum
}
