//! Console accounts: guessing passwords is slow, sessions can be ended everywhere, and only
//! the owner changes the shop's settings.

use futures::StreamExt;
use pronto_protocol::agent::SiteSettings;
use pronto_protocol::visitor::ServerToVisitor;
use pronto_protocol::{ErrorCode, ProtocolError, limits};
use pronto_server::demo;

use crate::helpers::{PATIENCE, Socket, hello, spawn_app};

async fn login(app: &crate::helpers::TestApp, email: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/api/login"))
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn password_guessing_is_stopped_and_does_not_lock_out_others() {
    let app = spawn_app().await;
    for _ in 0..pronto_protocol::limits::MAX_FAILED_SIGN_INS_PER_ACCOUNT {
        assert_eq!(login(&app, demo::AGENT_EMAIL, "guess").await.status(), 401);
    }
    // Now even the right password is refused for a while, with a reason.
    let blocked = login(&app, demo::AGENT_EMAIL, demo::AGENT_PASSWORD).await;
    assert_eq!(blocked.status(), 429);
    let body: ProtocolError = blocked.json().await.unwrap();
    assert_eq!(body.code, ErrorCode::RateLimited);
    // Another account is not affected.
    assert_eq!(
        login(&app, demo::SECOND_AGENT_EMAIL, demo::AGENT_PASSWORD)
            .await
            .status(),
        200
    );
    // And an unknown e-mail reads exactly like a wrong password.
    let unknown = login(&app, "nadie@demo.pronto", "guess").await;
    assert_eq!(unknown.status(), 401);
    let body: ProtocolError = unknown.json().await.unwrap();
    assert_eq!(body.message, "wrong e-mail or password");
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_and_console() {
    let app = spawn_app().await;
    let phone = app.sign_in().await;
    let laptop = app.sign_in().await;
    let (mut console, _) = app.agent().await;
    let client = reqwest::Client::new();
    let out = client
        .post(app.url("/api/logout-everywhere"))
        .header("cookie", &phone)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    for cookie in [&phone, &laptop] {
        let me = client
            .get(app.url("/api/me"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 401);
    }
    // The open console is disconnected.
    loop {
        match tokio::time::timeout(PATIENCE, console.ws.next())
            .await
            .unwrap()
        {
            Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_))) | None | Some(Err(_)) => {
                break;
            }
            Some(Ok(_)) => continue,
        }
    }
}

