import { APIRequestContext, expect, Page, test } from "@playwright/test";
import { hydrated, isPhone, signIn, snap } from "./helpers";

// The tests in this file build on each other: one key is created, used, regenerated, disabled
// and finally deleted.
test.describe.configure({ mode: "serial" });

const KEY_NAME = "Production backend";
const SECRET = /^sk_live_[A-Za-z0-9]{48}$/;
let secret = "";

async function openApiTab(page: Page) {
  await page.goto("/integrations/api");
  await hydrated(page);
  await expect(page.getByTestId("api-access")).toBeVisible();
}

/** The status of listing the keys with `key` as the bearer token. */
async function statusWith(request: APIRequestContext, key: string) {
  const res = await request.get("/api/v1/api_keys/list", { headers: { Authorization: `Bearer ${key}` } });
  return res.status();
}

/** A full-page screenshot from the top (fixed bars stay in place). */
async function shot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await snap(page, name);
}

/** What is on screen with a dialog open: full-page captures misplace fixed overlays. */
async function snapDialog(page: Page, name: string) {
  await page.waitForTimeout(400);
  await page.screenshot({ path: `artifacts/${name}.png`, animations: "disabled" });
}

const keyRow = (page: Page, name = KEY_NAME) => page.locator(`[data-testid=api-key][data-key-name="${name}"]`);

/** The secret in the show-once dialog, then closes it. */
async function takeSecret(page: Page, title: string) {
  const dialog = page.getByRole("dialog", { name: title });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByText("Keep this key secret. Never expose it in client-side code.")).toBeVisible();
  await expect(dialog.getByText("You won't be able to see it again.")).toBeVisible();
  const value = await dialog.getByLabel("API key", { exact: true }).inputValue();
  expect(value).toMatch(SECRET);
  return value;
}

test("create a key: field errors, the secret is shown once and copies, then only its preview", async ({ page, context, request }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await signIn(page);
  await openApiTab(page);
  await expect(page.getByText("No API keys yet")).toBeVisible();
  await expect(page.getByTestId("api-endpoint")).toContainText("/api/v1");

  await page.getByRole("button", { name: "+ Create API key" }).click();
  const form = page.getByRole("dialog", { name: "Create API key" });
  await expect(form.getByLabel("Name", { exact: true })).toBeFocused();
  await form.getByRole("button", { name: "Create key" }).click();
  await expect(form.getByText("Name the key (1 to 100 characters).")).toBeVisible();
  await form.getByLabel("Name", { exact: true }).fill(KEY_NAME);
  await form.getByRole("button", { name: "Create key" }).click();
  await expect(form.getByText("Choose at least one scope.")).toBeVisible();

  // `*` covers every scope: the others are greyed out while it is checked.
  await form.getByRole("checkbox", { name: /^\*/ }).check();
  await expect(form.getByText("Choose at least one scope.")).toBeHidden();
  await expect(form.getByRole("checkbox", { name: /^events:write/ })).toBeDisabled();
  await form.getByRole("checkbox", { name: /^\*/ }).uncheck();
  await form.getByRole("checkbox", { name: /^api_keys:read/ }).check();
  await form.getByRole("checkbox", { name: /^events:write/ }).check();
  await form.getByLabel("Expires").selectOption("90");
  await snapDialog(page, "18-create-api-key");
  await form.getByRole("button", { name: "Create key" }).click();

  secret = await takeSecret(page, "API key created");
  const reveal = page.getByRole("dialog", { name: "API key created" });
  const copy = reveal.getByRole("button", { name: "Copy API key" });
  await copy.click();
  await expect(copy).toHaveText(/Copied/);
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  await snapDialog(page, "19-api-key-shown-once");
  await reveal.getByRole("button", { name: "Done" }).click();
  await expect(reveal).toBeHidden();

  const row = keyRow(page);
  await expect(row.getByTestId("key-preview")).toHaveText(`${secret.slice(0, 12)}...${secret.slice(-4)}`);
  await expect(row.getByTestId("key-status")).toHaveText("Active");
  await expect(row).toContainText("api_keys:read");
  await expect(row.getByTestId("key-last-used")).toHaveText("Never");
  await expect(page.locator("body")).not.toContainText(secret);

  // The key works for the API.
  expect(await statusWith(request, secret)).toBe(200);

  // After a reload only the preview is left, in the page and in its HTML.
  await page.reload();
  await hydrated(page);
  await expect(keyRow(page).getByTestId("key-preview")).toBeVisible();
  expect(await page.content()).not.toContain(secret);
  await expect(keyRow(page).getByRole("img", { name: /shown only once/ })).toBeVisible();
  await shot(page, "20-api-tab-with-key");
});

