//! Fuzzing the frame decoder: whatever text arrives, `decode` answers with a frame or a typed
//! error and never panics; and whatever it accepts encodes back to the same frame.
//!
//! A seeded mutation fuzzer: it starts from valid frames of every kind and mangles them (flip,
//! insert, delete, duplicate, splice, nest, and random bytes). Tests run a fixed number of
//! cases; `PRONTO_FUZZ_SECONDS=N` runs it for N seconds instead (the benchmark does), and
//! `PRONTO_FUZZ_SEED` replays a seed.

use std::time::{Duration, Instant};

use pronto_protocol::agent::{AgentToServer, ServerToAgent};
use pronto_protocol::visitor::{ServerToVisitor, VisitorToServer};
use pronto_protocol::{ErrorCode, decode, encode};

const SEEDS: &[&str] = &[
    r#"{"type":"hello","version":1,"site":"demo","token":"0123abcd","resume":{"conversation":3,"last_seq":7}}"#,
    r#"{"type":"send","id":"k3x9-_A","text":"¿Tienen envío a Lima? 🚚"}"#,
    r#"{"type":"take","conversation":12}"#,
    r#"{"type":"close","conversation":12}"#,
    r#"{"type":"typing","typing":true}"#,
    r#"{"type":"typing","conversation":12,"typing":false}"#,
    r#"{"type":"send","conversation":4,"id":"r1","text":"Sí, claro"}"#,
    r#"{"type":"welcome","token":"t","shop":{"name":"Tienda","greeting":"¡Hola!"},"conversation":{"id":1,"state":{"state":"active","agent_name":"Ana"},"messages":[{"seq":1,"client_id":"a","author":{"kind":"visitor"},"text":"hola","sent_at_ms":5}]},"resumed":false}"#,
    r#"{"type":"queue","position":2,"estimate":{"low_secs":60,"high_secs":180}}"#,
    r#"{"type":"queue","position":3,"estimate":{"low_secs":60,"typical_secs":150,"high_secs":240}}"#,
    r#"{"type":"queue","position":1,"estimate":null}"#,
    r#"{"type":"welcome","token":"t","shop":{"name":"Tienda","greeting":"Hola","online":true,"typical_reply_secs":240,"opens_at_ms":1764032400000},"conversation":null}"#,
    r#"{"type":"availability","online":false,"typical_reply_secs":180,"opens_at_ms":1764032400000}"#,
    r#"{"type":"error","code":"rate_limited","message":"slow down"}"#,
    r#"{"type":"queue","now_ms":1,"entries":[{"conversation":1,"visitor":"Visitor 1","waiting_since_ms":0,"first_message":"x"}]}"#,
];

const PIECES: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    ":",
    ",",
    "null",
    "true",
    "-1",
    "1e999",
    "18446744073709551616",
    "\\u0000",
    "\\ud800",
    "\"type\"",
    "\"send\"",
    "\"hello\"",
    "é",
    "😀",
    "\u{0}",
    " ",
    "\n",
];

/// xorshift64*: small, seeded, good enough to drive mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, input: &str) -> String {
    let mut bytes = input.as_bytes().to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(7) {
            0 if !bytes.is_empty() => {
                let i = rng.below(bytes.len());
                bytes[i] ^= 1 << rng.below(8);
            }
            1 => {
                let piece = PIECES[rng.below(PIECES.len())].as_bytes();
                bytes.splice(at..at, piece.iter().copied());
            }
            2 if !bytes.is_empty() => {
                let end = (at + rng.below(8)).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            3 => {
                let other = SEEDS[rng.below(SEEDS.len())].as_bytes();
                let from = rng.below(other.len());
                bytes.splice(at..at, other[from..].iter().copied());
            }
            4 => {
                let depth = rng.below(300);
                let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
                bytes.splice(at..at, nested.bytes());
            }
            5 => bytes.truncate(at),
            _ => {
                let noise: Vec<u8> = (0..rng.below(16)).map(|_| rng.next() as u8).collect();
                bytes.splice(at..at, noise);
            }
        }
    }
    // Text frames are UTF-8 by the time they reach the decoder; invalid bytes are replaced.
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Decodes as every frame type; anything accepted must survive a round trip.
fn check(input: &str) {
    fn as_frame<T>(input: &str)
    where
        T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        match pronto_protocol::decode_frame::<T>(input) {
            Ok(frame) => {
                let again: T = decode(&encode(&frame)).expect("an accepted frame re-decodes");
                assert_eq!(again, frame, "round trip of {input:?}");
            }
            Err(e) => assert!(
                matches!(
                    e.code,
                    ErrorCode::MalformedJson | ErrorCode::InvalidFrame | ErrorCode::FrameTooLarge
                ),
                "unexpected {e:?} for {input:?}"
            ),
        }
    }
    as_frame::<VisitorToServer>(input);
    as_frame::<AgentToServer>(input);
    as_frame::<ServerToVisitor>(input);
    // The widget reads the server's frames with its own small decoder: whatever serde
    // accepts, it must read as the same frame.
    if let Ok(frame) = decode::<ServerToVisitor>(input) {
        assert_eq!(
            ServerToVisitor::from_json(input).as_ref(),
            Ok(&frame),
            "the widget's decoder on {input:?}"
        );
    }
    as_frame::<ServerToAgent>(input);
}

#[test]
fn the_decoder_never_panics_and_round_trips_what_it_accepts() {
    let seed = std::env::var("PRONTO_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_CAFE_u64);
    let budget = std::env::var("PRONTO_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs);
    let mut rng = Rng(seed);
    let started = Instant::now();
    let mut cases: u64 = 0;
    let mut accepted: u64 = 0;
    loop {
        let base = SEEDS[rng.below(SEEDS.len())];
        let input = if rng.below(10) == 0 {
            mutate(&mut rng, "")
        } else {
            mutate(&mut rng, base)
        };
        if decode::<VisitorToServer>(&input).is_ok() || decode::<AgentToServer>(&input).is_ok() {
            accepted += 1;
        }
        check(&input);
        cases += 1;
        let done = match budget {
            Some(budget) => started.elapsed() >= budget,
            None => cases >= 50_000,
        };
        if done {
            break;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "decoder fuzz: {cases} cases ({accepted} accepted as client frames) in {seconds:.1} s, \
         {:.0} cases/s, seed {seed:#x}, 0 crashes",
        cases as f64 / seconds
    );
    assert!(accepted > 0, "the mutations should keep some frames valid");
}
