//! Opening hours and the typical reply: what a visitor is told before they write, from a
//! scripted week of the shop's conversations and the hours its owner sets.

use std::time::Duration;

use futures::StreamExt;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use pronto_protocol::agent::{OpenInterval, OpeningHours, SiteSettings, Week};
use pronto_protocol::visitor::{ServerToVisitor, Shop};
use pronto_protocol::{ErrorCode, ProtocolError, decode};
use tokio_tungstenite::tungstenite::Message;

use pronto_testkit::history::Past;

use crate::helpers::{Socket, TestApp, spawn_app};

const MINUTE: i64 = 60_000;

fn now_ms() -> i64 {
    Timestamp::now().as_millisecond()
}

/// A conversation of the demo shop's history, by when the visitor first wrote and how long
/// until an agent first answered (never: `None`): taken as it was answered, closed a minute
/// later.
fn past(asked_ms: i64, answered_after_ms: Option<i64>) -> Past {
    let answered = answered_after_ms.map(|after| asked_ms + after);
    Past {
        asked_ms,
        taken_ms: answered,
        answered_ms: answered,
        closed_ms: answered.unwrap_or(asked_ms) + MINUTE,
        reply_mailed: false,
    }
}

/// Writes `history` into the demo shop's database, Ana answering.
async fn write_history(app: &TestApp, history: &[Past]) {
    pronto_testkit::history::write(
        app.database_url(),
        "demo",
        pronto_server::demo::AGENT_EMAIL,
        history,
    )
    .await;
}

/// The shop as a new visitor is welcomed.
async fn welcomed_shop(app: &TestApp) -> Shop {
    let (_, welcome) = app.greeted_visitor(None).await;
    let ServerToVisitor::Welcome { shop, .. } = welcome else {
        unreachable!("checked by greeted_visitor")
    };
    shop
}

fn interval(opens: &str, closes: &str) -> OpenInterval {
    OpenInterval {
        opens: opens.into(),
        closes: closes.into(),
    }
}

/// `intervals` every day of the week, in `time_zone`.
fn every_day(time_zone: &str, intervals: Vec<OpenInterval>) -> OpeningHours {
    OpeningHours {
        time_zone: time_zone.into(),
        week: Week {
            mon: intervals.clone(),
            tue: intervals.clone(),
            wed: intervals.clone(),
            thu: intervals.clone(),
            fri: intervals.clone(),
            sat: intervals.clone(),
            sun: intervals,
        },
        holidays: vec![],
    }
}

/// `intervals` on `day`'s weekday only.
fn weekly_on(day: Date, time_zone: &str, intervals: Vec<OpenInterval>) -> OpeningHours {
    let mut week = Week::default();
    let slot = match day.weekday().to_monday_zero_offset() {
        0 => &mut week.mon,
        1 => &mut week.tue,
        2 => &mut week.wed,
        3 => &mut week.thu,
        4 => &mut week.fri,
        5 => &mut week.sat,
        _ => &mut week.sun,
    };
    *slot = intervals;
    OpeningHours {
        time_zone: time_zone.into(),
        week,
        holidays: vec![],
    }
}

/// The owner's client for `/api/site`.
struct OwnerApi<'a> {
    app: &'a TestApp,
    cookie: String,
    client: reqwest::Client,
}

impl<'a> OwnerApi<'a> {
    async fn sign_in(app: &'a TestApp) -> Self {
        OwnerApi {
            app,
            cookie: app.sign_in().await,
            client: reqwest::Client::new(),
        }
    }

