//! The demo shop that `cargo xtask run` starts with, so a newcomer can chat at once.

use pronto_protocol::agent::Role;
use pronto_protocol::ids::SiteId;

use crate::auth::hash_password;
use crate::error::AppResult;
use crate::storage::Store;

pub const SITE: &str = "demo";
pub const AGENT_EMAIL: &str = "agent@demo.pronto";
pub const AGENT_PASSWORD: &str = "pronto-demo";
pub const AGENT_NAME: &str = "Ana";
/// A second account, without the owner's rights.
pub const SECOND_AGENT_EMAIL: &str = "bruno@demo.pronto";
pub const SECOND_AGENT_NAME: &str = "Bruno";

/// Creates the demo shop and agent unless they exist.
pub async fn seed(store: &Store, allowed_origins: &str) -> AppResult<()> {
    let site = SiteId::parse(SITE).expect("valid demo site id");
    store
        .create_site(
            &site,
            "Tienda Demo",
            "¡Hola! Ask us anything about sizes, shipping or your order.",
        )
        .await?;
    store.set_allowed_origins(&site, allowed_origins).await?;
    // Ana owns the shop and answers chats herself; Bruno helps her.
    for (email, name, role) in [
        (AGENT_EMAIL, AGENT_NAME, Role::Owner),
        (SECOND_AGENT_EMAIL, SECOND_AGENT_NAME, Role::Agent),
    ] {
        if store.agent_by_email(email).await?.is_none() {
            let hash = hash_password(AGENT_PASSWORD.to_owned()).await?;
            store.create_agent(&site, email, name, role, &hash).await?;
        }
    }
    Ok(())
}
