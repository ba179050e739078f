//! Every word the visitor sees or hears from a screen reader, in Spanish, English and Portuguese.

use pronto_protocol::ErrorCode;
use pronto_protocol::chat::WaitEstimate;

use crate::state::Presence;

/// A language the widget speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Es,
    Pt,
}

impl Lang {
    /// The language to use: `explicit` (the loader's `data-lang`) if it names one we speak,
    /// else the first of the browser's `preferred` languages we speak, else English.
    pub fn pick(explicit: Option<&str>, preferred: &[String]) -> Self {
        explicit
            .and_then(Self::from_tag)
            .or_else(|| preferred.iter().find_map(|tag| Self::from_tag(tag)))
            .unwrap_or(Self::En)
    }

    /// Matches on the primary subtag, so "es-CL" and "pt_BR" count as Spanish and Portuguese.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Self::En),
            "es" => Some(Self::Es),
            "pt" => Some(Self::Pt),
            _ => None,
        }
    }

    /// The BCP 47 code, for the `lang` attribute screen readers pronounce by.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Es => "es",
            Self::Pt => "pt",
        }
    }

    /// The fixed strings.
    pub fn text(self) -> &'static Text {
        match self {
            Self::En => &EN,
            Self::Es => &ES,
            Self::Pt => &PT,
        }
    }

    /// The waiting line, e.g. "You're #2 in line · about 2–4 min": the range that about 8 in
    /// 10 waits fall in, in whole minutes (hours past two), never more precise than it is. The
    /// literal "#N" is the same in every language on purpose: it is what visitors (and the
    /// tests) look for.
    pub fn queue_line(self, position: u32, estimate: Option<WaitEstimate>) -> String {
        let wait = match estimate {
            Some(estimate) => self.about(estimate.low_secs, estimate.high_secs),
            None => match self {
                Self::En => "we'll be with you soon".to_owned(),
                Self::Es => "te atenderemos pronto".to_owned(),
                Self::Pt => "logo vamos te atender".to_owned(),
            },
        };
        match self {
            Self::En => format!("You're #{position} in line · {wait}"),
            Self::Es => format!("Eres el #{position} en la fila · {wait}"),
            Self::Pt => format!("Você é o #{position} na fila · {wait}"),
        }
    }

    /// A span of time as a person would say it, never more precise than it is: "about 2–4
    /// min", "about 3 min", "less than a minute", "unas 1–3 h" (whole minutes; hours past two).
    fn about(self, low_secs: u32, high_secs: u32) -> String {
        if high_secs < 60 {
            return match self {
                Self::En => "less than a minute",
                Self::Es => "menos de un minuto",
                Self::Pt => "menos de um minuto",
            }
            .to_owned();
        }
        let in_hours = high_secs >= 2 * 3600;
        let (unit, round): (&str, fn(u32) -> u32) = if in_hours {
            ("h", hours)
        } else {
            ("min", minutes)
        };
        let low = round(low_secs);
        let high = round(high_secs).max(low);
        let span = if low == high {
            format!("{low} {unit}")
        } else {
            format!("{low}–{high} {unit}")
        };
        match self {
            Self::En => format!("about {span}"),
            Self::Es if in_hours => format!("unas {span}"),
            Self::Es => format!("unos {span}"),
            Self::Pt => format!("cerca de {span}"),
        }
    }

    /// The line under the greeting until an agent has the chat: is anyone there, how soon
    /// do they answer, when does the shop open. `opens` is when the shop opens again, as the
    /// visitor's clock says it ("at 9:00", "on Monday at 9:00"), and how far off ("in 3
    /// hours"): the browser words those (`Intl`).
    pub fn availability(self, presence: Presence, opens: (String, String)) -> String {
        let (at, relative) = opens;
        match (presence, self) {
            (Presence::Closed { .. }, Self::En) => {
                format!(
                    "We're closed now. We open again {at} ({relative}). Leave a message and we'll reply here."
                )
            }
            (Presence::Closed { .. }, Self::Es) => {
                format!(
                    "Ahora estamos cerrados. Abrimos {at} ({relative}). Déjanos un mensaje y te responderemos aquí."
                )
            }
            (Presence::Closed { .. }, Self::Pt) => {
                format!(
                    "Agora estamos fechados. Abrimos {at} ({relative}). Deixe uma mensagem e responderemos aqui."
                )
            }
            (
                Presence::Online {
                    typical_reply_secs: Some(secs),
                },
                _,
            ) => {
                let about = self.about(secs, secs);
                match self {
                    Self::En => format!("We typically reply in {about}"),
                    Self::Es => format!("Solemos responder en {about}"),
                    Self::Pt => format!("Costumamos responder em {about}"),
                }
            }
            // Too little history to say how soon: no number rather than a made-up one.
            (Presence::Online { .. }, _) => self.text().replies_soon.to_owned(),
            (Presence::Away, _) => self.text().away.to_owned(),
        }
    }

    /// When the shop opens, around the browser's words for the time and the day: "at 9:00 AM",
    /// "on Monday at 9:00 AM", "a las 9:00", "el lunes a las 9:00" ("a la 1:00").
    pub fn opens_at(self, weekday: Option<&str>, time: &str) -> String {
        let one = time.starts_with("1:");
        match (self, weekday) {
            (Self::En, None) => format!("at {time}"),
            (Self::En, Some(day)) => format!("on {day} at {time}"),
            (Self::Es, None) if one => format!("a la {time}"),
            (Self::Es, None) => format!("a las {time}"),
            (Self::Es, Some(day)) if one => format!("el {day} a la {time}"),
            (Self::Es, Some(day)) => format!("el {day} a las {time}"),
            (Self::Pt, None) if one => format!("à {time}"),
            (Self::Pt, None) => format!("às {time}"),
            (Self::Pt, Some(day)) if one => format!("{day}, à {time}"),
            (Self::Pt, Some(day)) => format!("{day}, às {time}"),
        }
    }

    /// Under a message the server refused: "Not sent: too long". Only reasons a visitor can do
    /// something about get their own words; the rest say to try again.
    pub fn not_sent(self, code: ErrorCode) -> String {
        let reason = match (self, code) {
            (Self::En, ErrorCode::MessageTooLong | ErrorCode::FrameTooLarge) => "too long",
            (Self::En, ErrorCode::MessageEmpty) => "the message is empty",
            (Self::En, _) => "please try again",
            (Self::Es, ErrorCode::MessageTooLong | ErrorCode::FrameTooLarge) => "demasiado largo",
            (Self::Es, ErrorCode::MessageEmpty) => "el mensaje está vacío",
            (Self::Es, _) => "inténtalo de nuevo",
            (Self::Pt, ErrorCode::MessageTooLong | ErrorCode::FrameTooLarge) => "longa demais",
            (Self::Pt, ErrorCode::MessageEmpty) => "a mensagem está vazia",
            (Self::Pt, _) => "tente de novo",
        };
        match self {
            Self::En => format!("Not sent: {reason}"),
            Self::Es => format!("No enviado: {reason}"),
            Self::Pt => format!("Não enviada: {reason}"),
        }
    }

    /// Describes the launcher's badge to screen readers.
    pub fn unread(self, count: u32) -> String {
        match (self, count) {
            (Self::En, 1) => "1 unread message".to_owned(),
            (Self::En, n) => format!("{n} unread messages"),
            (Self::Es, 1) => "1 mensaje sin leer".to_owned(),
            (Self::Es, n) => format!("{n} mensajes sin leer"),
            (Self::Pt, 1) => "1 mensagem não lida".to_owned(),
            (Self::Pt, n) => format!("{n} mensagens não lidas"),
        }
    }

    /// "Ana is typing…", while the agent writes a reply.
    pub fn typing(self, agent: &str) -> String {
        match self {
            Self::En => format!("{agent} is typing…"),
            Self::Es => format!("{agent} está escribiendo…"),
            Self::Pt => format!("{agent} está digitando…"),
        }
    }
}

