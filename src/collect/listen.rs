//! Connections: the accept loop (plain TCP or TLS), the time limits that
//! keep slow clients from holding the collector's sockets, and the graceful
//! stop (no new connections; those open finish the request they are in).
//!
//! A client has `read_timeout` to send a request's headers (a slowloris
//! that trickles them is cut off) and to finish a TLS handshake; the body
//! has the same limit, enforced by the handler ([`super::server`]), which
//! answers 408. Each connection is its own task, so one slow client never
//! delays another.

use super::CollectError;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A TLS acceptor from a PEM certificate chain and a PEM private key.
pub(super) fn tls_acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, CollectError> {
    let bad = |path: &Path, reason: String| CollectError::Tls {
        path: path.display().to_string(),
        reason,
    };
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| bad(cert, e.to_string()))?;
    if certs.is_empty() {
        return Err(bad(cert, "no PEM certificate in the file".into()));
    }
    let private = PrivateKeyDer::from_pem_file(key).map_err(|e| bad(key, e.to_string()))?;
    // ring rather than aws-lc-rs: it builds in seconds, not minutes of C,
    // and what it lacks (post-quantum key exchange) matters little for a
    // collector on loopback or a private network.
    #[expect(
        deprecated,
        reason = "ring's provider is deprecated only for lacking post-quantum key exchange"
    )]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(certs, private))
        .map_err(|e| bad(key, e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Serves `app` on `listener` until `stop` resolves, then waits for the
/// connections still open to finish their requests.
pub(super) async fn run(
    listener: TcpListener,
    app: Router,
    tls: Option<TlsAcceptor>,
    read_timeout: Duration,
    stop: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let tcp = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                // Out of file descriptors, or a connection reset before it
                // was taken: the listener itself is fine; wait a moment
                // rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = tcp.set_nodelay(true);
        let (app, watcher, tls) = (app.clone(), graceful.watcher(), tls.clone());
        tokio::spawn(async move {
            match tls {
                None => serve_connection(tcp, app, watcher, read_timeout).await,
                Some(acceptor) => {
                    // A failed or stalled handshake only drops this
                    // connection.
                    if let Ok(Ok(stream)) =
                        tokio::time::timeout(read_timeout, acceptor.accept(tcp)).await
                    {
                        serve_connection(stream, app, watcher, read_timeout).await;
                    }
                }
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

async fn serve_connection<S>(stream: S, app: Router, watcher: Watcher, read_timeout: Duration)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(read_timeout)
        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
    // A connection that ends in an error (reset, timed out) has nobody
    // left to tell.
    let _ = watcher.watch(connection).await;
}
