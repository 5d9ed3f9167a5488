//! Loom models of the lock-based queues: PriorityQueue (full sender vs receiver,
//! send + close vs a draining receiver, join vs task_done, a cancelled receiver's
//! hand-off, two senders on a full queue) and UnboundedQueue (close, join).
#![cfg(loom)]
use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;
use spindle_core::queue::{PriorityQueue, RecvError, UnboundedQueue};
use spindle_core::raw::LoomRawMutex as L;
use spindle_test_support::loom_model::model_with_bound;
use spindle_test_support::poll_at_most;

#[test]
fn full_sender_and_receiver() {
    model_with_bound(3, || {
        let q: Arc<PriorityQueue<L, u8, u32, 1>> = Arc::new(PriorityQueue::new());
        let q2 = q.clone();
        let t = thread::spawn(move || {
            block_on(q2.send(1, 10)).unwrap();
            block_on(q2.send(5, 20)).unwrap();
        });
        let a = block_on(q.recv()).unwrap();
        let b = block_on(q.recv()).unwrap();
        assert_eq!((a, b), ((1, 10), (5, 20)));
        t.join().unwrap();
    });
}

#[test]
fn send_then_close_vs_draining_receiver() {
    model_with_bound(3, || {
        let q: Arc<PriorityQueue<L, u8, u32, 1>> = Arc::new(PriorityQueue::new());
        let q2 = q.clone();
        let t = thread::spawn(move || {
            block_on(q2.send(0, 1)).unwrap();
            q2.close();
        });
        let mut got = vec![];
        loop {
            match block_on(q.recv()) {
                Ok((_, v)) => got.push(v),
                Err(RecvError::Closed) => break,
                Err(e) => panic!("{e:?}"),
            }
        }
        assert_eq!(got, [1]);
        t.join().unwrap();
    });
}

#[test]
fn join_vs_task_done() {
    model_with_bound(3, || {
        let q: Arc<PriorityQueue<L, u8, u32, 1>> = Arc::new(PriorityQueue::new());
        q.try_send(0, 1).unwrap();
        let q2 = q.clone();
        let t = thread::spawn(move || {
            block_on(q2.recv()).unwrap();
            q2.task_done().unwrap();
        });
        block_on(q.join());
        assert_eq!(q.unfinished(), 0);
        t.join().unwrap();
    });
}

#[test]
fn cancelled_receiver_passes_hand_off() {
    model_with_bound(3, || {
        let q: Arc<PriorityQueue<L, u8, u32, 1>> = Arc::new(PriorityQueue::new());
        let q1 = q.clone();
        let q2 = q.clone();
        let quitter = thread::spawn(move || block_on(poll_at_most(q1.recv(), 1)));
        let stayer = thread::spawn(move || block_on(q2.recv()));
        q.try_send(0, 7).unwrap();
        let a = quitter.join().unwrap();
        if a.is_some() {
            q.try_send(0, 8).unwrap();
        }
        let b = stayer.join().unwrap().unwrap();
        match a {
            Some(x) => {
                let x = x.unwrap();
                assert!(x.1 == 7 && b.1 == 8 || x.1 == 8 && b.1 == 7);
            }
            None => assert_eq!(b.1, 7),
        }
    });
}

#[test]
fn two_senders_waiting_on_full() {
    model_with_bound(3, || {
        let q: Arc<PriorityQueue<L, u8, u32, 1>> = Arc::new(PriorityQueue::new());
        q.try_send(0, 0).unwrap();
        let q1 = q.clone();
        let q2 = q.clone();
        let s1 = thread::spawn(move || block_on(q1.send(1, 1)).unwrap());
        let s2 = thread::spawn(move || block_on(q2.send(2, 2)).unwrap());
        let mut got = vec![];
        for _ in 0..3 {
            got.push(block_on(q.recv()).unwrap().1);
        }
        got.sort();
        assert_eq!(got, [0, 1, 2]);
        s1.join().unwrap();
        s2.join().unwrap();
    });
}

#[test]
fn unbounded_send_close_vs_recv() {
    model_with_bound(3, || {
        let q: Arc<UnboundedQueue<L, u32>> = Arc::new(UnboundedQueue::new());
        let q2 = q.clone();
        let t = thread::spawn(move || {
            q2.send(1).unwrap();
            q2.send(2).unwrap();
            q2.close();
        });
        let mut got = vec![];
        while let Ok(v) = block_on(q.recv()) {
            got.push(v);
        }
        assert_eq!(got, [1, 2]);
        t.join().unwrap();
    });
}

#[test]
fn unbounded_join() {
    model_with_bound(3, || {
        let q: Arc<UnboundedQueue<L, u32>> = Arc::new(UnboundedQueue::new());
        let q2 = q.clone();
        let t = thread::spawn(move || {
            let _ = block_on(q2.recv()).unwrap();
            q2.task_done().unwrap();
        });
        q.send(1).unwrap();
        block_on(q.join());
        t.join().unwrap();
    });
}
