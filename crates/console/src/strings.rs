//! Every word the console shows, in Spanish, English and Portuguese, in one place.
//!
//! Each text is a function answering in the language `lang` picked at start-up: `pick` for
//! fixed words, a `match` for sentences built around names and numbers. Words in the order
//! English, Spanish, Portuguese, so the English (what the browser tests read) comes first.

use pronto_protocol::limits::MAX_MESSAGE_CHARS;
use pronto_protocol::{ErrorCode, ProtocolError};

use crate::api::ApiError;
use crate::lang::{self, Lang};

/// One of three fixed texts, in the console's language.
fn pick(en: &'static str, es: &'static str, pt: &'static str) -> &'static str {
    match lang::current() {
        Lang::En => en,
        Lang::Es => es,
        Lang::Pt => pt,
    }
}

/// The product's name, the same in every language.
pub const PRODUCT: &str = "Pronto";

/// The browser tab's title.
pub fn page_title() -> &'static str {
    pick("Pronto console", "Consola de Pronto", "Console do Pronto")
}

pub fn loading() -> &'static str {
    pick("Loading…", "Cargando…", "Carregando…")
}

// The language switch.
pub fn console_language() -> &'static str {
    pick("Language", "Idioma", "Idioma")
}

// Sign-in.
pub fn sign_in_title() -> &'static str {
    pick(
        "Sign in to the console",
        "Inicia sesión en la consola",
        "Entre no console",
    )
}
pub fn email() -> &'static str {
    pick("Email", "Correo electrónico", "E-mail")
}
pub fn password() -> &'static str {
    pick("Password", "Contraseña", "Senha")
}
pub fn sign_in() -> &'static str {
    pick("Sign in", "Iniciar sesión", "Entrar")
}
pub fn signing_in() -> &'static str {
    pick("Signing in…", "Iniciando sesión…", "Entrando…")
}
pub fn server_unreachable() -> &'static str {
    pick(
        "The server could not be reached. Check your connection and try again.",
        "No se pudo conectar con el servidor. Revisa tu conexión e inténtalo de nuevo.",
        "Não foi possível conectar ao servidor. Verifique sua conexão e tente novamente.",
    )
}

// Header.
pub fn sign_out() -> &'static str {
    pick("Sign out", "Cerrar sesión", "Sair")
}
pub fn connecting() -> &'static str {
    pick("Connecting…", "Conectando…", "Conectando…")
}
pub fn reconnecting() -> &'static str {
    pick("Reconnecting…", "Reconectando…", "Reconectando…")
}
pub fn signed_in_as() -> &'static str {
    pick("Signed in as", "Sesión iniciada como", "Conectado como")
}
pub fn dismiss() -> &'static str {
    pick("Dismiss", "Cerrar", "Fechar")
}

// Queue.
pub fn waiting_visitors() -> &'static str {
    pick(
        "Waiting visitors",
        "Visitantes en espera",
        "Visitantes aguardando",
    )
}
pub fn nobody_waiting() -> &'static str {
    pick(
        "Nobody is waiting",
        "Nadie está esperando",
        "Ninguém está aguardando",
    )
}
pub fn take() -> &'static str {
    pick("Take", "Tomar", "Atender")
}
pub fn take_next() -> &'static str {
    pick("Take next", "Tomar el siguiente", "Atender próximo")
}

/// Under the queue list when more visitors wait than it shows.
pub fn more_waiting(count: u32) -> String {
    match lang::current() {
        Lang::En => format!("…and {count} more waiting"),
        Lang::Es => format!("…y {count} más esperando"),
        Lang::Pt => format!("…e mais {count} aguardando"),
    }
}

// Conversations.
pub fn your_conversations() -> &'static str {
    pick("Your conversations", "Tus conversaciones", "Suas conversas")
}
pub fn no_conversations() -> &'static str {
    pick(
        "No open conversations. Take a visitor from the queue.",
        "No tienes conversaciones abiertas. Toma un visitante de la fila.",
        "Nenhuma conversa aberta. Atenda um visitante da fila.",
    )
}
pub fn closed() -> &'static str {
    pick("Closed", "Cerrada", "Encerrada")
}
pub fn no_selection() -> &'static str {
    pick(
        "Select a conversation, or take a visitor from the queue.",
        "Elige una conversación o toma un visitante de la fila.",
        "Selecione uma conversa ou atenda um visitante da fila.",
    )
}
pub fn no_messages() -> &'static str {
    pick(
        "No messages yet.",
        "Todavía no hay mensajes.",
        "Ainda não há mensagens.",
    )
}
pub fn visitor_typing() -> &'static str {
    pick(
        "The visitor is typing…",
        "El visitante está escribiendo…",
        "O visitante está digitando…",
    )
}
pub fn messages() -> &'static str {
    pick("Messages", "Mensajes", "Mensagens")
}
pub fn close_conversation() -> &'static str {
    pick(
        "Close conversation",
        "Cerrar conversación",
        "Encerrar conversa",
    )
}
pub fn conversation_closed() -> &'static str {
    pick(
        "Conversation closed",
        "Conversación cerrada",
        "Conversa encerrada",
    )
}
pub fn remove_from_list() -> &'static str {
    pick("Remove from list", "Quitar de la lista", "Remover da lista")
}
/// The reply box's label.
pub fn reply() -> &'static str {
    pick("Reply", "Respuesta", "Resposta")
}
pub fn reply_placeholder() -> &'static str {
    pick(
        "Type a reply. Enter sends, Shift+Enter starts a new line.",
        "Escribe una respuesta. Enter envía; Shift+Enter agrega una línea nueva.",
        "Digite uma resposta. Enter envia; Shift+Enter começa uma nova linha.",
    )
}
pub fn send() -> &'static str {
    pick("Send", "Enviar", "Enviar")
}
// Internal notes.
pub fn note() -> &'static str {
    pick("Internal note", "Nota interna", "Nota interna")
}
pub fn note_placeholder() -> &'static str {
    pick(
        "A note only your team sees. Enter adds it.",
        "Una nota que solo ve tu equipo. Enter la agrega.",
        "Uma nota que só sua equipe vê. Enter adiciona.",
    )
}
pub fn add_note() -> &'static str {
    pick("Add note", "Agregar nota", "Adicionar nota")
}
/// After the author's name on a note.
pub fn note_suffix() -> &'static str {
    pick(" · internal note", " · nota interna", " · nota interna")
}
pub fn sending() -> &'static str {
    pick("Sending…", "Enviando…", "Enviando…")
}
pub fn retry() -> &'static str {
    pick("Retry", "Reintentar", "Tentar novamente")
}
pub fn discard() -> &'static str {
    pick("Discard", "Descartar", "Descartar")
}

