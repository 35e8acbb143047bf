//! Text compared as people mean it: "Jérôme" is "jerome", "Zürich" is "zurich". Used to propose a
//! username from a display name, and to match what is typed against zone, city and month names.

/// Accented Latin letters (lowercase) and the plain letters they fold to; what European names use.
const FOLDS: &[(&str, &str)] = &[
    ("a", "àáâãäåāăą"),
    ("c", "çćĉċč"),
    ("d", "ďđð"),
    ("e", "èéêëēĕėęě"),
    ("g", "ĝğġģ"),
    ("h", "ĥħ"),
    ("i", "ìíîïĩīĭįı"),
    ("j", "ĵ"),
    ("k", "ķ"),
    ("l", "ĺļľŀł"),
    ("n", "ñńņňŉ"),
    ("o", "òóôõöøōŏő"),
    ("r", "ŕŗř"),
    ("s", "śŝşšș"),
    ("t", "ţťŧț"),
    ("u", "ùúûüũūŭůűų"),
    ("w", "ŵ"),
    ("y", "ýÿŷ"),
    ("z", "źżž"),
    ("ae", "æ"),
    ("oe", "œ"),
    ("ss", "ß"),
    ("th", "þ"),
];

/// Lowercase, with accents taken off Latin letters; everything else is kept as it is.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match FOLDS.iter().find(|(_, accented)| accented.contains(c)) {
            Some((plain, _)) => out.push_str(plain),
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn accents_and_case_fold_away() {
        assert_eq!(fold("Jérôme Dupont"), "jerome dupont");
        assert_eq!(fold("ZÜRICH"), "zurich");
        assert_eq!(fold("Łódź"), "lodz");
        assert_eq!(fold("Straße Œuvre"), "strasse oeuvre");
        assert_eq!(fold("日本語 ✓"), "日本語 ✓");
    }
}
