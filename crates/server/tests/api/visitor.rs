//! A visitor's path: hello, first message into the queue, position, reconnect, restart.

use pronto_protocol::chat::{Author, ConversationState};
use pronto_protocol::visitor::{ServerToVisitor, VisitorToServer};

use crate::helpers::{PATIENCE, new_id, say, spawn_app, stored};

#[tokio::test]
async fn a_new_visitor_gets_a_token_and_the_shop() {
    let app = spawn_app().await;
    let (_visitor, welcome) = app.greeted_visitor(None).await;
    let ServerToVisitor::Welcome {
        token,
        shop,
        conversation,
        ..
    } = welcome
    else {
        unreachable!()
    };
    assert!(
        token.starts_with("1.demo.") && token.len() == 7 + 64,
        "{token}"
    );
    assert_eq!(shop.name, "Tienda Demo");
    assert_eq!(conversation, None);
}

#[tokio::test]
async fn first_message_queues_the_visitor_with_a_position_and_no_made_up_wait() {
    let app = spawn_app().await;
    let (mut a, _) = app.greeted_visitor(None).await;
    let (mut b, _) = app.greeted_visitor(None).await;

    a.send(&say("  ¿Tienen la talla M?  ")).await;
    let (ack, message) = stored(&mut a).await;
    assert!(
        matches!(ack, ServerToVisitor::Ack { seq: 1, .. }),
        "{ack:?}"
    );
    assert_eq!(message.text, "¿Tienen la talla M?", "stored trimmed");
    assert_eq!((message.seq, message.author), (1, Author::Visitor));
    let ServerToVisitor::Queue { position, estimate } = a.next().await else {
        panic!("queue expected")
    };
    assert_eq!(position, 1);
    // A new shop has no history to estimate from (see `queue.rs` for waits with history).
    assert_eq!(estimate, None);

    b.send(&say("Hola")).await;
    let queue = b
        .next_matching(|f| matches!(f, ServerToVisitor::Queue { .. }))
        .await;
    assert!(
        matches!(queue, ServerToVisitor::Queue { position: 2, .. }),
        "{queue:?}"
    );
    // A's place did not change, so A is not told again: the next thing A hears is the
    // answer to A's next message.
    a.send(&say("¿Y la L?")).await;
    let (ack, _) = stored(&mut a).await;
    assert!(
        matches!(ack, ServerToVisitor::Ack { seq: 2, .. }),
        "{ack:?}"
    );
}

#[tokio::test]
async fn a_returning_visitor_gets_their_conversation_back_even_after_a_restart() {
    let app = spawn_app().await;
    let (mut visitor, welcome) = app.greeted_visitor(None).await;
    let ServerToVisitor::Welcome { token, .. } = welcome else {
        unreachable!()
    };
    visitor.send(&say("primero")).await;
    visitor.send(&say("segundo")).await;
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Ack { seq: 2, .. }))
        .await;

    let app = app.restart().await;
    // The restart closed the old socket with "going away" (after whatever was still on its
    // way: the echo or the place in line may come after the acknowledgement).
    let closed = loop {
        let frame = tokio::time::timeout(PATIENCE, futures::StreamExt::next(&mut visitor.ws))
            .await
            .unwrap();
        if !matches!(
            frame,
            Some(Ok(tokio_tungstenite::tungstenite::Message::Text(_)))
        ) {
            break frame;
        }
    };
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
async fn a_made_up_or_edited_token_never_opens_someone_elses_conversation() {
    let app = spawn_app().await;
    // The victim has a conversation; the attacker has a genuine token of their own.
    let (mut victim, welcome) = app.greeted_visitor(None).await;
    let ServerToVisitor::Welcome { token: victims, .. } = welcome else {
        unreachable!()
    };
    victim.send(&say("mi dirección es…")).await;
    victim
        .next_matching(|f| matches!(f, ServerToVisitor::Ack { .. }))
        .await;
    let (_attacker, welcome) = app.greeted_visitor(None).await;
    let ServerToVisitor::Welcome { token: own, .. } = welcome else {
        unreachable!()
    };

    let victim_id = victims.split('.').next().unwrap();
    let (own_id, rest) = own.split_once('.').unwrap();
    assert_ne!(victim_id, own_id);
    let guesses = [
        format!("{victim_id}.{rest}"), // another visitor's id, own signature
        format!("{victim_id}.demo.{}", "0".repeat(64)), // a made-up signature
        "0123456789abcdef0123456789abcdef".to_owned(), // not even the format
        victims.to_uppercase(),        // mangled
    ];
    for guess in guesses {
        let (_v, welcome) = app.greeted_visitor(Some(guess.clone())).await;
        let ServerToVisitor::Welcome {
            token,
            conversation,
            ..
        } = welcome
        else {
            unreachable!()
        };
        assert_eq!(
            conversation, None,
            "{guess} must not open the victim's conversation"
        );
        assert_ne!(token, guess);
        assert_ne!(token, victims);
    }
}

