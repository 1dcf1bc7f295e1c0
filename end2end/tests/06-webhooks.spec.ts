import { createHmac } from "node:crypto";
import { createServer, IncomingHttpHeaders, Server } from "node:http";
import { AddressInfo } from "node:net";
import { expect, Locator, Page, test } from "@playwright/test";
import { hydrated, isPhone, signIn, snap, snapDialog } from "./helpers";

// One endpoint is added, tested, fed events, inspected in its log, edited, disabled and
// deleted; a local receiver stands in for the customer's server. The server under test allows
// http and private webhook URLs and retries after 0, 1 and 1 seconds (playwright.config.ts).
test.describe.configure({ mode: "serial" });

type Received = { headers: IncomingHttpHeaders; body: string };
const received: Received[] = [];
let failing = false;
let receiver: Server;
let url = "";
let secret = "";

test.beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(failing ? 500 : 200, { "content-type": "application/json" });
      res.end(JSON.stringify(failing ? { error: "receiver is down" } : { received: true, count: received.length }));
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});

test.afterAll(async () => {
  // Retries may still be arriving: close() alone would wait for Plugboard's kept-alive
  // connections to time out, so they are closed too.
  await new Promise<void>((resolve) => {
    receiver.close(() => resolve());
    receiver.closeAllConnections();
  });
});

async function openApiTab(page: Page) {
  await page.goto("/integrations/api");
  await hydrated(page);
  await expect(page.getByTestId("webhooks")).toBeVisible();
}

const endpointRow = (page: Page) => page.locator(`[data-testid=webhook-endpoint][data-url="${url}"]`);
const rowButton = (page: Page, name: string) => endpointRow(page).getByRole("button", { name, exact: true });

/** Publishes through the REST API with the browser's session (cookie plus CSRF header). */
async function publish(page: Page, eventType: string, data: object): Promise<string> {
  const csrf = (await page.context().cookies()).find((c) => c.name === "pb_csrf")?.value ?? "";
  const res = await page.request.post("/api/v1/events/publish", {
    data: { event_type: eventType, data },
    headers: { "x-csrf-token": csrf },
  });
  expect(res.status()).toBe(200);
  return (await res.json()).id;
}

/** The requests the receiver got for `eventId`, once there are `count` of them. */
async function arrivals(eventId: string, count = 1) {
  const of = () => received.filter((r) => r.headers["webhook-id"] === eventId);
  await expect.poll(() => of().length, { timeout: 15_000 }).toBe(count);
  return of();
}

/** Whether one of the request's signatures was made with `key` (Standard Webhooks). */
function signedWith(r: Received, key: string) {
  const bytes = Buffer.from(key.slice("whsec_".length), "base64");
  const signed = `${r.headers["webhook-id"]}.${r.headers["webhook-timestamp"]}.${r.body}`;
  const expected = `v1,${createHmac("sha256", bytes).update(signed).digest("base64")}`;
  return String(r.headers["webhook-signature"]).split(" ").includes(expected);
}

/** A dialog as the admin sees it: the viewport (a full-page capture misplaces the fixed overlay). */
const deliveries = (log: Locator, type: string) => log.locator(`[data-testid=delivery][data-event-type="${type}"]`);

