//! GraphQL over WebSocket (graphql-transport-ws, and the older graphql-ws): the protocol is
//! async-graphql's; this module carries its frames and owns the connection's life. The token
//! comes in `connection_init` (`{"Authorization": "Bearer …"}`); every operation of the
//! connection then runs through the same pipeline as an HTTP request, with its own request id.
//!
//! Close codes: 4403 when `connection_init` carries no valid token, and when the token expires
//! while the connection is open (every subscription ends then); 4401 when an operation is sent
//! before the connection was acknowledged.

use super::pipeline::ClientAddress;
use super::{Edge, authenticate_bearer, client_address};
use crate::error::ApiError;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason};
use async_graphql::http::{WebSocket, WebSocketProtocols as Protocols, WsMessage};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

/// What the connection learned at `connection_init`.
#[derive(Debug, Default)]
struct Connection {
    /// `connection_init` was refused.
    refused: bool,
    /// When the token presented at `connection_init` expires.
    expires_at: Option<DateTime<Utc>>,
}

/// The close code and reason the client is sent for a close of the protocol.
fn close_reason(code: u16, reason: String, refused: bool) -> CloseReason {
    let code = match code {
        1002 if refused => 4403,
        1011 => 4401,
        other => other,
    };
    CloseReason {
        code: CloseCode::from(code),
        description: Some(reason),
    }
}

/// `GET /graphql` with `Upgrade: websocket`.
pub async fn subscriptions(
    edge: web::Data<Edge>,
    req: HttpRequest,
    body: web::Payload,
) -> actix_web::Result<HttpResponse> {
    let protocol = req
        .headers()
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .find_map(|p| Protocols::from_str(p.trim()).ok())
        })
        .unwrap_or(Protocols::GraphQLWS);
    let (response, mut session, frames) =
        actix_ws::handle_with_protocols(&req, body, &["graphql-transport-ws", "graphql-ws"])?;
    let max = edge.pipeline.limits.max_body_bytes;
    let mut frames = frames
        .max_frame_size(max)
        .aggregate_continuations()
        .max_continuation_size(max);

    let connection = Arc::new(Mutex::new(Connection::default()));
    let (to_protocol, mut incoming) = tokio::sync::mpsc::channel::<web::Bytes>(16);
    let incoming = futures_util::stream::poll_fn(move |cx| incoming.poll_recv(cx));
    let mut data = async_graphql::Data::default();
    data.insert(ClientAddress(client_address(&req)));
    data.insert(super::locale_of(&req));
    let init = {
        let edge = edge.clone().into_inner();
        let connection = connection.clone();
        move |payload: serde_json::Value| async move {
            let value = ["Authorization", "authorization"]
                .iter()
                .find_map(|k| payload.get(*k).and_then(|v| v.as_str()))
                .map(str::to_owned);
            let viewer = match value {
                Some(v) => authenticate_bearer(&edge.verifier, &edge.state, &v).await,
                None => Err(ApiError::Unauthenticated(
                    "connection_init needs an Authorization".into(),
                )),
            };
            // A client that cannot set the upgrade request's headers names its language here.
            let language = ["Accept-Language", "acceptLanguage"]
                .iter()
                .find_map(|k| payload.get(*k).and_then(|v| v.as_str()))
                .map(|l| crate::i18n::Locale::negotiate(Some(l)));
            let mut conn = connection.lock().unwrap_or_else(|p| p.into_inner());
            match viewer {
                Ok(viewer) => {
                    conn.expires_at = viewer.expires_at;
                    let mut data = async_graphql::Data::default();
                    data.insert(viewer);
                    if let Some(locale) = language {
                        data.insert(locale);
                    }
                    Ok(data)
                }
                Err(e) => {
                    conn.refused = true;
                    Err(async_graphql::Error::from(e))
                }
            }
        }
    };
    let protocol_stream = WebSocket::new(edge.gateway.clone(), incoming, protocol)
        .connection_data(data)
        .on_connection_init(init);

    actix_web::rt::spawn(async move {
        let mut protocol_stream = std::pin::pin!(protocol_stream);
        let reason = loop {
            let expires_at = connection
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .expires_at;
            let until_expiry = expires_at
                .map(|t| (t - Utc::now()).to_std().unwrap_or_default())
                .unwrap_or(std::time::Duration::from_secs(24 * 3600));
            tokio::select! {
                frame = frames.next() => match frame {
                    Some(Ok(AggregatedMessage::Text(text))) => {
                        let frame = super::persisted::lift_in_frame(text.into_bytes());
                        if to_protocol.send(frame).await.is_err() {
                            break None;
                        }
                    }
                    Some(Ok(AggregatedMessage::Binary(bytes))) => {
                        if to_protocol.send(bytes).await.is_err() {
                            break None;
                        }
                    }
                    Some(Ok(AggregatedMessage::Ping(p))) => {
                        if session.pong(&p).await.is_err() {
                            return;
                        }
                    }
                    Some(Ok(AggregatedMessage::Pong(_))) => {}
                    Some(Ok(AggregatedMessage::Close(_))) | Some(Err(_)) | None => break None,
                },
                out = protocol_stream.next() => match out {
                    Some(WsMessage::Text(text)) => {
                        if session.text(text).await.is_err() {
                            return;
                        }
                    }
                    Some(WsMessage::Close(code, reason)) => {
                        let refused = connection.lock().unwrap_or_else(|p| p.into_inner()).refused;
                        break Some(close_reason(code, reason, refused));
                    }
                    None => break None,
                },
                _ = tokio::time::sleep(until_expiry), if expires_at.is_some() => {
                    tracing::info!("closing a WebSocket connection whose token expired");
                    break Some(close_reason(4403, "token expired".into(), true));
                }
            }
        };
        let _ = session.close(reason).await;
    });
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_initialisation_and_early_operations_get_the_protocols_codes() {
        let code = |c, refused| u16::from(close_reason(c, String::new(), refused).code);
        assert_eq!(code(1002, true), 4403);
        assert_eq!(code(1002, false), 1002);
        assert_eq!(code(1011, false), 4401);
        assert_eq!(code(4429, false), 4429);
    }
}