// Handing a conversation to a teammate.
pub fn transfer() -> &'static str {
    pick("Transfer", "Transferir", "Transferir")
}
/// The transfer menu's name, and the start of each teammate's button name.
pub fn transfer_to_label() -> &'static str {
    pick("Transfer to", "Transferir a", "Transferir para")
}
pub fn loading_team() -> &'static str {
    pick(
        "Finding who is online…",
        "Buscando quién está en línea…",
        "Verificando quem está online…",
    )
}
pub fn nobody_to_transfer_to() -> &'static str {
    pick(
        "Nobody else on the team is online.",
        "No hay nadie más del equipo en línea.",
        "Ninguém mais da equipe está online.",
    )
}
pub fn away() -> &'static str {
    pick("away", "ausente", "ausente")
}
pub fn cancel() -> &'static str {
    pick("Cancel", "Cancelar", "Cancelar")
}
pub fn transfer_waits_for_replies() -> &'static str {
    pick(
        "Your replies are still being sent; transfer once they are.",
        "Tus respuestas aún se están enviando; transfiere cuando terminen.",
        "Suas respostas ainda estão sendo enviadas; transfira quando terminarem.",
    )
}

/// After this agent handed a conversation on.
pub fn handed_away(visitor: &str, teammate: &str) -> String {
    match lang::current() {
        Lang::En => format!("{visitor} is with {teammate} now."),
        Lang::Es => format!("{visitor} ahora está con {teammate}."),
        Lang::Pt => format!("{visitor} agora está com {teammate}."),
    }
}

/// When a teammate handed this agent a conversation.
pub fn handed_to_you(teammate: &str, visitor: &str) -> String {
    match lang::current() {
        Lang::En => format!("{teammate} handed you the conversation with {visitor}."),
        Lang::Es => format!("{teammate} te pasó la conversación con {visitor}."),
        Lang::Pt => format!("{teammate} passou para você a conversa com {visitor}."),
    }
}

/// Automatic assignment gave the agent a visitor from the line.
pub fn assigned_to_you(visitor: &str) -> String {
    // Worded around the visitor's gender, which the console does not know.
    match lang::current() {
        Lang::En => format!("{visitor} was assigned to you."),
        Lang::Es => format!("Se te asignó la conversación con {visitor}."),
        Lang::Pt => format!("Você recebeu a conversa com {visitor}."),
    }
}

// Who answers (settings).
pub fn who_answers() -> &'static str {
    pick("Who answers", "Quién responde", "Quem atende")
}
pub fn assign_automatically() -> &'static str {
    pick(
        "Assign waiting visitors automatically",
        "Asignar automáticamente a los visitantes en espera",
        "Distribuir automaticamente os visitantes em espera",
    )
}
pub fn assign_automatically_hint() -> &'static str {
    pick(
        "Each visitor who writes goes at once to the agent online with a free slot and the \
         fewest chats; when every slot is full they wait in line and go to the first that \
         frees. Off: agents take visitors from the queue. Agents can always take more than \
         their slots by hand.",
        "Cada visitante que escribe pasa de inmediato al agente en línea con un cupo libre y \
         menos chats; cuando todos los cupos están llenos, espera en la fila y pasa al primero \
         que se libere. Desactivado: los agentes toman a los visitantes de la fila. Los agentes \
         siempre pueden tomar a mano más chats que sus cupos.",
        "Cada visitante que escreve vai na hora para o atendente online com uma vaga livre e \
         menos chats; quando todas as vagas estão ocupadas, ele aguarda na fila e vai para o \
         primeiro que liberar. Desligado: os atendentes pegam os visitantes da fila. Os \
         atendentes sempre podem atender manualmente mais chats do que suas vagas.",
    )
}
pub fn chats_at_once() -> &'static str {
    pick("chats at once", "chats a la vez", "chats ao mesmo tempo")
}

/// The accessible name of a teammate's slots field.
pub fn chats_at_once_for(name: &str) -> String {
    match lang::current() {
        Lang::En => format!("Chats {name} takes at once"),
        Lang::Es => format!("Chats a la vez de {name}"),
        Lang::Pt => format!("Chats ao mesmo tempo de {name}"),
    }
}

/// A teammate's slots are not a number the server takes.
pub fn slots_out_of_range(name: &str) -> String {
    let max = pronto_protocol::limits::MAX_SLOTS;
    match lang::current() {
        Lang::En => format!("{name}'s chats at once must be a whole number from 1 to {max}."),
        Lang::Es => {
            format!("Los chats a la vez de {name} deben ser un número entero de 1 a {max}.")
        }
        Lang::Pt => {
            format!("Os chats ao mesmo tempo de {name} devem ser um número inteiro de 1 a {max}.")
        }
    }
}

/// How many of their slots the agent's open conversations fill, beside "Your conversations".
pub fn chats_of_slots(chats: usize, slots: u32) -> String {
    match lang::current() {
        Lang::En => format!("{chats} of {slots}"),
        Lang::Es | Lang::Pt => format!("{chats} de {slots}"),
    }
}

/// The accessible name of the count above.
pub fn chats_of_slots_label(chats: usize, slots: u32) -> String {
    match lang::current() {
        Lang::En => format!("{chats} open of the {slots} chats you take at once"),
        Lang::Es => format!("{chats} abiertos de los {slots} chats que atiendes a la vez"),
        Lang::Pt => format!("{chats} abertos dos {slots} chats que você atende ao mesmo tempo"),
    }
}

/// The accessible name of a teammate's button in the transfer list.
pub fn transfer_to(teammate: &str) -> String {
    format!("{} {teammate}", transfer_to_label())
}

// Alerts.
pub fn visitor_waiting() -> &'static str {
    pick(
        "A visitor is waiting",
        "Hay un visitante esperando",
        "Há um visitante aguardando",
    )
}
pub fn alerts() -> &'static str {
    pick("Alerts", "Avisos", "Alertas")
}
pub fn step_away() -> &'static str {
    pick("Away", "Ausente", "Ausente")
}
pub fn away_hint() -> &'static str {
    pick(
        "While you are away, visitors see that nobody is there unless a teammate is, and are \
         offered e-mail at once. Your chats go on.",
        "Mientras estás ausente, los visitantes ven que no hay nadie (salvo que haya un \
         compañero en línea) y se les ofrece el correo de inmediato. Tus chats continúan.",
        "Enquanto você está ausente, os visitantes veem que não há ninguém (a menos que um \
         colega esteja online) e recebem na hora a opção de e-mail. Seus chats continuam.",
    )
}
pub fn alerts_blocked() -> &'static str {
    pick(
        "This browser blocks notifications from the console; allow them in its site settings \
         to get alerts.",
        "Este navegador bloquea las notificaciones de la consola; permítelas en la \
         configuración del sitio para recibir avisos.",
        "Este navegador bloqueia as notificações do console; permita-as nas configurações do \
         site para receber alertas.",
    )
}

