use std::pin::pin;
use std::time::Duration;

use spindle_core::sync::{Oneshot, RecvError, RecvTimeoutError, TryRecvError, TrySendError};

use crate::support::{Probe, P, S};

#[test]
fn send_then_recv_once() {
    let o: Oneshot<S, String> = Oneshot::new();
    assert_eq!(o.try_recv(), Err(TryRecvError::Empty));
    o.send("a".into()).unwrap();
    assert!(o.is_full());
    assert_eq!(o.send("b".into()), Err(TrySendError::Full("b".into())));
    assert_eq!(o.try_recv().as_deref(), Ok("a"));
    assert_eq!(o.try_recv(), Err(TryRecvError::Closed));
    assert!(o.is_closed());
}

#[test]
fn close_wakes_receivers_and_returns_sends() {
    let o: Oneshot<S, u8> = Oneshot::new();
    let probe = Probe::new();
    let mut r = pin!(o.recv());
    assert!(probe.poll(r.as_mut()).is_pending());
    assert!(o.close());
    assert_eq!(probe.wakes(), 1);
    assert_eq!(
        probe.poll(r.as_mut()),
        std::task::Poll::Ready(Err(RecvError))
    );
    assert_eq!(o.send(1).unwrap_err().into_inner(), 1);
    assert!(!o.close());
}

#[test]
fn async_receiver_is_woken_by_send() {
    let o: Oneshot<S, u8> = Oneshot::new();
    let probe = Probe::new();
    let mut r = pin!(o.recv());
    assert!(probe.poll(r.as_mut()).is_pending());
    o.send(9).unwrap();
    assert_eq!(probe.poll(r.as_mut()), std::task::Poll::Ready(Ok(9)));
}

#[test]
fn reset_and_drop_release_values() {
    let value = std::sync::Arc::new(());
    let mut o: Oneshot<S, std::sync::Arc<()>> = Oneshot::new();
    o.send(value.clone()).unwrap();
    assert!(o.reset().is_some());
    assert_eq!(std::sync::Arc::strong_count(&value), 1);
    o.send(value.clone()).unwrap();
    drop(o);
    assert_eq!(
        std::sync::Arc::strong_count(&value),
        1,
        "drop frees an untaken value"
    );
}

#[test]
fn blocking_and_timeout() {
    let o: Oneshot<P, u32> = Oneshot::new();
    assert_eq!(
        o.recv_timeout(Duration::from_millis(5)),
        Err(RecvTimeoutError::TimedOut)
    );
    std::thread::scope(|s| {
        s.spawn(|| o.send(5).unwrap());
        assert_eq!(o.recv_blocking(), Ok(5));
    });
}
