//! The event editor: every field of an event, for a new one or an existing one. Errors from core come
//! back with the field they concern and show right under it; nothing is saved until they are fixed.

use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use rally_core::model::{
    Category, ErrorBody, ErrorCode, EventInput, EventStatus, Frequency, ImageChange, JoinMode, MonthlyBy, RepeatRule,
    Visibility,
};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::read_picked_file;
use crate::api;
use crate::components::{error_for, CheckField, Field, SelectField};
use crate::format;
use crate::state::{Action, AppContext, Route, Tab};

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
            input,
        }
    }

    /// The first day as typed, when it reads as one (for the labels of the repeat choices).
    fn first_day(&self) -> Option<NaiveDate> {
        self.input.start.get(..10).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
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
    fn new_event(organizer_id: String) -> Form {
        let tz = format::viewer_zone();
        let day = (Utc::now().with_timezone(&tz) + Duration::days(1)).date_naive();
        Form::from_input(EventInput {
            organizer_id,
            start: format!("{} 18:00", day.format("%Y-%m-%d")),
            end: format!("{} 20:00", day.format("%Y-%m-%d")),
            timezone: tz.name().to_string(),
            draft: true,
            ..EventInput::default()
        })
    }

    /// The input to send, or the field whose text is not a number.
    fn to_input(&self) -> Result<EventInput, ErrorBody> {
        fn number<T: std::str::FromStr>(field: &str, text: &str) -> Result<Option<T>, ErrorBody> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            text.parse().map(Some).map_err(|_| ErrorBody {
                code: ErrorCode::Invalid,
                message: format!("\"{text}\" is not a number"),
                field: Some(field.into()),
            })
        }
        let mut input = self.input.clone();
        if let Some(rule) = &mut input.repeat {
            rule.interval = number("repeat_interval", &self.repeat_every)?.unwrap_or(1);
            (rule.until, rule.count) = (None, None);
            match self.repeat_end.as_str() {
                "until" => {
                    let day =
                        NaiveDate::parse_from_str(self.repeat_until.trim(), "%Y-%m-%d").map_err(|_| ErrorBody {
                            code: ErrorCode::Invalid,
                            message: format!("\"{}\" is not a day (YYYY-MM-DD)", self.repeat_until.trim()),
                            field: Some("repeat_until".into()),
                        })?;
                    rule.until = Some(day);
                }
                "count" => rule.count = number("repeat_count", &self.repeat_count)?,
                _ => {}
            }
        }
        input.latitude = number("latitude", &self.latitude)?;
        input.longitude = number("longitude", &self.longitude)?;
        input.capacity = number("capacity", &self.capacity)?;
        input.tags = self.tags.split(',').map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect();
        Ok(input)
    }
}

const FIELDS: &[&str] = &[
    "organizer_id",
    "title",
    "description",
    "start",
    "end",
    "timezone",
    "place_name",
    "address",
    "latitude",
    "longitude",
    "online_url",
    "registration_url",
    "capacity",
    "tags",
    "picture",
    "repeat_interval",
    "repeat_weekdays",
    "repeat_monthly",
    "repeat_until",
    "repeat_count",
];

#[derive(Properties, PartialEq)]
pub struct Props {
    pub id: Option<String>,
}

