//! Never unanswered, in real browsers: a visitor nobody could answer leaves an e-mail address
//! and gets the reply by e-mail and on their next visit; a quick answer the owner wrote in the
//! console is found through a typo and missing accents, and counted; a visitor rates the chat
//! once it has ended.

use std::time::Instant;

use pronto_e2e::{Browsers, PATIENCE, Pronto, Storefront};
use pronto_protocol::dashboard::Dashboard;
use pronto_server::demo;
use pronto_testkit::client::{agent_socket, dashboard_today, reply, sign_in, take_next};
use pronto_testkit::smtp::SmtpSink;

const SHOP_PAGE: &str = "<h1>Zapatillas</h1><p>A storefront on its own origin.</p>";

/// A storefront whose widget speaks Spanish.
async fn spanish_shop(pronto: &Pronto) -> Storefront {
    Storefront::start_with(
        &pronto.url(""),
        vec![("/", String::new(), SHOP_PAGE.into())],
        r#"data-lang="es""#,
    )
    .await
}

/// Reads the owner's dashboard until `done` holds (what the visitor said has no answer to
/// wait for), and returns it.
async fn dashboard_once(pronto: &Pronto, done: impl Fn(&Dashboard) -> bool) -> Dashboard {
    let owner = sign_in(pronto.addr, demo::AGENT_EMAIL, demo::AGENT_PASSWORD).await;
    let deadline = Instant::now() + PATIENCE;
    loop {
        let dashboard = dashboard_today(pronto.addr, &owner).await;
        if done(&dashboard) {
            return dashboard;
        }
        assert!(
            Instant::now() < deadline,
            "the dashboard never showed it: {dashboard:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_nobody_could_answer_leaves_an_email_and_gets_the_reply_there_and_next_visit() {
    let smtp = SmtpSink::start().await;
    let pronto = Pronto::start_mailing_to(Some(smtp.url())).await;
    let shop = spanish_shop(&pronto).await;
    let mut browsers = Browsers::start().await;
    let visitor = browsers.person().await;

    // Nobody at the console: the widget says so, and once the question is asked, offers
    // e-mail.
    visitor.goto(&shop.url("/")).await;
    visitor.open_widget().await;
    visitor
        .wait_for_widget_text(".pronto-availability", "Ahora no estamos")
        .await;
    visitor.write("¿Tienen la talla 42 en negro?").await;
    let field = visitor.widget("[part=email] input.pronto-field").await;
    let offer = visitor.texts("widget", "[part=email] .pronto-ask").await;
    assert!(offer[0].contains("e-mail"), "{offer:?}");
    let violations = visitor.accessibility_violations().await;
    assert!(
        violations.is_empty(),
        "axe with the e-mail offer: {violations:?}"
    );
    // A click into the field only puts the caret there.
    field.click().await.unwrap();
    assert!(!visitor.widget_has(".pronto-error").await);
    // A mistyped address is refused on the spot, and nothing is kept.
    visitor.type_and_enter(&field, "ana@tienda").await;
    visitor
        .wait_for_widget_text(".pronto-error", "no parece una dirección")
        .await;
    field.clear().await.unwrap();
    visitor.type_and_enter(&field, "ana@tienda.cl").await;
    visitor
        .wait_for_widget_text("[part=email] .pronto-card-text", "ana@tienda.cl")
        .await;
    // The mistyped address's error goes in the same moment: it no longer applies.
    assert!(!visitor.widget_has(".pronto-error").await);
    visitor.screenshot("widget-email-offer-es").await;
    // The visitor leaves the shop: the server no longer has their widget.
    visitor.goto("about:blank").await;
    let deadline = Instant::now() + PATIENCE;
    loop {
        let metrics = pronto_testkit::client::get_text(&pronto.url("/metrics")).await;
        if metrics.contains("pronto_sockets{side=\"visitor\"} 0") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the visitor's socket stayed open: {metrics}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // Later, an agent answers.
    let cookie = sign_in(pronto.addr, demo::AGENT_EMAIL, demo::AGENT_PASSWORD).await;
    let mut agent = agent_socket(pronto.addr, &cookie).await;
    let conversation = take_next(&mut agent).await;
    let answer = "¡Sí! Nos quedan dos pares de la 42 en negro; te guardamos uno hasta mañana.";
    agent.send(&reply(conversation.id, answer)).await;

    // The reply reaches the address the visitor gave…
    let mail = smtp.wait_for(1).await;
    assert_eq!(mail[0].to, ["ana@tienda.cl"]);
    assert!(mail[0].body().contains(answer), "{}", mail[0].body());
    // …and the widget, the next time they come: same conversation, same history.
    visitor.goto(&shop.url("/")).await;
    // The chat was open when they left, so it opens again by itself.
    visitor.widget(".pronto-panel").await;
    let texts = visitor
        .wait_for_texts("widget", ".pronto-message-text", "the reply", |texts| {
            texts.iter().any(|t| t == answer)
        })
        .await;
    assert_eq!(texts, ["¿Tienen la talla 42 en negro?", answer]);
    // The shop knows the address: the widget does not ask again.
    assert!(!visitor.widget_has("[part=email] input.pronto-field").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quick_answer_the_owner_wrote_is_found_through_a_typo_and_missing_accents() {
    let pronto = Pronto::start().await;
    let shop = spanish_shop(&pronto).await;
    let mut browsers = Browsers::start().await;
    let (owner, visitor) = (browsers.person().await, browsers.person().await);

    // The owner writes two quick answers in the console's settings.
    pronto
        .sign_in(&owner, demo::AGENT_EMAIL, demo::AGENT_NAME)
        .await;
    owner
        .page("button.page-settings")
        .await
        .click()
        .await
        .unwrap();
    let answers = [
        (
            "¿Cuánto tarda el envío?",
            "Despachamos en 24 horas y llega en 2 a 4 días hábiles.",
            "despacho entrega demora",
        ),
        (
            "¿Puedo devolver un producto?",
            "Sí, tienes 30 días para devolverlo sin costo.",
            "devolución cambio",
        ),
    ];
    for (n, (question, answer, keywords)) in answers.iter().enumerate() {
        owner
            .page("button.add-quick-answer")
            .await
            .click()
            .await
            .unwrap();
        let row = format!(".quick-answer:nth-child({})", n + 1);
        for (field, text) in [
            ("input[name=question]", question),
            ("textarea[name=answer]", answer),
            ("input[name=keywords]", keywords),
        ] {
            let input = owner.page(&format!("{row} {field}")).await;
            input.send_keys(text).await.unwrap();
        }
    }
    owner.screenshot("console-quick-answers").await;
    owner
        .page("button.save-quick-answers")
        .await
        .click()
        .await
        .unwrap();
    owner
        .wait_for_texts("page", ".settings-status", "saved", |t| {
            t.iter().any(|t| t == "Saved.")
        })
        .await;

    // A shopper types the question fast, without accents and with a letter missing.
    visitor.goto(&shop.url("/")).await;
    visitor.open_widget().await;
    let input = visitor.widget("textarea.pronto-input").await;
    input.send_keys("cuanto tarda el envo").await.unwrap();
    let offered = visitor
        .wait_for_texts(
            "widget",
            "[part=suggestions] .pronto-choice",
            "the shipping answer",
            |t| !t.is_empty(),
        )
        .await;
    assert_eq!(offered, ["¿Cuánto tarda el envío?"]);
    visitor
        .widget("[part=suggestions] .pronto-choice")
        .await
        .click()
        .await
        .unwrap();
    visitor
        .wait_for_widget_text(
            "[part=answer] .pronto-card-text",
            "llega en 2 a 4 días hábiles",
        )
        .await;
    visitor
        .wait_for_widget_text("[part=answer] .pronto-ask", "¿Esto responde tu pregunta?")
        .await;
    visitor.screenshot("widget-instant-answer-es").await;
    let violations = visitor.accessibility_violations().await;
    assert!(
        violations.is_empty(),
        "axe with a quick answer open: {violations:?}"
    );
    // Keyboard users land on the first reply to "did it help?".
    assert!(visitor.focused().await.contains("pronto-choice"));
    visitor.press("\u{E007}").await;
    visitor
        .wait_for_widget_text("[part=answer] .pronto-ask", "¡Qué bien!")
        .await;
    // Solved without a person: nothing was sent.
    assert!(
        visitor
            .texts("widget", ".pronto-message-text")
            .await
            .is_empty()
    );

    // The next question the answers do not settle goes on to a person, as typed.
    let input = visitor.widget("textarea.pronto-input").await;
    input.send_keys("DEVOLUCIONES de zapatillas").await.unwrap();
    visitor
        .wait_for_widget_text(
            "[part=suggestions] .pronto-choice",
            "¿Puedo devolver un producto?",
        )
        .await;
    visitor
        .widget("[part=suggestions] .pronto-choice")
        .await
        .click()
        .await
        .unwrap();
    visitor
        .click_in_row_once_shown(
            "[part=answer] .pronto-choices",
            "persona",
            "button:last-child",
        )
        .await;
    visitor
        .wait_for_widget_text(".pronto-message-text", "DEVOLUCIONES de zapatillas")
        .await;

    // The owner's numbers: two answers read, one solved the question.
    let dashboard = dashboard_once(&pronto, |d| d.total.instant_answers == 2).await;
    assert_eq!(dashboard.total.instant_answers_helped, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_rates_the_conversation_once_it_has_ended() {
    let pronto = Pronto::start().await;
    let shop = Storefront::start(&pronto, vec![("/", String::new(), SHOP_PAGE.into())]).await;
    let mut browsers = Browsers::start().await;
    let visitor = browsers.person().await;
    visitor.goto(&shop.url("/")).await;
    visitor.open_widget().await;
    visitor.write("Do you ship to Lima?").await;

    let cookie = sign_in(pronto.addr, demo::AGENT_EMAIL, demo::AGENT_PASSWORD).await;
    let mut agent = agent_socket(pronto.addr, &cookie).await;
    let conversation = take_next(&mut agent).await;
    agent
        .send(&reply(conversation.id, "Yes, in 5 to 7 days."))
        .await;
    visitor
        .wait_for_widget_text(".pronto-message-text", "Yes, in 5 to 7 days.")
        .await;
    // No rating while the chat goes on.
    assert!(!visitor.widget_has("[part=rating]").await);
    agent
        .send(&pronto_protocol::agent::AgentToServer::Close {
            conversation: conversation.id,
        })
        .await;

    visitor
        .wait_for_widget_text("[part=rating]", "How was this conversation?")
        .await;
    let violations = visitor.accessibility_violations().await;
    assert!(violations.is_empty(), "axe with the rating: {violations:?}");
    visitor
        .click_in_row_once_shown("[part=rating] .pronto-choices", "Bad", "button:last-child")
        .await;
    // The comment box takes focus; the rating is kept already.
    let comment = visitor.widget("[part=rating] input.pronto-field").await;
    assert!(visitor.focused().await.contains("pronto-field"));
    dashboard_once(&pronto, |d| d.total.rated == 1).await;
    // A click into the box, as a mouse user would, only puts the caret there.
    comment.click().await.unwrap();
    assert!(
        visitor.widget_has("[part=rating] input.pronto-field").await,
        "clicking the comment box must not send an empty comment"
    );
    comment.send_keys("It took an hour.").await.unwrap();
    visitor.screenshot("widget-rating-en").await;
    visitor
        .widget("[part=rating] .pronto-choice")
        .await
        .click()
        .await
        .unwrap();
    visitor
        .wait_for_widget_text("[part=rating]", "Thanks for telling us!")
        .await;
    let dashboard = dashboard_once(&pronto, |d| d.total.rated == 1).await;
    assert_eq!(dashboard.total.rated_good, 0);
    assert_eq!(dashboard.agents[0].numbers.rated, 1);
}
