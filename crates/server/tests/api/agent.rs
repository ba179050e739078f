//! The agent's side: sign in, see the queue, take, chat, close; and who may not.

use pronto_protocol::agent::{AgentToServer, ServerToAgent, TeamMember};
use pronto_protocol::chat::Author;
use pronto_protocol::ids::ConversationId;
use pronto_protocol::visitor::ServerToVisitor;
use pronto_protocol::{ErrorCode, ProtocolError};

use crate::helpers::{reply, say, spawn_app};
use pronto_testkit::client::take_next;

async fn queue_of(
    agent: &mut crate::helpers::Socket<AgentToServer, ServerToAgent>,
    len: usize,
) -> Vec<ConversationId> {
    let frame = agent
        .next_matching(
            |f| matches!(f, ServerToAgent::Queue { entries, .. } if entries.len() == len),
        )
        .await;
    let ServerToAgent::Queue { entries, .. } = frame else {
        unreachable!()
    };
    entries.into_iter().map(|e| e.conversation).collect()
}

#[tokio::test]
async fn the_whole_path_queue_take_chat_close() {
    let app = spawn_app().await;
    let (mut agent, welcome) = app.agent().await;
    let ServerToAgent::Welcome {
        agent: me,
        queue,
        conversations,
        ..
    } = welcome
    else {
        unreachable!()
    };
    assert_eq!(
        (me.name.as_str(), queue.len(), conversations.len()),
        ("Ana", 0, 0)
    );

    let (mut a, _) = app.greeted_visitor(None).await;
    let (mut b, _) = app.greeted_visitor(None).await;
    a.send(&say("Soy A")).await;
    queue_of(&mut agent, 1).await;
    b.send(&say("Soy B")).await;
    let queue = agent
        .next_matching(|f| matches!(f, ServerToAgent::Queue { entries, .. } if entries.len() == 2))
        .await;
    let ServerToAgent::Queue { entries, .. } = queue else {
        unreachable!()
    };
    assert_eq!(entries[0].first_message, "Soy A");
    assert_eq!(entries[1].first_message, "Soy B");
    b.next_matching(|f| matches!(f, ServerToVisitor::Queue { position: 2, .. }))
        .await;

    // Taking A moves B up at once and tells A who is answering.
    agent
        .send(&AgentToServer::Take {
            conversation: entries[0].conversation,
        })
        .await;
    let taken = agent
        .next_matching(|f| matches!(f, ServerToAgent::Conversation { .. }))
        .await;
    let ServerToAgent::Conversation { conversation, .. } = taken else {
        unreachable!()
    };
    assert_eq!(conversation.messages[0].text, "Soy A");
    a.next_matching(
        |f| matches!(f, ServerToVisitor::Assigned { agent_name } if agent_name == "Ana"),
    )
    .await;
    b.next_matching(|f| matches!(f, ServerToVisitor::Queue { position: 1, .. }))
        .await;
    assert_eq!(queue_of(&mut agent, 1).await, [entries[1].conversation]);

    // Both ways, live.
    agent.send(&reply(conversation.id, "¡Hola A!")).await;
    let to_a = a
        .next_matching(|f| matches!(f, ServerToVisitor::Message { .. }))
        .await;
    let ServerToVisitor::Message { message } = to_a else {
        unreachable!()
    };
    assert_eq!(message.text, "¡Hola A!");
    assert_eq!(message.author, Author::Agent { name: "Ana".into() });
    a.send(&say("Gracias")).await;
    // The agent sees its own message stored first, then A's answer.
    let echo = agent
        .next_matching(|f| matches!(f, ServerToAgent::Message { .. }))
        .await;
    let ServerToAgent::Message { message, .. } = echo else {
        unreachable!()
    };
    assert_eq!((message.seq, message.text.as_str()), (2, "¡Hola A!"));
    let to_agent = agent
        .next_matching(|f| matches!(f, ServerToAgent::Message { .. }))
        .await;
    let ServerToAgent::Message { message, .. } = to_agent else {
        unreachable!()
    };
    assert_eq!((message.seq, message.text.as_str()), (3, "Gracias"));

    agent
        .send(&AgentToServer::Close {
            conversation: conversation.id,
        })
        .await;
    a.next_matching(|f| matches!(f, ServerToVisitor::Closed))
        .await;
    agent
        .next_matching(|f| matches!(f, ServerToAgent::Closed { .. }))
        .await;

    // A closed conversation takes no more messages from the agent; A's next message starts anew.
    agent.send(&reply(conversation.id, "¿sigues?")).await;
    let refused = agent
        .next_matching(|f| matches!(f, ServerToAgent::Rejected { .. }))
        .await;
    assert!(
        matches!(
            refused,
            ServerToAgent::Rejected {
                error: ProtocolError {
                    code: ErrorCode::ConversationClosed,
                    ..
                },
                ..
            }
        ),
        "{refused:?}"
    );
    a.send(&say("Otra pregunta")).await;
    let spot = a
        .next_matching(|f| matches!(f, ServerToVisitor::Queue { .. }))
        .await;
    assert!(
        matches!(spot, ServerToVisitor::Queue { position: 2, .. }),
        "behind B: {spot:?}"
    );
}

