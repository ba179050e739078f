//! Agents' concurrent-chat slots and automatic assignment: the owner sets how many chats
//! each agent holds at once, and, when the shop assigns automatically, each visitor who joins
//! the line goes to the agent with a free slot and the fewest chats.

use pronto_protocol::agent::{AgentToServer, Assignment, ServerToAgent, TeamMember};
use pronto_protocol::ids::ConversationId;
use pronto_protocol::visitor::{ServerToVisitor, VisitorToServer};
use pronto_protocol::{ErrorCode, ProtocolError};
use pronto_server::demo;

use crate::helpers::{PATIENCE, Socket, TestApp, say, spawn_app};
use crate::sites::{OTHER_OWNER, add_second_shop};
use futures::future::join_all as futures_join_all;

type Agent = Socket<AgentToServer, ServerToAgent>;
type Visitor = Socket<VisitorToServer, ServerToVisitor>;

async fn team(app: &TestApp, cookie: &str) -> Vec<TeamMember> {
    app.get_json(cookie, "/api/site/team").await
}

fn member<'a>(team: &'a [TeamMember], name: &str) -> &'a TeamMember {
    team.iter().find(|m| m.name == name).expect("on the team")
}

/// `PUT /api/site/agents/{id}` as `cookie`, with the refusal's code when it is one.
async fn change(
    app: &TestApp,
    cookie: &str,
    agent: &TeamMember,
    body: serde_json::Value,
) -> Result<TeamMember, (u16, ErrorCode, String)> {
    let path = format!("/api/site/agents/{}", agent.id);
    let response = app.put_json(cookie, &path, body).await;
    let status = response.status().as_u16();
    if status == 200 {
        return Ok(response.json().await.unwrap());
    }
    let error: ProtocolError = response.json().await.unwrap();
    Err((status, error.code, error.message))
}

