import { expect, test } from "@playwright/test";
import { account, createApiKey, hydrated, isPhone, signIn, snap } from "./helpers";

// The SMTP relay's contract server (support/smtp-relay.mjs) records what Plugboard mailed;
// inbound mail is posted as Postmark's inbound webhook sends it.
const relayURL = `http://127.0.0.1:${Number(process.env.E2E_PORT ?? 3100) + 97}`;
type Mail = { envelope: { to: string[] }; subject: string; text: string; reply_to: string | null };

test("Email forwarding: the card shows the forwarding address, Send test and escalations are mailed, mail to the address becomes an event", async ({ page, request }) => {
  const acc = account();
  const address = `${acc.company.toLowerCase().replace(/[^a-z0-9]+/g, "-")}@in.plugboard.test`;
  const mailbox = `support+${isPhone() ? "phone" : "desktop"}@example.com`;
  const mailsTo = async () =>
    ((await (await request.get(`${relayURL}/_control/messages`)).json()) as Mail[]).filter((m) => m.envelope.to.includes(mailbox));

  await signIn(page);
  await page.goto("/integrations/available?provider=email-forwarding");
  await hydrated(page);
  await page.getByRole("button", { name: "Connect with Email forwarding" }).click();
  const form = page.getByTestId("connect-form");
  await form.getByLabel("Your support mailbox").fill(mailbox);
  await form.getByRole("button", { name: "Connect Email forwarding" }).click();
  await expect(page.getByRole("dialog", { name: "Connection Successful" })).toBeVisible();
  await page.getByRole("button", { name: "Done" }).click();

  const card = page.getByTestId("connection-email-forwarding");
  await expect(card.getByTestId("inbound-address")).toContainText(`Forward emails to ${address}`);
  await expect(card.getByRole("button", { name: "Copy forwarding address" })).toBeVisible();
  await expect(card).toContainText(`Forwards to ${mailbox}`);
  await snap(page, "100-email-card");

  await page.getByRole("button", { name: "Configure Email forwarding" }).click();
  const configure = page.getByRole("dialog", { name: "Configure Email forwarding" });
  await expect(configure.getByLabel("Escalations to human")).toBeChecked();
  await configure.getByTestId("send-test").click();
  await expect(configure.getByTestId("test-result")).toContainText("The provider accepted the test.");
  await expect.poll(async () => (await mailsTo()).length, { timeout: 15_000 }).toBe(1);
  await snap(page, "101-email-configure");
  await configure.getByRole("button", { name: "Save Changes" }).click();
  await expect(configure).toBeHidden();

  const customer = `Dana ${isPhone() ? "Phone" : "Desktop"} ${Date.now()}`;
  const key = createApiKey(acc, `email-e2e-${Date.now()}`, ["events:write"]);
  const published = await request.post("/api/v1/events/publish", {
    headers: { authorization: `Bearer ${key}` },
    data: {
      event_type: "escalation.triggered",
      data: { conversation_id: "conv_e1", priority: "high", customer: { name: customer, email: "dana@example.com" } },
    },
  });
  expect(published.status()).toBe(200);
  await expect
    .poll(async () => (await mailsTo()).find((m) => m.subject.includes(customer))?.reply_to ?? null, { timeout: 15_000 })
    .toBe(`"${customer}" <dana@example.com>`);
  await expect(card.getByTestId("last-action")).toContainText("Delivered", { timeout: 15_000 });

  const inbound = await request.post("/inbound/email/postmark", {
    headers: { authorization: `Basic ${Buffer.from("postmark:e2e-inbound-secret").toString("base64")}` },
    data: {
      From: "dana@example.com", FromName: customer, To: address, OriginalRecipient: address, Subject: "Still waiting",
      MessageID: `pm-${Date.now()}`, TextBody: "Any news on my order?", HtmlBody: "", Attachments: [],
      Headers: [{ Name: "Message-ID", Value: `<${Date.now()}.${isPhone() ? "p" : "d"}@mail.example.com>` }],
    },
  });
  expect(inbound.status()).toBe(200);
  expect((await inbound.json()).status).toBe("published");

  await page.getByRole("button", { name: "Disconnect Email forwarding" }).click();
  await page.getByRole("dialog", { name: "Disconnect Email forwarding" }).getByRole("button", { name: "Disconnect" }).click();
  await expect(card).toHaveCount(0);
});

test("a mailbox the relay refuses: the card goes to Error, the notification leads to it", async ({ page, request }) => {
  await signIn(page);
  await page.goto("/integrations/available?provider=email-forwarding");
  await hydrated(page);
  await page.getByRole("button", { name: "Connect with Email forwarding" }).click();
  const form = page.getByTestId("connect-form");
  await form.getByLabel("Your support mailbox").fill("nobody@example.com");
  await form.getByRole("button", { name: "Connect Email forwarding" }).click();
  await page.getByRole("button", { name: "Done" }).click();

  const key = createApiKey(account(), `email-refused-${Date.now()}`, ["events:write"]);
  const published = await request.post("/api/v1/events/publish", {
    headers: { authorization: `Bearer ${key}` },
    data: { event_type: "escalation.triggered", data: { conversation_id: "conv_e2", customer: { name: "Sam" } } },
  });
  expect(published.status()).toBe(200);
  const card = page.getByTestId("connection-email-forwarding");
  await expect(card.getByRole("alert")).toContainText("User unknown", { timeout: 15_000 });

  // The admins are told, and the notification opens the Connected tab from anywhere.
  await page.goto("/integrations/api");
  await hydrated(page);
  await expect(page.locator(".bell .count-badge")).toHaveText(/^[1-9]/);
  await page.getByRole("button", { name: /^Notifications/ }).click();
  await page.getByRole("region", { name: "Notifications" }).getByRole("link", { name: /Email forwarding needs to be reconnected/ }).first().click();
  await expect(page).toHaveURL(/\/integrations\/connected$/);
  await expect(card.getByRole("button", { name: "Reconnect" })).toBeVisible();
  await snap(page, "102-email-error");

  await page.getByRole("button", { name: "Disconnect Email forwarding" }).click();
  await page.getByRole("dialog", { name: "Disconnect Email forwarding" }).getByRole("button", { name: "Disconnect" }).click();
  await expect(card).toHaveCount(0);
});

