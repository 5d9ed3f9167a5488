//! [`CachePadded`]: keeps a value on a cache line of its own, for the indices that
//! the two sides of a queue write (the MPMC ring's `head` and `tail`, the SPSC
//! ring's `head`, `tail` and `closed` flag).

use core::ops::{Deref, DerefMut};

/// A value aligned to (and so alone on) a 64-byte cache line, so one side's stores
/// to it do not slow the other side's accesses to its neighbours (false sharing).
///
/// Only on 64-bit targets, where memory is cheap and false sharing is expensive:
/// microcontrollers are 32-bit and mostly cacheless, and need the bytes more.
/// (crossbeam's `CachePadded` does the same per architecture; spindle needs only
/// this one split and no dependency for it.)
#[cfg_attr(target_pointer_width = "64", repr(align(64)))]
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
