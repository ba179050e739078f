//! What the browser tests stand on: a real Pronto server (in this process, or as its own
//! process to kill in `process`), a storefront on another origin that embeds the widget as a
//! shop would, headless Chromium driven over WebDriver, and a network that fails on purpose
//! (`chaos`).

pub mod chaos;
pub mod process;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::{Element, ElementRef};
use fantoccini::{Client, ClientBuilder};
use pronto_server::{Config, Running, Server};
use pronto_testkit::Scratch;
use serde_json::{Value, json};

/// How long a person would wait for something to appear before calling it broken.
pub const PATIENCE: Duration = Duration::from_secs(20);

fn env_path(name: &str, fallback: &str) -> PathBuf {
    std::env::var_os(name)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(fallback))
}

/// The built widget and console (`cargo xtask test` builds them and sets `PRONTO_DIST`).
fn dist() -> PathBuf {
    let dist = std::env::var_os("PRONTO_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dist"));
    assert!(
        dist.join("pronto.js").is_file(),
        "no built widget in {}: run the browser tests through `cargo xtask test`",
        dist.display()
    );
    dist
}

/// A Pronto server on a free port with a fresh database (SQLite, or PostgreSQL and Redis with
/// `PRONTO_TEST_BACKEND=postgres`) and the demo shop.
pub struct Pronto {
    pub addr: SocketAddr,
    running: Option<Running>,
    config: Config,
    _scratch: Scratch,
}

impl Pronto {
    pub async fn start() -> Self {
        Self::start_mailing_to(None).await
    }

    /// `start`, e-mailing replies visitors miss through the SMTP server at `smtp_url`.
    pub async fn start_mailing_to(smtp_url: Option<String>) -> Self {
        let scratch = Scratch::from_env().await;
        let mut config = Config::for_tests(scratch.database_url.clone(), dist());
        config.redis_url = scratch.redis_url.clone();
        config.redis_prefix = scratch.redis_prefix.clone();
        config.smtp_url = smtp_url;
        let running = serve(&config, config.listen).await;
        Self {
            addr: running.addr,
            running: Some(running),
            config,
            _scratch: scratch,
        }
    }

    /// Stops the server (every socket gets "going away") and starts it again on the same
    /// port and database.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.running = Some(serve(&self.config, self.addr).await);
    }

    /// Stops the server (every socket gets "going away"); `restart` starts it again.
    pub async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await.expect("server stopped cleanly");
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `agent` signs in to the console with a demo account (`email`, called `name`) and
    /// waits until the console greets them by name.
    pub async fn sign_in(&self, agent: &Person, email: &str, name: &str) {
        agent.goto(&self.url("/console")).await;
        let field = agent.page("input[name=email]").await;
        field.send_keys(email).await.expect("typing the e-mail");
        let password = agent.page("input[name=password]").await;
        password
            .send_keys(pronto_server::demo::AGENT_PASSWORD)
            .await
            .expect("typing the password");
        agent
            .page("form.login button[type=submit]")
            .await
            .click()
            .await
            .expect("signing in");
        agent
            .wait_for_texts("page", ".agent-name", "the agent's name", |t| {
                t.iter().any(|t| t.contains(name))
            })
            .await;
    }

    /// Writes `history` into the demo shop's database, as served by the account `agent_email`
    /// (see `pronto_testkit::history::write`).
    pub async fn with_past(&self, agent_email: &str, history: &[pronto_testkit::history::Past]) {
        pronto_testkit::history::write(&self.config.database_url, "demo", agent_email, history)
            .await;
    }

    /// Writes into the demo shop's database that its agent served `chats` visitors this
    /// morning, each waiting two minutes and chatting four (see `pronto_testkit::history`).
    pub async fn with_history(&self, chats: i64) {
        pronto_testkit::history::served(
            &self.config.database_url,
            "demo",
            pronto_server::demo::AGENT_EMAIL,
            chats,
        )
        .await;
    }
}

async fn serve(config: &Config, addr: SocketAddr) -> Running {
    let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
    Server::build_with_listener(config, listener)
        .await
        .expect("server starts")
        .spawn()
}

/// A shop's storefront on its own origin, embedding the widget with one script tag.
pub struct Storefront {
    pub addr: SocketAddr,
}

