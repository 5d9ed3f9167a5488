//! Model-based property tests of the bounded `Queue`: random sequences of
//! single-threaded operations, checked step by step against a `VecDeque` model
//! with a closed flag and a count of received-but-not-done items.
//!
//! This pins down the sequential semantics (FIFO order, `Full`/`Empty`/`Closed`
//! with the value handed back, close-then-drain, `task_done` accounting and
//! `unfinished`, the `len`/`is_empty`/`is_full` snapshots) across many laps of the
//! position encoding, for several capacities and through the capacity-erased
//! `QueueRef`, for both rings: the atomic `SharedRing` (`SpinRawMutex`) and the
//! single-context `LocalRing` of plain cells (`NoopRawMutex`), which must behave
//! identically. The concurrent protocols are covered by `loom_queue.rs` and the
//! stress tests.

use std::collections::VecDeque;

use proptest::prelude::*;
use spindle_core::queue::{Queue, QueueRef, QueueStore, TaskDoneError, TryRecvError, TrySendError};
use spindle_core::raw::{ConstInit, NoopRawMutex as L, SpinRawMutex as S};

#[derive(Clone, Debug)]
enum Op {
    TrySend(u32),
    TryRecv,
    Close,
    TaskDone,
    Len,
    IsEmpty,
    IsFull,
}

/// Sends and receives dominate, so the queue fills, drains and wraps around many
/// laps; `close` is rare, so most runs spend a while open before closing.
fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => any::<u32>().prop_map(Op::TrySend),
        8 => Just(Op::TryRecv),
        1 => Just(Op::Close),
        4 => Just(Op::TaskDone),
        1 => Just(Op::Len),
        1 => Just(Op::IsEmpty),
        1 => Just(Op::IsFull),
    ]
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(), 0..200)
}

/// The reference model.
#[derive(Debug, Default)]
struct Model {
    items: VecDeque<u32>,
    closed: bool,
    sent: usize,
    done: usize,
    /// Received and not yet marked done.
    pending: usize,
}

