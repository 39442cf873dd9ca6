//! Serving the router on a socket: [`bind`], [`BoundServer`] and [`ServerHandle`].

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};
use tokio::task::{JoinHandle, JoinSet};
use tower::{Layer, Service};

use crate::config::ConnectionLimits;
use crate::http::cause::{Delivery, NoAnswer};
use crate::middleware::record::RecordLayer;
use crate::router::{LayeredRouter, layered_router_and_record};
use crate::serve::busy::answer_busy;
use crate::serve::delivery::deliver;
use crate::serve::in_flight::{Activity, InFlightBody, WatchedRequestBody};
use crate::serve::watched_io::WatchedIo;
use crate::{RepositoryProvider, Server, ServerConfig};

/// How many connections over [`ServerConfig::max_connections`] are answered `503`
/// at once; any more are closed without an answer.
const BUSY_ANSWERS: usize = 64;

/// How long a connection over the limit has to send its request head before it is
/// closed without its `503`.
const BUSY_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(1);

/// How long to wait before accepting again after `accept` failed (out of file
/// descriptors, say), so that the failure does not spin.
const ACCEPT_RETRY_DELAY: Duration = Duration::from_millis(50);

/// Binds `addr` (port `0` picks a free one) for a server over `config`.
///
/// The socket accepts connections from now on; they are answered once the
/// [`BoundServer`] is served. See the [crate docs](crate) for an example.
///
/// The same as `config.build()?.bind(addr)` ([`ServerConfig::build`],
/// [`Server::bind`]), with an invalid config an
/// [`InvalidInput`](io::ErrorKind::InvalidInput) error.
pub async fn bind<P: RepositoryProvider>(
    addr: SocketAddr,
    config: ServerConfig<P>,
) -> io::Result<BoundServer> {
    config.build().map_err(invalid_input)?.bind(addr).await
}

impl<P: RepositoryProvider> Server<P> {
    /// Binds `addr` (port `0` picks a free one) for this server: the socket accepts
    /// connections from now on, answered once the [`BoundServer`] is served.
    pub async fn bind(self, addr: SocketAddr) -> io::Result<BoundServer> {
        self.on_listener(TcpListener::bind(addr).await?)
    }

    /// This server on a listener bound elsewhere.
    pub fn on_listener(self, listener: TcpListener) -> io::Result<BoundServer> {
        let config = self.into_config();
        let limits = config.connection_limits();
        let (router, record) = layered_router_and_record(config);
        Ok(BoundServer {
            local_addr: listener.local_addr()?,
            listener,
            limits,
            router,
            record,
            open: Arc::new(AtomicUsize::new(0)),
        })
    }
}

fn invalid_input(error: crate::ConfigError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, error)
}

/// A server bound to its socket, not serving yet: [`serve`](Self::serve) it in this
/// task, or [`spawn`](Self::spawn) it.
///
/// Each connection is served by hyper-util's HTTP/1 and HTTP/2 connection builder
/// under the deadlines and limits of its [`ServerConfig`]: the header-read, idle and
/// write timeouts, the connection limit, the lingering close and the shutdown grace
/// period (the config's setters say what each does, and its defaults).
#[derive(Debug)]
pub struct BoundServer {
    listener: TcpListener,
    local_addr: SocketAddr,
    router: LayeredRouter,
    /// Where the connections' own refusals (the busy `503`s) are recorded.
    record: RecordLayer,
    limits: ConnectionLimits,
    open: Arc<AtomicUsize>,
}

