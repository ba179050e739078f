//! Follow-ups (rule 10): marking a conversation to come back to on a day, the shop's list of
//! marks with the due ones first, and following up, which opens the ended conversation again
//! so that what the agent writes reaches the visitor in the widget or by e-mail.

use jiff::ToSpan;
use jiff::civil::Date;
use pronto_protocol::ErrorCode;
use pronto_protocol::agent::{AgentToServer, FollowUps, ServerToAgent};
use pronto_protocol::chat::ConversationState;
use pronto_protocol::ids::ConversationId;
use pronto_protocol::visitor::{ServerToVisitor, VisitorToServer};
use pronto_testkit::client::take_next;
use pronto_testkit::smtp::SmtpSink;

use crate::helpers::{Socket, TestApp, reply, say, spawn_app, spawn_app_mailing_to};
use crate::mail::carla_asks;
use crate::operations::until_sample;
use crate::sites::{OTHER_OWNER, add_second_shop};

/// Today in the demo shop's time zone (it has no opening hours: UTC).
fn today() -> Date {
    jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date()
}

/// A visitor who asked `question`, taken by the demo agent and ended by them.
async fn ended_conversation(
    app: &TestApp,
    agent: &mut Socket<AgentToServer, ServerToAgent>,
    question: &str,
) -> (Socket<VisitorToServer, ServerToVisitor>, ConversationId) {
    let (mut visitor, _) = app.greeted_visitor(None).await;
    visitor.send(&say(question)).await;
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Ack { .. }))
        .await;
    let conversation = take_next(agent).await.id;
    agent.send(&AgentToServer::Close { conversation }).await;
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Closed))
        .await;
    (visitor, conversation)
}

async fn mark(
    app: &TestApp,
    cookie: &str,
    conversation: ConversationId,
    on: serde_json::Value,
) -> reqwest::Response {
    app.put_json(
        cookie,
        &format!("/api/conversations/{}/follow-up", conversation.0),
        serde_json::json!({ "on": on }),
    )
    .await
}

async fn refused_with(response: reqwest::Response) -> ErrorCode {
    assert_eq!(response.status(), 400);
    let error: pronto_protocol::ProtocolError = response.json().await.unwrap();
    error.code
}

