//! The team's shared tools: canned replies the owner writes for everyone, the team list with
//! who is online, internal notes, and handing a conversation to a teammate.

use pronto_protocol::agent::{
    AgentToServer, CannedReply, ServerToAgent, TeamMember, VisitorHistory,
};
use pronto_protocol::chat::{Author, ConversationState};
use pronto_protocol::ids::{AgentId, ConversationId};
use pronto_protocol::visitor::ServerToVisitor;
use pronto_protocol::{ErrorCode, ProtocolError};
use pronto_server::demo;
use pronto_testkit::client::take_next;

use crate::helpers::{reply, say, spawn_app};
use pronto_testkit::client::new_id;

fn note(conversation: ConversationId, text: &str) -> AgentToServer {
    AgentToServer::Note {
        conversation,
        id: new_id(),
        text: text.into(),
    }
}

fn canned(shortcut: &str, text: &str) -> CannedReply {
    CannedReply {
        shortcut: shortcut.into(),
        text: text.into(),
    }
}

#[tokio::test]
async fn the_owner_writes_canned_replies_every_agent_reads_them_and_bad_lists_change_nothing() {
    let app = spawn_app().await;
    let owner = app.sign_in().await;
    let agent = app.sign_in_as(demo::SECOND_AGENT_EMAIL).await;
    let none: Vec<CannedReply> = app.get_json(&agent, "/api/site/canned").await;
    assert!(none.is_empty());

    let written = app
        .put_json(
            &owner,
            "/api/site/canned",
            serde_json::json!([
                {"shortcut": "/Envio", "text": "  Enviamos a todo Chile en 24 a 48 horas.  "},
                {"shortcut": "horario", "text": "Abrimos de lunes a viernes, de 9:00 a 18:00."},
            ]),
        )
        .await;
    assert_eq!(written.status(), 200);
    let expected = [
        canned("envio", "Enviamos a todo Chile en 24 a 48 horas."),
        canned("horario", "Abrimos de lunes a viernes, de 9:00 a 18:00."),
    ];
    let stored: Vec<CannedReply> = written.json().await.unwrap();
    assert_eq!(stored, expected);
    // Every agent reads them, in the owner's order.
    let read: Vec<CannedReply> = app.get_json(&agent, "/api/site/canned").await;
    assert_eq!(read, expected);

    // An agent may not change them.
    let refused = app
        .put_json(&agent, "/api/site/canned", serde_json::json!([]))
        .await;
    assert_eq!(refused.status(), 403);
    let error: ProtocolError = refused.json().await.unwrap();
    assert_eq!(error.code, ErrorCode::OwnerOnly);

    // A list with one bad entry is refused whole, saying which, and changes nothing.
    for (body, says) in [
        (
            serde_json::json!([{"shortcut": "ok", "text": "Bien"}, {"shortcut": "talla 42", "text": "Sí"}]),
            "talla 42",
        ),
        (
            serde_json::json!([{"shortcut": "a", "text": "A"}, {"shortcut": "A", "text": "B"}]),
            "twice",
        ),
        (
            serde_json::json!([{"shortcut": "vacio", "text": "  "}]),
            "/vacio",
        ),
        (serde_json::json!([{"shortcut": "sin-texto"}]), "text"),
        (serde_json::json!({"shortcut": "no-es-lista"}), "sequence"),
    ] {
        let refused = app.put_json(&owner, "/api/site/canned", body.clone()).await;
        assert_eq!(refused.status(), 400, "{body}");
        let error: ProtocolError = refused.json().await.unwrap();
        assert_eq!(error.code, ErrorCode::InvalidSetting, "{body}");
        assert!(error.message.contains(says), "{body}: {}", error.message);
    }
    let after: Vec<CannedReply> = app.get_json(&agent, "/api/site/canned").await;
    assert_eq!(after, expected);

    // Signed out: nothing.
    let anonymous = reqwest::get(app.url("/api/site/canned")).await.unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn an_agent_hands_a_conversation_to_a_teammate_who_is_online() {
    let app = spawn_app().await;
    let (mut ana, welcome) = app.agent().await;
    let ServerToAgent::Welcome { agent: me, .. } = welcome else {
        unreachable!()
    };
    let (mut visitor, _) = app.greeted_visitor(None).await;
    visitor.send(&say("¿Tienen la talla 42?")).await;
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Ack { .. }))
        .await;
    let conversation = take_next(&mut ana).await.id;
    ana.send(&reply(conversation, "Déjame ver con mi compañero"))
        .await;
    ana.next_matching(|f| matches!(f, ServerToAgent::Ack { .. }))
        .await;

    // Bruno is not online yet: the team says so, and a transfer to him is refused.
    let cookie = app.sign_in().await;
    let team: Vec<TeamMember> = app.get_json(&cookie, "/api/site/team").await;
    let names: Vec<_> = team.iter().map(|m| (m.name.as_str(), m.online)).collect();
    assert_eq!(names, [("Ana", true), ("Bruno", false)]);
    let bruno_id = team[1].id;
    let refusal = |to| AgentToServer::Transfer { conversation, to };
    for (to, why) in [
        (bruno_id, "not online"),
        (me.id, "yours already"),
        (AgentId(9_999), "no such agent"),
    ] {
        ana.send(&refusal(to)).await;
        let error = ana
            .next_matching(|f| matches!(f, ServerToAgent::Error(_)))
            .await;
        let ServerToAgent::Error(error) = error else {
            unreachable!()
        };
        assert_eq!(error.code, ErrorCode::AgentUnavailable);
        assert!(error.message.contains(why), "{}", error.message);
    }

    // Bruno opens the console; now Ana hands the conversation to him.
    let (mut bruno, _) = app.agent_as(demo::SECOND_AGENT_EMAIL).await;
    // His presence is written just after his welcome.
    let deadline = std::time::Instant::now() + crate::helpers::PATIENCE;
    loop {
        let team: Vec<TeamMember> = app.get_json(&cookie, "/api/site/team").await;
        if team.iter().all(|m| m.online) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{team:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    ana.send(&refusal(bruno_id)).await;

    // Bruno gets it with its whole history and who handed it over.
    let handed = bruno
        .next_matching(|f| matches!(f, ServerToAgent::Conversation { .. }))
        .await;
    let ServerToAgent::Conversation {
        conversation: handed,
        from,
        ..
    } = handed
    else {
        unreachable!()
    };
    assert_eq!(from.as_deref(), Some(demo::AGENT_NAME));
    assert_eq!(handed.id, conversation);
    let texts: Vec<_> = handed.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(
        texts,
        ["¿Tienen la talla 42?", "Déjame ver con mi compañero"]
    );
    assert_eq!(
        handed.state,
        ConversationState::Active {
            agent_name: demo::SECOND_AGENT_NAME.into()
        }
    );
    // Ana lets it go; the visitor hears who answers now.
    let away = ana
        .next_matching(|f| matches!(f, ServerToAgent::Transferred { .. }))
        .await;
    assert_eq!(
        away,
        ServerToAgent::Transferred {
            conversation,
            to_name: demo::SECOND_AGENT_NAME.into()
        }
    );
    visitor
        .next_matching(|f| {
            matches!(f, ServerToVisitor::Assigned { agent_name } if agent_name == demo::SECOND_AGENT_NAME)
        })
        .await;

    // From now on the visitor's messages go to Bruno, who answers; Ana can no longer.
    visitor.send(&say("Gracias")).await;
    bruno
        .next_matching(
            |f| matches!(f, ServerToAgent::Message { message, .. } if message.text == "Gracias"),
        )
        .await;
    bruno
        .send(&reply(conversation, "¡Hola! Soy Bruno, sí la tenemos."))
        .await;
    let answer = visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Message { message } if message.text.contains("Soy Bruno")))
        .await;
    let ServerToVisitor::Message { message } = answer else {
        unreachable!()
    };
    assert_eq!(
        message.author,
        Author::Agent {
            name: demo::SECOND_AGENT_NAME.into()
        }
    );
    ana.send(&reply(conversation, "¿Sigo yo?")).await;
    let refused = ana
        .next_matching(|f| matches!(f, ServerToAgent::Rejected { .. }))
        .await;
    assert!(
        matches!(
            &refused,
            ServerToAgent::Rejected { error, .. } if error.code == ErrorCode::NotYourConversation
        ),
        "{refused:?}"
    );
    ana.send(&refusal(bruno_id)).await;
    let error = ana
        .next_matching(|f| matches!(f, ServerToAgent::Error(_)))
        .await;
    assert!(
        matches!(&error, ServerToAgent::Error(e) if e.code == ErrorCode::NotYourConversation),
        "{error:?}"
    );
    // After a reconnect, the conversation is Bruno's, not Ana's.
    let (_, welcome) = app.agent().await;
    let ServerToAgent::Welcome { conversations, .. } = welcome else {
        unreachable!()
    };
    assert!(conversations.is_empty(), "{conversations:?}");
    let (_, welcome) = app.agent_as(demo::SECOND_AGENT_EMAIL).await;
    let ServerToAgent::Welcome { conversations, .. } = welcome else {
        unreachable!()
    };
    assert_eq!(conversations.len(), 1);
}