test("regenerate: a new secret once; the old key stops at once, or after a grace period", async ({ page, request }) => {
  await signIn(page);
  await openApiTab(page);
  await page.getByRole("button", { name: `Regenerate ${KEY_NAME}` }).click();
  const confirm = page.getByRole("dialog", { name: `Regenerate ${KEY_NAME}` });
  await expect(confirm.getByText("When should the old key stop working?")).toBeVisible();
  await expect(confirm.getByLabel("Immediately")).toBeChecked();
  await snapDialog(page, "21-regenerate-key");
  await confirm.getByRole("button", { name: "Regenerate key" }).click();
  const first = await takeSecret(page, "API key regenerated");
  expect(first).not.toBe(secret);
  await page.getByRole("dialog", { name: "API key regenerated" }).getByRole("button", { name: "Done" }).click();

  expect(await statusWith(request, secret)).toBe(401);
  expect(await statusWith(request, first)).toBe(200);

  // With a grace period both work for a while, and the list says until when.
  await page.getByRole("button", { name: `Regenerate ${KEY_NAME}` }).click();
  await confirm.getByLabel("In 1 hour").check();
  await confirm.getByRole("button", { name: "Regenerate key" }).click();
  secret = await takeSecret(page, "API key regenerated");
  await page.getByRole("dialog", { name: "API key regenerated" }).getByRole("button", { name: "Done" }).click();
  expect(await statusWith(request, first)).toBe(200);
  expect(await statusWith(request, secret)).toBe(200);
  await expect(keyRow(page)).toContainText("The previous key keeps working until");
  await expect(keyRow(page).getByTestId("key-preview")).toHaveText(`${secret.slice(0, 12)}...${secret.slice(-4)}`);
});

test("disable refuses the key at once; enable brings it back", async ({ page, request }) => {
  await signIn(page);
  await openApiTab(page);
  const row = keyRow(page);
  await page.getByRole("button", { name: `Disable ${KEY_NAME}` }).click();
  await expect(row.getByTestId("key-status")).toHaveText("Disabled");
  expect(await statusWith(request, secret)).toBe(401);
  await shot(page, "22-api-key-disabled");

  await page.getByRole("button", { name: `Enable ${KEY_NAME}` }).click();
  await expect(row.getByTestId("key-status")).toHaveText("Active");
  expect(await statusWith(request, secret)).toBe(200);
});

