//! The owner's settings page in a real browser: the shop's name and greeting, opening hours
//! with a holiday, a canned reply, a new agent, and the widget's look — checked on the script
//! tag to paste and in the live preview of the real widget beside it.

use std::time::{Duration, Instant};

use pronto_e2e::{Browsers, Person, Pronto};
use pronto_protocol::agent::{CannedReply, OpenInterval, SiteSettings, TeamMember};
use pronto_server::demo;
use pronto_testkit::client::{dashboard_today, get_json_as, sign_in as sign_in_over_http};
use serde_json::json;

const NAME: &str = "Zapatillas Sur";
const GREETING: &str = "¡Hola! Te ayudamos a encontrar tu talla.";
const ACCENT: &str = "#b4451f";
/// `ACCENT` as the browser computes it.
const ACCENT_RGB: &str = "rgb(180, 69, 31)";

/// What the preview's widget shows: its greeting, header colour, and which side its panel is
/// nearer (`null`s until it has loaded and opened).
const PREVIEW: &str = r#"
    const frame = document.querySelector('.widget-preview-frame');
    const host = frame && frame.contentDocument && frame.contentDocument.querySelector('pronto-chat');
    const root = host && host.shadowRoot;
    const panel = root && root.querySelector('.pronto-panel');
    const greeting = root && root.querySelector('.pronto-greeting');
    const header = root && root.querySelector('.pronto-header');
    if (!panel || !greeting || !header) return {greeting: null, accent: null, side: null};
    const box = panel.getBoundingClientRect();
    const width = frame.contentWindow.innerWidth;
    return {
        greeting: greeting.innerText.trim(),
        accent: getComputedStyle(header).backgroundColor,
        side: box.left < width - box.right ? 'left' : 'right',
    };
"#;

/// Replaces what `selector` on the page holds with `text`, as a person would.
async fn write_in(owner: &Person, selector: &str, text: &str) {
    let field = owner.page(selector).await;
    field.clear().await.expect("field cleared");
    field.send_keys(text).await.expect("typing");
}

async fn click(owner: &Person, selector: &str) {
    owner.page(selector).await.click().await.expect("a click");
}

/// Waits for `section`'s status line to say `words` (or, with `refused`, its alert to hold
/// them); returns what it says.
async fn status_of(owner: &Person, section: &str, refused: bool, words: &str) -> String {
    let selector = if refused {
        format!(".{section} .settings-status--error")
    } else {
        format!(".{section} .settings-status")
    };
    owner
        .wait_for_texts("page", &selector, words, |texts| {
            texts.iter().any(|t| t.contains(words))
        })
        .await
        .join(" ")
}

/// Scrolls `selector` into the middle of the window, for a screenshot of it.
async fn look_at(owner: &Person, selector: &str) {
    owner
        .eval(
            "document.querySelector(arguments[0]).scrollIntoView({block: 'center'})",
            vec![json!(selector)],
        )
        .await;
}

/// Fills the "Add an agent" form for Carla, an agent, and sends it.
async fn add_carla(owner: &Person) {
    write_in(owner, "input[name=new_agent_name]", "Carla").await;
    write_in(owner, "input[name=new_agent_email]", "carla@demo.pronto").await;
    write_in(owner, "input[name=new_agent_password]", "temporal-123").await;
    click(owner, "button.add-agent-submit").await;
}

