import { expect, test } from "@playwright/test";
import { hydrated, signIn, snap } from "./helpers";

test("add an admin in a modal (Escape closes it, focus stays inside), then remove them", async ({ page }) => {
  await signIn(page);
  await page.goto("/settings");
  await hydrated(page);

  await page.getByRole("button", { name: "+ Add admin" }).click();
  const dialog = page.getByRole("dialog", { name: "Add admin" });
  await expect(dialog).toBeVisible();
  await expect(page.locator("body")).toHaveClass(/modal-open/);
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(page.locator("body")).not.toHaveClass(/modal-open/);

  await page.getByRole("button", { name: "+ Add admin" }).click();
  await expect(dialog.getByLabel("Email")).toBeFocused();
  // Tabbing past the last control wraps to the first: focus never leaves the dialog.
  for (let i = 0; i < 8; i++) await page.keyboard.press("Tab");
  expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);

  await dialog.getByLabel("Email").fill("grace@acme.test");
  await dialog.getByLabel("Name").fill("Grace Hopper");
  await dialog.getByLabel("Initial password").fill("short");
  await dialog.getByRole("button", { name: "Add admin" }).click();
  await expect(dialog.getByText("Password must be at least 8 characters.")).toBeVisible();
  await dialog.getByLabel("Initial password").fill("a fine initial password");
  await snap(page, "08-add-admin-modal");
  await dialog.getByRole("button", { name: "Add admin" }).click();
  await expect(dialog).toBeHidden();
  const admins = page.getByTestId("admins-list");
  await expect(admins.getByText("grace@acme.test")).toBeVisible();

  await page.getByRole("button", { name: "Remove grace@acme.test" }).click();
  const confirm = page.getByRole("dialog", { name: "Remove grace@acme.test" });
  await confirm.getByRole("button", { name: "Remove admin" }).click();
  await expect(confirm).toBeHidden();
  await expect(admins.getByText("grace@acme.test")).toHaveCount(0);
});

test("rename the company: the header follows", async ({ page }) => {
  await signIn(page);
  await page.goto("/settings");
  await hydrated(page);
  await page.getByLabel("Company name").fill("Acme Labs");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByTestId("company-name")).toHaveText("Acme Labs");
  await page.getByLabel("Company name").fill("Acme Corporation");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByTestId("company-name")).toHaveText("Acme Corporation");
});

test("set the company's time zone: it is kept and audited", async ({ page }) => {
  await signIn(page);
  await page.goto("/settings");
  await hydrated(page);
  const zone = page.getByLabel("Time zone", { exact: true });
  await expect(zone.locator("option", { hasText: "Europe/Paris" })).toHaveCount(1);
  await zone.selectOption("Europe/Paris");
  await page.getByRole("button", { name: "Save time zone" }).click();
  await expect(page.getByText("Time zone saved.")).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel("Time zone", { exact: true })).toHaveValue("Europe/Paris");
  await expect(page.getByText("Set the time zone to").first()).toBeVisible();
  await page.getByLabel("Time zone", { exact: true }).selectOption("UTC");
  await page.getByRole("button", { name: "Save time zone" }).click();
  await expect(page.getByText("Time zone saved.")).toBeVisible();
});
