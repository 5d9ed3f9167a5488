//! spindle_std::thread: cooperative stopping (recipe 12.1's CountdownTask and
//! IOTask), including a read loop over a real socket on 127.0.0.1.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use spindle_std::thread::{Builder, ReadError, StopSource, Stopped};

const PATIENCE: Duration = Duration::from_secs(10);

/// A connected pair of sockets on the loopback interface.
fn socket_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    (client, server)
}

#[test]
fn tokens_share_one_request() {
    let source = StopSource::new();
    let (a, b) = (source.token(), source.token().clone());
    assert!(!a.is_stopped() && !b.is_stopped() && !source.is_stopped());
    assert_eq!(a.check(), Ok(()));
    source.clone().stop();
    assert!(a.is_stopped() && b.is_stopped() && source.is_stopped());
    assert_eq!(b.check(), Err(Stopped));
    source.stop(); // idempotent
    assert_eq!(a.wait_timeout(Duration::ZERO), Ok(()));
}

#[test]
fn sleep_runs_its_course_without_a_stop() {
    let token = StopSource::new().token();
    let t0 = Instant::now();
    assert_eq!(token.sleep(Duration::from_millis(15)), Ok(()));
    assert!(t0.elapsed() >= Duration::from_millis(15));
    assert_eq!(token.sleep_until(Instant::now()), Ok(()));
}

#[test]
fn a_stop_cuts_a_long_sleep_short() {
    let source = StopSource::new();
    let token = source.token();
    let t = Builder::new()
        .spawn(move || {
            let t0 = Instant::now();
            let res = token.sleep(Duration::from_secs(3600));
            (res, t0.elapsed())
        })
        .unwrap();
    t.wait_started();
    std::thread::sleep(Duration::from_millis(10));
    source.stop();
    let (res, slept) = t.join().unwrap();
    assert_eq!(res, Err(Stopped));
    assert!(slept < PATIENCE, "slept {slept:?}");
}

#[test]
fn countdown_task_terminates_at_a_safe_point() {
    let t = Builder::new()
        .name("countdown")
        .spawn_stoppable(|stop| {
            let mut n = 1_000_000u32;
            while !stop.is_stopped() && n > 0 {
                n -= 1;
                let _ = stop.sleep(Duration::from_millis(1));
            }
            n
        })
        .unwrap();
    std::thread::sleep(Duration::from_millis(10));
    assert!(t.is_alive());
    assert!(!t.is_stopped());
    t.stop();
    assert!(t.is_stopped());
    let left = t.join().unwrap();
    assert!(left > 0, "the countdown ran to the end");
}

#[test]
fn stop_and_join_and_into_parts() {
    let mut t = Builder::new()
        .spawn_stoppable(|stop| {
            stop.wait_blocking();
            "stopped"
        })
        .unwrap();
    assert_eq!(
        t.join_timeout(Duration::from_millis(5)),
        Err(spindle_std::thread::JoinError::TimedOut)
    );
    let other = t.token();
    assert!(!other.is_stopped());
    let (handle, source) = t.into_parts();
    source.stop();
    assert!(other.is_stopped());
    assert_eq!(handle.join(), Ok("stopped"));

    let t = Builder::new()
        .spawn_stoppable(|stop| stop.wait_blocking())
        .unwrap();
    assert!(t.handle().is_alive());
    assert_eq!(t.stop_and_join(), Ok(()));
}

#[test]
fn async_wait_sees_the_stop() {
    let source = StopSource::new();
    let token = source.token();
    let t = Builder::new()
        .spawn(move || spindle_std::spindle_core::wait::block_on(token.wait()))
        .unwrap();
    source.stop();
    assert_eq!(t.join(), Ok(()));
}

/// The book's IOTask: a blocking read with a timeout, checking the token between
/// reads. Data is read as it comes; a stop ends the loop although the peer is
/// still connected and silent.
#[test]
fn io_loop_reads_until_stopped() {
    let (mut client, mut server) = socket_pair();
    server
        .set_read_timeout(Some(Duration::from_millis(10)))
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let reader = Builder::new()
        .name("io-task")
        .spawn_stoppable(move |stop| -> Result<usize, io::Error> {
            let mut buf = [0u8; 8192];
            let mut total = 0;
            loop {
                match stop.read(&mut server, &mut buf) {
                    Ok(0) => return Ok(total),
                    Ok(n) => {
                        total += n;
                        let _ = tx.send(buf[..n].to_vec());
                    }
                    Err(ReadError::Stopped) => return Ok(total),
                    Err(ReadError::Io(e)) => return Err(e),
                }
            }
        })
        .unwrap();

    client.write_all(b"hello").unwrap();
    let mut got = Vec::new();
    while got.len() < 5 {
        got.extend(rx.recv_timeout(PATIENCE).unwrap());
    }
    assert_eq!(got, b"hello");

    // Silence: the reader keeps timing out and re-checking; still alive.
    std::thread::sleep(Duration::from_millis(30));
    assert!(reader.is_alive());

    let t0 = Instant::now();
    let total = reader.stop_and_join().unwrap().unwrap();
    assert_eq!(total, 5);
    assert!(t0.elapsed() < PATIENCE);
    drop(client);
}

#[test]
fn io_loop_sees_end_of_stream() {
    let (client, mut server) = socket_pair();
    server
        .set_read_timeout(Some(Duration::from_millis(10)))
        .unwrap();
    let stop = StopSource::new();
    let token = stop.token();
    let t = Builder::new()
        .spawn(move || {
            let mut buf = [0u8; 64];
            token.read(&mut server, &mut buf).map_err(|e| e.to_string())
        })
        .unwrap();
    std::thread::sleep(Duration::from_millis(20));
    drop(client);
    assert_eq!(t.join().unwrap(), Ok(0));
}

#[test]
fn read_reports_a_stop_before_reading() {
    let (_client, mut server) = socket_pair();
    let stop = StopSource::new();
    stop.stop();
    let mut buf = [0u8; 16];
    // No read timeout is set: had the token not been checked first, this would
    // block forever.
    let err = stop.token().read(&mut server, &mut buf).unwrap_err();
    assert!(matches!(err, ReadError::Stopped));
    let io_err: io::Error = err.into();
    assert_eq!(io_err.kind(), io::ErrorKind::Interrupted);
}

#[test]
fn read_passes_real_errors_through() {
    struct Broken;
    impl Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::new(io::ErrorKind::ConnectionReset, "reset"))
        }
    }
    let err = StopSource::new()
        .token()
        .read(&mut Broken, &mut [0u8; 4])
        .unwrap_err();
    match err {
        ReadError::Io(e) => assert_eq!(e.kind(), io::ErrorKind::ConnectionReset),
        other => panic!("{other:?}"),
    }
}

#[test]
fn read_retries_timeouts_and_interrupts() {
    /// Times out twice, is interrupted once, then yields data.
    struct Flaky(u32);
    impl Read for Flaky {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.0 += 1;
            match self.0 {
                1 => Err(io::ErrorKind::WouldBlock.into()),
                2 => Err(io::ErrorKind::TimedOut.into()),
                3 => Err(io::ErrorKind::Interrupted.into()),
                _ => {
                    buf[0] = 9;
                    Ok(1)
                }
            }
        }
    }
    let mut flaky = Flaky(0);
    let mut buf = [0u8; 4];
    assert_eq!(
        StopSource::new()
            .token()
            .read(&mut flaky, &mut buf)
            .unwrap(),
        1
    );
    assert_eq!((flaky.0, buf[0]), (4, 9));
}
