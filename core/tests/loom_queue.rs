//! Loom models of the bounded MPMC `Queue` (`core/src/queue/bounded.rs`): the
//! Vyukov slot stamps, the close mark in `tail`, the waiter bits (in `tail` for
//! receivers, in `head` for senders) against the wait lists, the hand-off of a
//! cancelled waiter, and `task_done`/`join`.
//!
//! Run with `ci/loom.sh` (`RUSTFLAGS="--cfg loom"`). A lost wake-up shows up as a
//! loom deadlock; an item read before it was written (or twice) as a loom causality
//! error on the slot's `UnsafeCell`. The capacities are tiny (1 or 2) so the laps
//! wrap within a model.
#![cfg(loom)]

use core::future::Future;
use core::task::Poll;

use loom::future::block_on;
use loom::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use loom::sync::Arc;
use loom::thread;
use spindle_core::queue::{Queue, RecvError, SendError, TaskDoneError, TryRecvError, TrySendError};
use spindle_core::raw::LoomRawMutex;
use spindle_test_support::loom_model::model;

type Q<const N: usize> = Queue<LoomRawMutex, u32, N>;

/// Receives with `recv().await` until `Closed`, returning what came in order.
fn drain_until_closed<const N: usize>(q: &Q<N>) -> Vec<u32> {
    let mut got = Vec::new();
    loop {
        match block_on(q.recv()) {
            Ok(v) => got.push(v),
            Err(RecvError) => return got,
        }
    }
}

// ---------------------------------------------------------------------------------
// 1. send/recv racing a close
// ---------------------------------------------------------------------------------

/// A sender sends 1 then 2 with `send().await` while a closer closes and the main
/// thread receives until `Closed`. Every send that returned `Ok` is received exactly
/// once, in order; every send that failed got its own value back as `Closed`; once
/// one send fails, so does the next; nobody is stranded.
fn send_recv_with_close<const N: usize>() {
    model(|| {
        let q = Arc::new(Q::<N>::new());
        let sender = {
            let q = q.clone();
            thread::spawn(move || {
                [1u32, 2]
                    .into_iter()
                    .map(|v| (v, block_on(q.send(v))))
                    .collect::<Vec<_>>()
            })
        };
        let closer = {
            let q = q.clone();
            thread::spawn(move || assert!(q.close()))
        };
        let got = drain_until_closed(&q);
        let sent = sender.join().unwrap();
        closer.join().unwrap();

        let mut ok = Vec::new();
        let mut failed = false;
        for (v, r) in sent {
            match r {
                Ok(()) => {
                    assert!(!failed, "a send succeeded after an earlier one saw Closed");
                    ok.push(v);
                }
                Err(SendError(back)) => {
                    assert_eq!(back, v, "Closed must hand back the sender's own value");
                    failed = true;
                }
            }
        }
        assert_eq!(got, ok, "received != successfully sent");
        assert!(q.is_closed());
        assert_eq!(q.try_recv(), Err(TryRecvError::Closed));
        assert_eq!(q.len(), 0);
    });
}

#[test]
fn send_recv_with_close_cap2() {
    send_recv_with_close::<2>();
}

/// A sender blocked on a full queue (capacity 1) races a close while the main
/// thread drains. The sender either got in (after the main thread's first receive)
/// or got its value back; the main thread receives exactly what got in.
#[test]
fn blocked_sender_vs_close() {
    model(|| {
        let q = Arc::new(Q::<1>::new());
        q.try_send(0).unwrap();
        let sender = {
            let q = q.clone();
            thread::spawn(move || block_on(q.send(1)))
        };
        let closer = {
            let q = q.clone();
            thread::spawn(move || q.close())
        };
        let got = drain_until_closed(&q);
        let sent = sender.join().unwrap();
        assert!(closer.join().unwrap());
        match sent {
            Ok(()) => assert_eq!(got, [0, 1]),
            Err(SendError(1)) => assert_eq!(got, [0]),
            Err(e) => panic!("send().await gave {e:?}"),
        }
    });
}

