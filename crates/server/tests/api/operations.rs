//! The operators' view: liveness, readiness, and metrics that count what really happened.

use std::time::Duration;

use pronto_protocol::visitor::ServerToVisitor;
use tokio::time::Instant;

use crate::helpers::{TestApp, say, spawn_app};

async fn get(app: &TestApp, path: &str) -> (u16, String) {
    let response = reqwest::get(app.url(path)).await.expect("a response");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}

/// The value of the sample `name` (with its labels, as written) in the metrics.
fn sample(metrics: &str, name: &str) -> f64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {name} in\n{metrics}"))
        .parse()
        .expect("a number")
}

/// Reads the metrics until `name` reads `wanted` (sockets close a moment after the client).
pub async fn until_sample(app: &TestApp, name: &str, wanted: f64) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, metrics) = get(app, "/metrics").await;
        if sample(&metrics, name) == wanted {
            return metrics;
        }
        assert!(
            Instant::now() < deadline,
            "{name} never read {wanted}:\n{metrics}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn health_readiness_and_metrics_follow_what_happens() {
    let app = spawn_app().await;
    assert_eq!(get(&app, "/healthz").await, (200, "ok\n".to_owned()));
    assert_eq!(get(&app, "/readyz").await, (200, "ready\n".to_owned()));

    let response = reqwest::get(app.url("/metrics")).await.unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let before = response.text().await.unwrap();
    assert_eq!(sample(&before, "pronto_sockets{side=\"visitor\"}"), 0.0);
    assert_eq!(sample(&before, "pronto_queue_waiting"), 0.0);

    // A visitor greets and writes: one socket, two frames handled, one message, one waiting.
    let (mut visitor, _) = app.greeted_visitor(None).await;
    visitor.send(&say("¿Tienen la talla 42?")).await;
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Ack { .. }))
        .await;
    let during = until_sample(&app, "pronto_messages_total{side=\"visitor\"}", 1.0).await;
    assert_eq!(sample(&during, "pronto_sockets{side=\"visitor\"}"), 1.0);
    assert_eq!(sample(&during, "pronto_queue_waiting"), 1.0);
    let frames = sample(&during, "pronto_frames_total{side=\"visitor\"}");
    assert_eq!(frames, 2.0, "hello and send");
    // The histogram counts every frame handled, in its last bucket as in its count.
    assert_eq!(
        sample(
            &during,
            "pronto_frame_seconds_bucket{side=\"visitor\",le=\"+Inf\"}"
        ),
        frames
    );
    assert_eq!(
        sample(&during, "pronto_frame_seconds_count{side=\"visitor\"}"),
        frames
    );
    assert_eq!(
        sample(&during, "pronto_messages_total{side=\"agent\"}"),
        0.0
    );

    // The visitor leaves: the socket is no longer counted; the conversation still waits.
    visitor.ws.close(None).await.unwrap();
    let after = until_sample(&app, "pronto_sockets{side=\"visitor\"}", 0.0).await;
    assert_eq!(sample(&after, "pronto_queue_waiting"), 1.0);
}
