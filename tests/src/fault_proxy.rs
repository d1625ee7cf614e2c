//! A TCP fault proxy for partition tests: it sits between a node and the broker on loopback
//! and forwards bytes both ways until told to misbehave. The faults are the ones a network
//! makes and a clean shutdown never shows:
//!
//! - [`Mode::Delay`]: every chunk arrives that much later (a slow link; order is kept);
//! - [`Mode::BlackHole`]: sockets stay open but nothing moves either way, and new connections
//!   are accepted but never reach the broker (a silent partition: neither side gets a FIN or
//!   an RST, only heartbeats can tell). Bytes sent meanwhile are held, not lost, and flow on
//!   after [`FaultProxy::heal`], as TCP's retransmissions would deliver them;
//! - [`FaultProxy::cut`]: every open connection is closed on both sides with an RST
//!   (`SO_LINGER` 0), as a crashed middlebox or a reset link does; later connections pass.
//!
//! The proxy runs on a thread and runtime of its own, so a test that blocks its own runtime
//! (`block_in_place`, `rabbitmqctl`) never stalls the traffic; dropping it closes everything.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

/// What the proxy does with the bytes of its connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Forward at once.
    Pass,
    /// Forward each chunk this much later.
    Delay(Duration),
    /// Forward nothing, close nothing.
    BlackHole,
}

/// What the proxy's tasks watch.
struct Control {
    mode: watch::Sender<Mode>,
    /// Bumped by every cut: connections opened before it reset themselves.
    cuts: watch::Sender<u64>,
    /// Connections currently proxied (accepted and not yet closed).
    open: watch::Sender<usize>,
}

