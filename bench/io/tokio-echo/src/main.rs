//! Tokio column of weft's I/O table (bench/io/compare.sh): a TCP echo server
//! on a 2-worker multi-thread runtime, one spawned task per connection,
//! TCP_NODELAY on. It follows the server contract of bench/io/README.md:
//! "listening IP:PORT" is its only line on stdout, diagnostics go to stderr,
//! and it serves until SIGTERM or SIGINT.
//!
//! The connection task is written to stay small while it waits: the read
//! buffer lives on the stack of one poll (inside a plain function), never
//! across an await, so an idle task's future holds little more than its
//! TcpStream. Its size is printed on stderr at start-up.
//!
//! Usage: tokio-echo [--addr 127.0.0.1:0]

use std::future::Future;
use std::io::{ErrorKind, Write as _};
use std::task::Poll;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime;
use tokio::signal::unix::{signal, SignalKind};

/// Worker threads, as many as the machine's cores (the other columns use
/// the same parallelism).
const WORKERS: usize = 2;

/// What one readiness event left to do.
enum Step {
    /// Everything read was written back (or nothing was ready): wait again.
    Wait,
    /// The peer closed the connection, or it failed.
    Done,
    /// The socket's send buffer filled up: these bytes still go back.
    Rest(Vec<u8>),
}

/// Reads what is ready and writes it back without waiting. The 4 KiB buffer
/// is a local of this function, so it is never part of the task's future.
fn echo_ready(stream: &TcpStream) -> Step {
    let mut buf = [0u8; 4096];
    let n = match stream.try_read(&mut buf) {
        Ok(0) => return Step::Done,
        Ok(n) => n,
        Err(e) if e.kind() == ErrorKind::WouldBlock => return Step::Wait,
        Err(_) => return Step::Done,
    };
    let mut sent = 0;
    while sent < n {
        match stream.try_write(&buf[sent..n]) {
            Ok(k) => sent += k,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Step::Rest(buf[sent..n].to_vec()),
            Err(_) => return Step::Done,
        }
    }
    Step::Wait
}

/// One connection: wait until readable, echo, repeat until the peer closes.
async fn serve(mut stream: TcpStream) {
    loop {
        if stream.readable().await.is_err() {
            return;
        }
        match echo_ready(&stream) {
            Step::Wait => {}
            Step::Done => return,
            Step::Rest(rest) => {
                if stream.write_all(&rest).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// The size of the future an async fn returns, without calling it.
fn future_size<F, Fut>(_: F) -> usize
where
    F: FnOnce(TcpStream) -> Fut,
    Fut: Future,
{
    std::mem::size_of::<Fut>()
}

async fn accept_loop(listener: TcpListener) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve(stream));
            }
            Err(e) => {
                // Out of descriptors, or a connection reset before accept:
                // report it and go on after a moment.
                eprintln!("tokio-echo: accept: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let addr = match args.as_slice() {
        [_] => "127.0.0.1:0".to_string(),
        [_, flag, a] if flag == "--addr" => a.clone(),
        _ => {
            eprintln!("usage: tokio-echo [--addr IP:PORT]");
            std::process::exit(2);
        }
    };
    let rt = runtime::Builder::new_multi_thread().worker_threads(WORKERS).enable_all().build().unwrap();
    rt.block_on(async {
        let listener = match TcpListener::bind(&addr).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("tokio-echo: listen on {addr}: {e}");
                std::process::exit(1);
            }
        };
        let mut out = std::io::stdout();
        writeln!(out, "listening {}", listener.local_addr().unwrap()).unwrap();
        out.flush().unwrap();
        eprintln!(
            "tokio-echo: tokio {} ({}), connection task future = {} bytes",
            env!("TOKIO_VERSION"),
            env!("TOKIO_SOURCE"),
            future_size(serve)
        );
        tokio::spawn(accept_loop(listener));
        let mut term = signal(SignalKind::terminate()).unwrap();
        let mut int = signal(SignalKind::interrupt()).unwrap();
        std::future::poll_fn(|cx| {
            if term.poll_recv(cx).is_ready() || int.poll_recv(cx).is_ready() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
    });
    rt.shutdown_timeout(Duration::from_millis(200));
}
