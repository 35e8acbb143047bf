//! The event editor: every field of an event, for a new one or an existing one. Dates are read as
//! people write them; the end moves with the start; a zone is found by city or country. On saving,
//! every problem shows at once under its field (core's own rules, run here), each clears as it is
//! fixed, and focus goes to the first; nothing is saved until they are all fixed.

use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use rally_core::model::{
    Category, ErrorBody, ErrorCode, EventInput, EventStatus, Frequency, ImageChange, JoinMode, MonthlyBy, RepeatRule,
    Visibility,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::read_picked_file;
use crate::api;
use crate::components::{category_label, problem_for, CheckField, DateTimeField, Field, SelectField};
use crate::format;
use crate::state::{Action, AppContext, Route};

/// The form: an [`EventInput`] plus the fields typed as text before they become numbers or lists.
#[derive(Clone, PartialEq, Default)]
struct Form {
    input: EventInput,
    latitude: String,
    longitude: String,
    capacity: String,
    tags: String,
    /// The repeat rule's parts as typed; `repeat_end` is "never", "until" or "count".
    repeat_every: String,
    repeat_end: String,
    repeat_until: String,
    repeat_count: String,
    /// The start as last read in full: the end keeps its distance from it when the start moves.
    last_start: Option<rally_core::lenient::Written>,
    /// A map link or coordinates as pasted; read, it fills latitude and longitude.
    map_paste: String,
}

impl Form {
    fn from_input(input: EventInput) -> Form {
        let rule = input.repeat.as_ref();
        Form {
            latitude: input.latitude.map(|v| v.to_string()).unwrap_or_default(),
            longitude: input.longitude.map(|v| v.to_string()).unwrap_or_default(),
            capacity: input.capacity.map(|v| v.to_string()).unwrap_or_default(),
            tags: input.tags.join(", "),
            repeat_every: rule.map_or("1".into(), |r| r.interval.to_string()),
            repeat_end: match rule {
                Some(r) if r.until.is_some() => "until".into(),
                Some(r) if r.count.is_some() => "count".into(),
                _ => "never".into(),
            },
            repeat_until: rule.and_then(|r| r.until).map(|d| d.to_string()).unwrap_or_default(),
            repeat_count: rule.and_then(|r| r.count).map(|c| c.to_string()).unwrap_or_default(),
            last_start: crate::format::read_date(&input.start),
            map_paste: String::new(),
            input,
        }
    }

    /// The first day as typed, when it reads as one (for the labels of the repeat choices).
    fn first_day(&self) -> Option<NaiveDate> {
        crate::format::read_date(&self.input.start).map(|w| w.date)
    }

    /// A new start; the end moves with it, keeping the event's length, as calendars do. Half-typed
    /// text ("2/12/2026 1") moves nothing: only a start read in full does.
    fn set_start(&mut self, text: String) {
        use crate::format::read_date as read;
        use rally_core::lenient::Written;
        let all_day = self.input.all_day;
        let complete = |w: &Written| all_day || w.time.is_some();
        if let Some(new) = read(&text).filter(complete) {
            let at = |w: Written| w.date.and_time(w.time.unwrap_or(chrono::NaiveTime::MIN));
            if let (Some(old), Some(end)) = (self.last_start, read(&self.input.end).filter(complete)) {
                let length = at(end) - at(old);
                if let Some(moved) = at(new).checked_add_signed(length).filter(|_| length >= Duration::zero()) {
                    self.input.end = Written { date: moved.date(), time: (!all_day).then(|| moved.time()) }.canonical();
                }
            }
            self.last_start = Some(new);
        }
        self.input.start = text;
    }

    fn set_frequency(&mut self, value: &str) {
        let frequency = match value {
            "daily" => Frequency::Daily,
            "weekly" => Frequency::Weekly,
            "monthly" => Frequency::Monthly,
            "yearly" => Frequency::Yearly,
            _ => {
                self.input.repeat = None;
                return;
            }
        };
        let weekdays = match (frequency, self.first_day()) {
            (Frequency::Weekly, Some(day)) => vec![day.weekday()],
            _ => vec![],
        };
        self.input.repeat =
            Some(RepeatRule { frequency, interval: 1, weekdays, monthly: MonthlyBy::Date, until: None, count: None });
    }

    fn toggle_day(&mut self, day: Weekday, on: bool) {
        if let Some(rule) = &mut self.input.repeat {
            rule.weekdays.retain(|d| *d != day);
            if on {
                rule.weekdays.push(day);
            }
        }
    }

    /// A new event: a draft, tomorrow evening, in the viewer's zone.
    fn new_event(organizer_id: String, group_id: Option<String>) -> Form {
        let tz = format::viewer_zone();
        let day = (Utc::now().with_timezone(&tz) + Duration::days(1)).date_naive();
        Form::from_input(EventInput {
            organizer_id,
            group_id: group_id.unwrap_or_default(),
            start: format!("{} 18:00", day.format("%Y-%m-%d")),
            end: format!("{} 20:00", day.format("%Y-%m-%d")),
            timezone: tz.name().to_string(),
            draft: true,
            ..EventInput::default()
        })
    }

    /// The input to send: dates in the form core reads, text made numbers and lists. Texts that are
    /// not numbers are problems of their own.
    fn to_input(&self) -> (EventInput, Vec<ErrorBody>) {
        let mut problems = Vec::new();
        let mut input = self.input.clone();
        for text in [&mut input.start, &mut input.end] {
            if let Some(w) = crate::format::read_date(text) {
                let w = if input.all_day { rally_core::lenient::Written { time: None, ..w } } else { w };
                *text = w.canonical();
            }
        }
        let mut number = |field: &str, text: &str| -> Option<f64> {
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            let parsed = text.replace(',', ".").parse().ok();
            if parsed.is_none() {
                problems.push(ErrorBody {
                    code: ErrorCode::Invalid,
                    message: format!("\"{text}\" is not a number"),
                    field: Some(field.into()),
                });
            }
            parsed
        };
        input.latitude = number("latitude", &self.latitude);
        input.longitude = number("longitude", &self.longitude);
        let whole =
            |v: Option<f64>| v.filter(|v| v.fract() == 0.0 && *v >= 0.0 && *v <= f64::from(u32::MAX)).map(|v| v as u32);
        input.capacity = whole(number("capacity", &self.capacity));
        if let Some(rule) = &mut input.repeat {
            rule.interval = whole(number("repeat_interval", &self.repeat_every)).unwrap_or(1);
            (rule.until, rule.count) = (None, None);
            match self.repeat_end.as_str() {
                "until" => match crate::format::read_date(&self.repeat_until) {
                    Some(w) => rule.until = Some(w.date),
                    None => problems.push(ErrorBody {
                        code: ErrorCode::Invalid,
                        message: format!("\"{}\" is not a day Rally can read", self.repeat_until.trim()),
                        field: Some("repeat_until".into()),
                    }),
                },
                "count" => rule.count = whole(number("repeat_count", &self.repeat_count)),
                _ => {}
            }
        }
        input.tags = self.tags.split(',').map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect();
        (input, problems)
    }

    /// Every problem of the form, as core's own rules see them, in the form's order.
    fn problems(&self) -> Vec<ErrorBody> {
        let (input, mut problems) = self.to_input();
        for problem in rally_core::validate::event_problems(&input) {
            let body = ErrorBody::from(&problem);
            if !problems.iter().any(|p| p.field == body.field) {
                problems.push(body);
            }
        }
        problems
    }
}

/// The element a problem's field is edited in, to move focus there.
fn element_of(field: &str) -> String {
    match field {
        "organizer_id" => "event-organizer".into(),
        "group_id" => "event-group".into(),
        "repeat_interval" => "event-repeat-every".into(),
        "repeat_weekdays" => "event-repeat-fields".into(),
        "extra_starts" | "occurrence_changes" => "event-start".into(),
        other => format!("event-{}", other.replace('_', "-")),
    }
}

fn focus(id: &str) {
    let id = id.to_string();
    spawn_local(async move {
        // After the errors are drawn.
        gloo_timers::future::TimeoutFuture::new(0).await;
        let element = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(&id));
        if let Some(element) = element.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
            let options = web_sys::ScrollIntoViewOptions::new();
            options.set_block(web_sys::ScrollLogicalPosition::Center);
            element.scroll_into_view_with_scroll_into_view_options(&options);
            let _ = element.focus();
        }
    });
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub id: Option<String>,
    /// A new event of this group (by id).
    #[prop_or_default]
    pub group: Option<String>,
}

