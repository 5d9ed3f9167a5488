//! An asymmetric pair of sequentially consistent fences, for a protocol where one
//! side runs often and must be cheap (a mutex's unlock) and the other runs rarely
//! and is about to sleep anyway (a waiter announcing itself before it parks).
//!
//! Both sides do "store mine, fence, load yours" (Dekker's pattern): with a
//! sequentially consistent fence on each side, at least one of the two loads sees
//! the other side's store. [`light`] and [`heavy`] keep that guarantee while moving
//! its whole cost to [`heavy`]:
//!
//! - On Linux with `std`, [`heavy`] is `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)`,
//!   which runs a full memory barrier on every core currently running a thread of
//!   this process (and a thread that is not running passes one when it is switched
//!   back in), so [`light`] needs to stop only the compiler, not the processor: a
//!   mutex's unlock becomes a plain release store and a load, as a spin lock's is.
//!   The same pairing backs liburcu's `urcu-memb` flavour and folly's
//!   `asymmetricHeavyBarrier`.
//! - The process must register once (`MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED`).
//!   Until registration has succeeded, and for ever if it fails (an old kernel, a
//!   seccomp filter), both sides are plain `fence(SeqCst)`s. A waiter always takes
//!   part in the registration before it decides, so no [`light`] can be a compiler
//!   fence while a [`heavy`] is only a processor fence.
//! - Without `std` and on other systems both are `fence(SeqCst)`. Under loom too:
//!   a fence on each side is the standard model of an asymmetric barrier, since
//!   `membarrier` is at least as strong as a fence on each running thread.
//! - "Private" means this process: a `membarrier` does not reach other processes.
//!   That is enough, because no spindle primitive can be shared between processes
//!   (its waiters are this process's wakers and threads).
//!
//! Recipe 12.4 (locks) is what it serves: [`super::lock_core`] is its user.

/// The cheap side: order this thread's earlier stores before its later loads, as
/// far as a [`heavy`] on another thread can tell.
#[inline(always)]
pub(crate) fn light() {
    imp::light();
}

/// The expensive side: after it, either this thread's later loads see another
/// thread's stores made before that thread's [`light`], or that thread's loads
/// after its [`light`] see this thread's stores made before this call.
#[inline]
pub(crate) fn heavy() {
    imp::heavy();
}

#[cfg(all(
    feature = "std",
    not(loom),
    any(target_os = "linux", target_os = "android")
))]
mod imp {
    use core::sync::atomic::{compiler_fence, fence, AtomicU8, Ordering};
    use rustix::thread::{membarrier, MembarrierCommand};
    use std::sync::OnceLock;

    /// Registration not tried yet: both sides fence.
    const UNKNOWN: u8 = 0;
    /// Registered: `light` is a compiler fence, `heavy` a `membarrier`.
    const ASYMMETRIC: u8 = 1;
    /// Registration failed: both sides fence, for the life of the process.
    const SYMMETRIC: u8 = 2;

    /// What `light` reads on every call (one relaxed load of a line nobody writes
    /// after start-up). It only ever moves from `UNKNOWN` to a final value, inside
    /// `REGISTERED`'s initialiser.
    static MODE: AtomicU8 = AtomicU8::new(UNKNOWN);
    /// Whether registration succeeded; initialised once, by whoever needs it first.
    static REGISTERED: OnceLock<bool> = OnceLock::new();

    /// Registers the process (once) and says whether `heavy` may use `membarrier`.
    fn registered() -> bool {
        *REGISTERED.get_or_init(|| {
            let ok = register();
            MODE.store(if ok { ASYMMETRIC } else { SYMMETRIC }, Ordering::Relaxed);
            ok
        })
    }

    fn register() -> bool {
        membarrier(MembarrierCommand::RegisterPrivateExpedited).is_ok()
    }

    #[inline(always)]
    pub(super) fn light() {
        if MODE.load(Ordering::Relaxed) == ASYMMETRIC {
            // Every `heavy` that could pair with this one issues a `membarrier`
            // (`MODE` is `ASYMMETRIC` only once `registered()` is true for
            // everyone), which makes this thread's processor order its accesses.
            compiler_fence(Ordering::SeqCst);
        } else {
            light_slow();
        }
    }

    #[cold]
    #[inline(never)]
    fn light_slow() {
        fence(Ordering::SeqCst);
        // The first unlock of the process tries to register (one system call), so
        // that later ones take the cheap path even if nobody has waited yet.
        if MODE.load(Ordering::Relaxed) == UNKNOWN {
            registered();
        }
    }

    pub(super) fn heavy() {
        // Pairs with a `light` that is a processor fence (before registration, or
        // when it failed) and orders this thread's own accesses either way.
        fence(Ordering::SeqCst);
        if !registered() {
            return;
        }
        if membarrier(MembarrierCommand::PrivateExpedited).is_err() {
            // The kernel documents no failure for a registered process (and a
            // forked child inherits the registration); should one appear anyway,
            // register again and retry once. Going on without the barrier could
            // lose a wake-up, so if that fails too, stop here, as liburcu does.
            if !(register() && membarrier(MembarrierCommand::PrivateExpedited).is_ok()) {
                std::process::abort();
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// Both sides run, and after either the mode is final (whichever way the
        /// kernel answered) and agrees with the registration. `ci/no-membarrier.sh`
        /// says which way it must have gone (`SPINDLE_EXPECT_MEMBARRIER` 1 or 0):
        /// it runs this once normally and once with membarrier blocked.
        #[test]
        fn mode_settles_and_matches_registration() {
            light();
            heavy();
            light();
            let mode = MODE.load(Ordering::Relaxed);
            assert_ne!(mode, UNKNOWN);
            assert_eq!(mode == ASYMMETRIC, registered());
            if let Ok(expect) = std::env::var("SPINDLE_EXPECT_MEMBARRIER") {
                assert_eq!(mode == ASYMMETRIC, expect == "1", "membarrier in use");
            }
        }
    }
}

#[cfg(not(all(
    feature = "std",
    not(loom),
    any(target_os = "linux", target_os = "android")
)))]
mod imp {
    #[inline(always)]
    pub(super) fn light() {
        crate::loom::fence_seq_cst();
    }

    #[inline(always)]
    pub(super) fn heavy() {
        crate::loom::fence_seq_cst();
    }
}
