//! The agents' console in a real browser: an agent juggling two chats with canned replies and
//! an internal note, then handing one to a teammate, while the shoppers watch from their
//! widgets.

use pronto_e2e::{Browsers, Person, Pronto, Storefront, WIDGET_LAUNCHER};
use pronto_server::demo;
use pronto_testkit::client::{
    hello, say, set_canned_replies, sign_in as sign_in_over_http, visitor_socket,
};
use pronto_testkit::history::Past;
use pronto_testkit::smtp::SmtpSink;

const SHOP_PAGE: &str = "<h1>Zapatillas</h1><p>A storefront on its own origin.</p>";
const SHIPPING: &str = "Enviamos a todo Chile en 24 a 48 horas, gratis desde $30.000.";

/// A shopper, named by the shop's page, who opened the widget and wrote `text`.
async fn shopper_writes(shopper: &Person, shop: &Storefront, name: &str, text: &str) {
    shopper_writes_on(shopper, shop, "/", name, text).await;
}

/// As [`shopper_writes`], from the storefront's page at `path`.
async fn shopper_writes_on(
    shopper: &Person,
    shop: &Storefront,
    path: &str,
    name: &str,
    text: &str,
) {
    shopper.goto(&shop.url(path)).await;
    shopper.widget(WIDGET_LAUNCHER).await.click().await.unwrap();
    shopper
        .eval(
            "Pronto('identify', {name: arguments[0]})",
            vec![name.into()],
        )
        .await;
    let input = shopper.widget("textarea.pronto-input").await;
    shopper.type_and_enter(&input, text).await;
    shopper
        .wait_for_widget_text(".pronto-message-text", text)
        .await;
}

