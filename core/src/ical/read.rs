//! Reading iCalendar as real files are, not as RFC 5545 wishes: a UTF-8 byte-order mark, bare LF line
//! ends, lines folded with a space or a TAB (also in the middle of a UTF-8 character, so unfolding
//! happens on bytes, before decoding), blank lines, quoted parameter values holding `:` `;` `,`.
//! The result is a tree of components with their properties as written; turning them into events is
//! the importer's job. Never panics; a line that is not a property is left out and named; a structure
//! it cannot follow is an error naming the line.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// Upper case, as `DTSTART`.
    pub name: String,
    /// Parameter names upper case; values unquoted, split on commas outside quotes.
    pub params: Vec<(String, Vec<String>)>,
    /// The raw value (TEXT still escaped: see [`unescape_text`]).
    pub value: String,
}

impl Property {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(n, _)| n == name).and_then(|(_, v)| v.first()).map(String::as_str)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Component {
    /// Upper case, as `VEVENT`.
    pub name: String,
    pub properties: Vec<Property>,
    pub children: Vec<Component>,
}

impl Component {
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Property> + 'a {
        self.properties.iter().filter(move |p| p.name == name)
    }

    /// Every descendant component named `name`, depth first.
    pub fn find<'a>(&'a self, name: &str, out: &mut Vec<&'a Component>) {
        for child in &self.children {
            if child.name == name {
                out.push(child);
            }
            child.find(name, out);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// 1-based line of the file (its first physical line, for a folded one).
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ReadError {}

/// Unfolds `bytes` into logical lines, each with the number of its first physical line.
fn logical_lines(bytes: &[u8]) -> Vec<(usize, Vec<u8>)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut lines: Vec<(usize, Vec<u8>)> = Vec::new();
    for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        match raw.first() {
            Some(b' ' | b'\t') if !lines.is_empty() => {
                if let Some(last) = lines.last_mut() {
                    last.1.extend_from_slice(&raw[1..]);
                }
            }
            _ => lines.push((i + 1, raw.to_vec())),
        }
    }
    lines
}

/// Splits one logical line into name, parameters and value.
fn property(number: usize, line: &str) -> Result<Property, ReadError> {
    let error = |message: &str| ReadError { line: number, message: message.to_string() };
    let mut in_quotes = false;
    let mut colon = None;
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            ':' if !in_quotes => {
                colon = Some(i);
                break;
            }
            _ => {}
        }
    }
    let colon = colon.ok_or_else(|| error(&format!("no ':' in \"{}\"", line.chars().take(60).collect::<String>())))?;
    let (head, value) = (&line[..colon], &line[colon + 1..]);
    let mut parts = split_outside_quotes(head, ';').into_iter();
    let name = parts.next().unwrap_or_default().trim().to_ascii_uppercase();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(error(&format!("\"{name}\" is not a property name")));
    }
    let params = parts
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            let values = split_outside_quotes(v, ',').into_iter().map(|v| v.trim_matches('"').to_string()).collect();
            Some((k.trim().to_ascii_uppercase(), values))
        })
        .collect();
    Ok(Property { name, params, value: value.to_string() })
}

/// A list value (CATEGORIES) split on commas that are not escaped.
pub fn split_list(value: &str) -> Vec<String> {
    let (mut parts, mut current, mut escaped) = (Vec::new(), String::new(), false);
    for c in value.chars() {
        match c {
            ',' if !escaped => parts.push(std::mem::take(&mut current)),
            '\\' if !escaped => {
                escaped = true;
                current.push(c);
                continue;
            }
            _ => current.push(c),
        }
        escaped = false;
    }
    parts.push(current);
    parts
}

