//! The Selector: the book's consumer over q1, q2, q3 plus two sockets, fed from
//! other threads, receives every item exactly once; a signal and a timer arrive in
//! the same wait loop; registration from another thread wakes a blocked waiter.
#![cfg(unix)]

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use spindle_std::poll::{
    Interest, PollableEvent, PollableQueue, Ready, RecvError, Selector, Timer,
};

/// A bound on every wait, so a lost wake-up fails the test instead of hanging it.
const GUARD: Option<Duration> = Some(Duration::from_secs(20));

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Src {
    Q(usize),
    Tcp,
    Unix,
    Usr1,
    Tick,
}

fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    (client, server)
}

/// Reads whatever is there; returns the bytes and whether the peer closed.
fn drain(stream: &mut impl Read, into: &mut Vec<u8>) -> bool {
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(n) => into.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return false,
            Err(e) => panic!("read: {e}"),
        }
    }
}

#[test]
fn consumer_over_three_queues_two_sockets_a_signal_and_a_timer() {
    const PER_QUEUE: u32 = 3_000;
    const BYTES: usize = 50_000;
    let queues: Arc<[PollableQueue<u32, 8>; 3]> = Arc::new([
        PollableQueue::new().unwrap(),
        PollableQueue::new().unwrap(),
        PollableQueue::new().unwrap(),
    ]);
    let (mut tcp_tx, mut tcp_rx) = tcp_pair();
    let (mut unix_tx, mut unix_rx) = UnixStream::pair().unwrap();
    tcp_rx.set_nonblocking(true).unwrap();
    unix_rx.set_nonblocking(true).unwrap();

    let selector = Selector::new().unwrap();
    for (i, q) in queues.iter().enumerate() {
        selector.register(Src::Q(i), q).unwrap();
    }
    selector.register(Src::Tcp, &tcp_rx).unwrap();
    selector.register(Src::Unix, &unix_rx).unwrap();
    selector
        .register_signal(Src::Usr1, signal_hook::consts::SIGUSR1)
        .unwrap();
    selector
        .register_timer(Src::Tick, Timer::once(Duration::from_millis(5)))
        .unwrap();

    let feeders: Vec<_> = (0..3)
        .map(|i| {
            let queues = Arc::clone(&queues);
            thread::spawn(move || {
                for n in 0..PER_QUEUE {
                    queues[i].send_blocking(i as u32 * PER_QUEUE + n).unwrap();
                }
                queues[i].close();
            })
        })
        .collect();
    let sockets = thread::spawn(move || {
        let data: Vec<u8> = (0..BYTES).map(|i| (i % 251) as u8).collect();
        for chunk in data.chunks(1000) {
            tcp_tx.write_all(chunk).unwrap();
            unix_tx.write_all(chunk).unwrap();
        }
        signal_hook::low_level::raise(signal_hook::consts::SIGUSR1).unwrap();
        // Dropping both ends: the readers see end of stream.
    });

    let mut seen = HashSet::new();
    let mut closed_queues = HashSet::new();
    let (mut tcp_bytes, mut unix_bytes) = (Vec::new(), Vec::new());
    let (mut tcp_done, mut unix_done) = (false, false);
    let (mut signals, mut ticks) = (0, 0);
    let mut ready: Vec<Ready<Src>> = Vec::new();
    while closed_queues.len() < 3 || !tcp_done || !unix_done || signals == 0 || ticks == 0 {
        let n = selector.wait(&mut ready, GUARD).unwrap();
        assert!(n > 0, "nothing ready within the guard: a lost wake-up");
        for r in &ready {
            assert!(!r.closed);
            match r.key {
                Src::Q(i) => loop {
                    match queues[i].try_recv() {
                        Ok(v) => assert!(seen.insert(v), "item {v} received twice"),
                        Err(RecvError::Empty) => break,
                        Err(RecvError::Closed) => {
                            closed_queues.insert(i);
                            selector.deregister(&Src::Q(i)).unwrap();
                            break;
                        }
                        Err(e) => panic!("{e}"),
                    }
                },
                Src::Tcp => {
                    if drain(&mut tcp_rx, &mut tcp_bytes) {
                        tcp_done = true;
                        selector.deregister(&Src::Tcp).unwrap();
                    }
                }
                Src::Unix => {
                    if drain(&mut unix_rx, &mut unix_bytes) {
                        unix_done = true;
                        selector.deregister(&Src::Unix).unwrap();
                    }
                }
                Src::Usr1 => signals += 1,
                Src::Tick => ticks += 1,
            }
        }
    }
    feeders.into_iter().for_each(|f| f.join().unwrap());
    sockets.join().unwrap();
    assert_eq!(seen.len(), 3 * PER_QUEUE as usize);
    assert!((0..3 * PER_QUEUE).all(|v| seen.contains(&v)));
    let expected: Vec<u8> = (0..BYTES).map(|i| (i % 251) as u8).collect();
    assert_eq!(tcp_bytes, expected);
    assert_eq!(unix_bytes, expected);
    assert_eq!(ticks, 1, "a one-shot timer fires once");
    assert!(signals >= 1);
    // Only the signal is left; the one-shot timer freed its key.
    assert_eq!(selector.len(), 1);
    selector.deregister(&Src::Usr1).unwrap();
    assert!(selector.is_empty());
}

