import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { expect, Locator, Page, test } from "@playwright/test";
import { account, artifact, createApiKey, hydrated, signIn, snap } from "./helpers";

// What a new admin meets first: the dashboard (first steps, then the overview), and the rough
// edges of the first hour: toasts that cover nothing, the bell's name, one time zone in the
// logs, test deliveries marked, connections with names. The browser runs in India's time zone
// (UTC+5:30, no daylight saving) so local times are recognisable.
test.describe.configure({ mode: "serial" });
test.use({ timezoneId: "Asia/Kolkata" });

// A receiver with three paths: /ok answers 200, /down 503, /gone 410 (which switches the
// endpoint off at once).
let receiver: Server;
let base = "";

test.beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const status = req.url === "/down" ? 503 : req.url === "/gone" ? 410 : 200;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ status }));
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  // Retries may still be arriving: close() alone would wait for Plugboard's kept-alive
  // connections to time out, so they are closed too.
  await new Promise<void>((resolve) => {
    receiver.close(() => resolve());
    receiver.closeAllConnections();
  });
});

/** A POST through the REST API with the browser's session (cookie plus CSRF header). */
async function api(page: Page, path: string, data: object) {
  const csrf = (await page.context().cookies()).find((c) => c.name === "pb_csrf")?.value ?? "";
  const res = await page.request.post(path, { data, headers: { "x-csrf-token": csrf } });
  expect(res.status(), await res.text()).toBe(200);
  return res.json();
}

async function openDashboard(page: Page) {
  await page.goto("/dashboard");
  await hydrated(page);
}

const step = (page: Page, title: string): Locator =>
  page.getByTestId("getting-started").locator("li", { hasText: title });

function overlaps(a: { x: number; y: number; width: number; height: number }, b: typeof a) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

test("a new company lands on its first steps, ticked as it takes them", async ({ page }) => {
  await signIn(page);
  // Sign-in lands on the dashboard.
  await expect(page.getByRole("heading", { name: "Dashboard", level: 1 })).toBeVisible();
  const steps = page.getByTestId("getting-started");
  await expect(steps).toContainText("0 of 4 done");
  await expect(page.getByTestId("attention")).toHaveCount(0);
  await snap(page, "120-dashboard-getting-started");

  // Each step leads to where it is done.
  await step(page, "Connect a service").getByRole("link", { name: "Browse integrations" }).click();
  await expect(page).toHaveURL(/\/integrations\/available$/);

  createApiKey(account(), "Backend", ["events:write"]);
  const endpoint = await api(page, "/api/v1/webhooks/create", { url: `${base}/ok`, event_types: ["*"] });
  await openDashboard(page);
  await expect(steps).toContainText("2 of 4 done");
  await expect(step(page, "Create an API key")).toHaveClass(/done/);
  await expect(step(page, "Add a webhook endpoint")).toHaveClass(/done/);
  await expect(step(page, "Add a webhook endpoint").getByRole("link")).toHaveCount(0);
  await expect(step(page, "Send a test event")).not.toHaveClass(/done/);

  await api(page, "/api/v1/webhooks/test", { id: endpoint.endpoint.id, event_type: "conversation.created" });
  await openDashboard(page);
  await expect(steps).toContainText("3 of 4 done");
  await expect(page.getByTestId("tile-deliveries")).toContainText("1 delivered");
  await expect(page.getByTestId("attention")).toContainText("All clear");
});

test("the overview counts states, charts the day and says what needs attention", async ({ page }) => {
  await signIn(page);
  await api(page, "/api/v1/webhooks/create", { url: `${base}/down`, event_types: ["conversation.closed"] });
  await api(page, "/api/v1/webhooks/create", { url: `${base}/gone`, event_types: ["conversation.closed"] });
  await api(page, "/api/v1/events/publish", { event_type: "conversation.closed", data: { conversation_id: "c_1" } });

  const attention = page.getByTestId("attention");
  const chart = page.getByTestId("delivery-chart").getByRole("img");
  // The worker answers in the background and records each answer as it comes: look again until
  // all three endpoints were tried and the switch-off was notified (the bell's name says how
  // many are unread). Delivered: the first test's Send test and this event at /ok. Failed: the
  // 410 at once; the 503 for good after its quick retries, or it is still retrying.
  const bell = page.getByRole("button", { name: /^Notifications, [1-9]\d* unread$/ });
  await expect(async () => {
    await openDashboard(page);
    await expect(attention.getByText(`Endpoint failing: ${base}/down`)).toBeVisible({ timeout: 1_000 });
    await expect(attention.getByText(`Endpoint switched off: ${base}/gone`)).toBeVisible({ timeout: 1_000 });
    await expect(bell).toBeVisible({ timeout: 1_000 });
    await expect(chart).toHaveAttribute(
      "aria-label",
      /^Deliveries per hour over the last 24 hours: 2 delivered, [12] failed/,
      { timeout: 1_000 },
    );
  }).toPass({ timeout: 20_000 });
  await expect(attention).toContainText("The endpoint answered 410 Gone.");
  await expect(page.getByTestId("tile-endpoints")).toContainText("1 healthy");
  await expect(page.getByTestId("tile-endpoints")).toContainText("1 failing");
  await expect(page.getByTestId("tile-endpoints")).toContainText("1 disabled");
  // The dashboard lists the notification too.
  await expect(page.getByRole("region", { name: "Recent notifications" }).getByRole("link").first()).toBeVisible();
  await snap(page, "121-dashboard-overview");

  // Each item leads to where it is fixed.
  await attention.locator("li", { hasText: `${base}/down` }).getByRole("link", { name: "View deliveries" }).click();
  await expect(page).toHaveURL(/\/integrations\/api$/);
  await hydrated(page);
  await expect(page.locator(`[data-testid=webhook-endpoint][data-url="${base}/down"]`)).toBeVisible();
});

