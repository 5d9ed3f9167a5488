//! Loom models of `ReentrantMutex`.
//!
//! Context ids: loom runs all the threads of a model as coroutines on *one* OS
//! thread, so the `std` fallback of `spindle_core::context::current()` (an OS
//! thread-local) gives every loom thread the same id (checked: both a model's main
//! thread and a spawned one got id 2), and a second loom thread would "re-enter" a
//! lock another one holds. So the models install a context hook backed by a
//! `loom::thread_local!`, which is per loom thread. (This file is its own test binary, so the process-wide hook
//! affects nothing else.)
#![cfg(loom)]

use core::num::NonZeroUsize;

use loom::cell::UnsafeCell;
use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;
use spindle_core::context::{self, ContextId};
use spindle_core::raw::LoomRawMutex;
use spindle_core::sync::{ReentrantMutex, TryLockError};
use spindle_test_support::loom_model::model;

/// Ids for loom threads, never reused (a plain std counter: it is not part of what
/// the models check).
static NEXT_ID: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1000);

loom::thread_local! {
    static LOOM_ID: ContextId = NonZeroUsize::new(
        NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
    )
    .unwrap();
}

fn loom_context() -> ContextId {
    LOOM_ID.with(|id| *id)
}

fn install_hook() {
    // Every test of this binary installs the same hook; the first one wins.
    let _ = context::set_hook(loom_context);
}

/// A value the owner mutates through `&T` (a reentrant guard gives only shared
/// access): a cell loom checks for unsynchronised access.
struct Count(UnsafeCell<usize>);
// SAFETY: only touched with the reentrant mutex held, which orders the accesses
// (and loom checks that it does).
unsafe impl Sync for Count {}

impl Count {
    fn incr(&self) {
        // SAFETY: called only with the reentrant mutex held, by its one owner at a time
        // (loom reports unordered accesses).
        self.0.with_mut(|n| unsafe { *n += 1 });
    }
    fn get(&self) -> usize {
        // SAFETY: called only with the reentrant mutex held, so no write runs concurrently.
        self.0.with(|n| unsafe { *n })
    }
}

type Lock = ReentrantMutex<LoomRawMutex, Count>;

/// Under loom, with the hook installed, two loom threads have distinct context ids,
/// and a thread's id is stable.
#[test]
fn loom_threads_have_distinct_ids() {
    install_hook();
    model(|| {
        let main = context::current();
        assert_eq!(main, context::current());
        let other = thread::spawn(context::current).join().unwrap();
        assert_ne!(main, other);
    });
}

/// The owner locks, re-locks (try and async) and mutates, while another thread
/// contends with `lock().await` and a `try_lock`: exclusion holds across the nested
/// guards, the lock is released only with the outermost guard, and the contender
/// finishes.
#[test]
fn nested_owner_vs_contender() {
    install_hook();
    model(|| {
        let m = Arc::new(Lock::new(Count(UnsafeCell::new(0))));
        let contender = {
            let m = m.clone();
            thread::spawn(move || {
                let tried = match m.try_lock() {
                    Ok(g) => {
                        g.incr();
                        1
                    }
                    Err(e) => {
                        assert_eq!(e, TryLockError::WouldBlock);
                        0
                    }
                };
                let g = block_on(m.lock());
                assert!(m.is_owned_by_current());
                g.incr();
                tried
            })
        };
        {
            let outer = block_on(m.lock());
            assert!(m.is_owned_by_current());
            outer.incr();
            {
                let inner = m.try_lock().expect("the owner re-enters");
                inner.incr();
                let innermost = block_on(m.lock());
                innermost.incr();
            }
            // Still held after the nested guards are gone.
            assert!(m.is_locked());
            assert!(m.is_owned_by_current());
            outer.incr();
        }
        let tried = contender.join().unwrap();
        assert!(!m.is_locked());
        let g = m.try_lock().unwrap();
        assert_eq!(g.get(), 4 + 1 + tried);
    });
}

/// Two contenders, each nesting once: the second lock of each is a re-entry, and
/// the other never gets in between.
#[test]
fn two_nesting_contenders() {
    install_hook();
    model(|| {
        let m = Arc::new(Lock::new(Count(UnsafeCell::new(0))));
        let work = |m: &Lock| {
            let outer = block_on(m.lock());
            let before = outer.get();
            let inner = block_on(m.lock());
            inner.incr();
            drop(inner);
            outer.incr();
            assert_eq!(outer.get(), before + 2, "another context got in");
        };
        let t = {
            let m = m.clone();
            thread::spawn(move || work(&m))
        };
        work(&m);
        t.join().unwrap();
        assert_eq!(m.try_lock().unwrap().get(), 4);
    });
}