test("add a custom event type (the example must be a JSON object), publish it, delete it", async ({ page, request }) => {
  await signIn(page);
  await openApiTab(page);
  const events = page.getByTestId("event-types");
  await expect(events.locator('[data-event-name="conversation.created"]')).toContainText("Built-in");

  await events.getByRole("button", { name: "+ Add event type" }).click();
  const dialog = page.getByRole("dialog", { name: "Add event type" });
  await dialog.getByLabel("Name", { exact: true }).fill("invoice.paid");
  await dialog.getByLabel("Description").fill("An invoice was paid in full.");
  await dialog.getByLabel("Example payload").fill("[1, 2]");
  await dialog.getByRole("button", { name: "Add event type" }).click();
  await expect(dialog.getByText("The example payload must be a JSON object")).toBeVisible();
  await dialog.getByLabel("Example payload").fill("{oops");
  await dialog.getByRole("button", { name: "Add event type" }).click();
  await expect(dialog.getByText("This is not valid JSON")).toBeVisible();
  await dialog.getByLabel("Example payload").fill('{"invoice_id": "inv_1042", "amount": 4200}');
  await dialog.getByRole("button", { name: "Add event type" }).click();
  await expect(dialog).toBeHidden();

  const custom = events.locator('[data-event-name="invoice.paid"]');
  await expect(custom).toContainText("An invoice was paid in full.");
  await expect(custom.getByRole("button", { name: "Delete invoice.paid" })).toBeVisible();
  await custom.getByText("Example payload").click();
  await expect(custom.locator("pre")).toContainText('"invoice_id": "inv_1042"');
  await shot(page, "23-event-types");

  // The key (events:write) can publish the new type.
  const published = await request.post("/api/v1/events/publish", {
    headers: { Authorization: `Bearer ${secret}` },
    data: { event_type: "invoice.paid", data: { invoice_id: "inv_1042", amount: 4200 } },
  });
  expect(published.status()).toBe(200);
  expect((await published.json()).id).toMatch(/^evt_/);

  await custom.getByRole("button", { name: "Delete invoice.paid" }).click();
  const confirm = page.getByRole("dialog", { name: "Delete invoice.paid" });
  await confirm.getByRole("button", { name: "Delete event type" }).click();
  await expect(custom).toHaveCount(0);
});

test("the API documentation: operations by tag with fields and copyable curl examples", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await signIn(page);
  await openApiTab(page);
  await page.getByRole("link", { name: "View API Documentation →" }).click();
  await expect(page).toHaveURL(/\/developers\/api$/);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "API documentation", level: 1 })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Authentication" })).toBeVisible();
  await expect(page.getByText("X-RateLimit-Remaining").first()).toBeVisible();

  const publish = page.locator('[data-testid=operation][data-path="/api/v1/events/publish"]');
  await expect(publish).toContainText("POST");
  await expect(publish).toContainText("Scope: events:write");
  await expect(publish).toContainText("event_type");
  const curl = publish.locator("pre");
  await expect(curl).toContainText('curl -X POST "http://127.0.0.1');
  await expect(curl).toContainText("/api/v1/events/publish");
  await expect(curl).toContainText('-H "Authorization: Bearer $PLUGBOARD_API_KEY"');
  await expect(curl).toContainText("-d '{");
  const copy = publish.getByRole("button", { name: /Copy curl example/ });
  await copy.click();
  await expect(copy).toHaveText(/Copied/);
  expect(await page.evaluate(() => navigator.clipboard.readText())).toContain("/api/v1/events/publish");
  await page.screenshot({ path: "artifacts/24-api-docs-top.png" });

  // GET operations put their parameters in the query string.
  const provider = page.locator('[data-testid=operation][data-path="/api/v1/integrations/provider"]');
  await expect(provider.locator("pre")).toContainText("/api/v1/integrations/provider?slug=");

  await page.getByLabel("Filter endpoints").fill("events");
  await expect(page.locator('[data-testid=operation][data-path="/api/v1/api_keys/list"]')).toHaveCount(0);
  await expect(publish).toBeVisible();
  await shot(page, "25-api-docs-events");
  await page.getByLabel("Filter endpoints").fill("zzz");
  await expect(page.getByText("No endpoint matches")).toBeVisible();
});

test("dark mode", async ({ page }) => {
  await signIn(page);
  await openApiTab(page);
  await page.getByTestId("theme-toggle").click();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await shot(page, "26-api-tab-dark");
  await page.getByRole("button", { name: `Regenerate ${KEY_NAME}` }).click();
  const confirm = page.getByRole("dialog", { name: `Regenerate ${KEY_NAME}` });
  await expect(confirm).toBeVisible();
  await snapDialog(page, "27-regenerate-dark");
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await page.goto("/developers/api");
  await hydrated(page);
  await page.getByLabel("Filter endpoints").fill("api keys");
  await expect(page.locator('[data-testid=operation][data-path="/api/v1/api_keys/create"]')).toBeVisible();
  await shot(page, "28-api-docs-dark");
});

