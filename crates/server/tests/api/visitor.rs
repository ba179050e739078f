//! A visitor's path: hello, first message into the queue, position, reconnect, restart.

use pronto_protocol::chat::{Author, ConversationState};
use pronto_protocol::visitor::{ServerToVisitor, VisitorToServer};

use crate::helpers::{PATIENCE, spawn_app};

fn send(text: &str) -> VisitorToServer {
    VisitorToServer::Send { text: text.into() }
}

#[tokio::test]
async fn a_new_visitor_gets_a_token_and_the_shop() {
    let app = spawn_app().await;
    let (_visitor, welcome) = app.greeted_visitor(None).await;
    let ServerToVisitor::Welcome {
        token,
        shop,
        conversation,
    } = welcome
    else {
        unreachable!()
    };
    assert_eq!(token.len(), 32);
    assert_eq!(shop.name, "Tienda Demo");
    assert_eq!(conversation, None);
}

#[tokio::test]
async fn first_message_queues_the_visitor_with_a_position_and_an_estimate() {
    let app = spawn_app().await;
    let (mut a, _) = app.greeted_visitor(None).await;
    let (mut b, _) = app.greeted_visitor(None).await;

    a.send(&send("  ¿Tienen la talla M?  ")).await;
    let ServerToVisitor::Message { message } = a.next().await else {
        panic!("echo expected")
    };
    assert_eq!(message.text, "¿Tienen la talla M?", "stored trimmed");
    assert_eq!((message.seq, message.author), (1, Author::Visitor));
    let ServerToVisitor::Queue { position, estimate } = a.next().await else {
        panic!("queue expected")
    };
    assert_eq!(position, 1);
    let estimate = estimate.expect("an estimate");
    assert!(estimate.low_secs < estimate.high_secs);

    b.send(&send("Hola")).await;
    let queue = b
        .next_matching(|f| matches!(f, ServerToVisitor::Queue { .. }))
        .await;
    assert!(
        matches!(queue, ServerToVisitor::Queue { position: 2, .. }),
        "{queue:?}"
    );
    // A's place did not change, and A is told so again (harmless), never a wrong place.
    let again = a.next().await;
    assert!(
        matches!(again, ServerToVisitor::Queue { position: 1, .. }),
        "{again:?}"
    );
}

#[tokio::test]
async fn a_returning_visitor_gets_their_conversation_back_even_after_a_restart() {
    let app = spawn_app().await;
    let (mut visitor, welcome) = app.greeted_visitor(None).await;
    let ServerToVisitor::Welcome { token, .. } = welcome else {
        unreachable!()
    };
    visitor.send(&send("primero")).await;
    visitor.send(&send("segundo")).await;
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Message { message } if message.seq == 2))
        .await;

    let app = app.restart().await;
    // The restart closed the old socket with "going away".
    let closed = tokio::time::timeout(PATIENCE, futures::StreamExt::next(&mut visitor.ws))
        .await
        .unwrap();
    assert!(
        matches!(closed, Some(Ok(tokio_tungstenite::tungstenite::Message::Close(Some(ref f)))) if u16::from(f.code) == 1001),
        "{closed:?}"
    );

    let (mut back, welcome) = app.greeted_visitor(Some(token.clone())).await;
    let ServerToVisitor::Welcome {
        token: same,
        conversation,
        ..
    } = welcome
    else {
        unreachable!()
    };
    assert_eq!(same, token);
    let conversation = conversation.expect("the conversation is restored");
    assert_eq!(conversation.state, ConversationState::Waiting);
    let texts: Vec<_> = conversation
        .messages
        .iter()
        .map(|m| m.text.as_str())
        .collect();
    assert_eq!(texts, ["primero", "segundo"]);
    let queue = back.next().await;
    assert!(
        matches!(queue, ServerToVisitor::Queue { position: 1, .. }),
        "{queue:?}"
    );
}

#[tokio::test]
async fn a_token_from_nowhere_starts_a_fresh_visitor() {
    let app = spawn_app().await;
    let (_v, welcome) = app
        .greeted_visitor(Some("0123456789abcdef0123456789abcdef".into()))
        .await;
    let ServerToVisitor::Welcome {
        token,
        conversation,
        ..
    } = welcome
    else {
        unreachable!()
    };
    assert_ne!(token, "0123456789abcdef0123456789abcdef");
    assert_eq!(conversation, None);
}

#[tokio::test]
async fn every_tab_of_a_visitor_sees_the_same_messages() {
    let app = spawn_app().await;
    let (mut tab1, welcome) = app.greeted_visitor(None).await;
    let ServerToVisitor::Welcome { token, .. } = welcome else {
        unreachable!()
    };
    let (mut tab2, _) = app.greeted_visitor(Some(token)).await;
    tab1.send(&send("desde la pestaña 1")).await;
    let seen = tab2
        .next_matching(|f| matches!(f, ServerToVisitor::Message { .. }))
        .await;
    let ServerToVisitor::Message { message } = seen else {
        unreachable!()
    };
    assert_eq!(message.text, "desde la pestaña 1");
}
