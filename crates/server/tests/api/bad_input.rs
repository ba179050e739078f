//! Bad input gets a typed error frame, changes nothing, and leaves the socket usable.

use futures::{SinkExt, StreamExt};
use pronto_protocol::ErrorCode;
use pronto_protocol::limits::QUEUE_VIEW_ENTRIES;
use pronto_protocol::limits::{
    FRAME_BURST, MAX_CONNECTIONS_PER_IP, MAX_FRAME_BYTES, MAX_MESSAGE_CHARS,
    RATE_STRIKES_BEFORE_CLOSE,
};
use pronto_protocol::visitor::{ServerToVisitor, VisitorToServer};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{PATIENCE, hello, say, spawn_app, stored};

async fn refusal(
    visitor: &mut crate::helpers::Socket<VisitorToServer, ServerToVisitor>,
) -> ErrorCode {
    match visitor.next().await {
        ServerToVisitor::Error(e) | ServerToVisitor::Rejected { error: e, .. } => {
            assert!(!e.message.is_empty(), "errors say what went wrong");
            e.code
        }
        other => panic!("expected an error frame, got {other:?}"),
    }
}

#[tokio::test]
async fn broken_frames_before_and_after_hello() {
    let app = spawn_app().await;
    let mut visitor = app.visitor().await;

    let cases: Vec<(Message, ErrorCode)> = vec![
        (Message::text("{not json"), ErrorCode::MalformedJson),
        (Message::text(""), ErrorCode::MalformedJson),
        (
            Message::text(r#"{"type":"send","text":"no id"}"#),
            ErrorCode::InvalidFrame,
        ),
        (
            Message::text(r#"{"type":"dance"}"#),
            ErrorCode::InvalidFrame,
        ),
        (
            Message::text(r#"{"type":"send","text":7}"#),
            ErrorCode::InvalidFrame,
        ),
        (
            Message::text(r#"{"type":"send","id":"m1","text":"hola"}"#),
            ErrorCode::HelloRequired,
        ),
        (
            Message::binary(vec![0u8, 159, 146, 150]),
            ErrorCode::BinaryFrame,
        ),
        (
            Message::text(format!(
                r#"{{"type":"send","id":"m2","text":"{}"}}"#,
                "x".repeat(MAX_FRAME_BYTES)
            )),
            ErrorCode::FrameTooLarge,
        ),
        (
            Message::text(r#"{"type":"hello","version":999,"site":"demo"}"#),
            ErrorCode::UnsupportedVersion,
        ),
        (
            Message::text(r#"{"type":"hello","version":1,"site":"no-such-shop"}"#),
            ErrorCode::UnknownSite,
        ),
        (
            Message::text(r#"{"type":"hello","version":1,"site":"<script>"}"#),
            ErrorCode::InvalidFrame,
        ),
    ];
    for (frame, expected) in cases {
        let shown = format!("{frame:?}").chars().take(80).collect::<String>();
        visitor.send_raw(frame).await;
        assert_eq!(refusal(&mut visitor).await, expected, "for {shown}");
    }

    // Still usable: hello works, then message-level checks.
    visitor.send(&hello(None)).await;
    assert!(matches!(
        visitor.next().await,
        ServerToVisitor::Welcome {
            conversation: None,
            ..
        }
    ));
    visitor.send(&hello(None)).await;
    assert_eq!(refusal(&mut visitor).await, ErrorCode::AlreadyGreeted);
    visitor.send(&say(" \n ")).await;
    assert_eq!(refusal(&mut visitor).await, ErrorCode::MessageEmpty);
    visitor.send(&say(&"é".repeat(MAX_MESSAGE_CHARS + 1))).await;
    assert_eq!(refusal(&mut visitor).await, ErrorCode::MessageTooLong);

    // None of that started a conversation: the first real message is number 1, first in line.
    visitor.send(&say("hola")).await;
    let (ack, message) = stored(&mut visitor).await;
    assert_eq!(message.seq, 1);
    assert!(matches!(ack, ServerToVisitor::Ack { seq: 1, .. }));
    assert!(matches!(
        visitor.next().await,
        ServerToVisitor::Queue { position: 1, .. }
    ));
}

#[tokio::test]
async fn one_visitors_garbage_does_not_disturb_another() {
    let app = spawn_app().await;
    let (mut calm, _) = app.greeted_visitor(None).await;
    let mut noisy = app.visitor().await;
    let burst = FRAME_BURST as usize;
    for _ in 0..burst {
        noisy.send_raw(Message::text("}{")).await;
    }
    calm.send(&say("todo bien")).await;
    let (_, message) = stored(&mut calm).await;
    assert_eq!(message.text, "todo bien");
    for _ in 0..burst {
        assert_eq!(refusal(&mut noisy).await, ErrorCode::MalformedJson);
    }
}

#[tokio::test]
async fn too_fast_is_refused_message_by_message_and_only_a_flood_is_cut_off() {
    let app = spawn_app().await;
    let (mut visitor, _) = app.greeted_visitor(None).await;
    // The hello spent one frame of the burst.
    let burst = FRAME_BURST as usize - 1;
    let sends: Vec<_> = (0..burst + 3)
        .map(|i| say(&format!("mensaje {i}")))
        .collect();
    for send in &sends {
        visitor.send(send).await;
    }
    let mut acked = 0;
    let mut rejected = Vec::new();
    while acked + rejected.len() < sends.len() {
        match visitor.next().await {
            ServerToVisitor::Ack { .. } => acked += 1,
            ServerToVisitor::Rejected { id, error } => {
                assert_eq!(error.code, ErrorCode::RateLimited);
                rejected.push(id);
            }
            _ => {}
        }
    }
    // The whole burst is stored; of the rest, what came faster than the steady rate refills
    // the bucket (how much refills depends on how fast the storage is) is refused.
    assert!(acked >= burst, "{acked} of a burst of {burst}");
    assert!(!rejected.is_empty(), "nothing was refused");
    // The refusals name the messages that were not stored, so the widget can retry them.
    let late: Vec<_> = sends[burst..]
        .iter()
        .map(|s| match s {
            VisitorToServer::Send { id, .. } => id.clone(),
            _ => unreachable!(),
        })
        .collect();
    assert!(
        rejected.iter().all(|id| late.contains(id)),
        "{rejected:?} are not among the late ones"
    );

    // Still connected: a ping is answered.
    visitor
        .ws
        .send(Message::Ping(vec![1].into()))
        .await
        .unwrap();
    loop {
        match tokio::time::timeout(PATIENCE, visitor.ws.next())
            .await
            .unwrap()
        {
            Some(Ok(Message::Pong(_))) => break,
            Some(Ok(Message::Text(_))) => continue,
            other => panic!("the connection should be open: {other:?}"),
        }
    }

    // A client that keeps flooding is told, then disconnected.
    for _ in 0..RATE_STRIKES_BEFORE_CLOSE {
        let _ = visitor.ws.send(Message::text("{}")).await;
    }
    let mut last_error = None;
    loop {
        match tokio::time::timeout(PATIENCE, visitor.ws.next())
            .await
            .unwrap()
        {
            Some(Ok(Message::Text(text))) => {
                if let Ok(ServerToVisitor::Error(e)) = pronto_protocol::decode(text.as_str()) {
                    last_error = Some(e.code);
                }
            }
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
            Some(Ok(_)) => {}
        }
    }
    assert_eq!(last_error, Some(ErrorCode::RateLimited));
}

#[tokio::test]
async fn one_address_cannot_hold_every_socket() {
    let app = spawn_app().await;
    let mut open = Vec::new();
    for _ in 0..MAX_CONNECTIONS_PER_IP {
        open.push(app.visitor().await);
    }
    let url = format!("ws://{}/ws/visitor", app.addr);
    let refused = tokio_tungstenite::connect_async(url.as_str()).await;
    let Err(tokio_tungstenite::tungstenite::Error::Http(response)) = refused else {
        panic!(
            "socket {} from one address should be refused",
            MAX_CONNECTIONS_PER_IP + 1
        )
    };
    assert_eq!(response.status(), 429);
    // Closing one frees its place.
    let mut first = open.remove(0);
    first.ws.close(None).await.unwrap();
    while first.ws.next().await.is_some() {}
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        match tokio_tungstenite::connect_async(url.as_str()).await {
            Ok(_) => break,
            Err(_) if std::time::Instant::now() < deadline => tokio::task::yield_now().await,
            Err(e) => panic!("the freed place was not given back: {e}"),
        }
    }
}

#[tokio::test]
async fn a_socket_that_breaks_the_websocket_protocol_is_told_why() {
    use tokio_tungstenite::tungstenite::protocol::frame::{Frame, coding::Data, coding::OpCode};
    let app = spawn_app().await;
    let mut visitor = app.visitor().await;
    // A text frame that is not UTF-8.
    let frame = Frame::message(vec![0xff, 0xfe, b'{'], OpCode::Data(Data::Text), true);
    visitor.ws.send(Message::Frame(frame)).await.unwrap();
    assert_eq!(refusal(&mut visitor).await, ErrorCode::ProtocolViolation);

    // A frame delivered byte by byte, as fragments, is put back together.
    let mut visitor = app.visitor().await;
    let text = pronto_protocol::encode(&hello(None));
    let bytes = text.as_bytes();
    for (i, byte) in bytes.iter().enumerate() {
        let opcode = if i == 0 {
            OpCode::Data(Data::Text)
        } else {
            OpCode::Data(Data::Continue)
        };
        let last = i == bytes.len() - 1;
        visitor
            .ws
            .send(Message::Frame(Frame::message(vec![*byte], opcode, last)))
            .await
            .unwrap();
    }
    assert!(matches!(
        visitor.next().await,
        ServerToVisitor::Welcome { .. }
    ));
}

#[tokio::test]
async fn a_console_that_stops_reading_is_disconnected_not_buffered() {
    use pronto_protocol::agent::{AgentToServer, ServerToAgent};
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let app = spawn_app().await;
    let cookie = app.sign_in().await;
    // A console on a tiny receive window that never reads what it is sent.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(app.addr).await.unwrap();
    let mut request = format!("ws://{}/ws/agent", app.addr)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    let (mut slow, _) = tokio_tungstenite::client_async(request, stream)
        .await
        .unwrap();
    slow.send(Message::text(pronto_protocol::encode(
        &AgentToServer::Hello {
            version: pronto_protocol::PROTOCOL_VERSION,
        },
    )))
    .await
    .unwrap();

    // Visitors keep joining the queue; every join sends the head of the queue (up to
    // QUEUE_VIEW_ENTRIES long first messages) to every agent.
    let mut joined = 0;
    let mut disconnected = false;
    while joined < 600 && !disconnected {
        let (mut visitor, _) = app.greeted_visitor(None).await;
        visitor
            .send(&say(&format!("visitante {joined} {}", "·".repeat(300))))
            .await;
        visitor
            .next_matching(|f| matches!(f, ServerToVisitor::Queue { .. }))
            .await;
        visitor.ws.close(None).await.unwrap();
        joined += 1;
        // The server's side of the slow socket is gone once a fresh console sees the join but
        // the slow one's connection has been closed; check every so often.
        if joined % 20 == 0 {
            disconnected = !is_open(&mut slow).await;
        }
    }
    // Now read what was buffered.
    let mut frames = 0;
    loop {
        match tokio::time::timeout(PATIENCE, slow.next())
            .await
            .expect("the server closed it")
        {
            Some(Ok(Message::Text(text))) => {
                let _: ServerToAgent = pronto_protocol::decode(text.as_str()).unwrap();
                frames += 1;
            }
            // Closed with "policy" if the close frame got through the full pipe, or reset
            // if it could not: either way the server let go of it.
            Some(Ok(Message::Close(frame))) => {
                assert_eq!(frame.map(|f| u16::from(f.code)), Some(1008));
                break;
            }
            Some(Ok(_)) => {}
            Some(Err(_)) | None => break,
        }
    }
    assert!(
        disconnected,
        "the slow console was still connected after {joined} joins"
    );
    assert!(
        frames < joined + 1,
        "it did not get everything: {frames} of {}",
        joined + 1
    );
    // The server is fine: a console that reads gets the whole queue.
    let (_, welcome) = app.agent().await;
    let ServerToAgent::Welcome {
        queue, queue_total, ..
    } = welcome
    else {
        unreachable!()
    };
    assert_eq!(queue_total as usize, joined);
    assert_eq!(queue.len(), joined.min(QUEUE_VIEW_ENTRIES));
    println!("slow reader cut off after {joined} joins, having taken {frames} frames");
}

/// Whether the server still holds `socket` open: a ping written now gets through, or fails.
async fn is_open<S>(socket: &mut tokio_tungstenite::WebSocketStream<S>) -> bool
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    // Writing is all we can do without reading; a reset connection refuses the write.
    socket.send(Message::Ping(vec![].into())).await.is_ok()
}

#[tokio::test]
async fn a_visitor_cannot_open_conversations_without_end() {
    use pronto_protocol::agent::{AgentToServer, ServerToAgent};
    use pronto_protocol::limits::MAX_CONVERSATIONS_PER_HOUR;

    let app = spawn_app().await;
    let (mut agent, _) = app.agent().await;
    let (mut visitor, _) = app.greeted_visitor(None).await;
    for n in 0..MAX_CONVERSATIONS_PER_HOUR {
        visitor.send(&say(&format!("consulta {n}"))).await;
        let queue = agent
            .next_matching(
                |f| matches!(f, ServerToAgent::Queue { entries, .. } if !entries.is_empty()),
            )
            .await;
        let ServerToAgent::Queue { entries, .. } = queue else {
            unreachable!()
        };
        let conversation = entries[0].conversation;
        agent.send(&AgentToServer::Take { conversation }).await;
        agent
            .next_matching(|f| matches!(f, ServerToAgent::Conversation { .. }))
            .await;
        agent.send(&AgentToServer::Close { conversation }).await;
        visitor
            .next_matching(|f| matches!(f, ServerToVisitor::Closed))
            .await;
    }
    let over = say("una más");
    visitor.send(&over).await;
    let refused = visitor
        .next_matching(|f| {
            matches!(
                f,
                ServerToVisitor::Rejected { .. } | ServerToVisitor::Ack { .. }
            )
        })
        .await;
    let ServerToVisitor::Rejected { error, .. } = refused else {
        panic!(
            "conversation {} should be refused: {refused:?}",
            MAX_CONVERSATIONS_PER_HOUR + 1
        )
    };
    assert_eq!(error.code, ErrorCode::TooManyConversations);
}
