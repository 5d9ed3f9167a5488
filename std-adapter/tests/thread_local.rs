//! spindle_std::thread::PerThread: recipe 12.6's per-object thread-local state,
//! with the book's LazyConnection over real sockets on 127.0.0.1.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;

use spindle_std::thread::{spawn, PerThread};

#[test]
fn each_thread_sees_only_its_own_value() {
    let local = Arc::new(PerThread::new());
    local.set(0u32).unwrap();
    let handles: Vec<_> = (1..=4u32)
        .map(|n| {
            let local = Arc::clone(&local);
            spawn(move || {
                assert!(!local.is_set());
                local.set(n).unwrap();
                for _ in 0..100 {
                    local.with(|v| *v += n).unwrap();
                }
                local.with(|v| *v).unwrap()
            })
            .unwrap()
        })
        .collect();
    for (n, h) in (1..=4u32).zip(handles) {
        assert_eq!(h.join().unwrap(), Some(n * 101));
    }
    assert_eq!(local.with(|v| *v).unwrap(), Some(0));
}

#[test]
fn the_owner_gathers_every_threads_value() {
    let mut tally: PerThread<u64> = PerThread::new();
    std::thread::scope(|s| {
        for n in 1..=8u64 {
            let tally = &tally;
            s.spawn(move || {
                for _ in 0..n {
                    tally.with_or_insert(|| 0, |c| *c += 1).unwrap();
                }
            });
        }
    });
    assert_eq!(tally.iter_mut().map(|c| *c).sum::<u64>(), 36);
    let mut all: Vec<u64> = tally.into_values().collect();
    all.sort_unstable();
    assert_eq!(all, (1..=8).collect::<Vec<_>>());
}

#[test]
fn a_new_thread_never_inherits_a_finished_threads_value() {
    let local: Arc<PerThread<String>> = Arc::new(PerThread::new());
    // One after another, so the crate's slots are handed from thread to thread.
    for i in 0..20 {
        let l = Arc::clone(&local);
        let had = spawn(move || {
            let had = l.is_set();
            l.set(format!("thread {i}")).unwrap();
            had
        })
        .unwrap()
        .join()
        .unwrap();
        assert!(!had, "thread {i} saw another thread's value");
    }
    let mut local = Arc::into_inner(local).unwrap();
    assert_eq!(local.iter_mut().count(), 20);
    local.clear();
    assert_eq!(local.iter_mut().count(), 0);
}

#[test]
fn set_take_and_reentrancy() {
    let local = PerThread::new();
    assert!(!local.is_set());
    assert_eq!(local.take().unwrap(), None);
    assert_eq!(local.set(vec![1]).unwrap(), None);
    assert_eq!(local.set(vec![2]).unwrap(), Some(vec![1]));
    let inner = local
        .with(|v| {
            v.push(3);
            // Re-entrant use: errors, and the value comes back.
            assert!(local.is_set());
            assert_eq!(local.set(vec![9]).unwrap_err().0, vec![9]);
            assert!(local.take().is_err());
            assert!(local.with(|_| ()).is_err());
            assert!(local.with_or_insert(Vec::new, |_| ()).is_err());
            v.len()
        })
        .unwrap();
    assert_eq!(inner, Some(2));
    assert_eq!(local.take().unwrap(), Some(vec![2, 3]));
    assert!(!local.is_set());
    let err = local.with(|_| local.take().unwrap_err()).unwrap();
    assert_eq!(err, None); // nothing set, so `with` never ran the closure
    let _ = local.set(vec![]);
    let err = local.with(|_| local.take().unwrap_err()).unwrap().unwrap();
    assert!(err.to_string().contains("in use"));
}

/// The book's LazyConnection: one shared object, one socket per thread.
struct LazyConnection {
    addr: SocketAddr,
    local: PerThread<TcpStream>,
}

impl LazyConnection {
    fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            local: PerThread::new(),
        }
    }

    /// `with conn as s:` - connect, run `f`, close.
    fn with_connection<R>(&self, f: impl FnOnce(&mut TcpStream) -> io::Result<R>) -> io::Result<R> {
        if self.local.is_set() {
            return Err(io::Error::other("Already connected"));
        }
        let sock = TcpStream::connect(self.addr)?;
        self.local
            .set(sock)
            .map_err(|_| io::Error::other("Already connected"))?;
        let out = self
            .local
            .with(f)
            .map_err(io::Error::other)?
            .unwrap_or_else(|| Err(io::Error::other("not connected")));
        drop(self.local.take()); // __exit__: close the socket
        out
    }
}

#[test]
fn lazy_connection_gives_each_thread_its_own_socket() {
    // An echo server that answers each connection with its peer port.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        for _ in 0..4 {
            let (mut s, peer) = listener.accept().unwrap();
            let mut req = [0u8; 4];
            s.read_exact(&mut req).unwrap();
            s.write_all(format!("{} {}", String::from_utf8_lossy(&req), peer.port()).as_bytes())
                .unwrap();
        }
    });

    let conn = Arc::new(LazyConnection::new(addr));
    let clients: Vec<_> = (0..4)
        .map(|i| {
            let conn = Arc::clone(&conn);
            spawn(move || {
                conn.with_connection(|s| {
                    s.write_all(format!("GET{i}").as_bytes())?;
                    let mut resp = String::new();
                    s.read_to_string(&mut resp)?;
                    let local_port = s.local_addr()?.port();
                    Ok((resp, local_port))
                })
                .unwrap()
            })
            .unwrap()
        })
        .collect();
    let mut ports = Vec::new();
    for (i, c) in clients.into_iter().enumerate() {
        let (resp, port) = c.join().unwrap();
        assert_eq!(
            resp,
            format!("GET{i} {port}"),
            "thread {i} read another's reply"
        );
        ports.push(port);
    }
    ports.sort_unstable();
    ports.dedup();
    assert_eq!(ports.len(), 4, "threads shared a socket");
    server.join().unwrap();

    // Nested use on one thread is the book's RuntimeError('Already connected').
    let nested =
        conn.with_connection(|_| Ok(conn.with_connection(|_| Ok(())).unwrap_err().to_string()));
    // The outer connect fails too now (no server), or reports the nesting.
    match nested {
        Ok(msg) => assert!(msg.contains("Already connected")),
        Err(e) => assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused),
    }
}