test("delete the key: confirmation names it, then it is refused", async ({ page, request }) => {
  await signIn(page);
  await openApiTab(page);
  await page.getByRole("button", { name: `Delete ${KEY_NAME}` }).click();
  const confirm = page.getByRole("dialog", { name: `Delete ${KEY_NAME}` });
  await expect(confirm).toContainText(`Delete the API key “${KEY_NAME}”?`);
  await snapDialog(page, "29-delete-api-key");
  await confirm.getByRole("button", { name: "Delete key" }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByText("No API keys yet")).toBeVisible();
  expect(await statusWith(request, secret)).toBe(401);
});

test.describe("phone (390x844)", () => {
  // The phone project only; the desktop one has no hamburger and a wider grid.
  test.beforeEach(() => test.skip(!isPhone(), "phone layout"));

  test("the API tab, the show-once sheet and the docs fit the phone", async ({ page }) => {
    await signIn(page);
    await openApiTab(page);
    await page.getByRole("button", { name: "+ Create API key" }).click();
    const form = page.getByRole("dialog", { name: "Create API key" });
    await form.getByLabel("Name", { exact: true }).fill("Phone test");
    await form.getByRole("checkbox", { name: /^events:write/ }).check();
    await snapDialog(page, "30-mobile-create-key");
    await form.getByRole("button", { name: "Create key" }).click();
    await takeSecret(page, "API key created");
    await snapDialog(page, "31-mobile-shown-once");
    await page.getByRole("dialog", { name: "API key created" }).getByRole("button", { name: "Done" }).click();
    await expect(keyRow(page, "Phone test")).toBeVisible();
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await shot(page, "32-mobile-api-tab");

    await page.goto("/developers/api");
    await hydrated(page);
    await expect(page.locator('[data-testid=operation][data-path="/api/v1/events/publish"]')).toBeVisible();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.getByLabel("Filter endpoints").fill("publish");
    await shot(page, "33-mobile-api-docs");

    // Leave no key behind.
    await openApiTab(page);
    await page.getByRole("button", { name: "Delete Phone test" }).click();
    await page.getByRole("dialog", { name: "Delete Phone test" }).getByRole("button", { name: "Delete key" }).click();
    await expect(page.getByText("No API keys yet")).toBeVisible();
  });
});

test("the dialogs' code comes after the page: a dialog opened before it arrives waits for it", async ({ page }) => {
  // When the page hydrated, by the page's clock (the app marks <body data-hydrated>).
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.body?.dataset.hydrated === "true") {
        (window as unknown as { hydratedAt: number }).hydratedAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated"] });
  });
  await signIn(page);
  // Each area's dialogs are one lazily loaded function, a wasm file of its own: held back here.
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const held: string[] = [];
  await page.route(/\/pkg\/split_dialog_view_[^/]*\.wasm$/, async (route) => {
    held.push(route.request().url());
    await released;
    await route.continue();
  });
  await openApiTab(page);
  await page.getByRole("button", { name: "+ Create API key" }).click();
  await expect.poll(() => held.length).toBeGreaterThan(0);
  const form = page.getByRole("dialog", { name: "Create API key" });
  await expect(form).toHaveCount(0);
  release();
  await expect(form.getByLabel("Name", { exact: true })).toBeVisible();
  await form.getByRole("button", { name: "Cancel" }).click();
  await expect(form).toHaveCount(0);
  // None of them was asked for before the page was interactive.
  const starts = await page.evaluate(() => {
    const hydratedAt = (window as unknown as { hydratedAt?: number }).hydratedAt ?? Infinity;
    const dialogs = performance.getEntriesByType("resource").filter((r) => /\/split_dialog_view_/.test(r.name));
    return { hydratedAt, dialogs: dialogs.map((r) => r.startTime) };
  });
  expect(starts.dialogs.length).toBeGreaterThan(0);
  for (const start of starts.dialogs) expect(start).toBeGreaterThan(starts.hydratedAt);
});