// The visitor's past.
pub fn no_earlier() -> &'static str {
    pick(
        "First conversation with this visitor.",
        "Primera conversación con este visitante.",
        "Primeira conversa com este visitante.",
    )
}

/// The summary of the visitor's past: "First seen 2026-11-20 14:05 · 2 earlier conversations".
pub fn visitor_past(first_seen: &str, earlier: usize) -> String {
    let first = match lang::current() {
        Lang::En => format!("First seen {first_seen}"),
        Lang::Es => format!("Primera visita: {first_seen}"),
        Lang::Pt => format!("Primeira visita: {first_seen}"),
    };
    let past = match (lang::current(), earlier) {
        (_, 0) => no_earlier().to_owned(),
        (Lang::En, 1) => "1 earlier conversation".to_owned(),
        (Lang::En, n) => format!("{n} earlier conversations"),
        (Lang::Es, 1) => "1 conversación anterior".to_owned(),
        (Lang::Es, n) => format!("{n} conversaciones anteriores"),
        (Lang::Pt, 1) => "1 conversa anterior".to_owned(),
        (Lang::Pt, n) => format!("{n} conversas anteriores"),
    };
    format!("{first} · {past}")
}

/// One earlier conversation, folded: "2026-11-20 14:05 · 4 messages · Ana".
pub fn earlier_conversation(started: &str, messages: usize, agent: Option<&str>) -> String {
    let count = match (lang::current(), messages) {
        (Lang::En, 1) => "1 message".to_owned(),
        (Lang::En, n) => format!("{n} messages"),
        (Lang::Es, 1) => "1 mensaje".to_owned(),
        (Lang::Es, n) => format!("{n} mensajes"),
        (Lang::Pt, 1) => "1 mensagem".to_owned(),
        (Lang::Pt, n) => format!("{n} mensagens"),
    };
    let agent = agent.unwrap_or_else(|| nobody_answered());
    format!("{started} · {count} · {agent}")
}

pub fn nobody_answered() -> &'static str {
    pick("nobody answered", "nadie respondió", "ninguém respondeu")
}

/// A day and time, "2026-11-20 14:05".
pub fn day_and_time(day: &str, hours: u32, minutes: u32) -> String {
    format!("{day} {}", clock_time(hours, minutes))
}

// Pages of the console (owners see both).
pub fn chats() -> &'static str {
    pick("Chats", "Chats", "Chats")
}
pub fn dashboard() -> &'static str {
    pick("Dashboard", "Panel", "Painel")
}
pub fn settings() -> &'static str {
    pick("Settings", "Configuración", "Configurações")
}

// The owner's settings.
pub fn quick_answers() -> &'static str {
    pick("Quick answers", "Respuestas rápidas", "Respostas rápidas")
}
pub fn quick_answers_hint() -> &'static str {
    pick(
        "The widget offers these while visitors type a matching question, in their language, \
         and asks whether the answer solved it; \"no\" passes the question to your team.",
        "El widget las ofrece mientras el visitante escribe una pregunta parecida, en su \
         idioma, y le pregunta si la respuesta lo resolvió; si dice \"no\", la pregunta pasa a \
         tu equipo.",
        "O widget as oferece enquanto o visitante digita uma pergunta parecida, no idioma \
         dele, e pergunta se a resposta resolveu; se ele disser \"não\", a pergunta passa para \
         sua equipe.",
    )
}
pub fn language() -> &'static str {
    pick("Language", "Idioma", "Idioma")
}
pub fn question() -> &'static str {
    pick(
        "Question, as a visitor would ask it",
        "Pregunta, como la haría un visitante",
        "Pergunta, como um visitante a faria",
    )
}
pub fn answer() -> &'static str {
    pick("Answer", "Respuesta", "Resposta")
}
pub fn keywords() -> &'static str {
    pick(
        "Other words visitors use (optional)",
        "Otras palabras que usan los visitantes (opcional)",
        "Outras palavras que os visitantes usam (opcional)",
    )
}
pub fn remove() -> &'static str {
    pick("Remove", "Quitar", "Remover")
}
pub fn add_quick_answer() -> &'static str {
    pick(
        "Add a quick answer",
        "Agregar una respuesta rápida",
        "Adicionar uma resposta rápida",
    )
}
pub fn save_quick_answers() -> &'static str {
    pick(
        "Save quick answers",
        "Guardar respuestas rápidas",
        "Salvar respostas rápidas",
    )
}
pub fn save() -> &'static str {
    pick("Save", "Guardar", "Salvar")
}
pub fn saved() -> &'static str {
    pick("Saved.", "Guardado.", "Salvo.")
}
pub fn waits() -> &'static str {
    pick("Waiting and targets", "Espera y metas", "Espera e metas")
}
pub fn ask_email_after() -> &'static str {
    pick(
        "Offer to reply by e-mail after this many minutes in line",
        "Ofrecer respuesta por correo después de estos minutos en la fila",
        "Oferecer resposta por e-mail após este número de minutos na fila",
    )
}
pub fn reply_target() -> &'static str {
    pick(
        "A live chat's first reply is on target within (minutes)",
        "La primera respuesta de un chat en vivo cumple la meta dentro de (minutos)",
        "A primeira resposta de um chat ao vivo cumpre a meta em até (minutos)",
    )
}
pub fn email_reply_target() -> &'static str {
    pick(
        "A first reply that goes by e-mail (the visitor had left) is on target within (hours)",
        "Una primera respuesta por correo (el visitante ya se había ido) cumple la meta \
         dentro de (horas)",
        "Uma primeira resposta por e-mail (o visitante já tinha saído) cumpre a meta em até \
         (horas)",
    )
}
pub fn whole_hours() -> &'static str {
    pick(
        "Write the e-mail target in whole hours, 1 to 168 (a week).",
        "Escribe la meta por correo en horas enteras, de 1 a 168 (una semana).",
        "Escreva a meta por e-mail em horas inteiras, de 1 a 168 (uma semana).",
    )
}
pub fn whole_minutes() -> &'static str {
    pick(
        "Write whole minutes, such as 3.",
        "Escribe minutos enteros, por ejemplo 3.",
        "Escreva minutos inteiros, por exemplo 3.",
    )
}
pub fn script_tag() -> &'static str {
    pick("Script tag", "Etiqueta script", "Tag de script")
}
pub fn script_tag_hint() -> &'static str {
    pick(
        "Paste this line into every page of your shop, in the head or at the end of the body. \
         The widget takes its colour, corner and language from it: paste it again after \
         changing them.",
        "Pega esta línea en todas las páginas de tu tienda, en el head o al final del body. \
         El widget toma de ella su color, esquina e idioma: vuelve a pegarla después de \
         cambiarlos.",
        "Cole esta linha em todas as páginas da sua loja, no head ou no final do body. O \
         widget pega dela a cor, o canto e o idioma: cole de novo depois de alterá-los.",
    )
}

