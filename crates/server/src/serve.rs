//! Serving the router on a socket: [`bind`], [`BoundServer`], [`ServerHandle`] and
//! [`shutdown_signal`].

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use axum::Router;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::{RepositoryProvider, ServerConfig, router};

/// Binds `addr` (port `0` picks a free one) for a server over `config`.
///
/// The socket accepts connections from now on; they are answered once the
/// [`BoundServer`] is served. See the [crate docs](crate) for an example.
pub async fn bind<P: RepositoryProvider>(
    addr: SocketAddr,
    config: ServerConfig<P>,
) -> io::Result<BoundServer> {
    BoundServer::from_listener(TcpListener::bind(addr).await?, config)
}

/// A server bound to its socket, not serving yet: [`serve`](Self::serve) it in this
/// task, or [`spawn`](Self::spawn) it.
#[derive(Debug)]
pub struct BoundServer {
    listener: TcpListener,
    local_addr: SocketAddr,
    router: Router,
}

impl BoundServer {
    /// A server over `config` on a listener bound elsewhere.
    pub fn from_listener<P: RepositoryProvider>(
        listener: TcpListener,
        config: ServerConfig<P>,
    ) -> io::Result<Self> {
        Ok(Self {
            local_addr: listener.local_addr()?,
            listener,
            router: router(config),
        })
    }

    /// The address the server listens on (with the real port when bound to port `0`).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The URL clients use to reach the server, such as `http://127.0.0.1:8080`; see
    /// [`ServerHandle::base_url`].
    pub fn base_url(&self) -> String {
        base_url(self.local_addr)
    }

    /// Serves until `shutdown` resolves, then shuts down gracefully: stops accepting,
    /// lets requests in flight finish (each is bounded by the request timeout), closes
    /// idle connections, and returns.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        // Answers are small and written at once: Nagle's delay would only add latency.
        let listener = self.listener.tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::debug!(%error, "could not set TCP_NODELAY");
            }
        });
        axum::serve(listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
    }

    /// Serves on a new tokio task; the handle shuts it down.
    pub fn spawn(self) -> ServerHandle {
        let (stop, stopped) = oneshot::channel::<()>();
        let local_addr = self.local_addr;
        let task = tokio::spawn(self.serve(async move {
            // A dropped handle stops the server too.
            let _ = stopped.await;
        }));
        ServerHandle {
            local_addr,
            stop,
            task,
        }
    }
}

/// A server running on its own task.
///
/// [`shutdown`](Self::shutdown) stops it gracefully and waits. Dropping the handle
/// also starts a graceful shutdown, without waiting for it.
#[derive(Debug)]
pub struct ServerHandle {
    local_addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<io::Result<()>>,
}

impl ServerHandle {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The server's base URL, such as `http://127.0.0.1:8080`. An unspecified address
    /// (`0.0.0.0`, `::`) is given as the loopback address, which reaches it.
    pub fn base_url(&self) -> String {
        base_url(self.local_addr)
    }

    /// Stops accepting connections, waits for the requests in flight to be answered,
    /// and returns once the server has stopped. A failure of the server is logged.
    pub async fn shutdown(self) {
        // The server may have stopped already, dropping the receiver: nothing to do.
        let _ = self.stop.send(());
        match self.task.await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::error!(%error, "the server failed"),
            Err(error) => tracing::error!(%error, "the server task did not finish"),
        }
    }
}

/// Resolves when the process receives `SIGINT` (Ctrl-C) or, on Unix, `SIGTERM`: the
/// shutdown signal for a server run from the command line.
///
/// ```no_run
/// # async fn example(server: collab_server::BoundServer) -> std::io::Result<()> {
/// server.serve(collab_server::shutdown_signal()).await
/// # }
/// ```
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("interrupted: shutting down"),
        () = terminate => tracing::info!("terminated: shutting down"),
    }
}

/// `http://ADDR`, with an unspecified address (`0.0.0.0`, `::`) given as the loopback
/// address, which reaches it from this machine.
fn base_url(mut addr: SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        });
    }
    format!("http://{addr}")
}
