//! heapless: the split spsc Queue<u32, 8> (7 slots).
#![no_std]
#![no_main]

#[allow(dead_code)] // the board is shared: each program uses part of it
#[path = "../../../freestanding/src/board.rs"]
mod board;
#[path = "../rt.rs"]
mod rt;

use heapless::spsc::Queue;

static mut RING: Queue<u32, 8> = Queue::new();

fn program(n: u32) -> u32 {
    // SAFETY: the only reference ever made to RING.
    let ring = unsafe { &mut *core::ptr::addr_of_mut!(RING) };
    let (mut tx, mut rx) = ring.split();
    for i in 0..n {
        let _ = tx.enqueue(i);
    }
    let mut sum = 0;
    while let Some(v) = rx.dequeue() {
        sum += v;
    }
    sum
}