// The shop.
pub fn shop() -> &'static str {
    pick("Shop", "Tienda", "Loja")
}
pub fn shop_name() -> &'static str {
    pick(
        "Shop name, at the top of the chat",
        "Nombre de la tienda, arriba del chat",
        "Nome da loja, no topo do chat",
    )
}
pub fn greeting() -> &'static str {
    pick(
        "Greeting, under the name",
        "Saludo, debajo del nombre",
        "Saudação, abaixo do nome",
    )
}
pub fn allowed_origins() -> &'static str {
    pick(
        "Storefront addresses allowed to show the chat, one per line",
        "Direcciones de la tienda que pueden mostrar el chat, una por línea",
        "Endereços da loja que podem mostrar o chat, um por linha",
    )
}
pub fn allowed_origins_hint() -> &'static str {
    pick(
        "Such as https://tienda.example (no path). This server's own pages are always allowed.",
        "Por ejemplo https://tienda.example (sin ruta). Las páginas de este servidor siempre \
         están permitidas.",
        "Por exemplo https://tienda.example (sem caminho). As páginas deste servidor são \
         sempre permitidas.",
    )
}

// Opening hours.
pub fn opening_hours() -> &'static str {
    pick(
        "Opening hours",
        "Horario de atención",
        "Horário de atendimento",
    )
}
pub fn opening_hours_hint() -> &'static str {
    pick(
        "Outside these hours the widget tells visitors when you open again. A day without \
         hours is closed; closing at 00:00 means midnight.",
        "Fuera de este horario, el widget les dice a los visitantes cuándo vuelven a abrir. \
         Un día sin horario queda cerrado; cerrar a las 00:00 significa a medianoche.",
        "Fora deste horário, o widget avisa aos visitantes quando vocês abrem de novo. Um dia \
         sem horário fica fechado; fechar às 00:00 significa meia-noite.",
    )
}
pub fn always_open() -> &'static str {
    pick(
        "Always open (no schedule)",
        "Siempre abierto (sin horario)",
        "Sempre aberto (sem horário)",
    )
}
pub fn time_zone() -> &'static str {
    pick("Time zone", "Zona horaria", "Fuso horário")
}
pub fn time_zone_hint() -> &'static str {
    pick(
        "A name such as America/Santiago or Europe/Madrid; the hours below are on its clock.",
        "Un nombre como America/Santiago o America/Mexico_City; el horario de abajo va en esa \
         hora local.",
        "Um nome como America/Sao_Paulo ou Europe/Lisbon; os horários abaixo seguem esse \
         relógio.",
    )
}

/// Monday first, as the week is stored.
pub fn weekdays() -> [&'static str; 7] {
    match lang::current() {
        Lang::En => [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ],
        Lang::Es => [
            "Lunes",
            "Martes",
            "Miércoles",
            "Jueves",
            "Viernes",
            "Sábado",
            "Domingo",
        ],
        Lang::Pt => [
            "Segunda-feira",
            "Terça-feira",
            "Quarta-feira",
            "Quinta-feira",
            "Sexta-feira",
            "Sábado",
            "Domingo",
        ],
    }
}
pub fn opens() -> &'static str {
    pick("Opens", "Abre", "Abre")
}
pub fn closes() -> &'static str {
    pick("Closes", "Cierra", "Fecha")
}
pub fn closed_all_day() -> &'static str {
    pick(
        "Closed all day.",
        "Cerrado todo el día.",
        "Fechado o dia todo.",
    )
}
pub fn holidays() -> &'static str {
    pick(
        "Holidays (closed all day)",
        "Feriados (cerrado todo el día)",
        "Feriados (fechado o dia todo)",
    )
}
pub fn no_holidays() -> &'static str {
    pick("No holidays.", "Sin feriados.", "Nenhum feriado.")
}
pub fn closed_on() -> &'static str {
    pick("Closed on", "Cerrado el", "Fechado em")
}
pub fn add_holiday() -> &'static str {
    pick(
        "Add a holiday",
        "Agregar un feriado",
        "Adicionar um feriado",
    )
}
pub fn save_hours() -> &'static str {
    pick("Save opening hours", "Guardar horario", "Salvar horário")
}
pub fn add_hours() -> &'static str {
    pick("Add hours", "Agregar horario", "Adicionar horário")
}

/// The accessible name of a weekday's "Add hours" button (its visible words first).
pub fn add_hours_on(day: &str) -> String {
    // Spanish and Portuguese write weekdays in lower case inside a sentence.
    match lang::current() {
        Lang::En => format!("{} on {day}", add_hours()),
        Lang::Es => format!("{} el {}", add_hours(), day.to_lowercase()),
        Lang::Pt => format!("{} ({})", add_hours(), day.to_lowercase()),
    }
}

/// The accessible name of the button removing one of a day's intervals.
pub fn remove_hours_on(day: &str, opens: &str, closes: &str) -> String {
    match lang::current() {
        Lang::En => format!("Remove {day} {opens}–{closes}"),
        Lang::Es => format!("Quitar {} {opens}–{closes}", day.to_lowercase()),
        Lang::Pt => format!("Remover {} {opens}–{closes}", day.to_lowercase()),
    }
}

/// The accessible name of the button removing a holiday.
pub fn remove_holiday(date: &str) -> String {
    match (lang::current(), date.is_empty()) {
        (Lang::En, true) => "Remove this holiday".into(),
        (Lang::En, false) => format!("Remove the holiday {date}"),
        (Lang::Es, true) => "Quitar este feriado".into(),
        (Lang::Es, false) => format!("Quitar el feriado {date}"),
        (Lang::Pt, true) => "Remover este feriado".into(),
        (Lang::Pt, false) => format!("Remover o feriado {date}"),
    }
}

// Canned replies (their title is `canned_replies`, below).
pub fn canned_replies_hint() -> &'static str {
    pick(
        "Your team types /shortcut in the reply box to call one up.",
        "Tu equipo escribe /atajo en el cuadro de respuesta para usar una.",
        "Sua equipe digita /atalho na caixa de resposta para usar uma.",
    )
}
pub fn shortcut() -> &'static str {
    pick(
        "Shortcut (lowercase letters, digits, - or _)",
        "Atajo (minúsculas, dígitos, - o _)",
        "Atalho (letras minúsculas, dígitos, - ou _)",
    )
}
pub fn canned_text() -> &'static str {
    pick("Reply", "Respuesta", "Resposta")
}
pub fn add_canned_reply() -> &'static str {
    pick(
        "Add a canned reply",
        "Agregar una respuesta predefinida",
        "Adicionar uma resposta pronta",
    )
}
pub fn save_canned_replies() -> &'static str {
    pick(
        "Save canned replies",
        "Guardar respuestas predefinidas",
        "Salvar respostas prontas",
    )
}

