//! embassy-sync: an actor on a Channel, answering through a Signal.
#![no_std]
#![no_main]

#[allow(dead_code)] // the board is shared: each program uses part of it
#[path = "../../../freestanding/src/board.rs"]
mod board;
#[path = "../rt.rs"]
mod rt;

use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_sync::channel::Channel;
use embassy_sync::signal::Signal;

/// Requests; `None` stops the actor.
static MAILBOX: Channel<CriticalSectionRawMutex, Option<u32>, 4> = Channel::new();
static ANSWER: Signal<CriticalSectionRawMutex, u32> = Signal::new();

fn program(n: u32) -> u32 {
    let actor = async {
        while let Some(x) = MAILBOX.receive().await {
            ANSWER.signal(x * x);
        }
    };
    let asker = async {
        let mut sum = 0;
        for x in 0..n {
            MAILBOX.send(Some(x)).await;
            sum += ANSWER.wait().await;
        }
        MAILBOX.send(None).await;
        sum
    };
    rt::join(actor, asker).1
}
