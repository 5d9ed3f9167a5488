//! `spindle_std::io` sockets: connect/accept/read/write between tasks of one
//! thread, a refused connect failing only that call, half-close, line limits.
#![cfg(unix)]

use std::cell::RefCell;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::rc::Rc;
use std::time::Duration;

use spindle_core::sched::Scheduler;
use spindle_std::io::{LineReader, Reactor, ReadLineError, TcpListener, TcpStream};

fn closed_port() -> SocketAddr {
    // Bound, then closed: nobody listens there (for the next few moments).
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

#[test]
fn a_refused_connect_fails_that_call_only() {
    let reactor = Reactor::new().unwrap();
    let listener = TcpListener::bind(&reactor, "127.0.0.1:0").unwrap();
    let good = listener.local_addr().unwrap();
    let bad = closed_port();
    let sched: Scheduler<2> = Scheduler::new();
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    sched
        .spawn_boxed(async move {
            let (s, _) = listener.accept().await.unwrap();
            let mut buf = [0; 4];
            let n = s.read(&mut buf).await.unwrap();
            s.write_all(&buf[..n]).await.unwrap();
            l.borrow_mut().push("served".to_string());
        })
        .unwrap();
    let (r, l) = (reactor.clone(), log.clone());
    sched
        .spawn_boxed(async move {
            let e = TcpStream::connect(&r, bad).await.unwrap_err();
            l.borrow_mut().push(format!("{:?}", e.kind()));
            // The reactor and everything else carry on.
            let c = TcpStream::connect(&r, good).await.unwrap();
            c.write_all(b"ping").await.unwrap();
            let mut buf = [0; 4];
            let mut got = 0;
            while got < 4 {
                got += c.read(&mut buf[got..]).await.unwrap();
            }
            l.borrow_mut()
                .push(String::from_utf8_lossy(&buf).into_owned());
        })
        .unwrap();
    reactor.run(&sched);
    let log = log.borrow();
    assert!(log.contains(&"ConnectionRefused".to_string()), "{log:?}");
    assert!(log.contains(&"ping".to_string()), "{log:?}");
    assert!(log.contains(&"served".to_string()), "{log:?}");
    assert_eq!(reactor.pending(), (0, 0), "every socket deregistered");
}

#[test]
fn half_close_reads_eof_and_still_writes() {
    let reactor = Reactor::new().unwrap();
    let listener = TcpListener::bind(&reactor, "127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    // A plain blocking client on another thread.
    let client = std::thread::spawn(move || {
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut got = String::new();
        c.read_to_string(&mut got).unwrap(); // the server half-closed
        c.write_all(b"reply after your eof").unwrap();
        got
    });
    let sched: Scheduler<1> = Scheduler::new();
    let heard = Rc::new(RefCell::new(Vec::new()));
    let h = heard.clone();
    sched
        .spawn_boxed(async move {
            let (s, _) = listener.accept().await.unwrap();
            s.write_all(b"bye").await.unwrap();
            s.shutdown(Shutdown::Write).unwrap();
            let mut buf = [0; 64];
            loop {
                let n = s.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                h.borrow_mut().extend_from_slice(&buf[..n]);
            }
        })
        .unwrap();
    reactor.run(&sched);
    assert_eq!(client.join().unwrap(), "bye");
    assert_eq!(&*heard.borrow(), b"reply after your eof");
}

/// Runs `check` on the server end of a connection whose client sends `data`
/// (then closes).
fn with_lines(data: &'static [u8], check: impl AsyncFnOnce(TcpStream) + 'static) {
    let reactor = Reactor::new().unwrap();
    let listener = TcpListener::bind(&reactor, "127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let client = std::thread::spawn(move || {
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        c.write_all(data).unwrap();
    });
    let sched: Scheduler<1> = Scheduler::new();
    sched
        .spawn_boxed(async move {
            let (s, _) = listener.accept().await.unwrap();
            check(s).await;
        })
        .unwrap();
    reactor.run(&sched);
    client.join().unwrap();
}

#[test]
fn read_line_limits_and_endings() {
    with_lines(b"abc\n12345678\nxyz", async |s| {
        let mut lines = LineReader::new(&s);
        let mut line = Vec::new();
        assert_eq!(lines.read_line(&mut line, 4).await.unwrap(), 4);
        assert_eq!(line, b"abc\n");
        line.clear();
        // 9 bytes with the newline: over a limit of 8.
        let e = lines.read_line(&mut line, 8).await.unwrap_err();
        assert!(matches!(e, ReadLineError::TooLong { limit: 8 }), "{e}");
        assert!(line.is_empty());
        // With room, the same line reads whole.
        assert_eq!(lines.read_line(&mut line, 9).await.unwrap(), 9);
        line.clear();
        // The client closed after "xyz".
        let e = lines.read_line(&mut line, 100).await.unwrap_err();
        assert!(matches!(e, ReadLineError::ClosedMidLine { len: 3 }), "{e}");
        assert_eq!(line, b"xyz");
        line.clear();
        assert_eq!(lines.read_line(&mut line, 100).await.unwrap(), 0);
    });
}

#[test]
fn read_line_too_long_without_any_newline() {
    with_lines(&[b'z'; 10_000], async |s| {
        let mut lines = LineReader::new(&s);
        let mut line = Vec::new();
        let e = lines.read_line(&mut line, 100).await.unwrap_err();
        assert!(matches!(e, ReadLineError::TooLong { limit: 100 }), "{e}");
        // Not more than a chunk past the limit was read.
        assert!(lines.buffered().len() < 100 + 8192);
    });
}

/// Reads `s` in small chunks until end-of-file.
async fn read_to_eof(s: &TcpStream) -> Vec<u8> {
    let mut buf = [0u8; 64];
    let mut got = Vec::new();
    loop {
        match s.read(&mut buf).await.unwrap() {
            0 => return got,
            n => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// The client's last bytes and its FIN are both queued before the server's first
/// read (the client is gone before the server even accepts): the short read that
/// takes the bytes must not be taken for "drained, wait for the next event" (no
/// further event comes), so the next read sees end-of-file instead of hanging.
#[test]
fn a_short_read_with_the_fin_already_queued_still_reaches_eof() {
    spindle_test_support::within(Duration::from_secs(5), || {
        let reactor = Reactor::new().unwrap();
        let listener = TcpListener::bind(&reactor, "127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let mut c = std::net::TcpStream::connect(addr).unwrap();
            c.write_all(b"last words").unwrap();
        })
        .join()
        .unwrap();
        let sched: Scheduler<1> = reactor.scheduler();
        sched
            .spawn_boxed(async move {
                let (s, _) = listener.accept().await.unwrap();
                assert_eq!(read_to_eof(&s).await, b"last words");
            })
            .unwrap();
        reactor.run(&sched);
        assert!(sched.is_empty());
    });
}

/// A short read marks the socket drained; bytes that arrive afterwards raise a
/// new event and are read, and the FIN that typically comes with them (the
/// client closes at once) is still read as end-of-file: its `EPOLLRDHUP` keeps
/// the socket readable after the short read of "two" (without that report this
/// hangs, which `within` turns into a failure).
#[test]
fn data_after_a_short_read_is_still_seen() {
    spindle_test_support::within(Duration::from_secs(5), || {
        let reactor = Reactor::new().unwrap();
        let listener = TcpListener::bind(&reactor, "127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let client = std::thread::spawn(move || {
            let mut c = std::net::TcpStream::connect(addr).unwrap();
            c.write_all(b"one").unwrap();
            rx.recv().unwrap(); // the server has read "one"
            c.write_all(b"two").unwrap();
        });
        let sched: Scheduler<1> = reactor.scheduler();
        sched
            .spawn_boxed(async move {
                let (s, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; 64];
                let n = s.read(&mut buf).await.unwrap();
                assert_eq!(&buf[..n], b"one");
                tx.send(()).unwrap();
                assert_eq!(read_to_eof(&s).await, b"two");
            })
            .unwrap();
        reactor.run(&sched);
        client.join().unwrap();
        assert!(sched.is_empty());
    });
}