/// Waits until the team list says `online` for every one of `names`.
async fn until_online(app: &TestApp, cookie: &str, names: &[&str]) {
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let team = team(app, cookie).await;
        if names.iter().all(|name| member(&team, name).online) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{team:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_owner_sets_each_agents_slots_and_role_and_the_shop_keeps_an_owner() {
    let app = spawn_app().await;
    add_second_shop(&app).await;
    let owner = app.sign_in().await;
    let agent = app.sign_in_as(demo::SECOND_AGENT_EMAIL).await;
    let (mut bruno, welcome) = app.agent_as(demo::SECOND_AGENT_EMAIL).await;
    let ServerToAgent::Welcome { slots, .. } = welcome else {
        unreachable!()
    };
    assert_eq!(slots, 1, "one chat at a time until the owner says more");
    let listed = team(&app, &owner).await;
    let (ana, bruno_listed) = (
        member(&listed, demo::AGENT_NAME).clone(),
        member(&listed, demo::SECOND_AGENT_NAME).clone(),
    );
    assert_eq!((bruno_listed.slots, bruno_listed.chats), (1, 0));

    let changed = change(&app, &owner, &bruno_listed, serde_json::json!({"slots": 3}))
        .await
        .unwrap();
    assert_eq!(changed.slots, 3);
    assert_eq!(changed.role, bruno_listed.role, "a field left out stays");
    // His open console hears it.
    bruno
        .next_matching(|f| matches!(f, ServerToAgent::Slots { slots: 3 }))
        .await;

    // Out of bounds, not a number, or from an agent who is not an owner: refused, and
    // nothing changes.
    for (cookie, body, status, code) in [
        (
            &owner,
            serde_json::json!({"slots": 0}),
            400,
            ErrorCode::InvalidSetting,
        ),
        (
            &owner,
            serde_json::json!({"slots": 11}),
            400,
            ErrorCode::InvalidSetting,
        ),
        (
            &owner,
            serde_json::json!({"slots": "two"}),
            400,
            ErrorCode::InvalidSetting,
        ),
        (
            &owner,
            serde_json::json!({"role": "boss"}),
            400,
            ErrorCode::InvalidSetting,
        ),
        (
            &agent,
            serde_json::json!({"slots": 5}),
            403,
            ErrorCode::OwnerOnly,
        ),
    ] {
        let refused = change(&app, cookie, &bruno_listed, body.clone()).await;
        let (got_status, got_code, _) = refused.expect_err(&body.to_string());
        assert_eq!((got_status, got_code), (status, code), "{body}");
    }
    assert_eq!(member(&team(&app, &owner).await, "Bruno").slots, 3);

    // Another shop's owner cannot reach this shop's agents.
    let other = app.sign_in_as(OTHER_OWNER).await;
    let (_, code, _) = change(&app, &other, &bruno_listed, serde_json::json!({"slots": 2}))
        .await
        .unwrap_err();
    assert_eq!(code, ErrorCode::AgentUnavailable);
    assert_eq!(member(&team(&app, &owner).await, "Bruno").slots, 3);

    // The only owner cannot step down; once Bruno is an owner too, she can.
    let (_, code, message) = change(&app, &owner, &ana, serde_json::json!({"role": "agent"}))
        .await
        .unwrap_err();
    assert_eq!(code, ErrorCode::InvalidSetting);
    assert!(message.contains("needs an owner"), "{message}");
    change(
        &app,
        &owner,
        &bruno_listed,
        serde_json::json!({"role": "owner"}),
    )
    .await
    .unwrap();
    let ana_now = change(&app, &owner, &ana, serde_json::json!({"role": "agent"}))
        .await
        .unwrap();
    assert_eq!(ana_now.role, pronto_protocol::agent::Role::Agent);
    // An agent now: the owner's pages are closed to her.
    let (status, code, _) = change(&app, &owner, &ana, serde_json::json!({"slots": 2}))
        .await
        .unwrap_err();
    assert_eq!((status, code), (403, ErrorCode::OwnerOnly));
}

/// A visitor who wrote `text` to join the line (who answers may come before the message's
/// acknowledgement, so neither is read here).
async fn joins(app: &TestApp, text: &str) -> Visitor {
    let (mut visitor, _) = app.greeted_visitor(None).await;
    visitor.send(&say(text)).await;
    visitor
}

/// The next conversation automatic assignment gives `agent`, with its first message.
async fn assigned(agent: &mut Agent) -> (ConversationId, String) {
    let frame = agent
        .next_matching(|f| matches!(f, ServerToAgent::Conversation { .. }))
        .await;
    let ServerToAgent::Conversation {
        conversation,
        from,
        assigned,
    } = frame
    else {
        unreachable!()
    };
    assert!(assigned && from.is_none(), "given, not taken or handed");
    (conversation.id, conversation.messages[0].text.clone())
}

async fn hears_who_answers(visitor: &mut Visitor, name: &str) {
    visitor
        .next_matching(
            |f| matches!(f, ServerToVisitor::Assigned { agent_name } if agent_name == name),
        )
        .await;
}

/// Which of Ana and Bruno the next assignment goes to (their name), and what.
async fn given_to_either(
    ana: &mut Agent,
    bruno: &mut Agent,
) -> (&'static str, ConversationId, String) {
    tokio::select! {
        (id, text) = assigned(ana) => (demo::AGENT_NAME, id, text),
        (id, text) = assigned(bruno) => (demo::SECOND_AGENT_NAME, id, text),
    }
}

#[tokio::test]
async fn with_automatic_assignment_each_visitor_goes_to_the_agent_with_room_and_fewest_chats() {
    let app = spawn_app().await;
    let owner = app.sign_in().await;
    let agent = app.sign_in_as(demo::SECOND_AGENT_EMAIL).await;
    let read: Assignment = app.get_json(&agent, "/api/site/assignment").await;
    assert!(!read.automatic, "off until the owner turns it on");
    let turn_on = serde_json::json!({"automatic": true});
    let refused = app
        .put_json(&agent, "/api/site/assignment", turn_on.clone())
        .await;
    assert_eq!(refused.status(), 403);
    let on = app.put_json(&owner, "/api/site/assignment", turn_on).await;
    assert_eq!(on.status(), 200);
    let read: Assignment = app.get_json(&agent, "/api/site/assignment").await;
    assert!(read.automatic);
    let bruno_listed = member(&team(&app, &owner).await, "Bruno").clone();
    change(&app, &owner, &bruno_listed, serde_json::json!({"slots": 2}))
        .await
        .unwrap();

    let (mut ana, _) = app.agent().await;
    let (mut bruno, _) = app.agent_as(demo::SECOND_AGENT_EMAIL).await;
    until_online(&app, &owner, &["Ana", "Bruno"]).await;

    // The first two go one to each (both hold none)…
    let mut first = joins(&app, "Hola, ¿tienen la talla 42?").await;
    let (first_to, first_id, text) = given_to_either(&mut ana, &mut bruno).await;
    assert_eq!(text, "Hola, ¿tienen la talla 42?");
    hears_who_answers(&mut first, first_to).await;
    let mut second = joins(&app, "¿Hacen envíos a Valparaíso?").await;
    let (second_to, second_id, text) = given_to_either(&mut ana, &mut bruno).await;
    assert_eq!(text, "¿Hacen envíos a Valparaíso?");
    assert_ne!(second_to, first_to, "the one with fewer chats");
    hears_who_answers(&mut second, second_to).await;
    let ana_holds = if first_to == demo::AGENT_NAME {
        first_id
    } else {
        second_id
    };

    // …the third to Bruno, the only one with room (Ana holds one chat at a time, he two).
    let mut third = joins(&app, "¿Puedo cambiar un regalo?").await;
    let (third_to, _, text) = given_to_either(&mut ana, &mut bruno).await;
    assert_eq!(
        (third_to, text.as_str()),
        ("Bruno", "¿Puedo cambiar un regalo?")
    );
    hears_who_answers(&mut third, "Bruno").await;

    // Every slot is full: the fourth waits in line and hears their place.
    let mut fourth = joins(&app, "¿Abren el domingo?").await;
    fourth
        .next_matching(|f| matches!(f, ServerToVisitor::Queue { position: 1, .. }))
        .await;
    let listed = team(&app, &owner).await;
    assert_eq!(
        (member(&listed, "Ana").chats, member(&listed, "Bruno").chats),
        (1, 2),
        "nobody is given more than their slots"
    );

    // Ana ends her chat: the fourth is hers at once.
    ana.send(&AgentToServer::Close {
        conversation: ana_holds,
    })
    .await;
    let (_, text) = assigned(&mut ana).await;
    assert_eq!(text, "¿Abren el domingo?");
    hears_who_answers(&mut fourth, "Ana").await;
}

#[tokio::test]
async fn visitors_joining_at_once_never_fill_a_slot_twice_and_away_agents_get_none() {
    let app = spawn_app().await;
    let owner = app.sign_in().await;
    let on = app
        .put_json(
            &owner,
            "/api/site/assignment",
            serde_json::json!({"automatic": true}),
        )
        .await;
    assert_eq!(on.status(), 200);
    let listed = team(&app, &owner).await;
    for (name, slots) in [("Ana", 2), ("Bruno", 3)] {
        change(
            &app,
            &owner,
            member(&listed, name),
            serde_json::json!({"slots": slots}),
        )
        .await
        .unwrap();
    }
    let (mut ana, _) = app.agent().await;
    let (_bruno, _) = app.agent_as(demo::SECOND_AGENT_EMAIL).await;
    until_online(&app, &owner, &["Ana", "Bruno"]).await;
    // Bruno steps away: he keeps his console, but gets nobody.
    let (mut bruno_again, _) = app.agent_as(demo::SECOND_AGENT_EMAIL).await;
    bruno_again.send(&AgentToServer::Away { away: true }).await;
    bruno_again
        .next_matching(|f| matches!(f, ServerToAgent::Away { away: true }))
        .await;

    // Six visitors write at the same instant: Ana's two slots fill, and four wait.
    let visitors = futures_join_all(
        ["uno", "dos", "tres", "cuatro", "cinco", "seis"].map(|text| joins(&app, text)),
    )
    .await;
    assigned(&mut ana).await;
    assigned(&mut ana).await;
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let frame = ana
            .next_matching(|f| {
                matches!(
                    f,
                    ServerToAgent::Queue { .. } | ServerToAgent::Conversation { .. }
                )
            })
            .await;
        match frame {
            ServerToAgent::Queue { total: 4, .. } => break,
            ServerToAgent::Queue { .. } => {}
            other => panic!("Ana was given a third chat with two slots: {other:?}"),
        }
        assert!(std::time::Instant::now() < deadline);
    }
    let listed = team(&app, &owner).await;
    assert_eq!(
        (member(&listed, "Ana").chats, member(&listed, "Bruno").chats),
        (2, 0)
    );
    // Back from away, Bruno is given the three who waited longest, up to his slots.
    bruno_again.send(&AgentToServer::Away { away: false }).await;
    for _ in 0..3 {
        assigned(&mut bruno_again).await;
    }
    let listed = team(&app, &owner).await;
    assert_eq!(member(&listed, "Bruno").chats, 3);
    drop(visitors);
}
