import { expect, test } from "@playwright/test";
import { ADMIN, hydrated, snap } from "./helpers";

// Runs against an installation of its own, with no company yet (playwright.config.ts).
test("first run: the sign-in page offers setup, which creates the company and signs in", async ({ page }) => {
  await page.goto("/integrations/connected");
  // Unauthenticated pages redirect to sign-in, remembering where we were going.
  await expect(page).toHaveURL(/\/signin\?next=%2Fintegrations%2Fconnected$/);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Set up Plugboard" })).toBeVisible();
  await snap(page, "01-setup-form");

  // An empty try marks every required field at once, not only the first.
  await page.getByRole("button", { name: "Create company and sign in" }).click();
  for (const id of ["company_name", "email", "password", "confirm_password"]) {
    await expect(page.locator(`#${id}`)).toHaveAttribute("aria-invalid", "true");
  }
  await expect(page.locator("#name")).toHaveAttribute("aria-invalid", "false");
  await snap(page, "01-setup-form-required");

  await page.getByLabel("Company name").fill(ADMIN.company);
  await page.getByLabel("Your name").fill(ADMIN.name);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
  await page.getByLabel("Confirm password").fill("something else");
  await page.getByRole("button", { name: "Create company and sign in" }).click();
  await expect(page.getByText("Passwords do not match.")).toBeVisible();

  await page.getByLabel("Confirm password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Create company and sign in" }).click();
  await expect(page).toHaveURL(/\/integrations\/connected$/);
  await hydrated(page);
  await expect(page.getByTestId("company-name")).toHaveText(ADMIN.company);
  await expect(page.getByRole("heading", { name: "Integrations", level: 1 })).toBeVisible();
  await snap(page, "02-integrations-connected");
});
