//! Never unanswered: a reply the visitor was not there to read reaches them by e-mail, over
//! real SMTP to a server on loopback, each reply once; and the whole conversation when the
//! visitor asks for it.

use pronto_protocol::agent::{AgentToServer, ServerToAgent};
use pronto_protocol::ids::ConversationId;
use pronto_protocol::visitor::{ServerToVisitor, VisitorToServer};
use pronto_protocol::{ErrorCode, ProtocolError};
use pronto_testkit::client::take_next;
use pronto_testkit::smtp::SmtpSink;

use crate::helpers::{Socket, TestApp, reply, say, spawn_app_mailing_to};
use crate::operations::until_sample;

/// Carla, who gave her e-mail address, asks `question`; `agent` takes it.
pub async fn carla_asks(
    app: &TestApp,
    agent: &mut Socket<AgentToServer, ServerToAgent>,
    question: &str,
) -> (Socket<VisitorToServer, ServerToVisitor>, ConversationId) {
    let (mut visitor, _) = app.greeted_visitor(None).await;
    visitor
        .send(&VisitorToServer::Profile {
            name: Some("Carla".into()),
            email: Some("carla@correo.example".into()),
        })
        .await;
    visitor.send(&say(question)).await;
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Ack { .. }))
        .await;
    let conversation = take_next(agent).await.id;
    (visitor, conversation)
}

#[tokio::test]
async fn a_reply_the_visitor_left_before_reading_reaches_them_by_e_mail_once() {
    let smtp = SmtpSink::start().await;
    let app = spawn_app_mailing_to(smtp.url()).await;
    let (mut ana, _) = app.agent().await;
    let (mut visitor, conversation) =
        carla_asks(&app, &mut ana, "¿Hacen envíos a Valparaíso?").await;

    // Read in the widget while she is there: no e-mail for it.
    ana.send(&reply(conversation, "¡Hola Carla! Déjame revisar."))
        .await;
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Message { message } if message.text.contains("revisar")))
        .await;

    // She closes the tab; the next reply goes by e-mail.
    visitor.ws.close(None).await.unwrap();
    until_sample(&app, "pronto_sockets{side=\"visitor\"}", 0.0).await;
    ana.send(&reply(conversation, "Sí, a Valparaíso llega en 48 horas."))
        .await;
    ana.next_matching(|f| matches!(f, ServerToAgent::Ack { .. }))
        .await;
    let mail = smtp.wait_for(1).await;
    let first = &mail[0];
    assert_eq!(first.to, ["carla@correo.example"]);
    assert_eq!(first.from, "hola@tienda.example");
    assert_eq!(first.header("Subject"), "Ana replied — Tienda Demo");
    let body = first.body();
    assert!(
        body.starts_with("Ana:\nSí, a Valparaíso llega en 48 horas.\n"),
        "{body}"
    );
    assert!(
        !body.contains("revisar") && !body.contains("¿Hacen"),
        "{body}"
    );

    // A later reply makes a second e-mail with only what is new: each reply is sent once.
    ana.send(&reply(conversation, "Te aviso por aquí si cambia algo."))
        .await;
    let mail = smtp.wait_for(2).await;
    assert_eq!(mail.len(), 2, "{mail:?}");
    let body = mail[1].body();
    assert!(
        body.starts_with("Ana:\nTe aviso por aquí si cambia algo.\n\n"),
        "{body}"
    );
    assert!(!body.contains("48 horas"), "{body}");
}

/// Asks for `conversation`'s transcript by e-mail, as the account of `cookie`.
async fn ask_transcript(
    app: &TestApp,
    cookie: &str,
    conversation: ConversationId,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url(&format!("/api/conversations/{}/transcript", conversation.0)))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

async fn refusal_code(response: reqwest::Response) -> ErrorCode {
    assert_eq!(response.status(), 400);
    response.json::<ProtocolError>().await.unwrap().code
}

#[tokio::test]
async fn an_agent_e_mails_the_visitor_the_whole_conversation_on_request() {
    let smtp = SmtpSink::start().await;
    let app = spawn_app_mailing_to(smtp.url()).await;
    let cookie = app.sign_in().await;
    let (mut ana, _) = app.agent().await;
    let (_carla, conversation) =
        carla_asks(&app, &mut ana, "¿Me mandan esto por e-mail, porfa?").await;
    ana.send(&reply(conversation, "¡Claro! Va ahora mismo."))
        .await;
    ana.next_matching(|f| matches!(f, ServerToAgent::Ack { .. }))
        .await;

    assert_eq!(
        ask_transcript(&app, &cookie, conversation).await.status(),
        204
    );
    let mail = smtp.wait_for(1).await;
    assert_eq!(mail[0].to, ["carla@correo.example"]);
    assert_eq!(
        mail[0].header("Subject"),
        "Your conversation with Tienda Demo"
    );
    let body = mail[0].body();
    assert!(
        body.starts_with(
            "You:\n¿Me mandan esto por e-mail, porfa?\n\nAna:\n¡Claro! Va ahora mismo.\n\n"
        ),
        "{body}"
    );

    // A visitor who gave no address, a conversation the shop does not have: refused.
    let (mut diego, _) = app.greeted_visitor(None).await;
    diego.send(&say("Hola")).await;
    diego
        .next_matching(|f| matches!(f, ServerToVisitor::Ack { .. }))
        .await;
    let unnamed = take_next(&mut ana).await.id;
    let refused = ask_transcript(&app, &cookie, unnamed).await;
    assert_eq!(refusal_code(refused).await, ErrorCode::InvalidEmail);
    let refused = ask_transcript(&app, &cookie, ConversationId(999_999)).await;
    assert_eq!(refusal_code(refused).await, ErrorCode::ConversationNotFound);
    assert_eq!(smtp.received().len(), 1, "nothing else was sent");
}

#[tokio::test]
async fn a_server_without_smtp_says_so_when_asked_for_a_transcript() {
    let app = crate::helpers::spawn_app().await;
    let cookie = app.sign_in().await;
    let (mut ana, _) = app.agent().await;
    let (_carla, conversation) = carla_asks(&app, &mut ana, "¿Y por e-mail?").await;
    let refused = ask_transcript(&app, &cookie, conversation).await;
    assert_eq!(refusal_code(refused).await, ErrorCode::InvalidSetting);
}
