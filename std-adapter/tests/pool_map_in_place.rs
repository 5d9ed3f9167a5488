//! map_slice and map_range: every result in place and in order, whatever the chunk
//! size; panics and shutdown are errors; no value is dropped twice or read unwritten.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use spindle_std::pool::{Shutdown, TaskError, ThreadPool};

#[test]
fn map_slice_keeps_input_order_for_any_chunk() {
    let pool = ThreadPool::new(3).unwrap();
    let input: Vec<u64> = (0..10_007).collect();
    for chunk in [0, 1, 7, 4096, 10_007, 50_000] {
        let out = pool
            .map_slice(&input, chunk, |&n| {
                if n % 1001 == 0 {
                    // Uneven work, so chunks finish out of order.
                    std::thread::sleep(Duration::from_micros(300));
                }
                n * 3 + 1
            })
            .unwrap();
        assert_eq!(
            out,
            input.iter().map(|n| n * 3 + 1).collect::<Vec<_>>(),
            "chunk {chunk}"
        );
    }
}

#[test]
fn map_range_starts_where_the_range_does() {
    let pool = ThreadPool::new(2).unwrap();
    let out = pool.map_range(5..20_005, 333, |i| i * 2).unwrap();
    assert_eq!(out.len(), 20_000);
    assert_eq!(out, (5..20_005).map(|i| i * 2).collect::<Vec<_>>());
}

#[test]
fn empty_inputs_give_empty_outputs() {
    let pool = ThreadPool::new(2).unwrap();
    assert_eq!(pool.map_slice(&[] as &[u8], 0, |&b| b), Ok(vec![]));
    assert_eq!(pool.map_range(7..7, 0, |i| i), Ok(vec![]));
}

#[test]
fn f_may_borrow_from_the_caller() {
    let pool = ThreadPool::new(2).unwrap();
    let names = vec!["ada".to_string(), "grace".into(), "edsger".into()];
    let greeting = String::from("hello ");
    let out = pool
        .map_slice(&names, 1, |n| format!("{greeting}{n}"))
        .unwrap();
    assert_eq!(out, ["hello ada", "hello grace", "hello edsger"]);
    drop((names, greeting)); // still the caller's
}

/// Counts live values: an unwritten slot read as a value, or a value dropped twice,
/// would show in the count (or crash).
struct Tracked(Arc<AtomicUsize>, usize);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[test]
fn every_value_is_dropped_exactly_once() {
    let pool = ThreadPool::new(3).unwrap();
    let live = Arc::new(AtomicUsize::new(0));
    let out = pool
        .map_range(0..5_000, 64, |i| {
            live.fetch_add(1, Ordering::SeqCst);
            Tracked(live.clone(), i)
        })
        .unwrap();
    assert_eq!(live.load(Ordering::SeqCst), 5_000);
    assert!(out.iter().enumerate().all(|(i, t)| t.1 == i));
    drop(out);
    assert_eq!(live.load(Ordering::SeqCst), 0);
}

#[test]
fn a_panic_is_the_first_error_in_input_order() {
    let pool = ThreadPool::new(3).unwrap();
    let input: Vec<u32> = (0..1_000).collect();
    let out = pool.map_slice(&input, 10, |&n| {
        if n == 950 {
            panic!("late {n}");
        }
        if n == 123 {
            // Fails after the later chunk has, so the order is the input's.
            std::thread::sleep(Duration::from_millis(20));
            panic!("early {n}");
        }
        n
    });
    assert_eq!(out, Err(TaskError::Panicked("early 123".into())));
    // The pool lives on.
    assert_eq!(pool.map_range(0..3, 0, |i| i), Ok(vec![0, 1, 2]));
}

#[test]
fn a_shut_down_pool_cancels_the_map() {
    let pool = ThreadPool::new(2).unwrap();
    pool.shutdown(Shutdown::wait());
    assert_eq!(pool.map_range(0..10, 0, |i| i), Err(TaskError::Cancelled));
}

#[test]
fn an_output_that_cannot_be_allocated_is_an_error_not_a_panic() {
    let pool = ThreadPool::new(2).unwrap();
    let ran = AtomicUsize::new(0);
    let huge = pool.map_range(0..usize::MAX / 2, 0, |i| {
        ran.fetch_add(1, Ordering::Relaxed);
        i as u64
    });
    assert_eq!(huge, Err(TaskError::OutputTooLarge(usize::MAX / 2)));
    assert_eq!(ran.load(Ordering::Relaxed), 0, "no task ran");
    assert!(TaskError::OutputTooLarge(3)
        .to_string()
        .contains("3 values"));
}
