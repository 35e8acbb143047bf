// Runs axe-core (injected before) on the page as WebDriver's "execute async script", and calls back
// with how many rules it checked and its serious and critical violations of WCAG 2.0 and 2.1, levels
// A and AA, one line each.
// Used by the window tests (src-tauri/tests/window) and the relay's page tests (sync-server/tests).
const done = arguments[arguments.length - 1];
axe
  .run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    resultTypes: ["violations"],
  })
  .then((result) =>
    done({
      checked: result.passes.length + result.violations.length + result.incomplete.length,
      violations: result.violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")})`),
    }),
  )
  .catch((e) => done({ checked: 0, violations: [`axe failed: ${e}`] }));
