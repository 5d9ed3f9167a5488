//! Pollable queues and events: the descriptor is readable exactly while there is
//! something to receive, through fill/drain/close sequences and across threads, on
//! both backends (eventfd and the socket pair).
#![cfg(unix)]

use std::os::fd::AsFd;
use std::sync::Arc;
use std::thread;

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use spindle_std::poll::{
    FdLevel, PollableEvent, PollablePriorityQueue, PollableQueue, PollableUnboundedQueue,
    RecvError, SendError,
};

/// Whether `source` is readable right now (a zero-timeout `poll(2)`).
fn readable(source: &impl AsFd) -> bool {
    let mut fds = [PollFd::new(source.as_fd(), PollFlags::POLLIN)];
    poll(&mut fds, PollTimeout::ZERO).expect("poll") == 1
}

/// Blocks until `source` is readable; a generous bound turns a lost wake-up into a
/// failure instead of a hang.
fn wait_readable(source: &impl AsFd) {
    let mut fds = [PollFd::new(source.as_fd(), PollFlags::POLLIN)];
    let n = poll(&mut fds, PollTimeout::from(20_000u16)).expect("poll");
    assert_eq!(n, 1, "descriptor never became readable (lost wake-up)");
}

fn levels() -> [FdLevel; 2] {
    [FdLevel::new().unwrap(), FdLevel::socket_pair().unwrap()]
}

#[test]
fn bounded_fill_drain_close() {
    for level in levels() {
        let q: PollableQueue<u32, 4> = PollableQueue::with_level(level);
        assert!(!readable(&q), "a new queue is not readable");
        for n in 0..4 {
            q.try_send(n).unwrap();
            assert!(readable(&q));
        }
        assert_eq!(q.try_send(9), Err(SendError::Full(9)));
        assert!(readable(&q));
        for n in 0..4 {
            assert!(readable(&q), "still {} queued", 4 - n);
            assert_eq!(q.try_recv(), Ok(n));
        }
        assert!(!readable(&q), "drained: not readable");
        assert_eq!(q.try_recv(), Err(RecvError::Empty));
        assert!(!readable(&q));
        // Refill, then close with items inside: readable until drained and after.
        q.send_blocking(10).unwrap();
        q.send_timeout(11, std::time::Duration::from_secs(1))
            .unwrap();
        assert!(q.close());
        assert!(!q.close(), "second close reports it was already closed");
        assert!(readable(&q));
        assert_eq!(q.recv_blocking(), Ok(10));
        assert_eq!(q.recv_timeout(std::time::Duration::from_secs(1)), Ok(11));
        assert!(readable(&q), "closed: readable for good");
        assert_eq!(q.try_recv(), Err(RecvError::Closed));
        assert_eq!(q.try_send(12), Err(SendError::Closed(12)));
        assert!(readable(&q));
    }
}

#[test]
fn priority_fill_drain_close() {
    for level in levels() {
        let q: PollablePriorityQueue<u8, char, 4> = PollablePriorityQueue::with_level(level);
        assert!(!readable(&q));
        q.try_send(1, 'a').unwrap();
        q.send_blocking(5, 'b').unwrap();
        assert!(readable(&q));
        assert_eq!(q.try_recv(), Ok((5, 'b')));
        assert!(readable(&q));
        assert_eq!(q.recv_blocking(), Ok((1, 'a')));
        assert!(!readable(&q));
        q.close();
        assert!(readable(&q));
        assert_eq!(q.try_recv(), Err(RecvError::Closed));
        assert!(readable(&q));
    }
}

#[test]
fn unbounded_fill_drain_close() {
    for level in levels() {
        let q: PollableUnboundedQueue<u64> = PollableUnboundedQueue::with_level(level);
        for n in 0..1000 {
            q.send(n).unwrap();
        }
        assert!(readable(&q));
        for n in 0..1000 {
            assert!(readable(&q));
            assert_eq!(q.try_recv(), Ok(n));
        }
        assert!(!readable(&q));
        q.close();
        assert!(readable(&q));
        assert_eq!(q.send(1), Err(SendError::Closed(1)));
        assert_eq!(q.try_recv(), Err(RecvError::Closed));
    }
}

#[test]
fn event_set_clear() {
    for level in levels() {
        let e = PollableEvent::with_level(level);
        assert!(!readable(&e));
        e.set();
        assert!(readable(&e));
        e.set();
        assert!(readable(&e), "setting twice keeps it readable");
        e.wait_blocking();
        e.clear();
        assert!(!readable(&e));
        e.clear();
        assert!(!readable(&e));
    }
}

#[test]
fn event_set_from_another_thread_wakes_a_poller() {
    let e = Arc::new(PollableEvent::new().unwrap());
    let setter = {
        let e = Arc::clone(&e);
        thread::spawn(move || e.set())
    };
    wait_readable(&*e);
    assert!(e.is_set());
    setter.join().unwrap();
}

/// Producers on four threads, one consumer that sleeps in `poll(2)` and drains:
/// every item arrives exactly once, and once everything is drained and every
/// producer has returned the descriptor is not readable.
#[test]
fn across_threads_every_item_once() {
    const PRODUCERS: u64 = 4;
    const PER: u64 = 2_000;
    for level in levels() {
        let q: Arc<PollableQueue<u64, 16>> = Arc::new(PollableQueue::with_level(level));
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let q = Arc::clone(&q);
                thread::spawn(move || {
                    for i in 0..PER {
                        q.send_blocking(p * PER + i).unwrap();
                    }
                })
            })
            .collect();
        let mut seen = vec![false; (PRODUCERS * PER) as usize];
        let mut got = 0;
        while got < PRODUCERS * PER {
            wait_readable(&*q);
            loop {
                match q.try_recv() {
                    Ok(v) => {
                        assert!(!seen[v as usize], "item {v} twice");
                        seen[v as usize] = true;
                        got += 1;
                    }
                    Err(RecvError::Empty) => break,
                    Err(e) => panic!("unexpected {e}"),
                }
            }
        }
        for p in producers {
            p.join().unwrap();
        }
        assert!(!readable(&*q), "drained after every producer returned");
        assert!(seen.iter().all(|s| *s));
    }
}

/// Two threads receive concurrently (blocking receives, not polling) while two
/// send: after all are done and the queue is empty, the descriptor is lowered.
#[test]
fn concurrent_receivers_leave_it_lowered() {
    const PER: u32 = 5_000;
    let q: Arc<PollableQueue<u32, 8>> = Arc::new(PollableQueue::new().unwrap());
    let senders: Vec<_> = (0..2)
        .map(|_| {
            let q = Arc::clone(&q);
            thread::spawn(move || (0..PER).for_each(|n| q.send_blocking(n).unwrap()))
        })
        .collect();
    let receivers: Vec<_> = (0..2)
        .map(|_| {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                (0..PER)
                    .map(|_| q.recv_blocking().unwrap() as u64)
                    .sum::<u64>()
            })
        })
        .collect();
    senders.into_iter().for_each(|s| s.join().unwrap());
    let total: u64 = receivers.into_iter().map(|r| r.join().unwrap()).sum();
    assert_eq!(total, 2 * (0..PER as u64).sum::<u64>());
    assert!(q.is_empty());
    assert!(!readable(&*q));
}