impl Storefront {
    /// Serves `pages` (path, extra `<head>` markup, body) with the Pronto script tag appended.
    pub async fn start(pronto: &Pronto, pages: Vec<(&'static str, String, String)>) -> Self {
        Self::start_for(&pronto.url(""), pages).await
    }

    /// `start`, for the Pronto server at `base` (`http://host:port`), such as a proxy's.
    pub async fn start_for(base: &str, pages: Vec<(&'static str, String, String)>) -> Self {
        Self::start_with(base, pages, "").await
    }

    /// `start_for`, with more attributes on the script tag (`data-user-id="…"`); they come
    /// first, so `data-lang="es"` wins over the default English (a browser keeps the first of
    /// two attributes of one name).
    pub async fn start_with(
        base: &str,
        pages: Vec<(&'static str, String, String)>,
        attributes: &str,
    ) -> Self {
        let script = format!(
            r#"<script src="{base}/pronto.js" {attributes} data-site="demo" data-lang="en" async></script>"#
        );
        let mut router = axum::Router::new();
        for (path, head, body) in pages {
            // The tag goes at the end of <body>, or where the page's head marks its place —
            // there without `async`, as many shops paste it: it runs before <body> exists.
            let (head, body) = match head.contains(SCRIPT_IN_HEAD) {
                true => (
                    head.replace(SCRIPT_IN_HEAD, &script.replace(" async>", ">")),
                    body,
                ),
                false => (head, format!("{body}{script}")),
            };
            let html = format!(
                "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
                 <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
                 <title>Shop</title>{head}</head><body>{body}</body></html>"
            );
            router = router.route(
                path,
                axum::routing::get(move || async move { axum::response::Html(html) }),
            );
        }
        // Scripts a page loads from its own origin (so even under a strict policy).
        let scripts = [
            // Keeps every Content-Security-Policy violation in `window.__violations`.
            (
                "/watch-csp.js",
                "window.__violations = [];\n\
                 document.addEventListener('securitypolicyviolation', e =>\n\
                   window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));\n"
                    .to_owned(),
            ),
            // What a tag manager does: add the widget's script tag to <head> once the page has
            // loaded (a page that also has the tag itself then loads the script twice).
            (
                "/tag-manager.js",
                format!(
                    "window.addEventListener('load', () => {{\n\
                       const tag = document.createElement('script');\n\
                       tag.src = '{base}/pronto.js';\n\
                       tag.dataset.site = 'demo';\n\
                       tag.dataset.lang = 'es';\n\
                       tag.onload = () => {{ window.__injected = true; }};\n\
                       document.head.appendChild(tag);\n\
                     }});\n"
                ),
            ),
            // A page using the JavaScript API: the README's stub, so `Pronto(…)` works before
            // the widget's script has run, and a record of every event, both ways the page can
            // hear them, in `window.__events` as [how, name, detail].
            (
                "/uses-the-api.js",
                format!(
                    "{API_STUB}\n\
                     window.__events = [];\n\
                     ['ready', 'open', 'close', 'message', 'queue', 'unread'].forEach(name => {{\n\
                       Pronto('on', name, detail => __events.push(['on', name, detail]));\n\
                       document.addEventListener('pronto:' + name, e =>\n\
                         __events.push(['dom', name, e.detail]));\n\
                     }});\n"
                ),
            ),
            // A page whose browser never has idle time: the widget is fetched only when the
            // visitor reaches for the launcher (for measuring that worst case).
            (
                "/never-idle.js",
                "window.requestIdleCallback = function () {};\n".to_owned(),
            ),
            ("/open-early.js", "Pronto('open');\n".to_owned()),
        ];
        for (path, source) in scripts {
            router = router.route(
                path,
                axum::routing::get(move || {
                    let source = source.clone();
                    async move {
                        (
                            [(axum::http::header::CONTENT_TYPE, "text/javascript")],
                            source,
                        )
                    }
                }),
            );
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Self { addr }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// An agent's console socket, as the tests' agents hold it.
pub type AgentSocket = pronto_testkit::client::Socket<
    pronto_protocol::agent::AgentToServer,
    pronto_protocol::agent::ServerToAgent,
>;

/// The stub the README gives shops, so the page can call `Pronto(…)` before the widget's
/// script has loaded; the loader takes the calls it queued.
pub const API_STUB: &str = "window.Pronto = window.Pronto || function () { (Pronto.q = Pronto.q || []).push(arguments); };";

/// Put in a storefront page's head, this is where the widget's script tag goes (instead of
/// the end of `<body>`), as a blocking tag.
pub const SCRIPT_IN_HEAD: &str = "<!-- pronto script -->";

/// The widget's own launcher, once the WebAssembly has mounted (the loader draws a
/// placeholder with the same class until then).
pub const WIDGET_LAUNCHER: &str = "button.pronto-launcher:not([data-pronto-placeholder])";

/// One ChromeDriver; each `person()` is a separate headless Chromium with its own profile.
pub struct Browsers {
    driver: Child,
    port: u16,
    profiles: Vec<tempfile::TempDir>,
}

impl Browsers {
    pub async fn start() -> Self {
        let port = free_port();
        let driver = Command::new(env_path("PRONTO_CHROMEDRIVER", "chromedriver"))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts (run through `cargo xtask test`, which installs it)");
        let browsers = Self {
            driver,
            port,
            profiles: Vec::new(),
        };
        // Wait until ChromeDriver answers, not for a guessed while.
        let deadline = Instant::now() + PATIENCE;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        browsers
    }

    /// A new person at a new browser: nothing shared with anyone else (cookies, storage).
    pub async fn person(&mut self) -> Person {
        self.person_waiting_for("normal").await
    }

    /// A person whose `goto` returns as soon as navigation starts, not once the page has
    /// loaded: for looking at a page while its `load` event is still held back.
    pub async fn impatient_person(&mut self) -> Person {
        self.person_waiting_for("none").await
    }

    /// `page_load`: the WebDriver page load strategy (`normal`, `eager`, `none`).
    async fn person_waiting_for(&mut self, page_load: &str) -> Person {
        let profile = tempfile::tempdir().expect("profile dir");
        let chromium = env_path("PRONTO_CHROMIUM", "/usr/bin/chromium");
        let args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--no-first-run".into(),
            "--window-size=1280,860".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": chromium, "args": args }),
        );
        caps.insert("pageLoadStrategy".into(), json!(page_load));
        // ChromeDriver can reset the first connections while it is still coming up (seen on a
        // busy machine, though its port already accepted): try again until it answers.
        let deadline = Instant::now() + PATIENCE;
        let client = loop {
            let attempt =
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                    .capabilities(caps.clone())
                    .connect(&format!("http://127.0.0.1:{}", self.port))
                    .await;
            match attempt {
                Ok(client) => break client,
                Err(error) if Instant::now() < deadline => {
                    eprintln!("no browser session yet ({error}); trying again");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(error) => panic!("a browser session: {error:?}"),
            }
        };
        self.profiles.push(profile);
        Person { client }
    }
}

impl Drop for Browsers {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Someone at a browser: looks at the page, clicks, types.
pub struct Person {
    pub client: Client,
}

/// Finds `selector` inside the widget's shadow root (or the page, for `scope` = "page").
const FIND: &str = r#"
    const [scope, selector] = arguments;
    if (scope === "page") return document.querySelector(selector);
    const host = document.querySelector("pronto-chat");
    return host && host.shadowRoot ? host.shadowRoot.querySelector(selector) : null;
"#;

/// The visible text of every match, in order.
const TEXTS: &str = r#"
    const [scope, selector] = arguments;
    const root = scope === "page"
        ? document
        : (document.querySelector("pronto-chat") || {}).shadowRoot;
    if (!root) return [];
    return Array.from(root.querySelectorAll(selector)).map(e => e.innerText.trim());
"#;

impl Person {
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigation");
    }

    /// Navigates to `url`; returns whether the browser says it loaded (on a broken network it
    /// may not, and a person would reload).
    pub async fn try_goto(&self, url: &str) -> bool {
        self.client.goto(url).await.is_ok()
    }

    /// `selector` in the widget (`scope` = "widget") or the page ("page"), if it is there
    /// and shown right now.
    pub async fn shown(&self, scope: &str, selector: &str) -> Option<Element> {
        let element = self.find_in(scope, selector).await?;
        element
            .is_displayed()
            .await
            .unwrap_or(false)
            .then_some(element)
    }

    /// Waits up to `within` for `selector` to be shown; `None` if it was not by then.
    pub async fn wait_shown(
        &self,
        scope: &str,
        selector: &str,
        within: Duration,
    ) -> Option<Element> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(element) = self.shown(scope, selector).await {
                return Some(element);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn find_in(&self, scope: &str, selector: &str) -> Option<Element> {
        let found = self
            .client
            .execute(FIND, vec![json!(scope), json!(selector)])
            .await
            .expect("script runs");
        let id = found.as_object()?.values().next()?.as_str()?.to_owned();
        Some(Element::from_element_id(
            self.client.clone(),
            ElementRef::from(id),
        ))
    }

    /// Waits until `selector` is in the widget and shown, and returns it.
    pub async fn widget(&self, selector: &str) -> Element {
        self.wait_for_element("widget", selector).await
    }

    /// Waits until `selector` is on the page (outside the widget) and shown.
    pub async fn page(&self, selector: &str) -> Element {
        self.wait_for_element("page", selector).await
    }

    async fn wait_for_element(&self, scope: &str, selector: &str) -> Element {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(element) = self.find_in(scope, selector).await
                && element.is_displayed().await.unwrap_or(false)
            {
                return element;
            }
            assert!(
                Instant::now() < deadline,
                "{selector} never appeared in the {scope}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Whether `selector` is in the widget right now.
    pub async fn widget_has(&self, selector: &str) -> bool {
        self.find_in("widget", selector).await.is_some()
    }

    /// The visible texts of everything matching `selector` in the widget (or page).
    pub async fn texts(&self, scope: &str, selector: &str) -> Vec<String> {
        let value = self
            .client
            .execute(TEXTS, vec![json!(scope), json!(selector)])
            .await
            .expect("script runs");
        serde_json::from_value(value).unwrap_or_default()
    }

    /// Waits until the texts of `selector` satisfy `ok`; fails showing what was there.
    pub async fn wait_for_texts(
        &self,
        scope: &str,
        selector: &str,
        what: &str,
        ok: impl Fn(&[String]) -> bool,
    ) -> Vec<String> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let texts = self.texts(scope, selector).await;
            if ok(&texts) {
                return texts;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {what} in {selector}; saw {texts:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until some `selector` in the widget shows text containing `needle`.
    pub async fn wait_for_widget_text(&self, selector: &str, needle: &str) {
        self.wait_for_texts("widget", selector, needle, |texts| {
            texts.iter().any(|t| t.contains(needle))
        })
        .await;
    }

    /// Waits until nothing matches `selector` in the widget.
    pub async fn wait_until_gone(&self, selector: &str) {
        let deadline = Instant::now() + PATIENCE;
        while self.widget_has(selector).await {
            assert!(Instant::now() < deadline, "{selector} never went away");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Runs a script in the page and returns its value (for reading computed styles).
    pub async fn eval(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .expect("script runs")
    }

    /// Waits until nothing in the widget is animating or in a CSS transition (the endless
    /// "waiting" dots aside), so what is measured is what stays on screen: mid-animation, a
    /// message fading in would read as low contrast.
    pub async fn wait_until_still(&self) {
        self.wait_until(
            "the widget standing still",
            "return document.querySelector('pronto-chat').shadowRoot.getAnimations()\n\
               .every(a => a.effect.getComputedTiming().iterations == Infinity);",
            vec![],
        )
        .await;
    }

    /// What axe-core (`PRONTO_AXE`, installed by `cargo xtask test`) finds wrong in the widget
    /// as it is on screen now: one line per violation and element, empty when none.
    /// Axe looks once nothing animates (see [`Person::wait_until_still`]): a card fading in
    /// reads as low contrast for a moment.
    pub async fn accessibility_violations(&self) -> Vec<String> {
        self.wait_until_still().await;
        let axe = env_path("PRONTO_AXE", "axe.min.js");
        let source = std::fs::read_to_string(&axe).unwrap_or_else(|err| {
            panic!(
                "axe-core at {}: {err}; run the browser tests through `cargo xtask test`",
                axe.display()
            )
        });
        self.eval(&format!("if (!window.axe) {{ {source} }}"), vec![])
            .await;
        let found = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];\n\
                 axe.run({ include: [['pronto-chat']] }, { resultTypes: ['violations'] })\n\
                   .then(result => done(result.violations.flatMap(v => v.nodes.map(n =>\n\
                     `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(n.target)}: ${n.failureSummary}`))),\n\
                     error => done([`axe failed: ${error}`]));",
                vec![],
            )
            .await
            .expect("axe runs");
        serde_json::from_value(found).expect("a list of violations")
    }

    /// Clicks `button` in the first `row` (on the page, else in the widget) whose text
    /// contains `needle`, waiting for one to be there.
    pub async fn click_in_row_once_shown(&self, row: &str, needle: &str, button: &str) {
        let deadline = Instant::now() + PATIENCE;
        while !self.click_in_row(row, needle, button).await {
            assert!(
                Instant::now() < deadline,
                "no {row} with {needle:?} and {button}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clicks `button` in the first `row` (on the page, else in the widget) whose text holds
    /// `needle`; whether there was one.
    pub async fn click_in_row(&self, row: &str, needle: &str, button: &str) -> bool {
        let clicked = self
            .client
            .execute(
                "const [row, needle, button] = arguments;
                 const widget = document.querySelector('pronto-chat');
                 const roots = [document, widget && widget.shadowRoot].filter(Boolean);
                 const r = roots.flatMap(root => Array.from(root.querySelectorAll(row)))
                     .find(r => r.innerText.includes(needle));
                 const b = r && r.querySelector(button);
                 if (!b) return false;
                 b.click();
                 return true;",
                vec![json!(row), json!(needle), json!(button)],
            )
            .await;
        matches!(clicked, Ok(Value::Bool(true)))
    }

    /// Waits until `script` (run in the page with `args`) returns true; `what` says what
    /// was awaited if it never does.
    pub async fn wait_until(&self, what: &str, script: &str, args: Vec<Value>) {
        let deadline = Instant::now() + PATIENCE;
        while self.eval(script, args.clone()).await != Value::Bool(true) {
            assert!(Instant::now() < deadline, "{what} never happened");
        }
    }

    /// Resizes the browser window, to see the page as on a phone.
    pub async fn resize(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .expect("window resized");
    }

    /// Saves a screenshot under `target/screenshots/` for a person to look at.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Presses `keys` on the keyboard, one after another, wherever focus is (as a person does;
    /// WebDriver's "send keys to element" would move focus there first). Special keys are
    /// WebDriver's code points, e.g. `\u{E004}` Tab, `\u{E007}` Enter, `\u{E00C}` Escape.
    pub async fn press(&self, keys: &str) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let mut actions = KeyActions::new("keyboard".into());
        for key in keys.chars() {
            actions = actions
                .then(KeyAction::Down { value: key })
                .then(KeyAction::Up { value: key });
        }
        self.client
            .perform_actions(actions)
            .await
            .expect("keys pressed");
    }

    /// What has focus: the element's tag, class and id, looking inside the widget's shadow
    /// root when focus is there (`pronto-chat` holds it then).
    pub async fn focused(&self) -> String {
        let found = self
            .eval(
                "let at = document.activeElement;\n\
                 while (at && at.shadowRoot && at.shadowRoot.activeElement) at = at.shadowRoot.activeElement;\n\
                 return at ? `${at.tagName.toLowerCase()}.${at.className}#${at.id}` : '';",
                vec![],
            )
            .await;
        found.as_str().unwrap_or_default().to_owned()
    }

    /// Types `text` into `element` and presses Enter.
    pub async fn type_and_enter(&self, element: &Element, text: &str) {
        element.send_keys(text).await.expect("typing");
        element.send_keys("\u{E007}").await.expect("Enter");
    }

    /// Opens the widget with its launcher, as a visitor would, and waits for the panel.
    pub async fn open_widget(&self) {
        self.widget(WIDGET_LAUNCHER).await.click().await.unwrap();
        self.widget(".pronto-panel").await;
    }

    /// Writes `text` in the widget and sends it with Enter; returns once it is on screen.
    pub async fn write(&self, text: &str) {
        let input = self.widget("textarea.pronto-input").await;
        self.type_and_enter(&input, text).await;
        self.wait_for_widget_text(".pronto-message-text", text)
            .await;
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}
