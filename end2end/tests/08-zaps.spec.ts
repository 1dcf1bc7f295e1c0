import { expect, test } from "@playwright/test";
import { account, createApiKey, ensureCompany, hydrated, isPhone, signIn, snap } from "./helpers";

// Zaps subscribe through Zapier's REST Hooks with an API key; the Connected tab shows them on
// one Zapier card and an admin can remove one.
test("Zaps subscribed through REST Hooks show on one Zapier card and can be removed", async ({ page, request }) => {
  ensureCompany(account());
  const key = createApiKey(account(), `zapier-e2e-${Date.now()}`, ["integrations:write"]);
  const zap = isPhone() ? "phone" : "desk";
  for (const [hook, event_type] of [
    [`https://hooks.zapier.com/hooks/standard/42/${zap}one/`, "conversation.created"],
    [`https://hooks.zapier.com/hooks/standard/42/${zap}two/`, "escalation.triggered"],
  ]) {
    const res = await request.post("/api/v1/hooks/subscribe", {
      headers: { authorization: `Bearer ${key}` },
      data: { target_url: hook, event_type },
    });
    expect(res.status(), await res.text()).toBe(200);
  }

  await signIn(page);
  await page.goto("/integrations/connected");
  await hydrated(page);
  const card = page.getByTestId("connection-zapier-rest-hooks");
  await expect(card.getByTestId("active-zaps")).toHaveText("2 active Zaps");
  await expect(card.getByTestId("zap")).toHaveCount(2);
  await expect(card.getByTestId("zap").first()).toContainText("conversation.created");
  await snap(page, "80-zapier-rest-hooks");

  await card.getByRole("button", { name: "Remove the Zap on escalation.triggered" }).click();
  await page.getByRole("dialog", { name: "Disconnect Zapier" }).getByRole("button", { name: "Disconnect" }).click();
  await expect(card.getByTestId("active-zaps")).toHaveText("1 active Zap");
  await expect(card.getByTestId("zap")).toHaveCount(1);
});