#[function_component(EventEditor)]
pub fn event_editor(p: &Props) -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let form =
        use_state(|| p.id.is_none().then(|| Form::new_event(app.current.clone().unwrap_or_default(), p.group.clone())));
    // The groups whose events this account edits: "Organized by: me / one of my groups".
    let groups = use_state(Vec::<(String, String)>::new);
    {
        let groups = groups.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(all) = api::my_groups().await {
                    groups.set(
                        all.into_iter()
                            .filter(|g| g.membership.role().is_some_and(rally_core::model::GroupRole::edits_events))
                            .map(|g| {
                                let name = g.group.map(|d| d.name).unwrap_or(g.membership.name);
                                (g.membership.group_id, format!("{name} (@{})", g.membership.username))
                            })
                            .collect(),
                    );
                }
            });
        });
    }
    // What the relay or the store refused (a missing organizer, an unreadable picture…).
    let error = use_state(|| None::<ErrorBody>);
    // From the first attempt to save on, problems show as they are and clear as they are fixed.
    let checking = use_state(|| false);
    let saving = use_state(|| false);
    // The current picture, or the one just picked, to see before saving.
    let preview = use_state(|| None::<String>);
    let picture_ref = use_node_ref();
    {
        // A new event: the cursor is in its title, so that the keyboard alone makes one.
        let new = p.id.is_none();
        use_effect_with((), move |_| {
            if new {
                focus("event-title");
            }
        });
    }
    {
        let (form, error, preview) = (form.clone(), error.clone(), preview.clone());
        use_effect_with(p.id.clone(), move |id| {
            if let Some(id) = id.clone() {
                spawn_local(async move {
                    match api::get_event(&id).await {
                        Ok(view) => {
                            if view.event.has_picture {
                                preview.set(api::event_picture(&id).await.ok().flatten());
                            }
                            form.set(Some(Form::from_input(EventInput::from_event(&view.event))));
                        }
                        Err(err) => error.set(Some(err)),
                    }
                });
            }
        });
    }
    // The zones the typed text may mean, offered as it is typed ("Par" offers Paris…): looked up
    // again when the zone's text changes, not at each keystroke elsewhere in the form.
    let zones = use_memo((*form).as_ref().map(|f| f.input.timezone.clone()).unwrap_or_default(), |text| {
        rally_core::zone_search::find_zones(text, 12)
    });
    let Some(current) = (*form).clone() else {
        return match &*error {
            Some(err) => html! { <p class="form-error" role="alert">{ err.to_string() }</p> },
            None => html! { <p>{ "Loading…" }</p> },
        };
    };
    let text = |apply: fn(&mut Form, String)| edit(&form, apply);
    let flag = |apply: fn(&mut Form, bool)| edit(&form, apply);
    let save = {
        let (form, error, app, picture_ref) = (form.clone(), error.clone(), app.clone(), picture_ref.clone());
        let (checking, saving) = (checking.clone(), saving.clone());
        let id = p.id.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(current) = (*form).clone() else { return };
            checking.set(true);
            if let Some(first) = current.problems().first() {
                focus(&element_of(first.field.as_deref().unwrap_or("title")));
                return;
            }
            let (error, app, picture_ref, id, saving) =
                (error.clone(), app.clone(), picture_ref.clone(), id.clone(), saving.clone());
            saving.set(true);
            spawn_local(async move {
                let (mut input, _) = current.to_input();
                if let Some(picked) = picture_ref.cast::<HtmlInputElement>() {
                    match read_picked_file(&picked).await {
                        Some(Ok(bytes)) => input.picture = ImageChange::Set(bytes),
                        Some(Err(message)) => {
                            saving.set(false);
                            return error.set(Some(ErrorBody {
                                code: ErrorCode::Invalid,
                                message: format!("The picture could not be read ({message}): choose it again"),
                                field: Some("picture".into()),
                            }));
                        }
                        None => {}
                    }
                }
                let saved = match &id {
                    Some(id) => api::update_event(id, &input).await,
                    None => api::create_event(&input).await,
                };
                saving.set(false);
                match saved {
                    Ok(view) => {
                        app.dispatch(Action::Go(Route::Event(view.event.id.clone())));
                        app.dispatch(Action::Notice(if view.event.details.draft {
                            "Draft saved".into()
                        } else {
                            "Event saved".into()
                        }));
                    }
                    Err(err) => {
                        if let Some(field) = &err.field {
                            focus(&element_of(field));
                        }
                        error.set(Some(err));
                    }
                }
            });
        })
    };
    let cancel = {
        let app = app.clone();
        let id = p.id.clone();
        Callback::from(move |_| {
            app.dispatch(Action::Go(match &id {
                Some(id) => Route::Event(id.clone()),
                None => Route::Calendar(rally_core::calendar::View::Month),
            }))
        })
    };
    let remove_picture = {
        let (form, preview, picture_ref) = (form.clone(), preview.clone(), picture_ref.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(mut next) = (*form).clone() {
                next.input.picture = ImageChange::Remove;
                form.set(Some(next));
            }
            if let Some(input) = picture_ref.cast::<HtmlInputElement>() {
                input.set_value("");
            }
            preview.set(None);
        })
    };
    let on_picked = {
        let (preview, form) = (preview.clone(), form.clone());
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let (preview, form) = (preview.clone(), form.clone());
            if let Some(file) = input.files().and_then(|f| f.get(0)) {
                spawn_local(async move {
                    let file = gloo_file::File::from(file);
                    if let Ok(url) = gloo_file::futures::read_as_data_url(&file).await {
                        preview.set(Some(url));
                    }
                    if let Some(mut next) = (*form).clone() {
                        next.input.picture = ImageChange::Keep;
                        form.set(Some(next));
                    }
                });
            }
        })
    };
    let mut problems: Vec<ErrorBody> = if *checking { current.problems() } else { Vec::new() };
    if let Some(err) = &*error {
        if !problems.iter().any(|p| p.field == err.field) {
            problems.push(err.clone());
        }
    }
    let general: Vec<&ErrorBody> = problems.iter().filter(|e| e.field.is_none()).collect();
    let problems = &problems;
    let i = &current.input;
    let start_hint = if i.all_day {
        "The first and last day, in the event's time zone."
    } else {
        "Local times in the event's time zone. Type them as you write them, or pick them."
    };
    let zone_read = rally_core::when::parse_zone(&i.timezone).ok();
    // The rule in words, as it is built.
    let rule_words = i.repeat.as_ref().and_then(|_| {
        rally_core::validate::event(&current.to_input().0).ok().and_then(|d| rally_core::recurrence::describe(&d))
    });
    let options = |all: &[(&'static str, &'static str)]| -> Vec<(AttrValue, AttrValue)> {
        all.iter().map(|(v, l)| (AttrValue::Static(v), AttrValue::Static(l))).collect()
    };
    let mut organizers: Vec<(AttrValue, AttrValue)> = app
        .identities
        .iter()
        .map(|id| (AttrValue::from(id.id.clone()), AttrValue::from(format!("{} (@{})", id.display_name, id.username))))
        .collect();
    if !app.identities.iter().any(|id| id.id == i.organizer_id) && !i.organizer_id.is_empty() {
        // A group's event another member made: its organizer stays.
        organizers
            .insert(0, (AttrValue::from(i.organizer_id.clone()), AttrValue::Static("Another member of the group")));
    }
    let mut group_options = vec![(AttrValue::Static(""), AttrValue::Static("Just me"))];
    group_options
        .extend(groups.iter().map(|(id, label)| (AttrValue::from(id.clone()), AttrValue::from(label.clone()))));
    let mut categories = vec![(AttrValue::Static(""), AttrValue::Static("(none)"))];
    categories
        .extend(Category::ALL.iter().map(|c| (AttrValue::Static(c.as_str()), AttrValue::from(category_label(*c)))));
    html! {
        <form class="card form editor" id="event-form" onsubmit={save} novalidate=true>
            <h1>{ if p.id.is_some() { "Edit event" } else { "New event" } }</h1>
            if !general.is_empty() { <p class="form-error" id="form-error" role="alert">{ for general.iter().map(|e| e.message.clone()) }</p> }
            if problems.len() > 1 {
                <p class="form-error" id="form-problems" role="alert">{ format!("{} things to fix before saving, each shown under its field.", problems.len()) }</p>
            }
            <SelectField id="event-organizer" label="Organized by" value={i.organizer_id.clone()} options={organizers}
                on_change={text(|f, v| f.input.organizer_id = v)} error={problem_for(problems, "organizer_id")} />
            if !groups.is_empty() || !i.group_id.is_empty() {
                <SelectField id="event-group" label="On the calendar of" value={i.group_id.clone()} options={group_options}
                    on_change={text(|f, v| f.input.group_id = v)} error={problem_for(problems, "group_id")} />
            }
            <Field id="event-title" label="Title" value={i.title.clone()} on_input={text(|f, v| f.input.title = v)} error={problem_for(problems, "title")} />
            <Field id="event-description" label="Description" value={i.description.clone()} multiline=true
                on_input={text(|f, v| f.input.description = v)} error={problem_for(problems, "description")} />
            <fieldset>
                <legend>{ "When" }</legend>
                <CheckField id="event-all-day" label="All day" checked={i.all_day} on_change={flag(|f, v| {
                    f.input.all_day = v;
                    // Keep what was typed, in the form the other kind of input takes.
                    let cut = |s: &str| if v { s.get(..10).unwrap_or(s).to_string() } else if s.len() == 10 { format!("{s} 00:00") } else { s.to_string() };
                    f.input.start = cut(&f.input.start);
                    f.input.end = cut(&f.input.end);
                    f.last_start = crate::format::read_date(&f.input.start);
                })} />
                <div class="row">
                    <DateTimeField id="event-start" label="Starts" all_day={i.all_day} value={i.start.clone()} on_input={text(Form::set_start)} error={problem_for(problems, "start")} />
                    <DateTimeField id="event-end" label={if i.all_day { "Last day" } else { "Ends" }} all_day={i.all_day} value={i.end.clone()} on_input={text(|f, v| f.input.end = v)} error={problem_for(problems, "end")} />
                    <Field id="event-timezone" label="Time zone (city, country or zone)" value={i.timezone.clone()} list="timezones" on_input={text(|f, v| f.input.timezone = v)} error={problem_for(problems, "timezone")}
                        hint={zone_read.filter(|tz| tz.name() != i.timezone.trim()).map(|tz| AttrValue::from(format!("Understood: {}", tz.name())))} />
                </div>
                <small class="hint">{ start_hint }</small>
                <datalist id="timezones">{ for zones.iter().map(|m| html! { <option value={m.zone}>{ m.label.clone() }</option> }) }</datalist>
                { repeat_fields(&form, &current, problems) }
                if let Some(words) = rule_words { <p class="repeat-summary" id="event-repeat-summary" aria-live="polite">{ words }</p> }
            </fieldset>
            <fieldset>
                <legend>{ "Where" }</legend>
                <div class="row">
                    <Field id="event-place-name" label="Place" value={i.place_name.clone()} on_input={text(|f, v| f.input.place_name = v)} error={problem_for(problems, "place_name")} />
                    <Field id="event-address" label="Address" value={i.address.clone()} on_input={text(|f, v| f.input.address = v)} error={problem_for(problems, "address")} />
                </div>
                <Field id="event-map-position" label="Place on the map" value={current.map_paste.clone()}
                    placeholder="Paste an OpenStreetMap or Google Maps link, or 48.8566, 2.3522"
                    on_input={text(|f, v| {
                        if let Some((lat, lon)) = rally_core::lenient::position(&v) {
                            (f.latitude, f.longitude) = (lat.to_string(), lon.to_string());
                        }
                        f.map_paste = v;
                    })}
                    hint={rally_core::lenient::position(&current.map_paste).map(|(lat, lon)| AttrValue::from(format!("Understood: latitude {lat}, longitude {lon}")))} />
                <div class="row">
                    <Field id="event-latitude" label="Latitude" value={current.latitude.clone()} on_input={text(|f, v| f.latitude = v)} error={problem_for(problems, "latitude")} placeholder="48.8566" />
                    <Field id="event-longitude" label="Longitude" value={current.longitude.clone()} on_input={text(|f, v| f.longitude = v)} error={problem_for(problems, "longitude")} placeholder="2.3522" />
                </div>
                <Field id="event-online-url" label="Online link" kind="url" value={i.online_url.clone()} on_input={text(|f, v| f.input.online_url = v)} error={problem_for(problems, "online_url")} placeholder="https://" />
            </fieldset>
            <fieldset>
                <legend>{ "Who and how" }</legend>
                <div class="row">
                    <SelectField id="event-status" label="Status" value={i.status.as_str()} options={options(&[("confirmed", "Confirmed"), ("tentative", "Tentative"), ("cancelled", "Cancelled")])}
                        on_change={text(|f, v| f.input.status = EventStatus::parse(&v).unwrap_or_default())} />
                    <SelectField id="event-visibility" label="Visibility" value={i.visibility.as_str()} options={options(&[("public", "Public"), ("unlisted", "Unlisted (link only)"), ("private", "Private")])}
                        on_change={text(|f, v| f.input.visibility = Visibility::parse(&v).unwrap_or_default())} />
                    <SelectField id="event-join-mode" label="Joining" value={i.join_mode.as_str()} options={options(&[("free", "Anyone may join"), ("approval", "I approve each request"), ("invite", "Invited people only"), ("external", "Registration elsewhere")])}
                        on_change={text(|f, v| f.input.join_mode = JoinMode::parse(&v).unwrap_or_default())} />
                </div>
                if i.join_mode == JoinMode::External {
                    <Field id="event-registration-url" label="Registration link" kind="url" value={i.registration_url.clone()} on_input={text(|f, v| f.input.registration_url = v)} error={problem_for(problems, "registration_url")} placeholder="https://" />
                }
                <div class="row">
                    <Field id="event-capacity" label="Places (empty: no limit)" value={current.capacity.clone()} on_input={text(|f, v| f.capacity = v)} error={problem_for(problems, "capacity")} />
                    <SelectField id="event-category" label="Category" value={i.category.map(|c| c.as_str()).unwrap_or("")} options={categories}
                        on_change={text(|f, v| f.input.category = Category::parse(&v))} />
                </div>
                <CheckField id="event-waiting-list" label="When full, keep a waiting list (else refuse further requests)" checked={i.waiting_list} on_change={flag(|f, v| f.input.waiting_list = v)} />
                <CheckField id="event-anonymous" label="People without an account may take part from the public page (with a confirmed email address)" checked={i.anonymous_participation} on_change={flag(|f, v| f.input.anonymous_participation = v)} />
                <Field id="event-tags" label="Tags" value={current.tags.clone()} on_input={text(|f, v| f.tags = v)} error={problem_for(problems, "tags")} placeholder="repair, bikes" hint={AttrValue::Static("Separated by commas.")} />
            </fieldset>
            <div class={classes!("field", problem_for(problems, "picture").map(|_| "invalid"))}>
                <label for="event-picture">{ "Picture" }</label>
                if let Some(src) = &*preview { <img class="picture-preview" id="event-picture-preview" src={src.clone()} alt="The event's picture" /> }
                <input id="event-picture" type="file" accept="image/png,image/jpeg,image/webp,image/gif" ref={picture_ref} onchange={on_picked} />
                if preview.is_some() {
                    <button type="button" id="event-remove-picture" onclick={remove_picture}>{ "Remove picture" }</button>
                }
                if let Some(message) = problem_for(problems, "picture") { <p class="field-error" id="error-event-picture" role="alert">{ message }</p> }
            </div>
            <CheckField id="event-draft" label="Draft: keep it on my devices, unpublished" checked={i.draft} on_change={flag(|f, v| f.input.draft = v)} />
            <div class="buttons">
                <button type="submit" id="event-save" class="primary" disabled={*saving} aria-busy={saving.to_string()}>
                    { match (*saving, i.draft) { (true, _) => "Saving…", (false, true) => "Save draft", (false, false) => "Save and publish" } }
                </button>
                <button type="button" id="event-cancel" onclick={cancel}>{ "Cancel" }</button>
            </div>
        </form>
    }
}