#[tokio::test]
async fn two_consoles_taking_the_same_visitor_at_once_exactly_one_wins() {
    let app = spawn_app().await;
    let (mut first, _) = app.agent().await;
    let (mut second, _) = app.agent().await;
    let (mut visitor, _) = app.greeted_visitor(None).await;
    visitor.send(&say("¿Alguien?")).await;
    let conversation = queue_of(&mut first, 1).await[0];
    queue_of(&mut second, 1).await;

    first.send(&AgentToServer::Take { conversation }).await;
    second.send(&AgentToServer::Take { conversation }).await;
    let mut refused = 0;
    for agent in [&mut first, &mut second] {
        // A socket's frames are handled in order, so once the answer to this marker (a take of
        // a conversation that does not exist) arrives, the answer to the real take has too.
        agent
            .send(&AgentToServer::Take {
                conversation: ConversationId(i64::MAX),
            })
            .await;
        loop {
            match agent.next().await {
                ServerToAgent::Error(e) if e.code == ErrorCode::ConversationNotFound => break,
                ServerToAgent::Error(e) if e.code == ErrorCode::AlreadyTaken => refused += 1,
                ServerToAgent::Error(e) => panic!("unexpected {e:?}"),
                _ => {}
            }
        }
    }
    assert_eq!(refused, 1, "exactly one of the two takes is refused");
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Assigned { .. }))
        .await;
}