/// A receiver blocked on an empty queue wakes with `Closed` when it closes.
#[test]
fn blocked_receiver_vs_close() {
    model(|| {
        let q = Arc::new(Q::<1>::new());
        let receiver = {
            let q = q.clone();
            thread::spawn(move || block_on(q.recv()))
        };
        assert!(q.close());
        assert_eq!(receiver.join().unwrap(), Err(RecvError));
        assert_eq!(q.try_send(5), Err(TrySendError::Closed(5)));
    });
}

// ---------------------------------------------------------------------------------
// 2. two senders racing for the last slot
// ---------------------------------------------------------------------------------

/// Capacity 1, empty, no receiver: exactly one of two `try_send`s wins, the loser
/// gets `Full` with its own value, and the queue holds the winner's value.
#[test]
fn two_senders_race_for_last_slot() {
    model(|| {
        let q = Arc::new(Q::<1>::new());
        let ts: Vec<_> = [1u32, 2]
            .into_iter()
            .map(|v| {
                let q = q.clone();
                thread::spawn(move || (v, q.try_send(v)))
            })
            .collect();
        let results: Vec<_> = ts.into_iter().map(|t| t.join().unwrap()).collect();
        let mut winner = None;
        for (v, r) in results {
            match r {
                Ok(()) => {
                    assert!(winner.is_none(), "both sends took the one slot");
                    winner = Some(v);
                }
                Err(TrySendError::Full(back)) => assert_eq!(back, v),
                Err(e) => panic!("try_send gave {e:?}"),
            }
        }
        let winner = winner.expect("neither send got the free slot");
        assert!(q.is_full());
        assert_eq!(q.try_recv(), Ok(winner));
        assert_eq!(q.try_recv(), Err(TryRecvError::Empty));
    });
}

/// Capacity 2 with one item queued, so the two senders race for the last slot
/// while the main thread `try_recv`s once. The main thread must get the queued 0
/// (the queue is never empty before it takes it); a sender fails only with `Full`
/// and its own value; both senders succeed only if the receive freed a slot in
/// between; and what is left in the queue is exactly the successful sends, in the
/// order their claims were made.
#[test]
fn two_senders_race_for_last_slot_with_receiver() {
    model(|| {
        let q = Arc::new(Q::<2>::new());
        q.try_send(0).unwrap();
        let ts: Vec<_> = [1u32, 2]
            .into_iter()
            .map(|v| {
                let q = q.clone();
                thread::spawn(move || (v, q.try_send(v)))
            })
            .collect();
        assert_eq!(q.try_recv(), Ok(0));
        let results: Vec<_> = ts.into_iter().map(|t| t.join().unwrap()).collect();
        let mut ok = Vec::new();
        for (v, r) in results {
            match r {
                Ok(()) => ok.push(v),
                Err(TrySendError::Full(back)) => assert_eq!(back, v),
                Err(e) => panic!("try_send gave {e:?}"),
            }
        }
        assert!(!ok.is_empty(), "neither send got the free slot");
        let mut left = Vec::new();
        while let Ok(v) = q.try_recv() {
            left.push(v);
        }
        assert_eq!(q.try_recv(), Err(TryRecvError::Empty));
        left.sort_unstable();
        assert_eq!(left, ok);
    });
}

// ---------------------------------------------------------------------------------
// 3. a waiter cancelled while it is being woken
// ---------------------------------------------------------------------------------

/// Polls `fut` once with a no-op waker (a later `block_on` supplies a real one):
/// queues a waiter deterministically, in program order.
fn poll_once<F: Future>(fut: core::pin::Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut core::task::Context::from_waker(
        std::task::Waker::noop(),
    ))
}

/// A waker that records that it was woken (all loom threads share one OS thread,
/// and the reader joins the waking thread first, so a std atomic suffices).
#[derive(Default)]
struct Flag(std::sync::atomic::AtomicBool);

impl std::task::Wake for Flag {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Flag {
    fn new() -> (std::sync::Arc<Flag>, std::task::Waker) {
        let flag = std::sync::Arc::new(Flag::default());
        (flag.clone(), flag.into())
    }

