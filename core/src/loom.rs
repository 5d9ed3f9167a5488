//! The concurrency layer every protocol is written against: core (or portable-atomic)
//! atomics and cells in normal builds, loom's under `--cfg loom`, so the same code is
//! model-checked.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicUsize, Ordering};

#[cfg(all(not(loom), feature = "portable-atomic"))]
pub(crate) use portable_atomic::{AtomicUsize, Ordering};

#[cfg(all(not(loom), not(feature = "portable-atomic")))]
pub(crate) use core::sync::atomic::{AtomicUsize, Ordering};

#[cfg(loom)]
pub(crate) use loom::cell::UnsafeCell;

/// `core::cell::UnsafeCell` with loom's closure-based access API.
#[cfg(not(loom))]
#[derive(Debug)]
#[repr(transparent)]
pub(crate) struct UnsafeCell<T: ?Sized>(core::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    #[inline(always)]
    pub(crate) const fn new(value: T) -> Self {
        Self(core::cell::UnsafeCell::new(value))
    }
}

#[cfg(not(loom))]
impl<T: ?Sized> UnsafeCell<T> {
    #[inline(always)]
    pub(crate) fn with<F, R>(&self, f: F) -> R
    where
        F: FnOnce(*const T) -> R,
    {
        f(self.0.get())
    }

    #[inline(always)]
    pub(crate) fn with_mut<F, R>(&self, f: F) -> R
    where
        F: FnOnce(*mut T) -> R,
    {
        f(self.0.get())
    }
}

/// A sequentially consistent fence (loom models these).
#[inline(always)]
pub(crate) fn fence_seq_cst() {
    #[cfg(loom)]
    loom::sync::atomic::fence(Ordering::SeqCst);
    #[cfg(all(not(loom), feature = "portable-atomic"))]
    portable_atomic::fence(Ordering::SeqCst);
    #[cfg(all(not(loom), not(feature = "portable-atomic")))]
    core::sync::atomic::fence(Ordering::SeqCst);
}

/// A hint used inside spin loops; under loom it yields to the model's scheduler.
#[inline(always)]
pub(crate) fn spin_hint() {
    #[cfg(loom)]
    loom::thread::yield_now();
    #[cfg(not(loom))]
    core::hint::spin_loop();
}

/// A raw exclusion built on loom's mutex, so the models see the happens-before edges
/// of the wait list's critical sections. Constructed lazily because loom objects
/// cannot be built in a `const`.
#[cfg(loom)]
pub mod loom_raw {
    extern crate std;
    use std::sync::OnceLock;

    /// Raw exclusion for loom models.
    #[derive(Debug, Default)]
    pub struct LoomRawMutex {
        inner: OnceLock<loom::sync::Mutex<()>>,
    }

    impl mutex_traits::ConstInit for LoomRawMutex {
        const INIT: Self = Self {
            inner: OnceLock::new(),
        };
    }

    // SAFETY: exclusion is provided by loom's mutex, which is a real mutex.
    unsafe impl mutex_traits::ScopedRawMutex for LoomRawMutex {
        fn try_with_lock<R>(&self, f: impl FnOnce() -> R) -> Option<R> {
            let m = self.inner.get_or_init(|| loom::sync::Mutex::new(()));
            let _g = m.try_lock().ok()?;
            Some(f())
        }

        fn with_lock<R>(&self, f: impl FnOnce() -> R) -> R {
            let m = self.inner.get_or_init(|| loom::sync::Mutex::new(()));
            let _g = m.lock().unwrap();
            f()
        }

        fn is_locked(&self) -> bool {
            self.inner
                .get()
                .map(|m| m.try_lock().is_err())
                .unwrap_or(false)
        }
    }
}