#[tokio::test]
async fn every_tab_of_a_visitor_sees_the_same_messages() {
    let app = spawn_app().await;
    let (mut tab1, welcome) = app.greeted_visitor(None).await;
    let ServerToVisitor::Welcome { token, .. } = welcome else {
        unreachable!()
    };
    let (mut tab2, _) = app.greeted_visitor(Some(token)).await;
    tab1.send(&say("desde la pestaña 1")).await;
    let seen = tab2
        .next_matching(|f| matches!(f, ServerToVisitor::Message { .. }))
        .await;
    let ServerToVisitor::Message { message } = seen else {
        unreachable!()
    };
    assert_eq!(message.text, "desde la pestaña 1");
}

#[tokio::test]
async fn a_resent_message_is_acknowledged_again_and_stored_once() {
    let app = spawn_app().await;
    let (mut visitor, welcome) = app.greeted_visitor(None).await;
    let ServerToVisitor::Welcome { token, .. } = welcome else {
        unreachable!()
    };
    let id = new_id();
    let first = VisitorToServer::Send {
        id: id.clone(),
        text: "una vez".into(),
    };
    visitor.send(&first).await;
    let ack = visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Ack { .. }))
        .await;
    assert_eq!(
        ack,
        ServerToVisitor::Ack {
            id: id.clone(),
            seq: 1
        }
    );
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Queue { .. }))
        .await;

    // The acknowledgement was "lost": the widget sends the same message again, twice. Each
    // repeat is acknowledged with the same number, and the message told again under that
    // number (in case the server that stored it stopped before telling anyone).
    visitor.send(&first).await;
    visitor.send(&first).await;
    for _ in 0..2 {
        let (ack, message) = stored(&mut visitor).await;
        assert_eq!(
            ack,
            ServerToVisitor::Ack {
                id: id.clone(),
                seq: 1
            }
        );
        assert_eq!(message.seq, 1);
    }
    visitor.send(&say("otra")).await;
    let (ack, _) = stored(&mut visitor).await;
    assert!(
        matches!(ack, ServerToVisitor::Ack { seq: 2, .. }),
        "the repeats took no number: {ack:?}"
    );

    // Even from a second tab after a reconnect, and the conversation holds each message once.
    let (mut tab, welcome) = app.greeted_visitor(Some(token)).await;
    let ServerToVisitor::Welcome { conversation, .. } = welcome else {
        unreachable!()
    };
    let texts: Vec<_> = conversation
        .unwrap()
        .messages
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(texts, ["una vez", "otra"]);
    tab.send(&first).await;
    let ack = tab
        .next_matching(|f| matches!(f, ServerToVisitor::Ack { .. }))
        .await;
    assert_eq!(ack, ServerToVisitor::Ack { id, seq: 1 });
}

#[tokio::test]
async fn a_message_id_is_its_senders_alone() {
    let app = spawn_app().await;
    let (mut owner, _) = app.greeted_visitor(None).await;
    let (mut other, _) = app.greeted_visitor(None).await;
    let id = new_id();
    owner
        .send(&VisitorToServer::Send {
            id: id.clone(),
            text: "mío".into(),
        })
        .await;
    owner
        .next_matching(|f| matches!(f, ServerToVisitor::Ack { .. }))
        .await;
    other
        .send(&VisitorToServer::Send {
            id: id.clone(),
            text: "robado".into(),
        })
        .await;
    let refused = other.next().await;
    let ServerToVisitor::Rejected {
        id: refused_id,
        error,
    } = refused
    else {
        panic!("{refused:?}")
    };
    assert_eq!(
        (refused_id, error.code),
        (id, pronto_protocol::ErrorCode::DuplicateId)
    );
}

#[tokio::test]
async fn a_reconnecting_widget_gets_only_what_it_missed() {
    let app = spawn_app().await;
    let (mut visitor, welcome) = app.greeted_visitor(None).await;
    let ServerToVisitor::Welcome { token, .. } = welcome else {
        unreachable!()
    };
    for text in ["uno", "dos", "tres"] {
        visitor.send(&say(text)).await;
        visitor
            .next_matching(|f| matches!(f, ServerToVisitor::Ack { .. }))
            .await;
    }
    let (_, welcome) = app.greeted_visitor(Some(token.clone())).await;
    let ServerToVisitor::Welcome { conversation, .. } = welcome else {
        unreachable!()
    };
    let conversation = conversation.unwrap().id;

    let mut back = app.visitor().await;
    let mut hello = crate::helpers::hello(Some(token));
    if let VisitorToServer::Hello { resume, .. } = &mut hello {
        *resume = Some(pronto_protocol::visitor::Resume {
            conversation,
            last_seq: 1,
        });
    }
    back.send(&hello).await;
    let ServerToVisitor::Welcome {
        conversation,
        resumed,
        ..
    } = back.next().await
    else {
        panic!()
    };
    assert!(resumed);
    let texts: Vec<_> = conversation
        .unwrap()
        .messages
        .into_iter()
        .map(|m| (m.seq, m.text))
        .collect();
    assert_eq!(texts, [(2, "dos".to_owned()), (3, "tres".to_owned())]);
}