/// "Repeats": how often, on which days, until when. Occurrences are cancelled or moved one by one
/// from the event's page.
fn repeat_fields(form: &UseStateHandle<Option<Form>>, current: &Form, error: &[ErrorBody]) -> Html {
    let options = |all: &[(&'static str, String)]| -> Vec<(AttrValue, AttrValue)> {
        all.iter().map(|(v, l)| (AttrValue::Static(v), AttrValue::from(l.clone()))).collect()
    };
    let rule = current.input.repeat.as_ref();
    let frequency = match rule.map(|r| r.frequency) {
        None => "never",
        Some(Frequency::Daily) => "daily",
        Some(Frequency::Weekly) => "weekly",
        Some(Frequency::Monthly) => "monthly",
        Some(Frequency::Yearly) => "yearly",
    };
    let frequencies = options(&[
        ("never", "Does not repeat".into()),
        ("daily", "Every day".into()),
        ("weekly", "Every week".into()),
        ("monthly", "Every month".into()),
        ("yearly", "Every year".into()),
    ]);
    let select = edit(form, |f: &mut Form, v: String| f.set_frequency(&v));
    let Some(rule) = rule else {
        return html! { <SelectField id="event-repeat" label="Repeats" value={frequency} options={frequencies} on_change={select} /> };
    };
    let unit = match rule.frequency {
        Frequency::Daily => "days",
        Frequency::Weekly => "weeks",
        Frequency::Monthly => "months",
        Frequency::Yearly => "years",
    };
    let day = current.first_day();
    let weekday = day.map(|d| rally_core::recurrence::weekday_name(d.weekday())).unwrap_or("weekday");
    let nth = day.map(rally_core::recurrence::nth_of_month).unwrap_or(1);
    let mut monthly = vec![
        ("date", format!("On day {}", day.map(|d| d.day()).unwrap_or(1))),
        ("weekday", format!("On the {} {weekday}", rally_core::recurrence::ordinal(nth))),
    ];
    if day.is_some_and(rally_core::recurrence::is_last_of_month) {
        monthly.push(("last", format!("On the last {weekday}")));
    }
    let monthly_value = match rule.monthly {
        MonthlyBy::Date => "date",
        MonthlyBy::Weekday { nth } if nth < 0 => "last",
        MonthlyBy::Weekday { .. } => "weekday",
    };
    let on_monthly = edit(form, |f: &mut Form, v: String| {
        let nth = if v == "last" { -1 } else { f.first_day().map(rally_core::recurrence::nth_of_month).unwrap_or(1) };
        if let Some(rule) = &mut f.input.repeat {
            rule.monthly = if v == "date" { MonthlyBy::Date } else { MonthlyBy::Weekday { nth } };
        }
    });
    let days = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];
    html! {
        <div class="repeat" id="event-repeat-fields">
            <div class="row">
                <SelectField id="event-repeat" label="Repeats" value={frequency} options={frequencies} on_change={select} />
                <Field id="event-repeat-every" label={format!("Every how many {unit}")} value={current.repeat_every.clone()}
                    on_input={edit(form, |f: &mut Form, v: String| f.repeat_every = v)} error={problem_for(error, "repeat_interval")} />
                <SelectField id="event-repeat-ends" label="Ends" value={AttrValue::from(current.repeat_end.clone())}
                    options={options(&[("never", "Never".into()), ("until", "On a day".into()), ("count", "After a number of times".into())])}
                    on_change={edit(form, |f: &mut Form, v: String| f.repeat_end = v)} />
                if current.repeat_end == "until" {
                    <Field id="event-repeat-until" label="Last day" placeholder="30/06/2027" value={current.repeat_until.clone()}
                        on_input={edit(form, |f: &mut Form, v: String| f.repeat_until = v)} error={problem_for(error, "repeat_until")} />
                }
                if current.repeat_end == "count" {
                    <Field id="event-repeat-count" label="How many times" value={current.repeat_count.clone()}
                        on_input={edit(form, |f: &mut Form, v: String| f.repeat_count = v)} error={problem_for(error, "repeat_count")} />
                }
            </div>
            if rule.frequency == Frequency::Weekly {
                <div class={classes!("weekdays", problem_for(error, "repeat_weekdays").map(|_| "invalid"))} role="group" aria-label="On">
                    { for days.into_iter().map(|d| {
                        let id = format!("event-repeat-{}", d.to_string().to_lowercase());
                        let on_change = edit(form, move |f: &mut Form, on: bool| f.toggle_day(d, on));
                        html! { <CheckField id={id} label={d.to_string()} checked={rule.weekdays.contains(&d)} {on_change} /> }
                    }) }
                    if let Some(message) = problem_for(error, "repeat_weekdays") { <p class="field-error" id="error-event-repeat-weekdays" role="alert">{ message }</p> }
                </div>
            }
            if rule.frequency == Frequency::Monthly {
                <SelectField id="event-repeat-monthly" label="Which day" value={monthly_value} options={options(&monthly)}
                    on_change={on_monthly} error={problem_for(error, "repeat_monthly")} />
            }
        </div>
    }
}

/// A callback that applies one change to the form.
fn edit<T: 'static>(form: &UseStateHandle<Option<Form>>, apply: impl Fn(&mut Form, T) + 'static) -> Callback<T> {
    let form = form.clone();
    Callback::from(move |value: T| {
        if let Some(mut next) = (*form).clone() {
            apply(&mut next, value);
            form.set(Some(next));
        }
    })
}