#[tokio::test]
async fn notes_stay_with_the_team_and_are_stored_once() {
    let app = spawn_app().await;
    let (mut ana, _) = app.agent().await;
    let (mut visitor, welcome) = app.greeted_visitor(None).await;
    let ServerToVisitor::Welcome { token, .. } = welcome else {
        unreachable!()
    };
    visitor.send(&say("Quiero devolver unas zapatillas")).await;
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Ack { .. }))
        .await;
    let conversation = take_next(&mut ana).await.id;

    // A note, sent twice with one id (a lost answer): stored once, answered both times.
    let secret = "Pedido 1234 ya devuelto una vez: pedir foto";
    let written = note(conversation, secret);
    for _ in 0..2 {
        ana.send(&written).await;
        let answer = ana
            .next_matching(|f| matches!(f, ServerToAgent::Note { .. }))
            .await;
        let ServerToAgent::Note { note, .. } = answer else {
            unreachable!()
        };
        let AgentToServer::Note { id, .. } = &written else {
            unreachable!()
        };
        assert_eq!((&note.client_id, note.text.as_str()), (id, secret));
        assert_eq!((note.author.as_str(), note.after_seq), ("Ana", 1));
    }
    // An empty note is refused by its id, and stores nothing.
    let empty = note(conversation, "   ");
    ana.send(&empty).await;
    let refused = ana
        .next_matching(|f| matches!(f, ServerToAgent::Rejected { .. }))
        .await;
    let (
        AgentToServer::Note { id, .. },
        ServerToAgent::Rejected {
            id: refused_id,
            error,
        },
    ) = (&empty, &refused)
    else {
        unreachable!()
    };
    assert_eq!((refused_id, error.code), (id, ErrorCode::MessageEmpty));

    // The visitor hears the reply that follows, and nothing of the note before it.
    ana.send(&reply(conversation, "Claro, ¿me mandas una foto?"))
        .await;
    loop {
        let frame = visitor.next().await;
        let seen = serde_json::to_string(&frame).unwrap();
        assert!(
            !seen.contains("foto: pedir") && !seen.contains("devuelto"),
            "{seen}"
        );
        if matches!(&frame, ServerToVisitor::Message { message } if message.text.contains("foto")) {
            break;
        }
    }
    // Nor when they come back.
    let (_, welcome) = app.greeted_visitor(Some(token)).await;
    let seen = serde_json::to_string(&welcome).unwrap();
    assert!(
        seen.contains("¿me mandas una foto?") && !seen.contains("devuelto"),
        "{seen}"
    );

    // The team sees it once, after the first message, on every console of the holder.
    let (_, welcome) = app.agent().await;
    let ServerToAgent::Welcome { conversations, .. } = welcome else {
        unreachable!()
    };
    let notes: Vec<_> = conversations[0]
        .notes
        .iter()
        .map(|n| n.text.as_str())
        .collect();
    assert_eq!(notes, [secret]);
}