/// A running proxy from a loopback port to `upstream`.
pub struct FaultProxy {
    addr: SocketAddr,
    control: Arc<Control>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// A proxy on a free port of 127.0.0.1 forwarding to `upstream`, in [`Mode::Pass`].
    pub fn start(upstream: SocketAddr) -> io::Result<FaultProxy> {
        FaultProxy::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), upstream)
    }

    /// A proxy listening on `listen` (port 0: a free one) forwarding to `upstream`.
    pub fn start_on(listen: SocketAddr, upstream: SocketAddr) -> io::Result<FaultProxy> {
        let listener = std::net::TcpListener::bind(listen)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let control = Arc::new(Control {
            mode: watch::channel(Mode::Pass).0,
            cuts: watch::channel(0).0,
            open: watch::channel(0).0,
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let shared = control.clone();
        let thread = std::thread::Builder::new()
            .name(format!("fault-proxy-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => return eprintln!("fault proxy {addr}: {e}"),
                    };
                    tokio::select! {
                        () = accept_loop(listener, upstream, shared) => {}
                        _ = stopped => {}
                    }
                });
                // Dropping the runtime drops every connection task, closing their sockets.
            })?;
        Ok(FaultProxy {
            addr,
            control,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Where nodes connect instead of the broker.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The current mode.
    pub fn mode(&self) -> Mode {
        *self.control.mode.borrow()
    }

    /// Sets the mode for open connections and new ones.
    pub fn set_mode(&self, mode: Mode) {
        self.control.mode.send_replace(mode);
    }

    /// Each chunk arrives `delay` later.
    pub fn delay(&self, delay: Duration) {
        self.set_mode(Mode::Delay(delay));
    }

    /// Nothing moves, nothing closes.
    pub fn black_hole(&self) {
        self.set_mode(Mode::BlackHole);
    }

    /// Back to forwarding at once; bytes held by a black hole flow on.
    pub fn heal(&self) {
        self.set_mode(Mode::Pass);
    }

    /// Resets every open connection on both sides (RST, not FIN); the mode stays as it was.
    pub fn cut(&self) {
        self.control.cuts.send_modify(|n| *n += 1);
    }

    /// How many connections are open through the proxy now.
    pub fn open_connections(&self) -> usize {
        *self.control.open.borrow()
    }

    /// Waits (blocking, up to `within`) until `count` connections are open; false if not.
    pub fn wait_open_connections(&self, count: usize, within: Duration) -> bool {
        let deadline = std::time::Instant::now() + within;
        while std::time::Instant::now() < deadline {
            if self.open_connections() == count {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.open_connections() == count
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(listener: TcpListener, upstream: SocketAddr, control: Arc<Control>) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            // Out of descriptors or the like: try again shortly rather than spin.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let control = control.clone();
        tokio::spawn(async move {
            control.open.send_modify(|n| *n += 1);
            proxy(client, upstream, &control).await;
            control.open.send_modify(|n| *n -= 1);
        });
    }
}

/// One proxied connection, until either side closes or a cut resets it.
async fn proxy(client: TcpStream, upstream: SocketAddr, control: &Control) {
    let mut cuts = control.cuts.subscribe();
    cuts.borrow_and_update();
    let mut mode = control.mode.subscribe();
    // Through a black hole even the broker's greeting never comes: connect once it heals.
    let upstream = tokio::select! {
        () = open(&mut mode) => TcpStream::connect(upstream).await,
        _ = cuts.changed() => return reset(&client),
    };
    let Ok(server) = upstream else {
        return reset(&client);
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let cut = tokio::select! {
        _ = pump(&mut client_read, &mut server_write, control.mode.subscribe()) => false,
        _ = pump(&mut server_read, &mut client_write, control.mode.subscribe()) => false,
        _ = cuts.changed() => true,
    };
    if cut {
        // Whole sockets again: dropping a write half alone would send a FIN before the RST.
        for (read, write) in [(client_read, client_write), (server_read, server_write)] {
            if let Ok(stream) = read.reunite(write) {
                reset(&stream);
            }
        }
    }
}

/// Makes the socket's close send an RST (the caller drops it right after).
fn reset(stream: &TcpStream) {
    let _ = stream.set_zero_linger();
}

/// Resolves once the mode lets bytes through.
async fn open(mode: &mut watch::Receiver<Mode>) {
    let _ = mode.wait_for(|m| *m != Mode::BlackHole).await;
}

/// Copies `from` to `to` in one direction, through a delay line: the reader stamps each chunk
/// with when it may leave, the writer waits for that (and for a black hole to heal).
async fn pump(
    from: &mut (impl AsyncRead + Unpin),
    to: &mut (impl AsyncWrite + Unpin),
    mode: watch::Receiver<Mode>,
) -> io::Result<()> {
    let (line, mut leaving) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let mut read_mode = mode.clone();
    let read = async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            open(&mut read_mode).await;
            let n = from.read(&mut buf).await?;
            if n == 0 {
                return Ok::<(), io::Error>(());
            }
            let delay = match *read_mode.borrow() {
                Mode::Delay(d) => d,
                Mode::Pass | Mode::BlackHole => Duration::ZERO,
            };
            if line
                .send((Instant::now() + delay, buf[..n].to_vec()))
                .is_err()
            {
                return Ok(());
            }
        }
    };
    let mut write_mode = mode;
    let write = async move {
        while let Some((due, chunk)) = leaving.recv().await {
            tokio::time::sleep_until(due).await;
            open(&mut write_mode).await;
            to.write_all(&chunk).await?;
        }
        to.shutdown().await
    };
    tokio::try_join!(read, write).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An echo server on a free loopback port; it counts the connections it accepted.
    async fn echo() -> (SocketAddr, watch::Receiver<usize>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (accepted, seen) = watch::channel(0usize);
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                accepted.send_modify(|n| *n += 1);
                tokio::spawn(async move {
                    let (mut r, mut w) = stream.split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                });
            }
        });
        (addr, seen)
    }

    async fn round_trip(stream: &mut TcpStream, text: &[u8]) -> io::Result<Vec<u8>> {
        stream.write_all(text).await?;
        let mut got = vec![0u8; text.len()];
        stream.read_exact(&mut got).await?;
        Ok(got)
    }

    const LONG: Duration = Duration::from_secs(5);

    /// The next read on `stream` fails with a reset (an RST, not a clean close), within
    /// [`LONG`].
    async fn assert_reset(stream: &mut TcpStream) {
        let mut buf = [0u8; 1];
        let read = tokio::time::timeout(LONG, stream.read(&mut buf))
            .await
            .expect("the read ends");
        assert_eq!(
            read.map_err(|e| e.kind()),
            Err(io::ErrorKind::ConnectionReset),
            "an RST, not a clean close"
        );
    }

    #[tokio::test]
    async fn pass_forwards_both_ways_and_counts_connections() {
        let (upstream, _) = echo().await;
        let proxy = FaultProxy::start(upstream).unwrap();
        let mut stream = TcpStream::connect(proxy.addr()).await.unwrap();
        assert_eq!(round_trip(&mut stream, b"hello").await.unwrap(), b"hello");
        assert_eq!(proxy.open_connections(), 1);
        drop(stream);
        let closed = tokio::task::spawn_blocking(move || proxy.wait_open_connections(0, LONG));
        assert!(
            closed.await.unwrap(),
            "the proxied connection closes with its client"
        );
    }

    #[tokio::test]
    async fn delay_holds_each_chunk_at_least_that_long_and_keeps_order() {
        let (upstream, _) = echo().await;
        let proxy = FaultProxy::start(upstream).unwrap();
        proxy.delay(Duration::from_millis(150));
        let mut stream = TcpStream::connect(proxy.addr()).await.unwrap();
        let started = std::time::Instant::now();
        stream.write_all(b"one ").await.unwrap();
        stream.write_all(b"two").await.unwrap();
        let mut got = [0u8; 7];
        stream.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"one two");
        // Out and back: two delays at least.
        assert!(started.elapsed() >= Duration::from_millis(300));
        proxy.heal();
        assert_eq!(round_trip(&mut stream, b"now").await.unwrap(), b"now");
    }

    #[tokio::test]
    async fn a_black_hole_keeps_sockets_open_moves_nothing_and_heals() {
        let (upstream, accepted) = echo().await;
        let proxy = FaultProxy::start(upstream).unwrap();
        let mut stream = TcpStream::connect(proxy.addr()).await.unwrap();
        assert_eq!(round_trip(&mut stream, b"before").await.unwrap(), b"before");
        proxy.black_hole();
        let silent = tokio::time::timeout(
            Duration::from_millis(400),
            round_trip(&mut stream, b"during"),
        )
        .await;
        assert!(
            silent.is_err(),
            "nothing came back, and no EOF or reset either"
        );
        // A new connection is accepted but never reaches the server.
        let mut late = TcpStream::connect(proxy.addr()).await.unwrap();
        late.write_all(b"late").await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            *accepted.borrow(),
            1,
            "no new connection reached the server"
        );
        proxy.heal();
        // What was sent into the hole arrives after the heal, in order.
        let mut held = [0u8; 6];
        tokio::time::timeout(LONG, stream.read_exact(&mut held))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(&held, b"during");
        let mut got = [0u8; 4];
        tokio::time::timeout(LONG, late.read_exact(&mut got))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(&got, b"late");
        assert_eq!(*accepted.borrow(), 2);
    }

    #[tokio::test]
    async fn cut_resets_open_connections_and_later_ones_pass() {
        let (upstream, _) = echo().await;
        let proxy = FaultProxy::start(upstream).unwrap();
        let mut stream = TcpStream::connect(proxy.addr()).await.unwrap();
        assert_eq!(round_trip(&mut stream, b"x").await.unwrap(), b"x");
        proxy.cut();
        assert_reset(&mut stream).await;
        let mut again = TcpStream::connect(proxy.addr()).await.unwrap();
        assert_eq!(round_trip(&mut again, b"y").await.unwrap(), b"y");
    }

    #[tokio::test]
    async fn cut_also_resets_connections_waiting_in_a_black_hole() {
        let (upstream, _) = echo().await;
        let proxy = FaultProxy::start(upstream).unwrap();
        proxy.black_hole();
        let mut stream = TcpStream::connect(proxy.addr()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        proxy.cut();
        assert_reset(&mut stream).await;
    }
}