#[tokio::test]
async fn signing_in_needs_the_right_password_and_sockets_need_a_session() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let wrong = client
        .post(app.url("/api/login"))
        .json(&serde_json::json!({ "email": pronto_server::demo::AGENT_EMAIL, "password": "nope" }))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let body: ProtocolError = wrong.json().await.unwrap();
    assert_eq!(body.code, ErrorCode::Unauthorized);
    assert!(
        client
            .get(app.url("/api/me"))
            .send()
            .await
            .unwrap()
            .status()
            == 401
    );

    let upgrade = tokio_tungstenite::connect_async(format!("ws://{}/ws/agent", app.addr)).await;
    let Err(tokio_tungstenite::tungstenite::Error::Http(response)) = upgrade else {
        panic!("an agent socket without a session must be refused")
    };
    assert_eq!(response.status(), 401);

    let cookie = app.sign_in().await;
    let me = client
        .get(app.url("/api/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let logout = client
        .post(app.url("/api/logout"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204);
    let after = client
        .get(app.url("/api/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401, "signing out ends the session");
}

#[tokio::test]
async fn a_resent_reply_is_acknowledged_again_and_stored_once() {
    let app = spawn_app().await;
    let (mut agent, _) = app.agent().await;
    let (mut visitor, _) = app.greeted_visitor(None).await;
    visitor.send(&say("Hola")).await;
    let conversation = queue_of(&mut agent, 1).await[0];
    agent.send(&AgentToServer::Take { conversation }).await;
    agent
        .next_matching(|f| matches!(f, ServerToAgent::Conversation { .. }))
        .await;

    let answer = reply(conversation, "Te ayudo");
    agent.send(&answer).await;
    agent.send(&answer).await;
    let mut acks = Vec::new();
    while acks.len() < 2 {
        if let ServerToAgent::Ack { seq, .. } = agent.next().await {
            acks.push(seq);
        }
    }
    assert_eq!(acks, [2, 2]);
    agent.send(&reply(conversation, "¿Algo más?")).await;
    let next = agent
        .next_matching(|f| matches!(f, ServerToAgent::Ack { .. }))
        .await;
    assert!(
        matches!(next, ServerToAgent::Ack { seq: 3, .. }),
        "{next:?}"
    );
    // Each reply has one number; the visitor may hear a number again (harmless: the widget
    // keeps it once), never a second copy under a new number.
    let mut texts = Vec::<(u32, String)>::new();
    while texts.len() < 2 {
        if let ServerToVisitor::Message { message } = visitor.next().await
            && message.seq > 1
            && !texts.iter().any(|(seq, _)| *seq == message.seq)
        {
            texts.push((message.seq, message.text));
        }
    }
    assert_eq!(
        texts,
        [(2, "Te ayudo".to_owned()), (3, "¿Algo más?".to_owned())]
    );
}

#[tokio::test]
async fn typing_reaches_the_other_side_and_only_the_agent_holding_the_chat() {
    let app = spawn_app().await;
    let (mut ana, _) = app.agent().await;
    let (mut visitor, _) = app.greeted_visitor(None).await;

    // Waiting, nobody holds the chat: the visitor's typing goes nowhere (and is no error).
    visitor
        .send(&pronto_protocol::visitor::VisitorToServer::Typing { typing: true })
        .await;
    visitor.send(&say("¿Hay talla 40?")).await;
    queue_of(&mut ana, 1).await;
    let conversation = take_next(&mut ana).await;

    // Taken: each side hears the other type, and stop.
    for typing in [true, false] {
        ana.send(&AgentToServer::Typing {
            conversation: conversation.id,
            typing,
        })
        .await;
        let heard = visitor
            .next_matching(|f| matches!(f, ServerToVisitor::Typing { .. }))
            .await;
        assert_eq!(heard, ServerToVisitor::Typing { typing });
        visitor
            .send(&pronto_protocol::visitor::VisitorToServer::Typing { typing })
            .await;
        let heard = ana
            .next_matching(|f| matches!(f, ServerToAgent::Typing { .. }))
            .await;
        assert_eq!(
            heard,
            ServerToAgent::Typing {
                conversation: conversation.id,
                typing
            }
        );
    }

    // Another agent cannot type into Ana's conversation.
    let (mut bruno, _) = app.agent_as(pronto_server::demo::SECOND_AGENT_EMAIL).await;
    bruno
        .send(&AgentToServer::Typing {
            conversation: conversation.id,
            typing: true,
        })
        .await;
    let refused = bruno
        .next_matching(|f| matches!(f, ServerToAgent::Error(_)))
        .await;
    assert!(
        matches!(&refused, ServerToAgent::Error(e) if e.code == ErrorCode::NotYourConversation),
        "{refused:?}"
    );
}

#[tokio::test]
async fn the_name_and_email_the_page_gives_reach_the_queue_and_then_the_agent() {
    use pronto_protocol::visitor::VisitorToServer;
    let app = spawn_app().await;
    let (mut ana, _) = app.agent().await;
    let (mut visitor, _) = app.greeted_visitor(None).await;
    let profile = |name: Option<&str>, email: Option<&str>| VisitorToServer::Profile {
        name: name.map(Into::into),
        email: email.map(Into::into),
    };

    visitor.send(&say("¿Hay talla 40?")).await;
    queue_of(&mut ana, 1).await;
    visitor
        .send(&profile(Some("  María José "), Some("mj@tienda.cl")))
        .await;
    let named = ana
        .next_matching(|f| {
            matches!(f, ServerToAgent::Queue { entries, .. }
                if entries.first().is_some_and(|e| e.visitor == "María José"))
        })
        .await;
    let ServerToAgent::Queue { entries, .. } = named else {
        unreachable!()
    };
    assert_eq!(entries[0].visitor_email.as_deref(), Some("mj@tienda.cl"));

    // A bad address is refused with a typed error and keeps nothing of the frame.
    visitor
        .send(&profile(Some("Otra"), Some("mj at tienda")))
        .await;
    let refused = visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Error(_)))
        .await;
    assert!(
        matches!(&refused, ServerToVisitor::Error(e) if e.code == ErrorCode::InvalidEmail),
        "{refused:?}"
    );

    let conversation = take_next(&mut ana).await;
    assert_eq!(conversation.visitor, "María José");
    assert_eq!(conversation.visitor_email.as_deref(), Some("mj@tienda.cl"));

    // Named again while Ana holds the chat: she hears it; the address given before stays.
    visitor.send(&profile(Some("Majo"), None)).await;
    let renamed = ana
        .next_matching(|f| matches!(f, ServerToAgent::Visitor { .. }))
        .await;
    assert_eq!(
        renamed,
        ServerToAgent::Visitor {
            conversation: conversation.id,
            visitor: "Majo".into(),
            visitor_email: Some("mj@tienda.cl".into()),
        }
    );
}

#[tokio::test]
async fn the_visitor_hears_how_far_the_agent_has_read_and_the_mark_only_moves_forward() {
    let app = spawn_app().await;
    let (mut ana, _) = app.agent().await;
    let (mut visitor, welcome) = app.greeted_visitor(None).await;
    let ServerToVisitor::Welcome { token, .. } = welcome else {
        unreachable!()
    };
    visitor.send(&say("hola")).await;
    visitor.send(&say("¿talla 42?")).await;
    // Both stored before Ana takes the chat: on PostgreSQL "take next" skips a conversation
    // whose row a message is being written to at that instant.
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Ack { seq: 2, .. }))
        .await;
    queue_of(&mut ana, 1).await;
    let conversation = take_next(&mut ana).await;
    let read = |seq: u32| AgentToServer::Read {
        conversation: conversation.id,
        seq,
    };
    let is_receipt = |f: &ServerToVisitor| matches!(f, ServerToVisitor::Read { .. });

    // Past the last message: nothing to tell. Then up to the first one.
    ana.send(&read(9)).await;
    ana.send(&read(1)).await;
    assert_eq!(
        visitor.next_matching(is_receipt).await,
        ServerToVisitor::Read { seq: 1 }
    );
    // The same mark again, or an older one, tells nothing; the next one does.
    ana.send(&read(1)).await;
    ana.send(&read(0)).await;
    ana.send(&read(2)).await;
    assert_eq!(
        visitor.next_matching(is_receipt).await,
        ServerToVisitor::Read { seq: 2 }
    );

    // Another agent cannot mark Ana's conversation read.
    let (mut bruno, _) = app.agent_as(pronto_server::demo::SECOND_AGENT_EMAIL).await;
    bruno.send(&read(2)).await;
    let refused = bruno
        .next_matching(|f| matches!(f, ServerToAgent::Error(_)))
        .await;
    assert!(
        matches!(&refused, ServerToAgent::Error(e) if e.code == ErrorCode::NotYourConversation),
        "{refused:?}"
    );

    // Coming back, the welcome says how far Ana read.
    let (_again, welcome) = app.greeted_visitor(Some(token)).await;
    let ServerToVisitor::Welcome {
        conversation: Some(conversation),
        ..
    } = welcome
    else {
        panic!("no conversation in {welcome:?}")
    };
    assert_eq!(conversation.read_seq, 2);
}

