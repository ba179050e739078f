//! What visitors settle for themselves: the owner's quick answers (written, checked, sent to
//! the widget), whether one solved a question, and ratings of ended conversations — each
//! counted on the owner's dashboard.

use std::time::Instant;

use pronto_protocol::agent::AgentToServer;
use pronto_protocol::answers::QuickAnswer;
use pronto_protocol::dashboard::Dashboard;
use pronto_protocol::limits::MAX_RATING_COMMENT_CHARS;
use pronto_protocol::visitor::{ServerToVisitor, VisitorToServer};
use pronto_protocol::{ErrorCode, ProtocolError};
use pronto_server::demo;
use pronto_testkit::client::take_next;

use crate::helpers::{PATIENCE, Socket, TestApp, say, spawn_app};

/// Reads the dashboard until `done` says it shows what a frame just sent changed (visitor
/// frames have no acknowledgement).
async fn dashboard_once(
    app: &TestApp,
    owner: &str,
    done: impl Fn(&Dashboard) -> bool,
) -> Dashboard {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let dashboard: Dashboard = app.get_json(owner, "/api/site/dashboard?days=1").await;
        if done(&dashboard) {
            return dashboard;
        }
        assert!(
            Instant::now() < deadline,
            "dashboard never showed it: {dashboard:?}"
        );
        tokio::task::yield_now().await;
    }
}

/// The code of the next error the visitor's socket gets.
async fn refusal(visitor: &mut Socket<VisitorToServer, ServerToVisitor>) -> ErrorCode {
    match visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Error(_)))
        .await
    {
        ServerToVisitor::Error(error) => error.code,
        _ => unreachable!(),
    }
}

fn questions(answers: &[QuickAnswer]) -> Vec<(&str, &str)> {
    answers
        .iter()
        .map(|a| (a.lang.as_str(), a.question.as_str()))
        .collect()
}

#[tokio::test]
async fn the_owner_writes_quick_answers_that_reach_the_widget_and_count_what_they_solve() {
    let app = spawn_app().await;
    let owner = app.sign_in().await;
    let agent = app.sign_in_as(demo::SECOND_AGENT_EMAIL).await;

    let written = app
        .put_json(
            &owner,
            "/api/site/answers",
            serde_json::json!([
                {"lang": "es", "question": " ¿Cuánto tarda el envío? ",
                 "answer": "De 2 a 4 días hábiles.", "keywords": "despacho entrega"},
                {"lang": "PT", "question": "Vocês fazem trocas?", "answer": "Sim, em até 30 dias."},
            ]),
        )
        .await;
    assert_eq!(written.status(), 200);
    let stored: Vec<QuickAnswer> = written.json().await.unwrap();
    assert_eq!(
        questions(&stored),
        [
            ("es", "¿Cuánto tarda el envío?"),
            ("pt", "Vocês fazem trocas?")
        ]
    );
    assert!(stored.iter().all(|a| a.id.is_some()));
    // Every agent reads them.
    let read: Vec<QuickAnswer> = app.get_json(&agent, "/api/site/answers").await;
    assert_eq!(read, stored);

    // Only the owner writes them; a list with one bad entry changes nothing, and says which.
    let by_agent = app
        .put_json(&agent, "/api/site/answers", serde_json::json!([]))
        .await;
    assert_eq!(by_agent.status(), 403);
    let bad = app
        .put_json(
            &owner,
            "/api/site/answers",
            serde_json::json!([
                {"lang": "es", "question": "¿Envíos?", "answer": "Sí"},
                {"lang": "fr", "question": "Livraison ?", "answer": "Oui"},
            ]),
        )
        .await;
    assert_eq!(bad.status(), 400);
    let error: ProtocolError = bad.json().await.unwrap();
    assert_eq!(error.code, ErrorCode::InvalidAnswer);
    assert!(error.message.contains("Livraison"), "{}", error.message);
    let unchanged: Vec<QuickAnswer> = app.get_json(&agent, "/api/site/answers").await;
    assert_eq!(unchanged, stored);

    // The widget gets them in its welcome.
    let (mut visitor, welcome) = app.greeted_visitor(None).await;
    let ServerToVisitor::Welcome { shop, .. } = welcome else {
        unreachable!()
    };
    assert_eq!(shop.answers, stored);

    // The visitor says the shipping answer solved it, and the exchanges one did not.
    let (shipping, exchanges) = (stored[0].id.unwrap(), stored[1].id.unwrap());
    for (answer, helped) in [(shipping, true), (exchanges, false)] {
        visitor
            .send(&VisitorToServer::AnswerHelped { answer, helped })
            .await;
    }
    // An answer the shop does not have is refused, and counts nothing.
    visitor
        .send(&VisitorToServer::AnswerHelped {
            answer: shipping + exchanges + 100,
            helped: true,
        })
        .await;
    assert_eq!(refusal(&mut visitor).await, ErrorCode::AnswerNotFound);
    let dashboard = dashboard_once(&app, &owner, |d| d.total.instant_answers >= 2).await;
    assert_eq!(
        (
            dashboard.total.instant_answers,
            dashboard.total.instant_answers_helped
        ),
        (2, 1)
    );
    assert_eq!(dashboard.days[0].numbers.instant_answers, 2);

    // The owner edits the list: the shipping answer keeps its id (and its count), the other
    // goes, a new one comes.
    let mut edited = vec![stored[0].clone()];
    edited[0].answer = "De 1 a 3 días hábiles.".into();
    edited.push(QuickAnswer {
        id: None,
        lang: "en".into(),
        question: "Do you ship abroad?".into(),
        answer: "Not yet.".into(),
        keywords: String::new(),
    });
    let after: Vec<QuickAnswer> = app
        .put_json(
            &owner,
            "/api/site/answers",
            serde_json::to_value(&edited).unwrap(),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after[0].id, Some(shipping));
    assert_eq!(after[0].answer, "De 1 a 3 días hábiles.");
    assert!(
        after[1]
            .id
            .is_some_and(|id| id != shipping && id != exchanges)
    );
    assert_eq!(after.len(), 2);
}