test("the delivery log shows the browser's time with its offset, and marks test deliveries", async ({ page }) => {
  await signIn(page);
  await page.goto("/integrations/api");
  await hydrated(page);
  const row = page.locator(`[data-testid=webhook-endpoint][data-url="${base}/ok"]`);
  await row.getByRole("button", { name: "Logs", exact: true }).click();
  const log = page.getByRole("dialog", { name: "Delivery log" });
  // The Send test of the first test, and the published conversation.closed (not a test).
  const delivery = log.locator('[data-testid=delivery][data-test="true"]');
  await expect(delivery).toHaveCount(1);
  await expect(delivery.getByText("Test", { exact: true })).toBeVisible();
  const published = log.locator('[data-testid=delivery][data-event-type="conversation.closed"]');
  await expect(published).toHaveAttribute("data-test", "false");
  await expect(published.getByText("Test", { exact: true })).toHaveCount(0);
  await expect(delivery.locator("time").first()).toHaveText(/^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{2}:\d{2}:\d{2} UTC\+5:30$/);
  await expect(log.getByTestId("retry-zone")).toHaveText("(UTC+5:30)");

  // A toast (here: the redelivery queued) goes on request, and covers none of the dialog's
  // buttons.
  // (A redelivery of the test is a test too: the log then lists it first.)
  const toast = page.locator(".toast").filter({ hasText: "Redelivery of" });
  await delivery.first().getByRole("button", { name: "Redeliver" }).click();
  await toast.getByRole("button", { name: "Dismiss notification" }).click();
  await expect(toast).toHaveCount(0);
  await delivery.first().getByRole("button", { name: "Redeliver" }).click();
  await expect(toast).toBeVisible();
  const toastBox = (await toast.boundingBox())!;
  await page.screenshot({ path: artifact("122-toast-clear-of-dialog") });
  for (const button of await log.getByRole("button").all()) {
    if (!(await button.isVisible())) continue;
    const box = (await button.boundingBox())!;
    expect(overlaps(toastBox, box), `the toast covers ${await button.textContent()}`).toBe(false);
  }
  await log.getByRole("button", { name: "Done" }).click();
});

test("two connections of one service are told apart, and one can be named", async ({ page }) => {
  await signIn(page);
  for (const hook of ["111/aaa", "222/bbb"]) {
    await api(page, "/api/v1/integrations/connect_webhook", {
      slug: "zapier",
      url: `https://hooks.zapier.com/hooks/catch/${hook}/`,
    });
  }
  await page.goto("/integrations/connected");
  await hydrated(page);
  const names = page.getByTestId("connection-zapier").getByTestId("connection-name");
  await expect(names).toHaveText(["Zapier", "Zapier 2"]);

  await page.getByRole("button", { name: "Configure Zapier 2" }).click();
  const dialog = page.getByRole("dialog", { name: "Configure Zapier 2" });
  await dialog.getByLabel("Name", { exact: true }).fill("Escalations to the CRM Zap");
  await dialog.getByRole("button", { name: "Save Changes" }).click();
  await expect(dialog).toBeHidden();
  const named = page.getByTestId("connection-zapier").filter({ hasText: "Escalations to the CRM Zap" });
  await expect(named.getByTestId("connection-account")).toHaveText("Zapier");
  await expect(names).toHaveText(["Zapier", "Escalations to the CRM Zap"]);
  await snap(page, "123-named-connections");

  // Saved for real: a reload shows the name, and the dialog has it.
  await page.reload();
  await hydrated(page);
  await expect(names).toHaveText(["Zapier", "Escalations to the CRM Zap"]);
  await page.getByRole("button", { name: "Configure Escalations to the CRM Zap" }).click();
  await expect(page.getByRole("dialog", { name: "Configure Escalations to the CRM Zap" }).getByLabel("Name", { exact: true })).toHaveValue("Escalations to the CRM Zap");
});
