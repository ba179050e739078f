//! Places and expected waits as the queue moves: what each waiting visitor is told, when, and
//! whether it adds up — with a shop's history behind it, and without.

use std::time::Duration;

use pronto_protocol::agent::{AgentToServer, ServerToAgent};
use pronto_protocol::chat::WaitEstimate;
use pronto_protocol::ids::ConversationId;
use pronto_protocol::visitor::{ServerToVisitor, VisitorToServer};
use pronto_testkit::client::take_next;
use tokio::time::Instant;

use crate::helpers::{Scratch, Socket, TestApp, say, spawn_app, spawn_two_on};

type Visitor = Socket<VisitorToServer, ServerToVisitor>;
type Agent = Socket<AgentToServer, ServerToAgent>;

/// The server sends one visitor at most one place a second. Frames are timed here as they
/// arrive, so allow for a frame that was held up on its way more than the next one.
const AT_LEAST_APART: Duration = Duration::from_millis(900);

/// A visitor waiting in line, and every place they were told, with when it arrived.
struct InLine {
    socket: Visitor,
    /// Their token, to open another tab as them.
    token: String,
    told: Vec<(Instant, u32, Option<WaitEstimate>)>,
}

impl InLine {
    /// Greets the demo shop and writes: the visitor joins the line.
    async fn join(app: &TestApp, text: &str) -> InLine {
        let (mut socket, welcome) = app.greeted_visitor(None).await;
        let ServerToVisitor::Welcome { token, .. } = welcome else {
            unreachable!()
        };
        socket.send(&say(text)).await;
        let mut visitor = InLine {
            socket,
            token,
            told: Vec::new(),
        };
        visitor.told_place().await;
        visitor
    }

    /// Waits for the next place told and notes it.
    async fn told_place(&mut self) -> (u32, Option<WaitEstimate>) {
        let frame = self
            .socket
            .next_matching(|f| matches!(f, ServerToVisitor::Queue { .. }))
            .await;
        let ServerToVisitor::Queue { position, estimate } = frame else {
            unreachable!()
        };
        self.told.push((Instant::now(), position, estimate));
        (position, estimate)
    }

    /// Waits until the visitor is told `position`, noting every place told on the way.
    async fn until_place(&mut self, position: u32) -> Option<WaitEstimate> {
        loop {
            let (now, estimate) = self.told_place().await;
            if now == position {
                return estimate;
            }
        }
    }

    fn latest(&self) -> (u32, Option<WaitEstimate>) {
        let (_, position, estimate) = *self.told.last().expect("told a place");
        (position, estimate)
    }

    /// Each place told once, in the order told (a new wait at the same place repeats none).
    fn places(&self) -> Vec<u32> {
        let mut places: Vec<u32> = self.told.iter().map(|(_, p, _)| *p).collect();
        places.dedup();
        places
    }

    fn assert_never_two_within_a_second(&self, who: &str) {
        for pair in self.told.windows(2) {
            let apart = pair[1].0 - pair[0].0;
            assert!(
                apart >= AT_LEAST_APART,
                "{who} was told two places {apart:?} apart: {:?} then {:?}",
                (pair[0].1, pair[0].2),
                (pair[1].1, pair[1].2),
            );
        }
    }
}

/// A wait that is known, and whose range holds its typical value.
fn known(estimate: Option<WaitEstimate>, who: &str) -> WaitEstimate {
    let estimate = estimate.unwrap_or_else(|| panic!("{who}: no estimate despite the history"));
    assert!(
        estimate.low_secs <= estimate.typical_secs && estimate.typical_secs <= estimate.high_secs,
        "{who}: the range does not hold the typical wait: {estimate:?}"
    );
    estimate
}

/// Writes a history into the demo shop's database, as if it had served visitors all morning:
/// one agent, `chats` conversations of four minutes each back to back, each visitor having
/// waited two minutes, the last one ending now.
async fn serve_history(app: &TestApp, chats: i64) {
    pronto_testkit::history::served(
        app.database_url(),
        "demo",
        pronto_server::demo::AGENT_EMAIL,
        chats,
    )
    .await;
}

/// The agent is done with `conversation`.
async fn close(agent: &mut Agent, conversation: ConversationId) {
    agent.send(&AgentToServer::Close { conversation }).await;
    agent
        .next_matching(|f| matches!(f, ServerToAgent::Closed { .. }))
        .await;
}

/// Takes the next visitor and closes the conversation at once, as an agent with a quick one.
async fn serve_next(agent: &mut Agent) {
    let conversation = take_next(agent).await;
    close(agent, conversation.id).await;
}

