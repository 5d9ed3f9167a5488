//! An exchange (recipe 12.11) delivering to an actor's address (recipe 12.10).

use std::thread;

use spindle_core::actor::Mailbox;
use spindle_core::exchange::{Exchange, Overflow};
use spindle_core::raw::ParkingRawMutex;

#[test]
fn exchange_delivers_every_message_to_an_actor() {
    let mailbox: Mailbox<ParkingRawMutex, u32, 4> = Mailbox::new();
    let addr = mailbox.addr();
    let ex: Exchange<ParkingRawMutex, u32, 2> = Exchange::new();
    let received = thread::scope(|s| {
        // The actor, on its own thread: keeps every message until closed.
        let actor = s.spawn(|| {
            mailbox
                .run_blocking((Vec::new(), |seen: &mut Vec<u32>, n| seen.push(n)))
                .0
        });
        let sub = ex.subscribe(&addr, Overflow::Wait).unwrap();
        for n in 0..100 {
            // More messages than the mailbox holds: `Wait` blocks until the actor catches up.
            let report = ex.send_blocking(n).unwrap();
            assert_eq!(report.delivered, 1);
        }
        let stats = sub.unsubscribe();
        assert_eq!((stats.delivered, stats.dropped, stats.refused), (100, 0, 0));
        addr.close();
        actor.join().unwrap()
    });
    assert_eq!(received, (0..100).collect::<Vec<_>>());
}