    fn woken(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Capacity 1, full. The main thread queues sender A (`send(10)`) and then sender
/// B (`send(20)`, with a waker that records wake-ups), each polled once, so A is
/// first in line. A receiver thread takes the queued 0, which hands the one wake-up
/// to A; concurrently the main thread polls A `extra_polls` more times and drops
/// it. If A held the hand-off when dropped, it must pass to B: once the receiver is
/// done (and, if A sent, once its 10 is taken), B must have been woken. (Checking
/// the wake-up, not just that B can finish: a re-polled sender tries to send
/// before it looks at its waiter, so a lost wake-up would not block a re-poll.)
fn cancelled_sender_passes_hand_off(extra_polls: usize) {
    model(move || {
        let q = Arc::new(Q::<1>::new());
        q.try_send(0).unwrap();
        let (flag, waker) = Flag::new();
        let mut a = Box::pin(q.send(10));
        let mut b = Box::pin(q.send(20));
        assert!(poll_once(a.as_mut()).is_pending());
        let mut b_cx = core::task::Context::from_waker(&waker);
        assert!(b.as_mut().poll(&mut b_cx).is_pending());
        let receiver = {
            let q = q.clone();
            thread::spawn(move || block_on(q.recv()))
        };
        let mut a_sent = false;
        for _ in 0..extra_polls {
            if let Poll::Ready(r) = poll_once(a.as_mut()) {
                r.unwrap();
                a_sent = true;
                break;
            }
        }
        drop(a);
        assert_eq!(receiver.join().unwrap(), Ok(0));
        if a_sent {
            // A took the free slot; make room for B (which wakes it).
            assert_eq!(q.try_recv(), Ok(10));
        }
        assert!(flag.woken(), "B was never woken: a lost hand-off");
        assert_eq!(b.as_mut().poll(&mut b_cx), Poll::Ready(Ok(())));
        assert_eq!(q.try_recv(), Ok(20));
        assert_eq!(q.try_recv(), Err(TryRecvError::Empty));
    });
}

#[test]
fn cancelled_sender_no_extra_poll() {
    cancelled_sender_passes_hand_off(0);
}

#[test]
fn cancelled_sender_after_one_extra_poll() {
    cancelled_sender_passes_hand_off(1);
}

/// The receive side of the same: capacity 1, empty. The main thread queues
/// receiver A and then receiver B (each polled once); a sender thread sends 10,
/// which hands the one wake-up to A; concurrently the main thread polls A
/// `extra_polls` more times and drops it. B must then have been woken, and get 10
/// (or 20, sent by the main thread if A took 10).
fn cancelled_receiver_passes_hand_off(extra_polls: usize) {
    model(move || {
        let q = Arc::new(Q::<1>::new());
        let (flag, waker) = Flag::new();
        let mut a = Box::pin(q.recv());
        let mut b = Box::pin(q.recv());
        assert!(poll_once(a.as_mut()).is_pending());
        let mut b_cx = core::task::Context::from_waker(&waker);
        assert!(b.as_mut().poll(&mut b_cx).is_pending());
        let sender = {
            let q = q.clone();
            thread::spawn(move || q.try_send(10).unwrap())
        };
        let mut a_got = None;
        for _ in 0..extra_polls {
            if let Poll::Ready(r) = poll_once(a.as_mut()) {
                a_got = Some(r.unwrap());
                break;
            }
        }
        drop(a);
        sender.join().unwrap();
        if a_got.is_some() {
            assert_eq!(a_got, Some(10));
            q.try_send(20).unwrap();
        }
        assert!(flag.woken(), "B was never woken: a lost hand-off");
        let want = if a_got.is_some() { 20 } else { 10 };
        assert_eq!(b.as_mut().poll(&mut b_cx), Poll::Ready(Ok(want)));
        assert_eq!(q.try_recv(), Err(TryRecvError::Empty));
    });
}

#[test]
fn cancelled_receiver_no_extra_poll() {
    cancelled_receiver_passes_hand_off(0);
}

#[test]
fn cancelled_receiver_after_one_extra_poll() {
    cancelled_receiver_passes_hand_off(1);
}

// ---------------------------------------------------------------------------------
// 4. task_done / join
// ---------------------------------------------------------------------------------

/// Two items are queued; a consumer receives each, counts it (relaxed) and calls
/// `task_done`. `join().await` on the main thread returns only after both, and the
/// count it then sees (relaxed) is 2: `join` synchronises with the `task_done`s.
#[test]
fn join_waits_for_both_task_dones() {
    model(|| {
        let q = Arc::new(Q::<2>::new());
        let processed = Arc::new(AtomicUsize::new(0));
        q.try_send(1).unwrap();
        q.try_send(2).unwrap();
        let consumer = {
            let (q, processed) = (q.clone(), processed.clone());
            thread::spawn(move || {
                for want in [1, 2] {
                    assert_eq!(block_on(q.recv()), Ok(want));
                    processed.fetch_add(1, Relaxed);
                    q.task_done().unwrap();
                }
                assert_eq!(q.task_done(), Err(TaskDoneError::NothingReceived));
            })
        };
        block_on(q.join());
        assert_eq!(
            processed.load(Relaxed),
            2,
            "join returned before both task_done"
        );
        assert_eq!(q.unfinished(), 0);
        consumer.join().unwrap();
    });
}

/// Two consumers each take one of two queued items and mark it done, while the
/// main thread joins: `join` returns only after both `task_done`s, and both
/// succeed (each consumer has an undone item of its own when it calls it).
#[test]
fn join_with_two_consumers() {
    model(|| {
        let q = Arc::new(Q::<2>::new());
        let processed = Arc::new(AtomicUsize::new(0));
        q.try_send(1).unwrap();
        q.try_send(2).unwrap();
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let (q, processed) = (q.clone(), processed.clone());
                thread::spawn(move || {
                    let v = q.try_recv().unwrap();
                    processed.fetch_add(1, Relaxed);
                    assert_eq!(q.task_done(), Ok(()), "task_done after receiving {v}");
                })
            })
            .collect();
        block_on(q.join());
        assert_eq!(
            processed.load(Relaxed),
            2,
            "join returned before both task_done"
        );
        for c in consumers {
            c.join().unwrap();
        }
        assert_eq!(q.unfinished(), 0);
    });
}

/// Two consumers each `try_recv` one of two queued items and mark it done. Each
/// has received an item that is not yet done when it calls `task_done`, so both
/// calls must succeed, whatever the other consumer did in between. (This catches a
/// `task_done` that reads `done` without `Acquire`: it can then see the other
/// consumer's `done` advance but a `head` older than that consumer's receive, and
/// wrongly report `NothingReceived`.)
#[test]
fn task_done_after_own_receive_succeeds() {
    model(|| {
        let q = Arc::new(Q::<2>::new());
        q.try_send(1).unwrap();
        q.try_send(2).unwrap();
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let q = q.clone();
                thread::spawn(move || {
                    let v = q.try_recv().unwrap();
                    (v, q.task_done())
                })
            })
            .collect();
        for t in ts {
            let (v, done) = t.join().unwrap();
            assert_eq!(done, Ok(()), "task_done after receiving {v} failed");
        }
        assert_eq!(q.unfinished(), 0);
    });
}

