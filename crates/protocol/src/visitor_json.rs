//! The widget's side of `/ws/visitor` without serde: writes what the widget sends and reads
//! what the server sends, through the small `json` module. Same text as the serde derives in
//! `visitor`, checked frame by frame in the tests below; the widget ships this instead of
//! serde_json to stay inside its download budget.

use crate::answers::QuickAnswer;
use crate::chat::{Author, ChatMessage, Conversation, ConversationState, WaitEstimate};
use crate::ids::{ClientMessageId, ConversationId};
use crate::json::{Json, object};
use crate::visitor::{
    DEFAULT_ASK_EMAIL_AFTER_SECS, Resume, ServerToVisitor, Shop, VisitorToServer,
};
use crate::{ErrorCode, ProtocolError};

impl VisitorToServer {
    /// The frame as JSON text, exactly as `encode` writes it.
    pub fn to_json(&self) -> String {
        let frame = match self {
            VisitorToServer::Hello {
                version,
                site,
                token,
                resume,
            } => object([
                ("type", Some("hello".into())),
                ("version", Some((*version).into())),
                ("site", Some(site.as_str().into())),
                ("token", token.as_deref().map(Json::from)),
                ("resume", resume.map(resume_json)),
            ]),
            VisitorToServer::Identify { user_id, signature } => object([
                ("type", Some("identify".into())),
                ("user_id", Some(user_id.as_str().into())),
                ("signature", Some(signature.as_str().into())),
            ]),
            VisitorToServer::Send { id, text } => object([
                ("type", Some("send".into())),
                ("id", Some(id.as_str().into())),
                ("text", Some(text.as_str().into())),
            ]),
            VisitorToServer::Typing { typing } => object([
                ("type", Some("typing".into())),
                ("typing", Some((*typing).into())),
            ]),
            VisitorToServer::Profile { name, email } => object([
                ("type", Some("profile".into())),
                ("name", name.as_deref().map(Json::from)),
                ("email", email.as_deref().map(Json::from)),
            ]),
            VisitorToServer::Rate { good, comment } => object([
                ("type", Some("rate".into())),
                ("good", Some((*good).into())),
                ("comment", comment.as_deref().map(Json::from)),
            ]),
            VisitorToServer::AnswerHelped { answer, helped } => object([
                ("type", Some("answer_helped".into())),
                ("answer", Some((*answer).into())),
                ("helped", Some((*helped).into())),
            ]),
        };
        frame.to_text()
    }
}

fn resume_json(resume: Resume) -> Json {
    object([
        ("conversation", Some(resume.conversation.0.into())),
        ("last_seq", Some(resume.last_seq.into())),
    ])
}

impl ServerToVisitor {
    /// Reads a frame from the server, with the same typed errors as `decode`: `malformed_json`
    /// for text that is not JSON, `invalid_frame` for JSON that is not a frame. Frames from the
    /// server may be long (a whole conversation), so there is no size limit here.
    pub fn from_json(text: &str) -> Result<ServerToVisitor, ProtocolError> {
        let json = Json::parse(text).map_err(|malformed| {
            ProtocolError::new(
                ErrorCode::MalformedJson,
                format!("not JSON (at byte {})", malformed.at),
            )
        })?;
        server_frame(&Fields(&json))
    }
}

