//! Bad input gets a typed error frame, changes nothing, and leaves the socket usable.

use pronto_protocol::ErrorCode;
use pronto_protocol::limits::{MAX_FRAME_BYTES, MAX_MESSAGE_CHARS};
use pronto_protocol::visitor::{ServerToVisitor, VisitorToServer};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{hello, spawn_app};

async fn refusal(
    visitor: &mut crate::helpers::Socket<VisitorToServer, ServerToVisitor>,
) -> ErrorCode {
    match visitor.next().await {
        ServerToVisitor::Error(e) => {
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
            Message::text(r#"{"type":"dance"}"#),
            ErrorCode::InvalidFrame,
        ),
        (
            Message::text(r#"{"type":"send","text":7}"#),
            ErrorCode::InvalidFrame,
        ),
        (
            Message::text(r#"{"type":"send","text":"hola"}"#),
            ErrorCode::HelloRequired,
        ),
        (
            Message::binary(vec![0u8, 159, 146, 150]),
            ErrorCode::BinaryFrame,
        ),
        (
            Message::text(format!(
                r#"{{"type":"send","text":"{}"}}"#,
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
    visitor
        .send(&VisitorToServer::Send {
            text: " \n ".into(),
        })
        .await;
    assert_eq!(refusal(&mut visitor).await, ErrorCode::MessageEmpty);
    visitor
        .send(&VisitorToServer::Send {
            text: "é".repeat(MAX_MESSAGE_CHARS + 1),
        })
        .await;
    assert_eq!(refusal(&mut visitor).await, ErrorCode::MessageTooLong);

    // None of that started a conversation: the first real message is number 1, first in line.
    visitor
        .send(&VisitorToServer::Send {
            text: "hola".into(),
        })
        .await;
    let ServerToVisitor::Message { message } = visitor.next().await else {
        panic!()
    };
    assert_eq!(message.seq, 1);
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
    for _ in 0..50 {
        noisy.send_raw(Message::text("}{")).await;
    }
    calm.send(&VisitorToServer::Send {
        text: "todo bien".into(),
    })
    .await;
    let ServerToVisitor::Message { message } = calm.next().await else {
        panic!()
    };
    assert_eq!(message.text, "todo bien");
    for _ in 0..50 {
        assert_eq!(refusal(&mut noisy).await, ErrorCode::MalformedJson);
    }
}
