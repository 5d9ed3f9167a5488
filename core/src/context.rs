//! Execution-context identity: "who is running now", used where a primitive must know
//! its owner. [`ReentrantMutex`](crate::sync::ReentrantMutex) (recipe 12.4's `RLock`)
//! lets its owner lock again; [`ordered`](crate::sync::ordered) (recipe 12.5) keeps the
//! locks each context holds.
//!
//! The id comes from, in order:
//! 1. a hook installed with [`set_hook`] (on bare metal: e.g. the current interrupt
//!    priority or task; spindle's scheduler installs its own);
//! 2. under `std`, the current OS thread;
//! 3. otherwise the single id [`MAIN`]: one context, as on a bare-metal main loop.
//!
//! ```
//! use spindle_core::context;
//! let here = context::current();
//! assert_eq!(here, context::current());
//! ```

use core::num::NonZeroUsize;

/// A context id. Ids of contexts that are alive at the same time are distinct.
pub type ContextId = NonZeroUsize;

/// The id used when no hook is installed and there is no `std`.
pub const MAIN: ContextId = match NonZeroUsize::new(1) {
    Some(id) => id,
    None => unreachable!(),
};

/// A function that names the running context. It must return distinct ids for
/// contexts that can be preempted by one another, and be cheap: it runs on every
/// reentrant lock.
pub type Hook = fn() -> ContextId;

static HOOK: spin::Once<Hook> = spin::Once::new();

/// The hook could not be installed: one was installed already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HookAlreadySet;

impl core::fmt::Display for HookAlreadySet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a context-id hook is already installed")
    }
}

#[cfg(feature = "std")]
impl std::error::Error for HookAlreadySet {}

/// Installs the process-wide context-id hook. Install it once, before any primitive
/// that needs context ids is used; a second call is refused.
///
/// ```
/// use core::num::NonZeroUsize;
/// use spindle_core::context;
///
/// fn interrupt_level() -> context::ContextId {
///     NonZeroUsize::new(7).unwrap() // e.g. read from the core's status register
/// }
/// # // Another doctest in this binary may not have set it; ignore the result.
/// let _ = context::set_hook(interrupt_level);
/// ```
pub fn set_hook(hook: Hook) -> Result<(), HookAlreadySet> {
    let mut installed = false;
    HOOK.call_once(|| {
        installed = true;
        hook
    });
    if installed {
        Ok(())
    } else {
        Err(HookAlreadySet)
    }
}

/// The id of the running context.
#[inline]
pub fn current() -> ContextId {
    if let Some(hook) = HOOK.get() {
        return hook();
    }
    fallback()
}

#[cfg(feature = "std")]
fn fallback() -> ContextId {
    use core::sync::atomic::{AtomicUsize, Ordering};
    // Ids start above MAIN and are never reused, so a thread that died holding a lock
    // cannot be mistaken for a new one.
    static NEXT: AtomicUsize = AtomicUsize::new(2);
    std::thread_local! {
        static ID: ContextId = NonZeroUsize::new(NEXT.fetch_add(1, Ordering::Relaxed)).unwrap_or(MAIN);
    }
    ID.try_with(|id| *id).unwrap_or(MAIN)
}

#[cfg(not(feature = "std"))]
fn fallback() -> ContextId {
    MAIN
}
