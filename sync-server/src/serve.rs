//! The relay's accept loop, for what `axum::serve` leaves unset: how long a client may take to send a
//! request's headers (a keep-alive connection waiting for its next request counts as sending one),
//! and how many connections one IP may hold open at once, WebSockets included. Half-sent requests
//! then cost a bounded number of sockets for a bounded time.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tower_service::Service;

#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// A request's headers must arrive within this long.
    pub header_timeout: Duration,
    /// Connections one IP may hold open at once; more are closed as they arrive.
    pub per_ip: usize,
}

/// Open connections per IP.
type OpenPerIp = Arc<Mutex<HashMap<IpAddr, usize>>>;

/// A socket counted against its IP for as long as it lives: through HTTP, and through a WebSocket
/// upgrade, which keeps the socket.
struct Counted {
    stream: TcpStream,
    ip: IpAddr,
    open: OpenPerIp,
}

impl Counted {
    fn admit(stream: TcpStream, ip: IpAddr, open: &OpenPerIp, limit: usize) -> Option<Counted> {
        let mut counts = crate::lock(open);
        let count = counts.entry(ip).or_insert(0);
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(Counted { stream, ip, open: open.clone() })
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        let mut counts = crate::lock(&self.open);
        if let Some(count) = counts.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

impl AsyncRead for Counted {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Serves `router` on `listener` until `shutdown` resolves; open requests then get a few seconds to
/// finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let open = OpenPerIp::default();
    // Told to each connection at shutdown; the last connection to end drops the last `finished`.
    let (stop, stopping) = tokio::sync::watch::channel(());
    let (all_finished, finished) = tokio::sync::watch::channel(());
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, addr): (TcpStream, SocketAddr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: wait rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(counted) = Counted::admit(stream, addr.ip(), &open, limits.per_ip) else { continue };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(addr));
            let mut router = router.clone();
            async move {
                Ok::<_, Infallible>(
                    router.call(request.map(axum::body::Body::new)).await.unwrap_or_else(|e| match e {}),
                )
            }
        });
        let connection = builder.serve_connection(TokioIo::new(counted), service).with_upgrades();
        let (mut stopping, finished) = (stopping.clone(), finished.clone());
        tokio::spawn(async move {
            let _finished = finished;
            let mut connection = std::pin::pin!(connection);
            // A client that breaks off or times out ends only its own connection.
            tokio::select! {
                _ = connection.as_mut() => return,
                _ = stopping.changed() => connection.as_mut().graceful_shutdown(),
            }
            let _ = connection.await;
        });
    }
    drop(listener);
    let _ = stop.send(());
    drop(finished);
    let _ = tokio::time::timeout(Duration::from_secs(5), all_finished.closed()).await;
    Ok(())
}
