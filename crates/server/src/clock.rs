//! Wall-clock time as the database stores it: milliseconds since the Unix epoch; and the
//! day it is in a shop's time zone.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

pub fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

/// Today, by the clock of `time_zone`.
pub fn today_in(time_zone: &TimeZone) -> Date {
    let now = Timestamp::from_millisecond(now_ms()).expect("the clock reads a valid time");
    time_zone.to_datetime(now).date()
}
