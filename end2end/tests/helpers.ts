import { expect, Page } from "@playwright/test";

export const ADMIN = {
  company: "Acme Corporation",
  name: "Ada Admin",
  email: "ada@acme.test",
  password: "correct horse battery",
};

/** Screenshots kept as test artifacts under end2end/artifacts/. */
export async function snap(page: Page, name: string) {
  // Let transitions (theme colours, modal fade-in) settle so the picture shows the final state.
  await page.waitForTimeout(400);
  await page.screenshot({ path: `artifacts/${name}.png`, fullPage: true });
}

/** The page is interactive once the app has hydrated. */
export async function hydrated(page: Page) {
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
}

export async function signIn(page: Page, email = ADMIN.email, password = ADMIN.password) {
  await page.goto("/signin");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/integrations\/connected$/);
  await hydrated(page);
}