test("add an endpoint: errors by the fields, then the signing secret, copied", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await signIn(page);
  await openApiTab(page);
  const section = page.getByTestId("webhooks");
  await expect(section.getByText("Receive real-time updates when events occur.")).toBeVisible();
  await expect(section.getByText("No webhook endpoints yet")).toBeVisible();

  await section.getByRole("button", { name: "+ Add Webhook Endpoint" }).click();
  const form = page.getByRole("dialog", { name: "Add Webhook Endpoint" });
  await expect(form.getByLabel("Endpoint URL")).toBeFocused();
  await expect(form.getByLabel("Timeout (seconds)")).toHaveValue("15");
  await expect(form.getByRole("switch", { name: "Enabled" })).toBeChecked();
  await expect(form.getByText("Signing secret (auto-generated)")).toBeVisible();
  const create = form.getByRole("button", { name: "Create Webhook" });
  await create.click();
  await expect(form.locator("#webhook-url-error")).toHaveText("Enter an absolute URL, e.g. https://example.com/webhooks.");
  await form.getByLabel("Endpoint URL").fill("ftp://example.com/hooks");
  await create.click();
  await expect(form.locator("#webhook-url-error")).toHaveText("Use an http(s) URL.");

  await form.getByLabel("Endpoint URL").fill(url);
  await form.getByLabel("Description (optional)").fill("CRM integration webhook");
  await create.click();
  await expect(form.getByText("Choose at least one event, or all events (*).")).toBeVisible();
  // "All events" covers the rest: they are greyed out while it is checked.
  await form.getByRole("checkbox", { name: /^All events/ }).check();
  await expect(form.getByRole("checkbox", { name: /^message\.sent/ })).toBeDisabled();
  await form.getByRole("checkbox", { name: /^All events/ }).uncheck();
  for (const type of ["conversation.created", "message.received", "escalation.triggered"]) {
    await form.getByRole("checkbox", { name: new RegExp(`^${type.replace(".", "\\.")}`) }).check();
  }
  await form.getByRole("button", { name: "+ Add header" }).click();
  await form.getByRole("textbox", { name: "Header name" }).fill("X-Team");
  await form.getByRole("textbox", { name: "Header value" }).fill("support");
  await form.getByLabel("Timeout (seconds)").fill("45");
  await create.click();
  await expect(form.getByText("The timeout is 1 to 30 seconds.")).toBeVisible();
  await form.getByLabel("Timeout (seconds)").fill("10");
  await form.getByLabel("Endpoint URL").scrollIntoViewIfNeeded();
  await snapDialog(page, "40-add-webhook");
  await create.click();

  const done = page.getByRole("dialog", { name: "Webhook endpoint created" });
  await expect(done.getByText("Use this to verify webhook signatures")).toBeVisible();
  secret = await done.getByTestId("signing-secret").inputValue();
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  const copy = done.getByRole("button", { name: "Copy signing secret" });
  await copy.click();
  await expect(copy).toHaveText(/Copied/);
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  await snapDialog(page, "41-webhook-created-secret");
  await done.getByRole("button", { name: "Done" }).click();
  await expect(done).toBeHidden();

  const row = endpointRow(page);
  await expect(row.getByTestId("endpoint-status")).toHaveText("Active");
  await expect(row).toContainText("CRM integration webhook");
  await expect(row.getByRole("list", { name: "Subscribed events" })).toContainText("escalation.triggered");
  await expect(row.getByTestId("last-delivery")).toHaveText("No deliveries yet");
  await snap(page, "42-webhooks-list");
});

test("send a test event: the answer's status, time and body in the dialog", async ({ page }) => {
  await signIn(page);
  await openApiTab(page);
  await rowButton(page, "Test").click();
  const dialog = page.getByRole("dialog", { name: "Send a test event" });
  await expect(dialog.getByLabel("Event type")).toHaveValue("conversation.created");
  const before = received.length;
  await dialog.getByRole("button", { name: "Send test event" }).click();
  const result = dialog.getByTestId("test-result");
  await expect(result.getByTestId("status-code").first()).toHaveText("200 OK");
  await expect(result.getByTestId("duration")).toHaveText(/^\d+ ms$/);
  await expect(result.getByTestId("response-body")).toContainText('"received": true');
  expect(received.length).toBe(before + 1);
  const sent = received[received.length - 1];
  expect(sent.headers["x-team"]).toBe("support");
  expect(JSON.parse(sent.body).type).toBe("conversation.created");
  expect(signedWith(sent, secret)).toBe(true);
  await snapDialog(page, "43-webhook-test-result");
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(endpointRow(page).getByTestId("last-delivery")).toContainText("200 OK");
});

