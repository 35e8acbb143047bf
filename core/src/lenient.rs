//! Dates and times as people write them: "2/12/2026 18:00", "mer. 2 déc. 2026 à 18h", "Dec 2, 2026
//! 6:30pm", "2026-12-02". The app reads what is typed with these rules, shows back what it understood,
//! and hands validation the canonical form (`2026-12-02 18:00`), so core's own rules stay strict.

use chrono::{Datelike, NaiveDate, NaiveTime};

use crate::fold::fold;

/// How a locale writes numeric dates: "2/12" is the 2nd of December for most of the world, the 12th
/// of February in the United States.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayOrder {
    DayFirst,
    MonthFirst,
}

impl DayOrder {
    /// The order of a BCP 47 language tag such as the web view's `navigator.language`.
    pub fn of_locale(tag: &str) -> DayOrder {
        const MONTH_FIRST: &[&str] = &["en-us", "en-ph", "en-fm", "en-mh", "en-um", "en-gu", "en-as", "en-pr"];
        let tag = tag.trim().replace('_', "-").to_ascii_lowercase();
        if MONTH_FIRST.iter().any(|t| tag.starts_with(t)) {
            DayOrder::MonthFirst
        } else {
            DayOrder::DayFirst
        }
    }
}

/// What a piece of text was read as: a day, and the time of day when one was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub date: NaiveDate,
    pub time: Option<NaiveTime>,
}

impl Written {
    /// The form's own text for it: `2026-12-02 18:00`, or `2026-12-02`.
    pub fn canonical(&self) -> String {
        match self.time {
            Some(t) => format!("{} {}", self.date.format("%Y-%m-%d"), t.format("%H:%M")),
            None => self.date.format("%Y-%m-%d").to_string(),
        }
    }
}

/// Month names in the languages Rally's people write (English, French, German, Spanish, Italian,
/// Dutch, Portuguese), folded; a word names a month when it starts one of them and only that month.
const MONTHS: [&[&str]; 12] = [
    &["january", "janvier", "januar", "enero", "gennaio", "januari", "janeiro"],
    &["february", "fevrier", "februar", "febrero", "febbraio", "februari", "fevereiro"],
    &["march", "mars", "marz", "marzo", "maart", "marco"],
    &["april", "avril", "abril", "aprile"],
    &["may", "mai", "mayo", "maggio", "mei", "maio"],
    &["june", "juin", "juni", "junio", "giugno", "junho"],
    &["july", "juillet", "juli", "julio", "luglio", "julho"],
    &["august", "aout", "agosto", "augustus"],
    &["september", "septembre", "septiembre", "settembre", "setembro"],
    &["october", "octobre", "oktober", "octubre", "ottobre", "outubro"],
    &["november", "novembre", "noviembre", "novembro"],
    &["december", "decembre", "dezember", "diciembre", "dicembre", "dezembro"],
];

const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
    "montag",
    "dienstag",
    "mittwoch",
    "donnerstag",
    "freitag",
    "samstag",
    "sonntag",
    "lunes",
    "martes",
    "miercoles",
    "jueves",
    "viernes",
    "sabado",
    "domingo",
    "lunedi",
    "martedi",
    "mercoledi",
    "giovedi",
    "venerdi",
    "maandag",
    "dinsdag",
    "woensdag",
    "donderdag",
    "vrijdag",
    "zaterdag",
    "zondag",
];

/// Small words around dates and times ("le 2 décembre à 18h", "Dec 2 at 6pm", the T of ISO 8601).
const FILLERS: &[&str] = &[
    "at", "on", "the", "of", "a", "le", "la", "de", "del", "el", "il", "um", "am", "den", "der", "om", "op", "t",
    "o'clock",
];

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A number and how many digits it was written with.
    Number(u32, usize),
    Word(String),
    Colon,
}

fn tokens(text: &str) -> Option<Vec<Token>> {
    let text = fold(text);
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut digits = String::new();
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                digits.push(*d);
                chars.next();
            }
            if digits.len() > 4 {
                return None;
            }
            out.push(Token::Number(digits.parse().ok()?, digits.len()));
        } else if c.is_alphabetic() || c == '\'' {
            let mut word = String::new();
            while let Some(l) = chars.peek().filter(|l| l.is_alphabetic() || **l == '\'' || **l == '.') {
                if *l != '.' {
                    word.push(*l);
                }
                chars.next();
            }
            out.push(Token::Word(word));
        } else {
            if c == ':' {
                out.push(Token::Colon);
            }
            chars.next();
        }
    }
    Some(out)
}

fn is_meridiem(word: &str) -> Option<bool> {
    match word {
        "am" => Some(false),
        "pm" => Some(true),
        _ => None,
    }
}

