//! The owner's dashboard against a scripted day: every number can be worked out by hand.

use pronto_protocol::dashboard::{Dashboard, Numbers};
use pronto_protocol::visitor::ServerToVisitor;
use pronto_protocol::{ErrorCode, ProtocolError};
use pronto_server::demo;
use pronto_testkit::history::{Past, write};

use crate::helpers::{TestApp, say, spawn_app};

const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// Asked at `at`, taken `queued` later (or never), first answered `reply` after asking (or
/// never), closed at `closed`.
fn past(at: i64, queued: Option<i64>, reply: Option<i64>, closed: i64) -> Past {
    Past {
        asked_ms: at,
        taken_ms: queued.map(|q| at + q),
        answered_ms: reply.map(|r| at + r),
        closed_ms: closed,
        reply_mailed: false,
    }
}

/// As `past`, but the visitor had left before the reply, which went by e-mail.
fn mailed(at: i64, queued: i64, reply: i64, closed: i64) -> Past {
    Past {
        reply_mailed: true,
        ..past(at, Some(queued), Some(reply), closed)
    }
}

/// `numbers` with `by_email` first replies e-mailed, `on_target` of them within three hours.
fn with_email(numbers: Numbers, by_email: u32, on_target: u32) -> Numbers {
    Numbers {
        answered_by_email: by_email,
        answered_by_email_within_target: on_target,
        ..numbers
    }
}

