//! Loom models of the counting and signalling primitives: `Semaphore`,
//! `BoundedSemaphore`, `Event`, `Oneshot`, `Notify` and `WaitGroup`.
//!
//! Run with `ci/loom.sh` (`RUSTFLAGS="--cfg loom"`). A lost wake-up shows up as a
//! loom deadlock; a leaked value (e.g. a `Oneshot` that forgets to drop its value)
//! as a loom leak report, since the values are `loom::sync::Arc`s.
#![cfg(loom)]

use core::future::{poll_fn, Future};
use core::pin::pin;

use loom::future::block_on;
use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;
use spindle_core::raw::LoomRawMutex;
use spindle_core::sync::{
    BoundedSemaphore, Event, Notify, Oneshot, RecvError, ReleaseError, Semaphore, SendError,
    WaitGroup,
};
use spindle_test_support::loom_model::model;
use spindle_test_support::poll_at_most;

type Raw = LoomRawMutex;

/// Drives `fut`, adding one to `queued` once its first poll returned `Pending` (i.e.
/// once it has joined the wait list).
async fn count_when_queued<F: Future>(fut: F, queued: &AtomicUsize) -> F::Output {
    let mut fut = pin!(fut);
    let mut counted = false;
    poll_fn(move |cx| {
        let r = fut.as_mut().poll(cx);
        if r.is_pending() && !counted {
            counted = true;
            queued.fetch_add(1, SeqCst);
        }
        r
    })
    .await
}

fn spin_until(queued: &AtomicUsize, n: usize) {
    while queued.load(SeqCst) < n {
        thread::yield_now();
    }
}

// ---------------------------------------------------------------------------------
// Semaphore

/// Two permits, three threads acquiring with `acquire().await` and releasing by
/// drop: at most two hold a permit at once, everybody finishes, and both permits
/// are back at the end.
#[test]
fn semaphore_two_permits_three_threads() {
    model(|| {
        let sem = Arc::new(Semaphore::<Raw>::new(2));
        let holders = Arc::new(AtomicUsize::new(0));
        let work = |sem: &Semaphore<Raw>, holders: &AtomicUsize| {
            let permit = block_on(sem.acquire()).unwrap();
            let before = holders.fetch_add(1, SeqCst);
            assert!(before < 2, "{} holders at once", before + 1);
            holders.fetch_sub(1, SeqCst);
            drop(permit);
        };
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let (sem, holders) = (sem.clone(), holders.clone());
                thread::spawn(move || work(&sem, &holders))
            })
            .collect();
        work(&sem, &holders);
        for t in ts {
            t.join().unwrap();
        }
        assert_eq!(sem.available_permits(), 2);
    });
}

/// One permit, held by the main thread. Thread B's `acquire()` future is polled once
/// and dropped at any point; thread C waits with `acquire().await`. When the main
/// thread gives the permit back C must get it, even if B held the hand-off.
#[test]
fn semaphore_dropped_acquire_passes_hand_off() {
    model(|| {
        let sem = Arc::new(Semaphore::<Raw>::new(1));
        let held = sem.try_acquire().unwrap();
        let quitter = {
            let sem = sem.clone();
            thread::spawn(move || drop(block_on(poll_at_most(sem.acquire(), 1))))
        };
        let waiter = {
            let sem = sem.clone();
            thread::spawn(move || drop(block_on(sem.acquire()).unwrap()))
        };
        drop(held);
        quitter.join().unwrap();
        waiter.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
    });
}

/// `add_permits` from another thread wakes a waiter of a semaphore that starts empty.
#[test]
fn semaphore_add_permits_wakes() {
    model(|| {
        let sem = Arc::new(Semaphore::<Raw>::new(0));
        let t = {
            let sem = sem.clone();
            thread::spawn(move || sem.add_permits(1).unwrap())
        };
        block_on(sem.acquire()).unwrap().forget();
        t.join().unwrap();
        assert_eq!(sem.available_permits(), 0);
    });
}

/// `add_permits(2)` wakes both of two waiters of an empty semaphore (`wake_n`).
#[test]
fn semaphore_add_two_permits_wakes_two() {
    model(|| {
        let sem = Arc::new(Semaphore::<Raw>::new(0));
        let other = {
            let sem = sem.clone();
            thread::spawn(move || block_on(sem.acquire()).unwrap().forget())
        };
        let adder = {
            let sem = sem.clone();
            thread::spawn(move || sem.add_permits(2).unwrap())
        };
        block_on(sem.acquire()).unwrap().forget();
        other.join().unwrap();
        adder.join().unwrap();
        assert_eq!(sem.available_permits(), 0);
    });
}