#[tokio::test]
async fn only_the_owner_changes_the_shop_and_its_allowed_storefronts() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let owner = app.sign_in().await;
    let agent = app.sign_in_as(demo::SECOND_AGENT_EMAIL).await;

    let read: SiteSettings = client
        .get(app.url("/api/site"))
        .header("cookie", &agent)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read.allowed_origins, ["http://127.0.0.1:*"]);

    let wanted = SiteSettings {
        name: "Tienda Nueva".into(),
        greeting: "¡Bienvenida!".into(),
        allowed_origins: vec!["https://tienda.example".into()],
        hours: None,
        ask_email_after_secs: Some(300),
        reply_target_secs: None,
        email_reply_target_secs: Some(5 * 3600),
        widget_accent: None,
        widget_position: None,
        widget_lang: None,
    };
    let by_agent = client
        .put(app.url("/api/site"))
        .header("cookie", &agent)
        .json(&wanted)
        .send()
        .await
        .unwrap();
    assert_eq!(by_agent.status(), 403);
    assert_eq!(
        by_agent.json::<ProtocolError>().await.unwrap().code,
        ErrorCode::OwnerOnly
    );

    let bad_origin = SiteSettings {
        allowed_origins: vec!["https://tienda.example/path".into()],
        ..wanted.clone()
    };
    let bad_wait = SiteSettings {
        ask_email_after_secs: Some(limits::MAX_SETTING_SECS + 1),
        ..wanted.clone()
    };
    // E-mail may wait longer than a live chat, but not past a week.
    let bad_email_target = SiteSettings {
        email_reply_target_secs: Some(limits::MAX_EMAIL_TARGET_SECS + 1),
        ..wanted.clone()
    };
    for bad in [bad_origin, bad_wait, bad_email_target] {
        let refused = client
            .put(app.url("/api/site"))
            .header("cookie", &owner)
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 400);
        assert_eq!(
            refused.json::<ProtocolError>().await.unwrap().code,
            ErrorCode::InvalidSetting
        );
    }

    let saved = client
        .put(app.url("/api/site"))
        .header("cookie", &owner)
        .json(&wanted)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);
    let saved: SiteSettings = saved.json().await.unwrap();
    // The wait and the e-mail target were set; the live target, left out, kept its default.
    assert_eq!(saved.ask_email_after_secs, Some(300));
    assert_eq!(saved.email_reply_target_secs, Some(5 * 3600));
    assert_eq!(
        saved.reply_target_secs,
        Some(pronto_protocol::dashboard::DEFAULT_REPLY_TARGET_SECS)
    );

    // The new list applies at once: the listed storefront gets in, the old one no longer does.
    let url = format!("ws://{}/ws/visitor", app.addr);
    for (origin, allowed) in [
        ("https://tienda.example", true),
        ("http://127.0.0.1:4173", false),
    ] {
        let mut visitor = Socket::<_, ServerToVisitor>::try_connect(&url, &[("origin", origin)])
            .await
            .unwrap();
        visitor.send(&hello(None)).await;
        match visitor.next().await {
            ServerToVisitor::Welcome { shop, .. } => {
                assert!(allowed, "{origin} should be refused");
                assert_eq!(shop.name, "Tienda Nueva");
                assert_eq!(shop.ask_email_after_secs, 300);
            }
            ServerToVisitor::Error(e) => {
                assert!(!allowed, "{origin} should be let in");
                assert_eq!(e.code, ErrorCode::OriginNotAllowed);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn session_cookies_are_secure_behind_tls() {
    let app = spawn_app().await;
    let response = reqwest::Client::new()
        .post(app.url("/api/login"))
        .header("x-forwarded-proto", "https")
        .json(&serde_json::json!({ "email": demo::AGENT_EMAIL, "password": demo::AGENT_PASSWORD }))
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("; Secure")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
}

fn sign(secret: &str, user_id: &str) -> String {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(user_id.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn identify(user_id: &str, signature: &str) -> pronto_protocol::visitor::VisitorToServer {
    pronto_protocol::visitor::VisitorToServer::Identify {
        user_id: user_id.into(),
        signature: signature.into(),
    }
}

#[tokio::test]
async fn a_signed_in_customer_gets_one_history_across_devices_and_nobody_else_does() {
    let app = spawn_app().await;
    let (mut phone, _) = app.greeted_visitor(None).await;
    // Before the owner turns it on, nobody can be identified.
    phone.send(&identify("cliente-42", "00")).await;
    let refused = phone.next().await;
    assert!(
        matches!(&refused, ServerToVisitor::Error(e) if e.code == ErrorCode::IdentityRejected),
        "{refused:?}"
    );

    let owner = app.sign_in().await;
    let secret: pronto_protocol::agent::IdentitySecret = reqwest::Client::new()
        .post(app.url("/api/site/identity-secret"))
        .header("cookie", &owner)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let agent = app.sign_in_as(demo::SECOND_AGENT_EMAIL).await;
    let by_agent = reqwest::Client::new()
        .post(app.url("/api/site/identity-secret"))
        .header("cookie", &agent)
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_agent.status(),
        403,
        "only the owner hands out the secret"
    );

    // On the phone the customer writes, then the shop's page vouches for them.
    phone
        .send(&crate::helpers::say("Escribo desde el móvil"))
        .await;
    phone
        .next_matching(|f| matches!(f, ServerToVisitor::Ack { .. }))
        .await;
    phone
        .send(&identify("cliente-42", &sign(&secret.secret, "cliente-42")))
        .await;
    let ServerToVisitor::Welcome {
        token: phone_token, ..
    } = phone
        .next_matching(|f| matches!(f, ServerToVisitor::Welcome { .. }))
        .await
    else {
        unreachable!()
    };

    // On the laptop, a new anonymous visitor until the page vouches for the same customer.
    let (mut laptop, _) = app.greeted_visitor(None).await;
    laptop
        .send(&identify("cliente-42", &sign(&secret.secret, "cliente-42")))
        .await;
    let ServerToVisitor::Welcome {
        token,
        conversation,
        ..
    } = laptop
        .next_matching(|f| matches!(f, ServerToVisitor::Welcome { .. }))
        .await
    else {
        unreachable!()
    };
    assert_eq!(token, phone_token, "one visitor on both devices");
    let texts: Vec<_> = conversation
        .unwrap()
        .messages
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(texts, ["Escribo desde el móvil"]);
    // And what the laptop writes reaches the phone: one conversation.
    laptop
        .send(&crate::helpers::say("Sigo en el portátil"))
        .await;
    phone
        .next_matching(|f| matches!(f, ServerToVisitor::Message { message } if message.text == "Sigo en el portátil"))
        .await;

    // Someone claiming to be that customer without the shop's signature gets nothing.
    let (mut impostor, _) = app.greeted_visitor(None).await;
    for forged in [
        sign("adivinanza", "cliente-42"),
        sign(&secret.secret, "cliente-43"),
        "zz".into(),
    ] {
        impostor.send(&identify("cliente-42", &forged)).await;
        let answer = impostor.next().await;
        assert!(
            matches!(&answer, ServerToVisitor::Error(e) if e.code == ErrorCode::IdentityRejected),
            "{answer:?}"
        );
    }
}

#[tokio::test]
async fn a_change_of_one_setting_keeps_every_other_as_stored() {
    let app = spawn_app().await;
    let owner = app.sign_in().await;
    let before: SiteSettings = app.get_json(&owner, "/api/site").await;
    // Two tabs of the settings page, each saving its own part from what it read earlier: the
    // widget's corner in one, the shop's name in the other.
    let corner = app
        .put_json(
            &owner,
            "/api/site",
            serde_json::json!({"widget_position": "left"}),
        )
        .await;
    assert_eq!(corner.status(), 200);
    let renamed = app
        .put_json(
            &owner,
            "/api/site",
            serde_json::json!({"name": "Zapatillas Sur"}),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    let after: SiteSettings = renamed.json().await.unwrap();
    assert_eq!(after.widget_position.as_deref(), Some("left"));
    assert_eq!(after.name, "Zapatillas Sur");
    assert_eq!(
        SiteSettings {
            name: before.name.clone(),
            widget_position: before.widget_position.clone(),
            ..after.clone()
        },
        before,
        "nothing else changed"
    );

    // An empty change keeps everything; a bad field in a change refuses all of it.
    let same = app
        .put_json(&owner, "/api/site", serde_json::json!({}))
        .await;
    assert_eq!(same.json::<SiteSettings>().await.unwrap(), after);
    let refused = app
        .put_json(
            &owner,
            "/api/site",
            serde_json::json!({"greeting": "¡Hola!", "name": "  "}),
        )
        .await;
    assert_eq!(refused.status(), 400);
    assert_eq!(
        refused.json::<ProtocolError>().await.unwrap().code,
        ErrorCode::InvalidSetting
    );
    let kept: SiteSettings = app.get_json(&owner, "/api/site").await;
    assert_eq!(kept, after);
}
