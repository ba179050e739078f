//! Two servers, one deployment: two `pronto-server` processes on loopback sharing a fresh
//! PostgreSQL database and a Redis channel prefix of their own. People on either server chat,
//! see the same queue, never get a visitor twice, and move to the other server when one stops.

use std::collections::BTreeSet;
use std::sync::Arc;

use futures::StreamExt;
use pronto_e2e::process::ServerProcess;
use pronto_protocol::ErrorCode;
use pronto_protocol::agent::{AgentToServer, ServerToAgent};
use pronto_protocol::chat::ConversationState;
use pronto_protocol::ids::{ConversationId, SiteId};
use pronto_protocol::visitor::{Resume, ServerToVisitor, VisitorToServer};
use pronto_server::demo;
use pronto_testkit::client::{
    DEMO_SITE, PATIENCE, Socket, agent_socket, hello, new_id, reply, say, sign_in, take_next,
    visitor_socket,
};
use pronto_testkit::{Backend, Scratch};
use tokio_tungstenite::tungstenite::Message;

type Visitor = Socket<VisitorToServer, ServerToVisitor>;
type Agent = Socket<AgentToServer, ServerToAgent>;

/// Two servers on one fresh PostgreSQL database and Redis prefix.
async fn two_servers() -> (ServerProcess, ServerProcess) {
    let scratch = Arc::new(Scratch::new(Backend::Postgres).await);
    let a = ServerProcess::start_on(scratch.clone()).await;
    let b = ServerProcess::start_on(scratch).await;
    (a, b)
}

/// A visitor greeted by `server`, with their token.
async fn visitor_on(server: &ServerProcess) -> (Visitor, String) {
    let mut visitor = visitor_socket(server.addr).await;
    visitor.send(&hello(None)).await;
    match visitor.next().await {
        ServerToVisitor::Welcome { token, .. } => (visitor, token),
        other => panic!("expected a welcome, got {other:?}"),
    }
}

/// An agent's console on `server`, with the welcome read.
async fn agent_on(server: &ServerProcess, email: &str) -> Agent {
    let cookie = sign_in(server.addr, email, demo::AGENT_PASSWORD).await;
    let mut agent = agent_socket(server.addr, &cookie).await;
    let welcome = agent.next().await;
    assert!(
        matches!(welcome, ServerToAgent::Welcome { .. }),
        "{welcome:?}"
    );
    agent
}

#[tokio::test]
async fn a_visitor_on_one_server_hears_when_an_agent_on_the_other_comes_and_goes() {
    let (a, b) = two_servers().await;
    let mut visitor = visitor_socket(a.addr).await;
    visitor.send(&hello(None)).await;
    match visitor.next().await {
        ServerToVisitor::Welcome { shop, .. } => assert!(!shop.online, "nobody is there yet"),
        other => panic!("expected a welcome, got {other:?}"),
    }
    let agent = agent_on(&b, demo::AGENT_EMAIL).await;
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Availability { online: true, .. }))
        .await;
    // A visitor arriving now is told in the welcome.
    let mut later = visitor_socket(b.addr).await;
    later.send(&hello(None)).await;
    match later.next().await {
        ServerToVisitor::Welcome { shop, .. } => assert!(shop.online, "the agent is there"),
        other => panic!("expected a welcome, got {other:?}"),
    }
    drop(agent);
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Availability { online: false, .. }))
        .await;
    later
        .next_matching(|f| matches!(f, ServerToVisitor::Availability { online: false, .. }))
        .await;
}

/// The visitor's place, from the next queue frame that has it.
async fn place(visitor: &mut Visitor) -> u32 {
    match visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Queue { .. }))
        .await
    {
        ServerToVisitor::Queue { position, .. } => position,
        _ => unreachable!(),
    }
}

/// Waits until the visitor is told `wanted` as their place.
async fn place_becomes(visitor: &mut Visitor, wanted: u32) {
    visitor
        .next_matching(
            |f| matches!(f, ServerToVisitor::Queue { position, .. } if *position == wanted),
        )
        .await;
}

