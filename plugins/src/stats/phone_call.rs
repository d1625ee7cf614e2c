//! A `PhoneCall` event read from its validated document (the schema is `PhoneCall.xsd` in
//! `clacks-xml`): call id, extension, queue, state and the times that matter for statistics,
//! plus the `xs:dateTime` reading those times need.

use clacks_runtime::events::Event;
use clacks_xml::document::Element;
use clacks_xml::EVENTS_NS;

/// The state a call entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallState {
    /// The callee is being rung.
    Ringing,
    /// The callee answered.
    Answered,
    /// The call ended.
    HungUp,
}

impl CallState {
    /// The schema's word for the state.
    pub fn as_str(self) -> &'static str {
        match self {
            CallState::Ringing => "ringing",
            CallState::Answered => "answered",
            CallState::HungUp => "hung-up",
        }
    }
}

/// The fields of a `PhoneCall` event the statistics use (times in Unix milliseconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneCall {
    /// The call's identifier.
    pub call_id: String,
    /// The local extension.
    pub extension: String,
    /// The queue, when the call came through one.
    pub queue: Option<String>,
    /// The state entered.
    pub state: CallState,
    /// When the state changed.
    pub timestamp_ms: i64,
    /// When the call was answered, if the event says.
    pub answered_at_ms: Option<i64>,
    /// When the call ended, if the event says.
    pub hung_up_at_ms: Option<i64>,
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Reads an `xs:dateTime` (`2026-11-26T10:00:00.250Z`, an offset, or none meaning UTC) as
/// Unix milliseconds; `None` when it is not one.
pub fn parse_datetime(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, time) = text.split_once('T')?;
    let mut date_parts = date.rsplitn(3, '-');
    let d: i64 = date_parts.next()?.parse().ok()?;
    let m: i64 = date_parts.next()?.parse().ok()?;
    let y: i64 = date_parts.next()?.parse().ok()?;
    let (clock, offset_min) = if let Some(clock) = time.strip_suffix('Z') {
        (clock, 0)
    } else if let Some(pos) = time.rfind(['+', '-']).filter(|&p| p >= 8) {
        let (clock, zone) = time.split_at(pos);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let (hh, mm) = zone[1..].split_once(':')?;
        (
            clock,
            sign * (hh.parse::<i64>().ok()? * 60 + mm.parse::<i64>().ok()?),
        )
    } else {
        (time, 0)
    };
    let mut clock_parts = clock.splitn(3, ':');
    let hh: i64 = clock_parts.next()?.parse().ok()?;
    let mm: i64 = clock_parts.next()?.parse().ok()?;
    let seconds = clock_parts.next()?;
    let (ss, fraction) = seconds.split_once('.').unwrap_or((seconds, ""));
    let ss: i64 = ss.parse().ok()?;
    let millis: i64 = if fraction.is_empty() {
        0
    } else {
        let digits: String = fraction.chars().chain("000".chars()).take(3).collect();
        digits.parse().ok()?
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 24 || mm > 59 || ss > 60 {
        return None;
    }
    let days = days_from_civil(y, m, d);
    Some((((days * 24 + hh) * 60 + mm) * 60 + ss - offset_min * 60) * 1000 + millis)
}

fn child_text(event: Element<'_>, name: &str) -> Option<String> {
    event
        .first_child(EVENTS_NS, name)
        .map(|e| e.text().trim().to_owned())
        .filter(|t| !t.is_empty())
}

impl PhoneCall {
    /// Reads a delivered `PhoneCall` event; `None` when it is another event or lacks a
    /// required field (possible only with validation turned off).
    pub fn from_event(event: &Event) -> Option<PhoneCall> {
        let element = event.element()?;
        if !element.is(EVENTS_NS, "PhoneCall") {
            return None;
        }
        let time = |name: &str| child_text(element, name).and_then(|t| parse_datetime(&t));
        let state = match child_text(element, "State")?.as_str() {
            "ringing" => CallState::Ringing,
            "answered" => CallState::Answered,
            "hung-up" => CallState::HungUp,
            _ => return None,
        };
        Some(PhoneCall {
            call_id: child_text(element, "CallId")?,
            extension: child_text(element, "Extension")?,
            queue: child_text(element, "Queue"),
            state,
            timestamp_ms: time("Timestamp")?,
            answered_at_ms: time("AnsweredAt"),
            hung_up_at_ms: time("HungUpAt"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_with_zones_and_fractions() {
        assert_eq!(parse_datetime("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_datetime("1970-01-01T00:00:01.5Z"), Some(1500));
        assert_eq!(parse_datetime("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_datetime("1969-12-31T23:00:00-01:00"), Some(0));
        assert_eq!(
            parse_datetime("2026-11-26T10:00:00.250"),
            Some(1_795_687_200_250)
        );
        assert_eq!(parse_datetime("not a date"), None);
        assert_eq!(parse_datetime("2026-13-01T00:00:00Z"), None);
    }
}