#[tokio::test]
async fn places_and_waits_count_down_as_the_queue_drains() {
    let app = spawn_app().await;
    serve_history(&app, 30).await;
    let (mut agent, _) = app.agent().await;

    // Three visitors queue up; each hears their place and a wait at once.
    let first = InLine::join(&app, "¿Tienen talla M?").await;
    let mut second = InLine::join(&app, "¿Envían a Arequipa?").await;
    let mut third = InLine::join(&app, "¿Aceptan Yape?").await;
    let mut at_join = Vec::new();
    for (who, visitor, place) in [
        ("first", &first, 1),
        ("second", &second, 2),
        ("third", &third, 3),
    ] {
        let (position, estimate) = visitor.latest();
        assert_eq!(position, place, "{who}");
        let estimate = known(estimate, who);
        assert!(
            estimate.low_secs < estimate.high_secs,
            "{who}: a range: {estimate:?}"
        );
        at_join.push(estimate);
    }
    // Further back, a longer wait: with four-minute chats, minutes longer.
    assert!(
        at_join[0].typical_secs < at_join[1].typical_secs
            && at_join[1].typical_secs < at_join[2].typical_secs,
        "{at_join:?}"
    );
    assert!(
        at_join[2].typical_secs >= 3 * 60,
        "third in line behind four-minute chats: {at_join:?}"
    );

    // The agent takes the first: everyone behind moves up one, with a wait for the new place.
    let with_first = take_next(&mut agent).await;
    let second_at_1 = known(second.until_place(1).await, "second");
    let third_at_2 = known(third.until_place(2).await, "third");
    assert!(
        second_at_1.typical_secs < third_at_2.typical_secs,
        "first in line waits less than second: {second_at_1:?} {third_at_2:?}"
    );
    assert!(
        third_at_2.typical_secs < at_join[2].typical_secs,
        "moving up shortens the wait: {third_at_2:?} after {at_join:?}"
    );

    // At once, the agent finishes with the first and takes the second: two changes for the
    // third, told as one, a second after the last.
    close(&mut agent, with_first.id).await;
    let with_second = take_next(&mut agent).await;
    let third_at_1 = known(third.until_place(1).await, "third");
    assert!(
        third_at_1.typical_secs < third_at_2.typical_secs,
        "{third_at_1:?} after {third_at_2:?}"
    );
    close(&mut agent, with_second.id).await;
    take_next(&mut agent).await;
    third
        .socket
        .next_matching(|f| matches!(f, ServerToVisitor::Assigned { .. }))
        .await;

    assert_eq!(third.places(), [3, 2, 1]);
    assert_eq!(second.places(), [2, 1]);
    assert_eq!(first.places(), [1]);
    for (who, visitor) in [("first", &first), ("second", &second), ("third", &third)] {
        visitor.assert_never_two_within_a_second(who);
        for (_, _, estimate) in &visitor.told {
            known(*estimate, who);
        }
    }
}

#[tokio::test]
async fn without_history_the_wait_is_unknown_until_visitors_have_been_served() {
    let app = spawn_app().await;
    let (mut agent, _) = app.agent().await;

    // A new shop: a place in line, and no made-up wait.
    let mut early = InLine::join(&app, "¿Hay alguien?").await;
    assert_eq!(early.latest(), (1, None));
    serve_next(&mut agent).await;
    early
        .socket
        .next_matching(|f| matches!(f, ServerToVisitor::Closed))
        .await;

    // Learnt from the queue itself, live: five more served, and the estimator has seen
    // enough takes and finished conversations to say something.
    for n in 0..5 {
        let mut visitor = InLine::join(&app, &format!("consulta {n}")).await;
        assert_eq!(visitor.latest().0, 1);
        serve_next(&mut agent).await;
        visitor
            .socket
            .next_matching(|f| matches!(f, ServerToVisitor::Closed))
            .await;
    }
    let later = InLine::join(&app, "¿Y ahora?").await;
    let (position, estimate) = later.latest();
    assert_eq!(position, 1);
    known(estimate, "after six served");
}

#[tokio::test]
async fn with_nobody_online_the_wait_is_unknown_even_with_history() {
    let app = spawn_app().await;
    serve_history(&app, 30).await;
    let visitor = InLine::join(&app, "¿Hola?").await;
    assert_eq!(visitor.latest(), (1, None));
}

#[tokio::test]
async fn two_servers_tell_the_same_places_and_about_the_same_waits() {
    let scratch = Scratch::from_env().await;
    if scratch.backend != pronto_testkit::Backend::Postgres {
        // Servers of one deployment share PostgreSQL and Redis: the PostgreSQL run checks it.
        return;
    }
    let (one, other) = spawn_two_on(&scratch).await;
    serve_history(&one, 30).await;
    let (_agent, _) = one.agent().await;
    let ahead = InLine::join(&one, "¿Tienen talla M?").await;
    let behind = InLine::join(&one, "¿Envían a Arequipa?").await;

    // The visitor behind opens a second tab, which the load balancer sends to the other
    // server: it tells the same place, and a wait its own estimator learnt from the same
    // database.
    let (mut tab, _) = other.greeted_visitor(Some(behind.token.clone())).await;
    let frame = tab
        .next_matching(|f| matches!(f, ServerToVisitor::Queue { .. }))
        .await;
    let ServerToVisitor::Queue { position, estimate } = frame else {
        unreachable!()
    };
    let (position_here, estimate_here) = behind.latest();
    assert_eq!(position, position_here);
    assert_eq!(position, 2);
    let there = known(estimate, "the tab on the other server");
    let here = known(estimate_here, "the tab on the first server");
    assert!(
        here.typical_secs.abs_diff(there.typical_secs) <= 60,
        "{here:?} here, {there:?} there"
    );
    let first = known(ahead.latest().1, "ahead");
    assert!(
        first.typical_secs < there.typical_secs,
        "first in line, {first:?}; second, on the other server, {there:?}"
    );
}