/// `close` races a waiter that is about to queue and a permit being added: the
/// waiter ends either with the permit (it came first) or with `Closed`, never
/// hangs (a lost wake-up would be a loom deadlock), and a later acquire is
/// refused.
#[test]
fn semaphore_close_wakes_waiter() {
    model(|| {
        let sem = Arc::new(Semaphore::<Raw>::new(0));
        let waiter = {
            let sem = sem.clone();
            thread::spawn(move || block_on(sem.acquire()).map(|p| p.forget()).is_ok())
        };
        let adder = {
            let sem = sem.clone();
            thread::spawn(move || sem.add_permits(1).unwrap())
        };
        assert!(sem.close());
        let _got = waiter.join().unwrap();
        adder.join().unwrap();
        assert!(block_on(sem.acquire()).is_err());
    });
}

/// A guard's permit and a forgotten one on a bounded semaphore of two, with a
/// `release` racing the guard's drop: `release` succeeds exactly once (for the
/// forgotten permit), and the count ends at its maximum, never past it.
#[test]
fn bounded_semaphore_release_counts_only_forgotten_permits() {
    model(|| {
        let sem = Arc::new(BoundedSemaphore::<Raw>::new(2));
        sem.try_acquire().unwrap().forget();
        let releaser = {
            let sem = sem.clone();
            thread::spawn(move || (sem.release(), sem.release()))
        };
        let guard = sem.try_acquire().unwrap();
        drop(guard);
        let (first, second) = releaser.join().unwrap();
        assert_eq!(first, Ok(()));
        assert_eq!(second, Err(ReleaseError::OverRelease { max: 2 }));
        assert_eq!(sem.available_permits(), 2);
    });
}

/// A bounded semaphore of one: the main thread takes the permit (and forgets it); a
/// waiter thread acquires (and forgets) once the permit is released by another
/// thread. Two releases race with that: exactly as many succeed as there are
/// permits taken, the others report `OverRelease`, and the count never passes 1.
#[test]
fn bounded_semaphore_over_release() {
    model(|| {
        let sem = Arc::new(BoundedSemaphore::<Raw>::new(1));
        sem.try_acquire().unwrap().forget();
        let waiter = {
            let sem = sem.clone();
            thread::spawn(move || block_on(sem.acquire()).unwrap().forget())
        };
        let releaser = {
            let sem = sem.clone();
            thread::spawn(move || sem.release())
        };
        let mine = sem.release();
        let theirs = releaser.join().unwrap();
        waiter.join().unwrap();
        // Two permits were taken (main, waiter), two releases: the waiter's acquire
        // needs one of them, so at least one succeeds; when the second runs while
        // the count is already 1, it is refused.
        let ok = [mine, theirs].iter().filter(|r| r.is_ok()).count();
        for r in [mine, theirs] {
            if let Err(e) = r {
                assert_eq!(e, ReleaseError::OverRelease { max: 1 });
            }
        }
        assert!(ok >= 1);
        assert_eq!(sem.available_permits(), ok - 1);
        assert!(sem.available_permits() <= 1);
        // The count is at its maximum or one below; releasing past it fails.
        if sem.available_permits() == 0 {
            assert_eq!(sem.release(), Ok(()));
        }
        assert_eq!(sem.release(), Err(ReleaseError::OverRelease { max: 1 }));
        assert_eq!(sem.available_permits(), 1);
    });
}

// ---------------------------------------------------------------------------------
// Event

/// `set` from one thread while two others `wait().await`: both waiters finish.
#[test]
fn event_set_wakes_all_waiters() {
    model(|| {
        let ev = Arc::new(Event::<Raw>::new());
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let ev = ev.clone();
                thread::spawn(move || block_on(ev.wait()))
            })
            .collect();
        ev.set();
        for t in waiters {
            t.join().unwrap();
        }
        assert!(ev.is_set());
    });
}

