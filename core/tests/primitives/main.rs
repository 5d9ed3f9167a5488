//! Behaviour tests of every spindle-core primitive: the try, async and blocking
//! forms, timeouts, cancellation, and error values. Bounded in time and count.

mod condvar;
mod event;
mod mutex;
mod notify;
mod oneshot;
mod ordered;
mod reentrant;
mod semaphore;
mod support;
mod wait_group;
mod wait_list;
