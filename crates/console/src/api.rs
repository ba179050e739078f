//! The console's HTTP calls: sign in, ask who is signed in, sign out, read the team and the
//! owner's dashboard, read and set follow-ups, e-mail a transcript, and read and change the
//! shop's settings, canned replies, quick answers and accounts. The session itself is
//! an HttpOnly cookie the browser keeps and sends; this code never sees it.

use gloo_net::http::{Request, Response};
use pronto_protocol::ProtocolError;
use pronto_protocol::agent::{
    AgentChange, AgentProfile, Assignment, CannedReply, FollowUpMark, FollowUps, LoginRequest,
    NewAgent, SiteSettings, SiteUpdate, TeamMember, VisitorHistory,
};
use pronto_protocol::answers::QuickAnswer;
use pronto_protocol::dashboard::Dashboard;
use pronto_protocol::ids::AgentId;
use pronto_protocol::ids::ConversationId;

/// Why a call did not give the answer we wanted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// The server said no, with words meant for people (a wrong password, say).
    Refused(ProtocolError),
    /// The server answered with a status and body we do not know how to read.
    Status(u16),
    /// No usable answer at all: offline, server down, or a body that is not what it should be.
    Network(String),
}

/// The signed-in agent, or `None` when there is no valid session.
pub async fn me() -> Result<Option<AgentProfile>, ApiError> {
    let response = Request::get("/api/me").send().await.map_err(network)?;
    match response.status() {
        200 => response.json().await.map(Some).map_err(network),
        401 => Ok(None),
        _ => Err(refusal(response).await),
    }
}

/// Signs in; on success the browser now holds the session cookie.
pub async fn login(email: String, password: String) -> Result<AgentProfile, ApiError> {
    send_json(
        Request::post("/api/login"),
        &LoginRequest { email, password },
    )
    .await
}

/// Ends the session on the server, so the cookie is worthless even if it lingers.
pub async fn logout() -> Result<(), ApiError> {
    send_expecting_nothing(Request::post("/api/logout").build().map_err(network)?).await
}

/// The shop's canned replies, in the owner's order.
pub async fn canned_replies() -> Result<Vec<CannedReply>, ApiError> {
    get_json("/api/site/canned").await
}

/// Replaces the shop's canned replies (owners only); the answer is the list as stored.
pub async fn set_canned_replies(replies: &[CannedReply]) -> Result<Vec<CannedReply>, ApiError> {
    put_json("/api/site/canned", replies).await
}

/// Everyone on the team, with whether they are online now.
pub async fn team() -> Result<Vec<TeamMember>, ApiError> {
    get_json("/api/site/team").await
}

/// Makes a console account for the shop (owners only); `email_taken` when the address has one.
pub async fn add_agent(agent: &NewAgent) -> Result<AgentProfile, ApiError> {
    send_json(Request::post("/api/site/agents"), agent).await
}

/// Who the visitor of `conversation` is and what they asked before.
pub async fn visitor_history(conversation: ConversationId) -> Result<VisitorHistory, ApiError> {
    get_json(&format!("/api/conversations/{}/visitor", conversation.0)).await
}

/// The shop's conversations marked to follow up, soonest first.
pub async fn follow_ups() -> Result<FollowUps, ApiError> {
    get_json("/api/site/follow-ups").await
}

/// Marks `conversation` to follow up `on` (`YYYY-MM-DD`), or takes the mark off (`None`).
pub async fn set_follow_up(
    conversation: ConversationId,
    on: Option<String>,
) -> Result<(), ApiError> {
    let path = format!("/api/conversations/{}/follow-up", conversation.0);
    send_expecting_nothing(
        Request::put(&path)
            .json(&FollowUpMark { on })
            .map_err(network)?,
    )
    .await
}

/// E-mails `conversation`'s transcript to the address its visitor gave.
pub async fn email_transcript(conversation: ConversationId) -> Result<(), ApiError> {
    let path = format!("/api/conversations/{}/transcript", conversation.0);
    send_expecting_nothing(Request::post(&path).build().map_err(network)?).await
}

/// The owner's numbers for the last `days` days.
pub async fn dashboard(days: u32) -> Result<Dashboard, ApiError> {
    get_json(&dashboard_path(days, false)).await
}

/// Where the dashboard is, as JSON or as a CSV file to download.
pub fn dashboard_path(days: u32, csv: bool) -> String {
    let extension = if csv { ".csv" } else { "" };
    format!("/api/site/dashboard{extension}?days={days}")
}

/// The shop's quick answers, in the owner's order.
pub async fn quick_answers() -> Result<Vec<QuickAnswer>, ApiError> {
    get_json("/api/site/answers").await
}

/// Replaces the shop's quick answers (owners only); the answer is the list as stored.
pub async fn set_quick_answers(answers: &[QuickAnswer]) -> Result<Vec<QuickAnswer>, ApiError> {
    put_json("/api/site/answers", &answers).await
}

/// Whether the shop assigns waiting visitors by itself.
pub async fn assignment() -> Result<Assignment, ApiError> {
    get_json("/api/site/assignment").await
}

/// Turns automatic assignment on or off (owners only).
pub async fn set_assignment(automatic: bool) -> Result<Assignment, ApiError> {
    put_json("/api/site/assignment", &Assignment { automatic }).await
}

/// Changes a teammate's role or slots (owners only); the answer is the teammate as now.
pub async fn change_agent(agent: AgentId, change: &AgentChange) -> Result<TeamMember, ApiError> {
    put_json(&format!("/api/site/agents/{agent}"), change).await
}

/// The shop's settings.
pub async fn site_settings() -> Result<SiteSettings, ApiError> {
    get_json("/api/site").await
}

/// Changes the shop's settings `change` gives (owners only); the answer is all the settings
/// as stored.
pub async fn set_site_settings(change: &SiteUpdate) -> Result<SiteSettings, ApiError> {
    put_json("/api/site", change).await
}

async fn put_json<B: serde::Serialize + ?Sized, T: serde::de::DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    send_json(Request::put(path), body).await
}

/// Sends `body` as JSON and reads the answer's JSON, or the server's refusal.
async fn send_json<B: serde::Serialize + ?Sized, T: serde::de::DeserializeOwned>(
    request: gloo_net::http::RequestBuilder,
    body: &B,
) -> Result<T, ApiError> {
    let response = request
        .json(body)
        .map_err(network)?
        .send()
        .await
        .map_err(network)?;
    if response.ok() {
        response.json().await.map_err(network)
    } else {
        Err(refusal(response).await)
    }
}

async fn get_json<T: serde::de::DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let response = Request::get(path).send().await.map_err(network)?;
    if response.ok() {
        response.json().await.map_err(network)
    } else {
        Err(refusal(response).await)
    }
}

/// Sends `request`, whose answer has no body: done, or the server's refusal.
async fn send_expecting_nothing(request: gloo_net::http::Request) -> Result<(), ApiError> {
    let response = request.send().await.map_err(network)?;
    if response.ok() {
        Ok(())
    } else {
        Err(refusal(response).await)
    }
}

/// Reads the server's `ProtocolError` body, falling back to the bare status when there is none.
async fn refusal(response: Response) -> ApiError {
    match response.json::<ProtocolError>().await {
        Ok(error) => ApiError::Refused(error),
        Err(_) => ApiError::Status(response.status()),
    }
}

fn network(error: gloo_net::Error) -> ApiError {
    ApiError::Network(error.to_string())
}