/// A waiter queued before `set` returns even though `clear` follows at once (as
/// Python's `Event` does).
#[test]
fn event_set_then_clear_still_wakes_queued_waiter() {
    model(|| {
        let ev = Arc::new(Event::<Raw>::new());
        let queued = Arc::new(AtomicUsize::new(0));
        let setter = {
            let (ev, queued) = (ev.clone(), queued.clone());
            thread::spawn(move || {
                spin_until(&queued, 1);
                ev.set();
                ev.clear();
            })
        };
        block_on(count_when_queued(ev.wait(), &queued));
        setter.join().unwrap();
        assert!(!ev.is_set());
    });
}

/// A free race of `wait` against `set; clear; set` and a second thread's `clear`:
/// the waiter finishes (the last `set` happens after everything the waiter could
/// miss), and no wake-up is lost along the way.
#[test]
fn event_set_clear_race() {
    model(|| {
        let ev = Arc::new(Event::<Raw>::new());
        let setter = {
            let ev = ev.clone();
            thread::spawn(move || {
                ev.set();
                ev.clear();
                ev.set();
            })
        };
        let waiter = {
            let ev = ev.clone();
            thread::spawn(move || block_on(ev.wait()))
        };
        block_on(ev.wait());
        setter.join().unwrap();
        waiter.join().unwrap();
        assert!(ev.is_set());
    });
}

// ---------------------------------------------------------------------------------
// Oneshot

/// `send` on one thread, `recv().await` on another: the value arrives.
#[test]
fn oneshot_send_recv() {
    model(|| {
        let slot = Arc::new(Oneshot::<Raw, Arc<usize>>::new());
        let t = {
            let slot = slot.clone();
            thread::spawn(move || slot.send(Arc::new(42)).unwrap())
        };
        let v = block_on(slot.recv()).unwrap();
        assert_eq!(*v, 42);
        t.join().unwrap();
        assert!(slot.is_closed());
        assert_eq!(slot.try_recv().err(), Some(RecvError::Closed));
    });
}

/// `close` races `send` while a receiver waits: either the send wins (close says
/// `false`, the receiver gets the value) or the close does (the sender gets its value
/// back in `SendError::Closed`, the receiver gets `Closed`). Values are
/// `loom::sync::Arc`s, so a value lost or leaked on either path is reported.
#[test]
fn oneshot_close_races_send() {
    model(|| {
        let slot = Arc::new(Oneshot::<Raw, Arc<usize>>::new());
        let sender = {
            let slot = slot.clone();
            thread::spawn(move || match slot.send(Arc::new(7)) {
                Ok(()) => true,
                Err(SendError::Closed(v)) => {
                    assert_eq!(*v, 7);
                    false
                }
                Err(e) => panic!("unexpected {e:?}"),
            })
        };
        let closer = {
            let slot = slot.clone();
            thread::spawn(move || slot.close())
        };
        let got = block_on(slot.recv());
        let sent = sender.join().unwrap();
        let closed = closer.join().unwrap();
        assert_ne!(sent, closed, "exactly one of send and close wins");
        match got {
            Ok(v) => {
                assert!(sent);
                assert_eq!(*v, 7);
            }
            Err(e) => {
                assert!(closed);
                assert_eq!(e, RecvError::Closed);
            }
        }
    });
}

/// Two senders race: one wins, the other gets its own value back in `Full`; a value
/// nobody receives is dropped with the slot (no leak).
#[test]
fn oneshot_two_senders() {
    model(|| {
        let slot = Arc::new(Oneshot::<Raw, Arc<usize>>::new());
        let other = {
            let slot = slot.clone();
            thread::spawn(move || slot.send(Arc::new(2)).map_err(|e| e.into_inner()))
        };
        let mine = slot.send(Arc::new(1)).map_err(|e| e.into_inner());
        let theirs = other.join().unwrap();
        match (mine, theirs) {
            (Ok(()), Err(v)) => assert_eq!(*v, 2),
            (Err(v), Ok(())) => assert_eq!(*v, 1),
            _ => panic!("exactly one send must win"),
        }
        assert!(slot.is_full());
        // Leave the value in the slot: dropping the slot must drop it.
    });
}

/// Two askers claim one fresh slot while a third context answers it: exactly one
/// claim wins if it came before the answer, none after, and the answer is
/// received intact (the claim bit never disturbs the stage word).
#[test]
fn oneshot_claim_races_claim_and_send() {
    model(|| {
        let slot = Arc::new(Oneshot::<Raw, Arc<usize>>::new());
        let claimer = {
            let slot = slot.clone();
            thread::spawn(move || slot.claim())
        };
        let sender = {
            let slot = slot.clone();
            thread::spawn(move || slot.send(Arc::new(5)).is_ok())
        };
        let mine = slot.claim();
        let theirs = claimer.join().unwrap();
        assert!(sender.join().unwrap(), "the send finds the slot empty");
        assert!(!(mine && theirs), "at most one claim wins");
        assert!(!slot.claim(), "a full slot cannot be claimed");
        assert_eq!(*block_on(slot.recv()).unwrap(), 5);
        assert!(!slot.claim(), "a spent slot cannot be claimed");
    });
}

