//! Time zones found by what people know: a city ("Paris", "New York"), a country ("Japan"), or the
//! IANA name itself. The zone list is chrono-tz's; the countries come from tzdata's own tables.

use chrono_tz::Tz;

use crate::fold::fold;

const COUNTRIES: &str = include_str!("zone_countries.tsv");

/// One zone offered for what was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneMatch {
    /// The IANA name that is stored: `Europe/Paris`.
    pub zone: &'static str,
    /// What people read: `Paris, France (Europe/Paris)`.
    pub label: String,
    /// The city or country matched the whole query, not just its start.
    pub exact: bool,
}

fn countries() -> impl Iterator<Item = (&'static str, Vec<&'static str>)> {
    COUNTRIES.lines().filter(|l| !l.starts_with('#')).filter_map(|l| {
        let (country, zones) = l.split_once('\t')?;
        Some((country, zones.split(' ').collect()))
    })
}

fn country_of(zone: &str) -> Option<&'static str> {
    countries().find(|(_, zones)| zones.contains(&zone)).map(|(c, _)| c)
}

/// The city a zone is named after: `America/Argentina/Buenos_Aires` is "Buenos Aires".
pub fn city_of(zone: &str) -> String {
    zone.rsplit('/').next().unwrap_or(zone).replace('_', " ")
}

fn label(zone: &'static str) -> String {
    match country_of(zone) {
        Some(country) => format!("{}, {country} ({zone})", city_of(zone)),
        None => zone.to_string(),
    }
}

/// Zones for `query`, best first: the IANA name, a city named so, the zones of a country named so,
/// then cities and countries that start so. At most `limit`.
pub fn find_zones(query: &str, limit: usize) -> Vec<ZoneMatch> {
    let q = fold(query.trim()).replace('_', " ");
    if q.is_empty() {
        return Vec::new();
    }
    // (rank, zone, exact): a lower rank comes first.
    let mut found: Vec<(u8, &'static str, bool)> = Vec::new();
    for tz in chrono_tz::TZ_VARIANTS.iter() {
        let name = tz.name();
        let city = fold(&city_of(name));
        let rank = if fold(name).replace('_', " ") == q {
            Some((0, true))
        } else if city == q {
            Some((1, true))
        } else if city.starts_with(&q) {
            Some((3, false))
        } else if q.len() >= 3 && city.contains(&q) {
            Some((5, false))
        } else {
            None
        };
        if let Some((rank, exact)) = rank {
            found.push((rank, name, exact));
        }
    }
    for (country, zones) in countries() {
        let name = fold(country);
        let rank = if name == q {
            Some((2, zones.len() == 1))
        } else if name.starts_with(&q) {
            Some((4, false))
        } else {
            None
        };
        if let Some((rank, exact)) = rank {
            for zone in zones {
                if let Some(tz) = zone.parse::<Tz>().ok().map(|tz| tz.name()) {
                    found.push((rank, tz, exact));
                }
            }
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)));
    let mut out: Vec<ZoneMatch> = Vec::new();
    for (_, zone, exact) in found {
        if !out.iter().any(|m| m.zone == zone) && out.len() < limit {
            out.push(ZoneMatch { zone, label: label(zone), exact });
        }
    }
    out
}

/// The one zone `text` names: an IANA name, or a city or country with a single zone. Otherwise the
/// candidates, for the message.
pub fn resolve(text: &str) -> Result<Tz, Vec<ZoneMatch>> {
    if let Ok(tz) = text.trim().parse::<Tz>() {
        return Ok(tz);
    }
    let found = find_zones(text, 6);
    let exact: Vec<&ZoneMatch> = found.iter().filter(|m| m.exact).collect();
    match exact[..] {
        [one] => one.zone.parse().map_err(|_| found.clone()),
        _ => Err(found),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_city_or_a_one_zone_country_is_enough() {
        assert_eq!(resolve("Paris"), Ok(chrono_tz::Europe::Paris));
        assert_eq!(resolve("new york"), Ok(chrono_tz::America::New_York));
        assert_eq!(resolve("São Paulo"), Ok(chrono_tz::America::Sao_Paulo));
        assert_eq!(resolve("Zürich"), Ok(chrono_tz::Europe::Zurich));
        assert_eq!(resolve("Kenya"), Ok(chrono_tz::Africa::Nairobi));
        assert_eq!(resolve("europe/brussels"), Ok(chrono_tz::Europe::Brussels));
        assert_eq!(resolve("Europe/Brussels"), Ok(chrono_tz::Europe::Brussels));
    }

    #[test]
    fn several_candidates_are_offered_not_guessed() {
        let offered = resolve("United States").expect_err("many zones");
        assert!(offered.iter().any(|m| m.zone == "America/Chicago"), "{offered:?}");
        let offered = resolve("Par").expect_err("a start only");
        let paris = offered.iter().find(|m| m.zone == "Europe/Paris").expect("Paris offered");
        assert_eq!(paris.label, "Paris, France (Europe/Paris)");
        assert!(resolve("Atlantis").expect_err("nothing").is_empty());
    }
}
