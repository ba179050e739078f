//! Nothing is ever lost: a visitor and an agent, each at their own Chromium, chat through a
//! proxy that drops, stalls and cuts their connections, while the server is killed with
//! SIGKILL and started again twice. Both end with exactly the same messages, each once, each
//! side's in the order it sent them.
//!
//! `PRONTO_CHAOS_MESSAGES` sets how many messages each side sends (40 by default; `cargo xtask
//! bench` sends 500), `PRONTO_CHAOS_SEED` the seed of the proxy's faults.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use pronto_e2e::chaos::{ChaosProxy, FaultRates};
use pronto_e2e::process::ServerProcess;
use pronto_e2e::{Browsers, Person, Storefront, WIDGET_LAUNCHER};
use serde_json::{Value, json};

const DEFAULT_MESSAGES: usize = 40;
const DEFAULT_SEED: u64 = 20_260_509;
/// How long a page may show neither the widget nor the console before the person reloads.
const RELOAD_AFTER: Duration = Duration::from_secs(10);
/// Getting the visitor to write and the agent to take them, on this network.
const SETUP_PATIENCE: Duration = Duration::from_secs(120);
/// Each message's text is found again and typed within this, or the test gives up.
const TYPING_PATIENCE: Duration = Duration::from_secs(60);

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(raw) => raw
            .parse()
            .unwrap_or_else(|_| panic!("{name}={raw:?} is not a valid value")),
        Err(_) => default,
    }
}

/// The visitor's message number `n` ("v-0001"), or the agent's ("a-0001").
fn numbered(side: char, n: usize) -> String {
    format!("{side}-{n:04}")
}

/// Every message text, and how many are still on their way or refused, in the widget's
/// shadow root (`arguments[0]` = "widget") or in the console's page ("page").
const CONVERSATION: &str = r#"
    const [scope, text, unsettled] = arguments;
    const root = scope === "page"
        ? document
        : (document.querySelector("pronto-chat") || {}).shadowRoot;
    if (!root) return null;
    return {
        texts: Array.from(root.querySelectorAll(text)).map(e => e.innerText.trim()),
        unsettled: root.querySelectorAll(unsettled).length,
    };
"#;

/// One side of the chat as its screen shows it.
struct Side {
    scope: &'static str,
    text: &'static str,
    unsettled: &'static str,
    input: &'static str,
}

const WIDGET: Side = Side {
    scope: "widget",
    text: ".pronto-message-text",
    unsettled: ".pronto-message--sending, .pronto-message--failed",
    input: "textarea.pronto-input",
};

const CONSOLE: Side = Side {
    scope: "page",
    text: ".message-text",
    unsettled: ".message--sending, .message--failed",
    input: "textarea.composer",
};

/// What a side's screen shows: its messages, and how many are not stored yet.
async fn conversation(person: &Person, side: &Side) -> (Vec<String>, usize) {
    let seen = person
        .client
        .execute(
            CONVERSATION,
            vec![json!(side.scope), json!(side.text), json!(side.unsettled)],
        )
        .await
        .unwrap_or(Value::Null);
    let texts = serde_json::from_value(seen["texts"].clone()).unwrap_or_default();
    let unsettled = seen["unsettled"].as_u64().unwrap_or(u64::MAX);
    (texts, usize::try_from(unsettled).unwrap_or(usize::MAX))
}

/// The visitor opens the storefront and the chat, reloading when the page does not come up.
/// Returns how many times the page was loaded.
async fn open_widget(visitor: &Person, url: &str) -> u32 {
    let deadline = Instant::now() + SETUP_PATIENCE;
    let mut loads = 0;
    loop {
        assert!(Instant::now() < deadline, "the widget never opened");
        visitor.try_goto(url).await;
        loads += 1;
        // The panel stays open across reloads, so it may be open already.
        if visitor
            .wait_shown("widget", WIDGET.input, Duration::ZERO)
            .await
            .is_some()
        {
            return loads;
        }
        let Some(launcher) = visitor
            .wait_shown("widget", WIDGET_LAUNCHER, RELOAD_AFTER)
            .await
        else {
            continue;
        };
        if launcher.click().await.is_ok()
            && visitor
                .wait_shown("widget", WIDGET.input, RELOAD_AFTER)
                .await
                .is_some()
        {
            return loads;
        }
    }
}

