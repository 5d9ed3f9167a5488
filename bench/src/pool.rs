//! Pool cases: spindle's [`ThreadPool`] against rayon and the `threadpool` crate.
//! Every pool has one worker per available core and is built before the clock
//! starts (rayon's global pool is warm from earlier samples).
//!
//! - `pool/submit-result`: submit tiny tasks (return `i * 2`) in batches of up to
//!   100,000, then collect every result; one op = one task. spindle gets a
//!   [`TaskHandle`](spindle_std::pool::TaskHandle) per task; the peers send each
//!   result down a std `mpsc` channel, the usual way to get values back from them.
//! - `pool/map`: map a small pure function over `0..n` in input order and collect
//!   a `Vec`; one op = one item. spindle: `pool.map_range(0..n, 4096, f)` (the
//!   in-place map for inputs of known length; `pool/map-iter` is the iterator
//!   `pool.map(f, 0..n).chunk_size(4096).collect_vec()`); rayon:
//!   `(0..n).into_par_iter().map(f).collect()`. A sample is maps of at most
//!   2^20 items, each output allocated from memory the process has already touched
//!   (see `warm_outputs`), so that first-touch page faults stay out of both sides.

use super::*;

use std::sync::mpsc;
use std::sync::OnceLock;

use rayon::prelude::*;
use spindle_std::pool::ThreadPool;

/// Tasks per batch in `pool/submit-result`.
const BATCH: u64 = 100_000;
/// Items per task in spindle's `pool/map`.
const CHUNK: usize = 4096;

fn cores() -> usize {
    thread::available_parallelism().map_or(2, |n| n.get())
}

/// One pool per process for spindle, like rayon's global pool.
fn spindle_pool() -> &'static ThreadPool {
    static POOL: OnceLock<ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| ThreadPool::new(cores()).expect("start the pool"))
}

fn threadpool_pool() -> &'static threadpool::ThreadPool {
    static POOL: OnceLock<threadpool::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| threadpool::ThreadPool::new(cores()))
}

/// Runs `iters` tasks in batches: `batch(first, n)` submits `n` tasks numbered
/// from `first` and returns the sum of their results.
#[inline(always)]
fn batches(iters: u64, mut batch: impl FnMut(u64, u64) -> u64) -> Duration {
    let t0 = Instant::now();
    let mut done = 0;
    let mut sum = 0u64;
    while done < iters {
        let n = BATCH.min(iters - done);
        sum = sum.wrapping_add(batch(done, n));
        done += n;
    }
    let elapsed = t0.elapsed();
    assert_eq!(sum, iters.wrapping_mul(iters.wrapping_sub(1)));
    elapsed
}

/// spindle: `pool.submit(..)` then `handle.result()` for each.
pub fn submit_result_spindle(iters: u64) -> Duration {
    let pool = spindle_pool();
    let mut handles = Vec::with_capacity(BATCH as usize);
    batches(iters, |first, n| {
        handles.extend((first..first + n).map(|i| {
            pool.submit(move || black_box(i) * 2)
                .expect("the pool is open")
        }));
        handles
            .drain(..)
            .map(|h| h.result().expect("the task ran"))
            .fold(0u64, u64::wrapping_add)
    })
}

/// rayon: `rayon::spawn` (global pool), results down an `mpsc` channel.
pub fn submit_result_rayon(iters: u64) -> Duration {
    batches(iters, |first, n| {
        let (tx, rx) = mpsc::channel();
        for i in first..first + n {
            let tx = tx.clone();
            rayon::spawn(move || {
                let _ = tx.send(black_box(i) * 2);
            });
        }
        drop(tx);
        rx.iter().fold(0u64, u64::wrapping_add)
    })
}

/// `threadpool::ThreadPool::execute`, results down an `mpsc` channel.
pub fn submit_result_threadpool(iters: u64) -> Duration {
    let pool = threadpool_pool();
    batches(iters, |first, n| {
        let (tx, rx) = mpsc::channel();
        for i in first..first + n {
            let tx = tx.clone();
            pool.execute(move || {
                let _ = tx.send(black_box(i) * 2);
            });
        }
        drop(tx);
        rx.iter().fold(0u64, u64::wrapping_add)
    })
}

