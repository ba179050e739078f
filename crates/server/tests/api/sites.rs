//! Many shops on one server: an agent of one shop never sees, takes or writes into another
//! shop's conversations.

use pronto_protocol::ErrorCode;
use pronto_protocol::agent::{AgentToServer, ServerToAgent};
use pronto_protocol::visitor::ServerToVisitor;
use pronto_protocol::{PROTOCOL_VERSION, ProtocolError};
use sqlx::Connection;

use crate::helpers::{Socket, TestApp, new_id, reply, say, spawn_app};

pub const OTHER_OWNER: &str = "olga@otra.example";

/// Adds a second shop, "otra", with an owner whose password is the demo password, straight
/// into the database as a provisioning script would.
pub async fn add_second_shop(app: &TestApp) {
    sqlx::any::install_default_drivers();
    let mut db = sqlx::AnyConnection::connect(app.database_url())
        .await
        .expect("the test's database");
    sqlx::query(
        "INSERT INTO sites (id, name, greeting, created_ms) VALUES ('otra', 'Otra Tienda', 'Hola', 0)",
    )
    .execute(&mut db)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO agents (site_id, email, name, role, password_hash, created_ms) \
         SELECT 'otra', $1, 'Olga', 'owner', password_hash, 0 FROM agents WHERE email = $2",
    )
    .bind(OTHER_OWNER)
    .bind(pronto_server::demo::AGENT_EMAIL)
    .execute(&mut db)
    .await
    .unwrap();
}

async fn other_shops_agent(app: &TestApp) -> Socket<AgentToServer, ServerToAgent> {
    let cookie = app.sign_in_as(OTHER_OWNER).await;
    let mut agent = Socket::connect(&format!("ws://{}/ws/agent", app.addr), Some(&cookie)).await;
    agent
        .send(&AgentToServer::Hello {
            version: PROTOCOL_VERSION,
        })
        .await;
    agent
}

fn refusal(frame: &ServerToAgent) -> Option<ErrorCode> {
    match frame {
        ServerToAgent::Error(ProtocolError { code, .. })
        | ServerToAgent::Rejected {
            error: ProtocolError { code, .. },
            ..
        } => Some(*code),
        _ => None,
    }
}

#[tokio::test]
async fn an_agent_never_sees_takes_or_writes_into_another_shops_conversations() {
    let app = spawn_app().await;
    add_second_shop(&app).await;

    // A demo shop visitor waits in the demo queue.
    let (mut visitor, _) = app.greeted_visitor(None).await;
    visitor.send(&say("¿Tienen la talla M?")).await;
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Ack { .. }))
        .await;
    let (mut demo_agent, welcome) = app.agent().await;
    let ServerToAgent::Welcome { queue, .. } = welcome else {
        unreachable!("checked by agent()")
    };
    let demo_conversation = queue[0].conversation;

    // Olga, of the other shop, sees an empty queue.
    let mut olga = other_shops_agent(&app).await;
    let welcome = olga.next().await;
    let ServerToAgent::Welcome {
        agent,
        queue,
        queue_total,
        conversations,
        ..
    } = welcome
    else {
        panic!("expected a welcome, got {welcome:?}");
    };
    assert_eq!(agent.site, "otra");
    assert!(queue.is_empty(), "{queue:?}");
    assert_eq!(queue_total, 0);
    assert!(conversations.is_empty());

    // The demo visitor's conversation, by its number: Olga can't take, answer or close it,
    // and "take next" finds nobody in her shop's line.
    olga.send(&AgentToServer::Take {
        conversation: demo_conversation,
    })
    .await;
    assert_eq!(
        refusal(&olga.next().await),
        Some(ErrorCode::ConversationNotFound)
    );
    olga.send(&AgentToServer::TakeNext).await;
    assert_eq!(refusal(&olga.next().await), Some(ErrorCode::QueueEmpty));
    olga.send(&reply(demo_conversation, "Hola, soy de otra tienda"))
        .await;
    assert_eq!(
        refusal(&olga.next().await),
        Some(ErrorCode::ConversationNotFound)
    );
    olga.send(&AgentToServer::Close {
        conversation: demo_conversation,
    })
    .await;
    assert_eq!(
        refusal(&olga.next().await),
        Some(ErrorCode::ConversationNotFound)
    );

    // The demo shop's own agent takes and answers; none of it reaches Olga.
    demo_agent
        .send(&AgentToServer::Take {
            conversation: demo_conversation,
        })
        .await;
    demo_agent
        .next_matching(|f| matches!(f, ServerToAgent::Conversation { .. }))
        .await;
    demo_agent
        .send(&AgentToServer::Send {
            conversation: demo_conversation,
            id: new_id(),
            text: "Sí, la tenemos".into(),
        })
        .await;
    visitor
        .next_matching(|f| matches!(f, ServerToVisitor::Message { message } if message.text == "Sí, la tenemos"))
        .await;
    visitor.send(&say("¡Gracias!")).await;
    demo_agent
        .next_matching(
            |f| matches!(f, ServerToAgent::Message { message, .. } if message.text == "¡Gracias!"),
        )
        .await;
    // Olga's next frame is the answer to her own request: nothing of the demo shop came
    // in between.
    olga.send(&AgentToServer::TakeNext).await;
    let next = olga.next().await;
    assert_eq!(refusal(&next), Some(ErrorCode::QueueEmpty), "{next:?}");
}