/// Seconds to whole minutes, rounded, never below one: "0 min" would promise too much.
fn minutes(secs: u32) -> u32 {
    (secs.saturating_add(30) / 60).max(1)
}

/// Whole hours, rounded, at least one.
fn hours(secs: u32) -> u32 {
    (secs.saturating_add(1800) / 3600).max(1)
}

/// The fixed strings of one language.
pub struct Text {
    /// The launcher's label.
    pub open_chat: &'static str,
    /// The panel's close button.
    pub close_chat: &'static str,
    /// The panel's title until the shop's name arrives.
    pub chat: &'static str,
    /// Shown under the title until the shop's own greeting arrives (or if it has none).
    pub greeting: &'static str,
    /// After the agent's name in the header: "Ana is helping you".
    pub agent_helping: &'static str,
    /// Names the message list for screen readers.
    pub messages: &'static str,
    /// Said before the visitor's own messages, for screen readers.
    pub you: &'static str,
    pub input_label: &'static str,
    pub placeholder: &'static str,
    pub send: &'static str,
    pub conversation_ended: &'static str,
    pub new_conversation: &'static str,
    pub reconnecting: &'static str,
    /// Beside "Reconnecting…" while typed messages wait for the connection.
    pub will_send: &'static str,
    /// When the server refused the site or our protocol version: retrying will not help.
    pub unavailable: &'static str,
    pub too_long: &'static str,
    /// Under a message on its way to the server.
    pub sending: &'static str,
    /// The check mark under a message the server stored, for screen readers.
    pub sent: &'static str,
    /// Under the greeting while an agent is there to answer.
    pub replies_soon: &'static str,
    /// Under the greeting while nobody is.
    pub away: &'static str,
    /// An own message now on the console of the agent holding the chat.
    pub delivered: &'static str,
    /// An own message the agent has read.
    pub read: &'static str,
    /// Sends a refused message again.
    pub retry: &'static str,
    /// Deletes a refused message.
    pub discard: &'static str,
    /// Under a quick answer the visitor opened, and the two replies to it.
    pub did_it_help: &'static str,
    pub it_helped: &'static str,
    pub ask_a_person: &'static str,
    /// Once a quick answer solved the question.
    pub glad_it_helped: &'static str,
    /// Offers to send the reply by e-mail, and the field and button that take the address.
    pub email_offer: &'static str,
    pub email_send: &'static str,
    pub email_invalid: &'static str,
    /// After "We'll e-mail you at …": "if you've gone by then".
    pub email_saved: &'static str,
    /// Rating an ended conversation: the question, the two answers, the optional comment.
    pub rate_question: &'static str,
    pub rate_good: &'static str,
    pub rate_bad: &'static str,
    pub rate_comment: &'static str,
    pub rate_thanks: &'static str,
}