// ---------------------------------------------------------------------------------
// Notify

/// `notify_one` races a waiter registering: the notification is delivered either
/// as a wake-up or as the stored permit, never lost.
#[test]
fn notify_one_vs_register() {
    model(|| {
        let n = Arc::new(Notify::<Raw>::new());
        let t = {
            let n = n.clone();
            thread::spawn(move || n.notify_one())
        };
        block_on(n.notified());
        t.join().unwrap();
    });
}

/// Two waiters and one `notify_one`. Waiter B's `notified()` future is polled once
/// and then dropped at any point; if it completed it "used" the notification and
/// notifies again by hand. Waiter A must finish: a hand-off B received and dropped
/// is forwarded, to A or as the stored permit.
#[test]
fn notify_one_dropped_waiter_forwards() {
    model(|| {
        let n = Arc::new(Notify::<Raw>::new());
        let quitter = {
            let n = n.clone();
            thread::spawn(move || {
                if block_on(poll_at_most(n.notified(), 1)).is_some() {
                    n.notify_one();
                }
            })
        };
        let notifier = {
            let n = n.clone();
            thread::spawn(move || n.notify_one())
        };
        block_on(n.notified());
        quitter.join().unwrap();
        notifier.join().unwrap();
    });
}

/// `notify_all` wakes both of two queued waiters, and stores no permit.
#[test]
fn notify_all_wakes_queued_waiters() {
    model(|| {
        let n = Arc::new(Notify::<Raw>::new());
        let queued = Arc::new(AtomicUsize::new(0));
        let other = {
            let (n, queued) = (n.clone(), queued.clone());
            thread::spawn(move || block_on(count_when_queued(n.notified(), &queued)))
        };
        let notifier = {
            let (n, queued) = (n.clone(), queued.clone());
            thread::spawn(move || {
                spin_until(&queued, 2);
                n.notify_all();
            })
        };
        block_on(count_when_queued(n.notified(), &queued));
        other.join().unwrap();
        notifier.join().unwrap();
    });
}

// ---------------------------------------------------------------------------------
// WaitGroup

/// `add(2)`, two threads call `done()`, a waiter `wait().await`s: it finishes, and
/// the count is zero.
#[test]
fn wait_group_two_done() {
    model(|| {
        let wg = Arc::new(WaitGroup::<Raw>::new());
        wg.add(2).unwrap();
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let wg = wg.clone();
                thread::spawn(move || wg.done().unwrap())
            })
            .collect();
        block_on(wg.wait());
        assert_eq!(wg.count(), 0);
        for t in ts {
            t.join().unwrap();
        }
        assert!(wg.done().is_err(), "a third done underflows");
    });
}

/// A cell the model shares between threads; loom checks every access for races.
struct Shared(loom::cell::UnsafeCell<usize>);
// SAFETY: accesses are ordered by the primitive under test, which loom checks.
unsafe impl Sync for Shared {}

/// Work is done on another thread, with the result published before `done`: the
/// waiter sees it once `wait` returns (`done`/`wait` order memory).
#[test]
fn wait_group_orders_memory() {
    model(|| {
        let wg = Arc::new(WaitGroup::<Raw>::new());
        let result = Arc::new(Shared(loom::cell::UnsafeCell::new(0usize)));
        wg.add(1).unwrap();
        let t = {
            let (wg, result) = (wg.clone(), result.clone());
            thread::spawn(move || {
                // SAFETY: the only write, made before `done()`; the main thread reads only
                // after `wait()` returns, which the wait group orders after it (loom checks
                // that it does).
                result.0.with_mut(|r| unsafe { *r = 5 });
                wg.done().unwrap();
            })
        };
        block_on(wg.wait());
        // SAFETY: `wait()` has returned, so the writer's `done()` (and its write before it)
        // happens-before this read.
        assert_eq!(result.0.with(|r| unsafe { *r }), 5);
        t.join().unwrap();
    });
}
