//! A shop's opening hours: checking the schedule an owner sets, and whether the shop is open
//! at a given instant and when that changes — in the shop's own time zone, daylight saving
//! time included.
//!
//! Each open interval of a day is turned into the instants it covers: it starts at the first
//! instant the shop's clock reads its opening time or later, and ends likewise at its closing
//! time. So on the night clocks spring forward, a shop that opens at 02:30 (a time that does
//! not happen) opens when the clock jumps to 03:00; on the night they fall back, a shop open
//! 01:00–05:00 opens at the first 01:00 and stays open through the repeated hour.
//!
//! Everything here is a pure function of the schedule and the instant given: tests pass the
//! clock in.

use std::collections::BTreeSet;

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{Timestamp, ToSpan};
use pronto_protocol::agent::{OpenInterval, OpeningHours, Week};
use pronto_protocol::limits::{MAX_HOLIDAYS, MAX_OPEN_INTERVALS_PER_DAY};
use pronto_protocol::{ErrorCode, ProtocolError};

use crate::storage::Site;

/// How far ahead to look for the next opening: a year and a week. With at most
/// `MAX_HOLIDAYS` (fewer than the weeks in a year), a shop open one day a week always opens
/// within it.
const LOOK_AHEAD_DAYS: i32 = 366 + 7;

/// How far ahead to follow a shop that stays open: past that, "open until then".
const OPEN_HORIZON_DAYS: i32 = 8;

/// Minutes in a day: a closing time of `24:00`.
const END_OF_DAY: u16 = 24 * 60;

/// A checked schedule, ready to answer "open now?".
#[derive(Clone, Debug)]
pub struct Schedule {
    time_zone: TimeZone,
    /// The time zone's name, as the owner will read it back.
    time_zone_name: String,
    /// Open intervals by weekday, Monday first; minutes since local midnight, sorted, none
    /// overlapping.
    week: [Vec<Interval>; 7],
    holidays: BTreeSet<Date>,
}

/// Open from `opens` to `closes`, in minutes since local midnight (`closes` up to 24:00).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Interval {
    opens: u16,
    closes: u16,
}

/// Whether the shop is open at an instant, and when that changes next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    pub open: bool,
    /// Open: when it closes. Closed: when it opens again. `None`: not within the next year
    /// (a schedule that never opens).
    pub changes_at: Option<Timestamp>,
}

impl Status {
    /// While closed, when the shop opens again (ms since the Unix epoch): what the widget
    /// says as "back at 9:00". `None` while open, or when no opening is in sight.
    pub fn opens_at_ms(&self) -> Option<i64> {
        match self.open {
            true => None,
            false => self.changes_at.map(Timestamp::as_millisecond),
        }
    }
}

/// The site's opening hours; `None` for a shop always open. Stored hours were checked when
/// they were set; hours that no longer read (a time zone gone from the system's database)
/// count as none, and say so in the log.
pub fn schedule_of(site: &Site) -> Option<Schedule> {
    let stored = site.opening_hours.as_deref()?;
    let schedule = serde_json::from_str::<OpeningHours>(stored)
        .map_err(|error| error.to_string())
        .and_then(|hours| Schedule::parse(&hours).map_err(|error| error.to_string()));
    match schedule {
        Ok(schedule) => Some(schedule),
        Err(error) => {
            tracing::error!(site = %site.id, %error, "stored opening hours do not read; always open");
            None
        }
    }
}

/// The clock the shop counts its days by: its opening hours' time zone, else UTC.
pub fn time_zone_of(site: &Site) -> TimeZone {
    schedule_of(site).map_or(TimeZone::UTC, |s| s.time_zone().clone())
}

fn invalid_hours(why: impl Into<String>) -> ProtocolError {
    ProtocolError::new(ErrorCode::InvalidHours, why)
}