    async fn read(&self) -> SiteSettings {
        self.client
            .get(self.app.url("/api/site"))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Sends `body` as the new settings: the settings saved, or the status and error code.
    async fn change(
        &self,
        body: &serde_json::Value,
    ) -> Result<SiteSettings, (u16, ErrorCode, String)> {
        let response = self
            .client
            .put(self.app.url("/api/site"))
            .header("cookie", &self.cookie)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        if status == 200 {
            Ok(response.json().await.unwrap())
        } else {
            let error: ProtocolError = response.json().await.expect("a typed error");
            Err((status, error.code, error.message))
        }
    }

    /// Sets the demo shop's hours, keeping the rest as it is.
    async fn set_hours(&self, hours: Option<OpeningHours>) -> SiteSettings {
        let mut settings = self.read().await;
        settings.hours = Some(hours);
        self.change(&serde_json::to_value(&settings).unwrap())
            .await
            .expect("hours saved")
    }
}

/// The next `availability` frame, waiting up to `patience` (longer than the socket helper's
/// own patience, for a change that comes with the clock).
async fn next_availability(
    visitor: &mut Socket<pronto_protocol::visitor::VisitorToServer, ServerToVisitor>,
    patience: Duration,
) -> (bool, Option<u32>, Option<i64>) {
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        let message = tokio::time::timeout_at(deadline, visitor.ws.next())
            .await
            .expect("an availability frame in time")
            .expect("socket still open")
            .expect("socket read");
        let Message::Text(text) = message else {
            continue;
        };
        if let ServerToVisitor::Availability {
            online,
            typical_reply_secs,
            opens_at_ms,
        } = decode(text.as_str()).expect("a valid frame")
        {
            return (online, typical_reply_secs, opens_at_ms);
        }
    }
}

#[tokio::test]
async fn the_typical_reply_is_the_median_first_reply_of_the_week_within_opening_hours() {
    let app = spawn_app().await;
    let santiago = TimeZone::get("America/Santiago").unwrap();
    let today = santiago.to_datetime(Timestamp::now()).date();
    // When the shop's clock read `time` `days` ago.
    let local = |days: i64, time: Time| -> i64 {
        let day = today.checked_sub(days.days()).unwrap();
        santiago
            .to_ambiguous_timestamp(day.to_datetime(time))
            .compatible()
            .unwrap()
            .as_millisecond()
    };
    let morning = Time::constant(10, 0, 0, 0);
    let night = Time::constant(21, 0, 0, 0);
    let mut week = Vec::new();
    for n in 1..=5 {
        // The five mornings before today, answered after 1 to 5 minutes…
        week.push(past(local(n, morning), Some(n * MINUTE)));
        // …five nights answered in a second, when the shop is closed…
        week.push(past(local(n, night), Some(1_000)));
        // …and mornings more than a week ago, answered in a second too.
        week.push(past(local(8 + n, morning), Some(1_000)));
    }
    // One morning visitor nobody answered: slower than every answer.
    week.push(past(local(3, Time::constant(11, 0, 0, 0)), None));
    write_history(&app, &week).await;

    // Without opening hours every conversation of the week counts: of eleven (five at
    // night), the middle is the 1-minute answer.
    let shop = welcomed_shop(&app).await;
    assert_eq!(shop.typical_reply_secs, Some(60));
    assert_eq!(shop.opens_at_ms, None, "no hours, never closed");

    // Open 09:00–18:00 every day: the nights drop out. Of the six mornings of the week
    // (1 to 5 minutes, and the unanswered one), the later middle is 4 minutes.
    let owner = OwnerApi::sign_in(&app).await;
    owner
        .set_hours(Some(every_day(
            "America/Santiago",
            vec![interval("09:00", "18:00")],
        )))
        .await;
    assert_eq!(welcomed_shop(&app).await.typical_reply_secs, Some(240));
}

#[tokio::test]
async fn too_few_conversations_leave_the_typical_reply_unknown() {
    let app = spawn_app().await;
    let now = now_ms();
    let four: Vec<Past> = (1..=4)
        .map(|n| past(now - n * 60 * MINUTE, Some(2 * MINUTE)))
        .collect();
    write_history(&app, &four).await;
    let shop = welcomed_shop(&app).await;
    assert_eq!(
        shop.typical_reply_secs, None,
        "four conversations are too few"
    );
    assert_eq!(shop.opens_at_ms, None);
}

