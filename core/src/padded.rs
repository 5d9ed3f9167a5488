//! [`CachePadded`]: keeps a value on a cache line of its own, for the indices that
//! the two sides of a queue write (the MPMC ring's `head` and `tail`, the SPSC
//! ring's `head`, `tail` and `closed` flag).

use core::ops::{Deref, DerefMut};

/// A value aligned to (and so alone on) its own cache-line block, so one side's
/// stores to it do not slow the other side's accesses to its neighbours (false
/// sharing).
///
/// The block is 128 bytes on x86-64, AArch64 and 64-bit PowerPC, 64 bytes on other
/// 64-bit targets, and nothing on 32-bit ones. x86-64 lines are 64 bytes, but its
/// L2 spatial prefetcher fetches them in aligned pairs, so two indices 64 bytes
/// apart still bounce together between two cores; Apple's AArch64 cores have
/// 128-byte lines, and so do POWER's. Microcontrollers are 32-bit and mostly
/// cacheless, and need the bytes more. (crossbeam's `CachePadded` makes the same
/// choice per architecture; spindle needs only this one type and no dependency for
/// it.)
#[cfg_attr(
    any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "powerpc64"
    ),
    repr(align(128))
)]
#[cfg_attr(
    all(
        target_pointer_width = "64",
        not(any(
            target_arch = "x86_64",
            target_arch = "aarch64",
            target_arch = "powerpc64"
        ))
    ),
    repr(align(64))
)]
pub(crate) struct CachePadded<T>(pub(crate) T);

impl<T> Deref for CachePadded<T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for CachePadded<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}
