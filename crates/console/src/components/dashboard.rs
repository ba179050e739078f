//! The owner's numbers: the period's key figures, conversations per day as an SVG chart (with
//! the same numbers in a table, for screen readers and for reading exactly), each agent's
//! figures, and the CSV to take elsewhere.

use leptos::ev::Event;
use leptos::prelude::*;
use leptos::task::spawn_local;
use pronto_protocol::dashboard::{DEFAULT_DAYS, Dashboard, DayNumbers, Numbers};

use crate::api;
use crate::strings;

/// The periods offered, in days.
const PERIODS: [u32; 3] = [7, 30, 90];

/// The chart's drawing box; the SVG scales it to the page's width.
const CHART_WIDTH: f64 = 640.0;
const CHART_HEIGHT: f64 = 160.0;

#[component]
pub fn DashboardView() -> impl IntoView {
    let days = RwSignal::new(DEFAULT_DAYS);
    let report = RwSignal::new(None::<Result<Dashboard, String>>);
    Effect::new(move |_| {
        let asked = days.get();
        report.set(None);
        spawn_local(async move {
            let answer = api::dashboard(asked).await;
            // Only for the period still chosen (an answer to an earlier choice may come late),
            // and only while the page is still there.
            if days.try_get_untracked() == Some(asked) {
                report.try_set(Some(answer.map_err(|e| strings::api_error_text(&e))));
            }
        });
    });
    let choose = move |ev: Event| {
        if let Ok(chosen) = event_target_value(&ev).parse() {
            days.set(chosen);
        }
    };

    let body = move || match report.get() {
        None => {
            view! { <p class="dashboard-status" role="status">{strings::loading_numbers()}</p> }
                .into_any()
        }
        Some(Err(error)) => {
            view! { <p class="dashboard-status" role="alert">{error}</p> }.into_any()
        }
        Some(Ok(dashboard)) => figures(dashboard).into_any(),
    };

    view! {
        <section class="dashboard" aria-labelledby="dashboard-title">
            <header class="dashboard-header">
                <h2 id="dashboard-title">{strings::numbers()}</h2>
                <label class="dashboard-period">
                    {strings::period()}
                    <select name="days" on:change=choose>
                        {PERIODS
                            .into_iter()
                            .map(|period| {
                                view! {
                                    <option value=period.to_string() selected=period == DEFAULT_DAYS>
                                        {strings::last_days(period)}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <a class="button dashboard-csv" href=move || api::dashboard_path(days.get(), true) download="">
                    {strings::download_csv()}
                </a>
            </header>
            {body}
        </section>
    }
}

/// Everything the report says, once it is here.
fn figures(dashboard: Dashboard) -> impl IntoView {
    let total = &dashboard.total;
    let target = strings::on_target_heading(
        dashboard.reply_target_secs,
        dashboard.email_reply_target_secs,
    );
    let key_figures = [
        (
            "kpi-conversations",
            strings::conversations().to_owned(),
            total.conversations.to_string(),
        ),
        (
            "kpi-on-target",
            target,
            strings::share(total.answered_within_target, total.conversations),
        ),
        (
            "kpi-email-on-target",
            strings::email_on_target_heading(dashboard.email_reply_target_secs),
            strings::share(
                total.answered_by_email_within_target,
                total.answered_by_email,
            ),
        ),
        (
            "kpi-first-reply",
            format!("{} ({})", strings::first_reply(), strings::median()),
            strings::maybe_duration(total.first_reply_median_secs),
        ),
        (
            "kpi-first-reply-p90",
            format!("{} ({})", strings::first_reply(), strings::p90()),
            strings::maybe_duration(total.first_reply_p90_secs),
        ),
        (
            "kpi-queue",
            format!("{} ({})", strings::time_in_queue(), strings::median()),
            strings::maybe_duration(total.queue_median_secs),
        ),
        (
            "kpi-missed",
            strings::missed().to_owned(),
            total.missed.to_string(),
        ),
        (
            "kpi-unanswered",
            strings::unanswered_now().to_owned(),
            dashboard.unanswered_now.to_string(),
        ),
        (
            "kpi-satisfaction",
            strings::satisfaction().to_owned(),
            strings::share(total.rated_good, total.rated),
        ),
        (
            "kpi-instant-answers",
            strings::instant_answers().to_owned(),
            strings::share(total.instant_answers_helped, total.instant_answers),
        ),
    ];
    let key_figures = key_figures
        .into_iter()
        .map(|(class, label, value)| {
            view! {
                <div class=format!("kpi {class}")>
                    <dt class="kpi-label">{label}</dt>
                    <dd class="kpi-value">{value}</dd>
                </div>
            }
        })
        .collect_view();

    let day_rows = dashboard
        .days
        .iter()
        .rev()
        .map(|day| row(day.date.clone(), &day.numbers))
        .collect_view();
    let agent_rows = dashboard
        .agents
        .iter()
        .map(|agent| row(agent.name.clone(), &agent.numbers))
        .collect_view();

    view! {
        <dl class="kpis">{key_figures}</dl>
        {chart(&dashboard.days)}
        <h3>{strings::per_day()}</h3>
        {table(strings::date(), "dashboard-days", day_rows)}
        <h3>{strings::per_agent()}</h3>
        {table(strings::agent(), "dashboard-agents", agent_rows)}
    }
}

/// Bars of conversations per day, the part answered on target darker. Decorative for screen
/// readers beyond its label: the per-day table says the same exactly.
fn chart(days: &[DayNumbers]) -> impl IntoView + use<> {
    let most = days
        .iter()
        .map(|d| d.numbers.conversations)
        .max()
        .unwrap_or(0)
        .max(1);
    let slot = CHART_WIDTH / days.len().max(1) as f64;
    let bar_width = (slot * 0.7).max(1.0);
    let height = |count: u32| f64::from(count) / f64::from(most) * (CHART_HEIGHT - 4.0);
    let bars = days
        .iter()
        .enumerate()
        .map(|(index, day)| {
            let x = index as f64 * slot + (slot - bar_width) / 2.0;
            let all = height(day.numbers.conversations);
            let good = height(day.numbers.answered_within_target);
            let tip = strings::day_bar(
                &day.date,
                day.numbers.conversations,
                day.numbers.answered_within_target,
            );
            view! {
                <g class="chart-day">
                    <title>{tip}</title>
                    <rect class="chart-bar" x=x y=CHART_HEIGHT - all width=bar_width height=all></rect>
                    <rect class="chart-bar-good" x=x y=CHART_HEIGHT - good width=bar_width height=good></rect>
                </g>
            }
        })
        .collect_view();
    let (first, last) = (
        days.first().map(|d| d.date.clone()),
        days.last().map(|d| d.date.clone()),
    );
    view! {
        <svg
            class="dashboard-chart"
            viewBox=format!("0 0 {CHART_WIDTH} {CHART_HEIGHT}")
            preserveAspectRatio="none"
            role="img"
            aria-label=strings::chart_label()
        >
            {bars}
        </svg>
        <div class="chart-axis" aria-hidden="true">
            <span>{first}</span>
            <span>{last}</span>
        </div>
    }
}

fn table(first: &'static str, class: &'static str, rows: impl IntoView) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class=format!("dashboard-table {class}")>
                <thead>
                    <tr>
                        <th scope="col">{first}</th>
                        <th scope="col">{strings::conversations()}</th>
                        <th scope="col">{strings::answered()}</th>
                        <th scope="col">{strings::on_target()}</th>
                        <th scope="col">{strings::by_email_on_target()}</th>
                        <th scope="col">{strings::missed()}</th>
                        <th scope="col">{format!("{} ({})", strings::first_reply(), strings::median())}</th>
                        <th scope="col">{format!("{} ({})", strings::first_reply(), strings::p90())}</th>
                        <th scope="col">{format!("{} ({})", strings::time_in_queue(), strings::median())}</th>
                        <th scope="col">{strings::satisfaction()}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

fn row(name: String, n: &Numbers) -> impl IntoView + use<> {
    view! {
        <tr>
            <th scope="row">{name}</th>
            <td>{n.conversations}</td>
            <td>{n.answered}</td>
            <td>{strings::share(n.answered_within_target, n.conversations)}</td>
            <td>{strings::share(n.answered_by_email_within_target, n.answered_by_email)}</td>
            <td>{n.missed}</td>
            <td>{strings::maybe_duration(n.first_reply_median_secs)}</td>
            <td>{strings::maybe_duration(n.first_reply_p90_secs)}</td>
            <td>{strings::maybe_duration(n.queue_median_secs)}</td>
            <td>{strings::share(n.rated_good, n.rated)}</td>
        </tr>
    }
}
