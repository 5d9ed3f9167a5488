//! A global allocator that counts the heap allocations a thread makes inside a
//! closure: the proof that a path of the core allocates nothing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

thread_local! {
    /// Whether this thread is inside [`CountingAlloc::count`]. `const`-initialised
    /// and without a destructor, so reading it never allocates.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

/// Forwards to the system allocator and counts the allocations made by a thread
/// while it runs [`CountingAlloc::count`]; other threads (the test harness's
/// included) are not counted.
///
/// Install it as the test binary's global allocator (one per binary):
///
/// ```
/// use spindle_test_support::CountingAlloc;
///
/// #[global_allocator]
/// static ALLOC: CountingAlloc = CountingAlloc::new();
///
/// let (_, allocs) = ALLOC.count(|| 1 + 1);
/// assert_eq!(allocs, 0);
/// let (_, allocs) = ALLOC.count(|| Box::new(1));
/// assert_eq!(allocs, 1);
/// ```
#[derive(Debug, Default)]
pub struct CountingAlloc {
    allocs: AtomicUsize,
}

impl CountingAlloc {
    /// A counter at zero (`const`, for the `#[global_allocator]` static).
    pub const fn new() -> Self {
        Self {
            allocs: AtomicUsize::new(0),
        }
    }

    /// Runs `f` and returns its output with the number of allocations (and
    /// reallocations) this thread made meanwhile. Only meaningful when `self` is
    /// the global allocator.
    pub fn count<T>(&self, f: impl FnOnce() -> T) -> (T, usize) {
        /// Restores the flag also when `f` panics (a failed assertion inside).
        struct Restore(bool);
        impl Drop for Restore {
            fn drop(&mut self) {
                COUNTING.with(|c| c.set(self.0));
            }
        }
        let before = self.allocs.load(Ordering::SeqCst);
        let _restore = Restore(COUNTING.with(|c| c.replace(true)));
        let out = f();
        (out, self.allocs.load(Ordering::SeqCst) - before)
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged,
// so `System`'s guarantees are ours; counting touches only an atomic and a
// non-allocating thread-local (`try_with`: a thread being torn down is not counted).
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.try_with(Cell::get).unwrap_or(false) {
            self.allocs.fetch_add(1, Ordering::SeqCst);
        }
        // SAFETY: our caller upholds `GlobalAlloc::alloc`'s contract, which is
        // `System.alloc`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` (through `alloc` above) with this
        // `layout`, as our caller guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
}