/// Racing `task_done`s: with one received item, exactly one of two `task_done`
/// calls succeeds.
#[test]
fn racing_task_done() {
    model(|| {
        let q = Arc::new(Q::<1>::new());
        q.try_send(1).unwrap();
        assert_eq!(q.try_recv(), Ok(1));
        let t = {
            let q = q.clone();
            thread::spawn(move || q.task_done().is_ok())
        };
        let mine = q.task_done().is_ok();
        let theirs = t.join().unwrap();
        assert!(
            mine ^ theirs,
            "task_done succeeded {} times",
            mine as u8 + theirs as u8
        );
        assert_eq!(q.unfinished(), 0);
        block_on(q.join());
    });
}

// ---------------------------------------------------------------------------------
// 5. no lost wake-ups
// ---------------------------------------------------------------------------------

/// A receiver blocked on an empty queue is woken by a send.
#[test]
fn blocked_receiver_woken_by_send() {
    model(|| {
        let q = Arc::new(Q::<1>::new());
        let receiver = {
            let q = q.clone();
            thread::spawn(move || block_on(q.recv()))
        };
        block_on(q.send(7)).unwrap();
        assert_eq!(receiver.join().unwrap(), Ok(7));
        assert!(q.is_empty());
    });
}

/// A sender blocked on a full queue is woken by a receive.
#[test]
fn blocked_sender_woken_by_recv() {
    model(|| {
        let q = Arc::new(Q::<1>::new());
        q.try_send(1).unwrap();
        let sender = {
            let q = q.clone();
            thread::spawn(move || block_on(q.send(2)))
        };
        assert_eq!(block_on(q.recv()), Ok(1));
        assert_eq!(block_on(q.recv()), Ok(2));
        assert_eq!(sender.join().unwrap(), Ok(()));
        assert!(q.is_empty());
    });
}

