//! The shop's opening hours: a weekly schedule on the clock of the shop's time zone, the
//! holidays it is closed, or "always open" (no schedule). The server checks them (times,
//! overlaps, the zone's name) and its refusal is shown as it says it.

use leptos::prelude::*;
use pronto_protocol::agent::{OpenInterval, OpeningHours, SiteSettings, Week};

use super::{Site, Status, focus_soon, status_line};
use crate::strings;

/// The days as `Week` names them, Monday first; also the sections' `data-day`.
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Offered as the time zone is typed; any other IANA name may be written.
const COMMON_TIME_ZONES: [&str; 20] = [
    "America/Santiago",
    "America/Argentina/Buenos_Aires",
    "America/Montevideo",
    "America/Sao_Paulo",
    "America/Lima",
    "America/Bogota",
    "America/Caracas",
    "America/Mexico_City",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "Atlantic/Canary",
    "Europe/Lisbon",
    "Europe/Madrid",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Asia/Tokyo",
    "UTC",
];

/// The end of the day. `<input type=time>` cannot show 24:00, so it shows 00:00 as a closing
/// time, which can only mean midnight (a shop cannot close before it opens).
const END_OF_DAY: &str = "24:00";
const MIDNIGHT: &str = "00:00";

/// One open interval being edited; `key` tells rows apart while the list changes.
#[derive(Clone, Copy)]
struct Interval {
    key: u32,
    opens: RwSignal<String>,
    closes: RwSignal<String>,
}

/// One holiday being edited (`YYYY-MM-DD`, as `<input type=date>` writes it).
#[derive(Clone, Copy)]
struct Holiday {
    key: u32,
    date: RwSignal<String>,
}

/// The hours as the owner edits them.
#[derive(Clone, Copy)]
struct Draft {
    always_open: RwSignal<bool>,
    time_zone: RwSignal<String>,
    days: [RwSignal<Vec<Interval>>; 7],
    holidays: RwSignal<Vec<Holiday>>,
    next_key: StoredValue<u32>,
}

impl Draft {
    fn new() -> Self {
        Self {
            always_open: RwSignal::new(true),
            time_zone: RwSignal::new(String::new()),
            days: std::array::from_fn(|_| RwSignal::new(Vec::new())),
            holidays: RwSignal::new(Vec::new()),
            next_key: StoredValue::new(0),
        }
    }

    fn key(&self) -> u32 {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        key
    }

    fn interval(&self, opens: &str, closes: &str) -> Interval {
        let closes = if closes == END_OF_DAY {
            MIDNIGHT
        } else {
            closes
        };
        Interval {
            key: self.key(),
            opens: RwSignal::new(opens.to_owned()),
            closes: RwSignal::new(closes.to_owned()),
        }
    }

    fn holiday(&self, date: &str) -> Holiday {
        Holiday {
            key: self.key(),
            date: RwSignal::new(date.to_owned()),
        }
    }

    /// Shows `hours` as stored. A shop without hours is always open; its schedule starts
    /// as a suggestion (weekdays 9 to 6, on this browser's clock) to change when the owner
    /// turns "always open" off.
    fn show(&self, hours: Option<&OpeningHours>) {
        self.always_open.set(hours.is_none());
        match hours {
            Some(hours) => {
                self.time_zone.set(hours.time_zone.clone());
                for (day, intervals) in self.days.iter().zip(hours.week.days()) {
                    day.set(
                        intervals
                            .iter()
                            .map(|i| self.interval(&i.opens, &i.closes))
                            .collect(),
                    );
                }
                self.holidays
                    .set(hours.holidays.iter().map(|d| self.holiday(d)).collect());
            }
            None => {
                self.time_zone.set(browser_time_zone());
                for (index, day) in self.days.iter().enumerate() {
                    day.set(if index < 5 {
                        vec![self.interval("09:00", "18:00")]
                    } else {
                        Vec::new()
                    });
                }
                self.holidays.set(Vec::new());
            }
        }
    }

    /// The hours to send: `None` for always open. Holidays left blank are left out.
    fn hours(&self) -> Option<OpeningHours> {
        if self.always_open.get_untracked() {
            return None;
        }
        let day = |index: usize| -> Vec<OpenInterval> {
            self.days[index].with_untracked(|intervals| {
                intervals
                    .iter()
                    .map(|interval| {
                        let closes = interval.closes.get_untracked();
                        OpenInterval {
                            opens: interval.opens.get_untracked(),
                            closes: if closes == MIDNIGHT {
                                END_OF_DAY.to_owned()
                            } else {
                                closes
                            },
                        }
                    })
                    .collect()
            })
        };
        Some(OpeningHours {
            time_zone: self.time_zone.get_untracked().trim().to_owned(),
            week: Week::from_days(std::array::from_fn(day)),
            holidays: self.holidays.with_untracked(|holidays| {
                holidays
                    .iter()
                    .map(|holiday| holiday.date.get_untracked())
                    .filter(|date| !date.trim().is_empty())
                    .collect()
            }),
        })
    }
}

/// The IANA time zone this browser's clock is on, the likeliest to be the shop's.
fn browser_time_zone() -> String {
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
    js_sys::Reflect::get(&format.resolved_options(), &"timeZone".into())
        .ok()
        .and_then(|zone| zone.as_string())
        .unwrap_or_else(|| "UTC".into())
}