const EN: Text = Text {
    open_chat: "Open chat",
    close_chat: "Close chat",
    chat: "Chat",
    greeting: "Hi! How can we help you today?",
    agent_helping: "is helping you",
    messages: "Messages",
    you: "You",
    input_label: "Message",
    placeholder: "Write a message…",
    send: "Send",
    conversation_ended: "This conversation has ended",
    new_conversation: "Start a new conversation",
    reconnecting: "Reconnecting…",
    will_send: "Your messages will be sent once you're back online.",
    unavailable: "Chat is not available right now.",
    too_long: "That message is too long.",
    sending: "Sending…",
    sent: "Sent",
    replies_soon: "We're here and will reply soon",
    away: "We're away right now. Leave a message and we'll reply here.",
    delivered: "Delivered",
    read: "Read",
    retry: "Retry",
    discard: "Delete",
    did_it_help: "Did this answer your question?",
    it_helped: "Yes, thanks",
    ask_a_person: "No, ask a person",
    glad_it_helped: "Glad it helped!",
    email_offer: "Leave your e-mail in case you've gone when we reply.",
    email_send: "Notify me",
    email_invalid: "That doesn't look like an e-mail address.",
    email_saved: "We'll e-mail the reply to",
    rate_question: "How was this conversation?",
    rate_good: "Good",
    rate_bad: "Bad",
    rate_comment: "Anything to add? (optional)",
    rate_thanks: "Thanks for telling us!",
};