impl Schedule {
    /// Checks an owner's opening hours: a known time zone (`invalid_time_zone`), times written
    /// `HH:MM`, each interval closing after it opens and overlapping no other of its day, at
    /// least one interval in the week, dates for holidays (`invalid_hours`, saying which).
    pub fn parse(hours: &OpeningHours) -> Result<Schedule, ProtocolError> {
        let name = hours.time_zone.trim();
        let time_zone = TimeZone::get(name).map_err(|_| {
            ProtocolError::new(
                ErrorCode::InvalidTimeZone,
                format!("{name:?} is not a time zone name such as America/Santiago"),
            )
        })?;
        let time_zone_name = time_zone.iana_name().unwrap_or(name).to_owned();
        let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let mut week: [Vec<Interval>; 7] = Default::default();
        for ((day, given), name) in week.iter_mut().zip(hours.week.days()).zip(names) {
            *day = parse_day(name, given)?;
        }
        if week.iter().all(Vec::is_empty) {
            return Err(invalid_hours(
                "the week has no open hours; to be always open, send \"hours\": null",
            ));
        }
        if hours.holidays.len() > MAX_HOLIDAYS {
            return Err(invalid_hours(format!("at most {MAX_HOLIDAYS} holidays")));
        }
        let holidays = hours
            .holidays
            .iter()
            .map(|given| {
                given.trim().parse::<Date>().map_err(|_| {
                    invalid_hours(format!(
                        "holiday {given:?} is not a date such as 2025-12-25"
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Schedule {
            time_zone,
            time_zone_name,
            week,
            holidays,
        })
    }

    /// The shop's own clock: its days are counted on it.
    pub fn time_zone(&self) -> &TimeZone {
        &self.time_zone
    }

    /// The schedule as it is stored and read back: canonical names, times as `HH:MM`,
    /// intervals and holidays in order.
    pub fn to_hours(&self) -> OpeningHours {
        let day = |weekday: usize| -> Vec<OpenInterval> {
            self.week[weekday]
                .iter()
                .map(|interval| OpenInterval {
                    opens: clock(interval.opens),
                    closes: clock(interval.closes),
                })
                .collect()
        };
        OpeningHours {
            time_zone: self.time_zone_name.clone(),
            week: Week::from_days(std::array::from_fn(day)),
            holidays: self.holidays.iter().map(Date::to_string).collect(),
        }
    }

    /// Whether the shop is open at `now` and when that changes next.
    pub fn status(&self, now: Timestamp) -> Status {
        let today = self.time_zone.to_datetime(now).date();
        // Yesterday too: an interval of the day before may reach past local midnight into
        // today (where the clock falls back at midnight, as in America/Santiago).
        let mut open_until: Option<Timestamp> = None;
        for n in -1..LOOK_AHEAD_DAYS {
            // A shop open round the clock is said to close a week on; asked again then.
            if open_until.is_some() && n > OPEN_HORIZON_DAYS {
                break;
            }
            let Ok(day) = today.checked_add(n.days()) else {
                break;
            };
            for (start, end) in self.open_spans(day) {
                match open_until {
                    // Open: a span starting by the time the last one ends keeps it open.
                    Some(until) if start <= until => open_until = Some(until.max(end)),
                    Some(until) => {
                        return Status {
                            open: true,
                            changes_at: Some(until),
                        };
                    }
                    None if start <= now && now < end => open_until = Some(end),
                    None if now < start => {
                        return Status {
                            open: false,
                            changes_at: Some(start),
                        };
                    }
                    None => {}
                }
            }
        }
        Status {
            open: open_until.is_some(),
            changes_at: open_until,
        }
    }

    /// Whether the shop was open at `at` (a conversation's start, say).
    pub fn is_open_at(&self, at: Timestamp) -> bool {
        let today = self.time_zone.to_datetime(at).date();
        (-1..=1)
            .filter_map(|n| today.checked_add(n.days()).ok())
            .flat_map(|day| self.open_spans(day))
            .any(|(start, end)| start <= at && at < end)
    }

    /// The instants `day`'s intervals cover, in order; none on a holiday.
    fn open_spans(&self, day: Date) -> Vec<(Timestamp, Timestamp)> {
        if self.holidays.contains(&day) {
            return Vec::new();
        }
        let weekday = usize::from(day.weekday().to_monday_zero_offset().unsigned_abs());
        self.week[weekday]
            .iter()
            .filter_map(|interval| {
                let start = self.first_instant_at(day, interval.opens)?;
                let end = self.first_instant_at(day, interval.closes)?;
                // Only a spring-forward jump over the whole interval leaves it empty.
                (start < end).then_some((start, end))
            })
            .collect()
    }

    /// The first instant the shop's clock reads `minutes` past midnight on `day`, or later:
    /// the earlier one when the clock reads it twice (falling back), the jump itself when
    /// the clock skips it (springing forward).
    fn first_instant_at(&self, day: Date, minutes: u16) -> Option<Timestamp> {
        let wall: DateTime = if minutes >= END_OF_DAY {
            day.tomorrow().ok()?.to_datetime(Time::midnight())
        } else {
            let time = Time::new(
                i8::try_from(minutes / 60).ok()?,
                i8::try_from(minutes % 60).ok()?,
                0,
                0,
            )
            .ok()?;
            day.to_datetime(time)
        };
        let ambiguous = self.time_zone.to_ambiguous_timestamp(wall);
        let earlier = ambiguous.earlier().ok()?;
        match ambiguous.offset() {
            AmbiguousOffset::Gap { .. } => {
                // `earlier` is just before the jump, read with the offset after it.
                let jump = self.time_zone.following(earlier).next()?;
                Some(jump.timestamp())
            }
            AmbiguousOffset::Unambiguous { .. } | AmbiguousOffset::Fold { .. } => Some(earlier),
        }
    }
}

/// One day's intervals, checked and sorted.
fn parse_day(name: &str, given: &[OpenInterval]) -> Result<Vec<Interval>, ProtocolError> {
    if given.len() > MAX_OPEN_INTERVALS_PER_DAY {
        return Err(invalid_hours(format!(
            "{name}: at most {MAX_OPEN_INTERVALS_PER_DAY} open intervals a day"
        )));
    }
    let mut day = Vec::with_capacity(given.len());
    for interval in given {
        let opens = minutes(&interval.opens).filter(|&m| m < END_OF_DAY);
        let closes = minutes(&interval.closes);
        let (Some(opens), Some(closes)) = (opens, closes) else {
            return Err(invalid_hours(format!(
                "{name}: {:?}–{:?} is not two times such as 09:00–18:00 (closing at 24:00 at the latest)",
                interval.opens, interval.closes
            )));
        };
        if closes <= opens {
            return Err(invalid_hours(format!(
                "{name}: {}–{} closes before it opens; past midnight, write two intervals \
                 (22:00–24:00, then 00:00–02:00 the next day)",
                clock(opens),
                clock(closes)
            )));
        }
        day.push(Interval { opens, closes });
    }
    day.sort();
    for pair in day.windows(2) {
        if pair[1].opens < pair[0].closes {
            return Err(invalid_hours(format!(
                "{name}: {}–{} overlaps {}–{}",
                clock(pair[0].opens),
                clock(pair[0].closes),
                clock(pair[1].opens),
                clock(pair[1].closes)
            )));
        }
    }
    Ok(day)
}

/// `HH:MM` on a 24-hour clock, `00:00` to `24:00`, as minutes since midnight.
fn minutes(text: &str) -> Option<u16> {
    let (hours, minutes) = text.trim().split_once(':')?;
    let two_digits = |part: &str| {
        (part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse::<u16>().ok())
            .flatten()
    };
    let (hours, minutes) = (two_digits(hours)?, two_digits(minutes)?);
    let total = hours * 60 + minutes;
    (minutes < 60 && total <= END_OF_DAY).then_some(total)
}

/// Minutes since midnight written `HH:MM`.
fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interval(opens: &str, closes: &str) -> OpenInterval {
        OpenInterval {
            opens: opens.into(),
            closes: closes.into(),
        }
    }

    /// Weekdays 09:00–13:00 and 14:00–18:00, Saturday 10:00–14:00, in `time_zone`.
    fn shop_hours(time_zone: &str) -> OpeningHours {
        let weekday = vec![interval("09:00", "13:00"), interval("14:00", "18:00")];
        OpeningHours {
            time_zone: time_zone.into(),
            week: Week {
                mon: weekday.clone(),
                tue: weekday.clone(),
                wed: weekday.clone(),
                thu: weekday.clone(),
                fri: weekday,
                sat: vec![interval("10:00", "14:00")],
                sun: vec![],
            },
            holidays: vec![],
        }
    }

    fn schedule(hours: &OpeningHours) -> Schedule {
        Schedule::parse(hours).expect("a valid schedule")
    }

    /// An instant written with its offset, as people read it off a wall clock.
    fn at(text: &str) -> Timestamp {
        text.parse().expect("an RFC 3339 instant")
    }

    fn closed_until(until: &str) -> Status {
        Status {
            open: false,
            changes_at: Some(at(until)),
        }
    }

    fn open_until(until: &str) -> Status {
        Status {
            open: true,
            changes_at: Some(at(until)),
        }
    }

    #[test]
    fn open_and_closed_through_a_day_with_a_lunch_break() {
        // Wednesday 2025-06-11 in Santiago (UTC-4 in the southern winter).
        let shop = schedule(&shop_hours("America/Santiago"));
        let cases = [
            (
                "2025-06-11T08:59:59-04:00",
                closed_until("2025-06-11T09:00:00-04:00"),
            ),
            (
                "2025-06-11T09:00:00-04:00",
                open_until("2025-06-11T13:00:00-04:00"),
            ),
            (
                "2025-06-11T12:30:00-04:00",
                open_until("2025-06-11T13:00:00-04:00"),
            ),
            (
                "2025-06-11T13:00:00-04:00",
                closed_until("2025-06-11T14:00:00-04:00"),
            ),
            (
                "2025-06-11T17:59:00-04:00",
                open_until("2025-06-11T18:00:00-04:00"),
            ),
            // Friday evening: back on Saturday at ten.
            (
                "2025-06-13T18:00:00-04:00",
                closed_until("2025-06-14T10:00:00-04:00"),
            ),
            // Saturday afternoon: nothing on Sunday, back on Monday at nine.
            (
                "2025-06-14T15:00:00-04:00",
                closed_until("2025-06-16T09:00:00-04:00"),
            ),
        ];
        for (now, expected) in cases {
            assert_eq!(shop.status(at(now)), expected, "at {now}");
            assert_eq!(shop.is_open_at(at(now)), expected.open, "at {now}");
        }
        assert_eq!(
            shop.status(at("2025-06-14T15:00:00-04:00")).opens_at_ms(),
            Some(at("2025-06-16T09:00:00-04:00").as_millisecond())
        );
        assert_eq!(
            shop.status(at("2025-06-11T10:00:00-04:00")).opens_at_ms(),
            None
        );
    }

    #[test]
    fn holidays_are_skipped() {
        let mut hours = shop_hours("Europe/Madrid");
        // Christmas 2025 is a Thursday; the 26th a holiday too.
        hours.holidays = vec!["2025-12-26".into(), "2025-12-25".into()];
        let shop = schedule(&hours);
        assert_eq!(
            shop.status(at("2025-12-24T19:00:00+01:00")),
            closed_until("2025-12-27T10:00:00+01:00")
        );
        assert!(!shop.is_open_at(at("2025-12-25T10:00:00+01:00")));
        assert!(shop.is_open_at(at("2025-12-24T10:00:00+01:00")));
        // Read back in order.
        assert_eq!(shop.to_hours().holidays, ["2025-12-25", "2025-12-26"]);
    }

    #[test]
    fn spring_forward_in_madrid_moves_the_opening_not_the_wall_clock() {
        // Europe/Madrid springs forward on Sunday 2025-03-30: 02:00 CET becomes 03:00 CEST.
        let mut hours = shop_hours("Europe/Madrid");
        hours.week.sun = vec![interval("02:30", "05:00")];
        let shop = schedule(&hours);
        // Saturday night: the Sunday opening at 02:30 never happens on the wall clock; the
        // shop opens when the clock jumps to 03:00 CEST (01:00 UTC).
        assert_eq!(
            shop.status(at("2025-03-29T23:00:00+01:00")),
            closed_until("2025-03-30T03:00:00+02:00")
        );
        assert_eq!(
            shop.status(at("2025-03-30T03:00:00+02:00")),
            open_until("2025-03-30T05:00:00+02:00")
        );
        // On Monday, after the change, nine o'clock is 09:00 CEST.
        assert_eq!(
            shop.status(at("2025-03-30T06:00:00+02:00")),
            closed_until("2025-03-31T09:00:00+02:00")
        );
        // And the Friday before, nine o'clock was 09:00 CET: an hour later in UTC.
        assert_eq!(
            shop.status(at("2025-03-28T07:00:00+01:00")),
            closed_until("2025-03-28T09:00:00+01:00")
        );
    }

    #[test]
    fn fall_back_in_madrid_keeps_the_shop_open_through_the_repeated_hour() {
        // Europe/Madrid falls back on Sunday 2025-10-26: 03:00 CEST becomes 02:00 CET.
        let mut hours = shop_hours("Europe/Madrid");
        hours.week.sun = vec![interval("02:30", "04:00")];
        let shop = schedule(&hours);
        // It opens at the first 02:30 (CEST) and stays open through the repeated hour until
        // 04:00 CET: two and a half hours by the clock on the wall of a shop open 1.5 h.
        assert_eq!(
            shop.status(at("2025-10-26T01:00:00+02:00")),
            closed_until("2025-10-26T02:30:00+02:00")
        );
        for now in [
            "2025-10-26T02:30:00+02:00",
            "2025-10-26T02:10:00+01:00",
            "2025-10-26T02:45:00+01:00",
        ] {
            assert_eq!(
                shop.status(at(now)),
                open_until("2025-10-26T04:00:00+01:00"),
                "at {now}"
            );
        }
    }

    #[test]
    fn santiago_changes_its_clocks_at_midnight() {
        // America/Santiago springs forward on Sunday 2025-09-07: 00:00 -04 becomes 01:00 -03;
        // Sunday's midnight never happens.
        let mut hours = shop_hours("America/Santiago");
        hours.week.sat = vec![interval("20:00", "24:00")];
        hours.week.sun = vec![interval("00:00", "02:00")];
        let shop = schedule(&hours);
        // Saturday's 24:00 and Sunday's 00:00 are both the jump: open without a break from
        // Saturday 20:00 until Sunday 02:00 -03.
        assert_eq!(
            shop.status(at("2025-09-06T21:00:00-04:00")),
            open_until("2025-09-07T02:00:00-03:00")
        );
        assert_eq!(
            shop.status(at("2025-09-07T01:30:00-03:00")),
            open_until("2025-09-07T02:00:00-03:00")
        );
        // It falls back on Sunday 2025-04-06: at what would be 00:00 -03 the clock goes back
        // to Saturday 23:00 -04, so Saturday's last hour happens twice. A shop open Saturday
        // 22:00–24:00 is open three hours, through both.
        let mut hours = shop_hours("America/Santiago");
        hours.week.sat = vec![interval("22:00", "24:00")];
        let shop = schedule(&hours);
        assert_eq!(
            shop.status(at("2025-04-05T21:00:00-03:00")),
            closed_until("2025-04-05T22:00:00-03:00")
        );
        for now in ["2025-04-05T23:30:00-03:00", "2025-04-05T23:30:00-04:00"] {
            assert_eq!(
                shop.status(at(now)),
                open_until("2025-04-06T00:00:00-04:00"),
                "at {now}"
            );
        }
    }

    #[test]
    fn intervals_that_touch_make_one_opening() {
        let mut hours = shop_hours("UTC");
        hours.week.mon = vec![interval("09:00", "13:00"), interval("13:00", "24:00")];
        hours.week.tue = vec![interval("00:00", "24:00")];
        hours.week.wed = vec![interval("00:00", "12:00")];
        let shop = schedule(&hours);
        // 2025-06-09 is a Monday: from 09:00 to Wednesday noon without a break.
        assert_eq!(
            shop.status(at("2025-06-09T10:00:00Z")),
            open_until("2025-06-11T12:00:00Z")
        );
    }

    #[test]
    fn a_schedule_that_never_opens_says_unknown() {
        let mut hours = shop_hours("UTC");
        hours.week = Week {
            sun: vec![interval("10:00", "11:00")],
            ..Week::default()
        };
        let mut shop = schedule(&hours);
        // Every Sunday for more than a year a holiday (more than owners may list, but the
        // function must still answer): no opening in sight.
        shop.holidays = (0..60)
            .map(|week| {
                Date::constant(2025, 6, 15)
                    .checked_add((7 * week).days())
                    .unwrap()
            })
            .collect();
        assert_eq!(
            shop.status(at("2025-06-10T12:00:00Z")),
            Status {
                open: false,
                changes_at: None
            }
        );
        assert_eq!(shop.status(at("2025-06-10T12:00:00Z")).opens_at_ms(), None);
    }

    #[test]
    fn bad_hours_are_refused_with_what_is_wrong() {
        let code = |hours: &OpeningHours| Schedule::parse(hours).map(|_| ()).map_err(|e| e.code);
        let with_monday = |intervals: Vec<OpenInterval>| {
            let mut hours = shop_hours("Europe/Madrid");
            hours.week.mon = intervals;
            hours
        };
        assert_eq!(
            code(&shop_hours("Mars/Olympus_Mons")),
            Err(ErrorCode::InvalidTimeZone)
        );
        assert_eq!(code(&shop_hours("")), Err(ErrorCode::InvalidTimeZone));
        for bad in [
            vec![interval("18:00", "09:00")],
            vec![interval("09:00", "09:00")],
            vec![interval("09:00", "13:00"), interval("12:00", "18:00")],
            vec![interval("9:00", "13:00")],
            vec![interval("09:00", "24:01")],
            vec![interval("24:00", "24:00")],
            vec![interval("09:60", "13:00")],
            vec![interval("nine", "five")],
            vec![interval("09:00", "13:00"); MAX_OPEN_INTERVALS_PER_DAY + 1],
        ] {
            assert_eq!(
                code(&with_monday(bad.clone())),
                Err(ErrorCode::InvalidHours),
                "{bad:?}"
            );
        }
        let mut no_hours = shop_hours("UTC");
        no_hours.week = Week::default();
        assert_eq!(code(&no_hours), Err(ErrorCode::InvalidHours));
        let mut bad_holiday = shop_hours("UTC");
        bad_holiday.holidays = vec!["2025-02-30".into()];
        assert_eq!(code(&bad_holiday), Err(ErrorCode::InvalidHours));
        let mut too_many = shop_hours("UTC");
        too_many.holidays = vec!["2025-12-25".into(); MAX_HOLIDAYS + 1];
        assert_eq!(code(&too_many), Err(ErrorCode::InvalidHours));
        // Good ones, read back in order and in the canonical form.
        let hours = with_monday(vec![
            interval("14:00", "24:00"),
            interval(" 00:00", "13:00 "),
        ]);
        let read_back = schedule(&hours).to_hours();
        assert_eq!(
            read_back.week.mon,
            [interval("00:00", "13:00"), interval("14:00", "24:00")]
        );
        assert_eq!(read_back.time_zone, "Europe/Madrid");
        assert_eq!(schedule(&read_back).to_hours(), read_back);
    }
}