fn split_outside_quotes(text: &str, sep: char) -> Vec<String> {
    let (mut parts, mut current, mut in_quotes) = (Vec::new(), String::new(), false);
    for c in text.chars() {
        if c == '"' {
            in_quotes = !in_quotes;
            current.push(c);
        } else if c == sep && !in_quotes {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts
}

/// A file as read: its top-level components (normally one VCALENDAR), and the lines left out because
/// they are not properties (a broken fold, stray text), each named.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub roots: Vec<Component>,
    pub skipped_lines: Vec<ReadError>,
}

/// Reads a file. Lines that are not properties are left out (and listed); components that do not
/// nest are an error.
pub fn parse(bytes: &[u8]) -> Result<Parsed, ReadError> {
    let mut roots = Vec::new();
    let mut skipped_lines = Vec::new();
    let mut stack: Vec<(usize, Component)> = Vec::new();
    for (number, raw) in logical_lines(bytes) {
        let text = String::from_utf8_lossy(&raw);
        if text.trim().is_empty() {
            continue;
        }
        let prop = match property(number, &text) {
            Ok(prop) => prop,
            Err(err) => {
                skipped_lines.push(err);
                continue;
            }
        };
        match prop.name.as_str() {
            "BEGIN" => {
                let name = prop.value.trim().to_ascii_uppercase();
                stack.push((number, Component { name, ..Default::default() }));
            }
            "END" => {
                let name = prop.value.trim().to_ascii_uppercase();
                let Some((_, done)) = stack.pop() else {
                    return Err(ReadError { line: number, message: format!("END:{name} without a BEGIN") });
                };
                if done.name != name {
                    return Err(ReadError {
                        line: number,
                        message: format!("END:{name} where END:{} was expected", done.name),
                    });
                }
                match stack.last_mut() {
                    Some((_, parent)) => parent.children.push(done),
                    None => roots.push(done),
                }
            }
            _ => match stack.last_mut() {
                Some((_, current)) => current.properties.push(prop),
                None => skipped_lines
                    .push(ReadError { line: number, message: format!("{} outside any component", prop.name) }),
            },
        }
    }
    if let Some((line, open)) = stack.pop() {
        return Err(ReadError { line, message: format!("BEGIN:{} is never closed", open.name) });
    }
    Ok(Parsed { roots, skipped_lines })
}

/// A TEXT value as written, unescaped: `\n` and `\N` are line breaks, `\,` `\;` `\\` their character.
pub fn unescape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_world_line_handling() {
        // BOM, bare LF, a fold with a TAB, a fold inside "é" (0xC3 0xA9), a blank line, quoted params.
        let mut file = b"\xEF\xBB\xBFBEGIN:VCALENDAR\nBEGIN:VEVENT\r\n".to_vec();
        file.extend_from_slice(b"SUMMARY:Caf\xC3\r\n \xA9 time\r\n\r\n");
        file.extend_from_slice(b"DESCRIPTION:one\\, two\\;\\n\n\tthree\n");
        file.extend_from_slice(b"ATTENDEE;CN=\"Doe, Jane: PhD\";ROLE=REQ-PARTICIPANT:mailto:jane@example.org\n");
        file.extend_from_slice(b"END:VEVENT\nEND:VCALENDAR\n");
        let roots = parse(&file).expect("parses").roots;
        let event = &roots[0].children[0];
        assert_eq!(event.property("SUMMARY").expect("summary").value, "Café time");
        assert_eq!(unescape_text(&event.property("DESCRIPTION").expect("d").value), "one, two;\nthree");
        let attendee = event.property("ATTENDEE").expect("attendee");
        assert_eq!(attendee.param("CN"), Some("Doe, Jane: PhD"));
        assert_eq!(attendee.value, "mailto:jane@example.org");
    }

    #[test]
    fn broken_structure_is_named_by_line() {
        let err = parse(b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VCALENDAR\n").expect_err("mismatch");
        assert_eq!(err.line, 3);
        assert!(err.message.contains("END:VEVENT"), "{err}");
        let stray = parse(b"BEGIN:VCALENDAR\nSUMMARY no colon\nEND:VCALENDAR\n").expect("the rest reads");
        assert!(stray.skipped_lines[0].message.contains("no ':'"), "{stray:?}");
        assert_eq!(stray.skipped_lines[0].line, 2);
        assert!(parse(b"BEGIN:VCALENDAR\n").expect_err("open").message.contains("never closed"));
    }
}
