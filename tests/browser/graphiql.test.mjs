// GraphiQL as a person uses it, in Debian's Chromium driven by playwright-core: the page loads
// with every asset from the server itself, a token goes in the Headers tab, a query runs, a
// subscription runs over the WebSocket and receives a transition made meanwhile, and no request
// of the page leaves the host.
//
// Run by `tests/browser/run.sh`, which starts the server and mints the tokens:
//   BASE_URL, PROVINCIAL_TOKEN (provincial, 370000), COUNTY_TOKEN (county, 371481).
import { chromium } from "playwright-core";
import assert from "node:assert/strict";

const base = process.env.BASE_URL;
const provincial = process.env.PROVINCIAL_TOKEN;
const county = process.env.COUNTY_TOKEN;
assert.ok(base && provincial && county, "BASE_URL, PROVINCIAL_TOKEN and COUNTY_TOKEN are required");
const host = new URL(base).host;

async function gql(token, query, variables = {}) {
  const res = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

// The demo's submitted park pilot in Leling, which the county may endorse.
const found = await gql(
  county,
  `{ pilots(first: 50) { edges { node { id code version status program { id } } } } }`
);
const pilot = found.pilots.edges.map((e) => e.node).find((p) => p.code === "SD-2023-PARK-0005");
assert.ok(pilot, "the demo pilot SD-2023-PARK-0005");
assert.equal(pilot.status, "SUBMITTED");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const failures = [];
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  const requested = [];
  page.on("request", (r) => requested.push(r.url()));
  page.on("websocket", (ws) => requested.push(ws.url()));
  page.on("console", (m) => {
    if (m.type() === "error") failures.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => failures.push(`page error: ${e.message}`));

  await page.goto(`${base}/graphql`, { waitUntil: "load" });
  const queryEditor = page.locator(".graphiql-query-editor .CodeMirror").first();
  await queryEditor.waitFor({ timeout: 20000 });

  // Replaces the whole text of a CodeMirror editor, as typing would.
  async function setEditor(editor, text) {
    await editor.click();
    await page.keyboard.press("Control+A");
    await page.keyboard.press("Delete");
    await page.keyboard.insertText(text);
    const value = await editor.evaluate((el) => el.CodeMirror.getValue());
    assert.equal(value, text, "the editor holds what was typed");
    // GraphiQL reads the operation name from the editor shortly after a change.
    await page.waitForTimeout(500);
  }
  const result = page.locator(".result-window").first();
  async function resultContains(text, timeout = 15000) {
    try {
      await page.waitForFunction(
        (t) => (document.querySelector(".result-window")?.textContent || "").includes(t),
        text,
        { timeout }
      );
    } catch (e) {
      if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT });
      throw new Error(`the result never showed ${text}; it shows: ${await result.textContent()}`);
    }
  }

  // The token, in the Headers tab.
  await page.getByRole("button", { name: /headers/i }).first().click();
  const headersEditor = page.locator(".graphiql-editor-tool .CodeMirror").last();
  await headersEditor.waitFor();
  await setEditor(headersEditor, JSON.stringify({ Authorization: `Bearer ${provincial}` }));

  // A query.
  await setEditor(queryEditor, "query Count { pilots(first: 1) { totalCount } }");
  await page.locator(".graphiql-execute-button").click();
  await resultContains('"totalCount": 17');
  console.log("query: ok");

  // A subscription over the WebSocket, receiving a transition made meanwhile.
  await setEditor(
    queryEditor,
    `subscription Watch { pilotEvents(programId: "${pilot.program.id}") { event { action toStatus } pilot { code } } }`
  );
  await page.locator(".graphiql-execute-button").click();
  // Let the subscription reach the server before the transition is made.
  await page.waitForTimeout(1500);
  const done = await gql(
    county,
    `mutation($i: TransitionInput!) { endorsePilot(input: $i) { pilot { status } } }`,
    { i: { pilotId: pilot.id, version: pilot.version } }
  );
  assert.equal(done.endorsePilot.pilot.status, "COUNTY_ENDORSED");
  await resultContains('"action": "ENDORSE"');
  await resultContains('"code": "SD-2023-PARK-0005"');
  console.log("subscription: ok");
  assert.match(await result.textContent(), /COUNTY_ENDORSED/);

  // Nothing the page asked for left the host.
  const away = requested.filter((u) => {
    const url = new URL(u);
    return !["data:", "blob:"].includes(url.protocol) && url.host !== host;
  });
  assert.deepEqual(away, [], "requests that left the host");
  assert.ok(requested.some((u) => u.startsWith("ws://") && u.endsWith("/graphql")), "the subscription used the WebSocket");
  assert.ok(requested.some((u) => u.endsWith("/graphiql/graphiql.min.js")), "assets came from the server");
  console.log(`offline: ok (${requested.length} requests, all to ${host})`);
} finally {
  await browser.close();
}
assert.deepEqual(failures, [], "errors in the page");
console.log("graphiql browser test passed");
