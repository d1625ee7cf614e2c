//! A scripted PBX: deterministic `PhoneCall` event sequences (ringing, then answered or not,
//! then hung up) for tests, `clacks generate phone-calls` and the benchmark. The calls it made
//! come back as [`GeneratedCall`]s, the ground truth a test recomputes statistics from.

use clacks_xml::document::write::XmlWriter;
use clacks_xml::events::timestamp;

use super::phone_call::CallState;

/// One call as generated (times in Unix ms; `None` where the call never got there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedCall {
    /// Call id.
    pub call_id: String,
    /// Caller number.
    pub caller: String,
    /// Extension.
    pub extension: String,
    /// Queue, for some calls.
    pub queue: Option<String>,
    /// When it started ringing.
    pub ringing_ms: i64,
    /// When it was answered.
    pub answered_ms: Option<i64>,
    /// When it ended.
    pub hung_up_ms: Option<i64>,
}

/// SplitMix64: small, fast, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const QUEUES: [&str; 3] = ["sales", "support", "billing"];

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct GeneratorConfig {
    /// Number of events (the last calls may stay in progress to reach it exactly).
    pub events: usize,
    /// Seed; the same seed gives the same events.
    pub seed: u64,
    /// Distinct extensions (100, 101, …).
    pub extensions: u32,
    /// When the first call rings, Unix ms.
    pub start_ms: i64,
    /// Milliseconds between the starts of consecutive calls.
    pub spacing_ms: i64,
}

/// One `PhoneCall` event for `call` entering `state`.
pub fn phone_call_xml(call: &GeneratedCall, state: CallState) -> String {
    let at = match state {
        CallState::Ringing => call.ringing_ms,
        CallState::Answered => call.answered_ms.unwrap_or(call.ringing_ms),
        CallState::HungUp => call.hung_up_ms.unwrap_or(call.ringing_ms),
    };
    let time = |ms: i64| timestamp::from_unix_millis(ms);
    let mut w = XmlWriter::new();
    w.start("Event").attribute("xmlns", clacks_xml::EVENTS_NS);
    w.start("PhoneCall");
    w.leaf("CallId", &call.call_id);
    w.leaf("Caller", &call.caller);
    w.leaf("Callee", &call.extension);
    w.leaf("Extension", &call.extension);
    if let Some(queue) = &call.queue {
        w.leaf("Queue", queue);
    }
    w.leaf(
        "Channel",
        &format!("PJSIP/{}-{}", call.extension, call.call_id),
    );
    w.leaf("State", state.as_str());
    w.leaf("Timestamp", &time(at));
    w.leaf("RingingSince", &time(call.ringing_ms));
    if let (Some(answered), CallState::Answered | CallState::HungUp) = (call.answered_ms, state) {
        w.leaf("AnsweredAt", &time(answered));
    }
    if state == CallState::HungUp {
        w.leaf("HungUpAt", &time(at));
        w.leaf("HangupCause", "16");
    }
    w.finish()
}

/// Generates `config.events` events in order, and the calls they describe.
pub fn generate(config: GeneratorConfig) -> (Vec<String>, Vec<GeneratedCall>) {
    let mut rng = Rng(config.seed);
    let mut events = Vec::with_capacity(config.events);
    let mut calls = Vec::new();
    let mut index = 0i64;
    while events.len() < config.events {
        let ringing_ms = config.start_ms + index * config.spacing_ms;
        let answered = rng.below(100) < 70;
        let answered_ms = answered.then(|| ringing_ms + 1_000 + rng.below(29_000) as i64);
        let hung_up_ms = match answered_ms {
            Some(a) => a + 5_000 + rng.below(595_000) as i64,
            None => ringing_ms + 5_000 + rng.below(40_000) as i64,
        };
        let mut call = GeneratedCall {
            call_id: format!("{:x}-{index}", config.seed),
            caller: format!("+49{}", 30_000_000 + rng.below(69_999_999)),
            extension: (100 + rng.below(u64::from(config.extensions.max(1)))).to_string(),
            queue: (rng.below(100) < 60).then(|| QUEUES[rng.below(3) as usize].to_owned()),
            ringing_ms,
            answered_ms,
            hung_up_ms: Some(hung_up_ms),
        };
        let mut states = vec![CallState::Ringing];
        if answered {
            states.push(CallState::Answered);
        }
        states.push(CallState::HungUp);
        let room = config.events - events.len();
        if states.len() > room {
            // Not enough room for the whole call: it stays in progress.
            states.truncate(room);
            call.hung_up_ms = None;
            if !states.contains(&CallState::Answered) {
                call.answered_ms = None;
            }
        }
        for state in states {
            events.push(phone_call_xml(&call, state));
        }
        calls.push(call);
        index += 1;
    }
    (events, calls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_exactly_the_count_of_valid_events_reproducibly() {
        let config = GeneratorConfig {
            events: 50,
            seed: 7,
            extensions: 5,
            start_ms: 1_700_000_000_000,
            spacing_ms: 1_000,
        };
        let (events, calls) = generate(config);
        assert_eq!(events.len(), 50);
        assert_eq!(generate(config).0, events);
        let schemas = clacks_xml::SchemaSet::builtin().unwrap();
        for xml in &events {
            let doc = clacks_xml::Document::parse(xml).unwrap();
            if let Err(e) = schemas.validate_event(&doc) {
                panic!("{xml}: {e}");
            }
        }
        assert!(calls
            .iter()
            .any(|c| c.answered_ms.is_none() && c.hung_up_ms.is_some()));
    }
}
