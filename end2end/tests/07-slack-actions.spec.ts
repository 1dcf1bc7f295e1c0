import { expect, test } from "@playwright/test";
import { account, createApiKey, hydrated, isPhone, signIn, snap } from "./helpers";

// Slack's Web API contract server (support/slack-api.mjs), shared by both projects: each looks
// for its own messages by a customer name of its own.
const slackURL = `http://127.0.0.1:${Number(process.env.E2E_PORT ?? 3100) + 92}`;

type SlackMessage = { channel_name: string; text: string; blocks: { type: string; text?: { text: string } }[] };

test("a Slack connection posts published events: Send test shows Slack's refusal, the card and the activity log follow", async ({ page, request }) => {
  const customer = `Dana ${isPhone() ? "Phone" : "Desktop"} ${Date.now()}`;
  await signIn(page);
  await page.goto("/integrations/available?provider=slack");
  await hydrated(page);
  await page.getByRole("dialog", { name: "Slack Integration" }).getByRole("button", { name: "Connect with Slack" }).click();
  await page.getByRole("button", { name: "Continue to Slack" }).click();
  await expect(page).toHaveURL(/\/integrations\/connected\?connected=/);
  await hydrated(page);
  await page.getByRole("dialog", { name: "Connection Successful" }).getByRole("button", { name: "Configure Settings" }).click();

  // #sales exists, but the bot is not in it: Slack's reason shows on Send test.
  const configure = page.getByRole("dialog", { name: "Configure Slack" });
  const channel = configure.getByLabel("Notification channel");
  await expect(channel.locator("option", { hasText: "#sales" })).toHaveCount(1);
  // Send test saves the form: without this, the daily summary (due since 09:00) would add a
  // message of its own whenever the scheduler looks.
  await configure.getByLabel("Daily summary", { exact: true }).uncheck();
  await channel.selectOption("#sales");
  await configure.getByTestId("send-test").click();
  await expect(configure.getByTestId("test-result")).toContainText("not_in_channel");
  await snap(page, "70-slack-send-test-refused");

  await channel.selectOption("#support-alerts");
  await configure.getByTestId("send-test").click();
  await expect(configure.getByTestId("test-result")).toContainText("The provider accepted the test.");
  // Failed posts retry on the connection's own policy.
  const retries = configure.getByTestId("retry-policy");
  await retries.getByRole("radio", { name: /Custom policy/ }).check();
  await retries.getByLabel("Max retries", { exact: true }).fill("2");
  await retries.getByLabel("First retry after (seconds)").fill("30");
  await retries.getByLabel("Backoff", { exact: true }).selectOption("linear");
  await expect(retries.getByTestId("retry-preview")).toHaveText("Retried after 30 s and 1 min, then marked failed.");
  await configure.getByRole("button", { name: "Save Changes" }).click();
  await expect(configure).toBeHidden();

  // The host product publishes a new conversation through the REST API.
  const key = createApiKey(account(), `slack-e2e-${Date.now()}`, ["events:write"]);
  const published = await request.post("/api/v1/events/publish", {
    headers: { authorization: `Bearer ${key}` },
    data: {
      event_type: "conversation.created",
      data: { conversation_id: "conv_e2e", channel: "web", customer: { name: customer, email: "dana@example.com" } },
    },
  });
  expect(published.status()).toBe(200);

  await expect
    .poll(async () => {
      const messages: SlackMessage[] = await (await request.get(`${slackURL}/_control/messages`)).json();
      return messages.find((m) => m.text.includes(customer))?.channel_name ?? null;
    }, { timeout: 15_000 })
    .toBe("support-alerts");

  const card = page.getByTestId("connection-slack");
  await expect(card).toContainText("Connected to: #support-alerts");
  await expect(card.getByTestId("last-action")).toContainText("Delivered", { timeout: 15_000 });
  await snap(page, "71-slack-card-last-action");

  await card.getByRole("button", { name: "Activity of Slack" }).click();
  const log = page.getByRole("dialog", { name: "Slack activity" });
  const rows = log.getByTestId("delivery");
  // Two test sends and the published event.
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toContainText("conversation.created");
  await expect(rows.first().getByTestId("delivery-status")).toHaveText("Succeeded");
  await expect(rows.last().getByTestId("delivery-status")).toHaveText("Failed");
  await expect(rows.last().getByTestId("delivery-error")).toContainText("not_in_channel");
  await snap(page, "72-slack-activity");
  await log.getByRole("button", { name: "Done" }).click();

  await page.getByRole("button", { name: "Disconnect Slack" }).click();
  await page.getByRole("dialog", { name: "Disconnect Slack" }).getByRole("button", { name: "Disconnect" }).click();
  await expect(page.getByText("No integrations connected yet")).toBeVisible();
});
