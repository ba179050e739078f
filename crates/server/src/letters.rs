//! What the shop's e-mails to a visitor say, in the visitor's language (Spanish, English or
//! Portuguese, as the widget speaks): replies they were not there to read, and the transcript
//! of a conversation.

use pronto_protocol::chat::{Author, ChatMessage};

use crate::locale::Lang;

/// Every word of the letters in one language.
struct Words {
    /// "Ana replied", from the name of who wrote last.
    replied: fn(&str) -> String,
    /// Under the replies when answering the e-mail reaches the chat…
    answer_here_or_in_chat: &'static str,
    /// …and when only the chat does.
    answer_in_chat: &'static str,
    /// "Your conversation with Tienda Demo".
    conversation_with: fn(&str) -> String,
    /// The visitor, in their own transcript.
    you: &'static str,
    /// Under the transcript.
    go_on_in_chat: &'static str,
}

fn words(lang: Lang) -> Words {
    match lang {
        Lang::En => Words {
            replied: |who| format!("{who} replied"),
            answer_here_or_in_chat: "Reply to this e-mail, or open the chat on our website: \
                                     your conversation is waiting there.",
            answer_in_chat: "Your conversation is waiting in the chat on our website: \
                             open it to answer.",
            conversation_with: |shop| format!("Your conversation with {shop}"),
            you: "You",
            go_on_in_chat: "To go on, write to us in the chat on our website.",
        },
        Lang::Es => Words {
            replied: |who| format!("{who} te respondió"),
            answer_here_or_in_chat: "Responde a este correo o abre el chat en nuestra web: \
                                     tu conversación te espera ahí.",
            answer_in_chat: "Tu conversación te espera en el chat de nuestra web: \
                             ábrelo para responder.",
            conversation_with: |shop| format!("Tu conversación con {shop}"),
            you: "Tú",
            go_on_in_chat: "Para seguir, escríbenos en el chat de nuestra web.",
        },
        Lang::Pt => Words {
            replied: |who| format!("{who} respondeu"),
            answer_here_or_in_chat: "Responda a este e-mail ou abra o chat no nosso site: \
                                     sua conversa está esperando lá.",
            answer_in_chat: "Sua conversa está esperando no chat do nosso site: \
                             abra-o para responder.",
            conversation_with: |shop| format!("Sua conversa com {shop}"),
            you: "Você",
            go_on_in_chat: "Para continuar, escreva para nós no chat do nosso site.",
        },
    }
}

/// The e-mail for the agents' replies among `news`: "Ana replied — Tienda Demo", each reply
/// with who wrote it, and where to answer (`answerable`: by replying to the e-mail too).
pub fn replies(lang: Lang, shop: &str, news: &[ChatMessage], answerable: bool) -> (String, String) {
    let words = words(lang);
    let replies: Vec<(&str, &str)> = news
        .iter()
        .filter_map(|m| match &m.author {
            Author::Agent { name } => Some((name.as_str(), m.text.as_str())),
            Author::Visitor => None,
        })
        .collect();
    let who = replies.last().map_or(shop, |(name, _)| name);
    let subject = format!("{} — {shop}", (words.replied)(who));
    let mut body = String::new();
    for (name, text) in &replies {
        body.push_str(&format!("{name}:\n{text}\n\n"));
    }
    let answer = if answerable {
        words.answer_here_or_in_chat
    } else {
        words.answer_in_chat
    };
    body.push_str(&format!("{answer}\n\n— {shop}\n"));
    (subject, body)
}

/// The e-mail with a whole conversation, as the visitor saw it: "Your conversation with
/// Tienda Demo", every message with who wrote it (the visitor is "You").
pub fn transcript(lang: Lang, shop: &str, messages: &[ChatMessage]) -> (String, String) {
    let words = words(lang);
    let subject = (words.conversation_with)(shop);
    let mut body = String::new();
    for message in messages {
        let who = match &message.author {
            Author::Agent { name } => name.as_str(),
            Author::Visitor => words.you,
        };
        body.push_str(&format!("{who}:\n{}\n\n", message.text));
    }
    body.push_str(&format!("{}\n\n— {shop}\n", words.go_on_in_chat));
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(author: Author, text: &str) -> ChatMessage {
        ChatMessage {
            seq: 1,
            client_id: None,
            author,
            text: text.into(),
            sent_at_ms: 0,
        }
    }

    #[test]
    fn the_transcript_holds_both_sides_in_order() {
        let conversation = [
            said(Author::Visitor, "¿Tienen la 42?"),
            said(Author::Agent { name: "Ana".into() }, "Sí, en negro."),
        ];
        let (subject, body) = transcript(Lang::En, "Tienda Demo", &conversation);
        assert_eq!(subject, "Your conversation with Tienda Demo");
        assert!(
            body.starts_with("You:\n¿Tienen la 42?\n\nAna:\nSí, en negro.\n\n"),
            "{body}"
        );
        let (subject, body) = transcript(Lang::Es, "Tienda Demo", &conversation);
        assert_eq!(subject, "Tu conversación con Tienda Demo");
        assert!(body.starts_with("Tú:\n¿Tienen la 42?\n\nAna:"), "{body}");
    }

    #[test]
    fn the_letter_holds_every_reply_and_who_wrote_it() {
        let ana = || Author::Agent { name: "Ana".into() };
        let news = [
            said(ana(), "Hola"),
            said(Author::Visitor, "¿?"),
            said(ana(), "Llega mañana"),
        ];
        let (subject, body) = replies(Lang::En, "Tienda Demo", &news, false);
        assert_eq!(subject, "Ana replied — Tienda Demo");
        assert!(
            body.starts_with("Ana:\nHola\n\nAna:\nLlega mañana\n\n"),
            "{body}"
        );
        assert!(!body.contains("¿?"), "{body}");
        let (subject, body) = replies(Lang::Pt, "Loja", &news, true);
        assert_eq!(subject, "Ana respondeu — Loja");
        assert!(body.contains("Responda a este e-mail"), "{body}");
    }

    #[test]
    fn every_language_says_all_of_it() {
        for lang in [Lang::En, Lang::Es, Lang::Pt] {
            let words = words(lang);
            for said in [
                words.answer_here_or_in_chat,
                words.answer_in_chat,
                words.you,
                words.go_on_in_chat,
            ] {
                assert!(!said.trim().is_empty() && !said.contains("  "), "{said:?}");
            }
        }
    }
}