const ES: Text = Text {
    open_chat: "Abrir chat",
    close_chat: "Cerrar chat",
    chat: "Chat",
    greeting: "¡Hola! ¿En qué te podemos ayudar?",
    agent_helping: "te está atendiendo",
    messages: "Mensajes",
    you: "Tú",
    input_label: "Mensaje",
    placeholder: "Escribe un mensaje…",
    send: "Enviar",
    conversation_ended: "Esta conversación ha terminado",
    new_conversation: "Iniciar una nueva conversación",
    reconnecting: "Reconectando…",
    will_send: "Tus mensajes se enviarán cuando vuelva la conexión.",
    unavailable: "El chat no está disponible en este momento.",
    too_long: "Ese mensaje es demasiado largo.",
    sending: "Enviando…",
    sent: "Enviado",
    replies_soon: "Estamos conectados y te responderemos pronto",
    away: "Ahora no estamos. Déjanos un mensaje y te responderemos aquí.",
    delivered: "Entregado",
    read: "Leído",
    retry: "Reintentar",
    discard: "Eliminar",
    did_it_help: "¿Esto responde tu pregunta?",
    it_helped: "Sí, gracias",
    ask_a_person: "No, hablar con una persona",
    glad_it_helped: "¡Qué bien!",
    email_offer: "Déjanos tu e-mail por si ya no estás cuando respondamos.",
    email_send: "Avisarme",
    email_invalid: "Eso no parece una dirección de e-mail.",
    email_saved: "Te enviaremos la respuesta a",
    rate_question: "¿Qué tal fue esta conversación?",
    rate_good: "Buena",
    rate_bad: "Mala",
    rate_comment: "¿Algo que agregar? (opcional)",
    rate_thanks: "¡Gracias por contarnos!",
};

const PT: Text = Text {
    open_chat: "Abrir chat",
    close_chat: "Fechar chat",
    chat: "Chat",
    greeting: "Olá! Como podemos ajudar?",
    agent_helping: "está te atendendo",
    messages: "Mensagens",
    you: "Você",
    input_label: "Mensagem",
    placeholder: "Escreva uma mensagem…",
    send: "Enviar",
    conversation_ended: "Esta conversa foi encerrada",
    new_conversation: "Iniciar uma nova conversa",
    reconnecting: "Reconectando…",
    will_send: "Suas mensagens serão enviadas quando a conexão voltar.",
    unavailable: "O chat não está disponível no momento.",
    too_long: "Essa mensagem é longa demais.",
    sending: "Enviando…",
    sent: "Enviada",
    replies_soon: "Estamos online e responderemos em breve",
    away: "Não estamos agora. Deixe uma mensagem e responderemos aqui.",
    delivered: "Entregue",
    read: "Lida",
    retry: "Tentar de novo",
    discard: "Excluir",
    did_it_help: "Isso responde à sua pergunta?",
    it_helped: "Sim, obrigado",
    ask_a_person: "Não, falar com uma pessoa",
    glad_it_helped: "Que bom!",
    email_offer: "Deixe seu e-mail caso já tenha saído quando respondermos.",
    email_send: "Avisar-me",
    email_invalid: "Isso não parece um endereço de e-mail.",
    email_saved: "Enviaremos a resposta para",
    rate_question: "Como foi esta conversa?",
    rate_good: "Boa",
    rate_bad: "Ruim",
    rate_comment: "Algo a acrescentar? (opcional)",
    rate_thanks: "Obrigado por nos contar!",
};

#[cfg(test)]
mod tests {
    use super::*;

    fn langs(tags: &[&str]) -> Vec<String> {
        tags.iter().map(|t| t.to_string()).collect()
    }

    #[test]
    fn explicit_language_wins_then_browser_then_english() {
        assert_eq!(Lang::pick(Some("pt"), &langs(&["es"])), Lang::Pt);
        assert_eq!(Lang::pick(Some("fr"), &langs(&["de", "es-CL"])), Lang::Es);
        assert_eq!(Lang::pick(None, &langs(&["pt_BR"])), Lang::Pt);
        assert_eq!(Lang::pick(None, &langs(&["de", "fr"])), Lang::En);
        assert_eq!(Lang::pick(None, &[]), Lang::En);
    }

