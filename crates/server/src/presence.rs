//! Whether anyone is there to answer: which agents have the console open, on any server.
//!
//! Each server writes a row per agent with a console open on it, and says it again every
//! `REFRESH` (so a server that dies stops counting once its rows are `LASTS` old). A change
//! wakes every server, through the fan-out, to tell its visitors of the site; the site's
//! announcer ([`crate::queue`]) reads the answer from the database and tells only a change.

use std::time::Duration;

use pronto_protocol::ids::{AgentId, SiteId};

use crate::app::AppState;
use crate::error::AppResult;
use crate::storage::Store;

/// How often a server says again which agents are on it…
const REFRESH: Duration = Duration::from_secs(10);
/// …and how long a row counts without being said again.
pub const LASTS_MS: i64 = 30_000;

/// How many conversations the site's agents online (and not away) can hold at once, each as
/// many as the owner gave them slots: what the wait estimate divides the queue among.
pub async fn slots_online(store: &Store, site: &SiteId) -> sqlx::Result<u32> {
    store.slots_online(site, LASTS_MS).await
}

/// A console of `agent` opened here.
pub async fn arrived(app: &AppState, site: &SiteId, agent: AgentId) -> AppResult<()> {
    app.store.agent_present(&app.server_id, site, agent).await?;
    app.fanout.presence_changed(site);
    // Someone with free slots may be here now.
    crate::assign::waiting(app, site).await;
    Ok(())
}

/// A console of `agent` here closed; once none of theirs is left here, this server stops
/// counting them.
pub async fn left(app: &AppState, site: &SiteId, agent: AgentId) -> AppResult<()> {
    if !app.hub.has_agent(site, agent) {
        app.store.agent_absent(&app.server_id, agent).await?;
        app.fanout.presence_changed(site);
    }
    Ok(())
}

/// Whether an agent of `site` has a console open anywhere.
pub async fn online(app: &AppState, site: &SiteId) -> AppResult<bool> {
    Ok(app.store.agents_online(site, LASTS_MS).await?)
}

/// Says every `REFRESH` that this server's agents are still here, and tells the sites of
/// servers that stopped without saying so; until the server stops, then forgets its rows.
pub async fn keep_fresh(app: AppState) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(REFRESH) => {}
            () = app.shutdown.cancelled() => break,
        }
        match app.store.refresh_presence(&app.server_id, LASTS_MS).await {
            Ok(sites) => sites
                .iter()
                .for_each(|site| app.fanout.presence_changed(site)),
            Err(error) => tracing::error!(%error, "could not refresh agent presence"),
        }
    }
}

/// This server is stopping: its agents are no longer here.
pub async fn forget(app: &AppState) {
    match app.store.forget_server(&app.server_id).await {
        Ok(sites) => sites
            .iter()
            .for_each(|site| app.fanout.presence_changed(site)),
        Err(error) => tracing::error!(%error, "could not forget this server's agents"),
    }
}
