//! Actors on threads (recipe 12.10): panics reported through join, restarts.

use std::sync::Arc;
use std::time::Duration;

use spindle_core::error::SendError;
use spindle_std::actor::{spawn_actor, Actor, Mailbox, Restart, Supervisor};

type Inbox = Arc<Mailbox<u32, 4>>;

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
    assert_eq!(inbox.addr().send_blocking(2), Err(SendError::Closed(2)));
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

/// Threads, pool tasks and actors report a non-string panic with one text.
#[test]
fn a_non_string_panic_reads_the_same_from_an_actor_and_a_pool_task() {
    use spindle_std::panic::NON_STRING_PANIC;
    use spindle_std::pool::{TaskError, ThreadPool};

    let inbox: Inbox = Arc::new(Mailbox::new());
    let h = spawn_actor(
        "odd",
        inbox.clone(),
        ((), |_: &mut (), _n: u32| std::panic::panic_any(42u8)),
    )
    .unwrap();
    inbox.addr().send_blocking(1).unwrap();
    let Err(panicked) = h.join() else {
        panic!("the actor should have panicked");
    };
    let from_actor = panicked.message;

    let pool = ThreadPool::new(1).unwrap();
    let task = pool.submit(|| std::panic::panic_any(42u8)).unwrap();
    let Err(TaskError::Panicked(from_pool)) = task.result() else {
        panic!("the task should have panicked");
    };
    let thread = spindle_std::thread::spawn(|| std::panic::panic_any(42u8)).unwrap();
    let from_thread = format!("{}", thread.join().unwrap_err());

    assert_eq!(from_actor, NON_STRING_PANIC);
    assert_eq!(from_pool, NON_STRING_PANIC);
    assert!(from_thread.contains(NON_STRING_PANIC), "{from_thread}");
}

/// Request/response to a thread actor, many times over, with no slot to manage.
#[test]
fn thread_actor_answers_every_owned_ask() {
    use spindle_std::actor::Reply;
    let inbox: Arc<Mailbox<(u32, Reply<u32>), 2>> = Arc::new(Mailbox::new());
    let h = spawn_actor(
        "doubler",
        inbox.clone(),
        ((), |_: &mut (), (n, r): (u32, Reply<u32>)| {
            let _ = r.send(n * 2);
        }),
    )
    .unwrap();
    for n in 0..100 {
        let p = inbox.addr().ask_owned_blocking(|r| (n, r)).unwrap();
        assert_eq!(p.get_blocking(), Ok(n * 2));
    }
    inbox.close();
    // A closed actor gives the request back, its reply dropped: the promise is never made.
    assert!(matches!(
        inbox.addr().ask_owned_blocking(|r| (1, r)),
        Err(SendError::Closed((1, _)))
    ));
    assert!(h.join().is_ok());
}