#[component]
pub fn Hours(
    /// Where the settings are saved.
    site: Site,
    /// The settings as read when the page opened.
    read: SiteSettings,
) -> impl IntoView {
    let draft = Draft::new();
    draft.show(read.hours.flatten().as_ref());
    let status = Status::new(None);
    let save = move |_| {
        let hours = draft.hours();
        site.save(
            status,
            // `Some(None)` removes the schedule: always open.
            |settings| settings.hours = Some(hours),
            // The hours as the server keeps them (sorted, checked).
            move |stored| {
                if let Some(hours) = &stored.hours {
                    draft.show(hours.as_ref());
                }
            },
        );
    };
    let schedule = move || {
        (!draft.always_open.get()).then(|| {
            view! {
                <label class="field">
                    {strings::time_zone()}
                    <input
                        name="time_zone"
                        list="time-zones"
                        autocapitalize="off"
                        spellcheck="false"
                        aria-describedby="time-zone-hint"
                        prop:value=move || draft.time_zone.get()
                        on:input=move |ev| draft.time_zone.set(event_target_value(&ev))
                    />
                </label>
                <p class="settings-hint" id="time-zone-hint">{strings::time_zone_hint()}</p>
                <datalist id="time-zones">
                    {COMMON_TIME_ZONES.map(|zone| view! { <option value=zone></option> }).collect_view()}
                </datalist>
                <div class="hours-week">
                    {(0..7).map(|index| day_editor(draft, index)).collect_view()}
                </div>
                {holidays_editor(draft)}
            }
        })
    };
    view! {
        <section class="settings-part hours" aria-labelledby="hours-title">
            <h3 id="hours-title">{strings::opening_hours()}</h3>
            <p class="settings-hint">{strings::opening_hours_hint()}</p>
            <label class="choice">
                <input
                    type="checkbox"
                    name="always_open"
                    prop:checked=move || draft.always_open.get()
                    on:change=move |ev| draft.always_open.set(event_target_checked(&ev))
                />
                {strings::always_open()}
            </label>
            {schedule}
            <div class="settings-actions">
                <button type="button" class="button button--primary save-hours" on:click=save>
                    {strings::save_hours()}
                </button>
                {status_line(status)}
            </div>
        </section>
    }
}

/// One weekday: its open intervals, each from–to, with "Add hours" and "Remove".
fn day_editor(draft: Draft, index: usize) -> impl IntoView {
    let (day, name) = (draft.days[index], strings::weekdays()[index]);
    let add = move |_| {
        let interval = if day.with_untracked(Vec::is_empty) {
            draft.interval("09:00", "18:00")
        } else {
            draft.interval("", "")
        };
        day.update(|intervals| intervals.push(interval));
        focus_soon(format!(
            "[data-day={}] .hours-interval:last-child input[name=opens]",
            DAYS[index]
        ));
    };
    view! {
        <fieldset class="hours-day" data-day=DAYS[index]>
            <legend>{name}</legend>
            <ul class="hours-intervals">
                <For each=move || day.get() key=|interval| interval.key let:interval>
                    <li class="hours-interval">
                        <label class="field-inline">
                            {strings::opens()}
                            <input
                                type="time"
                                name="opens"
                                prop:value=move || interval.opens.get()
                                on:input=move |ev| interval.opens.set(event_target_value(&ev))
                            />
                        </label>
                        <label class="field-inline">
                            {strings::closes()}
                            <input
                                type="time"
                                name="closes"
                                prop:value=move || interval.closes.get()
                                on:input=move |ev| interval.closes.set(event_target_value(&ev))
                            />
                        </label>
                        <button
                            type="button"
                            class="button button--danger remove-hours"
                            aria-label=move || {
                                strings::remove_hours_on(name, &interval.opens.get(), &interval.closes.get())
                            }
                            on:click=move |_| {
                                day.update(|intervals| intervals.retain(|i| i.key != interval.key));
                                focus_soon(format!("[data-day={}] .add-hours", DAYS[index]));
                            }
                        >
                            {strings::remove()}
                        </button>
                    </li>
                </For>
            </ul>
            {move || day.with(Vec::is_empty).then(|| view! { <p class="hours-closed">{strings::closed_all_day()}</p> })}
            <button type="button" class="button add-hours" aria-label=strings::add_hours_on(name) on:click=add>
                {strings::add_hours()}
            </button>
        </fieldset>
    }
}

/// The dates the shop is closed all day.
fn holidays_editor(draft: Draft) -> impl IntoView {
    let holidays = draft.holidays;
    let add = move |_| {
        holidays.update(|list| list.push(draft.holiday("")));
        focus_soon(".holiday:last-child input[name=holiday]");
    };
    view! {
        <fieldset class="holidays">
            <legend>{strings::holidays()}</legend>
            <ul class="holiday-list">
                <For each=move || holidays.get() key=|holiday| holiday.key let:holiday>
                    <li class="holiday">
                        <label class="field-inline">
                            {strings::closed_on()}
                            <input
                                type="date"
                                name="holiday"
                                prop:value=move || holiday.date.get()
                                on:input=move |ev| holiday.date.set(event_target_value(&ev))
                            />
                        </label>
                        <button
                            type="button"
                            class="button button--danger remove-holiday"
                            aria-label=move || strings::remove_holiday(&holiday.date.get())
                            on:click=move |_| {
                                holidays.update(|list| list.retain(|h| h.key != holiday.key));
                                focus_soon(".add-holiday");
                            }
                        >
                            {strings::remove()}
                        </button>
                    </li>
                </For>
            </ul>
            {move || holidays.with(Vec::is_empty).then(|| view! { <p class="hours-closed">{strings::no_holidays()}</p> })}
            <button type="button" class="button add-holiday" on:click=add>
                {strings::add_holiday()}
            </button>
        </fieldset>
    }
}
