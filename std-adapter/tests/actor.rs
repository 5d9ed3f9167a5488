//! Actors on threads (recipe 12.10): panics reported through join, restarts.

use std::sync::Arc;
use std::time::Duration;

use spindle_core::error::SendError;
use spindle_core::raw::ParkingRawMutex;
use spindle_std::actor::{spawn_actor, Actor, Mailbox, Restart, Supervisor};

type Inbox = Arc<Mailbox<ParkingRawMutex, u32, 4>>;

#[derive(Debug)]
struct Fragile {
    seen: Vec<u32>,
}

impl Actor<u32> for Fragile {
    fn handle(&mut self, n: u32) {
        if n == 13 {
            panic!("unlucky {n}");
        }
        self.seen.push(n);
    }
}

#[test]
fn panic_is_reported_through_join_and_closes_the_mailbox() {
    let inbox: Inbox = Arc::new(Mailbox::new());
    let h = spawn_actor("fragile", inbox.clone(), Fragile { seen: Vec::new() }).unwrap();
    inbox.addr().send_blocking(1).unwrap();
    inbox.addr().send_blocking(13).unwrap();
    let err = h.join().unwrap_err();
    assert_eq!(err.name, "fragile");
    assert_eq!(err.message, "unlucky 13");
    assert_eq!(err.restarts, 0);
    assert!(err.to_string().contains("unlucky 13"));
    assert_eq!(inbox.addr().send_blocking(2), Err(SendError(2)));
}

#[test]
fn supervisor_restarts_up_to_k_times_in_the_window() {
    let inbox: Inbox = Arc::new(Mailbox::new());
    let policy = Restart::OnPanic {
        max_restarts: 2,
        within: Duration::from_secs(60),
    };
    let h = Supervisor::new(policy)
        .spawn("fragile", inbox.clone(), || Fragile { seen: Vec::new() })
        .unwrap();
    for n in [1, 13, 2, 13, 3, 13, 4] {
        // The actor gives up at the third 13; later sends may find it closed.
        if inbox.addr().send_blocking(n).is_err() {
            break;
        }
    }
    let err = h.join().unwrap_err();
    assert_eq!(err.restarts, 2);
    assert!(inbox.is_closed());
}

#[test]
fn supervisor_restart_keeps_the_mailbox() {
    let inbox: Inbox = Arc::new(Mailbox::new());
    let policy = Restart::OnPanic {
        max_restarts: 1,
        within: Duration::from_secs(60),
    };
    let h = Supervisor::new(policy)
        .spawn("fragile", inbox.clone(), || Fragile { seen: Vec::new() })
        .unwrap();
    for n in [1, 13, 2, 3] {
        inbox.addr().send_blocking(n).unwrap();
    }
    inbox.close();
    let actor = h.join().unwrap();
    assert_eq!(actor.seen, [2, 3]); // rebuilt fresh after the panic
}