/// The accessible name of a canned reply's Remove button.
pub fn remove_canned_reply(shortcut: &str) -> String {
    if shortcut.trim().is_empty() {
        remove().into()
    } else {
        format!("{} /{}", remove(), shortcut.trim())
    }
}

// The team.
pub fn team() -> &'static str {
    pick("Team", "Equipo", "Equipe")
}
pub fn online() -> &'static str {
    pick("online", "en línea", "online")
}
pub fn offline() -> &'static str {
    pick("offline", "desconectado", "offline")
}
pub fn role() -> &'static str {
    pick("Role", "Rol", "Função")
}
pub fn role_owner() -> &'static str {
    pick(
        "Owner: chats, numbers and settings",
        "Dueño: chats, números y configuración",
        "Dono: chats, números e configurações",
    )
}
pub fn role_agent() -> &'static str {
    pick("Agent: chats", "Agente: chats", "Atendente: chats")
}
pub fn add_agent() -> &'static str {
    pick(
        "Add an agent",
        "Agregar un agente",
        "Adicionar um atendente",
    )
}
pub fn agent_name() -> &'static str {
    pick("Name", "Nombre", "Nome")
}
pub fn agent_email() -> &'static str {
    pick("E-mail", "Correo electrónico", "E-mail")
}
pub fn temporary_password() -> &'static str {
    pick(
        "Temporary password (at least 8 characters)",
        "Contraseña temporal (al menos 8 caracteres)",
        "Senha temporária (pelo menos 8 caracteres)",
    )
}
pub fn temporary_password_hint() -> &'static str {
    pick(
        "Tell them this password; they sign in with it.",
        "Dale esta contraseña a la persona; con ella inicia sesión.",
        "Passe esta senha para a pessoa; ela entra com essa senha.",
    )
}

/// A teammate's role, in the list.
pub fn role_name(role: pronto_protocol::agent::Role) -> &'static str {
    match role {
        pronto_protocol::agent::Role::Owner => pick("owner", "dueño", "dono"),
        pronto_protocol::agent::Role::Agent => pick("agent", "agente", "atendente"),
    }
}

/// Once a new account is made.
pub fn agent_added(name: &str) -> String {
    match lang::current() {
        Lang::En => format!("{name} can sign in now."),
        Lang::Es => format!("{name} ya puede iniciar sesión."),
        Lang::Pt => format!("{name} já pode entrar."),
    }
}

// The widget's look.
pub fn appearance() -> &'static str {
    pick("Widget", "Widget", "Widget")
}
pub fn accent() -> &'static str {
    pick("Accent colour", "Color principal", "Cor principal")
}
pub fn accent_picker() -> &'static str {
    pick("Colour", "Color", "Cor")
}
pub fn accent_code() -> &'static str {
    pick(
        "Code, #rrggbb (empty: the default blue)",
        "Código, #rrggbb (vacío: el azul predeterminado)",
        "Código, #rrggbb (vazio: o azul padrão)",
    )
}
pub fn default_accent() -> &'static str {
    pick(
        "Use the default blue",
        "Usar el azul predeterminado",
        "Usar o azul padrão",
    )
}
pub fn position() -> &'static str {
    pick("Corner", "Esquina", "Canto")
}
pub fn position_right() -> &'static str {
    pick("Bottom right", "Abajo a la derecha", "Inferior direito")
}
pub fn position_left() -> &'static str {
    pick("Bottom left", "Abajo a la izquierda", "Inferior esquerdo")
}
pub fn widget_language() -> &'static str {
    pick("Language", "Idioma", "Idioma")
}
pub fn follow_browser() -> &'static str {
    pick(
        "Each visitor's browser language",
        "El idioma del navegador de cada visitante",
        "O idioma do navegador de cada visitante",
    )
}
pub fn save_appearance() -> &'static str {
    pick(
        "Save widget look",
        "Guardar apariencia del widget",
        "Salvar aparência do widget",
    )
}
pub fn preview() -> &'static str {
    pick("Preview", "Vista previa", "Pré-visualização")
}
pub fn preview_hint() -> &'static str {
    pick(
        "The real widget with the choices above and your saved name and greeting. It is only \
         a picture: it takes no messages.",
        "El widget real con las opciones de arriba y el nombre y el saludo que guardaste. Es \
         solo una muestra: no recibe mensajes.",
        "O widget real com as opções acima e o nome e a saudação que você salvou. É só uma \
         amostra: não recebe mensagens.",
    )
}
pub fn preview_title() -> &'static str {
    pick(
        "Preview of the chat widget",
        "Vista previa del widget de chat",
        "Pré-visualização do widget de chat",
    )
}
pub fn copy() -> &'static str {
    pick("Copy", "Copiar", "Copiar")
}
pub fn copied() -> &'static str {
    pick("Copied.", "Copiado.", "Copiado.")
}
pub fn not_copied() -> &'static str {
    pick(
        "Could not copy: select the text and copy it.",
        "No se pudo copiar: selecciona el texto y cópialo.",
        "Não foi possível copiar: selecione o texto e copie.",
    )
}

/// A language's name as the owner reads it.
pub fn language_name(code: &str) -> &'static str {
    match code {
        "es" => pick("Spanish", "Español", "Espanhol"),
        "pt" => pick("Portuguese", "Portugués", "Português"),
        _ => pick("English", "Inglés", "Inglês"),
    }
}

/// A language's name as it reads inside a sentence ("Habla español"), `None` for one the
/// console has no name for.
fn language_in_sentence(primary: &str) -> Option<&'static str> {
    let names = match primary {
        "es" => ("Spanish", "español", "espanhol"),
        "en" => ("English", "inglés", "inglês"),
        "pt" => ("Portuguese", "portugués", "português"),
        "fr" => ("French", "francés", "francês"),
        "de" => ("German", "alemán", "alemão"),
        "it" => ("Italian", "italiano", "italiano"),
        _ => return None,
    };
    Some(pick(names.0, names.1, names.2))
}

/// The visitor's language, from their browser's list (`es-CL,es,en`): "Spanish (es-CL)", or
/// the tag itself for a language without a name here.
pub fn visitor_language(locale: &str) -> String {
    let tag = locale.split(',').next().unwrap_or_default();
    let primary = tag
        .split('-')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match language_in_sentence(&primary) {
        Some(name) => format!("{} ({tag})", capitalized(name)),
        None => tag.to_owned(),
    }
}

/// The same, as a whole sentence for the visitor's context: "Speaks Spanish (es-CL)".
pub fn speaks(locale: &str) -> String {
    let tag = locale.split(',').next().unwrap_or_default();
    let primary = tag
        .split('-')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let said = match language_in_sentence(&primary) {
        Some(name) => format!("{name} ({tag})"),
        None => tag.to_owned(),
    };
    match lang::current() {
        Lang::En => format!("Speaks {said}"),
        Lang::Es => format!("Habla {said}"),
        Lang::Pt => format!("Fala {said}"),
    }
}

