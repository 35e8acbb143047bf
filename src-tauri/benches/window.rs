//! The desktop app's speed through its real window, release build, under Xvfb, driven by WebDriver:
//! the binary's size, cold start to a drawn window, and the month view drawn with 2,000 events
//! (repeating ones included) beside the same view empty. Run with
//! `cargo bench -p rally-desktop --features custom-protocol --bench window`; the figures go to
//! docs/BENCHMARKS.md.

#[allow(dead_code)]
#[path = "../tests/window/harness.rs"]
mod harness;

use std::time::{Duration, Instant};

use rally_core::model::{EventInput, Frequency, IdentityInput, MonthlyBy, RepeatRule};
use rally_core::profile::Profile;
use serde_json::json;

use harness::Desktop;

/// Ana's year 2031: `single` one-off events (five a day, spread over the year) and `repeating`
/// weekly series running all year.
fn seed(dir: &std::path::Path, single: usize, repeating: usize) {
    let mut p = Profile::open(dir).expect("profile");
    let ana = p.create_identity(IdentityInput { username: "ana".into(), ..Default::default() }).expect("identity").id;
    let first = chrono::NaiveDate::from_ymd_opt(2031, 1, 1).expect("day");
    for n in 0..single {
        let day = first + chrono::Days::new((n / 5) as u64 % 365);
        let hour = 9 + (n % 5) * 2;
        p.create_event(EventInput {
            organizer_id: ana.clone(),
            title: format!("Atelier {n}"),
            start: format!("{day} {hour:02}:00"),
            end: format!("{day} {:02}:30", hour + 1),
            timezone: "Europe/Paris".into(),
            ..Default::default()
        })
        .expect("event");
    }
    for n in 0..repeating {
        let day = first + chrono::Days::new((n % 7) as u64);
        let rule = RepeatRule {
            frequency: Frequency::Weekly,
            interval: 1,
            weekdays: vec![],
            monthly: MonthlyBy::Date,
            until: None,
            count: Some(52),
        };
        p.create_event(EventInput {
            organizer_id: ana.clone(),
            title: format!("Chorale {n}"),
            start: format!("{day} 19:00"),
            end: format!("{day} 21:00"),
            timezone: "Europe/Paris".into(),
            repeat: Some(rule),
            ..Default::default()
        })
        .expect("series");
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

/// Drops the kernel's page cache (as root), so that a start reads the binary and its libraries from disk.
fn drop_caches() -> bool {
    std::process::Command::new("sync").status().is_ok_and(|s| s.success())
        && std::fs::write("/proc/sys/vm/drop_caches", "3").is_ok()
}

/// Milliseconds from a click on "next month" to the next frame after the new month is in the page.
const NEXT_MONTH: &str = "const done = arguments[arguments.length - 1];
const want = arguments[0];
const t0 = performance.now();
document.querySelector('#cal-next').click();
const check = () => document.querySelector(`#month-view[data-month=\"${want}\"]`)
    ? requestAnimationFrame(() => done([performance.now() - t0, document.querySelectorAll('#month-view .chip').length]))
    : requestAnimationFrame(check);
requestAnimationFrame(check);";

async fn month_renders(app: &harness::App, months: &[&str]) -> (Vec<f64>, usize) {
    let (mut times, mut chips) = (Vec::new(), 0);
    for month in months {
        let found = app.client.execute_async(NEXT_MONTH, vec![json!(month)]).await.expect("render");
        times.push(found[0].as_f64().expect("ms"));
        chips = chips.max(found[1].as_u64().unwrap_or(0) as usize);
    }
    (times, chips)
}

async fn open_month(app: &harness::App, day: &str) {
    app.click("#nav-events").await;
    app.fill("#cal-jump", day).await;
    app.keys("#cal-jump", "\u{E007}").await;
    app.wait(&format!("#month-view[data-month=\"{}\"]", &day[..7])).await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let bin = env!("CARGO_BIN_EXE_rally-desktop");
    let size = std::fs::metadata(bin).expect("the app binary").len();
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    let stripped = std::env::temp_dir().join("rally-desktop-stripped");
    let stripped_size = std::process::Command::new("strip")
        .arg("-o")
        .arg(&stripped)
        .arg(bin)
        .status()
        .ok()
        .filter(|s| s.success())
        .and_then(|_| std::fs::metadata(&stripped).ok())
        .map(|m| m.len());
    println!(
        "binary: {bin}: {:.1} MiB{}",
        mib(size),
        stripped_size.map(|s| format!(", {:.1} MiB stripped of symbols", mib(s))).unwrap_or_default()
    );
    let desktop = Desktop::start();
    let data = tempfile::tempdir().expect("tempdir");

    // Cold start: the first after dropping the page cache, then warm starts; each on an empty profile.
    let mut starts = Vec::new();
    let cold = drop_caches();
    for n in 0..6 {
        let dir = data.path().join(format!("start-{n}"));
        let began = Instant::now();
        let app = desktop.launch(&dir).await;
        starts.push(began.elapsed().as_secs_f64() * 1000.0);
        app.quit().await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    println!(
        "start to a drawn window (process start, WebDriver session, header drawn): first {:.0} ms{}, then median of 5 {:.0} ms",
        starts[0],
        if cold { " (page cache dropped)" } else { " (page cache NOT dropped: not root?)" },
        median(starts[1..].to_vec())
    );

    // The month view: the same months empty, then with 2,000 events.
    let months = ["2031-04", "2031-05", "2031-06", "2031-07", "2031-08", "2031-09", "2031-10", "2031-11"];
    let empty_dir = data.path().join("empty");
    Profile::open(&empty_dir)
        .expect("profile")
        .create_identity(IdentityInput { username: "ana".into(), ..Default::default() })
        .expect("identity");
    let app = desktop.launch(&empty_dir).await;
    open_month(&app, "2031-03-01").await;
    let (empty, _) = month_renders(&app, &months).await;
    app.quit().await;

    let full_dir = data.path().join("full");
    let seeding = Instant::now();
    seed(&full_dir, 1800, 200);
    println!("seeded 1,800 single events and 200 weekly series in {:.1} s", seeding.elapsed().as_secs_f64());
    let app = desktop.launch(&full_dir).await;
    open_month(&app, "2031-03-01").await;
    let (full, chips) = month_renders(&app, &months).await;
    app.quit().await;
    // How many occurrences each month's view is given (its whole weeks), as the app asks for them.
    let profile = Profile::open(&full_dir).expect("profile");
    let mut entries = 0;
    for month in months {
        let first = chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").expect("month");
        let (from, to) =
            rally_core::calendar::shown_days(rally_core::calendar::View::Month, first, chrono::Weekday::Mon);
        let at = |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
        let found = profile.calendar(Some(at(from)), Some(at(to + chrono::Days::new(1)))).expect("calendar");
        entries = entries.max(found.len());
    }
    let (e, f) = (median(empty), median(full));
    println!(
        "month view, click to drawn (median of {} months): empty {e:.0} ms, with 2,000 events {f:.0} ms \
         (up to {entries} occurrences in a month's view, {chips} drawn at 4 a day), ratio {:.1}x",
        months.len(),
        f / e
    );
}