/// The code of the next error the agent's socket gets.
async fn agent_refusal(agent: &mut Socket<AgentToServer, ServerToAgent>) -> ErrorCode {
    match agent
        .next_matching(|f| matches!(f, ServerToAgent::Error(_)))
        .await
    {
        ServerToAgent::Error(error) => error.code,
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn agents_mark_conversations_to_follow_up_and_the_shop_lists_them_soonest_first() {
    let app = spawn_app().await;
    let ana = app.sign_in().await;
    let (mut agent, _) = app.agent().await;
    let (_first, sizes) = ended_conversation(&app, &mut agent, "¿Llega la talla 44?").await;
    let (_second, colours) = ended_conversation(&app, &mut agent, "¿Hay en rojo?").await;
    let in_three_days = today() + 3.days();

    assert_eq!(
        mark(&app, &ana, colours, in_three_days.to_string().into())
            .await
            .status(),
        204
    );
    assert_eq!(
        mark(&app, &ana, sizes, today().to_string().into())
            .await
            .status(),
        204
    );
    let listed: FollowUps = app.get_json(&ana, "/api/site/follow-ups").await;
    assert_eq!(listed.today, today().to_string());
    let summary: Vec<_> = listed
        .marked
        .iter()
        .map(|f| (f.conversation, f.on.clone(), f.due, f.ended))
        .collect();
    assert_eq!(
        summary,
        [
            (sizes, today().to_string(), true, true),
            (colours, in_three_days.to_string(), false, true),
        ]
    );
    assert_eq!(listed.marked[0].marked_by, "Ana");
    assert!(
        listed.marked[0].visitor.starts_with("Visitor "),
        "a visitor who gave no name is labelled: {listed:?}"
    );
    assert_eq!(
        listed.marked[0].last_message.as_deref(),
        Some("¿Llega la talla 44?")
    );

    // Not a date, a day gone, a conversation the shop does not have: refused, nothing changes.
    for (conversation, on, code) in [
        (sizes, "2026-13-01", ErrorCode::InvalidDate),
        (sizes, "mañana", ErrorCode::InvalidDate),
        (sizes, "2000-01-01", ErrorCode::InvalidDate),
        (
            ConversationId(999_999),
            "2099-01-01",
            ErrorCode::ConversationNotFound,
        ),
    ] {
        let response = mark(&app, &ana, conversation, on.into()).await;
        assert_eq!(refused_with(response).await, code, "{on}");
    }
    let unchanged: FollowUps = app.get_json(&ana, "/api/site/follow-ups").await;
    assert_eq!(unchanged, listed);

    // Another shop's owner can neither see these marks nor set one on them.
    add_second_shop(&app).await;
    let olga = app.sign_in_as(OTHER_OWNER).await;
    let theirs: FollowUps = app.get_json(&olga, "/api/site/follow-ups").await;
    assert!(theirs.marked.is_empty(), "{theirs:?}");
    let response = mark(&app, &olga, sizes, "2099-01-01".into()).await;
    assert_eq!(
        refused_with(response).await,
        ErrorCode::ConversationNotFound
    );

    // Any agent of the shop may take a mark off.
    let bruno = app
        .sign_in_as(pronto_server::demo::SECOND_AGENT_EMAIL)
        .await;
    assert_eq!(
        mark(&app, &bruno, colours, serde_json::Value::Null)
            .await
            .status(),
        204
    );
    let left: FollowUps = app.get_json(&bruno, "/api/site/follow-ups").await;
    assert_eq!(
        left.marked
            .iter()
            .map(|f| f.conversation)
            .collect::<Vec<_>>(),
        [sizes]
    );
}

#[tokio::test]
async fn following_up_opens_the_conversation_again_and_the_visitor_reads_it_in_the_widget() {
    let app = spawn_app().await;
    let ana = app.sign_in().await;
    let (mut agent, _) = app.agent().await;
    let (mut visitor, conversation) =
        ended_conversation(&app, &mut agent, "¿Cuándo vuelven las botas negras?").await;
    mark(&app, &ana, conversation, today().to_string().into()).await;

    agent.send(&AgentToServer::FollowUp { conversation }).await;
    let ServerToAgent::Conversation {
        conversation: reopened,
        from: None,
        ..
    } = agent
        .next_matching(|f| matches!(f, ServerToAgent::Conversation { .. }))
        .await
    else {
        panic!("the console should get the conversation as its own");
    };
    assert_eq!(reopened.id, conversation);
    assert_eq!(
        reopened.state,
        ConversationState::Active {
            agent_name: "Ana".into()
        }
    );
    assert_eq!(
        reopened.messages[0].text,
        "¿Cuándo vuelven las botas negras?"
    );
    let ServerToVisitor::Assigned { agent_name } = visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Assigned { .. }))
        .await
    else {
        unreachable!()
    };
    assert_eq!(agent_name, "Ana");
    agent
        .send(&reply(
            conversation,
            "¡Hola! Llegaron hoy las botas negras.",
        ))
        .await;
    let ServerToVisitor::Message { message } = visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Message { .. }))
        .await
    else {
        unreachable!()
    };
    assert_eq!(message.text, "¡Hola! Llegaron hoy las botas negras.");
    // Followed up: the mark is gone.
    let listed: FollowUps = app.get_json(&ana, "/api/site/follow-ups").await;
    assert!(listed.marked.is_empty(), "{listed:?}");

    // It goes on like any chat: following it up again is refused while it is open.
    agent.send(&AgentToServer::FollowUp { conversation }).await;
    assert_eq!(agent_refusal(&mut agent).await, ErrorCode::ConversationOpen);

    // Once the visitor has a newer conversation, that is where to answer them.
    agent.send(&AgentToServer::Close { conversation }).await;
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Closed))
        .await;
    visitor.send(&say("Otra pregunta: ¿hacen cambios?")).await;
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Ack { .. }))
        .await;
    agent.send(&AgentToServer::FollowUp { conversation }).await;
    assert_eq!(
        agent_refusal(&mut agent).await,
        ErrorCode::ConversationClosed
    );
}

#[tokio::test]
async fn a_follow_up_reaches_a_visitor_who_has_left_by_e_mail() {
    let smtp = SmtpSink::start().await;
    let app = spawn_app_mailing_to(smtp.url()).await;
    let (mut agent, _) = app.agent().await;
    let (mut visitor, conversation) =
        carla_asks(&app, &mut agent, "Avísenme cuando llegue la 38.").await;
    agent.send(&AgentToServer::Close { conversation }).await;
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Closed))
        .await;
    visitor.ws.close(None).await.unwrap();
    until_sample(&app, "pronto_sockets{side=\"visitor\"}", 0.0).await;

    agent.send(&AgentToServer::FollowUp { conversation }).await;
    agent
        .next_matching(|f| matches!(f, ServerToAgent::Conversation { .. }))
        .await;
    agent
        .send(&reply(
            conversation,
            "Carla, ya llegó la 38: te guardamos un par.",
        ))
        .await;
    let mail = smtp.wait_for(1).await;
    assert_eq!(mail[0].to, ["carla@correo.example"]);
    assert!(
        mail[0].body().contains("ya llegó la 38"),
        "{}",
        mail[0].body()
    );
}