fn server_frame(fields: &Fields) -> Result<ServerToVisitor, ProtocolError> {
    Ok(match fields.str("type")? {
        "welcome" => ServerToVisitor::Welcome {
            token: fields.string("token")?,
            shop: {
                let shop = fields.object("shop")?;
                Shop {
                    name: shop.string("name")?,
                    greeting: shop.string("greeting")?,
                    online: shop
                        .optional("online", |_| shop.bool("online"))?
                        .unwrap_or(false),
                    typical_reply_secs: typical_reply_secs(&shop)?,
                    opens_at_ms: opens_at_ms(&shop)?,
                    ask_email_after_secs: shop
                        .optional("ask_email_after_secs", |_| shop.u32("ask_email_after_secs"))?
                        .unwrap_or(DEFAULT_ASK_EMAIL_AFTER_SECS),
                    answers: shop
                        .optional("answers", |answers| {
                            answers
                                .as_array()
                                .ok_or_else(|| invalid("answers"))?
                                .iter()
                                .map(|item| quick_answer(&Fields(item)))
                                .collect()
                        })?
                        .unwrap_or_default(),
                }
            },
            conversation: fields.optional("conversation", |c| conversation(&Fields(c)))?,
            resumed: fields
                .optional("resumed", |_| fields.bool("resumed"))?
                .unwrap_or(false),
            email: fields.optional("email", |_| fields.string("email"))?,
        },
        "queue" => ServerToVisitor::Queue {
            position: fields.u32("position")?,
            estimate: fields.optional("estimate", |estimate| {
                let estimate = Fields(estimate);
                Ok(WaitEstimate {
                    low_secs: estimate.u32("low_secs")?,
                    // Absent from older servers: 0, the range alone (as serde's default).
                    typical_secs: estimate
                        .optional("typical_secs", |_| estimate.u32("typical_secs"))?
                        .unwrap_or(0),
                    high_secs: estimate.u32("high_secs")?,
                })
            })?,
        },
        "assigned" => ServerToVisitor::Assigned {
            agent_name: fields.string("agent_name")?,
        },
        "ack" => ServerToVisitor::Ack {
            id: fields.client_id("id")?,
            seq: fields.u32("seq")?,
        },
        "rejected" => ServerToVisitor::Rejected {
            id: fields.client_id("id")?,
            error: error(&fields.object("error")?)?,
        },
        "message" => ServerToVisitor::Message {
            message: message(&fields.object("message")?)?,
        },
        "closed" => ServerToVisitor::Closed,
        "typing" => ServerToVisitor::Typing {
            typing: fields.bool("typing")?,
        },
        "availability" => ServerToVisitor::Availability {
            online: fields.bool("online")?,
            typical_reply_secs: typical_reply_secs(fields)?,
            opens_at_ms: opens_at_ms(fields)?,
        },
        "read" => ServerToVisitor::Read {
            seq: fields.u32("seq")?,
        },
        "error" => ServerToVisitor::Error(error(fields)?),
        _ => return Err(invalid("type")),
    })
}

/// The shop's typical first reply, in the welcome's `shop` and in `availability`; absent
/// (older servers, too little history) is unknown.
fn typical_reply_secs(fields: &Fields) -> Result<Option<u32>, ProtocolError> {
    fields.optional("typical_reply_secs", |_| fields.u32("typical_reply_secs"))
}

/// When a shop closed by its opening hours opens again; absent while open or unscheduled.
fn opens_at_ms(fields: &Fields) -> Result<Option<i64>, ProtocolError> {
    fields.optional("opens_at_ms", |_| fields.i64("opens_at_ms"))
}

fn quick_answer(fields: &Fields) -> Result<QuickAnswer, ProtocolError> {
    Ok(QuickAnswer {
        id: fields.optional("id", |_| fields.u32("id"))?,
        lang: fields.string("lang")?,
        question: fields.string("question")?,
        answer: fields.string("answer")?,
        keywords: fields
            .optional("keywords", |_| fields.string("keywords"))?
            .unwrap_or_default(),
    })
}

fn conversation(fields: &Fields) -> Result<Conversation, ProtocolError> {
    let state = fields.object("state")?;
    Ok(Conversation {
        id: ConversationId(fields.i64("id")?),
        state: match state.str("state")? {
            "waiting" => ConversationState::Waiting,
            "active" => ConversationState::Active {
                agent_name: state.string("agent_name")?,
            },
            "closed" => ConversationState::Closed,
            _ => return Err(invalid("state")),
        },
        messages: fields
            .get("messages")?
            .as_array()
            .ok_or_else(|| invalid("messages"))?
            .iter()
            .map(|item| message(&Fields(item)))
            .collect::<Result<_, _>>()?,
        read_seq: fields
            .optional("read_seq", |_| fields.u32("read_seq"))?
            .unwrap_or(0),
    })
}