    #[test]
    fn queue_line_keeps_the_position_literal() {
        let estimate = Some(WaitEstimate {
            low_secs: 60,
            typical_secs: 120,
            high_secs: 180,
        });
        assert_eq!(
            Lang::En.queue_line(2, estimate),
            "You're #2 in line · about 1–3 min"
        );
        assert_eq!(
            Lang::Es.queue_line(2, estimate),
            "Eres el #2 en la fila · unos 1–3 min"
        );
        assert_eq!(
            Lang::Pt.queue_line(2, estimate),
            "Você é o #2 na fila · cerca de 1–3 min"
        );
        assert_eq!(
            Lang::En.queue_line(1, None),
            "You're #1 in line · we'll be with you soon"
        );
    }

    #[test]
    fn minutes_round_and_never_reach_zero() {
        assert_eq!(minutes(0), 1);
        assert_eq!(minutes(29), 1);
        assert_eq!(minutes(89), 1);
        assert_eq!(minutes(90), 2);
        let same = Some(WaitEstimate {
            low_secs: 100,
            typical_secs: 110,
            high_secs: 130,
        });
        assert_eq!(
            Lang::En.queue_line(1, same),
            "You're #1 in line · about 2 min"
        );
        let soon = Some(WaitEstimate {
            low_secs: 10,
            typical_secs: 20,
            high_secs: 50,
        });
        assert_eq!(
            Lang::Es.queue_line(1, soon),
            "Eres el #1 en la fila · menos de un minuto"
        );
        let long = Some(WaitEstimate {
            low_secs: 3_600,
            typical_secs: 7_200,
            high_secs: 3 * 3_600,
        });
        assert_eq!(
            Lang::Es.queue_line(9, long),
            "Eres el #9 en la fila · unas 1–3 h"
        );
        assert_eq!(
            Lang::Pt.queue_line(9, long),
            "Você é o #9 na fila · cerca de 1–3 h"
        );
    }

    #[test]
    fn availability_says_how_soon_or_when_the_shop_opens() {
        let online = |secs| Presence::Online {
            typical_reply_secs: secs,
        };
        assert_eq!(
            Lang::En.availability(online(Some(240)), Default::default()),
            "We typically reply in about 4 min"
        );
        assert_eq!(
            Lang::Es.availability(online(Some(30)), Default::default()),
            "Solemos responder en menos de un minuto"
        );
        assert_eq!(
            Lang::Pt.availability(online(Some(3 * 3600)), Default::default()),
            "Costumamos responder em cerca de 3 h"
        );
        // No history: no number.
        assert_eq!(
            Lang::En.availability(online(None), Default::default()),
            "We're here and will reply soon"
        );
        let opens = (
            Lang::Es.opens_at(Some("lunes"), "9:00"),
            "dentro de 2 días".to_owned(),
        );
        assert_eq!(
            Lang::Es.availability(Presence::Closed { at_ms: 0 }, opens),
            "Ahora estamos cerrados. Abrimos el lunes a las 9:00 (dentro de 2 días). \
             Déjanos un mensaje y te responderemos aquí."
        );
        assert_eq!(Lang::Es.opens_at(None, "1:30"), "a la 1:30");
        assert_eq!(Lang::Pt.opens_at(None, "9:00"), "às 9:00");
        assert_eq!(
            Lang::En.opens_at(Some("Monday"), "9:00 AM"),
            "on Monday at 9:00 AM"
        );
    }

    #[test]
    fn refusals_are_explained_in_every_language() {
        assert_eq!(
            Lang::En.not_sent(ErrorCode::MessageTooLong),
            "Not sent: too long"
        );
        assert_eq!(
            Lang::Es.not_sent(ErrorCode::FrameTooLarge),
            "No enviado: demasiado largo"
        );
        assert_eq!(
            Lang::Pt.not_sent(ErrorCode::Internal),
            "Não enviada: tente de novo"
        );
    }
}