/// The number and text of the next message the agent hears.
async fn numbered_message(agent: &mut Agent) -> (u32, String) {
    match agent
        .next_matching(|f| matches!(f, ServerToAgent::Message { .. }))
        .await
    {
        ServerToAgent::Message { message, .. } => (message.seq, message.text),
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn people_on_different_servers_chat_and_see_the_same_queue() {
    let (a, b) = two_servers().await;
    // Three visitors join in turn, on alternate servers.
    let (mut first, _) = visitor_on(&a).await;
    first.send(&say("Hola, ¿hacen envíos?")).await;
    assert_eq!(place(&mut first).await, 1);
    let (mut second, _) = visitor_on(&b).await;
    second.send(&say("Buenas")).await;
    assert_eq!(place(&mut second).await, 2);
    let (mut third, _) = visitor_on(&a).await;
    third.send(&say("¿Tienen la talla M?")).await;
    assert_eq!(place(&mut third).await, 3);

    // An agent on B takes the first visitor, who is on A.
    let mut agent = agent_on(&b, demo::AGENT_EMAIL).await;
    let conversation = take_next(&mut agent).await;
    assert_eq!(conversation.messages[0].text, "Hola, ¿hacen envíos?");
    let assigned = first
        .next_matching(|f| matches!(f, ServerToVisitor::Assigned { .. }))
        .await;
    assert_eq!(
        assigned,
        ServerToVisitor::Assigned {
            agent_name: demo::AGENT_NAME.into()
        }
    );
    // Everyone behind moves up, whichever server they are on.
    place_becomes(&mut second, 1).await;
    place_becomes(&mut third, 2).await;

    // They chat across the two servers.
    agent
        .send(&reply(conversation.id, "Sí, a todo el país"))
        .await;
    first
        .next_matching(|f| matches!(f, ServerToVisitor::Message { message } if message.text == "Sí, a todo el país"))
        .await;
    first.send(&say("¡Genial, gracias!")).await;
    agent
        .next_matching(|f| matches!(f, ServerToAgent::Message { message, .. } if message.text == "¡Genial, gracias!"))
        .await;
}

#[tokio::test]
async fn agents_on_two_servers_taking_next_at_once_never_get_the_same_visitor() {
    let (a, b) = two_servers().await;
    const VISITORS: usize = 12;
    let mut visitors = Vec::new();
    for i in 0..VISITORS {
        let server = if i % 2 == 0 { &a } else { &b };
        let (mut visitor, _) = visitor_on(server).await;
        visitor.send(&say(&format!("visitante {i}"))).await;
        visitor
            .next_matching(|f| matches!(f, ServerToVisitor::Ack { .. }))
            .await;
        visitors.push(visitor);
    }
    let mut ana = agent_on(&a, demo::AGENT_EMAIL).await;
    let mut bruno = agent_on(&b, demo::SECOND_AGENT_EMAIL).await;
    // Both ask for more visitors than there are, at the same instant.
    for _ in 0..VISITORS {
        ana.send(&AgentToServer::TakeNext).await;
        bruno.send(&AgentToServer::TakeNext).await;
    }
    let (ana_took, ana_empty) = collect_takes(&mut ana, VISITORS).await;
    let (bruno_took, bruno_empty) = collect_takes(&mut bruno, VISITORS).await;
    assert!(
        ana_took.is_disjoint(&bruno_took),
        "both got {:?}",
        ana_took.intersection(&bruno_took).collect::<Vec<_>>()
    );
    assert_eq!(
        ana_took.len() + bruno_took.len(),
        VISITORS,
        "every visitor taken once"
    );
    assert_eq!(
        ana_empty + bruno_empty,
        VISITORS,
        "the other asks found nobody"
    );
    // Every visitor hears they were taken.
    for visitor in &mut visitors {
        visitor
            .next_matching(|f| matches!(f, ServerToVisitor::Assigned { .. }))
            .await;
    }
}

/// Reads the answers to `asks` take-next requests: the conversations taken, and how many
/// found the queue empty.
async fn collect_takes(agent: &mut Agent, asks: usize) -> (BTreeSet<ConversationId>, usize) {
    let mut taken = BTreeSet::new();
    let mut empty = 0;
    while taken.len() + empty < asks {
        match agent.next().await {
            ServerToAgent::Conversation { conversation, .. } => {
                assert!(taken.insert(conversation.id), "{:?} twice", conversation.id);
            }
            ServerToAgent::Error(error) => {
                assert_eq!(error.code, ErrorCode::QueueEmpty, "{error:?}");
                empty += 1;
            }
            _ => {}
        }
    }
    (taken, empty)
}

#[tokio::test]
async fn a_server_that_stops_sends_its_people_to_another_and_nothing_is_lost() {
    let (mut a, b) = two_servers().await;
    let (mut visitor, token) = visitor_on(&a).await;
    visitor.send(&say("¿Dónde está mi pedido?")).await;
    // In line once acknowledged: only then is there someone for the agent to take.
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Ack { .. }))
        .await;
    let mut agent = agent_on(&b, demo::AGENT_EMAIL).await;
    let conversation = take_next(&mut agent).await.id;
    agent.send(&reply(conversation, "Déjame revisar")).await;
    let last_seq = match visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Message { message } if message.text == "Déjame revisar"))
        .await
    {
        ServerToVisitor::Message { message } => message.seq,
        _ => unreachable!(),
    };
    // A message the visitor sends just as A stops: whether A stored it or not, the widget
    // keeps it until acknowledged and sends it again, with the same id, after reconnecting.
    let unsure = new_id();
    visitor
        .send(&VisitorToServer::Send {
            id: unsure.clone(),
            text: "Es el pedido 1234".into(),
        })
        .await;

    a.terminate();
    // A said goodbye properly: "going away".
    let close = loop {
        match tokio::time::timeout(PATIENCE, visitor.ws.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => break frame,
            Ok(Some(Ok(_))) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(close.map(|f| u16::from(f.code)), Some(1001));

    // While the visitor is between servers, the agent answers.
    agent.send(&reply(conversation, "Llega mañana")).await;

    // The widget reconnects (to B, the server still up) and resumes where it was.
    let mut visitor = visitor_socket(b.addr).await;
    visitor
        .send(&VisitorToServer::Hello {
            version: pronto_protocol::PROTOCOL_VERSION,
            site: SiteId::parse(DEMO_SITE).unwrap(),
            token: Some(token),
            resume: Some(Resume {
                conversation,
                last_seq,
            }),
        })
        .await;
    let welcome = visitor.next().await;
    let ServerToVisitor::Welcome {
        conversation: Some(resumed),
        resumed: true,
        ..
    } = welcome
    else {
        panic!("expected a resumed welcome, got {welcome:?}");
    };
    assert!(matches!(resumed.state, ConversationState::Active { .. }));
    visitor
        .send(&VisitorToServer::Send {
            id: unsure.clone(),
            text: "Es el pedido 1234".into(),
        })
        .await;
    // The reply sent while the visitor was away reaches them, in the welcome or just after.
    let mut got_reply = resumed.messages.iter().any(|m| m.text == "Llega mañana");
    let mut acked = false;
    while !(acked && got_reply) {
        match visitor.next().await {
            ServerToVisitor::Ack { id, .. } if id == unsure => acked = true,
            ServerToVisitor::Message { message } if message.text == "Llega mañana" => {
                got_reply = true;
            }
            _ => {}
        }
    }
    visitor.send(&say("¡Gracias!")).await;
    // The agent heard each of the visitor's messages, each stored once under one number
    // (hearing a number twice is harmless: the console keeps it once).
    let mut heard = std::collections::BTreeMap::new();
    while !heard.values().any(|text: &String| text == "¡Gracias!") {
        let (seq, text) = numbered_message(&mut agent).await;
        if let Some(known) = heard.insert(seq, text.clone()) {
            assert_eq!(known, text, "message {seq} changed");
        }
    }
    let texts: Vec<_> = heard.into_values().collect();
    // Whether "Es el pedido 1234" was stored by A before it stopped or by B after the
    // resend decides whether it comes before or after the reply the agent sent meanwhile;
    // either order is true. What may not happen is a message missing or stored twice.
    let stored_by_a = [
        "Déjame revisar",
        "Es el pedido 1234",
        "Llega mañana",
        "¡Gracias!",
    ];
    let stored_by_b = [
        "Déjame revisar",
        "Llega mañana",
        "Es el pedido 1234",
        "¡Gracias!",
    ];
    assert!(
        texts == stored_by_a || texts == stored_by_b,
        "the agent heard {texts:?}"
    );
}