fn message(fields: &Fields) -> Result<ChatMessage, ProtocolError> {
    let author = fields.object("author")?;
    Ok(ChatMessage {
        seq: fields.u32("seq")?,
        client_id: fields.optional("client_id", |_| fields.client_id("client_id"))?,
        author: match author.str("kind")? {
            "visitor" => Author::Visitor,
            "agent" => Author::Agent {
                name: author.string("name")?,
            },
            _ => return Err(invalid("author")),
        },
        text: fields.string("text")?,
        sent_at_ms: fields.i64("sent_at_ms")?,
    })
}

fn error(fields: &Fields) -> Result<ProtocolError, ProtocolError> {
    Ok(ProtocolError {
        code: ErrorCode::from_wire(fields.str("code")?).ok_or_else(|| invalid("code"))?,
        message: fields.string("message")?,
    })
}

fn invalid(field: &str) -> ProtocolError {
    ProtocolError::new(ErrorCode::InvalidFrame, format!("bad or missing `{field}`"))
}

/// An object's members, read with the field's name in every error.
struct Fields<'a>(&'a Json);

impl<'a> Fields<'a> {
    fn get(&self, key: &str) -> Result<&'a Json, ProtocolError> {
        self.0.get(key).ok_or_else(|| invalid(key))
    }

    fn str(&self, key: &str) -> Result<&'a str, ProtocolError> {
        self.get(key)?.as_str().ok_or_else(|| invalid(key))
    }

    fn string(&self, key: &str) -> Result<String, ProtocolError> {
        self.str(key).map(str::to_owned)
    }

    fn u32(&self, key: &str) -> Result<u32, ProtocolError> {
        self.get(key)?.as_u32().ok_or_else(|| invalid(key))
    }

    fn bool(&self, key: &str) -> Result<bool, ProtocolError> {
        self.get(key)?.as_bool().ok_or_else(|| invalid(key))
    }

    fn i64(&self, key: &str) -> Result<i64, ProtocolError> {
        self.get(key)?.as_i64().ok_or_else(|| invalid(key))
    }

    fn object(&self, key: &str) -> Result<Fields<'a>, ProtocolError> {
        match self.get(key)? {
            object @ Json::Object(_) => Ok(Fields(object)),
            _ => Err(invalid(key)),
        }
    }

    fn client_id(&self, key: &str) -> Result<ClientMessageId, ProtocolError> {
        ClientMessageId::parse(self.str(key)?).map_err(|_| invalid(key))
    }

    /// An optional field: absent or null is `None`; present, it must read as `read` says.
    fn optional<T>(
        &self,
        key: &str,
        read: impl FnOnce(&'a Json) -> Result<T, ProtocolError>,
    ) -> Result<Option<T>, ProtocolError> {
        match self.0.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(value) => read(value).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SiteId;
    use crate::{decode, decode_frame, encode};

    fn id(raw: &str) -> ClientMessageId {
        ClientMessageId::parse(raw).unwrap()
    }

    fn message(seq: u32, author: Author, text: &str) -> ChatMessage {
        ChatMessage {
            seq,
            client_id: (author == Author::Visitor).then(|| id(&format!("c{seq}"))),
            author,
            text: text.into(),
            sent_at_ms: 1_764_000_000_000 + i64::from(seq),
        }
    }

    /// Every shape of every frame the server sends a visitor.
    fn server_frames() -> Vec<ServerToVisitor> {
        let mut frames = Vec::new();
        for (state, messages) in [
            (ConversationState::Waiting, vec![]),
            (
                ConversationState::Active {
                    agent_name: "Ana \"la\" Pérez".into(),
                },
                vec![
                    message(1, Author::Visitor, "¿Envían a Valparaíso?\nGracias 😀"),
                    message(2, Author::Agent { name: "Ana".into() }, "Sí, en 48 h."),
                ],
            ),
            (ConversationState::Closed, vec![]),
        ] {
            for resumed in [false, true] {
                frames.push(ServerToVisitor::Welcome {
                    token: "tok-123".into(),
                    shop: Shop {
                        name: "Tienda \\ Lima".into(),
                        greeting: "¡Hola! ¿En qué te ayudamos?".into(),
                        online: resumed,
                        typical_reply_secs: resumed.then_some(0),
                        opens_at_ms: (!resumed).then_some(-1),
                        ask_email_after_secs: 0,
                        answers: vec![QuickAnswer {
                            id: Some(u32::MAX),
                            lang: "es".into(),
                            question: "¿Cuánto tarda el envío?".into(),
                            answer: "De 2 a 4 días hábiles.\n\"Gratis\" desde $30.000".into(),
                            keywords: if resumed {
                                "despacho entrega".into()
                            } else {
                                String::new()
                            },
                        }],
                    },
                    conversation: Some(Conversation {
                        id: ConversationId(i64::from(u32::MAX) + 5),
                        state: state.clone(),
                        read_seq: messages.len() as u32,
                        messages: messages.clone(),
                    }),
                    resumed,
                    email: resumed.then(|| "ana@tienda.cl".into()),
                });
            }
        }
        frames.push(ServerToVisitor::Welcome {
            token: "t".into(),
            shop: Shop {
                name: "Loja".into(),
                greeting: String::new(),
                online: false,
                typical_reply_secs: Some(u32::MAX),
                opens_at_ms: Some(1_764_000_000_000),
                ask_email_after_secs: 180,
                answers: vec![],
            },
            conversation: None,
            resumed: false,
            email: None,
        });
        frames.push(ServerToVisitor::Welcome {
            token: "t".into(),
            shop: Shop {
                name: "Loja".into(),
                greeting: "Oi".into(),
                online: true,
                typical_reply_secs: None,
                opens_at_ms: None,
                ask_email_after_secs: u32::MAX,
                answers: vec![QuickAnswer {
                    id: Some(1),
                    lang: "pt".into(),
                    question: "Vocês entregam?".into(),
                    answer: "Sim.".into(),
                    keywords: String::new(),
                }],
            },
            conversation: None,
            resumed: false,
            email: None,
        });
        frames.push(ServerToVisitor::Queue {
            position: 3,
            estimate: Some(WaitEstimate {
                low_secs: 60,
                typical_secs: 150,
                high_secs: 240,
            }),
        });
        frames.push(ServerToVisitor::Queue {
            position: 1,
            estimate: None,
        });
        frames.push(ServerToVisitor::Assigned {
            agent_name: "João".into(),
        });
        frames.push(ServerToVisitor::Ack {
            id: id("m_1-x"),
            seq: u32::MAX,
        });
        for code in ErrorCode::ALL {
            frames.push(ServerToVisitor::Rejected {
                id: id("m1"),
                error: ProtocolError::new(*code, "why \u{1}"),
            });
            frames.push(ServerToVisitor::Error(ProtocolError::new(*code, "why")));
        }
        frames.push(ServerToVisitor::Message {
            message: message(9, Author::Agent { name: "Bo".into() }, "\t"),
        });
        frames.push(ServerToVisitor::Closed);
        for typing in [true, false] {
            frames.push(ServerToVisitor::Typing { typing });
        }
        frames.push(ServerToVisitor::Read { seq: 7 });
        for online in [true, false] {
            for (typical_reply_secs, opens_at_ms) in [
                (None, None),
                (Some(240), None),
                (None, Some(1_764_032_400_000)),
                (Some(3_600), Some(i64::MAX)),
            ] {
                frames.push(ServerToVisitor::Availability {
                    online,
                    typical_reply_secs,
                    opens_at_ms,
                });
            }
        }
        frames
    }

    fn visitor_frames() -> Vec<VisitorToServer> {
        let site = SiteId::parse("tienda-1").unwrap();
        let mut frames = Vec::new();
        for token in [None, Some("tok \"q\"".to_owned())] {
            for resume in [
                None,
                Some(Resume {
                    conversation: ConversationId(77),
                    last_seq: 12,
                }),
            ] {
                frames.push(VisitorToServer::Hello {
                    version: crate::PROTOCOL_VERSION,
                    site: site.clone(),
                    token: token.clone(),
                    resume,
                });
            }
        }
        frames.push(VisitorToServer::Identify {
            user_id: "cliente-42".into(),
            signature: "ab12".into(),
        });
        frames.push(VisitorToServer::Send {
            id: id("k3x9"),
            text: "¿Tienen envío a Lima?\n\"rápido\"".into(),
        });
        for typing in [true, false] {
            frames.push(VisitorToServer::Typing { typing });
        }
        for (name, email) in [
            (Some("María José"), Some("mj@tienda.cl")),
            (Some("Zoë \"Z\" O'Neil"), None),
            (None, Some("a@b.co")),
        ] {
            frames.push(VisitorToServer::Profile {
                name: name.map(Into::into),
                email: email.map(Into::into),
            });
        }
        for (good, comment) in [(true, None), (false, Some("Tardaron \"mucho\"\n😞"))] {
            frames.push(VisitorToServer::Rate {
                good,
                comment: comment.map(Into::into),
            });
        }
        frames.push(VisitorToServer::AnswerHelped {
            answer: 0,
            helped: false,
        });
        frames.push(VisitorToServer::AnswerHelped {
            answer: u32::MAX,
            helped: true,
        });
        frames
    }

    #[test]
    fn reads_every_server_frame_as_serde_writes_it() {
        for frame in server_frames() {
            let text = encode(&frame);
            assert_eq!(ServerToVisitor::from_json(&text), Ok(frame), "{text}");
        }
    }

    #[test]
    fn writes_every_visitor_frame_as_serde_does() {
        for frame in visitor_frames() {
            let ours = frame.to_json();
            assert_eq!(ours, encode(&frame));
            assert_eq!(decode_frame::<VisitorToServer>(&ours), Ok(frame));
        }
    }

    #[test]
    fn refuses_what_serde_refuses_with_the_same_codes() {
        for text in [
            "{not json",
            "",
            r#"{"type":"dance"}"#,
            r#"{"type":"ack","id":"m1"}"#,
            r#"{"type":"ack","id":"no spaces","seq":1}"#,
            r#"{"type":"ack","id":"m1","seq":-1}"#,
            r#"{"type":"ack","id":"m1","seq":1.5}"#,
            r#"{"type":"queue","position":"2","estimate":null}"#,
            r#"{"type":"queue","position":2,"estimate":{"low_secs":60,"typical_secs":-1,"high_secs":90}}"#,
            r#"{"type":"queue","position":2,"estimate":{"typical_secs":60,"high_secs":90}}"#,
            r#"{"type":"error","code":"no_such_code","message":"x"}"#,
            r#"{"type":"message","message":{"seq":1,"author":{"kind":"robot"},"text":"x","sent_at_ms":1}}"#,
            r#"{"type":"welcome","token":"t","shop":{"name":"n","greeting":"g"},"conversation":{"id":1,"state":{"state":"lost"},"messages":[]}}"#,
            r#"{"type":"welcome","token":"t","shop":{"name":"n","greeting":"g","typical_reply_secs":-5},"conversation":null}"#,
            r#"{"type":"welcome","token":"t","shop":{"name":"n","greeting":"g","opens_at_ms":"soon"},"conversation":null}"#,
            r#"{"type":"availability","online":true,"typical_reply_secs":1.5}"#,
            r#"{"type":"availability","online":true,"opens_at_ms":true}"#,
            r#"{"type":"availability","typical_reply_secs":60}"#,
            r#"{"type":"welcome","token":"t","shop":{"name":"n","greeting":"g","answers":{}},"conversation":null}"#,
            r#"{"type":"welcome","token":"t","shop":{"name":"n","greeting":"g","answers":[{"lang":"es","question":"q"}]},"conversation":null}"#,
            r#"{"type":"welcome","token":"t","shop":{"name":"n","greeting":"g","ask_email_after_secs":-1},"conversation":null}"#,
            r#"{"type":"welcome","token":"t","shop":{"name":"n","greeting":"g"},"conversation":null,"email":7}"#,
            r#"[1,2]"#,
        ] {
            let ours = ServerToVisitor::from_json(text).unwrap_err().code;
            let theirs = decode::<ServerToVisitor>(text).unwrap_err().code;
            assert_eq!(ours, theirs, "{text}");
        }
    }

    #[test]
    fn an_estimate_without_a_typical_wait_still_reads() {
        // As servers before `typical_secs` send it: the range alone, typical 0.
        let text = r#"{"type":"queue","position":2,"estimate":{"low_secs":60,"high_secs":180}}"#;
        let expected = ServerToVisitor::Queue {
            position: 2,
            estimate: Some(WaitEstimate {
                low_secs: 60,
                typical_secs: 0,
                high_secs: 180,
            }),
        };
        assert_eq!(ServerToVisitor::from_json(text), Ok(expected.clone()));
        assert_eq!(decode::<ServerToVisitor>(text), Ok(expected));
    }

    #[test]
    fn shops_and_availability_without_reply_times_still_read() {
        // As servers before typical reply times and opening hours send them: unknown, no
        // schedule.
        let welcome = r#"{"type":"welcome","token":"t","shop":{"name":"n","greeting":"g","online":true},"conversation":null}"#;
        let expected = ServerToVisitor::Welcome {
            token: "t".into(),
            shop: Shop {
                name: "n".into(),
                greeting: "g".into(),
                online: true,
                typical_reply_secs: None,
                opens_at_ms: None,
                ask_email_after_secs: crate::visitor::DEFAULT_ASK_EMAIL_AFTER_SECS,
                answers: vec![],
            },
            conversation: None,
            resumed: false,
            email: None,
        };
        assert_eq!(ServerToVisitor::from_json(welcome), Ok(expected.clone()));
        assert_eq!(decode::<ServerToVisitor>(welcome), Ok(expected));
        let availability = r#"{"type":"availability","online":false}"#;
        let expected = ServerToVisitor::Availability {
            online: false,
            typical_reply_secs: None,
            opens_at_ms: None,
        };
        assert_eq!(
            ServerToVisitor::from_json(availability),
            Ok(expected.clone())
        );
        assert_eq!(decode::<ServerToVisitor>(availability), Ok(expected));
        // And a server leaves them out when it has nothing to say: the same frame as before.
        assert_eq!(
            encode(&ServerToVisitor::Availability {
                online: false,
                typical_reply_secs: None,
                opens_at_ms: None,
            }),
            availability
        );
    }

    #[test]
    fn extra_fields_are_ignored_as_serde_ignores_them() {
        let text = r#"{"type":"ack","id":"m1","seq":4,"later":{"field":[1]}}"#;
        assert_eq!(
            ServerToVisitor::from_json(text),
            decode::<ServerToVisitor>(text)
        );
    }

    #[test]
    fn every_error_code_has_its_serde_name() {
        for code in ErrorCode::ALL {
            assert_eq!(encode(code), format!("\"{}\"", code.as_str()));
            assert_eq!(ErrorCode::from_wire(code.as_str()), Some(*code));
        }
    }
}