impl BoundServer {
    /// A server over `config` on a listener bound elsewhere: the same as
    /// `config.build()?.on_listener(listener)` ([`Server::on_listener`]), with an
    /// invalid config an [`InvalidInput`](io::ErrorKind::InvalidInput) error.
    pub fn from_listener<P: RepositoryProvider>(
        listener: TcpListener,
        config: ServerConfig<P>,
    ) -> io::Result<Self> {
        config.build().map_err(invalid_input)?.on_listener(listener)
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

    /// Serves until `shutdown` resolves, then shuts down within the grace period
    /// ([`ServerConfig::with_shutdown_grace`]): stops accepting at once, lets the
    /// requests in flight finish and answers them with `Connection: close`, closes
    /// idle connections, and when the grace period ends closes whatever is left.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        let Self {
            listener,
            router,
            record,
            limits,
            open,
            ..
        } = self;
        let served = Served::new(router, record, limits, open);
        // Connections served are watched by hyper-util's graceful shutdown; the busy
        // 503s are not waited for.
        let mut connections = JoinSet::new();
        let mut refusals = JoinSet::new();
        let graceful = GracefulShutdown::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                // Reaps finished connections, so that the sets hold only open ones.
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                Some(_) = refusals.join_next(), if !refusals.is_empty() => {}
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        let tasks = Tasks {
                            connections: &mut connections,
                            refusals: &mut refusals,
                            graceful: &graceful,
                        };
                        served.accept(stream, tasks);
                    }
                    Err(error) => {
                        tracing::warn!(%error, "could not accept a connection");
                        tokio::time::sleep(ACCEPT_RETRY_DELAY).await;
                    }
                },
            }
        }
        drop(listener);
        refusals.shutdown().await;
        // Tells every connection to finish: an answer made from now on says
        // `Connection: close`, an idle connection closes. Resolves once all have.
        let all_closed = graceful.shutdown();
        tokio::pin!(all_closed);
        // hyper-util has no deadline for it: the grace period is the server's own.
        let grace = tokio::time::sleep(limits.shutdown_grace);
        tokio::pin!(grace);
        tokio::select! {
            () = &mut all_closed => {}
            () = &mut grace => {
                tracing::warn!(
                    connections = connections.len(),
                    grace_ms = limits.shutdown_grace.as_millis() as u64,
                    "closing the connections still open after the shutdown grace period"
                );
                connections.shutdown().await;
            }
        }
        // Each task ends right after its connection.
        while connections.join_next().await.is_some() {}
        Ok(())
    }

    /// Serves on a new tokio task; the handle shuts it down.
    pub fn spawn(self) -> ServerHandle {
        let (stop, stopped) = oneshot::channel::<()>();
        let local_addr = self.local_addr;
        let open = Arc::clone(&self.open);
        let task = tokio::spawn(self.serve(async move {
            // A dropped handle stops the server too.
            let _ = stopped.await;
        }));
        ServerHandle {
            local_addr,
            stop,
            task,
            open,
        }
    }
}

/// What every connection of one server shares.
struct Served {
    router: LayeredRouter,
    /// Where the busy `503`s are recorded, as the router records its answers.
    record: RecordLayer,
    limits: ConnectionLimits,
    builder: auto::Builder<TokioExecutor>,
    busy_builder: auto::Builder<TokioExecutor>,
    slots: Arc<Semaphore>,
    busy_slots: Arc<Semaphore>,
    open: Arc<AtomicUsize>,
}

impl Served {
    fn new(
        router: LayeredRouter,
        record: RecordLayer,
        limits: ConnectionLimits,
        open: Arc<AtomicUsize>,
    ) -> Self {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        // The socket (`WatchedIo`) enforces the idle and header-read deadlines, with
        // one timer per connection; hyper's own header-read timeout would arm
        // another for each request.
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(None);
        builder.http2().timer(TokioTimer::new());
        let mut busy_builder = auto::Builder::new(TokioExecutor::new());
        busy_builder
            .http1()
            .timer(TokioTimer::new())
            .keep_alive(false)
            .header_read_timeout(BUSY_HEADER_READ_TIMEOUT);
        busy_builder.http2().timer(TokioTimer::new());
        Self {
            router,
            record,
            limits,
            builder,
            busy_builder,
            slots: Arc::new(Semaphore::new(limits.max_connections)),
            busy_slots: Arc::new(Semaphore::new(BUSY_ANSWERS)),
            open,
        }
    }