async fn get(app: &TestApp, cookie: &str, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

fn numbers(
    conversations: u32,
    answered: u32,
    answered_within_target: u32,
    missed: u32,
    first_reply: Option<(u32, u32)>,
    queue: Option<(u32, u32)>,
) -> Numbers {
    Numbers {
        conversations,
        answered,
        answered_within_target,
        missed,
        first_reply_median_secs: first_reply.map(|f| f.0),
        first_reply_p90_secs: first_reply.map(|f| f.1),
        queue_median_secs: queue.map(|q| q.0),
        queue_p90_secs: queue.map(|q| q.1),
        ..Numbers::default()
    }
}

#[tokio::test]
async fn the_dashboard_adds_up_a_scripted_day() {
    let app = spawn_app().await;
    // Yesterday (UTC: the demo shop has no opening hours, so no time zone of its own).
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let yesterday = now - now.rem_euclid(DAY) - DAY;
    let at = |hour: i64| yesterday + hour * HOUR;
    let url = app.database_url().to_owned();
    write(
        &url,
        demo::SITE,
        demo::AGENT_EMAIL,
        &[
            // Taken in a minute, answered in 90 s: on target (2 min).
            past(at(9), Some(MINUTE), Some(90 * SECOND), at(9) + 10 * MINUTE),
            // Three minutes in the queue, four to the first reply: late.
            past(
                at(10),
                Some(3 * MINUTE),
                Some(4 * MINUTE),
                at(10) + 20 * MINUTE,
            ),
            // Nobody took it: missed.
            past(at(11), None, None, at(11) + 30 * MINUTE),
        ],
    )
    .await;
    write(
        &url,
        demo::SITE,
        demo::SECOND_AGENT_EMAIL,
        &[
            past(
                at(12),
                Some(30 * SECOND),
                Some(MINUTE),
                at(12) + 15 * MINUTE,
            ),
            past(
                at(13),
                Some(5 * MINUTE),
                Some(10 * MINUTE),
                at(13) + 30 * MINUTE,
            ),
            // The visitor left an e-mail and went; the reply, two hours on, went by e-mail:
            // on the e-mail target (3 h), though far past the live chat's.
            mailed(at(14), 110 * MINUTE, 2 * HOUR, at(14) + 3 * HOUR),
            // Four hours: late even by e-mail.
            mailed(at(15), 230 * MINUTE, 4 * HOUR, at(15) + 5 * HOUR),
        ],
    )
    .await;
    // And today, someone waiting right now.
    let (mut visitor, _) = app.greeted_visitor(None).await;
    visitor.send(&say("¿Hola?")).await;
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Ack { .. }))
        .await;

    let owner = app.sign_in().await;
    let response = get(&app, &owner, "/api/site/dashboard?days=2").await;
    assert_eq!(response.status(), 200);
    let dashboard: Dashboard = response.json().await.unwrap();
    assert_eq!(dashboard.time_zone, "UTC");
    assert_eq!(dashboard.reply_target_secs, 120);
    assert_eq!(dashboard.email_reply_target_secs, 3 * 3600);
    // First replies 60, 90, 240, 600, 7200 (by e-mail), 14400 (by e-mail) s; queue 30, 60,
    // 180, 300, 6600, 13800 s. On target: 60 and 90 live, 7200 by e-mail.
    let day = with_email(
        numbers(7, 6, 3, 1, Some((240, 14_400)), Some((180, 13_800))),
        2,
        1,
    );
    let today = numbers(1, 0, 0, 0, None, None);
    let days: Vec<_> = dashboard.days.iter().map(|d| d.numbers.clone()).collect();
    assert_eq!(days, [day.clone(), today]);
    assert_eq!(
        dashboard.total,
        with_email(
            numbers(8, 6, 3, 1, Some((240, 14_400)), Some((180, 13_800))),
            2,
            1
        )
    );
    assert_eq!(dashboard.unanswered_now, 1);
    let agents: Vec<_> = dashboard
        .agents
        .iter()
        .map(|a| (a.name.as_str(), a.numbers.clone()))
        .collect();
    assert_eq!(
        agents,
        [
            ("Ana", numbers(2, 2, 1, 0, Some((90, 240)), Some((60, 180)))),
            (
                "Bruno",
                with_email(
                    numbers(4, 4, 2, 0, Some((600, 14_400)), Some((300, 13_800))),
                    2,
                    1
                )
            ),
        ]
    );

    // The same as CSV, a row a day and the total.
    let csv = get(&app, &owner, "/api/site/dashboard.csv?days=2").await;
    assert_eq!(csv.status(), 200);
    assert_eq!(
        csv.headers()["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    let disposition = csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    let dates = (&dashboard.days[0].date, &dashboard.days[1].date);
    assert!(
        disposition.contains(&format!("pronto-demo-{}-to-{}.csv", dates.0, dates.1)),
        "{disposition}"
    );
    let body = csv.text().await.unwrap();
    let lines: Vec<_> = body.lines().collect();
    assert_eq!(
        lines,
        [
            "date,conversations,answered,answered_within_target,missed,first_reply_median_secs,first_reply_p90_secs,queue_median_secs,queue_p90_secs,rated,rated_good,instant_answers,instant_answers_helped,answered_by_email,answered_by_email_within_target",
            &format!("{},7,6,3,1,240,14400,180,13800,0,0,0,0,2,1", dates.0),
            &format!("{},1,0,0,0,,,,,0,0,0,0,0,0", dates.1),
            "total,8,6,3,1,240,14400,180,13800,0,0,0,0,2,1",
        ]
    );
}

#[tokio::test]
async fn only_the_owner_sees_the_numbers_and_a_bad_range_is_refused() {
    let app = spawn_app().await;
    let agent = app.sign_in_as(demo::SECOND_AGENT_EMAIL).await;
    let refused = get(&app, &agent, "/api/site/dashboard").await;
    assert_eq!(refused.status(), 403);
    let error: ProtocolError = refused.json().await.unwrap();
    assert_eq!(error.code, ErrorCode::OwnerOnly);

    let owner = app.sign_in().await;
    for range in ["days=0", "days=91", "days=siete", "days=-1"] {
        let refused = get(&app, &owner, &format!("/api/site/dashboard?{range}")).await;
        assert_eq!(refused.status(), 400, "{range}");
        let error: ProtocolError = refused.json().await.unwrap();
        assert_eq!(error.code, ErrorCode::InvalidSetting, "{range}");
    }
    // The default: a week, today last.
    let week: Dashboard = get(&app, &owner, "/api/site/dashboard")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(week.days.len(), 7);
    assert_eq!(week.total, Numbers::default());
}