/// Takes the time of day out of `tokens`: `18:00`, `18h00`, `18h`, `6pm`, `6:30 pm`.
fn take_time(tokens: &mut Vec<Token>) -> Option<Option<NaiveTime>> {
    for i in 0..tokens.len() {
        let Token::Number(hour, _) = tokens[i] else { continue };
        let next = tokens.get(i + 1);
        let (minute, used) = match (next, tokens.get(i + 2)) {
            (Some(Token::Colon), Some(Token::Number(m, 2))) => (*m, 3),
            (Some(Token::Word(h)), Some(Token::Number(m, 2))) if h == "h" => (*m, 3),
            (Some(Token::Word(h)), _) if h == "h" => (0, 2),
            (Some(Token::Word(w)), _) if is_meridiem(w).is_some() => (0, 1),
            _ => continue,
        };
        let meridiem = match tokens.get(i + used) {
            Some(Token::Word(w)) => is_meridiem(w),
            _ => None,
        };
        let hour = match meridiem {
            Some(_) if !(1..=12).contains(&hour) => return None,
            Some(pm) => hour % 12 + if pm { 12 } else { 0 },
            None => hour,
        };
        let time = NaiveTime::from_hms_opt(hour, minute, 0)?;
        tokens.drain(i..i + used + usize::from(meridiem.is_some()));
        return Some(Some(time));
    }
    Some(None)
}

fn month_of(word: &str) -> Option<u32> {
    if word.chars().count() < 3 {
        return None;
    }
    let found: Vec<u32> =
        (1..=12u32).filter(|m| MONTHS[*m as usize - 1].iter().any(|name| name.starts_with(word))).collect();
    match found[..] {
        [m] => Some(m),
        _ => None,
    }
}

fn is_weekday(word: &str) -> bool {
    word.chars().count() >= 2 && WEEKDAYS.iter().any(|d| d.starts_with(word))
}

fn full_year(n: u32, digits: usize) -> i32 {
    if digits <= 2 {
        2000 + n as i32
    } else {
        n as i32
    }
}

/// Reads a date with an optional time. `today` gives the year when none is written: the next such
/// day from today on. `None` when the text is not a date this can read with confidence.
pub fn read(text: &str, order: DayOrder, today: NaiveDate) -> Option<Written> {
    let mut tokens = tokens(text)?;
    let time = take_time(&mut tokens)?;
    let mut numbers: Vec<(u32, usize)> = Vec::new();
    let mut months: Vec<u32> = Vec::new();
    let mut month_like_weekdays = Vec::new();
    for token in tokens {
        match token {
            Token::Number(n, digits) => numbers.push((n, digits)),
            Token::Colon => return None,
            Token::Word(w) if FILLERS.contains(&w.as_str()) => {}
            Token::Word(w) => match (month_of(&w), is_weekday(&w)) {
                // "mar" opens both "mars" and "mardi": a month only if nothing else is one.
                (Some(m), true) => month_like_weekdays.push(m),
                (Some(m), false) => months.push(m),
                (None, true) => {}
                (None, false) => return None,
            },
        }
    }
    if months.is_empty() {
        months = month_like_weekdays;
    }
    let (year, month, day) = match (&months[..], &numbers[..]) {
        ([m], [(d, _)]) => (None, *m, *d),
        ([m], [(a, da), (b, db)]) => {
            // "2 Dec 2026", "Dec 2, 2026", "2026 Dec 2": the year is the one written with four digits
            // or too large for a day, else the last.
            if *da == 4 || *a > 31 {
                (Some(full_year(*a, *da)), *m, *b)
            } else {
                (Some(full_year(*b, *db)), *m, *a)
            }
        }
        ([], [(a, _), (b, _)]) => match order {
            DayOrder::DayFirst => (None, *b, *a),
            DayOrder::MonthFirst => (None, *a, *b),
        },
        ([], [(a, 4), (b, _), (c, _)]) => (Some(*a as i32), *b, *c),
        ([], [(a, _), (b, _), (c, dc)]) => match order {
            DayOrder::DayFirst => (Some(full_year(*c, *dc)), *b, *a),
            DayOrder::MonthFirst => (Some(full_year(*c, *dc)), *a, *b),
        },
        _ => return None,
    };
    let date = match year {
        Some(y) => NaiveDate::from_ymd_opt(y, month, day)?,
        None => {
            let this_year = NaiveDate::from_ymd_opt(today.year(), month, day);
            match this_year {
                Some(d) if d >= today => d,
                _ => NaiveDate::from_ymd_opt(today.year() + 1, month, day)?,
            }
        }
    };
    Some(Written { date, time })
}

