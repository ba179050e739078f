//! E-mail to visitors who left: an agent's reply that the visitor was not there to read goes
//! to their e-mail address (given by the shop's page, `Pronto('identify', {email})`), so no
//! answer waits unseen. Sent over plain SMTP to `SMTP_URL` (a relay on the host or the
//! network), once per batch of replies, after a grace time in which the visitor may still
//! come back. And, on request, the whole conversation (its transcript).

use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use pronto_protocol::ids::ConversationId;
use pronto_protocol::node::Reply;
use tokio::sync::mpsc;

use crate::app::AppState;
use crate::clock::now_ms;
use crate::error::AppResult;
use crate::letters;
use crate::locale::Lang;
use crate::storage::{Store, Unseen};
use crate::token::Signer;

/// How often the server looks for replies to e-mail.
const ROUND: Duration = Duration::from_secs(1);

/// Sends e-mail through the configured SMTP server.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// Where answers to e-mailed replies go (`PRONTO_MAIL_REPLY_DOMAIN`), if anywhere.
    reply_domain: Option<String>,
}

impl Mailer {
    /// `smtp_url` like `smtp://127.0.0.1:25` (`smtp://user:password@host:port` to sign in);
    /// `from` like `Tienda <hola@tienda.example>`.
    pub fn new(smtp_url: &str, from: &str, reply_domain: Option<String>) -> anyhow::Result<Self> {
        let relay = Relay::parse(smtp_url).ok_or_else(|| {
            anyhow::anyhow!("SMTP_URL {smtp_url:?} is not smtp://[user:password@]host[:port]")
        })?;
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(relay.host).port(relay.port);
        if let Some((user, password)) = relay.credentials {
            builder = builder.credentials(Credentials::new(user.into(), password.into()));
        }
        let transport = builder.build();
        let from = from
            .parse()
            .map_err(|e| anyhow::anyhow!("the sender address {from:?}: {e}"))?;
        Ok(Self {
            transport,
            from,
            reply_domain,
        })
    }

    /// The address answers about `conversation` go to, when inbound mail is set up:
    /// `reply+<conversation>-<signature>@<reply domain>` (see `inbound`).
    pub fn reply_address(&self, signer: &Signer, conversation: ConversationId) -> Option<String> {
        let domain = self.reply_domain.as_deref()?;
        Some(format!(
            "{}@{domain}",
            signer.reply_local_part(conversation)
        ))
    }

    pub async fn send(
        &self,
        to: &str,
        reply_to: Option<&str>,
        subject: &str,
        body: String,
    ) -> anyhow::Result<()> {
        let mut message = Message::builder()
            .from(self.from.clone())
            .to(to.parse()?)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN);
        if let Some(reply_to) = reply_to {
            message = message.reply_to(reply_to.parse()?);
        }
        let message = message.body(body)?;
        self.transport.send(message).await?;
        Ok(())
    }
}

/// Where `SMTP_URL` points: `smtp://[user:password@]host[:port]`, port 25 if left out.
#[derive(Debug, PartialEq, Eq)]
struct Relay<'a> {
    host: &'a str,
    port: u16,
    credentials: Option<(&'a str, &'a str)>,
}

impl<'a> Relay<'a> {
    fn parse(url: &'a str) -> Option<Self> {
        let rest = url.strip_prefix("smtp://")?.trim_end_matches('/');
        let (credentials, address) = match rest.rsplit_once('@') {
            Some((credentials, address)) => (Some(credentials.split_once(':')?), address),
            None => (None, rest),
        };
        let (host, port) = match address.rsplit_once(':') {
            Some((host, port)) => (host, port.parse().ok()?),
            None => (address, 25),
        };
        (!host.is_empty()).then_some(Self {
            host,
            port,
            credentials,
        })
    }
}

/// Notes each agent's reply a widget on this server showed as seen, so that no server
/// e-mails it (see `fanout::deliver`), until the server stops.
pub async fn note_shown(store: Store, mut shown: mpsc::UnboundedReceiver<Reply>) {
    while let Some(reply) = shown.recv().await {
        if let Err(error) = store.seen_up_to(reply.conversation, reply.seq).await {
            // At worst the visitor is e-mailed a reply they saw.
            tracing::warn!(conversation_id = %reply.conversation, %error, "could not note a reply as seen");
        }
    }
}

/// Every [`ROUND`], e-mails the replies that have waited `grace` unseen, until the server
/// stops.
pub async fn deliver_unseen(app: AppState, mailer: Arc<Mailer>, grace: Duration) {
    let grace_ms = i64::try_from(grace.as_millis()).unwrap_or(i64::MAX);
    loop {
        tokio::select! {
            () = tokio::time::sleep(ROUND) => {}
            () = app.shutdown.cancelled() => break,
        }
        if let Err(error) = round(&app, &mailer, now_ms() - grace_ms).await {
            tracing::error!(%error, "could not look for replies to e-mail");
        }
    }
}

async fn round(app: &AppState, mailer: &Mailer, replied_before_ms: i64) -> AppResult<()> {
    for unseen in app.store.unseen_replies(replied_before_ms).await? {
        let Unseen {
            conversation,
            mailed_seq,
            last_seq,
            ..
        } = unseen;
        // Whoever moves the mark sends (another server may be in the same round).
        if !app
            .store
            .move_mailed_mark(conversation, mailed_seq, last_seq)
            .await?
        {
            continue;
        }
        // The widget is open here: the visitor has the replies on screen.
        if app.hub.has_visitor(unseen.visitor) {
            continue;
        }
        let news = app.store.messages_after(conversation, mailed_seq).await?;
        let reply_to = mailer.reply_address(&app.tokens, conversation);
        let lang = Lang::for_visitor(unseen.lang.as_deref(), unseen.locale.as_deref());
        let (subject, body) = letters::replies(lang, &unseen.shop_name, &news, reply_to.is_some());
        match mailer
            .send(&unseen.email, reply_to.as_deref(), &subject, body)
            .await
        {
            Ok(()) => {
                tracing::info!(conversation_id = %conversation, site = %unseen.site, "replies e-mailed");
                // Only the dashboard's count is at stake: the round goes on.
                if let Err(error) = app.store.replies_mailed(conversation, mailed_seq).await {
                    tracing::warn!(conversation_id = %conversation, %error, "could not note the reply went by e-mail");
                }
            }
            Err(error) => {
                // Put the mark back: the next round tries again.
                tracing::warn!(conversation_id = %conversation, %error, "could not e-mail replies");
                app.store
                    .move_mailed_mark(conversation, last_seq, mailed_seq)
                    .await?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_name_a_relay() {
        let relay = |host, port, credentials| {
            Some(Relay {
                host,
                port,
                credentials,
            })
        };
        assert_eq!(
            Relay::parse("smtp://127.0.0.1:2525"),
            relay("127.0.0.1", 2525, None)
        );
        assert_eq!(
            Relay::parse("smtp://mail.tienda.example"),
            relay("mail.tienda.example", 25, None)
        );
        assert_eq!(
            Relay::parse("smtp://hola:s3cr3t@mail.tienda.example:587/"),
            relay("mail.tienda.example", 587, Some(("hola", "s3cr3t")))
        );
        for bad in [
            "smtps://x:465",
            "mail.tienda.example",
            "smtp://",
            "smtp://x:puerto",
            "smtp://solo@x",
        ] {
            assert_eq!(Relay::parse(bad), None, "{bad}");
        }
    }
}