#[tokio::test]
async fn visitors_hear_whether_anyone_is_there_to_answer() {
    let app = spawn_app().await;
    let (mut visitor, welcome) = app.greeted_visitor(None).await;
    let ServerToVisitor::Welcome { shop, .. } = welcome else {
        unreachable!()
    };
    assert!(!shop.online, "no console is open");
    let is = |online: bool| move |f: &ServerToVisitor| matches!(f, ServerToVisitor::Availability { online: now, .. } if *now == online);

    let (first_tab, _) = app.agent().await;
    visitor.next_matching(is(true)).await;
    let (second_tab, _) = app.agent().await;
    // Closing one of Ana's two tabs leaves her there; closing the other does not.
    drop(first_tab);
    drop(second_tab);
    visitor.next_matching(is(false)).await;
    let (_again, welcome) = app.greeted_visitor(None).await;
    let ServerToVisitor::Welcome { shop, .. } = welcome else {
        unreachable!()
    };
    assert!(!shop.online, "every console is closed");
}

#[tokio::test]
async fn an_agent_who_steps_away_is_not_counted_as_there_until_back() {
    let app = spawn_app().await;
    let (mut visitor, _) = app.greeted_visitor(None).await;
    let is = |online: bool| move |f: &ServerToVisitor| matches!(f, ServerToVisitor::Availability { online: now, .. } if *now == online);
    let (mut ana, welcome) = app.agent().await;
    let ServerToAgent::Welcome { away, .. } = welcome else {
        unreachable!()
    };
    assert!(!away);
    visitor.next_matching(is(true)).await;

    ana.send(&AgentToServer::Away { away: true }).await;
    ana.next_matching(|f| matches!(f, ServerToAgent::Away { away: true }))
        .await;
    visitor.next_matching(is(false)).await;
    // A new visitor hears it too, teammates see her away, and her next console knows.
    let (_newcomer, welcome) = app.greeted_visitor(None).await;
    let ServerToVisitor::Welcome { shop, .. } = welcome else {
        unreachable!()
    };
    assert!(!shop.online, "the only agent there is away");
    let cookie = app.sign_in().await;
    let team: Vec<TeamMember> = app.get_json(&cookie, "/api/site/team").await;
    let ana_listed = team.iter().find(|m| m.name == "Ana").unwrap();
    assert!(!ana_listed.online, "{team:?}");
    let (_second_tab, welcome) = app.agent().await;
    let ServerToAgent::Welcome { away, .. } = welcome else {
        unreachable!()
    };
    assert!(away, "away is kept for her other consoles");

    ana.send(&AgentToServer::Away { away: false }).await;
    visitor.next_matching(is(true)).await;
}