/// The first letter in upper case, for a name standing alone.
fn capitalized(word: &str) -> String {
    let mut letters = word.chars();
    letters
        .next()
        .map(|first| first.to_uppercase().chain(letters).collect())
        .unwrap_or_default()
}

/// Before the page a visitor is on: "On /zapatillas".
pub fn on_page() -> &'static str {
    pick("On", "En", "Em")
}

/// A storefront page's address without its origin: `https://tienda.example/zapatillas?talla=38`
/// → `/zapatillas?talla=38`, the shop's home as `/`.
pub fn page_path(address: &str) -> String {
    let after_scheme = address.split_once("://").map_or(address, |(_, rest)| rest);
    match after_scheme.find(['/', '?']) {
        Some(at) if after_scheme[at..].starts_with('/') => after_scheme[at..].to_owned(),
        Some(at) => format!("/{}", &after_scheme[at..]),
        None => "/".to_owned(),
    }
}

pub fn console_pages() -> &'static str {
    pick(
        "Console pages",
        "Secciones de la consola",
        "Seções do console",
    )
}

pub fn email_transcript() -> &'static str {
    pick(
        "E-mail transcript",
        "Enviar transcripción por correo",
        "Enviar transcrição por e-mail",
    )
}

/// Once the transcript has gone.
pub fn transcript_sent(email: &str) -> String {
    match lang::current() {
        Lang::En => format!("Transcript sent to {email}."),
        Lang::Es => format!("Transcripción enviada a {email}."),
        Lang::Pt => format!("Transcrição enviada para {email}."),
    }
}

// Follow-ups.
pub fn follow_ups() -> &'static str {
    pick("Follow-ups", "Seguimientos", "Retornos")
}
pub fn no_follow_ups() -> &'static str {
    pick(
        "Nothing to follow up. Mark an ended conversation to come back to it.",
        "No hay seguimientos pendientes. Marca una conversación terminada para retomarla.",
        "Nenhum retorno pendente. Marque uma conversa encerrada para retomá-la.",
    )
}
pub fn due() -> &'static str {
    pick("Due", "Pendiente", "Pendente")
}
pub fn follow_up_now() -> &'static str {
    pick("Follow up now", "Retomar ahora", "Retomar agora")
}
pub fn still_open() -> &'static str {
    pick("Still open", "Sigue abierta", "Ainda aberta")
}
/// The label of the day field when marking a conversation.
pub fn follow_up_on_label() -> &'static str {
    pick("Follow up on", "Retomar el", "Retomar em")
}
pub fn set_follow_up() -> &'static str {
    pick("Set follow-up", "Programar seguimiento", "Agendar retorno")
}
pub fn take_off_follow_up() -> &'static str {
    pick(
        "Cancel follow-up",
        "Cancelar seguimiento",
        "Cancelar retorno",
    )
}

/// The count beside the title, e.g. "2 due".
pub fn due_count(due: usize) -> String {
    match (lang::current(), due) {
        (Lang::En, n) => format!("{n} due"),
        (Lang::Es, 1) => "1 pendiente".to_owned(),
        (Lang::Es, n) => format!("{n} pendientes"),
        (Lang::Pt, 1) => "1 pendente".to_owned(),
        (Lang::Pt, n) => format!("{n} pendentes"),
    }
}

/// The label of one "Follow up now" button, for screen readers (starting with what it says,
/// for voice control).
pub fn follow_up_with(visitor: &str) -> String {
    match lang::current() {
        Lang::En => format!("Follow up now with {visitor}"),
        Lang::Es => format!("Retomar ahora con {visitor}"),
        Lang::Pt => format!("Retomar agora com {visitor}"),
    }
}

pub fn cancel_follow_up_with(visitor: &str) -> String {
    match lang::current() {
        Lang::En => format!("Cancel follow-up with {visitor}"),
        Lang::Es => format!("Cancelar seguimiento con {visitor}"),
        Lang::Pt => format!("Cancelar retorno com {visitor}"),
    }
}

pub fn marked_by(agent: &str) -> String {
    match lang::current() {
        Lang::En => format!("Marked by {agent}"),
        Lang::Es | Lang::Pt => format!("Marcado por {agent}"),
    }
}

/// Under an ended conversation marked for a day.
pub fn follow_up_on(day: &str) -> String {
    format!("{} {day}", follow_up_on_label())
}

// The owner's dashboard.
pub fn numbers() -> &'static str {
    pick("Numbers", "Números", "Números")
}
pub fn period() -> &'static str {
    pick("Period", "Período", "Período")
}
pub fn download_csv() -> &'static str {
    pick("Download CSV", "Descargar CSV", "Baixar CSV")
}
pub fn loading_numbers() -> &'static str {
    pick("Adding up…", "Calculando…", "Calculando…")
}
pub fn conversations() -> &'static str {
    pick("Conversations", "Conversaciones", "Conversas")
}
pub fn answered() -> &'static str {
    pick("Answered", "Respondidas", "Respondidas")
}
pub fn missed() -> &'static str {
    pick(
        "Missed (ended with no reply)",
        "Perdidas (terminaron sin respuesta)",
        "Perdidas (encerradas sem resposta)",
    )
}
pub fn unanswered_now() -> &'static str {
    pick(
        "Waiting for a reply now",
        "Esperando respuesta ahora",
        "Aguardando resposta agora",
    )
}
pub fn first_reply() -> &'static str {
    pick("First reply", "Primera respuesta", "Primeira resposta")
}
pub fn time_in_queue() -> &'static str {
    pick("Time in queue", "Tiempo en la fila", "Tempo na fila")
}
pub fn median() -> &'static str {
    pick("median", "mediana", "mediana")
}
pub fn p90() -> &'static str {
    pick("9 in 10 within", "9 de cada 10 en", "9 em cada 10 em até")
}
pub fn per_day() -> &'static str {
    pick("Per day", "Por día", "Por dia")
}
pub fn per_agent() -> &'static str {
    pick("Per agent", "Por agente", "Por atendente")
}
pub fn date() -> &'static str {
    pick("Date", "Fecha", "Data")
}
pub fn agent() -> &'static str {
    pick("Agent", "Agente", "Atendente")
}
pub fn on_target() -> &'static str {
    pick("On target", "En meta", "Na meta")
}
pub fn by_email_on_target() -> &'static str {
    pick(
        "By e-mail, on target",
        "Por correo, en meta",
        "Por e-mail, na meta",
    )
}
pub fn satisfaction() -> &'static str {
    pick(
        "Rated good",
        "Calificadas como buenas",
        "Avaliadas como boas",
    )
}
pub fn instant_answers() -> &'static str {
    pick(
        "Quick answers that solved it",
        "Respuestas rápidas que resolvieron",
        "Respostas rápidas que resolveram",
    )
}
/// In place of a number with nothing to count; a dash reads the same in every language.
pub const NONE_YET: &str = "—";
pub fn chart_label() -> &'static str {
    pick(
        "Conversations per day; the darker part was answered on target",
        "Conversaciones por día; la parte más oscura se respondió dentro de la meta",
        "Conversas por dia; a parte mais escura foi respondida dentro da meta",
    )
}

