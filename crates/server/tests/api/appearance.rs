//! The widget's look as the owner chooses it in the console (accent, corner, language): kept
//! across restarts, checked, and left alone by a `PUT` that does not mention it.

use pronto_protocol::agent::SiteSettings;
use pronto_protocol::{ErrorCode, ProtocolError};
use pronto_server::demo;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// The three appearance fields as `GET /api/site` says them.
fn look(settings: &SiteSettings) -> (Option<&str>, Option<&str>, Option<&str>) {
    (
        settings.widget_accent.as_ref().and_then(Option::as_deref),
        settings.widget_position.as_deref(),
        settings.widget_lang.as_ref().and_then(Option::as_deref),
    )
}

async fn read(app: &TestApp, cookie: &str) -> SiteSettings {
    app.get_json(cookie, "/api/site").await
}

/// The demo shop's settings as JSON, with `changes` written over them.
async fn settings_with(app: &TestApp, cookie: &str, changes: Value) -> Value {
    let mut body = serde_json::to_value(read(app, cookie).await).unwrap();
    // Leave the hours out: a client that only changes the look does not send them.
    body.as_object_mut().unwrap().remove("hours");
    for (field, value) in changes.as_object().unwrap() {
        body[field] = value.clone();
    }
    body
}

#[tokio::test]
async fn the_widgets_look_is_kept_checked_and_left_alone_when_left_out() {
    let app = spawn_app().await;
    let owner = app.sign_in().await;

    // Until the owner picks, the widget's own defaults, said explicitly.
    let fresh = read(&app, &owner).await;
    assert_eq!(fresh.widget_accent, Some(None));
    assert_eq!(fresh.widget_position.as_deref(), Some("right"));
    assert_eq!(fresh.widget_lang, Some(None));

    let chosen =
        json!({"widget_accent": "#B4451F", "widget_position": "left", "widget_lang": "pt"});
    let body = settings_with(&app, &owner, chosen).await;
    let saved = app.put_json(&owner, "/api/site", body).await;
    assert_eq!(saved.status(), 200);
    let saved: SiteSettings = saved.json().await.unwrap();
    // Written the one way the script tag writes it.
    assert_eq!(look(&saved), (Some("#b4451f"), Some("left"), Some("pt")));

    // A `PUT` without the fields (a console older than them, or the shop section alone)
    // changes the greeting and keeps the look.
    let mut older = settings_with(&app, &owner, json!({"greeting": "¡Hola de nuevo!"})).await;
    for field in ["widget_accent", "widget_position", "widget_lang"] {
        older.as_object_mut().unwrap().remove(field);
    }
    assert_eq!(app.put_json(&owner, "/api/site", older).await.status(), 200);
    let kept = read(&app, &owner).await;
    assert_eq!(kept.greeting, "¡Hola de nuevo!");
    assert_eq!(look(&kept), (Some("#b4451f"), Some("left"), Some("pt")));

    // Anything else is refused whole, in words that name it, and changes nothing (not even
    // the name sent beside it).
    for (bad, named) in [
        (json!({"widget_accent": "b4451f"}), "b4451f"),
        (json!({"widget_accent": "#b4451"}), "#b4451"),
        (json!({"widget_accent": "red"}), "red"),
        (
            json!({"widget_accent": "#b4451f; color: red"}),
            "#b4451f; color: red",
        ),
        (json!({"widget_position": "middle"}), "middle"),
        (json!({"widget_lang": "fr"}), "fr"),
        (json!({"widget_lang": "es-CL"}), "es-CL"),
        (json!({"widget_accent": 5}), "widget_accent"),
    ] {
        let mut body = settings_with(&app, &owner, bad.clone()).await;
        body["name"] = json!("Otra Tienda");
        let refused = app.put_json(&owner, "/api/site", body).await;
        assert_eq!(refused.status(), 400, "{bad}");
        let error: ProtocolError = refused.json().await.unwrap();
        assert_eq!(error.code, ErrorCode::InvalidSetting, "{bad}");
        assert!(
            error.message.contains(named),
            "{bad}: {:?} should name {named:?}",
            error.message
        );
    }
    let unchanged = read(&app, &owner).await;
    assert_eq!(unchanged.name, kept.name);
    assert_eq!(
        look(&unchanged),
        (Some("#b4451f"), Some("left"), Some("pt"))
    );

    // Only the owner changes it.
    let agent = app.sign_in_as(demo::SECOND_AGENT_EMAIL).await;
    let body = settings_with(&app, &agent, json!({"widget_position": "right"})).await;
    let by_agent = app.put_json(&agent, "/api/site", body).await;
    assert_eq!(by_agent.status(), 403);
    assert_eq!(
        by_agent.json::<ProtocolError>().await.unwrap().code,
        ErrorCode::OwnerOnly
    );

    // Kept across a restart.
    let app = app.restart().await;
    assert_eq!(
        look(&read(&app, &owner).await),
        (Some("#b4451f"), Some("left"), Some("pt"))
    );

    // `null` goes back to the widget's defaults.
    let body = settings_with(
        &app,
        &owner,
        json!({"widget_accent": null, "widget_position": "right", "widget_lang": null}),
    )
    .await;
    assert_eq!(app.put_json(&owner, "/api/site", body).await.status(), 200);
    let defaults = read(&app, &owner).await;
    assert_eq!(defaults.widget_accent, Some(None));
    assert_eq!(defaults.widget_position.as_deref(), Some("right"));
    assert_eq!(defaults.widget_lang, Some(None));
}