/// The per-item work of `pool/map`: a few rounds of multiply-rotate (~10 ns).
#[inline]
fn small_work(x: u64) -> u64 {
    let mut h = x ^ 0x9E37_79B9_7F4A_7C15;
    for _ in 0..8 {
        h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9).rotate_left(29);
    }
    h
}

/// Checks that `out` is the map of `first..end` (its length and last value).
fn check_map(out: &[u64], first: u64, end: u64) {
    assert_eq!(out.len() as u64, end - first);
    if let Some(last) = out.last() {
        assert_eq!(*last, small_work(end - 1));
    }
}

/// Items per map call in `pool/map`: a sample of `iters` items is
/// `iters / MAP_BLOCK` maps of `MAP_BLOCK` items (and one of the rest), so that
/// every output (8 MiB) stays below glibc's largest mmap threshold (32 MiB) and,
/// after [`warm_outputs`], comes from heap memory the process has already touched.
const MAP_BLOCK: u64 = 1 << 20;

/// Before the clock: takes an output-sized `Vec<u64>` from the allocator twice,
/// writing every page, and frees it, so that each side's timed outputs reuse
/// memory that is already mapped and touched.
///
/// Without it, each output's first-touch page faults (one per 4 KiB, 512 items)
/// were a large part of a ~4 ns/item sample, and whether a side paid them depended
/// on the allocator's history, not on the side: glibc serves a block above its
/// mmap threshold with fresh pages and raises the threshold to the size of the
/// last such block freed, so which side faulted depended on which side freed last
/// and on the two sides' calibrated sizes (`MALLOC_MMAP_THRESHOLD_` and
/// `MALLOC_TRIM_THRESHOLD_` in the environment moved the ratio a lot). Faults are
/// not what the row compares; a program that maps repeatedly reuses its memory.
fn warm_outputs(iters: u64) {
    let len = iters.min(MAP_BLOCK) as usize;
    for _ in 0..2 {
        let mut v: Vec<u64> = Vec::with_capacity(len);
        v.resize(len, 1);
        black_box(&mut v);
    }
}

/// Times `map(first, len)` over `0..iters` in blocks of at most [`MAP_BLOCK`]
/// items; each output is checked and dropped inside the clock, as a caller's would
/// be.
#[inline(always)]
fn map_blocks(iters: u64, map: impl Fn(std::ops::Range<u64>) -> Vec<u64>) -> Duration {
    warm_outputs(iters);
    let t0 = Instant::now();
    let mut first = 0;
    while first < iters {
        let end = iters.min(first + MAP_BLOCK);
        let out = map(first..end);
        check_map(black_box(&out), first, end);
        first = end;
    }
    t0.elapsed()
}

/// spindle: `pool.map(small_work, range).chunk_size(4096).collect_vec()`.
pub fn map_spindle(iters: u64) -> Duration {
    let pool = spindle_pool();
    map_blocks(iters, |range| {
        pool.map(small_work, range)
            .chunk_size(CHUNK)
            .collect_vec()
            .expect("no item panics")
    })
}

/// spindle's in-place map: `pool.map_range(range, 4096, small_work)`, each chunk
/// writing its results straight into the output (as rayon's indexed collect).
pub fn map_range_spindle(iters: u64) -> Duration {
    let pool = spindle_pool();
    map_blocks(iters, |range| {
        let range = range.start as usize..range.end as usize;
        pool.map_range(range, CHUNK, |i| small_work(i as u64))
            .expect("no item panics")
    })
}

/// rayon: `range.into_par_iter().map(small_work).collect()`.
pub fn map_rayon(iters: u64) -> Duration {
    map_blocks(iters, |range| {
        range.into_par_iter().map(small_work).collect()
    })
}
