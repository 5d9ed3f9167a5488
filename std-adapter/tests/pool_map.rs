//! map (order, laziness, panics), as_completed and wait.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use spindle_std::pool::{as_completed, wait, ReturnWhen, Shutdown, TaskError, ThreadPool};
use spindle_std::sync::Event;

const PATIENCE: Duration = Duration::from_secs(20);

#[test]
fn map_keeps_input_order() {
    let pool = ThreadPool::new(4).unwrap();
    for chunk in [1, 3, 64, 10_000] {
        let out: Vec<u64> = pool
            .map(
                |n: u64| {
                    if n % 97 == 0 {
                        std::thread::sleep(Duration::from_micros(200));
                    }
                    n * 3
                },
                0..2_000u64,
            )
            .chunk_size(chunk)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(out, (0..2_000u64).map(|n| n * 3).collect::<Vec<_>>());
    }
}

#[test]
fn map_is_lazy_and_bounded() {
    let pool = ThreadPool::new(2).unwrap();
    let pulled = Rc::new(Cell::new(0usize));
    let p = pulled.clone();
    let input = (0..1_000_000u32).inspect(move |_| p.set(p.get() + 1));
    let mut it = pool.map(|x: u32| x, input).chunk_size(10).window(3);
    assert_eq!(pulled.get(), 0, "nothing is read before next()");
    assert_eq!(it.next(), Some(Ok(0)));
    assert!(pulled.get() <= 40, "read {} items", pulled.get());
    assert_eq!(it.nth(98), Some(Ok(99)));
    assert!(pulled.get() <= 140, "read {} items", pulled.get());
}

#[test]
fn map_reports_each_panicking_item_and_goes_on() {
    let pool = ThreadPool::new(2).unwrap();
    for chunk in [1, 4, 100] {
        let out: Vec<_> = pool
            .map(
                |n: u32| {
                    if n % 10 == 3 {
                        panic!("item {n}");
                    }
                    n
                },
                0..50,
            )
            .chunk_size(chunk)
            .collect();
        assert_eq!(out.len(), 50);
        for (n, r) in out.into_iter().enumerate() {
            if n % 10 == 3 {
                assert_eq!(r, Err(TaskError::Panicked(format!("item {n}"))));
            } else {
                assert_eq!(r, Ok(n as u32));
            }
        }
    }
}

#[test]
fn map_on_a_shut_down_pool_yields_cancelled() {
    let pool = ThreadPool::new(1).unwrap();
    pool.shutdown(Shutdown::wait());
    let out: Vec<_> = pool.map(|x: u8| x, 0..5).chunk_size(2).collect();
    assert_eq!(out, vec![Err(TaskError::Cancelled); 5]);
}

#[test]
fn map_empty_input() {
    let pool = ThreadPool::new(1).unwrap();
    assert_eq!(pool.map(|x: u8| x, Vec::new()).count(), 0);
}

#[test]
fn collect_vec_matches_collecting_the_iterator() {
    let pool = ThreadPool::new(3).unwrap();
    let f = |n: u64| n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    for chunk in [1, 7, 500, 100_000] {
        let eager = pool.map(f, 0..10_000u64).chunk_size(chunk).collect_vec();
        let lazy: Result<Vec<u64>, _> = pool.map(f, 0..10_000u64).chunk_size(chunk).collect();
        assert_eq!(eager, lazy, "chunk {chunk}");
        assert_eq!(eager.map(|v| v.len()), Ok(10_000));
    }
}

#[test]
fn collect_vec_after_next_collects_the_rest() {
    let pool = ThreadPool::new(2).unwrap();
    let mut it = pool.map(|n: u32| n + 1, 0..1_000).chunk_size(64);
    assert_eq!(it.next(), Some(Ok(1)));
    assert_eq!(it.nth(99), Some(Ok(101)));
    assert_eq!(it.collect_vec(), Ok((102..=1_000).collect::<Vec<u32>>()));
}

#[test]
fn collect_vec_gives_the_first_error_in_input_order() {
    let pool = ThreadPool::new(2).unwrap();
    for chunk in [1, 4, 100] {
        let out = pool
            .map(
                |n: u32| {
                    if n == 17 || n == 42 {
                        panic!("item {n}");
                    }
                    n
                },
                0..50,
            )
            .chunk_size(chunk)
            .collect_vec();
        assert_eq!(
            out,
            Err(TaskError::Panicked("item 17".into())),
            "chunk {chunk}"
        );
    }
}