#[tokio::test]
async fn agents_see_the_storefront_page_the_visitor_is_on() {
    use crate::helpers::{Socket, hello};
    use pronto_protocol::agent::VisitorHistory;
    use pronto_protocol::visitor::VisitorToServer;
    let app = spawn_app().await;
    let cookie = app.sign_in().await;
    let (mut ana, _) = app.agent().await;
    // The widget on a storefront page says where it is, as the loader URI-encodes it.
    let on_page = |page: &'static str, token: Option<String>| {
        let app = &app;
        async move {
            let url = format!(
                "ws://{}/ws/visitor?lang=es&page={}",
                app.addr,
                form_encode(page)
            );
            let mut visitor: Socket<VisitorToServer, ServerToVisitor> =
                Socket::try_connect(&url, &[("origin", "http://127.0.0.1:4173")])
                    .await
                    .unwrap();
            visitor.send(&hello(token)).await;
            let ServerToVisitor::Welcome { token, .. } = visitor.next().await else {
                panic!("a welcome first");
            };
            (visitor, token)
        }
    };
    let (mut carla, token) =
        on_page("http://127.0.0.1:4173/zapatillas/runner?talla=38", None).await;
    carla.send(&say("¿La tienen en azul?")).await;
    let queued = ana
        .next_matching(|f| matches!(f, ServerToAgent::Queue { entries, .. } if !entries.is_empty()))
        .await;
    let ServerToAgent::Queue { entries, .. } = queued else {
        unreachable!()
    };
    // Without its query, which may hold a token or an e-mail address.
    assert_eq!(
        entries[0].page.as_deref(),
        Some("http://127.0.0.1:4173/zapatillas/runner")
    );
    let conversation = take_next(&mut ana).await.id;
    let context = format!("/api/conversations/{}/visitor", conversation.0);
    let page_shown = || async { app.get_json::<VisitorHistory>(&cookie, &context).await.page };
    assert_eq!(
        page_shown().await.as_deref(),
        Some("http://127.0.0.1:4173/zapatillas/runner")
    );

    // She goes on to the cart: the next page's widget says so, and agents see it.
    drop(carla);
    let (_carla, _) = on_page("http://127.0.0.1:4173/carrito", Some(token.clone())).await;
    assert_eq!(
        page_shown().await.as_deref(),
        Some("http://127.0.0.1:4173/carrito")
    );

    // A page of another site, or not a web page at all, is not shown: the last one stays.
    for forged in ["https://otra.example/", "javascript:alert(1)"] {
        let (_tab, _) = on_page(forged, Some(token.clone())).await;
        assert_eq!(
            page_shown().await.as_deref(),
            Some("http://127.0.0.1:4173/carrito"),
            "{forged}"
        );
    }
}