#[function_component(EventEditor)]
pub fn event_editor(p: &Props) -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let form = use_state(|| p.id.is_none().then(|| Form::new_event(app.current.clone().unwrap_or_default())));
    let error = use_state(|| None::<ErrorBody>);
    let has_picture = use_state(|| false);
    let picture_ref = use_node_ref();
    {
        let (form, error, has_picture) = (form.clone(), error.clone(), has_picture.clone());
        use_effect_with(p.id.clone(), move |id| {
            if let Some(id) = id.clone() {
                spawn_local(async move {
                    match api::get_event(&id).await {
                        Ok(view) => {
                            has_picture.set(view.event.has_picture);
                            form.set(Some(Form::from_input(EventInput::from_event(&view.event))));
                        }
                        Err(err) => error.set(Some(err)),
                    }
                });
            }
        });
    }
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
        let id = p.id.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(current) = (*form).clone() else { return };
            let (error, app, picture_ref, id) = (error.clone(), app.clone(), picture_ref.clone(), id.clone());
            spawn_local(async move {
                let mut input = match current.to_input() {
                    Ok(input) => input,
                    Err(err) => return error.set(Some(err)),
                };
                if let Some(picked) = picture_ref.cast::<HtmlInputElement>() {
                    match read_picked_file(&picked).await {
                        Some(Ok(bytes)) => input.picture = ImageChange::Set(bytes),
                        Some(Err(message)) => {
                            return error.set(Some(ErrorBody {
                                code: ErrorCode::Invalid,
                                message,
                                field: Some("picture".into()),
                            }))
                        }
                        None => {}
                    }
                }
                let saved = match &id {
                    Some(id) => api::update_event(id, &input).await,
                    None => api::create_event(&input).await,
                };
                match saved {
                    Ok(view) => {
                        app.dispatch(Action::Go(Route::Event(view.event.id.clone())));
                        app.dispatch(Action::Notice(if view.event.details.draft {
                            "Draft saved".into()
                        } else {
                            "Event saved".into()
                        }));
                    }
                    Err(err) => error.set(Some(err)),
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
                None => Route::Events(Tab::Upcoming),
            }))
        })
    };
    let remove_picture = edit(&form, |f, _: MouseEvent| f.input.picture = ImageChange::Remove);
    let general = (*error).clone().filter(|e| !e.field.as_deref().is_some_and(|f| FIELDS.contains(&f)));
    let i = &current.input;
    // Text fields, not datetime-local: the same on every WebKit, and quick to type. Core reads both
    // "2031-05-10 14:00" and RFC 3339, and names the field when it cannot.
    let (placeholder, start_hint) = if i.all_day {
        ("YYYY-MM-DD", "The first and last day, in the event's time zone.")
    } else {
        ("YYYY-MM-DD HH:MM", "Local times in the event's time zone.")
    };
    let options = |all: &[(&'static str, &'static str)]| -> Vec<(AttrValue, AttrValue)> {
        all.iter().map(|(v, l)| (AttrValue::Static(v), AttrValue::Static(l))).collect()
    };
    let organizers: Vec<(AttrValue, AttrValue)> = app
        .identities
        .iter()
        .map(|id| (AttrValue::from(id.id.clone()), AttrValue::from(format!("{} (@{})", id.display_name, id.username))))
        .collect();
    let mut categories = vec![(AttrValue::Static(""), AttrValue::Static("(none)"))];
    categories
        .extend(Category::ALL.iter().map(|c| (AttrValue::Static(c.as_str()), AttrValue::from(category_label(*c)))));
    html! {
        <form class="card form editor" id="event-form" onsubmit={save}>
            <h1>{ if p.id.is_some() { "Edit event" } else { "New event" } }</h1>
            if let Some(err) = general { <p class="form-error" id="form-error" role="alert">{ err.to_string() }</p> }
            <SelectField id="event-organizer" label="Organized by" value={i.organizer_id.clone()} options={organizers}
                on_change={text(|f, v| f.input.organizer_id = v)} error={error_for(&error, "organizer_id")} />
            <Field id="event-title" label="Title" value={i.title.clone()} on_input={text(|f, v| f.input.title = v)} error={error_for(&error, "title")} />
            <Field id="event-description" label="Description" value={i.description.clone()} multiline=true
                on_input={text(|f, v| f.input.description = v)} error={error_for(&error, "description")} />
            <fieldset>
                <legend>{ "When" }</legend>
                <CheckField id="event-all-day" label="All day" checked={i.all_day} on_change={flag(|f, v| {
                    f.input.all_day = v;
                    // Keep what was typed, in the form the other kind of input takes.
                    let cut = |s: &str| if v { s.get(..10).unwrap_or(s).to_string() } else if s.len() == 10 { format!("{s} 00:00") } else { s.to_string() };
                    f.input.start = cut(&f.input.start);
                    f.input.end = cut(&f.input.end);
                })} />
                <div class="row">
                    <Field id="event-start" label="Starts" {placeholder} value={i.start.clone()} on_input={text(|f, v| f.input.start = v)} error={error_for(&error, "start")} />
                    <Field id="event-end" label={if i.all_day { "Last day" } else { "Ends" }} {placeholder} value={i.end.clone()} on_input={text(|f, v| f.input.end = v)} error={error_for(&error, "end")} />
                    <Field id="event-timezone" label="Time zone" value={i.timezone.clone()} list="timezones" on_input={text(|f, v| f.input.timezone = v)} error={error_for(&error, "timezone")} />
                </div>
                <small class="hint">{ start_hint }</small>
                <datalist id="timezones">{ for chrono_tz::TZ_VARIANTS.iter().map(|tz| html! { <option value={tz.name()} /> }) }</datalist>
                { repeat_fields(&form, &current, &error) }
            </fieldset>
            <fieldset>
                <legend>{ "Where" }</legend>
                <div class="row">
                    <Field id="event-place-name" label="Place" value={i.place_name.clone()} on_input={text(|f, v| f.input.place_name = v)} error={error_for(&error, "place_name")} />
                    <Field id="event-address" label="Address" value={i.address.clone()} on_input={text(|f, v| f.input.address = v)} error={error_for(&error, "address")} />
                </div>
                <div class="row">
                    <Field id="event-latitude" label="Latitude" value={current.latitude.clone()} on_input={text(|f, v| f.latitude = v)} error={error_for(&error, "latitude")} placeholder="48.8566" />
                    <Field id="event-longitude" label="Longitude" value={current.longitude.clone()} on_input={text(|f, v| f.longitude = v)} error={error_for(&error, "longitude")} placeholder="2.3522" />
                </div>
                <Field id="event-online-url" label="Online link" kind="url" value={i.online_url.clone()} on_input={text(|f, v| f.input.online_url = v)} error={error_for(&error, "online_url")} placeholder="https://" />
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
                    <Field id="event-registration-url" label="Registration link" kind="url" value={i.registration_url.clone()} on_input={text(|f, v| f.input.registration_url = v)} error={error_for(&error, "registration_url")} placeholder="https://" />
                }
                <div class="row">
                    <Field id="event-capacity" label="Places (empty: no limit)" value={current.capacity.clone()} on_input={text(|f, v| f.capacity = v)} error={error_for(&error, "capacity")} />
                    <SelectField id="event-category" label="Category" value={i.category.map(|c| c.as_str()).unwrap_or("")} options={categories}
                        on_change={text(|f, v| f.input.category = Category::parse(&v))} />
                </div>
                <CheckField id="event-waiting-list" label="When full, keep a waiting list (else refuse further requests)" checked={i.waiting_list} on_change={flag(|f, v| f.input.waiting_list = v)} />
                <CheckField id="event-anonymous" label="People without an account may take part from the public page (with a confirmed email address)" checked={i.anonymous_participation} on_change={flag(|f, v| f.input.anonymous_participation = v)} />
                <Field id="event-tags" label="Tags" value={current.tags.clone()} on_input={text(|f, v| f.tags = v)} error={error_for(&error, "tags")} placeholder="repair, bikes" hint={AttrValue::Static("Separated by commas.")} />
            </fieldset>
            <div class={classes!("field", error_for(&error, "picture").map(|_| "invalid"))}>
                <label for="event-picture">{ "Picture" }</label>
                <input id="event-picture" type="file" accept="image/png,image/jpeg,image/webp,image/gif" ref={picture_ref} />
                if *has_picture && i.picture != ImageChange::Remove {
                    <button type="button" id="event-remove-picture" onclick={remove_picture}>{ "Remove picture" }</button>
                }
                if let Some(message) = error_for(&error, "picture") { <p class="field-error" id="error-event-picture" role="alert">{ message }</p> }
            </div>
            <CheckField id="event-draft" label="Draft: keep it on my devices, unpublished" checked={i.draft} on_change={flag(|f, v| f.input.draft = v)} />
            <div class="buttons">
                <button type="submit" id="event-save" class="primary">{ if i.draft { "Save draft" } else { "Save and publish" } }</button>
                <button type="button" id="event-cancel" onclick={cancel}>{ "Cancel" }</button>
            </div>
        </form>
    }
}

