//! Never unanswered: a reply the visitor was not there to read reaches them by e-mail, over
//! real SMTP to a server on loopback, each reply once; and the whole conversation when the
//! visitor asks for it.

use pronto_protocol::agent::{AgentToServer, ServerToAgent};
use pronto_protocol::chat::Author;
use pronto_protocol::dashboard::{Dashboard, Numbers};
use pronto_protocol::ids::ConversationId;
use pronto_protocol::visitor::{ServerToVisitor, VisitorToServer};
use pronto_protocol::{ErrorCode, ProtocolError};
use pronto_testkit::client::take_next;
use pronto_testkit::smtp::SmtpSink;
use std::time::{Duration, Instant};

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

    // Her first reply came while she was there: the dashboard holds it to the live target.
    let owner = app.sign_in().await;
    let numbers = first_replies(&app, &owner, |n| n.answered == 1).await;
    assert_eq!(numbers.answered_by_email, 0);
}

/// The dashboard's numbers for today, once `ready` holds of them (the mailer notes a reply
/// went by e-mail just after sending it).
async fn first_replies(app: &TestApp, owner: &str, ready: impl Fn(&Numbers) -> bool) -> Numbers {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let dashboard: Dashboard = app.get_json(owner, "/api/site/dashboard?days=1").await;
        if ready(&dashboard.total) {
            return dashboard.total;
        }
        assert!(Instant::now() < deadline, "{:?}", dashboard.total);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_first_reply_that_went_by_e_mail_is_held_to_the_e_mail_target() {
    let smtp = SmtpSink::start().await;
    let app = spawn_app_mailing_to(smtp.url()).await;
    let (mut ana, _) = app.agent().await;
    let (mut visitor, conversation) = carla_asks(&app, &mut ana, "¿Tienen talla 38?").await;
    // Carla has gone before any reply.
    visitor.ws.close(None).await.unwrap();
    until_sample(&app, "pronto_sockets{side=\"visitor\"}", 0.0).await;
    ana.send(&reply(conversation, "Sí, hay talla 38 en negro."))
        .await;
    assert_eq!(smtp.wait_for(1).await.len(), 1);

    // Answered within seconds: on target for e-mail (3 h), and counted as e-mailed.
    let owner = app.sign_in().await;
    let numbers = first_replies(&app, &owner, |n| n.answered_by_email == 1).await;
    assert_eq!(
        (
            numbers.answered,
            numbers.answered_within_target,
            numbers.answered_by_email_within_target
        ),
        (1, 1, 1)
    );
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
    // Nor can another shop have Carla's conversation sent anywhere.
    crate::sites::add_second_shop(&app).await;
    let olga = app.sign_in_as(crate::sites::OTHER_OWNER).await;
    let refused = ask_transcript(&app, &olga, conversation).await;
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

const INBOUND_TOKEN: &str = "el-token-del-buzon";

/// Posts an e-mail that arrived, as the mail provider's inbound webhook would.
async fn arrives(app: &TestApp, token: &str, mail: serde_json::Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/api/mail/inbound"))
        .bearer_auth(token)
        .json(&mail)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_visitor_answers_the_e_mail_and_the_answer_joins_the_chat() {
    let smtp = SmtpSink::start().await;
    let app = crate::helpers::spawn_app_mailing_with(smtp.url(), |config| {
        config.mail_reply_domain = Some("reply.tienda.example".into());
        config.mail_inbound_secret = Some(INBOUND_TOKEN.into());
    })
    .await;
    let (mut ana, _) = app.agent().await;
    let (mut visitor, conversation) = carla_asks(&app, &mut ana, "¿Tienen la 42 en negro?").await;
    visitor.ws.close(None).await.unwrap();
    until_sample(&app, "pronto_sockets{side=\"visitor\"}", 0.0).await;
    ana.send(&reply(conversation, "Sí, nos queda un par. ¿Te lo guardo?"))
        .await;
    let mail = smtp.wait_for(1).await;
    let reply_to = mail[0].header("Reply-To");
    assert!(
        reply_to.starts_with(&format!("reply+{}-", conversation.0))
            && reply_to.ends_with("@reply.tienda.example"),
        "{reply_to}"
    );
    assert!(
        mail[0].body().contains("Reply to this e-mail"),
        "{}",
        mail[0].body()
    );

    // Carla answers from her mail program, quoting the e-mail below.
    let answer = serde_json::json!({
        "message_id": "<CAF-42@correo.example>",
        "from": "Carla <Carla@Correo.example>",
        "to": reply_to,
        "text": "¡Sí, guárdamelo! Paso mañana.\n\nEl vie, 27 nov 2026, Ana escribió:\n> Sí, nos queda un par.\n",
    });
    assert_eq!(
        arrives(&app, INBOUND_TOKEN, answer.clone()).await.status(),
        204
    );
    let from_carla = |f: &ServerToAgent| matches!(f, ServerToAgent::Message { message, .. } if message.author == Author::Visitor);
    let ServerToAgent::Message { message, .. } = ana.next_matching(from_carla).await else {
        unreachable!()
    };
    assert_eq!(message.text, "¡Sí, guárdamelo! Paso mañana.");
    // The provider delivers it again: stored once.
    assert_eq!(arrives(&app, INBOUND_TOKEN, answer).await.status(), 204);

    // Not the webhook, not Carla, not a reply address of ours: refused, nothing stored.
    let forged = |from: &str, to: &str| serde_json::json!({"message_id": format!("<{from}{to}>"), "from": from, "to": to, "text": "hola"});
    let wrong_token = arrives(&app, "adivinado", forged("carla@correo.example", &reply_to)).await;
    assert_eq!(wrong_token.status(), 401);
    let stranger = arrives(
        &app,
        INBOUND_TOKEN,
        forged("otro@correo.example", &reply_to),
    )
    .await;
    assert_eq!(refusal_code(stranger).await, ErrorCode::IdentityRejected);
    let made_up = format!(
        "reply+{}-00112233445566778899aabbccddeeff@reply.tienda.example",
        conversation.0
    );
    let made_up = arrives(
        &app,
        INBOUND_TOKEN,
        forged("carla@correo.example", &made_up),
    )
    .await;
    assert_eq!(refusal_code(made_up).await, ErrorCode::ConversationNotFound);

    // Everything the conversation holds: the question, the reply, the answer, once each.
    let history: pronto_protocol::agent::AgentConversation = {
        let (_tab, welcome) = app.agent().await;
        let ServerToAgent::Welcome { conversations, .. } = welcome else {
            unreachable!()
        };
        conversations
            .into_iter()
            .find(|c| c.id == conversation)
            .unwrap()
    };
    let texts: Vec<&str> = history.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "¿Tienen la 42 en negro?",
            "Sí, nos queda un par. ¿Te lo guardo?",
            "¡Sí, guárdamelo! Paso mañana."
        ]
    );
}

/// A visitor whose browser says `accept_language`, greeted with `token` (or as new); returns
/// the socket and the token the welcome gave.
async fn visitor_speaking(
    app: &TestApp,
    accept_language: &str,
    token: Option<String>,
) -> (Socket<VisitorToServer, ServerToVisitor>, String) {
    let url = format!("ws://{}/ws/visitor", app.addr);
    let mut visitor = Socket::try_connect(&url, &[("accept-language", accept_language)])
        .await
        .expect("socket connects");
    visitor.send(&crate::helpers::hello(token)).await;
    let ServerToVisitor::Welcome { token, .. } = visitor.next().await else {
        panic!("a welcome first");
    };
    (visitor, token)
}

#[tokio::test]
async fn a_visitor_is_written_to_in_their_browsers_language_and_agents_see_it() {
    let smtp = SmtpSink::start().await;
    let app = spawn_app_mailing_to(smtp.url()).await;
    let cookie = app.sign_in().await;
    let (mut ana, _) = app.agent().await;
    let (mut carla, token) = visitor_speaking(&app, "es-CL,es;q=0.9,en;q=0.8", None).await;
    carla
        .send(&VisitorToServer::Profile {
            name: Some("Carla".into()),
            email: Some("carla@correo.example".into()),
        })
        .await;
    carla.send(&say("¿Tienen la talla 42?")).await;

    // The queue shows her languages, most preferred first.
    let queue = ana
        .next_matching(|f| matches!(f, ServerToAgent::Queue { entries, .. } if !entries.is_empty()))
        .await;
    let ServerToAgent::Queue { entries, .. } = queue else {
        unreachable!()
    };
    assert_eq!(entries[0].locale.as_deref(), Some("es-CL,es,en"));
    let conversation = take_next(&mut ana).await.id;
    let context: pronto_protocol::agent::VisitorHistory = app
        .get_json(
            &cookie,
            &format!("/api/conversations/{}/visitor", conversation.0),
        )
        .await;
    assert_eq!(context.locale.as_deref(), Some("es-CL,es,en"));

    // She leaves; the reply she missed comes in Spanish.
    carla.ws.close(None).await.unwrap();
    until_sample(&app, "pronto_sockets{side=\"visitor\"}", 0.0).await;
    ana.send(&reply(conversation, "Sí, en negro y en café."))
        .await;
    let mail = smtp.wait_for(1).await;
    assert_eq!(mail[0].header("Subject"), "Ana te respondió — Tienda Demo");
    let body = mail[0].body();
    assert!(
        body.starts_with("Ana:\nSí, en negro y en café.\n\n"),
        "{body}"
    );
    assert!(body.contains("Tu conversación te espera"), "{body}");

    // Back from a phone set to Portuguese: the shop now writes to her in Portuguese.
    let (_carla, _) = visitor_speaking(&app, "pt-BR,pt;q=0.9", Some(token)).await;
    let context: pronto_protocol::agent::VisitorHistory = app
        .get_json(
            &cookie,
            &format!("/api/conversations/{}/visitor", conversation.0),
        )
        .await;
    assert_eq!(context.locale.as_deref(), Some("pt-BR,pt"));
    assert_eq!(
        ask_transcript(&app, &cookie, conversation).await.status(),
        204
    );
    let mail = smtp.wait_for(2).await;
    assert_eq!(mail[1].header("Subject"), "Sua conversa com Tienda Demo");
    assert!(
        mail[1]
            .body()
            .starts_with("Você:\n¿Tienen la talla 42?\n\nAna:\nSí, en negro y en café.\n\n"),
        "{}",
        mail[1].body()
    );
}

#[tokio::test]
async fn a_reply_read_through_another_server_is_not_e_mailed() {
    let scratch = pronto_testkit::Scratch::from_env().await;
    if scratch.backend != pronto_testkit::Backend::Postgres {
        // Servers of one deployment share PostgreSQL and Redis: the PostgreSQL run checks it.
        return;
    }
    let smtp = SmtpSink::start().await;
    // Behind a load balancer: Carla's widget on one server, Ana's console on the other; a
    // reply waits three seconds unseen before it is e-mailed.
    let (one, other) = crate::helpers::spawn_two_mailing_on(&scratch, smtp.url(), 3).await;
    let (mut ana, _) = other.agent().await;
    let (mut carla, conversation) = carla_asks(&one, &mut ana, "¿Tienen la 40 en rojo?").await;

    // She reads the first reply in her widget: the server showing it notes it as seen.
    ana.send(&reply(conversation, "Sí, nos quedan dos pares."))
        .await;
    carla
        .next_matching(|f| matches!(f, ServerToVisitor::Message { message } if message.text.contains("dos pares")))
        .await;

    // She leaves before the second: that one, and only that one, goes by e-mail (had the
    // first been e-mailed, it would have gone three seconds earlier).
    carla.ws.close(None).await.unwrap();
    until_sample(&one, "pronto_sockets{side=\"visitor\"}", 0.0).await;
    ana.send(&reply(conversation, "Te los guardo hasta el viernes."))
        .await;
    let mail = smtp.wait_for(1).await;
    let body = mail[0].body();
    assert!(
        body.starts_with("Ana:\nTe los guardo hasta el viernes.\n"),
        "{body}"
    );
    assert!(!body.contains("dos pares"), "{body}");
}
