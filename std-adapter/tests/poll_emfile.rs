//! Running out of file descriptors (`EMFILE`) is a clear error, not a panic, when
//! creating a pollable queue, an event, a selector or a signal's self-pipe; after
//! descriptors are freed, creation works again.
//!
//! Its own test binary: lowering `RLIMIT_NOFILE` would starve tests running in
//! parallel in the same process.
#![cfg(unix)]

use nix::sys::resource::{getrlimit, setrlimit, Resource};
use spindle_std::poll::{CreateError, PollableEvent, PollableQueue, RegisterError, Selector};

#[test]
fn out_of_descriptors() {
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    let selector: Selector<u32> = Selector::new().unwrap();
    // A low limit: at most 256 descriptors, so exhaustion takes few iterations.
    setrlimit(Resource::RLIMIT_NOFILE, 256.min(soft), hard).unwrap();
    let mut held = Vec::new();
    let err = loop {
        match PollableQueue::<u8, 1>::new() {
            Ok(q) => held.push(q),
            Err(e) => break e,
        }
        assert!(held.len() <= 256, "the limit did not apply");
    };
    assert!(matches!(err, CreateError::NoDescriptors), "{err:?}");
    assert!(err.to_string().contains("file descriptors"));
    assert!(matches!(
        PollableEvent::new(),
        Err(CreateError::NoDescriptors)
    ));
    assert!(matches!(
        Selector::<u32>::new(),
        Err(CreateError::NoDescriptors)
    ));
    assert!(matches!(
        selector.register_signal(1, signal_hook::consts::SIGUSR1),
        Err(RegisterError::NoDescriptors)
    ));
    held.truncate(held.len() - 4);
    assert!(PollableQueue::<u8, 1>::new().is_ok());
    drop(held);
    setrlimit(Resource::RLIMIT_NOFILE, soft, hard).unwrap();
}