#[test]
fn registration_from_another_thread_wakes_the_waiter() {
    let selector = Arc::new(Selector::new().unwrap());
    let late = Arc::new(PollableQueue::<u8, 2>::new().unwrap());
    let registrar = {
        let (selector, late) = (Arc::clone(&selector), Arc::clone(&late));
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(20)); // let the waiter block first
            selector.register("late", &*late).unwrap();
            late.try_send(1).unwrap();
        })
    };
    let mut ready = Vec::new();
    while ready.is_empty() {
        assert!(selector.wait(&mut ready, GUARD).unwrap() > 0);
    }
    assert_eq!(ready[0].key, "late");
    assert_eq!(late.try_recv(), Ok(1));
    registrar.join().unwrap();
}

#[test]
fn a_timer_registered_later_shortens_a_long_wait() {
    let selector = Arc::new(Selector::new().unwrap());
    let registrar = {
        let selector = Arc::clone(&selector);
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            selector
                .register_timer("soon", Timer::once(Duration::from_millis(1)))
                .unwrap();
        })
    };
    let mut ready = Vec::new();
    // The waiter started with nothing registered and no timeout but the guard.
    while ready.is_empty() {
        assert!(selector.wait(&mut ready, GUARD).unwrap() > 0);
    }
    assert_eq!(ready[0].key, "soon");
    registrar.join().unwrap();
}

#[test]
fn periodic_timer_fires_repeatedly_and_stops_when_deregistered() {
    let selector = Selector::new().unwrap();
    selector
        .register_timer("tick", Timer::every(Duration::from_millis(2)))
        .unwrap();
    let mut ready = Vec::new();
    for _ in 0..5 {
        assert_eq!(selector.wait(&mut ready, GUARD).unwrap(), 1);
        assert_eq!(ready[0].key, "tick");
    }
    selector.deregister(&"tick").unwrap();
    assert_eq!(
        selector
            .wait(&mut ready, Some(Duration::from_millis(10)))
            .unwrap(),
        0
    );
}

#[test]
fn level_semantics_and_timeout() {
    let q: PollableQueue<u8, 4> = PollableQueue::new().unwrap();
    let e = PollableEvent::new().unwrap();
    let selector = Selector::new().unwrap();
    selector.register("q", &q).unwrap();
    selector.register("e", &e).unwrap();
    let mut ready = Vec::new();
    assert_eq!(selector.wait(&mut ready, Some(Duration::ZERO)).unwrap(), 0);
    q.try_send(1).unwrap();
    q.try_send(2).unwrap();
    e.set();
    let keys = |ready: &Vec<Ready<&'static str>>| {
        let mut k: Vec<&'static str> = ready.iter().map(|r| r.key).collect();
        k.sort();
        k
    };
    selector.wait(&mut ready, GUARD).unwrap();
    assert_eq!(keys(&ready), ["e", "q"]);
    // Not drained: reported again.
    q.try_recv().unwrap();
    selector.wait(&mut ready, GUARD).unwrap();
    assert_eq!(keys(&ready), ["e", "q"]);
    q.try_recv().unwrap();
    e.clear();
    assert_eq!(
        selector
            .wait(&mut ready, Some(Duration::from_millis(5)))
            .unwrap(),
        0
    );
}

#[test]
fn writable_interest() {
    let (a, _b) = UnixStream::pair().unwrap();
    let selector = Selector::new().unwrap();
    selector
        .register_with(7u32, &a, Interest::Writable)
        .unwrap();
    let mut ready = Vec::new();
    assert_eq!(selector.wait(&mut ready, GUARD).unwrap(), 1);
    assert!(ready[0].writable);
    assert_eq!(ready[0].key, 7);
}