#[tokio::test]
async fn whoever_answers_next_sees_the_visitors_earlier_conversations() {
    let app = spawn_app().await;
    let (mut ana, _) = app.agent().await;
    let (mut visitor, welcome) = app.greeted_visitor(None).await;
    let ServerToVisitor::Welcome { token, .. } = welcome else {
        unreachable!()
    };
    visitor.send(&say("¿Tienen la talla 42?")).await;
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Ack { .. }))
        .await;
    let first = take_next(&mut ana).await.id;
    ana.send(&reply(first, "Sí, en negro y en blanco.")).await;
    ana.send(&AgentToServer::Close {
        conversation: first,
    })
    .await;
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Closed))
        .await;

    // A week later, say, the same visitor comes back; Bruno answers this time.
    let (mut visitor, _) = app.greeted_visitor(Some(token)).await;
    visitor.send(&say("Compré la 42 y me queda chica")).await;
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Ack { .. }))
        .await;
    let (mut bruno, _) = app.agent_as(demo::SECOND_AGENT_EMAIL).await;
    let second = take_next(&mut bruno).await.id;
    let cookie = app.sign_in_as(demo::SECOND_AGENT_EMAIL).await;
    let history: VisitorHistory = app
        .get_json(&cookie, &format!("/api/conversations/{}/visitor", second.0))
        .await;
    assert!(history.first_seen_ms > 0);
    assert_eq!(history.earlier.len(), 1);
    let earlier = &history.earlier[0];
    assert_eq!(earlier.id, first);
    assert_eq!(earlier.state, ConversationState::Closed);
    let texts: Vec<_> = earlier.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["¿Tienen la talla 42?", "Sí, en negro y en blanco."]);

    // No such conversation (or another shop's): refused, not an empty history.
    let missing = reqwest::Client::new()
        .get(app.url("/api/conversations/999999/visitor"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 400);
    let error: ProtocolError = missing.json().await.unwrap();
    assert_eq!(error.code, ErrorCode::ConversationNotFound);
}
