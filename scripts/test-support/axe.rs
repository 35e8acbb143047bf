//! axe-core on the page a WebDriver client shows, for the window tests (src-tauri/tests/window) and the
//! relay's page tests (sync-server/tests): injected as scripts/install-deps.sh installs it, run by
//! axe-run.js; a serious or critical WCAG 2.0/2.1 A or AA violation fails the test, named with where it is.

use std::path::Path;

pub async fn check(client: &fantoccini::Client, name: &str) {
    let home = std::env::var("HOME").expect("HOME");
    let axe = Path::new(&home).join(".cache/rally-test/node_modules/axe-core/axe.min.js");
    let source = std::fs::read_to_string(&axe)
        .unwrap_or_else(|e| panic!("{}: {e} (scripts/install-deps.sh installs axe-core)", axe.display()));
    client.execute(&source, vec![]).await.expect("inject axe-core");
    let found = client.execute_async(include_str!("axe-run.js"), vec![]).await.expect("axe runs");
    let checked = found["checked"].as_u64().unwrap_or(0);
    let violations: Vec<String> = serde_json::from_value(found["violations"].clone()).expect("a list");
    assert!(violations.is_empty(), "axe-core on {name}:\n{}", violations.join("\n"));
    assert!(checked > 0, "axe-core checked nothing on {name}");
}