/// "Repeats": how often, on which days, until when. Occurrences are cancelled or moved one by one
/// from the event's page.
fn repeat_fields(form: &UseStateHandle<Option<Form>>, current: &Form, error: &Option<ErrorBody>) -> Html {
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
                    on_input={edit(form, |f: &mut Form, v: String| f.repeat_every = v)} error={error_for(error, "repeat_interval")} />
                <SelectField id="event-repeat-ends" label="Ends" value={AttrValue::from(current.repeat_end.clone())}
                    options={options(&[("never", "Never".into()), ("until", "On a day".into()), ("count", "After a number of times".into())])}
                    on_change={edit(form, |f: &mut Form, v: String| f.repeat_end = v)} />
                if current.repeat_end == "until" {
                    <Field id="event-repeat-until" label="Last day" placeholder="YYYY-MM-DD" value={current.repeat_until.clone()}
                        on_input={edit(form, |f: &mut Form, v: String| f.repeat_until = v)} error={error_for(error, "repeat_until")} />
                }
                if current.repeat_end == "count" {
                    <Field id="event-repeat-count" label="How many times" value={current.repeat_count.clone()}
                        on_input={edit(form, |f: &mut Form, v: String| f.repeat_count = v)} error={error_for(error, "repeat_count")} />
                }
            </div>
            if rule.frequency == Frequency::Weekly {
                <div class={classes!("weekdays", error_for(error, "repeat_weekdays").map(|_| "invalid"))} role="group" aria-label="On">
                    { for days.into_iter().map(|d| {
                        let id = format!("event-repeat-{}", d.to_string().to_lowercase());
                        let on_change = edit(form, move |f: &mut Form, on: bool| f.toggle_day(d, on));
                        html! { <CheckField id={id} label={d.to_string()} checked={rule.weekdays.contains(&d)} {on_change} /> }
                    }) }
                    if let Some(message) = error_for(error, "repeat_weekdays") { <p class="field-error" id="error-event-repeat-weekdays" role="alert">{ message }</p> }
                </div>
            }
            if rule.frequency == Frequency::Monthly {
                <SelectField id="event-repeat-monthly" label="Which day" value={monthly_value} options={options(&monthly)}
                    on_change={on_monthly} error={error_for(error, "repeat_monthly")} />
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

fn category_label(c: Category) -> String {
    let words = c.as_str().split('_').map(|w| {
        let mut chars = w.chars();
        chars.next().map(|f| f.to_string() + &chars.as_str().to_lowercase()).unwrap_or_default()
    });
    words.collect::<Vec<_>>().join(" ")
}
