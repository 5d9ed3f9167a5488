//! A watchdog for tests on real threads: a lost wake-up makes a test hang, and a
//! hang should fail that test, not stall the whole suite.

use std::sync::mpsc;
use std::time::Duration;

/// Runs `f` on a thread of its own and panics (failing the calling test) if it has
/// not finished within `limit`, or if it panicked.
///
/// `limit` is a generous deadline for a hang, never a speed claim: pick it many
/// times what the slowest machine needs. On a timeout the thread running `f` is
/// left behind (a thread cannot be killed); the test fails anyway.
///
/// ```
/// use std::time::Duration;
/// spindle_test_support::within(Duration::from_secs(60), || assert_eq!(1 + 1, 2));
/// ```
#[track_caller]
pub fn within<F: FnOnce() + Send + 'static>(limit: Duration, f: F) {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(limit) {
        Ok(()) => {}
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("did not finish in {limit:?}: a lost wake-up?")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the test body panicked"),
    }
}
