import { expect, test } from "@playwright/test";
import { account, createApiKey, hydrated, isPhone, signIn, snap } from "./helpers";

// Discord's contract server (support/discord-api.mjs): the OAuth grant creates a webhook in the
// channel picked on Discord's consent screen, and published events are posted through it.
const discordURL = `http://127.0.0.1:${Number(process.env.E2E_PORT ?? 3100) + 94}`;
type DiscordMessage = { channel_id: string; content: string; embeds: { title: string; fields: { name: string; value: string }[] }[] };
type DiscordWebhook = { id: string; deleted: boolean };

test("Discord: connect by OAuth, Send test, a published event posts an embed, disconnect deletes the webhook", async ({ page, request }) => {
  const customer = `Riley ${isPhone() ? "Phone" : "Desktop"} ${Date.now()}`;
  const before: DiscordWebhook[] = await (await request.get(`${discordURL}/_control/webhooks`)).json();
  await signIn(page);
  await page.goto("/integrations/available?provider=discord");
  await hydrated(page);
  await page.getByRole("dialog", { name: "Discord Integration" }).getByRole("button", { name: "Connect with Discord" }).click();
  await page.getByRole("button", { name: "Continue to Discord" }).click();
  await expect(page).toHaveURL(/\/integrations\/connected\?connected=/);
  await hydrated(page);
  await page.getByRole("dialog", { name: "Connection Successful" }).getByRole("button", { name: "Configure Settings" }).click();

  const configure = page.getByRole("dialog", { name: "Configure Discord" });
  await expect(configure.getByTestId("connection-facts")).toContainText("Plugboard");
  await expect(configure.getByLabel("Escalations to human")).toBeChecked();
  await expect(configure.getByTestId("retry-policy")).toBeVisible();
  await configure.getByTestId("send-test").click();
  await expect(configure.getByTestId("test-result")).toContainText("The provider accepted the test.");
  await snap(page, "90-discord-configure");
  await configure.getByRole("button", { name: "Save Changes" }).click();
  await expect(configure).toBeHidden();

  const key = createApiKey(account(), `discord-e2e-${Date.now()}`, ["events:write"]);
  const published = await request.post("/api/v1/events/publish", {
    headers: { authorization: `Bearer ${key}` },
    data: { event_type: "conversation.created", data: { conversation_id: "conv_d1", customer: { name: customer } } },
  });
  expect(published.status()).toBe(200);
  await expect
    .poll(async () => {
      const messages: DiscordMessage[] = await (await request.get(`${discordURL}/_control/messages`)).json();
      const mine = messages.find((m) => m.embeds[0]?.fields.some((f) => f.value === customer));
      return mine ? `${mine.channel_id} ${mine.embeds[0].title}` : null;
    }, { timeout: 15_000 })
    .toBe("345626669224982402 New conversation");

  const card = page.getByTestId("connection-discord");
  await expect(card.getByTestId("last-action")).toContainText("Delivered", { timeout: 15_000 });
  await snap(page, "91-discord-card");

  await page.getByRole("button", { name: "Disconnect Discord" }).click();
  await page.getByRole("dialog", { name: "Disconnect Discord" }).getByRole("button", { name: "Disconnect" }).click();
  await expect(card).toHaveCount(0);
  const after: DiscordWebhook[] = await (await request.get(`${discordURL}/_control/webhooks`)).json();
  const created = after.filter((w) => !before.some((b) => b.id === w.id));
  expect(created.length).toBe(1);
  expect(created[0].deleted).toBe(true);
});