test("a published event arrives signed; the log shows it and a redelivery appears live", async ({ page }) => {
  await signIn(page);
  await openApiTab(page);
  const eventId = await publish(page, "message.received", { message_id: "msg_1", text: "Hello" });
  const [first] = await arrivals(eventId);
  expect(String(first.headers["webhook-signature"])).toMatch(/^v1,/);
  expect(signedWith(first, secret)).toBe(true);
  const body = JSON.parse(first.body);
  expect(body).toMatchObject({ id: eventId, type: "message.received", data: { message_id: "msg_1" } });

  await rowButton(page, "Logs").click();
  const log = page.getByRole("dialog", { name: "Delivery log" });
  const published = deliveries(log, "message.received");
  await expect(published).toHaveCount(1);
  await expect(published).toHaveAttribute("data-status", "succeeded");
  await expect(deliveries(log, "conversation.created")).toHaveCount(1);
  await published.getByRole("button", { name: "message.received" }).click();
  await expect(published).toContainText(eventId);
  const attempt = published.getByTestId("attempt");
  await expect(attempt.getByTestId("status-code")).toHaveText("200 OK");
  await expect(attempt).toContainText("webhook-signature");
  await expect(attempt.getByTestId("request-body")).toContainText('"message_id": "msg_1"');
  await snapDialog(page, "44-webhook-log-expanded");

  await published.getByRole("button", { name: "Redeliver" }).click();
  await expect(page.getByText(`Redelivery of ${eventId} queued.`)).toBeVisible();
  // The log refreshes itself: the new delivery shows up, succeeded, without a reload.
  await expect(published).toHaveCount(2);
  await expect(published.first()).toHaveAttribute("data-status", "succeeded");
  const both = await arrivals(eventId, 2);
  expect(both.every((r) => signedWith(r, secret))).toBe(true);
});