/// "Last 7 days".
pub fn last_days(days: u32) -> String {
    match lang::current() {
        Lang::En => format!("Last {days} days"),
        Lang::Es => format!("Últimos {days} días"),
        Lang::Pt => format!("Últimos {days} dias"),
    }
}

/// The heading of the share answered on target: "First reply on target (2 min live, 3 h by
/// e-mail)".
pub fn on_target_heading(live_secs: u32, email_secs: u32) -> String {
    let (live, email) = (target_time(live_secs), target_time(email_secs));
    match lang::current() {
        Lang::En => format!("First reply on target ({live} live, {email} by e-mail)"),
        Lang::Es => {
            format!("Primera respuesta dentro de la meta ({live} en vivo, {email} por correo)")
        }
        Lang::Pt => {
            format!("Primeira resposta dentro da meta ({live} ao vivo, {email} por e-mail)")
        }
    }
}

/// The heading of the share of e-mailed first replies on target: "By e-mail within 3 h".
pub fn email_on_target_heading(email_secs: u32) -> String {
    let email = target_time(email_secs);
    match lang::current() {
        Lang::En => format!("First reply by e-mail within {email}"),
        Lang::Es => format!("Primera respuesta por correo en menos de {email}"),
        Lang::Pt => format!("Primeira resposta por e-mail em até {email}"),
    }
}

/// A target as the owner set it: "2 min", "3 h", or to the second when neither.
fn target_time(secs: u32) -> String {
    if secs >= 3600 && secs.is_multiple_of(3600) {
        format!("{} h", secs / 3600)
    } else if secs.is_multiple_of(60) {
        format!("{} min", secs / 60)
    } else {
        wait_time(i64::from(secs))
    }
}

/// "75 % (3 of 4)", or a dash with nothing to count.
pub fn share(part: u32, whole: u32) -> String {
    if whole == 0 {
        return NONE_YET.into();
    }
    let percent = (u64::from(part) * 100 + u64::from(whole) / 2) / u64::from(whole);
    match lang::current() {
        Lang::En => format!("{percent} % ({part} of {whole})"),
        Lang::Es | Lang::Pt => format!("{percent} % ({part} de {whole})"),
    }
}

/// A duration in the dashboard, or a dash when there is nothing to measure.
pub fn maybe_duration(secs: Option<u32>) -> String {
    secs.map_or_else(|| NONE_YET.into(), |secs| wait_time(i64::from(secs)))
}

/// A bar's tooltip in the chart.
pub fn day_bar(date: &str, conversations: u32, on_target: u32) -> String {
    match lang::current() {
        Lang::En => {
            format!("{date}: {conversations} conversations, {on_target} answered on target")
        }
        Lang::Es => format!(
            "{date}: {conversations} conversaciones, {on_target} respondidas dentro de la meta"
        ),
        Lang::Pt => {
            format!("{date}: {conversations} conversas, {on_target} respondidas dentro da meta")
        }
    }
}

// Canned replies.
pub fn canned_replies() -> &'static str {
    pick(
        "Canned replies",
        "Respuestas predefinidas",
        "Respostas prontas",
    )
}
pub fn canned_hint() -> &'static str {
    pick(
        "↑ ↓ to choose, Enter or Tab to insert, Esc to close",
        "↑ ↓ para elegir, Enter o Tab para insertar, Esc para cerrar",
        "↑ ↓ para escolher, Enter ou Tab para inserir, Esc para fechar",
    )
}

/// How long a visitor has waited: "45 s", "2 min 05 s", "1 h 02 min" (the same in every
/// language the console speaks).
pub fn wait_time(secs: i64) -> String {
    let secs = secs.max(0);
    let (hours, minutes, seconds) = (secs / 3600, secs / 60 % 60, secs % 60);
    if hours > 0 {
        format!("{hours} h {minutes:02} min")
    } else if minutes > 0 {
        format!("{minutes} min {seconds:02} s")
    } else {
        format!("{seconds} s")
    }
}

/// A message's time of day, "HH:MM".
pub fn clock_time(hours: u32, minutes: u32) -> String {
    format!("{hours:02}:{minutes:02}")
}

/// The accessible name of a queue entry's Take button; it starts with the visible word.
pub fn take_visitor(visitor: &str) -> String {
    format!("{} {}", take(), visitor_name(visitor))
}

/// A visitor as the server labels them, in this language: "Visitor 12" (the server's label
/// for a visitor the shop's page has not named, `storage::visitor_label`) becomes "Visitante
/// 12"; a name the page gave stays as it is. (The label's form is not a protocol function:
/// any change to the protocol crate reshuffles the widget's WebAssembly by tens of bytes,
/// and the widget has fewer than that to spare.)
pub fn visitor_name(label: &str) -> String {
    let unnamed = label
        .strip_prefix("Visitor ")
        .and_then(|number| number.parse::<u64>().ok());
    match unnamed {
        Some(number) => format!("{} {number}", pick("Visitor", "Visitante", "Visitante")),
        None => label.to_owned(),
    }
}

/// Read out beside an unread badge, whose bare number means nothing to a screen reader.
pub fn unread(count: u32) -> String {
    match lang::current() {
        Lang::En => format!("{count} unread"),
        Lang::Es => format!("{count} sin leer"),
        Lang::Pt if count == 1 => "1 não lida".to_owned(),
        Lang::Pt => format!("{count} não lidas"),
    }
}

/// Under a reply the server refused, with why.
pub fn not_sent(reason: &str) -> String {
    match lang::current() {
        Lang::En => format!("Not sent: {reason}"),
        Lang::Es => format!("No se envió: {reason}"),
        Lang::Pt => format!("Não enviada: {reason}"),
    }
}

/// In the banner, for a refused reply to a conversation no longer on screen.
pub fn reply_not_sent(reason: &str) -> String {
    match lang::current() {
        Lang::En => format!("A reply could not be sent: {reason}"),
        Lang::Es => format!("No se pudo enviar una respuesta: {reason}"),
        Lang::Pt => format!("Não foi possível enviar uma resposta: {reason}"),
    }
}