async fn agent_says(agent: &Person, text: &str) {
    let composer = agent.page("textarea.composer").await;
    agent.type_and_enter(&composer, text).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_juggles_two_chats_with_canned_replies_and_hands_one_to_a_teammate() {
    let pronto = Pronto::start().await;
    let owner = sign_in_over_http(pronto.addr, demo::AGENT_EMAIL, demo::AGENT_PASSWORD).await;
    set_canned_replies(
        pronto.addr,
        &owner,
        &[
            ("envio", SHIPPING),
            ("horario", "Atendemos de lunes a viernes, de 9:00 a 18:00."),
            ("devoluciones", "Tienes 30 días para devolver tu compra."),
        ],
    )
    .await;
    let shop = Storefront::start(
        &pronto,
        vec![
            ("/", String::new(), SHOP_PAGE.into()),
            ("/zapatillas/runner", String::new(), SHOP_PAGE.into()),
        ],
    )
    .await;
    let mut browsers = Browsers::start().await;
    let (carla, diego) = (browsers.person().await, browsers.person().await);
    let (ana, bruno) = (browsers.person().await, browsers.person().await);

    shopper_writes(&carla, &shop, "Carla", "Hola, ¿cuánto tarda el envío?").await;
    shopper_writes_on(
        &diego,
        &shop,
        "/zapatillas/runner?talla=44",
        "Diego",
        "¿Tienen la talla 44?",
    )
    .await;
    // Bruno has the console open too, with nothing on his screen yet.
    pronto
        .sign_in(&bruno, demo::SECOND_AGENT_EMAIL, demo::SECOND_AGENT_NAME)
        .await;

    // Ana takes both: two conversations side by side in her list. The queue says which page
    // of the shop each is on, linked to it.
    pronto
        .sign_in(&ana, demo::AGENT_EMAIL, demo::AGENT_NAME)
        .await;
    let pages = ana
        .wait_for_texts("page", "li.queue-entry .visitor-page a", "the pages", |t| {
            t.len() == 2
        })
        .await;
    // The path alone: a query may hold a token or an e-mail address.
    assert_eq!(pages, ["/", "/zapatillas/runner"]);
    let link = ana
        .eval(
            "return document.querySelectorAll('li.queue-entry .visitor-page a')[1].href",
            vec![],
        )
        .await;
    assert_eq!(link, shop.url("/zapatillas/runner"));
    ana.screenshot("console-queue-pages").await;
    ana.click_in_row_once_shown("li.queue-entry", "Carla", "button.take")
        .await;
    ana.click_in_row_once_shown("li.queue-entry", "Diego", "button.take")
        .await;
    ana.wait_for_texts("page", ".conversation-tab", "two conversations", |t| {
        t.len() == 2
    })
    .await;
    // Beside Diego's chat, the page he is on.
    ana.wait_for_texts(
        "page",
        ".visitor-now .visitor-page a",
        "Diego's page",
        |t| t == ["/zapatillas/runner"],
    )
    .await;

    // In Diego's chat (on screen after taking him) she calls up a canned reply by its
    // shortcut: "/env" offers "/envio"; Enter puts it in the box, Enter again sends it.
    let composer = ana.page("textarea.composer").await;
    composer.send_keys("/env").await.unwrap();
    let offered = ana
        .wait_for_texts(
            "page",
            ".canned-option",
            "the shipping reply offered",
            |t| !t.is_empty(),
        )
        .await;
    assert_eq!(offered.len(), 1, "{offered:?}");
    assert!(offered[0].starts_with("/envio"), "{offered:?}");
    ana.screenshot("console-canned-replies").await;
    ana.press("\u{E007}").await;
    ana.wait_until(
        "the canned reply in the box",
        "return document.querySelector('textarea.composer').value === arguments[0]",
        vec![SHIPPING.into()],
    )
    .await;
    assert!(
        ana.texts("page", ".canned-option").await.is_empty(),
        "the list closes once a reply is chosen"
    );
    ana.press("\u{E007}").await;
    diego
        .wait_for_widget_text(".pronto-message-text", "gratis desde $30.000")
        .await;

    // Typing a slash inside a sentence offers nothing, and Esc closes an open list while
    // keeping what was typed.
    composer.send_keys("Abierto 24/7 ").await.unwrap();
    assert!(ana.texts("page", ".canned-option").await.is_empty());
    composer.send_keys("/h").await.unwrap();
    ana.wait_for_texts("page", ".canned-option", "the hours reply offered", |t| {
        t.len() == 1 && t[0].starts_with("/horario")
    })
    .await;
    ana.press("\u{E00C}").await;
    ana.wait_until_gone(".canned-option").await;
    ana.wait_until(
        "the draft kept",
        "return document.querySelector('textarea.composer').value === 'Abierto 24/7 /h'",
        vec![],
    )
    .await;
    ana.eval(
        "const box = document.querySelector('textarea.composer');\n\
         box.value = ''; box.dispatchEvent(new Event('input', {bubbles: true}));",
        vec![],
    )
    .await;

    // She switches to Carla and answers her; Diego writes meanwhile and his tab counts it.
    ana.click_in_row_once_shown(
        ".conversation-tab",
        "Carla",
        "button.conversation-tab-button",
    )
    .await;
    agent_says(
        &ana,
        "¡Hola Carla! Te paso con Bruno, que lleva los envíos.",
    )
    .await;
    carla
        .wait_for_widget_text(".pronto-message-text", "Te paso con Bruno")
        .await;
    // A note for the team, which Carla never sees.
    ana.page("button.note-switch").await.click().await.unwrap();
    agent_says(
        &ana,
        "Carla pidió envío express: revisar el stock en bodega",
    )
    .await;
    ana.wait_for_texts("page", ".note-text", "the note", |t| {
        t.iter().any(|t| t.contains("envío express"))
    })
    .await;
    ana.screenshot("console-note").await;
    let input = diego.widget("textarea.pronto-input").await;
    diego.type_and_enter(&input, "¿Y en color negro?").await;
    ana.wait_for_texts(
        "page",
        ".conversation-tab .unread-badge",
        "Diego's unread",
        |t| t == ["1"],
    )
    .await;

    // Ana hands Carla to Bruno: the list of who is online offers him.
    ana.page("button.transfer-open")
        .await
        .click()
        .await
        .unwrap();
    let teammates = ana
        .wait_for_texts("page", "button.transfer-to", "teammates online", |t| {
            !t.is_empty()
        })
        .await;
    assert_eq!(teammates, [demo::SECOND_AGENT_NAME]);
    ana.screenshot("console-transfer").await;
    ana.page("button.transfer-to").await.click().await.unwrap();

    // Carla's chat leaves Ana's list and Ana hears where it went; Diego's is on her screen.
    ana.wait_for_texts("page", ".conversation-tab", "only Diego left", |t| {
        t.len() == 1 && t[0].contains("Diego")
    })
    .await;
    ana.wait_for_texts("page", ".console-info-text", "news of the transfer", |t| {
        t.iter().any(|t| t.contains("is with Bruno now"))
    })
    .await;
    ana.wait_for_texts("page", ".message-text", "Diego's chat on screen", |t| {
        t.iter().any(|t| t.contains("color negro"))
    })
    .await;

    // Bruno has Carla's whole conversation, Ana's replies included, and hears who sent it.
    bruno
        .wait_for_texts("page", ".console-info-text", "news of the handover", |t| {
            t.iter()
                .any(|t| t.contains("Ana handed you the conversation"))
        })
        .await;
    let history = bruno
        .wait_for_texts("page", ".message-text", "Carla's history", |t| t.len() == 2)
        .await;
    assert!(
        history[0].contains("cuánto tarda") && history[1].contains("Te paso con Bruno"),
        "{history:?}"
    );
    bruno
        .wait_for_texts("page", ".note-text", "Ana's note", |t| {
            t.iter().any(|t| t.contains("envío express"))
        })
        .await;
    // Carla sees who answers now, and Bruno's answer.
    carla
        .wait_for_widget_text(".pronto-agent-name", demo::SECOND_AGENT_NAME)
        .await;
    agent_says(&bruno, "Hola Carla, soy Bruno. Tu pedido llega mañana.").await;
    carla
        .wait_for_widget_text(".pronto-message-text", "llega mañana")
        .await;
    bruno.screenshot("console-after-transfer").await;
    let seen_by_carla = carla.texts("widget", ".pronto-message-text").await;
    assert!(
        seen_by_carla.len() == 3 && !seen_by_carla.iter().any(|t| t.contains("express")),
        "{seen_by_carla:?}"
    );

    // Bruno closes it. When Carla comes back with another question, whoever takes it sees
    // her first conversation under the new one.
    bruno
        .page("button.close-conversation")
        .await
        .click()
        .await
        .unwrap();
    carla
        .widget("button.pronto-new-conversation")
        .await
        .click()
        .await
        .unwrap();
    let input = carla.widget("textarea.pronto-input").await;
    carla
        .type_and_enter(&input, "¿Puedo cambiar la dirección?")
        .await;
    bruno
        .click_in_row_once_shown("li.queue-entry", "Carla", "button.take")
        .await;
    bruno
        .wait_for_texts("page", ".visitor-past-summary", "Carla's past", |t| {
            t.len() == 1 && t[0].contains("1 earlier conversation")
        })
        .await;
    bruno
        .page(".visitor-past-summary")
        .await
        .click()
        .await
        .unwrap();
    bruno
        .page(".earlier-conversation summary")
        .await
        .click()
        .await
        .unwrap();
    bruno
        .wait_for_texts("page", ".earlier-text", "the earlier conversation", |t| {
            t.iter().any(|t| t.contains("llega mañana"))
        })
        .await;
    bruno.screenshot("console-visitor-past").await;

    for person in [carla, diego, ana, bruno] {
        person.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_reads_a_scripted_day_on_the_dashboard() {
    const MINUTE: i64 = 60_000;
    let pronto = Pronto::start().await;
    // Yesterday, in UTC (the demo shop keeps no hours, so no time zone of its own).
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let day = 24 * 60 * MINUTE;
    let nine = now - now.rem_euclid(day) - day + 9 * 60 * MINUTE;
    let chat = |start: i64, queued: Option<i64>, reply: Option<i64>| Past {
        asked_ms: start,
        taken_ms: queued.map(|q| start + q),
        answered_ms: reply.map(|r| start + r),
        closed_ms: start + 30 * MINUTE,
        reply_mailed: false,
    };
    pronto
        .with_past(
            demo::AGENT_EMAIL,
            &[
                // A minute in the queue, answered in a minute and a half: on target.
                chat(nine, Some(MINUTE), Some(MINUTE * 3 / 2)),
                // Three minutes in the queue, answered after four: late.
                chat(nine + 60 * MINUTE, Some(3 * MINUTE), Some(4 * MINUTE)),
                // Nobody took it.
                chat(nine + 120 * MINUTE, None, None),
                // The visitor left an e-mail and went; the answer, two hours on, went by
                // e-mail: on the e-mail target (3 h).
                Past {
                    reply_mailed: true,
                    closed_ms: nine + 300 * MINUTE,
                    ..chat(nine + 180 * MINUTE, Some(110 * MINUTE), Some(120 * MINUTE))
                },
            ],
        )
        .await;
    let mut browsers = Browsers::start().await;
    let ana = browsers.person().await;
    pronto
        .sign_in(&ana, demo::AGENT_EMAIL, demo::AGENT_NAME)
        .await;
    ana.page("button.page-dashboard")
        .await
        .click()
        .await
        .unwrap();

    let figure = |class: &'static str, want: &'static str| {
        let ana = &ana;
        async move {
            let selector = format!(".{class} .kpi-value");
            ana.wait_for_texts("page", &selector, class, |t| t == [want])
                .await;
        }
    };
    figure("kpi-conversations", "4").await;
    figure("kpi-on-target", "50 % (2 of 4)").await;
    let target = ana.texts("page", ".kpi-on-target .kpi-label").await;
    assert_eq!(
        target,
        ["First reply on target (2 min live, 3 h by e-mail)"]
    );
    figure("kpi-email-on-target", "100 % (1 of 1)").await;
    figure("kpi-first-reply", "4 min 00 s").await;
    figure("kpi-first-reply-p90", "2 h 00 min").await;
    figure("kpi-queue", "3 min 00 s").await;
    figure("kpi-missed", "1").await;
    figure("kpi-unanswered", "0").await;
    // A row a day, newest first: today (nothing), then yesterday's three.
    let days = ana
        .wait_for_texts("page", ".dashboard-days tbody tr", "a week of days", |t| {
            t.len() == 7
        })
        .await;
    assert!(days[1].contains("\t4\t3\t"), "{days:?}");
    let agents = ana.texts("page", ".dashboard-agents tbody th").await;
    assert_eq!(agents, [demo::AGENT_NAME]);
    let bars = ana
        .eval(
            "return document.querySelectorAll('.dashboard-chart .chart-day').length",
            vec![],
        )
        .await;
    assert_eq!(bars, 7);
    let csv = ana
        .eval(
            "return document.querySelector('a.dashboard-csv').getAttribute('href')",
            vec![],
        )
        .await;
    assert_eq!(csv, "/api/site/dashboard.csv?days=7");
    ana.screenshot("console-dashboard").await;

    // A month instead: thirty days, the same figures, and the CSV follows.
    ana.eval(
        "const days = document.querySelector('select[name=days]');\n\
         days.value = '30'; days.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![],
    )
    .await;
    ana.wait_for_texts("page", ".dashboard-days tbody tr", "a month of days", |t| {
        t.len() == 30
    })
    .await;
    figure("kpi-conversations", "4").await;

    // Back to the chats, which went on meanwhile.
    ana.page("button.page-chats").await.click().await.unwrap();
    ana.page(".console-desk").await;
    ana.close().await;
}

/// The browser's notifications and sound, recorded instead of shown (a headless browser has
/// neither), and the console's tab made to count as hidden, as when the agent is elsewhere.
const RECORD_ALERTS: &str = "
    window.__alerts = []; window.__tones = 0;
    class Recorded {
        constructor(title, options) {
            window.__alerts.push({title, body: (options || {}).body, tag: (options || {}).tag});
        }
    }
    Recorded.permission = 'granted';
    Recorded.requestPermission = () => Promise.resolve('granted');
    window.Notification = Recorded;
    const oscillator = BaseAudioContext.prototype.createOscillator;
    BaseAudioContext.prototype.createOscillator = function () {
        window.__tones += 1;
        return oscillator.call(this);
    };
    Object.defineProperty(document, 'hidden', {get: () => true, configurable: true});
    document.dispatchEvent(new Event('visibilitychange', {bubbles: true}));
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_tell_an_agent_looking_elsewhere_of_a_new_visitor_and_a_new_message() {
    let pronto = Pronto::start().await;
    let mut browsers = Browsers::start().await;
    let ana = browsers.person().await;
    pronto
        .sign_in(&ana, demo::AGENT_EMAIL, demo::AGENT_NAME)
        .await;
    ana.eval(RECORD_ALERTS, vec![]).await;
    let toggle = ana.page("button.alerts-toggle").await;
    assert_eq!(
        toggle.attr("aria-pressed").await.unwrap().as_deref(),
        Some("false")
    );
    toggle.click().await.unwrap();
    ana.wait_until(
        "alerts on",
        "return document.querySelector('button.alerts-toggle').getAttribute('aria-pressed') === 'true'",
        vec![],
    )
    .await;

    // A shopper writes: the agent hears of it with a tone and a notification.
    let mut visitor = visitor_socket(pronto.addr).await;
    visitor.send(&hello(None)).await;
    visitor.send(&say("¿Hay alguien?")).await;
    ana.wait_until(
        "a notification of the new visitor",
        "return window.__alerts.some(n => n.title === 'A visitor is waiting' && n.body.endsWith(': ¿Hay alguien?')) && window.__tones > 0",
        vec![],
    )
    .await;

    // Ana takes the chat; the shopper writes again while she is in another tab.
    ana.click_in_row_once_shown("li.queue-entry", "¿Hay alguien?", "button.take")
        .await;
    ana.page("textarea.composer").await;
    visitor.send(&say("Quiero cambiar mi pedido")).await;
    ana.wait_until(
        "a notification of the message",
        "return window.__alerts.some(n => n.body === 'Quiero cambiar mi pedido' && n.tag.startsWith('conversation-'))",
        vec![],
    )
    .await;

    // Turned off, they stay off: a third message rings nothing.
    ana.page("button.alerts-toggle")
        .await
        .click()
        .await
        .unwrap();
    ana.wait_until(
        "alerts off",
        "return document.querySelector('button.alerts-toggle').getAttribute('aria-pressed') === 'false'",
        vec![],
    )
    .await;
    let before = ana.eval("return window.__alerts.length", vec![]).await;
    visitor.send(&say("¿Siguen ahí?")).await;
    ana.wait_for_texts("page", ".message-text", "the third message", |t| {
        t.iter().any(|t| t.contains("Siguen ahí"))
    })
    .await;
    let after = ana.eval("return window.__alerts.length", vec![]).await;
    assert_eq!(before, after, "no alert once turned off");
    ana.close().await;
}

/// The shop as the welcome of a new visitor's socket describes it.
async fn shop_as_a_new_visitor_sees_it(pronto: &Pronto) -> pronto_protocol::visitor::Shop {
    let mut visitor = visitor_socket(pronto.addr).await;
    visitor.send(&hello(None)).await;
    match visitor.next().await {
        pronto_protocol::visitor::ServerToVisitor::Welcome { shop, .. } => shop,
        other => panic!("no welcome: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_writes_quick_answers_and_sets_the_waits_in_the_settings() {
    let pronto = Pronto::start().await;
    let mut browsers = Browsers::start().await;
    let owner = browsers.person().await;
    pronto
        .sign_in(&owner, demo::AGENT_EMAIL, demo::AGENT_NAME)
        .await;
    owner
        .page("button.page-settings")
        .await
        .click()
        .await
        .unwrap();
    // The script tag to paste names this shop and this server (drawn once the settings
    // have been read).
    owner.page(".script-tag-code").await;
    let tag = owner
        .eval(
            "return document.querySelector('.script-tag-code').value",
            vec![],
        )
        .await;
    let tag = tag.as_str().unwrap_or_default().to_owned();
    assert!(
        tag.contains(&pronto.url("/pronto.js")) && tag.contains("data-site=\"demo\""),
        "{tag}"
    );

    owner
        .page("button.add-quick-answer")
        .await
        .click()
        .await
        .unwrap();
    for (field, text) in [
        ("input[name=question]", "¿Cuánto tarda el envío?"),
        ("textarea[name=answer]", SHIPPING),
        ("input[name=keywords]", "despacho entrega"),
    ] {
        let input = owner.page(&format!(".quick-answer {field}")).await;
        input.send_keys(text).await.unwrap();
    }
    // A second one, left without its answer: the save is refused whole, saying which.
    owner
        .page("button.add-quick-answer")
        .await
        .click()
        .await
        .unwrap();
    owner
        .page(".quick-answer:nth-child(2) input[name=question]")
        .await
        .send_keys("Vocês entregam?")
        .await
        .unwrap();
    owner
        .page("button.save-quick-answers")
        .await
        .click()
        .await
        .unwrap();
    owner
        .wait_for_texts("page", ".settings-status--error", "the refusal", |t| {
            t.iter().any(|t| t.contains("Vocês entregam?"))
        })
        .await;
    owner
        .page(".quick-answer:nth-child(2) button.button--danger")
        .await
        .click()
        .await
        .unwrap();
    owner
        .page("button.save-quick-answers")
        .await
        .click()
        .await
        .unwrap();
    owner
        .wait_for_texts("page", ".quick-answers .settings-status", "saved", |t| {
            t.iter().any(|t| t == "Saved.")
        })
        .await;
    owner.screenshot("console-settings").await;

    // What the widget will get: the one answer, in Spanish.
    let shop = shop_as_a_new_visitor_sees_it(&pronto).await;
    let answers: Vec<_> = shop
        .answers
        .iter()
        .map(|a| (a.lang.as_str(), a.question.as_str(), a.answer.as_str()))
        .collect();
    assert_eq!(answers, [("es", "¿Cuánto tarda el envío?", SHIPPING)]);

    // The wait before offering e-mail, in minutes.
    let wait = owner.page("input[name=ask_email_after_minutes]").await;
    wait.clear().await.unwrap();
    wait.send_keys("5").await.unwrap();
    owner.page("button.save-waits").await.click().await.unwrap();
    owner
        .wait_for_texts("page", ".waits .settings-status", "saved", |t| {
            t.iter().any(|t| t == "Saved.")
        })
        .await;
    let shop = shop_as_a_new_visitor_sees_it(&pronto).await;
    assert_eq!(shop.ask_email_after_secs, 300);

    // The e-mail target, in hours: three unless set; nought is refused in words, four kept.
    let email_target = owner.page("input[name=email_reply_target_hours]").await;
    assert_eq!(
        email_target.prop("value").await.unwrap().as_deref(),
        Some("3")
    );
    for (hours, said) in [
        (
            "0",
            "Write the e-mail target in whole hours, 1 to 168 (a week).",
        ),
        ("4", "Saved."),
    ] {
        email_target.clear().await.unwrap();
        email_target.send_keys(hours).await.unwrap();
        owner.page("button.save-waits").await.click().await.unwrap();
        owner
            .wait_for_texts("page", ".waits .settings-status", said, |t| {
                t.iter().any(|t| t == said)
            })
            .await;
    }
    let stored = owner
        .eval(
            "return fetch('/api/site').then(r => r.json()).then(s => s.email_reply_target_secs)",
            vec![],
        )
        .await;
    assert_eq!(stored, 4 * 3600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_marks_an_ended_chat_to_follow_up_and_follows_up_when_it_is_due() {
    let smtp = SmtpSink::start().await;
    let pronto = Pronto::start_mailing_to(Some(smtp.url())).await;
    let shop = Storefront::start(&pronto, vec![("/", String::new(), SHOP_PAGE.into())]).await;
    let mut browsers = Browsers::start().await;
    let (carla, ana) = (browsers.person().await, browsers.person().await);
    shopper_writes(
        &carla,
        &shop,
        "Carla",
        "¿Cuándo vuelve la talla 38 en azul?",
    )
    .await;
    carla
        .eval(
            "Pronto('identify', {email: arguments[0]})",
            vec!["carla@correo.example".into()],
        )
        .await;
    pronto
        .sign_in(&ana, demo::AGENT_EMAIL, demo::AGENT_NAME)
        .await;
    ana.click_in_row_once_shown("li.queue-entry", "Carla", "button.take")
        .await;
    agent_says(&ana, "Aún no sabemos; te aviso apenas llegue.").await;
    ana.page("button.close-conversation")
        .await
        .click()
        .await
        .unwrap();
    carla.widget(".pronto-ended").await;

    // Under the ended chat: follow up today (the day offered first), which is due at once.
    ana.page("input.follow-up-day").await;
    ana.wait_until(
        "today offered as the day",
        "return /^\\d{4}-\\d{2}-\\d{2}$/.test(document.querySelector('input.follow-up-day').value)",
        vec![],
    )
    .await;
    ana.page("button.follow-up-set-button")
        .await
        .click()
        .await
        .unwrap();
    ana.wait_for_texts("page", ".follow-up-set", "the mark said", |t| {
        t.iter().any(|t| t.starts_with("Follow up on "))
    })
    .await;
    let listed = ana
        .wait_for_texts("page", "li.follow-up", "the follow-up listed", |t| {
            t.len() == 1
        })
        .await;
    assert!(
        listed[0].contains("Carla")
            && listed[0].contains("Due")
            && listed[0].contains("Marked by Ana"),
        "{listed:?}"
    );
    assert_eq!(ana.texts("page", ".follow-ups-due").await, ["1 due"]);
    ana.screenshot("console-follow-ups").await;

    // The day has come: Ana follows up, and Carla, still on the shop, reads it in the chat.
    ana.click_in_row_once_shown("li.follow-up", "Carla", "button.follow-up-now")
        .await;
    agent_says(&ana, "¡Llegó la 38 en azul! Te guardamos un par.").await;
    carla
        .wait_for_widget_text(".pronto-message-text", "Llegó la 38 en azul")
        .await;
    carla
        .wait_for_widget_text(".pronto-agent-name", "Ana")
        .await;
    assert!(!carla.widget_has(".pronto-ended").await);
    ana.wait_until_gone("li.follow-up").await;

    // Carla asks for it all by e-mail; Ana sends the transcript.
    ana.page("button.email-transcript")
        .await
        .click()
        .await
        .unwrap();
    ana.wait_for_texts("page", ".console-info-text", "the transcript sent", |t| {
        t.iter()
            .any(|t| t.contains("Transcript sent to carla@correo.example"))
    })
    .await;
    let mail = smtp.wait_for(1).await;
    assert_eq!(mail[0].to, ["carla@correo.example"]);
    let body = mail[0].body();
    assert!(
        body.starts_with("You:\n¿Cuándo vuelve la talla 38 en azul?\n\nAna:\nAún no sabemos"),
        "{body}"
    );
    assert!(body.contains("¡Llegó la 38 en azul!"), "{body}");
    ana.screenshot("console-transcript-sent").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_who_steps_away_leaves_the_widget_saying_nobody_is_there() {
    let pronto = Pronto::start().await;
    let shop = Storefront::start(&pronto, vec![("/", String::new(), SHOP_PAGE.into())]).await;
    let mut browsers = Browsers::start().await;
    let (carla, ana) = (browsers.person().await, browsers.person().await);
    pronto
        .sign_in(&ana, demo::AGENT_EMAIL, demo::AGENT_NAME)
        .await;
    carla.goto(&shop.url("/")).await;
    carla.open_widget().await;
    carla.widget(".pronto-availability--online").await;

    let away = ana.page("button.away-toggle").await;
    away.click().await.unwrap();
    ana.wait_until(
        "the toggle pressed",
        "return document.querySelector('button.away-toggle').getAttribute('aria-pressed') === 'true'",
        vec![],
    )
    .await;
    carla.widget(".pronto-availability--away").await;
    ana.screenshot("console-away").await;

    away.click().await.unwrap();
    carla.widget(".pronto-availability--online").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_automatic_assignment_each_shopper_goes_to_the_agent_with_room() {
    let pronto = Pronto::start().await;
    let shop = Storefront::start(&pronto, vec![("/", String::new(), SHOP_PAGE.into())]).await;
    let mut browsers = Browsers::start().await;
    let (ana, bruno) = (browsers.person().await, browsers.person().await);
    let (carla, diego) = (browsers.person().await, browsers.person().await);

    // The owner turns assignment on and gives Bruno two chats at once; she keeps one.
    pronto
        .sign_in(&ana, demo::AGENT_EMAIL, demo::AGENT_NAME)
        .await;
    ana.page("button.page-settings")
        .await
        .click()
        .await
        .unwrap();
    let bruno_slots = ana
        .page("input[name=slots][aria-label='Chats Bruno takes at once']")
        .await;
    // A typo first: refused in words, and nothing is saved.
    bruno_slots.clear().await.unwrap();
    bruno_slots.send_keys("0").await.unwrap();
    ana.page("input[name=automatic]")
        .await
        .click()
        .await
        .unwrap();
    ana.page("button.save-assignment")
        .await
        .click()
        .await
        .unwrap();
    ana.wait_for_texts(
        "page",
        ".assignment .settings-status--error",
        "the refusal",
        |t| t.iter().any(|t| t.contains("Bruno's chats at once")),
    )
    .await;
    // Three, then two on second thought: each save counts.
    for slots in ["3", "2"] {
        let field = ana
            .page("input[name=slots][aria-label='Chats Bruno takes at once']")
            .await;
        field.clear().await.unwrap();
        field.send_keys(slots).await.unwrap();
        ana.page("button.save-assignment")
            .await
            .click()
            .await
            .unwrap();
        ana.wait_for_texts("page", ".assignment .settings-status", "saved", |t| {
            t.iter().any(|t| t == "Saved.")
        })
        .await;
    }
    ana.screenshot("console-assignment").await;
    ana.page("button.page-chats").await.click().await.unwrap();
    pronto
        .sign_in(&bruno, demo::SECOND_AGENT_EMAIL, demo::SECOND_AGENT_NAME)
        .await;
    bruno
        .wait_for_texts("page", ".slots-count", "his slots", |t| {
            t.iter().any(|t| t == "0 of 2")
        })
        .await;

    // Carla goes to Ana (both have none; Ana is first on the team), Diego to Bruno, who has
    // fewer chats, without anyone pressing Take.
    shopper_writes(&carla, &shop, "Carla", "Hola, ¿cuánto tarda el envío?").await;
    carla
        .wait_for_widget_text(".pronto-agent-name", demo::AGENT_NAME)
        .await;
    ana.wait_for_texts("page", ".slots-count--full", "her one slot full", |t| {
        t.iter().any(|t| t == "1 of 1")
    })
    .await;
    shopper_writes(&diego, &shop, "Diego", "¿Tienen la talla 44?").await;
    diego
        .wait_for_widget_text(".pronto-agent-name", demo::SECOND_AGENT_NAME)
        .await;
    bruno
        .wait_for_texts("page", ".console-info-text", "the news", |t| {
            t.iter().any(|t| t.contains("Diego was assigned to you."))
        })
        .await;
    bruno
        .wait_for_texts("page", ".conversation-tab", "Diego's chat", |t| {
            t.iter().any(|t| t.contains("Diego"))
        })
        .await;
    bruno
        .wait_for_texts("page", ".slots-count", "one of his two slots", |t| {
            t.iter().any(|t| t == "1 of 2")
        })
        .await;
    // He answers in the chat he was given.
    bruno.page(".conversation-tab").await.click().await.unwrap();
    agent_says(&bruno, "¡Hola Diego! Sí, tenemos la 44.").await;
    diego
        .wait_for_widget_text(".pronto-message-text", "tenemos la 44")
        .await;
    bruno.screenshot("console-assigned").await;

    // A third shopper goes to Bruno too, the only one with room; nobody waits in line.
    let mut emilia = visitor_socket(pronto.addr).await;
    emilia.send(&hello(None)).await;
    emilia.send(&say("¿Abren el domingo?")).await;
    emilia
        .next_matching(|f| {
            matches!(f, pronto_protocol::visitor::ServerToVisitor::Assigned { agent_name } if agent_name == demo::SECOND_AGENT_NAME)
        })
        .await;
    bruno
        .wait_for_texts("page", ".slots-count--full", "both slots full", |t| {
            t.iter().any(|t| t == "2 of 2")
        })
        .await;
    ana.wait_for_texts("page", ".queue-count", "an empty line", |t| {
        t.iter().any(|t| t == "0")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_speaks_spanish_and_portuguese_when_chosen() {
    let pronto = Pronto::start().await;
    let shop = Storefront::start(&pronto, vec![("/", String::new(), SHOP_PAGE.into())]).await;
    let mut browsers = Browsers::start().await;
    let (carla, ana) = (browsers.person().await, browsers.person().await);
    pronto
        .sign_in(&ana, demo::AGENT_EMAIL, demo::AGENT_NAME)
        .await;
    // An English browser gets English until the agent chooses.
    ana.wait_for_texts("page", ".queue .panel-title", "the queue in English", |t| {
        t.iter().any(|t| t.starts_with("Waiting visitors"))
    })
    .await;
    shopper_writes(&carla, &shop, "Carla", "Hola, ¿tienen la talla 38?").await;
    // The English header on a phone, to compare with the others below.
    ana.resize(390, 844).await;
    ana.screenshot("console-en-narrow").await;
    ana.resize(1280, 860).await;

    for (lang, heading, take, sign_out, language) in [
        (
            "es",
            "Visitantes en espera",
            "Tomar",
            "Cerrar sesión",
            "Inglés",
        ),
        ("pt", "Visitantes aguardando", "Atender", "Sair", "Inglês"),
    ] {
        ana.page("select[name=console-language]")
            .await
            .select_by_value(lang)
            .await
            .unwrap();
        // The page reloads in the chosen language, and says which to screen readers.
        ana.wait_until(
            "the page in the chosen language",
            "return document.documentElement.lang === arguments[0]",
            vec![lang.into()],
        )
        .await;
        ana.wait_for_texts("page", ".queue .panel-title", heading, |t| {
            t.iter().any(|t| t.starts_with(heading))
        })
        .await;
        ana.wait_for_texts("page", ".queue-entry button.take", take, |t| {
            t.iter().any(|t| t == take)
        })
        .await;
        ana.wait_for_texts("page", ".queue-language", language, |t| {
            t.iter().any(|t| t.starts_with(language))
        })
        .await;
        ana.wait_for_texts("page", "button.sign-out", sign_out, |t| {
            t.iter().any(|t| t == sign_out)
        })
        .await;
        assert_eq!(
            ana.eval(
                "return document.querySelector('select[name=console-language]').value",
                vec![]
            )
            .await,
            lang,
            "the switch shows the language chosen"
        );
        ana.screenshot(&format!("console-{lang}")).await;
        // On a phone the header wraps rather than running off the screen.
        ana.resize(390, 844).await;
        ana.screenshot(&format!("console-{lang}-narrow")).await;
        let overflowing = ana
            .eval(
                "const w = document.documentElement.clientWidth;
                 return Array.from(document.querySelectorAll('.console-header *'))
                     .filter(e => e.getBoundingClientRect().right > w + 0.5
                         && !e.closest('.visually-hidden'))
                     .map(e => `${e.tagName}.${e.className}: ${e.getBoundingClientRect().right} > ${w}`);",
                vec![],
            )
            .await;
        assert_eq!(
            overflowing,
            serde_json::json!([]),
            "the header fits a phone"
        );
        ana.resize(1280, 860).await;
    }

    // The owner's pages speak it too.
    ana.page("button.page-dashboard")
        .await
        .click()
        .await
        .unwrap();
    ana.wait_for_texts("page", "#dashboard-title", "the numbers", |t| {
        t.iter().any(|t| t == "Números")
    })
    .await;
    ana.screenshot("console-pt-dashboard").await;
    ana.page("button.page-settings")
        .await
        .click()
        .await
        .unwrap();
    ana.wait_for_texts("page", "#hours-title", "the opening hours", |t| {
        t.iter().any(|t| t == "Horário de atendimento")
    })
    .await;
    ana.screenshot("console-pt-settings").await;
    ana.eval(
        "document.querySelector('#hours-title').scrollIntoView()",
        vec![],
    )
    .await;
    ana.screenshot("console-pt-hours").await;
}
