//! The walking skeleton, end to end, as people do it: two shoppers and an agent, each at their
//! own headless Chromium, on a storefront that embeds the widget with one script tag.

use pronto_e2e::{Browsers, Person, Pronto, SCRIPT_IN_HEAD, Storefront, WIDGET_LAUNCHER};
use serde_json::json;

const SHOP_PAGE: &str = "<h1>Zapatillas</h1><p>A storefront on its own origin.</p>";

async fn sign_in(agent: &Person, pronto: &Pronto) {
    let demo = (
        pronto_server::demo::AGENT_EMAIL,
        pronto_server::demo::AGENT_NAME,
    );
    pronto.sign_in(agent, demo.0, demo.1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shoppers_queue_an_agent_takes_them_and_nothing_is_lost() {
    let mut pronto = Pronto::start().await;
    let shop = Storefront::start(&pronto, vec![("/", String::new(), SHOP_PAGE.into())]).await;
    let mut browsers = Browsers::start().await;
    let a = browsers.person().await;
    let b = browsers.person().await;
    let agent = browsers.person().await;

    // A and B each open the widget and write; B is second in line.
    a.goto(&shop.url("/")).await;
    a.widget(WIDGET_LAUNCHER).await;
    a.screenshot("widget-closed").await;
    a.open_widget().await;
    a.write("Hola, soy A. ¿Tienen la talla 42?").await;
    a.wait_for_widget_text(".pronto-queue", "#1").await;

    b.goto(&shop.url("/")).await;
    b.open_widget().await;
    b.write("Hola, soy B").await;
    b.wait_for_widget_text(".pronto-queue", "#2").await;
    b.screenshot("widget-queued").await;

    // The agent signs in, sees both waiting with their first messages, and takes A.
    sign_in(&agent, &pronto).await;
    let queue = agent
        .wait_for_texts("page", "li.queue-entry", "two waiting visitors", |t| {
            t.len() == 2
        })
        .await;
    assert!(
        queue[0].contains("soy A") && queue[1].contains("soy B"),
        "{queue:?}"
    );
    agent
        .click_in_row_once_shown("li.queue-entry", "soy A", "button.take")
        .await;

    // B moves up without a reload; A sees who answers and the queue line goes away.
    b.wait_for_widget_text(".pronto-queue", "#1").await;
    a.wait_for_widget_text(".pronto-agent-name", pronto_server::demo::AGENT_NAME)
        .await;
    a.wait_until_gone(".pronto-queue").await;
    // The conversation is on the agent's screen: A sees their message read.
    newest_tick_says(&a, "Read").await;
    agent
        .wait_for_texts("page", "li.queue-entry", "only B waiting", |t| {
            t.len() == 1 && t[0].contains("soy B")
        })
        .await;

    // Messages both ways, live.
    let composer = agent.page("textarea.composer").await;
    agent
        .type_and_enter(&composer, "¡Hola A! Sí, nos queda la 42.")
        .await;
    a.wait_for_widget_text(".pronto-message-text", "nos queda la 42")
        .await;
    a.write("¡Genial, gracias!").await;
    agent
        .wait_for_texts("page", ".message-text", "A's reply", |t| {
            t.iter().any(|t| t.contains("Genial, gracias"))
        })
        .await;
    newest_tick_says(&a, "Read").await;
    a.screenshot("widget-chatting").await;
    agent.screenshot("console-chatting").await;

    // A reloads the page: the whole conversation is still there.
    a.client.refresh().await.unwrap();
    a.widget(WIDGET_LAUNCHER).await;
    if !a.widget_has(".pronto-panel").await {
        a.open_widget().await;
    }
    let expected = ["soy A", "nos queda la 42", "Genial, gracias"];
    a.wait_for_texts(
        "widget",
        ".pronto-message-text",
        "the whole conversation",
        |t| t.len() == 3 && expected.iter().zip(t).all(|(want, got)| got.contains(want)),
    )
    .await;

    // The server restarts. A writes while the widget reconnects by itself; the agent's console
    // reconnects too, receives it, and answers. Nothing is lost or doubled.
    pronto.restart().await;
    let input = a.widget("textarea.pronto-input").await;
    a.type_and_enter(&input, "¿Me la reservan?").await;
    agent
        .wait_for_texts(
            "page",
            ".message-text",
            "A's message after the restart",
            |t| t.iter().any(|t| t.contains("Me la reservan")),
        )
        .await;
    let composer = agent.page("textarea.composer").await;
    agent
        .type_and_enter(&composer, "Te la reservo ahora mismo.")
        .await;
    a.wait_for_widget_text(".pronto-message-text", "Te la reservo")
        .await;
    let all = a
        .wait_for_texts("widget", ".pronto-message-text", "five messages", |t| {
            t.len() >= 5
        })
        .await;
    assert_eq!(all.len(), 5, "each message once: {all:?}");
    let seen_by_agent = agent.texts("page", ".message-text").await;
    assert_eq!(seen_by_agent, all, "both sides hold the same conversation");

    // The agent closes the conversation; A sees it closed and can start a new one.
    agent
        .page("button.close-conversation")
        .await
        .click()
        .await
        .unwrap();
    a.widget(".pronto-closed").await;
    a.screenshot("widget-conversation-closed").await;
    a.widget("button.pronto-new-conversation")
        .await
        .click()
        .await
        .unwrap();
    a.widget("textarea.pronto-input").await;
    assert!(!a.widget_has(".pronto-closed").await);

    for person in [a, b, agent] {
        person.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_page_cannot_break_the_widget_and_the_widget_does_not_restyle_the_page() {
    let pronto = Pronto::start().await;
    let hostile_css = "<style>
        * { all: unset; }
        div { display: none !important; }
        button, textarea { display: none !important; }
        .own, .pronto-launcher, .pronto-panel { display: block; color: rgb(12, 34, 56); font-size: 13px; }
    </style>"
        .to_owned();
    let body = "<p class=\"own\" id=\"own\">The shop's own text</p>\
                <p class=\"pronto-launcher\" id=\"namesake\">A shop element that shares the widget's class name</p>"
        .to_owned();
    let shop = Storefront::start(&pronto, vec![("/hostile", hostile_css, body)]).await;
    let mut browsers = Browsers::start().await;
    let visitor = browsers.person().await;
    visitor.goto(&shop.url("/hostile")).await;

    // The widget renders and works despite the page's rules.
    let launcher = visitor.widget(WIDGET_LAUNCHER).await;
    let size = launcher.rectangle().await.unwrap();
    assert!(size.2 >= 40.0 && size.3 >= 40.0, "launcher is {size:?}");
    visitor.open_widget().await;
    visitor.write("¿Funciona en esta página?").await;
    visitor.wait_for_widget_text(".pronto-queue", "#1").await;
    visitor.screenshot("widget-on-hostile-page").await;

    // The page keeps its own styles, even on an element named like the widget's parts.
    let styles = visitor
        .eval(
            "return ['own', 'namesake'].map(id => {
                 const s = getComputedStyle(document.getElementById(id));
                 return [s.color, s.fontSize];
             });",
            vec![],
        )
        .await;
    assert_eq!(
        styles,
        json!([["rgb(12, 34, 56)", "13px"], ["rgb(12, 34, 56)", "13px"]])
    );
    // And nothing was added to <html> or <body>.
    let host_styles = visitor
        .eval(
            "return [document.documentElement.getAttribute('style'), document.body.getAttribute('style'),
                     document.querySelectorAll('pronto-chat').length];",
            vec![],
        )
        .await;
    assert_eq!(host_styles, json!([null, null, 1]));
    visitor.close().await;
}

/// Script tags, event handlers, `javascript:` links, SVG and frames, as a visitor or agent
/// might type them; each must show as the text it is and run nothing.
const XSS_PAYLOADS: &[&str] = &[
    "<script>window.__pwned = 'script'</script>",
    "<img src=x onerror=\"window.__pwned = 'img'\">",
    "<a href=\"javascript:window.__pwned = 'link'\">mira</a>",
    "javascript:window.__pwned = 'bare'",
    "<svg onload=\"window.__pwned = 'svg'\"><circle r=\"5\"/></svg>",
    "\"><iframe src=\"javascript:parent.__pwned = 'frame'\"></iframe>",
    "<style>* { display: none !important }</style>",
];

/// What a page shows of hostile markup: whether anything ran, which elements exist inside
/// the messages' text, and every link with its `href` and `rel`.
const INSPECT: &str = r#"
    const [scope, selector] = arguments;
    const root = scope === "page" ? document : document.querySelector("pronto-chat").shadowRoot;
    const inMessages = Array.from(root.querySelectorAll(selector));
    const tags = inMessages.flatMap(m => Array.from(m.querySelectorAll("*")).map(e => e.tagName.toLowerCase()));
    const links = inMessages.flatMap(m => Array.from(m.querySelectorAll("a")).map(a => [a.getAttribute("href"), a.getAttribute("rel")]));
    return { pwned: window.__pwned || null, tags, links };
"#;

fn assert_inert(report: &serde_json::Value, who: &str) {
    assert_eq!(
        report["pwned"],
        serde_json::Value::Null,
        "{who}: a payload ran: {report}"
    );
    for tag in report["tags"].as_array().unwrap() {
        let tag = tag.as_str().unwrap();
        assert!(
            !["script", "img", "svg", "iframe", "style", "circle"].contains(&tag),
            "{who}: a payload became a <{tag}> element: {report}"
        );
    }
    for link in report["links"].as_array().unwrap() {
        let href = link[0].as_str().unwrap_or_default();
        let rel = link[1].as_str().unwrap_or_default();
        assert!(
            href.starts_with("https://") || href.starts_with("http://"),
            "{who}: {href}"
        );
        for needed in ["noopener", "noreferrer", "nofollow"] {
            assert!(
                rel.split_whitespace().any(|r| r == needed),
                "{who}: rel={rel:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_from_either_side_is_shown_as_text_and_runs_nothing() {
    let pronto = Pronto::start().await;
    let shop = Storefront::start(&pronto, vec![("/", String::new(), SHOP_PAGE.into())]).await;
    let mut browsers = Browsers::start().await;
    let visitor = browsers.person().await;
    let agent = browsers.person().await;

    visitor.goto(&shop.url("/")).await;
    visitor.open_widget().await;
    visitor.write("Hola").await;
    sign_in(&agent, &pronto).await;
    agent
        .click_in_row_once_shown("li.queue-entry", "Hola", "button.take")
        .await;
    agent.page("textarea.composer").await;

    let link = "Mira https://tienda.example/ofertas?talla=42&color=<b>rojo</b>";
    for payload in XSS_PAYLOADS.iter().copied().chain([link]) {
        visitor.write(payload).await;
        let composer = agent.page("textarea.composer").await;
        agent.type_and_enter(&composer, payload).await;
    }
    // Every payload arrives on both sides, shown exactly as typed.
    let expected = 1 + 2 * (XSS_PAYLOADS.len() + 1);
    let in_widget = visitor
        .wait_for_texts("widget", ".pronto-message-text", "every payload", |t| {
            t.len() == expected
        })
        .await;
    let in_console = agent
        .wait_for_texts("page", ".message-text", "every payload", |t| {
            t.len() == expected
        })
        .await;
    for payload in XSS_PAYLOADS {
        for (side, texts) in [("widget", &in_widget), ("console", &in_console)] {
            let shown = texts.iter().filter(|t| t.as_str() == *payload).count();
            assert_eq!(
                shown, 2,
                "{side} shows {payload:?} as text, once from each side"
            );
        }
    }
    visitor.screenshot("widget-hostile-text").await;
    agent.screenshot("console-hostile-text").await;

    assert_inert(
        &visitor
            .eval(
                INSPECT,
                vec![json!("widget"), json!(".pronto-message-text")],
            )
            .await,
        "widget",
    );
    assert_inert(
        &agent
            .eval(INSPECT, vec![json!("page"), json!(".message-text")])
            .await,
        "console",
    );
    // The http link in the widget is clickable; the javascript: one is not.
    let report = visitor
        .eval(
            INSPECT,
            vec![json!("widget"), json!(".pronto-message-text")],
        )
        .await;
    let links = report["links"].as_array().unwrap();
    assert!(
        links.iter().any(|l| l[0]
            .as_str()
            .unwrap()
            .starts_with("https://tienda.example/ofertas")),
        "the https link is clickable: {report}"
    );
    visitor.close().await;
    agent.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_in_customer_finds_their_conversation_on_another_device() {
    use hmac::Mac;
    let pronto = Pronto::start().await;
    let mut browsers = Browsers::start().await;
    let owner = browsers.person().await;
    sign_in(&owner, &pronto).await;
    // The owner turns identity verification on; the shop's backend keeps the secret.
    let secret = owner
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch('/api/site/identity-secret', { method: 'POST' })
                 .then(r => r.json()).then(s => done(s.secret), e => done(String(e)));",
            vec![],
        )
        .await
        .unwrap();
    let secret = secret.as_str().expect("a secret").to_owned();
    // What the shop's backend prints into the page of a signed-in customer.
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(b"cliente-7");
    let hash: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let signed_in = format!(r#"data-user-id="cliente-7" data-user-hash="{hash}""#);
    let shop = Storefront::start_with(
        &pronto.url(""),
        vec![("/cuenta", String::new(), "<h1>Mi cuenta</h1>".into())],
        &signed_in,
    )
    .await;

    let phone = browsers.person().await;
    phone.goto(&shop.url("/cuenta")).await;
    phone.open_widget().await;
    phone.write("Pedido 1234: ¿cuándo llega?").await;

    // Later, on the laptop, the same customer opens the chat and finds the conversation.
    let laptop = browsers.person().await;
    laptop.goto(&shop.url("/cuenta")).await;
    laptop.open_widget().await;
    laptop
        .wait_for_widget_text(".pronto-message-text", "Pedido 1234")
        .await;
    laptop.write("Sigo desde el portátil").await;
    phone
        .wait_for_widget_text(".pronto-message-text", "Sigo desde el portátil")
        .await;
    laptop.screenshot("widget-identified-second-device").await;
    for person in [phone, laptop] {
        person.close().await;
    }
    owner.close().await;
}

/// What the page knows of the widget's loading: whether the page has loaded, when its `load`
/// event began, when each `.wasm` fetch began, the launchers in the widget (placeholder or
/// not), and how much the page's storage holds.
const LOADING: &str = r#"
    const nav = performance.getEntriesByType("navigation")[0];
    const wasm = performance.getEntriesByType("resource")
        .filter(e => e.name.includes(".wasm")).map(e => e.startTime);
    const root = document.querySelector("pronto-chat").shadowRoot;
    const launchers = Array.from(root.querySelectorAll("button.pronto-launcher"))
        .map(b => b.hasAttribute("data-pronto-placeholder") ? "placeholder" : "widget");
    return {
        complete: document.readyState === "complete",
        load_start: nav.loadEventStart,
        wasm,
        launchers,
        stored: localStorage.length + sessionStorage.length,
    };
"#;

/// A visitor on a storefront page whose `load` event is held back by an image from a server
/// that takes the request and never answers, until the returned listener is dropped.
async fn still_loading(
    pronto: &Pronto,
    browsers: &mut Browsers,
) -> (Person, std::net::TcpListener) {
    let stalled = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let image = format!(
        "<img alt=\"\" src=\"http://{}/product.png\">",
        stalled.local_addr().unwrap()
    );
    let shop = Storefront::start(pronto, vec![("/slow", String::new(), image)]).await;
    let visitor = browsers.impatient_person().await;
    visitor.goto(&shop.url("/slow")).await;
    (visitor, stalled)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_loader_draws_the_launcher_and_fetches_the_widget_only_after_the_page_has_loaded() {
    let pronto = Pronto::start().await;
    let mut browsers = Browsers::start().await;
    let (visitor, stalled) = still_loading(&pronto, &mut browsers).await;

    // The launcher is there, drawn by the loader, while the page is still loading; even a
    // visitor reaching for it fetches nothing yet.
    let placeholder = visitor
        .widget("button.pronto-launcher[data-pronto-placeholder]")
        .await;
    let size = placeholder.rectangle().await.unwrap();
    assert!(size.2 >= 40.0 && size.3 >= 40.0, "launcher is {size:?}");
    visitor
        .eval(
            "document.querySelector('pronto-chat').shadowRoot.querySelector('button').focus()",
            vec![],
        )
        .await;
    let before = visitor.eval(LOADING, vec![]).await;
    assert_eq!(before["complete"], json!(false), "{before}");
    assert_eq!(before["wasm"], json!([]), "{before}");
    assert_eq!(before["launchers"], json!(["placeholder"]), "{before}");
    visitor.screenshot("loader-placeholder-launcher").await;

    // The page finishes loading (the image fails); the widget arrives and takes the
    // placeholder's place, and nothing was stored for a visitor who has not used the chat.
    drop(stalled);
    visitor.widget(WIDGET_LAUNCHER).await;
    let after = visitor.eval(LOADING, vec![]).await;
    let load_start = after["load_start"].as_f64().unwrap();
    let wasm = after["wasm"].as_array().unwrap();
    assert_eq!(wasm.len(), 1, "{after}");
    assert!(
        wasm[0].as_f64().unwrap() >= load_start,
        "the WebAssembly was fetched before the page's load event: {after}"
    );
    assert_eq!(after["launchers"], json!(["widget"]), "{after}");
    assert_eq!(after["stored"], json!(0), "{after}");

    // Pressing the launcher opens the panel with focus in it.
    visitor.open_widget().await;
    let focused = visitor
        .eval(
            "return document.querySelector('pronto-chat').shadowRoot.activeElement?.className",
            vec![],
        )
        .await;
    assert!(
        focused
            .as_str()
            .unwrap_or_default()
            .contains("pronto-input"),
        "focus is on {focused}"
    );
    visitor.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pressing_the_placeholder_launcher_opens_the_chat_once_the_widget_has_loaded() {
    let pronto = Pronto::start().await;
    let mut browsers = Browsers::start().await;
    let (visitor, stalled) = still_loading(&pronto, &mut browsers).await;

    // A visitor who presses before the page has loaded gets the chat as soon as it has.
    visitor
        .widget("button.pronto-launcher[data-pronto-placeholder]")
        .await
        .click()
        .await
        .unwrap();
    drop(stalled);
    visitor.widget(".pronto-panel").await;
    let input = visitor.widget("textarea.pronto-input").await;
    visitor
        .type_and_enter(&input, "Hola, ¿tienen talla 42?")
        .await;
    visitor
        .wait_for_widget_text(".pronto-message-text", "Hola, ¿tienen talla 42?")
        .await;
    visitor.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_works_under_a_strict_content_security_policy() {
    let pronto = Pronto::start().await;
    let server = pronto.url("");
    let socket = server.replace("http://", "ws://");
    // What a careful shop serves: no inline script or style, no eval, scripts and styles
    // only from itself and Pronto, connections only to Pronto (its WebSocket named too:
    // browsers do not all take `http://host` to cover `ws://host`).
    let head = format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         script-src 'self' {server} 'wasm-unsafe-eval'; style-src 'self' {server}; \
         connect-src {server} {socket}; img-src 'self'\">\
         <script src=\"/watch-csp.js\"></script>"
    );
    let shop = Storefront::start(&pronto, vec![("/strict", head, String::new())]).await;
    let mut browsers = Browsers::start().await;
    let visitor = browsers.person().await;
    visitor.goto(&shop.url("/strict")).await;

    visitor.open_widget().await;
    visitor.write("¿Funciona con una política estricta?").await;
    visitor.wait_for_widget_text(".pronto-queue", "#1").await;
    visitor.screenshot("widget-under-strict-csp").await;
    let violations = visitor.eval("return window.__violations", vec![]).await;
    assert_eq!(
        violations,
        json!([]),
        "the policy blocked part of the widget"
    );
    visitor.close().await;
}

/// For each `[selector, property]` in the widget: that colour property (`color`,
/// `borderTopColor`…) and the background colour as the browser computed them, and their WCAG
/// contrast ratio (colours resolved to sRGB through a canvas, so any CSS
/// colour syntax counts as the browser renders it).
const CONTRAST: &str = r#"
    const root = document.querySelector("pronto-chat").shadowRoot;
    const canvas = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
    const rgb = colour => {
        canvas.clearRect(0, 0, 1, 1);
        canvas.fillStyle = colour;
        canvas.fillRect(0, 0, 1, 1);
        return Array.from(canvas.getImageData(0, 0, 1, 1).data).slice(0, 3);
    };
    const channel = v => (v /= 255) <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    const ratio = (a, b) => {
        const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
        return (hi + 0.05) / (lo + 0.05);
    };
    return arguments[0].map(([selector, property]) => {
        const style = getComputedStyle(root.querySelector(selector));
        const text = rgb(style[property]), background = rgb(style.backgroundColor);
        return { selector, property, text, background, ratio: ratio(text, background) };
    });
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_accent_colour_gets_readable_text_and_the_widget_can_sit_on_the_left() {
    let pronto = Pronto::start().await;
    let mut browsers = Browsers::start().await;
    let visitor = browsers.person().await;
    // Light, dark and the awkward middle: yellow, navy, a mid grey, an orange, a pale teal.
    for accent in ["#ffd400", "#0b3d91", "#777777", "#e4572e", "#7fdbda"] {
        let shop = Storefront::start_with(
            &pronto.url(""),
            vec![("/", String::new(), String::new())],
            &format!("data-accent=\"{accent}\" data-position=\"left\""),
        )
        .await;
        visitor.goto(&shop.url("/")).await;
        let launcher = visitor.widget(WIDGET_LAUNCHER).await;
        let (x, _, width, _) = launcher.rectangle().await.unwrap();
        assert!(
            x + width < 200.0,
            "{accent}: the launcher is not on the left (x = {x})"
        );
        visitor.open_widget().await;
        // Colours fade in (the panel, the composer's focus ring): measure them settled.
        visitor.wait_until_still().await;
        let report = visitor
            .eval(
                CONTRAST,
                vec![json!([
                    [".pronto-launcher", "color"],
                    [".pronto-header", "color"],
                    // The composer has focus once the panel opens; its ring is on white.
                    ["textarea.pronto-input", "borderTopColor"],
                ])],
            )
            .await;
        eprintln!("accent {accent}: {report}");
        for part in report.as_array().unwrap() {
            // Text needs 4.5:1 (WCAG 1.4.3), a focus indicator 3:1 (1.4.11).
            let needed = if part["property"] == "color" {
                4.5
            } else {
                3.0
            };
            assert!(
                part["ratio"].as_f64().unwrap() >= needed,
                "{accent}: below WCAG AA: {part}"
            );
        }
        if accent == "#ffd400" {
            visitor.screenshot("widget-left-yellow-accent").await;
        }
    }
    visitor.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_open_starts_the_chat_open_without_taking_focus_or_storing_anything() {
    let pronto = Pronto::start().await;
    let shop = Storefront::start_with(
        &pronto.url(""),
        vec![("/", String::new(), "<input id=\"search\" autofocus>".into())],
        "data-open",
    )
    .await;
    let mut browsers = Browsers::start().await;
    let visitor = browsers.person().await;
    visitor.goto(&shop.url("/")).await;
    visitor.widget(".pronto-panel").await;
    let state = visitor
        .eval(
            "return [document.activeElement.id, localStorage.length + sessionStorage.length]",
            vec![],
        )
        .await;
    assert_eq!(
        state,
        json!(["search", 0]),
        "focus moved or something was stored"
    );

    // The visitor writes: now it connects, queues and remembers them.
    visitor.write("Hola, ¿hacen envíos a Canarias?").await;
    visitor.wait_for_widget_text(".pronto-queue", "#1").await;
    visitor.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone_the_chat_takes_the_whole_screen_and_typing_does_not_zoom() {
    let pronto = Pronto::start().await;
    let shop = Storefront::start(&pronto, vec![("/", String::new(), String::new())]).await;
    let mut browsers = Browsers::start().await;
    let visitor = browsers.person().await;
    visitor.resize(390, 844).await;
    visitor.goto(&shop.url("/")).await;
    visitor.open_widget().await;
    visitor.write("Hola desde el móvil").await;
    visitor.wait_for_widget_text(".pronto-queue", "#1").await;
    // The panel grows in with a short animation: measure once it has settled.
    visitor.wait_until_still().await;
    let layout = visitor
        .eval(
            "const root = document.querySelector('pronto-chat').shadowRoot;
             const panel = root.querySelector('.pronto-panel').getBoundingClientRect();
             const input = getComputedStyle(root.querySelector('textarea.pronto-input'));
             return {
                 viewport: [innerWidth, innerHeight],
                 panel: [panel.left, panel.top, panel.width, panel.height],
                 input_font_px: parseFloat(input.fontSize),
             };",
            vec![],
        )
        .await;
    let (width, height) = (&layout["viewport"][0], &layout["viewport"][1]);
    assert_eq!(layout["panel"], json!([0, 0, width, height]), "{layout}");
    // iOS zooms into inputs whose text is smaller than 16px.
    assert!(
        layout["input_font_px"].as_f64().unwrap() >= 16.0,
        "{layout}"
    );
    visitor.screenshot("widget-phone-chatting").await;
    visitor.close().await;
}

/// How many visitor sockets the server has open, from its `/metrics`.
async fn visitor_sockets(pronto: &Pronto) -> String {
    pronto_testkit::client::get_text(&pronto.url("/metrics"))
        .await
        .lines()
        .find_map(|line| line.strip_prefix("pronto_sockets{side=\"visitor\"} "))
        .unwrap_or_default()
        .to_owned()
}

async fn until_visitor_sockets(pronto: &Pronto, count: &str) {
    let deadline = std::time::Instant::now() + pronto_e2e::PATIENCE;
    while visitor_sockets(pronto).await != count {
        assert!(
            std::time::Instant::now() < deadline,
            "never {count} visitor sockets"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_who_leaves_the_page_lets_the_socket_go_and_finds_the_chat_on_coming_back() {
    // A page kept for the Back button must not look present to the server, which would then
    // not e-mail the visitor the replies they miss.
    let (pronto, _shop, _browsers, visitor) = a_shopper_wrote("¿Tienen la talla 42?").await;
    until_visitor_sockets(&pronto, "1").await;
    visitor.goto("about:blank").await;
    until_visitor_sockets(&pronto, "0").await;
    let _agent = agent_answers_next(&pronto, "Sí, en negro y en blanco.").await;
    visitor.eval("history.back()", vec![]).await;
    visitor
        .wait_for_widget_text(".pronto-message-text", "Sí, en negro y en blanco.")
        .await;
    until_visitor_sockets(&pronto, "1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tag_manager_adding_the_script_again_after_load_still_makes_one_working_widget() {
    let pronto = Pronto::start().await;
    let head = "<script src=\"/tag-manager.js\"></script>".to_owned();
    let shop = Storefront::start(&pronto, vec![("/gtm", head, String::new())]).await;
    let mut browsers = Browsers::start().await;
    let visitor = browsers.person().await;
    visitor.goto(&shop.url("/gtm")).await;

    // Wait until the tag manager's copy of the script has run.
    visitor
        .wait_until(
            "the tag manager's script",
            "return window.__injected === true",
            vec![],
        )
        .await;
    visitor.widget(WIDGET_LAUNCHER).await;
    let count = visitor
        .eval(
            "return [document.querySelectorAll('pronto-chat').length,
                     document.querySelector('pronto-chat').shadowRoot
                         .querySelectorAll('button.pronto-launcher').length]",
            vec![],
        )
        .await;
    assert_eq!(count, json!([1, 1]), "one widget, one launcher");
    visitor.open_widget().await;
    visitor.write("¿Me oyen una sola vez?").await;
    visitor.wait_for_widget_text(".pronto-queue", "#1").await;
    visitor.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_script_tag_works_from_the_head_before_the_body_exists() {
    let pronto = Pronto::start().await;
    // A blocking tag in <head> runs before the parser has made <body>.
    let head = SCRIPT_IN_HEAD.to_owned();
    let body = "<main><h1>Zapatillas</h1></main>".to_owned();
    let shop = Storefront::start_with(&pronto.url(""), vec![("/head", head, body)], "").await;
    let mut browsers = Browsers::start().await;
    let visitor = browsers.person().await;
    visitor.goto(&shop.url("/head")).await;
    visitor.open_widget().await;
    visitor.write("Hola desde una etiqueta en head").await;
    visitor.wait_for_widget_text(".pronto-queue", "#1").await;
    let placed = visitor
        .eval(
            "return [document.querySelectorAll('pronto-chat').length,
                     document.querySelector('pronto-chat').parentElement.tagName]",
            vec![],
        )
        .await;
    assert_eq!(placed, json!([1, "BODY"]));
    visitor.close().await;
}

/// A server, a storefront, the browsers, and a shopper there who opened the chat and wrote
/// `text`.
async fn a_shopper_wrote(text: &str) -> (Pronto, Storefront, Browsers, Person) {
    let pronto = Pronto::start().await;
    let shop = Storefront::start(&pronto, vec![("/", String::new(), SHOP_PAGE.into())]).await;
    let mut browsers = Browsers::start().await;
    let visitor = browsers.person().await;
    visitor.goto(&shop.url("/")).await;
    visitor.open_widget().await;
    visitor.write(text).await;
    (pronto, shop, browsers, visitor)
}

/// An agent signs in, takes the visitor who has waited longest and answers `text`; returns
/// the agent's socket, to keep it open.
async fn agent_answers_next(pronto: &Pronto, text: &str) -> pronto_e2e::AgentSocket {
    let (mut agent, conversation) = agent_takes_next(pronto).await;
    agent
        .send(&pronto_testkit::client::reply(conversation.id, text))
        .await;
    agent
}

/// The demo agent signs in and takes the visitor who has waited longest.
async fn agent_takes_next(
    pronto: &Pronto,
) -> (
    pronto_e2e::AgentSocket,
    pronto_protocol::agent::AgentConversation,
) {
    let mut agent = agent_signs_in(pronto).await;
    let conversation = pronto_testkit::client::take_next(&mut agent).await;
    (agent, conversation)
}

/// The demo agent signs in and opens the console's socket.
async fn agent_signs_in(pronto: &Pronto) -> pronto_e2e::AgentSocket {
    use pronto_testkit::client::{agent_socket, sign_in};
    let cookie = sign_in(
        pronto.addr,
        pronto_server::demo::AGENT_EMAIL,
        pronto_server::demo::AGENT_PASSWORD,
    )
    .await;
    agent_socket(pronto.addr, &cookie).await
}

/// Waits until focus is on `selector` in the widget.
async fn focus_comes_to(visitor: &Person, selector: &str) {
    visitor
        .wait_until(
            &format!("focus on {selector}"),
            "const root = document.querySelector('pronto-chat').shadowRoot;\n\
             return root.activeElement == root.querySelector(arguments[0]);",
            vec![json!(selector)],
        )
        .await;
}

/// The page's events so far, as `[how, name, detail]` (see `/uses-the-api.js`).
const EVENTS: &str = "return window.__events";

/// Waits until the page heard `name` both ways (a `Pronto('on', …)` listener and a DOM
/// event) with a detail for which `check` holds (true for events without one).
async fn heard(visitor: &Person, name: &str, check: &str) {
    let script = format!(
        "const [name] = arguments;\n\
         const ok = d => {{ {check} }};\n\
         const heard = how => window.__events.some(([h, n, d]) => h == how && n == name && ok(d));\n\
         return heard('on') && heard('dom');"
    );
    visitor
        .wait_until(
            &format!("the page hearing {name}"),
            &script,
            vec![json!(name)],
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_drives_the_widget_through_its_javascript_api_and_hears_its_events() {
    let pronto = Pronto::start().await;
    // The page asks for the chat open before the widget's script has even loaded.
    let shop = Storefront::start(
        &pronto,
        vec![(
            "/",
            "<script src=\"/uses-the-api.js\"></script>\
             <script src=\"/open-early.js\"></script>"
                .into(),
            "<input id=\"search\" autofocus>".into(),
        )],
    )
    .await;
    let mut browsers = Browsers::start().await;
    let visitor = browsers.person().await;
    visitor.goto(&shop.url("/")).await;

    visitor.widget(".pronto-panel").await;
    heard(&visitor, "ready", "return true").await;
    heard(&visitor, "open", "return true").await;
    let focus = visitor
        .eval("return document.activeElement.id", vec![])
        .await;
    assert_eq!(
        focus,
        json!("search"),
        "a page's open took the visitor's focus"
    );

    // Language switch: everything on screen is now Portuguese.
    visitor.eval("Pronto('locale', 'pt')", vec![]).await;
    visitor
        .wait_for_widget_text(".pronto-greeting", "Olá! Como podemos ajudar?")
        .await;
    let labels = visitor
        .eval(
            "const root = document.querySelector('pronto-chat').shadowRoot;\n\
             return [root.querySelector('.pronto-root').lang,\n\
                     root.querySelector('textarea').placeholder,\n\
                     root.querySelector('.pronto-launcher').getAttribute('aria-label')]",
            vec![],
        )
        .await;
    assert_eq!(labels, json!(["pt", "Escreva uma mensagem…", "Abrir chat"]));
    // A language the widget does not speak changes nothing.
    visitor.eval("Pronto('locale', 'klingon')", vec![]).await;
    visitor
        .wait_for_widget_text(".pronto-greeting", "Olá! Como podemos ajudar?")
        .await;

    // The page says who the visitor is; a bad address is refused, whole, with a clear reason.
    let refused = visitor
        .eval(
            "const said = [];\n\
             const error = console.error;\n\
             console.error = (message) => said.push(String(message));\n\
             Pronto('identify', {name: 'Outra Pessoa', email: 'joana arroba loja'});\n\
             console.error = error;\n\
             return said;",
            vec![],
        )
        .await;
    assert!(
        refused.to_string().contains("someone@example.com"),
        "a bad e-mail address was not refused clearly: {refused}"
    );
    visitor
        .eval(
            "Pronto('identify', {name: 'Joana Silva', email: 'joana@loja.pt'})",
            vec![],
        )
        .await;

    visitor.write("Olá, vocês entregam em Porto?").await;
    heard(
        &visitor,
        "message",
        "return d.author == 'visitor' && d.text == 'Olá, vocês entregam em Porto?' && d.seq == 1",
    )
    .await;
    heard(&visitor, "queue", "return d.position == 1").await;

    visitor.eval("Pronto('close')", vec![]).await;
    visitor.wait_until_gone(".pronto-panel").await;
    heard(&visitor, "close", "return true").await;

    // An agent takes the chat, knowing who it is, and answers while the chat is closed: the
    // page hears the message and the unread count.
    let (mut agent, conversation) = agent_takes_next(&pronto).await;
    assert_eq!(conversation.visitor, "Joana Silva");
    assert_eq!(conversation.visitor_email.as_deref(), Some("joana@loja.pt"));
    agent
        .send(&pronto_testkit::client::reply(
            conversation.id,
            "Sim, em 48 horas.",
        ))
        .await;
    heard(
        &visitor,
        "message",
        "return d.author == 'agent' && d.text == 'Sim, em 48 horas.' && d.name.length > 0",
    )
    .await;
    heard(&visitor, "unread", "return d.count == 1").await;

    // Toggle opens it again.
    visitor.eval("Pronto('toggle')", vec![]).await;
    visitor.widget(".pronto-panel").await;
    heard(&visitor, "unread", "return d.count == 0").await;
    let opens = visitor
        .eval(
            "return window.__events.filter(([h, n]) => h == 'on' && n == 'open').length",
            vec![],
        )
        .await;
    assert_eq!(opens, json!(2), "{:?}", visitor.eval(EVENTS, vec![]).await);
    visitor.close().await;
}

/// axe-core on the widget as it is now, in the light and the dark scheme; the violations
/// found, each prefixed with `state`.
async fn axe_both_schemes(visitor: &Person, state: &str) -> Vec<String> {
    let mut found = Vec::new();
    for theme in ["light", "dark"] {
        visitor
            .eval(
                "document.querySelector('pronto-chat').setAttribute('data-theme', arguments[0])",
                vec![json!(theme)],
            )
            .await;
        // Axe waits for the widget to stand still itself.
        found.extend(
            visitor
                .accessibility_violations()
                .await
                .into_iter()
                .map(|violation| format!("{state}, {theme}: {violation}")),
        );
        visitor.screenshot(&format!("widget-{state}-{theme}")).await;
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_finds_nothing_wrong_in_any_state_light_or_dark() {
    let mut pronto = Pronto::start().await;
    let shop = Storefront::start(&pronto, vec![("/", String::new(), SHOP_PAGE.into())]).await;
    let mut browsers = Browsers::start().await;
    let visitor = browsers.person().await;
    visitor.goto(&shop.url("/")).await;
    let mut violations = Vec::new();

    visitor.widget(WIDGET_LAUNCHER).await;
    violations.extend(axe_both_schemes(&visitor, "closed").await);

    visitor.open_widget().await;
    violations.extend(axe_both_schemes(&visitor, "open").await);

    visitor.write("¿Tienen la talla 42?").await;
    visitor.wait_for_widget_text(".pronto-queue", "#1").await;
    violations.extend(axe_both_schemes(&visitor, "queued").await);

    let _agent = agent_answers_next(&pronto, "Sí, quedan dos pares.").await;
    visitor
        .wait_for_widget_text(".pronto-message-text", "Sí, quedan dos pares.")
        .await;
    violations.extend(axe_both_schemes(&visitor, "chatting").await);

    // The server goes away: the widget says it is reconnecting, and keeps what is typed.
    pronto.stop().await;
    visitor
        .wait_for_widget_text(".pronto-status-line", "Reconnecting")
        .await;
    let input = visitor.widget("textarea.pronto-input").await;
    visitor.type_and_enter(&input, "¿Siguen ahí?").await;
    visitor
        .wait_for_widget_text(".pronto-message-status", "Sending")
        .await;
    violations.extend(axe_both_schemes(&visitor, "offline").await);
    // Times are written as each language writes them.
    const TIMES_MATCH: &str = "const root = document.querySelector('pronto-chat').shadowRoot;\n\
         const times = [...root.querySelectorAll('.pronto-message-time')].map(t => t.textContent);\n\
         return times.length > 0 && times.every(t => new RegExp(arguments[0]).test(t));";
    visitor
        .wait_until(
            "times like 4:58 PM",
            TIMES_MATCH,
            vec![json!("^\\d{1,2}:\\d{2}\\s[AP]M$")],
        )
        .await;
    // And in Spanish.
    visitor.eval("Pronto('locale', 'es')", vec![]).await;
    visitor
        .wait_for_widget_text(".pronto-status-line", "Reconectando")
        .await;
    visitor
        .wait_until(
            "times like 16:58 (or 9:05: no AM/PM)",
            TIMES_MATCH,
            vec![json!("^\\d{1,2}:\\d{2}$")],
        )
        .await;
    violations.extend(axe_both_schemes(&visitor, "offline-es").await);

    assert!(
        violations.is_empty(),
        "axe-core found:\n{}",
        violations.join("\n")
    );
    visitor.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyboard_alone_opens_the_chat_sends_a_message_and_closes_it() {
    let pronto = Pronto::start().await;
    let shop = Storefront::start(
        &pronto,
        vec![("/", String::new(), "<input id=\"search\" autofocus>".into())],
    )
    .await;
    let mut browsers = Browsers::start().await;
    let visitor = browsers.person().await;
    visitor.goto(&shop.url("/")).await;
    visitor.widget(WIDGET_LAUNCHER).await;
    assert_eq!(visitor.focused().await, "input.#search");

    // Tab reaches the launcher (the last thing on the page), Enter opens the chat and puts
    // the keyboard in the composer.
    visitor.press("\u{E004}").await;
    assert!(
        visitor
            .focused()
            .await
            .starts_with("button.pronto-launcher"),
        "Tab went to {}",
        visitor.focused().await
    );
    visitor.press("\u{E007}").await;
    visitor.widget(".pronto-panel").await;
    focus_comes_to(&visitor, "textarea.pronto-input").await;

    // Shift+Enter starts a new line; Enter sends.
    visitor.press("Hola").await;
    let shift_enter = {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: '\u{E008}' })
            .then(KeyAction::Down { value: '\u{E007}' })
            .then(KeyAction::Up { value: '\u{E007}' })
            .then(KeyAction::Up { value: '\u{E008}' })
    };
    visitor.client.perform_actions(shift_enter).await.unwrap();
    visitor.press("¿envían a Lima?\u{E007}").await;
    visitor
        .wait_until(
            "the two-line message on screen",
            "const root = document.querySelector('pronto-chat').shadowRoot;\n\
             return [...root.querySelectorAll('.pronto-message-text')]\n\
               .some(m => m.textContent == 'Hola\\n¿envían a Lima?');",
            vec![],
        )
        .await;
    visitor.wait_for_widget_text(".pronto-queue", "#1").await;

    // Escape closes it and gives the keyboard back to the launcher.
    visitor.press("\u{E00C}").await;
    visitor.wait_until_gone(".pronto-panel").await;
    focus_comes_to(&visitor, ".pronto-launcher").await;
    visitor.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tabs_of_one_visitor_show_the_same_conversation_as_it_happens() {
    let (pronto, shop, _browsers, visitor) = a_shopper_wrote("Primera pestaña").await;
    let first = visitor.client.window().await.unwrap();

    // The same visitor opens the shop in a second tab: the conversation is there.
    let second = visitor.client.new_window(true).await.unwrap().handle;
    visitor
        .client
        .switch_to_window(second.clone())
        .await
        .unwrap();
    visitor.goto(&shop.url("/")).await;
    visitor.open_widget().await;
    visitor
        .wait_for_widget_text(".pronto-message-text", "Primera pestaña")
        .await;
    visitor.write("Segunda pestaña").await;

    // The agent's answer reaches both; what the second tab sent shows in the first.
    let _agent = agent_answers_next(&pronto, "Hola a las dos").await;
    visitor
        .wait_for_widget_text(".pronto-message-text", "Hola a las dos")
        .await;
    visitor.client.switch_to_window(first).await.unwrap();
    for text in ["Segunda pestaña", "Hola a las dos"] {
        visitor
            .wait_for_widget_text(".pronto-message-text", text)
            .await;
    }
    visitor
        .wait_for_widget_text(".pronto-agent-name", pronto_server::demo::AGENT_NAME)
        .await;
    visitor.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_theming_page_shows_three_shops_each_themed_from_its_own_page() {
    let pronto = Pronto::start().await;
    let mut browsers = Browsers::start().await;
    let visitor = browsers.person().await;
    visitor.resize(1900, 1000).await;
    visitor.goto(&pronto.url("/demo/theming")).await;
    // (Text colours are the computed black or white, in the XYZ space the stylesheet picks
    // them in.)
    const WHITE: &str = "color(xyz-d65 0.9505 1 1.089)";
    const BLACK: &str = "color(xyz-d65 0 0 0)";
    // What each frame's widget looks like: the header's background and text colours, the
    // panel's background, where the panel sits, and the launcher's corner radius.
    const LOOKS: &str = "const root = document.querySelector('pronto-chat').shadowRoot;\n\
         const panel = root.querySelector('.pronto-panel');\n\
         const header = getComputedStyle(root.querySelector('.pronto-header'));\n\
         return [header.backgroundColor, header.color, getComputedStyle(panel).backgroundColor,\n\
                 (r => r.left + r.width / 2)(panel.getBoundingClientRect()) < innerWidth / 2 ? 'left' : 'right',\n\
                 getComputedStyle(root.querySelector('.pronto-launcher')).borderTopLeftRadius];";
    let mut looks = Vec::new();
    let mut violations = Vec::new();
    for frame in 0..3 {
        visitor.client.enter_frame(Some(frame)).await.unwrap();
        visitor.widget(".pronto-panel").await;
        visitor.wait_until_still().await;
        looks.push(visitor.eval(LOOKS, vec![]).await);
        violations.extend(
            visitor
                .accessibility_violations()
                .await
                .into_iter()
                .map(|v| format!("frame {frame}: {v}")),
        );
        visitor.client.enter_parent_frame().await.unwrap();
    }
    assert_eq!(
        looks,
        [
            // Forest: green accent with white text, light panel, on the left.
            json!([
                "rgb(31, 111, 74)",
                WHITE,
                "rgb(255, 255, 255)",
                "left",
                "50%"
            ]),
            // Night: pale gold accent with black text, dark panel.
            json!([
                "rgb(244, 201, 139)",
                BLACK,
                "rgb(28, 32, 41)",
                "right",
                "50%"
            ]),
            // Candy: its own surface, and a launcher reshaped through ::part(launcher).
            json!([
                "rgb(194, 24, 91)",
                WHITE,
                "rgb(255, 250, 252)",
                "right",
                "18px"
            ]),
        ]
    );
    assert!(
        violations.is_empty(),
        "axe-core found:\n{}",
        violations.join("\n")
    );
    visitor.screenshot("theming-page").await;
    visitor.close().await;
}

/// Milliseconds from a press of the launcher (`launcher`: the loader's placeholder or the
/// widget's own) to the composer having focus (the chat ready for typing), measured in the
/// page. Installs its listeners, presses, waits.
async fn press_to_ready_ms(visitor: &Person, launcher: &str) -> f64 {
    visitor
        .wait_until(
            "the page loaded and the launcher drawn",
            "return document.readyState == 'complete' && !!document.querySelector('pronto-chat')",
            vec![],
        )
        .await;
    visitor
        .eval(
            "const root = document.querySelector('pronto-chat').shadowRoot;\n\
             window.__timing = {};\n\
             root.addEventListener('pointerdown', () => { __timing.pressed ??= performance.now(); }, true);\n\
             root.addEventListener('focusin', e => {\n\
               if (e.composedPath()[0].matches('textarea.pronto-input')) __timing.ready ??= performance.now();\n\
             }, true);",
            vec![],
        )
        .await;
    visitor.widget(launcher).await.click().await.unwrap();
    visitor
        .wait_until(
            "the composer focused",
            "return window.__timing.ready !== undefined",
            vec![],
        )
        .await;
    let ms = visitor
        .eval("return __timing.ready - __timing.pressed", vec![])
        .await;
    ms.as_f64().expect("a duration")
}

/// `press_to_ready_ms` on `runs` first visits to `url`, each in a new browser profile.
async fn first_visits(browsers: &mut Browsers, url: &str, launcher: &str, runs: usize) -> Vec<f64> {
    let mut samples = Vec::new();
    for _ in 0..runs {
        let visitor = browsers.person().await;
        visitor.goto(url).await;
        samples.push(press_to_ready_ms(&visitor, launcher).await);
        visitor.close().await;
    }
    samples
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Run by `cargo xtask bench` (not by the test suite): ten first visits (an empty browser
/// cache) and ten visits again (the widget's files cached), each pressing the launcher once
/// the page has loaded, on a page whose browser is never idle, so that nothing of the widget
/// was fetched before the press (the worst case; usually the idle-time fetch has it ready).
/// Then ten first visits to an ordinary page, where the idle-time fetch may have run. Writes
/// the medians to `PRONTO_TIMING_OUT` as JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement; cargo xtask bench runs it"]
async fn launcher_press_to_ready_cold_and_warm() {
    const RUNS: usize = 10;
    let pronto = Pronto::start().await;
    let shop = Storefront::start(
        &pronto,
        vec![
            (
                "/",
                "<script src=\"/never-idle.js\"></script>".into(),
                SHOP_PAGE.into(),
            ),
            ("/idle", String::new(), SHOP_PAGE.into()),
        ],
    )
    .await;
    let mut browsers = Browsers::start().await;
    const PLACEHOLDER: &str = "button.pronto-launcher[data-pronto-placeholder]";
    let cold = first_visits(&mut browsers, &shop.url("/"), PLACEHOLDER, RUNS).await;
    // On an ordinary page the idle-time fetch mounts the widget first.
    let idle = first_visits(&mut browsers, &shop.url("/idle"), WIDGET_LAUNCHER, RUNS).await;
    let visitor = browsers.person().await;
    visitor.goto(&shop.url("/")).await;
    press_to_ready_ms(&visitor, PLACEHOLDER).await;
    let mut warm = Vec::new();
    for _ in 0..RUNS {
        // A new page view each time, with the browser's cache as the last one left it (and
        // the chat closed, so the press opens it).
        visitor
            .eval("sessionStorage.clear(); localStorage.clear()", vec![])
            .await;
        visitor.goto(&shop.url("/")).await;
        warm.push(press_to_ready_ms(&visitor, PLACEHOLDER).await);
    }
    visitor.close().await;
    let report = json!({
        "runs": RUNS,
        "cold_median_ms": median(cold.clone()),
        "warm_median_ms": median(warm.clone()),
        "after_idle_fetch_median_ms": median(idle.clone()),
        "cold_ms": cold,
        "warm_ms": warm,
        "after_idle_fetch_ms": idle,
    });
    println!("launcher press to ready: {report}");
    if let Some(path) = std::env::var_os("PRONTO_TIMING_OUT") {
        std::fs::write(path, report.to_string()).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_side_sees_the_other_typing_until_the_message_arrives() {
    let (pronto, _shop, mut browsers, visitor) =
        a_shopper_wrote("Hola, ¿tienen la talla 38?").await;

    let agent = browsers.person().await;
    sign_in(&agent, &pronto).await;
    agent
        .click_in_row_once_shown("li.queue-entry", "talla 38", "button.take")
        .await;
    let composer = agent.page("textarea.composer").await;

    // Taken: the header shows the agent's initial (upper-cased by the browser).
    visitor.wait_for_widget_text(".pronto-avatar", "A").await;
    // The agent types: the visitor sees who is writing.
    composer.send_keys("Déjame ver").await.unwrap();
    visitor
        .wait_for_widget_text(
            ".pronto-typing",
            &format!("{} is typing", pronto_server::demo::AGENT_NAME),
        )
        .await;
    // The visitor types: the console says so.
    let input = visitor.widget("textarea.pronto-input").await;
    input.send_keys("Es para").await.unwrap();
    agent
        .wait_for_texts("page", ".visitor-typing", "the visitor typing", |texts| {
            texts.iter().any(|t| t.contains("typing"))
        })
        .await;
    visitor.screenshot("widget-agent-typing").await;

    // Each message ends its writer's "typing" on the other side.
    composer.send_keys("\u{E007}").await.unwrap();
    visitor
        .wait_for_widget_text(".pronto-message-text", "Déjame ver")
        .await;
    visitor.wait_until_gone(".pronto-typing").await;
    input.send_keys(" mi hija\u{E007}").await.unwrap();
    agent
        .wait_for_texts("page", ".messages", "the visitor's message", |texts| {
            texts.iter().any(|t| t.contains("Es para mi hija"))
        })
        .await;
    agent
        .wait_for_texts("page", ".visitor-typing", "no one typing", |texts| {
            texts.iter().all(|t| t.trim().is_empty())
        })
        .await;

    // An agent who starts typing and walks away: "typing" lapses by itself.
    composer.send_keys("Un moment").await.unwrap();
    visitor
        .wait_for_widget_text(".pronto-typing", "is typing")
        .await;
    visitor.wait_until_gone(".pronto-typing").await;
    visitor.close().await;
    agent.close().await;
}

/// Waits until the visitor's newest message says, in words, how far it got.
async fn newest_tick_says(visitor: &Person, words: &str) {
    visitor
        .wait_until(
            &format!("the newest own message marked {words}"),
            "const root = document.querySelector('pronto-chat').shadowRoot;\n\
             const ticks = root.querySelectorAll('.pronto-message--visitor .pronto-message-check');\n\
             const newest = ticks[ticks.length - 1];\n\
             return !!newest && newest.getAttribute('aria-label') == arguments[0];",
            vec![json!(words)],
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_visitor_sees_each_message_sent_then_delivered_then_read() {
    let pronto = Pronto::start().await;
    let shop = Storefront::start(&pronto, vec![("/", String::new(), SHOP_PAGE.into())]).await;
    let mut browsers = Browsers::start().await;
    let visitor = browsers.person().await;
    visitor.goto(&shop.url("/")).await;
    visitor.open_widget().await;
    // No console is open: the panel says so, and what happens to a message.
    visitor
        .wait_for_widget_text(".pronto-availability--away", "We're away right now")
        .await;

    visitor.write("¿Tienen la talla 42?").await;
    // Stored, waiting in the queue: nobody has it yet.
    newest_tick_says(&visitor, "Sent").await;
    // An agent opens the console: nobody is away any more, and the place in line says the
    // rest (a new shop has no reply times to go by: no number, rather than a made-up one).
    let mut agent = agent_signs_in(&pronto).await;
    visitor.wait_until_gone(".pronto-availability--away").await;
    visitor.wait_for_widget_text(".pronto-queue", "#1").await;
    visitor.screenshot("widget-someone-there").await;
    // The agent takes the chat: it is on their console, and the header shows who answers.
    let conversation = pronto_testkit::client::take_next(&mut agent).await;
    newest_tick_says(&visitor, "Delivered").await;
    visitor.wait_until_gone(".pronto-availability").await;
    // The agent reads it.
    agent
        .send(&pronto_protocol::agent::AgentToServer::Read {
            conversation: conversation.id,
            seq: 1,
        })
        .await;
    newest_tick_says(&visitor, "Read").await;
    // A newer message is delivered, not read, while the older one stays read.
    visitor.write("¿Y en azul?").await;
    newest_tick_says(&visitor, "Delivered").await;
    let marks = visitor
        .eval(
            "const root = document.querySelector('pronto-chat').shadowRoot;\n\
             return [...root.querySelectorAll('.pronto-message-check')].map((t) => t.getAttribute('aria-label'));",
            vec![],
        )
        .await;
    assert_eq!(marks, json!(["Read", "Delivered"]));
    visitor.wait_until_still().await;
    visitor.screenshot("widget-read-receipts").await;
    visitor.close().await;
}

/// A visitor waiting in a shop with a history sees how long they will wait, as a range in
/// words from the estimator, in their language; the place and the range follow the line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_visitor_sees_the_expected_wait_as_a_range_in_words() {
    let pronto = Pronto::start().await;
    // The shop's morning: 30 visitors, each taken after two minutes, chats of four.
    pronto.with_history(30).await;
    let shop = Storefront::start(&pronto, vec![("/", String::new(), SHOP_PAGE.into())]).await;
    let mut agent = agent_signs_in(&pronto).await;
    let mut browsers = Browsers::start().await;
    let first = browsers.person().await;
    let second = browsers.person().await;
    first.goto(&shop.url("/")).await;
    first.open_widget().await;
    first.write("Do you ship to Chile?").await;
    let first_line = queue_line(&first, "You're #1 in line · about ").await;
    second.goto(&shop.url("/")).await;
    second.eval("Pronto('locale', 'es')", vec![]).await;
    second.open_widget().await;
    second.write("¿Hacen envíos?").await;
    let second_line = queue_line(&second, "Eres el #2 en la fila · unos ").await;
    // One agent, one chat at a time, four minutes each: the second in line waits longer.
    assert!(
        most_minutes(&first_line) < most_minutes(&second_line),
        "further back waits longer: {first_line:?}, {second_line:?}"
    );
    second.wait_until_still().await;
    second.screenshot("widget-queued-estimate-es").await;
    first.screenshot("widget-queued-estimate-en").await;
    // The first is taken: the second moves up, and is told a wait no longer than before.
    pronto_testkit::client::take_next(&mut agent).await;
    let moved_up = queue_line(&second, "Eres el #1 en la fila · unos ").await;
    assert!(most_minutes(&moved_up) <= most_minutes(&second_line));
    first.close().await;
    second.close().await;
}

/// A shop whose agents answer within minutes says so before the visitor writes, from its
/// real first replies of the week, in the visitor's language.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shop_says_how_soon_it_typically_replies_from_its_week() {
    let pronto = Pronto::start().await;
    // This morning's 30 visitors were each answered three minutes after asking.
    pronto.with_history(30).await;
    let _agent = agent_signs_in(&pronto).await;
    let shop = Storefront::start(&pronto, vec![("/", String::new(), SHOP_PAGE.into())]).await;
    let mut browsers = Browsers::start().await;
    let visitor = browsers.person().await;
    visitor.goto(&shop.url("/")).await;
    visitor.open_widget().await;
    for (locale, line) in [
        ("en", "We typically reply in about 3 min"),
        ("es", "Solemos responder en unos 3 min"),
        ("pt", "Costumamos responder em cerca de 3 min"),
    ] {
        visitor
            .eval("Pronto('locale', arguments[0])", vec![json!(locale)])
            .await;
        visitor
            .wait_for_widget_text(".pronto-availability--online", line)
            .await;
        // The panel is drawn anew in the new language and fades in: judge it once still.
        let violations = visitor.accessibility_violations().await;
        assert!(violations.is_empty(), "{locale}: {violations:?}");
    }
    visitor.wait_until_still().await;
    visitor.screenshot("widget-typical-reply").await;
    // The launcher tells it too, as its tooltip and description.
    assert_eq!(
        launcher_title(&visitor).await,
        "Costumamos responder em cerca de 3 min"
    );
    // Waiting in line, the place in line says how soon: the typical reply gives way to it.
    visitor.write("Olá, alguém aí?").await;
    visitor
        .wait_for_widget_text(".pronto-queue", "Você é o #1 na fila")
        .await;
    visitor.wait_until_gone(".pronto-availability").await;
    assert_eq!(launcher_title(&visitor).await, "");
    visitor.wait_until_still().await;
    visitor
        .screenshot("widget-queued-without-typical-reply")
        .await;
    visitor.close().await;
}

/// The launcher's `title` (empty when it has none).
async fn launcher_title(visitor: &Person) -> String {
    let title = visitor
        .eval(
            "return document.querySelector('pronto-chat').shadowRoot\
                 .querySelector('.pronto-launcher').title",
            vec![],
        )
        .await;
    title.as_str().unwrap_or_default().to_owned()
}

/// Waits for the place in line to read `start` followed by a wait in minutes ("2 min",
/// "2–4 min": whole minutes, no more precise than that) and returns the line.
async fn queue_line(visitor: &Person, start: &str) -> String {
    visitor.wait_for_widget_text(".pronto-queue", start).await;
    let line = visitor.texts("widget", ".pronto-queue").await.join("");
    let wait = line
        .strip_prefix(start)
        .unwrap_or_else(|| panic!("{line:?} starts with {start:?}"));
    let numbers = wait
        .strip_suffix(" min")
        .unwrap_or_else(|| panic!("{wait:?} in minutes"));
    assert!(
        numbers.split('–').all(|n| n.parse::<u32>().is_ok()),
        "{wait:?} is whole minutes"
    );
    line
}

/// The upper end of "about 2–4 min": the last number in the line.
fn most_minutes(line: &str) -> u32 {
    line.split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .next_back()
        .expect("a number of minutes")
}

/// While the shop is closed, "(in 3 minutes)" counts down as the visitor reads, without
/// anything else happening.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_shop_counts_down_to_its_opening() {
    let pronto = Pronto::start().await;
    // Open for a minute, starting at the minute three minutes from now (UTC): the line first
    // says "in 3 minutes" (between 2½ and 3 away), then, a minute on, "in 2 minutes".
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let opens = now / 60 + 3;
    let (day, minute) = (opens / 1_440, opens % 1_440);
    let clock = |minute: u64| format!("{:02}:{:02}", minute / 60, minute % 60);
    // 1970-01-01 was a Thursday; Monday is 0.
    let weekday = ((day + 3) % 7) as usize;
    open_only(&pronto, weekday, clock(minute), clock(minute + 1)).await;

    let shop = Storefront::start(&pronto, vec![("/", String::new(), SHOP_PAGE.into())]).await;
    let mut browsers = Browsers::start().await;
    let visitor = browsers.person().await;
    visitor.goto(&shop.url("/")).await;
    visitor.open_widget().await;
    // Slow start (3 minutes already rounds to 2 past 2½): only the countdown matters.
    let first = visitor
        .wait_for_texts(
            "widget",
            ".pronto-availability",
            "(in 2 or 3 minutes)",
            |t| {
                t.iter()
                    .any(|t| t.contains("(in 3 minutes)") || t.contains("(in 2 minutes)"))
            },
        )
        .await
        .join("");
    let later = if first.contains("(in 3 minutes)") {
        "(in 2 minutes)"
    } else {
        "(in 1 minute)"
    };
    // Redrawn once a minute: give it a little more than that.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(75);
    loop {
        let line = visitor
            .texts("widget", ".pronto-availability")
            .await
            .join("");
        if line.contains(later) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{line:?} never said {later:?} (it said {first:?})"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    visitor.screenshot("widget-closed-counting-down").await;
    visitor.close().await;
}

/// A shop closed by its opening hours says when it opens again, in the visitor's clock and
/// words, and that a message left now will be answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shop_closed_by_its_hours_says_when_it_opens_again() {
    let pronto = Pronto::start().await;
    // Open one hour a week, 09:00–10:00 on the day three days from now (UTC, as the test
    // machine's clock and so the browser's): closed now.
    let today = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86_400;
    // 1970-01-01 was a Thursday; Monday is 0.
    let weekday = ((today + 3 + 3) % 7) as usize;
    open_only(&pronto, weekday, "09:00".into(), "10:00".into()).await;

    let shop = Storefront::start(&pronto, vec![("/", String::new(), SHOP_PAGE.into())]).await;
    let mut browsers = Browsers::start().await;
    let visitor = browsers.person().await;
    visitor.goto(&shop.url("/")).await;
    visitor.open_widget().await;
    let day = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ][weekday];
    let opens = format!("We're closed now. We open again on {day} at 9:00 AM (in ");
    visitor
        .wait_for_widget_text(".pronto-availability--away", &opens)
        .await;
    let line = visitor
        .texts("widget", ".pronto-availability")
        .await
        .join("");
    assert!(
        line.ends_with(" days). Leave a message and we'll reply here."),
        "{line:?}"
    );
    assert!(visitor.accessibility_violations().await.is_empty());
    visitor.screenshot("widget-closed-by-hours").await;
    visitor.close().await;
}

/// Sets the demo shop's hours, as its owner, to one interval a week in UTC (the test
/// machine's clock, and so the browser's): `weekday` 0 is Monday.
async fn open_only(pronto: &Pronto, weekday: usize, opens: String, closes: String) {
    use pronto_protocol::agent::{OpenInterval, OpeningHours, Week};
    let mut week = Week::default();
    let days = [
        &mut week.mon,
        &mut week.tue,
        &mut week.wed,
        &mut week.thu,
        &mut week.fri,
        &mut week.sat,
        &mut week.sun,
    ];
    *days.into_iter().nth(weekday).expect("a weekday") = vec![OpenInterval { opens, closes }];
    let owner = pronto_testkit::client::sign_in(
        pronto.addr,
        pronto_server::demo::AGENT_EMAIL,
        pronto_server::demo::AGENT_PASSWORD,
    )
    .await;
    let hours = OpeningHours {
        time_zone: "UTC".into(),
        week,
        holidays: Vec::new(),
    };
    pronto_testkit::client::set_opening_hours(pronto.addr, &owner, Some(hours)).await;
}