#[test]
fn collect_vec_on_a_shut_down_pool_is_cancelled() {
    let pool = ThreadPool::new(1).unwrap();
    pool.shutdown(Shutdown::wait());
    assert_eq!(
        pool.map(|x: u8| x, 0..5).chunk_size(2).collect_vec(),
        Err(TaskError::Cancelled)
    );
    assert_eq!(
        pool.map(|x: u8| x, Vec::new()).collect_vec(),
        Ok(Vec::new())
    );
}

#[test]
fn size_hint_counts_items_not_yet_handed_out() {
    let pool = ThreadPool::new(2).unwrap();
    let mut it = pool.map(|x: u16| x, 0..300).chunk_size(16).window(2);
    assert_eq!(it.size_hint(), (300, Some(300)));
    it.next();
    assert_eq!(it.size_hint(), (299, Some(299)));
    assert_eq!(it.by_ref().take(100).count(), 100);
    assert_eq!(it.size_hint(), (199, Some(199)));
    let unknown = pool.map(|x: u16| x, (0..300).filter(|x| x % 2 == 0));
    assert_eq!(unknown.size_hint(), (0, Some(300)));
}

/// Three tasks, each waiting for its own event.
fn gated(
    pool: &ThreadPool,
    n: usize,
) -> (Vec<Arc<Event>>, Vec<spindle_std::pool::TaskHandle<usize>>) {
    (0..n)
        .map(|i| {
            let go = Arc::new(Event::new());
            let g = go.clone();
            let h = pool
                .submit(move || {
                    let _ = g.wait_timeout(PATIENCE);
                    i
                })
                .unwrap();
            (go, h)
        })
        .unzip()
}

#[test]
fn as_completed_yields_in_completion_order() {
    let pool = ThreadPool::new(3).unwrap();
    let (gates, handles) = gated(&pool, 3);
    let mut it = as_completed(handles);
    assert_eq!(it.size_hint(), (3, Some(3)));
    for i in [2, 0, 1] {
        gates[i].set();
        let h = it.next().unwrap();
        assert_eq!(h.result(), Ok(i));
    }
    assert!(it.next().is_none());
}

#[test]
fn as_completed_with_timeout() {
    let pool = ThreadPool::new(1).unwrap();
    let (gates, handles) = gated(&pool, 1);
    let mut it = as_completed(handles);
    assert!(it.next_timeout(Duration::from_millis(5)).is_err());
    gates[0].set();
    assert_eq!(it.next_timeout(PATIENCE).unwrap().unwrap().result(), Ok(0));
    assert!(it.next_timeout(PATIENCE).unwrap().is_none());
}

#[test]
fn wait_first_completed_all_completed_and_timeout() {
    let pool = ThreadPool::new(3).unwrap();
    let (gates, handles) = gated(&pool, 3);
    let w = wait(
        handles,
        ReturnWhen::AllCompleted,
        Some(Duration::from_millis(5)),
    );
    assert_eq!((w.done.len(), w.not_done.len()), (0, 3));
    gates[1].set();
    let w = wait(w.not_done, ReturnWhen::FirstCompleted, Some(PATIENCE));
    assert_eq!(w.done.len(), 1);
    assert_eq!(w.not_done.len(), 2);
    for g in &gates {
        g.set();
    }
    let w = wait(w.not_done, ReturnWhen::AllCompleted, None);
    assert_eq!((w.done.len(), w.not_done.len()), (2, 0));
    // Done handles keep their values.
    let mut vals: Vec<_> = w.done.into_iter().map(|h| h.result().unwrap()).collect();
    vals.sort();
    assert_eq!(vals, [0, 2]);
}

#[test]
fn wait_first_panicked() {
    let pool = ThreadPool::new(2).unwrap();
    let (gates, mut handles) = gated(&pool, 1);
    handles.push(pool.submit(|| -> usize { panic!("first") }).unwrap());
    let w = wait(handles, ReturnWhen::FirstPanicked, Some(PATIENCE));
    assert_eq!(w.done.len(), 1);
    assert_eq!(w.not_done.len(), 1);
    gates[0].set();
    let w = wait(
        Vec::<spindle_std::pool::TaskHandle<u8>>::new(),
        ReturnWhen::FirstCompleted,
        None,
    );
    assert!(w.done.is_empty() && w.not_done.is_empty());
}
