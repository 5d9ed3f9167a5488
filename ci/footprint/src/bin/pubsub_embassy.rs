//! embassy-sync: a PubSubChannel with 2 subscribers.
#![no_std]
#![no_main]

#[allow(dead_code)] // the board is shared: each program uses part of it
#[path = "../../../freestanding/src/board.rs"]
mod board;
#[path = "../rt.rs"]
mod rt;

use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_sync::pubsub::PubSubChannel;

static NEWS: PubSubChannel<CriticalSectionRawMutex, u32, 4, 2, 1> = PubSubChannel::new();

fn program(n: u32) -> u32 {
    let (Ok(mut a), Ok(mut b), Ok(publisher)) =
        (NEWS.subscriber(), NEWS.subscriber(), NEWS.publisher())
    else {
        return 0;
    };
    for i in 0..n {
        publisher.publish_immediate(i);
    }
    let mut sum = 0;
    while let Some(v) = a.try_next_message_pure() {
        sum += v;
    }
    while let Some(v) = b.try_next_message_pure() {
        sum += v;
    }
    sum
}