/// What an error frame means for the agent. Codes the console can explain get our words in
/// the console's language; anything else shows the server's message, which is written for
/// people too (in English: the server does not know the agent's language).
pub fn error_text(error: &ProtocolError) -> String {
    let words = match error.code {
        ErrorCode::AlreadyTaken => pick(
            "This visitor was already taken by another agent.",
            "Otro agente ya tomó a este visitante.",
            "Outro atendente já está atendendo este visitante.",
        ),
        ErrorCode::NotYourConversation => pick(
            "That conversation belongs to another agent.",
            "Esa conversación es de otro agente.",
            "Essa conversa é de outro atendente.",
        ),
        ErrorCode::ConversationNotFound => pick(
            "That conversation no longer exists.",
            "Esa conversación ya no existe.",
            "Essa conversa não existe mais.",
        ),
        ErrorCode::ConversationClosed => pick(
            "That conversation is closed.",
            "Esa conversación está cerrada.",
            "Essa conversa está encerrada.",
        ),
        ErrorCode::MessageTooLong => {
            return match lang::current() {
                Lang::En => format!("Messages are at most {MAX_MESSAGE_CHARS} characters."),
                Lang::Es => {
                    format!("Los mensajes tienen como máximo {MAX_MESSAGE_CHARS} caracteres.")
                }
                Lang::Pt => {
                    format!("As mensagens têm no máximo {MAX_MESSAGE_CHARS} caracteres.")
                }
            };
        }
        ErrorCode::Unauthorized => pick(
            "Your session has ended. Please sign in again.",
            "Tu sesión terminó. Vuelve a iniciar sesión.",
            "Sua sessão expirou. Entre novamente.",
        ),
        ErrorCode::MessageEmpty => pick(
            "The reply is empty.",
            "La respuesta está vacía.",
            "A resposta está vazia.",
        ),
        ErrorCode::DuplicateId => pick(
            "Another message already has this reply's id.",
            "Otro mensaje ya tiene el id de esta respuesta.",
            "Outra mensagem já tem o id desta resposta.",
        ),
        // The server's message names the teammate and why.
        ErrorCode::AgentUnavailable => {
            let why = &error.message;
            return match lang::current() {
                Lang::En => format!("Not transferred: {why}."),
                Lang::Es => format!("No se transfirió: {why}."),
                Lang::Pt => format!("Não transferida: {why}."),
            };
        }
        _ => return error.message.clone(),
    };
    words.to_owned()
}

/// What a failed HTTP call means for the agent.
pub fn api_error_text(error: &ApiError) -> String {
    match error {
        ApiError::Refused(refusal) => error_text(refusal),
        ApiError::Status(_) | ApiError::Network(_) => server_unreachable().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_shown_by_its_path() {
        assert_eq!(
            page_path("https://tienda.example/zapatillas/runner?talla=38"),
            "/zapatillas/runner?talla=38"
        );
        assert_eq!(page_path("https://tienda.example"), "/");
        assert_eq!(page_path("https://tienda.example/"), "/");
        assert_eq!(page_path("http://127.0.0.1:4173?p=12"), "/?p=12");
    }

    #[test]
    fn wait_times_read_naturally() {
        assert_eq!(wait_time(-3), "0 s");
        assert_eq!(wait_time(45), "45 s");
        assert_eq!(wait_time(125), "2 min 05 s");
        assert_eq!(wait_time(3600 + 2 * 60 + 9), "1 h 02 min");
    }

    #[test]
    fn shares_are_whole_percentages_with_the_counts() {
        assert_eq!(share(2, 3), "67 % (2 of 3)");
        assert_eq!(share(0, 0), "—");
        assert_eq!(maybe_duration(Some(90)), "1 min 30 s");
        assert_eq!(maybe_duration(None), "—");
    }

    #[test]
    fn clock_times_are_zero_padded() {
        assert_eq!(clock_time(9, 5), "09:05");
    }

    /// Speaks `lang` until dropped, then English again, even if the test fails: the language
    /// is per thread, and a test thread may be reused.
    struct Speaking;

    impl Speaking {
        fn lang(lang: Lang) -> Self {
            lang::set_current(lang);
            Speaking
        }
    }

    impl Drop for Speaking {
        fn drop(&mut self) {
            lang::set_current(Lang::En);
        }
    }

    #[test]
    fn english_is_the_default() {
        assert_eq!(take(), "Take");
        assert_eq!(speaks("es-CL,es,en"), "Speaks Spanish (es-CL)");
        assert_eq!(last_days(7), "Last 7 days");
    }

    #[test]
    fn spanish_words_and_sentences() {
        let _spanish = Speaking::lang(Lang::Es);
        assert_eq!(take(), "Tomar");
        assert_eq!(quick_answers(), "Respuestas rápidas");
        assert_eq!(chats_at_once(), "chats a la vez");
        assert_eq!(last_days(30), "Últimos 30 días");
        assert_eq!(speaks("es-CL,es,en"), "Habla español (es-CL)");
        assert_eq!(visitor_language("pt-BR"), "Portugués (pt-BR)");
        assert_eq!(visitor_language("ja-JP"), "ja-JP");
        assert_eq!(
            on_target_heading(120, 3 * 3600),
            "Primera respuesta dentro de la meta (2 min en vivo, 3 h por correo)"
        );
        // The server's label for an unnamed visitor, in Spanish; a visitor's own name as is.
        assert_eq!(visitor_name("Visitor 12"), "Visitante 12");
        assert_eq!(visitor_name("María José"), "María José");
        assert_eq!(take_visitor("Visitor 3"), "Tomar Visitante 3");
        assert_eq!(weekdays()[2], "Miércoles");
        assert_eq!(add_hours_on("Miércoles"), "Agregar horario el miércoles");
        assert_eq!(share(2, 3), "67 % (2 de 3)");
        assert_eq!(
            visitor_past("2026-11-20 14:05", 1),
            "Primera visita: 2026-11-20 14:05 · 1 conversación anterior"
        );
        // Durations read the same in every language.
        assert_eq!(wait_time(125), "2 min 05 s");
    }

    #[test]
    fn portuguese_words_and_sentences() {
        let _portuguese = Speaking::lang(Lang::Pt);
        assert_eq!(take(), "Atender");
        assert_eq!(save(), "Salvar");
        assert_eq!(due_count(1), "1 pendente");
        assert_eq!(due_count(3), "3 pendentes");
        assert_eq!(speaks("pt-BR"), "Fala português (pt-BR)");
        assert_eq!(
            earlier_conversation("2026-11-20 14:05", 1, None),
            "2026-11-20 14:05 · 1 mensagem · ninguém respondeu"
        );
        assert_eq!(
            error_text(&ProtocolError::new(ErrorCode::ConversationClosed, "closed")),
            "Essa conversa está encerrada."
        );
        assert_eq!(weekdays()[0], "Segunda-feira");
        assert_eq!(wait_time(3600 + 2 * 60 + 9), "1 h 02 min");
    }

    #[test]
    fn the_servers_own_words_are_shown_as_they_are() {
        let _spanish = Speaking::lang(Lang::Es);
        assert_eq!(
            error_text(&ProtocolError::new(ErrorCode::RateLimited, "slow down")),
            "slow down"
        );
    }
}