/// A place on the map from what people paste: "48.8566, 2.3522", a `geo:` URI, or a link from
/// OpenStreetMap (`mlat=…&mlon=…`, `#map=17/lat/lon`) or Google Maps (`@lat,lon`, `q=lat,lon`).
pub fn position(text: &str) -> Option<(f64, f64)> {
    let text = text.trim();
    let pair = |a: &str, b: &str| -> Option<(f64, f64)> {
        let (lat, lon) = (a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?);
        ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
    };
    let after = |marker: &str| text.split_once(marker).map(|(_, rest)| rest);
    let upto = |s: &str, stops: &[char]| s.split(|c| stops.contains(&c)).next().unwrap_or(s).to_string();
    if let (Some(lat), Some(lon)) = (after("mlat="), after("mlon=")) {
        return pair(&upto(lat, &['&', '#']), &upto(lon, &['&', '#']));
    }
    if let Some(map) = after("#map=") {
        let parts: Vec<&str> = map.split('/').collect();
        return match parts[..] {
            [_, lat, lon, ..] => pair(lat, &upto(lon, &['&'])),
            _ => None,
        };
    }
    for marker in ["geo:", "@", "q=", "ll="] {
        if let Some(rest) = after(marker) {
            let rest = upto(rest, &['&', ';', '?', 'z']);
            if let Some((lat, lon)) = rest.split_once(',') {
                if let Some(found) = pair(lat, &upto(lon, &[','])) {
                    return Some(found);
                }
            }
        }
    }
    match text.split_once(',').or_else(|| text.split_once(char::is_whitespace)) {
        Some((lat, lon)) => pair(lat, lon),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_positions_from_what_people_paste() {
        let paris = Some((48.8566, 2.3522));
        assert_eq!(position("48.8566, 2.3522"), paris);
        assert_eq!(position("48.8566 2.3522"), paris);
        assert_eq!(position("geo:48.8566,2.3522"), paris);
        assert_eq!(position("https://www.openstreetmap.org/?mlat=48.8566&mlon=2.3522#map=17/48.8566/2.3522"), paris);
        assert_eq!(position("https://www.openstreetmap.org/#map=17/48.8566/2.3522"), paris);
        assert_eq!(position("https://www.google.com/maps/place/Paris/@48.8566,2.3522,12z/data=x"), paris);
        assert_eq!(position("https://maps.google.com/?q=48.8566,2.3522"), paris);
        assert_eq!(position("91, 2"), None);
        assert_eq!(position("Paris"), None);
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).expect("date")
    }

    fn read_fr(text: &str) -> Option<String> {
        read(text, DayOrder::DayFirst, today()).map(|w| w.canonical())
    }

    #[test]
    fn numeric_dates_follow_the_locale() {
        assert_eq!(read_fr("2/12/2026 18:00").as_deref(), Some("2026-12-02 18:00"));
        assert_eq!(
            read("2/12/2026 18:00", DayOrder::MonthFirst, today()).map(|w| w.canonical()).as_deref(),
            Some("2026-02-12 18:00")
        );
        assert_eq!(read_fr("02.12.26").as_deref(), Some("2026-12-02"));
        assert_eq!(read_fr("2026-12-02").as_deref(), Some("2026-12-02"));
        assert_eq!(read_fr("2026-12-02T19:30").as_deref(), Some("2026-12-02 19:30"));
    }

    #[test]
    fn words_and_times_as_people_write_them() {
        assert_eq!(read_fr("mer. 2 déc. 2026 à 18h").as_deref(), Some("2026-12-02 18:00"));
        assert_eq!(read_fr("2 décembre 2026 18h30").as_deref(), Some("2026-12-02 18:30"));
        assert_eq!(read_fr("Dec 2, 2026 6:30pm").as_deref(), Some("2026-12-02 18:30"));
        assert_eq!(read_fr("12 March 2027 at 12am").as_deref(), Some("2027-03-12 00:00"));
        assert_eq!(read_fr("Dienstag, 2. März 2027 um 19:00").as_deref(), Some("2027-03-02 19:00"));
        assert_eq!(read_fr("mar 2 mars 2027").as_deref(), Some("2027-03-02"));
    }

    #[test]
    fn a_missing_year_is_the_next_such_day() {
        assert_eq!(read_fr("24/12 19:00").as_deref(), Some("2026-12-24 19:00"));
        assert_eq!(read_fr("3 janvier").as_deref(), Some("2027-01-03"));
    }

    #[test]
    fn what_cannot_be_read_with_confidence_is_not_read() {
        for text in ["", "soon", "31/02/2026", "25:00 2/12/2026", "13pm 2/12/2026", "2/12/2026 18:", "ju 3", "123456"] {
            assert_eq!(read_fr(text), None, "{text:?}");
        }
    }

    #[test]
    fn locales_that_write_the_month_first() {
        assert_eq!(DayOrder::of_locale("en-US"), DayOrder::MonthFirst);
        assert_eq!(DayOrder::of_locale("en_US.UTF-8"), DayOrder::MonthFirst);
        assert_eq!(DayOrder::of_locale("en-GB"), DayOrder::DayFirst);
        assert_eq!(DayOrder::of_locale("fr-FR"), DayOrder::DayFirst);
    }
}