/// Runs `ops` against `q` (empty, of capacity `cap`) and the model, checking every
/// result and the queue's observable state after every step.
fn check<R: QueueStore>(q: &QueueRef<R, u32>, cap: usize, ops: &[Op]) -> Result<(), TestCaseError> {
    prop_assert_eq!(q.capacity(), cap);
    let mut m = Model::default();
    for (step, op) in ops.iter().enumerate() {
        match *op {
            Op::TrySend(x) => {
                let got = q.try_send(x);
                if m.closed {
                    prop_assert_eq!(got, Err(TrySendError::Closed(x)), "step {}: {:?}", step, op);
                } else if m.items.len() == cap {
                    prop_assert_eq!(got, Err(TrySendError::Full(x)), "step {}: {:?}", step, op);
                } else {
                    prop_assert_eq!(got, Ok(()), "step {}: {:?}", step, op);
                    m.items.push_back(x);
                    m.sent += 1;
                }
            }
            Op::TryRecv => {
                let got = q.try_recv();
                match m.items.pop_front() {
                    Some(x) => {
                        prop_assert_eq!(got, Ok(x), "step {}: {:?}", step, op);
                        m.pending += 1;
                    }
                    None if m.closed => {
                        prop_assert_eq!(got, Err(TryRecvError::Closed), "step {}", step)
                    }
                    None => prop_assert_eq!(got, Err(TryRecvError::Empty), "step {}", step),
                }
            }
            Op::Close => {
                prop_assert_eq!(q.close(), !m.closed, "step {}: close", step);
                m.closed = true;
            }
            Op::TaskDone => {
                let got = q.task_done();
                if m.pending == 0 {
                    prop_assert_eq!(got, Err(TaskDoneError::NothingReceived), "step {}", step);
                } else {
                    prop_assert_eq!(got, Ok(()), "step {}: task_done", step);
                    m.pending -= 1;
                    m.done += 1;
                }
            }
            Op::Len => prop_assert_eq!(q.len(), m.items.len(), "step {}: len", step),
            Op::IsEmpty => prop_assert_eq!(q.is_empty(), m.items.is_empty(), "step {}", step),
            Op::IsFull => prop_assert_eq!(q.is_full(), m.items.len() == cap, "step {}", step),
        }
        // The state every step must leave, whatever the operation was.
        prop_assert_eq!(q.len(), m.items.len(), "step {}: len after {:?}", step, op);
        prop_assert_eq!(q.is_closed(), m.closed, "step {}: is_closed", step);
        prop_assert_eq!(q.unfinished(), m.sent - m.done, "step {}: unfinished", step);
        prop_assert_eq!(m.sent - m.done, m.items.len() + m.pending);
    }
    // Close and drain: everything still queued comes out in order, then `Closed`.
    q.close();
    for &x in &m.items {
        prop_assert_eq!(q.try_recv(), Ok(x));
    }
    prop_assert_eq!(q.try_recv(), Err(TryRecvError::Closed));
    prop_assert!(q.is_empty());
    // Mark everything done: `unfinished` reaches 0, and one more `task_done` fails.
    let outstanding = m.sent - m.done;
    for _ in 0..outstanding {
        prop_assert_eq!(q.task_done(), Ok(()));
    }
    prop_assert_eq!(q.unfinished(), 0);
    prop_assert_eq!(q.task_done(), Err(TaskDoneError::NothingReceived));
    Ok(())
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

/// `check` on a fresh `Queue<R, u32, N>`.
fn check_capacity<R: QueueStore + ConstInit, const N: usize>(
    ops: &[Op],
) -> Result<(), TestCaseError> {
    let q: Queue<R, u32, N> = Queue::new();
    check(&q, N, ops)
}

/// `check` through the capacity-erased view: `&Queue<R, T, N>` coerces to
/// `&QueueRef<R, T>`, and one function serves every capacity.
fn check_through_queue_ref<R: QueueStore + ConstInit>(
    ops: &[Op],
    which: usize,
) -> Result<(), TestCaseError> {
    let (q1, q2, q8): (Queue<R, u32, 1>, Queue<R, u32, 2>, Queue<R, u32, 8>) =
        (Queue::new(), Queue::new(), Queue::new());
    let (q, cap): (&QueueRef<R, u32>, usize) = match which {
        0 => (&q1, 1),
        1 => (&q2, 2),
        _ => (&q8, 8),
    };
    check(q, cap, ops)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn matches_model_capacity_4(ops in ops()) {
        check_capacity::<S, 4>(&ops)?;
    }

    #[test]
    fn matches_model_capacity_1(ops in ops()) {
        check_capacity::<S, 1>(&ops)?;
    }

    #[test]
    fn matches_model_capacity_7(ops in ops()) {
        check_capacity::<S, 7>(&ops)?;
    }

    #[test]
    fn matches_model_through_queue_ref(ops in ops(), which in 0usize..3) {
        check_through_queue_ref::<S>(&ops, which)?;
    }

    #[test]
    fn local_ring_matches_model_capacity_4(ops in ops()) {
        check_capacity::<L, 4>(&ops)?;
    }

    #[test]
    fn local_ring_matches_model_capacity_1(ops in ops()) {
        check_capacity::<L, 1>(&ops)?;
    }

    #[test]
    fn local_ring_matches_model_capacity_7(ops in ops()) {
        check_capacity::<L, 7>(&ops)?;
    }

    #[test]
    fn local_ring_matches_model_through_queue_ref(ops in ops(), which in 0usize..3) {
        check_through_queue_ref::<L>(&ops, which)?;
    }
}

/// Many laps with no close: the positions wrap around far more often than 200
/// random operations reach, for capacities that are and are not a power of two.
/// Every received item is marked done, so `unfinished` tracks the queue's length.
#[test]
fn long_run_many_laps() {
    fn run<R: QueueStore>(q: &QueueRef<R, u32>, cap: usize) {
        let mut m = VecDeque::new();
        let mut next = 0u32;
        // A fixed pseudo-random walk (xorshift), so the run is reproducible.
        let mut rng = 0x2545_f491_u32;
        for _ in 0..200_000 {
            rng ^= rng << 13;
            rng ^= rng >> 17;
            rng ^= rng << 5;
            if rng % 2 == 0 {
                let r = q.try_send(next);
                if m.len() == cap {
                    assert_eq!(r, Err(TrySendError::Full(next)));
                } else {
                    assert_eq!(r, Ok(()));
                    m.push_back(next);
                    next = next.wrapping_add(1);
                }
            } else {
                match m.pop_front() {
                    Some(x) => {
                        assert_eq!(q.try_recv(), Ok(x));
                        assert_eq!(q.task_done(), Ok(()));
                    }
                    None => assert_eq!(q.try_recv(), Err(TryRecvError::Empty)),
                }
            }
            assert_eq!(q.len(), m.len());
            assert_eq!(q.unfinished(), m.len());
        }
        assert!(next > 50_000, "too few items went through: {next}");
    }
    run(&Queue::<S, u32, 3>::new(), 3);
    run(&Queue::<S, u32, 4>::new(), 4);
    run(&Queue::<L, u32, 3>::new(), 3);
    run(&Queue::<L, u32, 4>::new(), 4);
}