    /// Serves one accepted connection on its own task in `connections`, or answers
    /// it `503` when the server is at its limit, or closes it when even the `503`s
    /// are.
    fn accept(&self, stream: TcpStream, tasks: Tasks<'_>) {
        // Answers are small and written at once: Nagle's delay would only add latency.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "could not set TCP_NODELAY");
        }
        if let Ok(slot) = Arc::clone(&self.slots).try_acquire_owned() {
            let watcher = tasks.graceful.watcher();
            self.serve_one(stream, slot, tasks.connections, watcher);
        } else if let Ok(slot) = Arc::clone(&self.busy_slots).try_acquire_owned() {
            self.refuse_one(stream, slot, tasks.refusals);
        } else {
            tracing::warn!(
                max_connections = self.limits.max_connections,
                "far over the connection limit: closing a new connection unanswered"
            );
        }
    }

    /// Serves a connection within the limit, until it ends or, once the server stops,
    /// its request in flight is answered (`watcher`: hyper-util's graceful shutdown).
    fn serve_one(
        &self,
        stream: TcpStream,
        slot: OwnedSemaphorePermit,
        connections: &mut JoinSet<()>,
        watcher: Watcher,
    ) {
        let open = OpenConnection::new(&self.open, slot);
        let activity = Arc::new(Activity::default());
        let io = TokioIo::new(WatchedIo::new(stream, Arc::clone(&activity), self.limits));
        // One router per connection, not a clone per request: hyper calls a service
        // through `&self`, the router's layers through `&mut self`.
        let router = RefCell::new(self.router.clone());
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let in_flight = activity.begin();
            // HTTP/2 streams share the connection: a fault closes only its stream.
            let own_connection = request.version() <= hyper::Version::HTTP_11;
            let request = request.map(|body| Body::new(WatchedRequestBody::new(body, &activity)));
            let answer = router.borrow_mut().call(request);
            async move {
                let response = answer.await?;
                if let Some(NoAnswer(closing)) = response.extensions().get::<NoAnswer>() {
                    // A fault rule's drop: hyper closes the connection unanswered,
                    // and the socket closes as the rule says.
                    if own_connection {
                        in_flight.close_with(closing.clone());
                    }
                    return Err(DroppedByFault);
                }
                // Only a fault rule's answer has a delivery of its own.
                let response = if response.extensions().get::<Delivery>().is_some() {
                    deliver(response).await
                } else {
                    response
                };
                Ok(response.map(|body| InFlightBody::new(body, in_flight)))
            }
        });
        let connection = self.builder.serve_connection(io, service).into_owned();
        connections.spawn(async move {
            let _open = open;
            log_end(watcher.watch(connection).await);
        });
    }

    /// Answers a connection over the limit one `503`, which a shutdown does not wait for.
    fn refuse_one(
        &self,
        stream: TcpStream,
        slot: OwnedSemaphorePermit,
        refusals: &mut JoinSet<()>,
    ) {
        tracing::warn!(
            max_connections = self.limits.max_connections,
            "at the connection limit: answering 503"
        );
        let open = OpenConnection::new(&self.open, slot);
        let limits = ConnectionLimits {
            header_read_timeout: BUSY_HEADER_READ_TIMEOUT,
            ..self.limits
        };
        let activity = Arc::new(Activity::default());
        let io = TokioIo::new(WatchedIo::new(stream, Arc::clone(&activity), limits));
        let max = self.limits.max_connections;
        // The body is never read: watched, so that the close lingers and a client
        // still sending one reads the 503 rather than a reset.
        let busy = tower::service_fn(move |request: hyper::Request<Incoming>| {
            answer_busy(
                request.map(|body| WatchedRequestBody::new(body, &activity)),
                max,
            )
        });
        let service = TowerToHyperService::new(self.record.layer(busy));
        let connection = self.busy_builder.serve_connection(io, service).into_owned();
        refusals.spawn(async move {
            let _open = open;
            log_end(connection.await);
        });
    }
}

/// Why a connection was closed without an answer: a fault rule said to drop it.
#[derive(Debug)]
struct DroppedByFault;

impl std::fmt::Display for DroppedByFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a fault rule dropped the connection")
    }
}

impl std::error::Error for DroppedByFault {}

impl From<std::convert::Infallible> for DroppedByFault {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

/// Counts a connection as open, and holds its slot, while it lives.
struct OpenConnection {
    open: Arc<AtomicUsize>,
    _slot: OwnedSemaphorePermit,
}

impl OpenConnection {
    fn new(open: &Arc<AtomicUsize>, slot: OwnedSemaphorePermit) -> Self {
        open.fetch_add(1, Ordering::SeqCst);
        Self {
            open: Arc::clone(open),
            _slot: slot,
        }
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Where an accepted connection's task goes: served connections (watched by the
/// graceful shutdown) or refusals.
struct Tasks<'a> {
    connections: &'a mut JoinSet<()>,
    refusals: &'a mut JoinSet<()>,
    graceful: &'a GracefulShutdown,
}

/// A connection ended: failures of one client's connection (a deadline, a reset)
/// are its own business, logged at debug.
fn log_end(served: Result<(), Box<dyn std::error::Error + Send + Sync>>) {
    if let Err(error) = served {
        tracing::debug!(?error, "connection closed");
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
    open: Arc<AtomicUsize>,
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

    /// How many connections the server holds open now, those answered `503` over
    /// the limit included: what clients, careless or hostile, cost it.
    pub fn open_connections(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }

    /// Stops accepting connections, waits (within the shutdown grace period) for the
    /// requests in flight to be answered, and returns once the server has stopped.
    /// A failure of the server is logged.
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
