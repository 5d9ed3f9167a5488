//! The Selector's error cases: a key or a source registered twice, a descriptor
//! closed behind the selector's back, signals that cannot be caught, unknown keys.
//! Every one is an error value, never a panic.
#![cfg(unix)]

use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use spindle_std::poll::{DeregisterError, PollableQueue, RegisterError, Selector, Timer};

const GUARD: Option<Duration> = Some(Duration::from_secs(20));

#[test]
fn same_key_twice() {
    let (a, b) = UnixStream::pair().unwrap();
    let selector = Selector::new().unwrap();
    selector.register("k", &a).unwrap();
    assert!(matches!(
        selector.register("k", &b),
        Err(RegisterError::KeyInUse)
    ));
    assert!(matches!(
        selector.register_timer("k", Timer::once(Duration::from_secs(1))),
        Err(RegisterError::KeyInUse)
    ));
    assert!(matches!(
        selector.register_signal("k", signal_hook::consts::SIGUSR2),
        Err(RegisterError::KeyInUse)
    ));
    assert_eq!(selector.len(), 1);
}

#[test]
fn same_source_twice() {
    let q: PollableQueue<u8, 2> = PollableQueue::new().unwrap();
    let selector = Selector::new().unwrap();
    selector.register(1, &q).unwrap();
    let err = selector.register(2, &q).unwrap_err();
    assert!(matches!(err, RegisterError::AlreadyRegistered), "{err:?}");
    assert!(!err.to_string().is_empty());
    // The first registration still works.
    q.try_send(5).unwrap();
    let mut ready = Vec::new();
    selector.wait(&mut ready, GUARD).unwrap();
    assert_eq!(ready.len(), 1);
    assert_eq!(ready[0].key, 1);
}

#[test]
fn same_signal_twice_and_uncatchable_signals() {
    let selector = Selector::new().unwrap();
    selector
        .register_signal("usr2", signal_hook::consts::SIGUSR2)
        .unwrap();
    assert!(matches!(
        selector.register_signal("again", signal_hook::consts::SIGUSR2),
        Err(RegisterError::AlreadyRegistered)
    ));
    for sig in [signal_hook::consts::SIGKILL, signal_hook::consts::SIGSTOP] {
        assert!(matches!(
            selector.register_signal("kill", sig),
            Err(RegisterError::InvalidSignal(s)) if s == sig
        ));
    }
    assert!(matches!(
        selector.register_signal("nonsense", 10_000),
        Err(RegisterError::InvalidSignal(10_000))
    ));
    assert_eq!(selector.len(), 1);
    selector.deregister(&"usr2").unwrap();
}

#[test]
fn unknown_key() {
    let selector: Selector<u32> = Selector::new().unwrap();
    let err = selector.deregister(&3).unwrap_err();
    assert!(matches!(err, DeregisterError::UnknownKey));
    assert!(!err.to_string().is_empty());
}

/// A socket that fired, then was closed without being deregistered: the next wait
/// reports it as closed (and drops it) instead of failing or panicking.
#[test]
fn closed_behind_the_back_after_firing() {
    let (a, mut b) = UnixStream::pair().unwrap();
    let (keep, _keep_peer) = UnixStream::pair().unwrap();
    let selector = Selector::new().unwrap();
    selector.register("a", &a).unwrap();
    selector.register("keep", &keep).unwrap();
    b.write_all(b"x").unwrap();
    let mut ready = Vec::new();
    selector.wait(&mut ready, GUARD).unwrap();
    assert_eq!(ready[0].key, "a");
    let n = a.as_raw_fd();
    drop(a); // closed behind the selector's back

    eprintln!("{:?}", std::fs::read_link(format!("/proc/self/fd/{n}")));
    assert_eq!(selector.wait(&mut ready, GUARD).unwrap(), 1);
    assert_eq!(ready[0].key, "a");
    assert!(ready[0].closed);
    assert!(matches!(
        selector.deregister(&"a"),
        Err(DeregisterError::UnknownKey)
    ));
    // The selector carries on with the others.
    assert_eq!(selector.len(), 1);
    assert_eq!(selector.wait(&mut ready, Some(Duration::ZERO)).unwrap(), 0);
}

/// Closed without ever firing: deregistering says so.
#[test]
fn closed_behind_the_back_then_deregistered() {
    let (a, _b) = UnixStream::pair().unwrap();
    let selector = Selector::new().unwrap();
    selector.register("a", &a).unwrap();
    drop(a);
    let err = selector.deregister(&"a").unwrap_err();
    assert!(matches!(err, DeregisterError::Closed), "{err:?}");
    assert!(selector.is_empty());
}

/// Closed behind the back, and the number reused by a new descriptor: registering
/// the new one works, and the old key is reported closed.
#[test]
fn closed_behind_the_back_and_number_reused() {
    let (a, _a_peer) = UnixStream::pair().unwrap();
    let selector = Selector::new().unwrap();
    selector.register("old", &a).unwrap();
    let number = a.as_raw_fd();
    drop(a);
    // The lowest free number is taken next: `number` (or, if the test harness
    // opened something meanwhile, another one; then there is no reuse to test).
    let (b, _b_peer) = UnixStream::pair().unwrap();
    selector.register("new", &b).unwrap();
    let mut ready = Vec::new();
    if b.as_raw_fd() == number {
        assert_eq!(selector.wait(&mut ready, GUARD).unwrap(), 1);
        assert_eq!(ready[0].key, "old");
        assert!(ready[0].closed);
    }
    assert_eq!(selector.len(), 1 + usize::from(b.as_raw_fd() != number));
}