/// The agent opens the console and signs in, reloading and pressing the button again as a
/// person would when the network fails them. Returns how many times the page was loaded.
async fn sign_in(agent: &Person, url: &str) -> u32 {
    let deadline = Instant::now() + SETUP_PATIENCE;
    let mut loads = 0;
    'reload: loop {
        assert!(Instant::now() < deadline, "the agent never got signed in");
        agent.try_goto(url).await;
        loads += 1;
        let loaded = Instant::now();
        let mut filled = false;
        let mut pressed: Option<Instant> = None;
        loop {
            if agent.shown("page", ".agent-name").await.is_some() {
                return loads;
            }
            if !filled
                && let Some(email) = agent.shown("page", "input[name=email]").await
                && let Some(password) = agent.shown("page", "input[name=password]").await
            {
                let typed = email
                    .send_keys(pronto_server::demo::AGENT_EMAIL)
                    .await
                    .is_ok()
                    && password
                        .send_keys(pronto_server::demo::AGENT_PASSWORD)
                        .await
                        .is_ok();
                if !typed {
                    continue 'reload;
                }
                filled = true;
            }
            // Press once, and again whenever the form says the sign-in failed on the way.
            let again = match pressed {
                None => filled,
                Some(at) => {
                    at.elapsed() > Duration::from_secs(1)
                        && agent.shown("page", ".login-error").await.is_some()
                }
            };
            if again
                && let Some(submit) = agent
                    .shown("page", "form.login button[type=submit]:not([disabled])")
                    .await
                && submit.click().await.is_ok()
            {
                pressed = Some(Instant::now());
            }
            // Neither the form nor the desk came up (the console's code did not load), or
            // signing in keeps failing: reload.
            let stuck_since = pressed.unwrap_or(loaded);
            if stuck_since.elapsed() > RELOAD_AFTER {
                continue 'reload;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The agent takes the visitor whose first message is `first`, pressing Take again if the
/// conversation does not come (the frame may have died with its connection).
async fn take(agent: &Person, first: &str) {
    let deadline = Instant::now() + SETUP_PATIENCE;
    loop {
        assert!(Instant::now() < deadline, "the agent never got the visitor");
        agent
            .click_in_row("li.queue-entry", first, "button.take")
            .await;
        if agent
            .wait_shown("page", CONSOLE.input, Duration::from_secs(5))
            .await
            .is_some()
        {
            return;
        }
    }
}

/// Types `text` into the side's composer and presses Enter, as a person does: the composer
/// is found again for every message (a reconnect may redraw it) and a keystroke lost to a
/// redraw is made good by looking at what the composer and the conversation show.
async fn type_message(person: &Person, side: &Side, text: &str) {
    let deadline = Instant::now() + TYPING_PATIENCE;
    loop {
        assert!(
            Instant::now() < deadline,
            "could not type {text:?} in the {}",
            side.scope
        );
        let Some(input) = person
            .wait_shown(side.scope, side.input, TYPING_PATIENCE)
            .await
        else {
            continue;
        };
        if input.send_keys(&format!("{text}\u{E007}")).await.is_ok() {
            return;
        }
        if recover_typing(person, side, &input, text).await {
            return;
        }
    }
}

/// After a failed `send_keys`: true if `text` went after all (or now has).
async fn recover_typing(person: &Person, side: &Side, input: &Element, text: &str) -> bool {
    let draft = input.prop("value").await.ok().flatten().unwrap_or_default();
    if draft.trim() == text {
        return input.send_keys("\u{E007}").await.is_ok();
    }
    if draft.is_empty() {
        let (texts, _) = conversation(person, side).await;
        return texts.iter().any(|t| t == text);
    }
    // Half typed: clear it (Ctrl+A, Backspace) and type it again from the start.
    let _ = input.send_keys("\u{E009}a\u{E000}\u{E003}").await;
    false
}

/// Sends `count` numbered messages from one side, one after the other; returns how long
/// typing them took.
async fn send_all(person: Person, side: &'static Side, mark: char, count: usize) -> Duration {
    let started = Instant::now();
    for n in 1..=count {
        type_message(&person, side, &numbered(mark, n)).await;
    }
    started.elapsed()
}

/// Waits until the widget shows at least `target` messages stored (both sides' together).
async fn until_stored(visitor: &Person, target: usize, deadline: Instant) {
    loop {
        let (texts, unsettled) = conversation(visitor, &WIDGET).await;
        if texts.len().saturating_sub(unsettled) >= target {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "stuck at {} of {target} messages stored",
            texts.len().saturating_sub(unsettled)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_lost_through_a_broken_network_and_two_server_crashes() {
    let messages = env_or("PRONTO_CHAOS_MESSAGES", DEFAULT_MESSAGES);
    let seed = env_or("PRONTO_CHAOS_SEED", DEFAULT_SEED);
    assert!(messages >= 3, "PRONTO_CHAOS_MESSAGES must be at least 3");
    println!("chaos: {messages} messages each side, PRONTO_CHAOS_SEED={seed}");
    let started = Instant::now();

    let mut server = ServerProcess::start().await;
    let rates = FaultRates::default();
    let proxy = ChaosProxy::start(server.addr, seed, rates).await;
    let pronto = format!("http://{}", proxy.addr);
    let shop = Storefront::start_for(
        &pronto,
        vec![("/", String::new(), "<h1>Zapatillas</h1>".into())],
    )
    .await;
    let mut browsers = Browsers::start().await;
    let visitor = browsers.person().await;
    let agent = browsers.person().await;

    // The visitor writes first; the agent signs in and takes them.
    let storefront_loads = open_widget(&visitor, &shop.url("/")).await;
    let first = numbered('v', 0);
    type_message(&visitor, &WIDGET, &first).await;
    let console_loads = sign_in(&agent, &format!("{pronto}/console")).await;
    take(&agent, &first).await;
    println!(
        "chaos: chatting after {:.1} s of setup ({storefront_loads} storefront and \
         {console_loads} console page loads)",
        started.elapsed().as_secs_f64()
    );

    // Both type as fast as WebDriver lets them, at once: the clients pace what goes out
    // (four frames a second each; "typing" news gives way to messages), so allow for that and
    // for the faults on the way.
    let mut expected: Vec<String> = vec![first.clone()];
    for n in 1..=messages {
        expected.push(numbered('v', n));
        expected.push(numbered('a', n));
    }
    let settle_by = Instant::now()
        + Duration::from_secs(60)
        + Duration::from_millis(500) * u32::try_from(messages).expect("a sane message count");
    let visitor_typing = tokio::spawn(send_all(
        Person {
            client: visitor.client.clone(),
        },
        &WIDGET,
        'v',
        messages,
    ));
    let agent_typing = tokio::spawn(send_all(
        Person {
            client: agent.client.clone(),
        },
        &CONSOLE,
        'a',
        messages,
    ));

    // The server dies at about a third and at two thirds of the way, with messages on the
    // wire and in both outboxes.
    let mut restarts = 0;
    for third in [1, 2] {
        until_stored(&visitor, expected.len() * third / 3, settle_by).await;
        server.crash_and_restart().await;
        restarts += 1;
    }
    let visitor_typed = visitor_typing.await.expect("the visitor typed everything");
    let agent_typed = agent_typing.await.expect("the agent typed everything");
    println!(
        "chaos: typing took {:.1} s (visitor) and {:.1} s (agent)",
        visitor_typed.as_secs_f64(),
        agent_typed.as_secs_f64()
    );

    let (widget, console) = loop {
        let (widget, widget_unsettled) = conversation(&visitor, &WIDGET).await;
        let (console, console_unsettled) = conversation(&agent, &CONSOLE).await;
        let complete = |texts: &[String]| expected.iter().all(|e| texts.contains(e));
        if widget_unsettled == 0
            && console_unsettled == 0
            && complete(&widget)
            && complete(&console)
        {
            break (widget, console);
        }
        if Instant::now() >= settle_by {
            visitor.screenshot("chaos-widget").await;
            agent.screenshot("chaos-console").await;
            let missing = |texts: &[String]| {
                expected
                    .iter()
                    .filter(|e| !texts.contains(e))
                    .cloned()
                    .collect::<Vec<_>>()
            };
            panic!(
                "not everything arrived (seed {seed}; {})\n\
                 widget: {widget_unsettled} unsettled, missing {:?}\n\
                 console: {console_unsettled} unsettled, missing {:?}",
                proxy.counts,
                missing(&widget),
                missing(&console),
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let seconds = started.elapsed().as_secs_f64();

    // Each message exactly once, the same on both screens, each side's in its own order.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for text in &widget {
        *seen.entry(text).or_default() += 1;
    }
    let doubled: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubled.is_empty(), "shown more than once: {doubled:?}");
    assert_eq!(
        widget.len(),
        expected.len(),
        "only the messages sent: {widget:?}"
    );
    assert_eq!(widget, console, "both sides hold the same conversation");
    let from = |mark: char| -> Vec<&String> {
        widget
            .iter()
            .filter(|t| t.starts_with(&format!("{mark}-")))
            .collect()
    };
    let visitor_order: Vec<String> = (0..=messages).map(|n| numbered('v', n)).collect();
    let agent_order: Vec<String> = (1..=messages).map(|n| numbered('a', n)).collect();
    assert!(
        from('v').into_iter().eq(visitor_order.iter()),
        "the visitor's in order: {widget:?}"
    );
    assert!(
        from('a').into_iter().eq(agent_order.iter()),
        "the agent's in order: {widget:?}"
    );

    println!(
        "chaos: {} messages on both sides ({} from the visitor, {} from the agent), each once and in order; \
         {}; {restarts} SIGKILL restarts; {seconds:.1} s; seed {seed}",
        widget.len(),
        messages + 1,
        messages,
        proxy.counts,
    );
    visitor.close().await;
    agent.close().await;
    server.kill();
}