test("a failing receiver: attempts and retries in the log, Failing in the list, retry all failed", async ({ page }) => {
  await signIn(page);
  await openApiTab(page);
  await rowButton(page, "Logs").click();
  const log = page.getByRole("dialog", { name: "Delivery log" });
  await expect(deliveries(log, "message.received")).toHaveCount(2);

  failing = true;
  const eventId = await publish(page, "escalation.triggered", { conversation_id: "conv_9", reason: "angry customer" });
  const failed = deliveries(log, "escalation.triggered");
  await expect(failed).toHaveAttribute("data-status", /pending|failed/);
  // Three attempts a second apart, then it is given up.
  await expect(failed).toHaveAttribute("data-status", "failed", { timeout: 20_000 });
  await expect(failed).toContainText("3 attempts");
  await failed.getByRole("button", { name: "escalation.triggered" }).click();
  await expect(failed.getByTestId("attempt")).toHaveCount(3);
  await expect(failed.getByTestId("status-code").first()).toHaveText("500 Internal Server Error");
  await expect(failed.getByTestId("response-body").first()).toContainText("receiver is down");
  await snapDialog(page, "45-webhook-log-failed");

  await log.getByLabel("Status").selectOption("failed");
  await expect(log.getByTestId("delivery")).toHaveCount(1);
  await log.getByLabel("Status").selectOption("succeeded");
  await expect(log.getByTestId("delivery")).toHaveCount(3);
  await expect(deliveries(log, "escalation.triggered")).toHaveCount(0);
  await log.getByLabel("Status").selectOption("");
  await log.getByLabel("Event type").selectOption("escalation.triggered");
  await expect(log.getByTestId("delivery")).toHaveCount(1);
  await log.getByRole("button", { name: "Done" }).click();

  const row = endpointRow(page);
  await expect(row.getByTestId("endpoint-status")).toHaveText("Failing");
  await expect(row.getByTestId("failure-count")).not.toHaveText("0");

  failing = false;
  await rowButton(page, "Logs").click();
  await expect(log.getByLabel("Retry all failed since")).toHaveValue(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
  await log.getByRole("button", { name: "Retry failed" }).click();
  await expect(page.getByText("Retrying 1 failed delivery.")).toBeVisible();
  await expect(deliveries(log, "escalation.triggered")).toHaveAttribute("data-status", "succeeded");
  await arrivals(eventId, 4);
  await log.getByRole("button", { name: "Done" }).click();
  await expect(row.getByTestId("endpoint-status")).toHaveText("Active");
  await expect(row.getByTestId("failure-count")).toHaveText("0");
});

test("edit: the secret masked and revealed, rotation signs with both, settings saved", async ({ page }) => {
  await signIn(page);
  await openApiTab(page);
  await rowButton(page, "Edit").click();
  const form = page.getByRole("dialog", { name: "Edit webhook endpoint" });
  await expect(form.getByLabel("Endpoint URL")).toHaveValue(url);
  await expect(form.getByRole("textbox", { name: "Header name" })).toHaveValue(/^x-team$/i);
  const field = form.getByTestId("signing-secret");
  await expect(field).toHaveValue(/^whsec_•+$/);
  await form.getByRole("button", { name: "Show" }).click();
  await expect(field).toHaveValue(secret);

  await form.getByRole("button", { name: "Rotate secret" }).click();
  await expect(form.getByText(/keeps signing alongside it for 24 hours/)).toBeVisible();
  await form.getByRole("button", { name: "Rotate now" }).click();
  await expect(form.getByTestId("secret-grace")).toContainText("The previous secret also signs deliveries until");
  await expect(field).not.toHaveValue(secret);
  const rotated = await field.inputValue();
  expect(rotated).toMatch(/^whsec_/);
  await snapDialog(page, "46-edit-webhook-rotated");

  await form.getByRole("checkbox", { name: /^escalation\.triggered/ }).uncheck();
  await form.getByLabel("Description (optional)").fill("CRM sync");

  // Retries: the installation's schedule (0, 1 and 1 s here), or the endpoint's own policy,
  // its waits spelled out as they are edited.
  const retries = form.getByTestId("retry-policy");
  await expect(retries.getByRole("radio", { name: /Default schedule/ })).toBeChecked();
  await expect(retries).toContainText("Retried after 1 s and 1 s, then marked failed.");
  await retries.getByRole("radio", { name: /Custom policy/ }).check();
  await retries.getByLabel("Max retries", { exact: true }).fill("3");
  await retries.getByLabel("First retry after (seconds)").fill("10");
  await retries.getByLabel("Backoff", { exact: true }).selectOption("exponential");
  await expect(retries.getByTestId("retry-preview")).toHaveText("Retried after 10 s, 20 s and 40 s, then marked failed.");
  await retries.getByLabel("Max retries", { exact: true }).fill("20");
  await expect(retries.getByTestId("retry-preview")).toHaveText("Retries are 0 to 15.");
  await retries.getByLabel("Max retries", { exact: true }).fill("3");
  await snapDialog(page, "47-edit-webhook-retries");

  // Delivery limits: blank is the installation's default and no rate limit; out of range is
  // refused by the field.
  const inFlight = form.locator("#webhook-max-in-flight");
  const rate = form.locator("#webhook-rate-limit");
  await expect(inFlight).toHaveValue("");
  await expect(rate).toHaveValue("");
  await rate.fill("0");
  await form.getByRole("button", { name: "Save changes" }).click();
  await expect(form.getByText("The rate limit is 1 to 100,000 deliveries a second.")).toBeVisible();
  await expect(rate).toHaveAttribute("aria-describedby", /webhook-rate-limit-error/);
  await rate.fill("50");
  await inFlight.fill("10");
  await form.getByRole("button", { name: "Save changes" }).click();
  await expect(form).toBeHidden();
  const row = endpointRow(page);
  await expect(row).toContainText("CRM sync");
  await expect(row.getByRole("list", { name: "Subscribed events" })).not.toContainText("escalation.triggered");

  // For 24 hours both the new and the old secret sign.
  const eventId = await publish(page, "message.received", { message_id: "msg_2" });
  const [r] = await arrivals(eventId);
  expect(signedWith(r, rotated)).toBe(true);
  expect(signedWith(r, secret)).toBe(true);
  secret = rotated;

  // The policy was saved with the endpoint.
  await rowButton(page, "Edit").click();
  const again = page.getByRole("dialog", { name: "Edit webhook endpoint" });
  await expect(again.getByRole("radio", { name: /Custom policy/ })).toBeChecked();
  await expect(again.getByLabel("Max retries", { exact: true })).toHaveValue("3");
  await expect(again.getByTestId("retry-preview")).toHaveText("Retried after 10 s, 20 s and 40 s, then marked failed.");
  await expect(again.locator("#webhook-max-in-flight")).toHaveValue("10");
  await expect(again.locator("#webhook-rate-limit")).toHaveValue("50");
  await again.getByRole("button", { name: "Cancel" }).click();
  await expect(again).toBeHidden();
});

test("disable stops deliveries, enable resumes; dark mode; delete removes it with its log", async ({ page }) => {
  await signIn(page);
  await openApiTab(page);
  const row = endpointRow(page);
  await rowButton(page, "Disable").click();
  await expect(row.getByTestId("endpoint-status")).toHaveText("Disabled");
  const quiet = await publish(page, "message.received", { message_id: "msg_3" });
  await page.waitForTimeout(1500);
  expect(received.filter((r) => r.headers["webhook-id"] === quiet)).toHaveLength(0);
  await rowButton(page, "Enable").click();
  await expect(row.getByTestId("endpoint-status")).toHaveText("Active");

  await page.getByTestId("theme-toggle").click();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await snap(page, "47-webhooks-dark");
  await rowButton(page, "Logs").click();
  const log = page.getByRole("dialog", { name: "Delivery log" });
  await log.getByTestId("delivery").first().getByRole("button").first().click();
  await snapDialog(page, "48-webhook-log-dark");
  await log.getByRole("button", { name: "Done" }).click();

  await rowButton(page, "Delete").click();
  const confirm = page.getByRole("dialog", { name: "Delete webhook endpoint" });
  await expect(confirm).toContainText(url);
  await expect(confirm).toContainText("its delivery log is deleted too");
  await snapDialog(page, "49-delete-webhook-dark");
  await confirm.getByRole("button", { name: "Delete endpoint" }).click();
  await expect(confirm).toBeHidden();
  await expect(row).toHaveCount(0);
  await expect(page.getByText("No webhook endpoints yet")).toBeVisible();
  await page.getByTestId("theme-toggle").click();
});

test.describe("phone (390x844)", () => {
  // The phone project only; the desktop one has no hamburger and a wider grid.
  test.beforeEach(() => test.skip(!isPhone(), "phone layout"));

  test("the webhooks list, the add sheet and the log fit the phone", async ({ page }) => {
    await signIn(page);
    await openApiTab(page);
    await page.getByRole("button", { name: "+ Add Webhook Endpoint" }).click();
    const form = page.getByRole("dialog", { name: "Add Webhook Endpoint" });
    await form.getByLabel("Endpoint URL").fill(url);
    await form.getByLabel("Description (optional)").fill("Phone test");
    await form.getByRole("checkbox", { name: /^All events/ }).check();
    await form.getByRole("button", { name: "+ Add header" }).click();
    await snapDialog(page, "50-mobile-add-webhook");
    await form.getByRole("button", { name: "Create Webhook" }).click();
    const done = page.getByRole("dialog", { name: "Webhook endpoint created" });
    await expect(done.getByTestId("signing-secret")).toHaveValue(/^whsec_/);
    await snapDialog(page, "51-mobile-webhook-secret");
    await done.getByRole("button", { name: "Done" }).click();

    const row = endpointRow(page);
    await expect(row.getByRole("list", { name: "Subscribed events" })).toHaveText("All events");
    const eventId = await publish(page, "message.sent", { message_id: "msg_4" });
    await arrivals(eventId);
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.getByTestId("webhooks").scrollIntoViewIfNeeded();
    await snap(page, "52-mobile-webhooks");

    await rowButton(page, "Logs").click();
    const log = page.getByRole("dialog", { name: "Delivery log" });
    const sent = deliveries(log, "message.sent");
    await expect(sent).toHaveAttribute("data-status", "succeeded");
    await sent.getByRole("button", { name: "message.sent" }).click();
    await expect(sent.getByTestId("attempt")).toBeVisible();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await snapDialog(page, "53-mobile-webhook-log");
    await log.getByRole("button", { name: "Done" }).click();

    await rowButton(page, "Delete").click();
    await page.getByRole("dialog", { name: "Delete webhook endpoint" }).getByRole("button", { name: "Delete endpoint" }).click();
    await expect(page.getByText("No webhook endpoints yet")).toBeVisible();
  });
});