#[tokio::test]
async fn a_visitor_rates_a_conversation_once_it_has_ended() {
    let app = spawn_app().await;
    let owner = app.sign_in().await;
    let (mut visitor, _) = app.greeted_visitor(None).await;
    let (mut agent, _) = app.agent().await;

    // Nothing to rate yet, then a conversation that goes on: refused.
    visitor
        .send(&VisitorToServer::Rate {
            good: true,
            comment: None,
        })
        .await;
    assert_eq!(refusal(&mut visitor).await, ErrorCode::ConversationNotFound);
    visitor.send(&say("¿Tienen la talla 42?")).await;
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Ack { .. }))
        .await;
    let conversation = take_next(&mut agent).await;
    visitor
        .send(&VisitorToServer::Rate {
            good: true,
            comment: None,
        })
        .await;
    assert_eq!(refusal(&mut visitor).await, ErrorCode::ConversationOpen);

    agent
        .send(&AgentToServer::Close {
            conversation: conversation.id,
        })
        .await;
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Closed))
        .await;
    // A comment too long is refused whole.
    visitor
        .send(&VisitorToServer::Rate {
            good: true,
            comment: Some("a".repeat(MAX_RATING_COMMENT_CHARS + 1)),
        })
        .await;
    assert_eq!(refusal(&mut visitor).await, ErrorCode::MessageTooLong);
    // Rated bad at once, then the comment: one rating, bad.
    for comment in [None, Some("Tardaron mucho en responder".to_owned())] {
        visitor
            .send(&VisitorToServer::Rate {
                good: false,
                comment,
            })
            .await;
    }
    let dashboard = dashboard_once(&app, &owner, |d| d.total.rated == 1).await;
    assert_eq!((dashboard.total.rated, dashboard.total.rated_good), (1, 0));
    let agent_numbers = &dashboard.agents[0].numbers;
    assert_eq!((agent_numbers.rated, agent_numbers.rated_good), (1, 0));
}