#[tokio::test]
async fn bad_opening_hours_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let owner = OwnerApi::sign_in(&app).await;
    let before = owner.read().await;
    assert_eq!(
        before.hours,
        Some(None),
        "a shop starts without hours: always open"
    );
    let with_hours = |hours: serde_json::Value| {
        let mut body = serde_json::to_value(&before).unwrap();
        body["name"] = "Renamed".into();
        body["hours"] = hours;
        body
    };
    let refusals = [
        (
            serde_json::json!({"time_zone": "Mars/Olympus_Mons", "week": {"mon": [{"opens": "09:00", "closes": "18:00"}]}}),
            ErrorCode::InvalidTimeZone,
        ),
        (
            serde_json::json!({"time_zone": "Europe/Madrid", "week": {"mon": [{"opens": "09:00", "closes": "13:00"}, {"opens": "12:00", "closes": "18:00"}]}}),
            ErrorCode::InvalidHours,
        ),
        (
            serde_json::json!({"time_zone": "Europe/Madrid", "week": {"tue": [{"opens": "18:00", "closes": "09:00"}]}}),
            ErrorCode::InvalidHours,
        ),
        (
            serde_json::json!({"time_zone": "Europe/Madrid", "week": {"wed": [{"opens": "9am", "closes": "5pm"}]}}),
            ErrorCode::InvalidHours,
        ),
        (
            serde_json::json!({"time_zone": "Europe/Madrid", "week": {}}),
            ErrorCode::InvalidHours,
        ),
        (
            serde_json::json!({"time_zone": "Europe/Madrid", "week": {"mon": [{"opens": "09:00", "closes": "18:00"}]}, "holidays": ["25/12/2025"]}),
            ErrorCode::InvalidHours,
        ),
        // Not the shape of hours at all: refused as a setting, typed all the same.
        (
            serde_json::json!({"time_zone": "Europe/Madrid", "week": {"monday": [{"opens": "09:00", "closes": "18:00"}]}}),
            ErrorCode::InvalidSetting,
        ),
    ];
    for (hours, code) in refusals {
        let refused = owner.change(&with_hours(hours.clone())).await;
        let Err((status, got, message)) = refused else {
            panic!("{hours} was saved");
        };
        assert_eq!((status, got), (400, code), "{hours}: {message}");
        assert_eq!(owner.read().await, before, "{hours} changed something");
    }
    // An agent who is not the owner may not set hours.
    let bruno = app
        .sign_in_as(pronto_server::demo::SECOND_AGENT_EMAIL)
        .await;
    let by_agent = reqwest::Client::new()
        .put(app.url("/api/site"))
        .header("cookie", &bruno)
        .json(&with_hours(serde_json::json!({"time_zone": "UTC", "week": {"mon": [{"opens": "09:00", "closes": "18:00"}]}})))
        .send()
        .await
        .unwrap();
    assert_eq!(by_agent.status(), 403);
    assert_eq!(owner.read().await, before);

    // Good hours are saved in order and read back the same way.
    let saved = owner
        .change(&with_hours(serde_json::json!({
            "time_zone": "America/Santiago",
            "week": {"mon": [{"opens": "14:00", "closes": "18:00"}, {"opens": "09:00", "closes": "13:00"}]},
            "holidays": ["2025-12-25", "2025-09-18"],
        })))
        .await
        .expect("good hours are saved");
    let expected = OpeningHours {
        time_zone: "America/Santiago".into(),
        week: Week {
            mon: vec![interval("09:00", "13:00"), interval("14:00", "18:00")],
            ..Week::default()
        },
        holidays: vec!["2025-09-18".into(), "2025-12-25".into()],
    };
    assert_eq!(saved.hours, Some(Some(expected.clone())));
    assert_eq!(owner.read().await, saved);
    // A client that predates opening hours sends none: they are kept.
    let mut old_client = serde_json::to_value(&saved).unwrap();
    old_client.as_object_mut().unwrap().remove("hours");
    old_client["greeting"] = "¡Hola!".into();
    let kept = owner.change(&old_client).await.unwrap();
    assert_eq!(kept.hours, Some(Some(expected)));
    assert_eq!(kept.greeting, "¡Hola!");
    // `null` removes them: always open again.
    let mut removed = serde_json::to_value(&saved).unwrap();
    removed["hours"] = serde_json::Value::Null;
    assert_eq!(owner.change(&removed).await.unwrap().hours, Some(None));
}