async fn script_tag(owner: &Person) -> String {
    let tag = owner
        .eval(
            "return document.querySelector('.script-tag-code').value",
            vec![],
        )
        .await;
    tag.as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_sets_up_the_shop_and_sees_the_widget_change_in_the_preview() {
    let pronto = Pronto::start().await;
    let mut browsers = Browsers::start().await;
    let owner = browsers.person().await;
    let cookie = sign_in_over_http(pronto.addr, demo::AGENT_EMAIL, demo::AGENT_PASSWORD).await;
    let stored = || get_json_as::<SiteSettings>(pronto.addr, &cookie, "/api/site");
    pronto
        .sign_in(&owner, demo::AGENT_EMAIL, demo::AGENT_NAME)
        .await;
    click(&owner, "button.page-settings").await;

    // The shop: a storefront address with a path is refused in the server's words, and
    // nothing of that save is kept, not even the name typed with it.
    let before = stored().await;
    write_in(&owner, "input[name=shop_name]", NAME).await;
    write_in(&owner, "textarea[name=greeting]", GREETING).await;
    let origins = owner.page("textarea[name=allowed_origins]").await;
    origins
        .send_keys("\nhttps://tienda.example/carrito")
        .await
        .unwrap();
    click(&owner, "button.save-shop").await;
    let refusal = status_of(&owner, "shop", true, "is not an origin").await;
    assert!(
        refusal.contains("https://tienda.example/carrito"),
        "{refusal}"
    );
    assert_eq!(stored().await, before, "a refused save changes nothing");
    owner.screenshot("settings-shop-refused").await;

    write_in(
        &owner,
        "textarea[name=allowed_origins]",
        "http://127.0.0.1:*\nhttps://tienda.example",
    )
    .await;
    click(&owner, "button.save-shop").await;
    status_of(&owner, "shop", false, "Saved.").await;
    let saved = stored().await;
    assert_eq!(
        (saved.name.as_str(), saved.greeting.as_str()),
        (NAME, GREETING)
    );
    assert_eq!(
        saved.allowed_origins,
        ["http://127.0.0.1:*", "https://tienda.example"]
    );

    // Opening hours: a schedule (weekdays as suggested, Saturday added) and a holiday.
    click(&owner, "input[name=always_open]").await;
    write_in(&owner, "input[name=time_zone]", "America/Santiago").await;
    click(&owner, "[data-day=sat] .add-hours").await;
    click(&owner, "button.add-holiday").await;
    // Focus went into the new holiday's date field: the owner types the date there.
    owner
        .wait_until(
            "focus in the new holiday's date field",
            "return document.activeElement.name === 'holiday'",
            vec![],
        )
        .await;
    owner
        .page(".holiday input[name=holiday]")
        .await
        .send_keys("12252030")
        .await
        .unwrap();
    click(&owner, "button.save-hours").await;
    status_of(&owner, "hours", false, "Saved.").await;
    look_at(&owner, ".hours").await;
    owner.screenshot("settings-hours").await;
    let hours = stored().await.hours.flatten().expect("hours saved");
    assert_eq!(hours.time_zone, "America/Santiago");
    assert_eq!(hours.holidays, ["2030-12-25"]);
    let nine_to_six = vec![OpenInterval {
        opens: "09:00".into(),
        closes: "18:00".into(),
    }];
    assert_eq!(hours.week.mon, nine_to_six);
    assert_eq!(hours.week.sat, nine_to_six);
    assert!(hours.week.sun.is_empty());

    // A canned reply for the team.
    click(&owner, "button.add-canned-reply").await;
    write_in(&owner, ".canned-reply input[name=shortcut]", "envio").await;
    write_in(
        &owner,
        ".canned-reply textarea[name=canned_text]",
        "Enviamos en 24 a 48 horas.",
    )
    .await;
    click(&owner, "button.save-canned-replies").await;
    status_of(&owner, "canned-replies", false, "Saved.").await;
    let canned: Vec<CannedReply> = get_json_as(pronto.addr, &cookie, "/api/site/canned").await;
    assert_eq!(
        canned,
        [CannedReply {
            shortcut: "envio".into(),
            text: "Enviamos en 24 a 48 horas.".into()
        }]
    );

    // A new agent joins the team list; the same address again is refused plainly.
    add_carla(&owner).await;
    status_of(&owner, "add-agent", false, "Carla can sign in now.").await;
    owner
        .wait_for_texts("page", ".team-member-name", "Carla in the team", |names| {
            names.iter().any(|n| n == "Carla")
        })
        .await;
    // And in Who answers, ready for her number of chats at once, without a reload.
    owner
        .wait_for_texts("page", ".slots-name", "Carla in Who answers", |names| {
            names.iter().any(|n| n == "Carla")
        })
        .await;
    add_carla(&owner).await;
    let taken = status_of(&owner, "add-agent", true, "exists").await;
    assert!(taken.contains("e-mail address"), "{taken}");
    let team: Vec<TeamMember> = get_json_as(pronto.addr, &cookie, "/api/site/team").await;
    assert_eq!(team.iter().filter(|m| m.name == "Carla").count(), 1);
    look_at(&owner, ".team").await;
    owner.screenshot("settings-team").await;

    // The widget's look: the tag to paste follows each choice at once.
    write_in(&owner, "input[name=accent]", ACCENT).await;
    click(&owner, "input[name=position][value=left]").await;
    let tag = script_tag(&owner).await;
    assert!(
        tag.contains(&format!("data-accent=\"{ACCENT}\""))
            && tag.contains("data-position=\"left\"")
            && tag.contains("data-site=\"demo\"")
            && tag.contains(&pronto.url("/pronto.js")),
        "{tag}"
    );
    click(&owner, "button.save-appearance").await;
    status_of(&owner, "appearance", false, "Saved.").await;

    // The preview: the real widget, open, greeting with the saved words, on the left, in
    // the accent.
    let wanted = json!({"greeting": GREETING, "accent": ACCENT_RGB, "side": "left"});
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let seen = owner.eval(PREVIEW, vec![]).await;
        if seen == wanted {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the preview shows {seen}, not {wanted}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    look_at(&owner, ".widget-preview-frame").await;
    owner.screenshot("settings-widget-preview").await;
    // Looking at the preview is not a conversation.
    let today = dashboard_today(pronto.addr, &cookie).await;
    assert_eq!(today.total.conversations, 0);
    assert_eq!(today.unanswered_now, 0);

    // Kept: after a reload the page shows the choices again, and the tag carries them.
    owner.goto(&pronto.url("/console")).await;
    click(&owner, "button.page-settings").await;
    let accent = owner.page("input[name=accent]").await;
    assert_eq!(accent.prop("value").await.unwrap().as_deref(), Some(ACCENT));
    let left = owner.page("input[name=position][value=left]").await;
    assert!(left.is_selected().await.unwrap());
    let tag = script_tag(&owner).await;
    assert!(tag.contains("data-position=\"left\""), "{tag}");
    let stored_look = stored().await;
    assert_eq!(stored_look.widget_accent, Some(Some(ACCENT.into())));
    assert_eq!(stored_look.widget_position.as_deref(), Some("left"));
    assert_eq!(stored_look.widget_lang, Some(None));
    owner.close().await;
}