/// Two receivers wait on an empty queue (queued in order by the main thread); a
/// sender thread sends two items (capacity 2). Each receiver gets one: every
/// send's wake-up reaches a waiting receiver.
#[test]
fn two_waiting_receivers_two_sends() {
    model(|| {
        let q = Arc::new(Q::<2>::new());
        let mut r1 = Box::pin(q.recv());
        let mut r2 = Box::pin(q.recv());
        assert!(poll_once(r1.as_mut()).is_pending());
        assert!(poll_once(r2.as_mut()).is_pending());
        let sender = {
            let q = q.clone();
            thread::spawn(move || {
                q.try_send(1).unwrap();
                q.try_send(2).unwrap();
            })
        };
        let mut got = [block_on(r1).unwrap(), block_on(r2).unwrap()];
        sender.join().unwrap();
        got.sort_unstable();
        assert_eq!(got, [1, 2]);
    });
}

/// Two senders wait on a full queue (capacity 1, queued in order by the main
/// thread); a receiver thread receives three items. Every receive's wake-up
/// reaches a waiting sender.
#[test]
fn two_waiting_senders_three_recvs() {
    model(|| {
        let q = Arc::new(Q::<1>::new());
        q.try_send(0).unwrap();
        let mut s1 = Box::pin(q.send(1));
        let mut s2 = Box::pin(q.send(2));
        assert!(poll_once(s1.as_mut()).is_pending());
        assert!(poll_once(s2.as_mut()).is_pending());
        let receiver = {
            let q = q.clone();
            thread::spawn(move || {
                (0..3)
                    .map(|_| block_on(q.recv()).unwrap())
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(block_on(s1), Ok(()));
        assert_eq!(block_on(s2), Ok(()));
        assert_eq!(receiver.join().unwrap(), [0, 1, 2]);
    });
}

/// A receiver waits on an empty queue (capacity 2) while two senders race: its
/// waiter bit is set in `tail`, the very word the senders' compare-exchanges move,
/// and the sender that wakes it clears the bit while the other may be claiming.
/// Both items reach the receiver: no send misses the bit, and the clear does not
/// strand a second wait.
#[test]
fn waiting_receiver_vs_two_racing_senders() {
    model(|| {
        let q = Arc::new(Q::<2>::new());
        let receiver = {
            let q = q.clone();
            thread::spawn(move || {
                let a = block_on(q.recv()).unwrap();
                let b = block_on(q.recv()).unwrap();
                [a, b]
            })
        };
        let sender = {
            let q = q.clone();
            thread::spawn(move || q.try_send(2).unwrap())
        };
        q.try_send(1).unwrap();
        sender.join().unwrap();
        let mut got = receiver.join().unwrap();
        got.sort_unstable();
        assert_eq!(got, [1, 2]);
        assert!(q.is_empty());
    });
}

/// The send side of the same: capacity 1, full; a sender waits (queued by the main
/// thread, its bit in `head`) while two receiver threads' `try_recv`s race for the
/// queued item, so the receive that wakes the sender clears the bit while the other
/// may be claiming. The sender must have been woken (it then sends), and the
/// receivers and the main thread's final receives get both items exactly once.
#[test]
fn waiting_sender_vs_two_racing_receivers() {
    model(|| {
        let q = Arc::new(Q::<1>::new());
        q.try_send(0).unwrap();
        let mut s = Box::pin(q.send(1));
        assert!(poll_once(s.as_mut()).is_pending());
        let receivers: Vec<_> = (0..2)
            .map(|_| {
                let q = q.clone();
                thread::spawn(move || q.try_recv().ok())
            })
            .collect();
        let mut got: Vec<u32> = receivers
            .into_iter()
            .filter_map(|r| r.join().unwrap())
            .collect();
        assert_eq!(got.first(), Some(&0), "one receiver takes the queued item");
        assert_eq!(block_on(s), Ok(()));
        got.extend(q.try_recv().ok());
        assert_eq!(got, [0, 1]);
        assert!(q.is_empty());
    });
}