#[tokio::test]
async fn a_shop_closed_by_its_hours_says_when_it_opens_to_new_and_connected_visitors() {
    let app = spawn_app().await;
    let (mut visitor, _) = app.greeted_visitor(None).await;
    let owner = OwnerApi::sign_in(&app).await;

    // Open only on the weekday three days from now, 09:00–10:00 in Madrid: closed now, and
    // open again at nine that day.
    let madrid = TimeZone::get("Europe/Madrid").unwrap();
    let opening_day = madrid
        .to_datetime(Timestamp::now())
        .date()
        .checked_add(3.days())
        .unwrap();
    let opens_at_ms = madrid
        .to_ambiguous_timestamp(opening_day.to_datetime(Time::constant(9, 0, 0, 0)))
        .compatible()
        .unwrap()
        .as_millisecond();
    owner
        .set_hours(Some(weekly_on(
            opening_day,
            "Europe/Madrid",
            vec![interval("09:00", "10:00")],
        )))
        .await;
    // The visitor on the page hears it at once, as does the next one in their welcome.
    let (online, typical, opens_at) =
        next_availability(&mut visitor, Duration::from_secs(10)).await;
    assert_eq!(
        (online, typical, opens_at),
        (false, None, Some(opens_at_ms))
    );
    let shop = welcomed_shop(&app).await;
    assert_eq!(shop.opens_at_ms, Some(opens_at_ms));

    // Open round the clock: nothing to wait for.
    owner
        .set_hours(Some(every_day(
            "Europe/Madrid",
            vec![interval("00:00", "24:00")],
        )))
        .await;
    let (_, _, opens_at) = next_availability(&mut visitor, Duration::from_secs(10)).await;
    assert_eq!(opens_at, None);
    assert_eq!(welcomed_shop(&app).await.opens_at_ms, None);
}

#[tokio::test]
async fn visitors_on_the_page_hear_the_shop_close_when_the_clock_says_so() {
    let app = spawn_app().await;
    let (mut visitor, _) = app.greeted_visitor(None).await;
    let owner = OwnerApi::sign_in(&app).await;

    // Open today (UTC) from this minute until the next whole minute — or the one after, if
    // that is too close to set the hours in time — and only on this weekday.
    let now = Timestamp::now();
    let clock = TimeZone::UTC.to_datetime(now);
    let this_minute = i64::from(clock.hour()) * 60 + i64::from(clock.minute());
    let closes = (this_minute + if clock.second() >= 55 { 2 } else { 1 }).min(24 * 60);
    let hhmm = |minutes: i64| format!("{:02}:{:02}", minutes / 60, minutes % 60);
    owner
        .set_hours(Some(weekly_on(
            clock.date(),
            "UTC",
            vec![interval(&hhmm(this_minute), &hhmm(closes))],
        )))
        .await;
    let (_, _, opens_at) = next_availability(&mut visitor, Duration::from_secs(10)).await;
    assert_eq!(opens_at, None, "open until {}", hhmm(closes));

    // At the closing time the visitor is told, unasked: back the same time next week.
    let midnight = clock.date().to_datetime(Time::midnight());
    let day_start = TimeZone::UTC
        .to_ambiguous_timestamp(midnight)
        .compatible()
        .unwrap()
        .as_millisecond();
    let next_week = day_start + 7 * 24 * 60 * MINUTE + this_minute * MINUTE;
    let (_, _, opens_at) = next_availability(&mut visitor, Duration::from_secs(150)).await;
    assert_eq!(opens_at, Some(next_week));
    assert!(
        now_ms() >= day_start + closes * MINUTE,
        "told before closing"
    );
}