/// `text` as a query value, as the browser's `encodeURIComponent` would write it.
fn form_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn a_console_gone_silent_is_let_go_while_one_that_answers_pings_stays() {
    use crate::operations::until_sample;
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    // Pings each second: a socket silent for two is gone.
    let app = crate::helpers::spawn_app_with(|config| config.ping_secs = 1).await;
    let (mut ana, _) = app.agent().await;
    let (mut bruno, _) = app.agent_as(pronto_server::demo::SECOND_AGENT_EMAIL).await;
    until_sample(&app, "pronto_sockets{side=\"agent\"}", 2.0).await;

    // Bruno's console keeps reading (and so answers pings) until a visitor is in line; Ana's
    // laptop has gone to sleep: nothing is read from her socket, so nothing answers.
    let listening = tokio::spawn(async move {
        bruno
            .next_matching(
                |f| matches!(f, ServerToAgent::Queue { entries, .. } if !entries.is_empty()),
            )
            .await;
        bruno
    });
    until_sample(&app, "pronto_sockets{side=\"agent\"}", 1.0).await;

    // The server hung up on Ana: her console, awake again, finds the connection closed.
    loop {
        match tokio::time::timeout(crate::helpers::PATIENCE, ana.ws.next())
            .await
            .expect("the socket ends in time")
        {
            // What was on its way before the server hung up.
            Some(Ok(Message::Text(_) | Message::Ping(_) | Message::Pong(_))) => {}
            Some(Ok(Message::Close(_)) | Err(_)) | None => break,
            Some(Ok(other)) => panic!("unexpected {other:?}"),
        }
    }

    // Bruno, who answered, is still there: he hears of the next visitor and takes them.
    let (mut visitor, _) = app.greeted_visitor(None).await;
    visitor.send(&say("¿Siguen ahí?")).await;
    let mut bruno = tokio::time::timeout(crate::helpers::PATIENCE, listening)
        .await
        .expect("Bruno hears of the visitor in time")
        .unwrap();
    let conversation = take_next(&mut bruno).await;
    assert_eq!(conversation.messages[0].text, "¿Siguen ahí?");
}
