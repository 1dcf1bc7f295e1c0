import { expect, test } from "@playwright/test";
import { account, createApiKey, hydrated, isPhone, signIn, snap } from "./helpers";

// Microsoft's identity platform and Graph contract server (support/teams-api.mjs): the channel
// picker lists every team's channels, and published events arrive as Adaptive Cards.
const teamsURL = `http://127.0.0.1:${Number(process.env.E2E_PORT ?? 3100) + 95}`;
type TeamsMessage = { channelId: string; attachments: { card: { body: { text?: string; facts?: { value: string }[] }[] } }[] };

test("Teams: connect by OAuth, pick a team channel, a published escalation arrives as an Adaptive Card", async ({ page, request }) => {
  const customer = `Morgan ${isPhone() ? "Phone" : "Desktop"} ${Date.now()}`;
  await signIn(page);
  await page.goto("/integrations/available?provider=microsoft-teams");
  await hydrated(page);
  await page.getByRole("dialog", { name: "Microsoft Teams Integration" }).getByRole("button", { name: "Connect with Microsoft Teams" }).click();
  await page.getByRole("button", { name: "Continue to Microsoft Teams" }).click();
  await expect(page).toHaveURL(/\/integrations\/connected\?connected=/);
  await hydrated(page);
  await page.getByRole("dialog", { name: "Connection Successful" }).getByRole("button", { name: "Configure Settings" }).click();

  const configure = page.getByRole("dialog", { name: "Configure Microsoft Teams" });
  await expect(configure.getByTestId("connection-facts")).toContainText("ada@acme.onmicrosoft.com");
  const channel = configure.getByLabel("Notification channel");
  await expect(channel.locator("option", { hasText: "Support › Escalations" })).toHaveCount(1);
  await channel.selectOption({ label: "Support › Escalations" });
  await configure.getByTestId("send-test").click();
  await expect(configure.getByTestId("test-result")).toContainText("The provider accepted the test.");
  await snap(page, "95-teams-configure");
  await configure.getByRole("button", { name: "Save Changes" }).click();
  await expect(configure).toBeHidden();

  const key = createApiKey(account(), `teams-e2e-${Date.now()}`, ["events:write"]);
  const published = await request.post("/api/v1/events/publish", {
    headers: { authorization: `Bearer ${key}` },
    data: { event_type: "escalation.triggered", data: { conversation_id: "conv_t1", customer: { name: customer } } },
  });
  expect(published.status()).toBe(200);
  await expect
    .poll(async () => {
      const messages: TeamsMessage[] = await (await request.get(`${teamsURL}/_control/messages`)).json();
      const mine = messages.find((m) => m.attachments[0]?.card.body.some((b) => b.facts?.some((f) => f.value === customer)));
      return mine ? `${mine.channelId} ${mine.attachments[0].card.body[0].text}` : null;
    }, { timeout: 15_000 })
    .toBe("19:escalations@thread.tacv2 Escalated to a human");

  const card = page.getByTestId("connection-microsoft-teams");
  await expect(card).toContainText("Posts to: Support › Escalations");
  await expect(card.getByTestId("last-action")).toContainText("Delivered", { timeout: 15_000 });
  await page.getByRole("button", { name: "Disconnect Microsoft Teams" }).click();
  await page.getByRole("dialog", { name: "Disconnect Microsoft Teams" }).getByRole("button", { name: "Disconnect" }).click();
  await expect(card).toHaveCount(0);
});
