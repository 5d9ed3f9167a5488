//! spindle-core: an actor with a Mailbox, answering asks.
#![no_std]
#![no_main]

#[allow(dead_code)] // the board is shared: each program uses part of it
#[path = "../../../freestanding/src/board.rs"]
mod board;
#[path = "../rt.rs"]
mod rt;

use spindle_core::actor::{Mailbox, Reply};
use spindle_core::raw::CriticalSectionRawMutex;
use spindle_core::sync::Oneshot;

type Answer = Reply<'static, CriticalSectionRawMutex, u32>;

static MAILBOX: Mailbox<CriticalSectionRawMutex, (u32, Answer), 4> = Mailbox::new();
static SLOTS: [Oneshot<CriticalSectionRawMutex, u32>; 4] = [const { Oneshot::new() }; 4];

fn program(n: u32) -> u32 {
    let actor = MAILBOX.run(((), |_: &mut (), (x, reply): (u32, Answer)| {
        let _ = reply.send(x * x);
    }));
    let asker = async {
        let addr = MAILBOX.addr();
        let mut sum = 0;
        for (x, slot) in (0..n).zip(&SLOTS) {
            if let Ok(promise) = addr.ask(slot, |r| (x, r)).await {
                sum += promise.get().await.unwrap_or(0);
            }
        }
        addr.close();
        sum
    };
    rt::join(actor, asker).1
}
