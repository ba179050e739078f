//! Never unanswered: a reply the visitor was not there to read reaches them by e-mail, over
//! real SMTP to a server on loopback, each reply once.

use pronto_protocol::agent::{AgentToServer, ServerToAgent};
use pronto_protocol::ids::ConversationId;
use pronto_protocol::visitor::{ServerToVisitor, VisitorToServer};
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
