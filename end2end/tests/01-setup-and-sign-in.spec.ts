import { expect, test } from "@playwright/test";
import { account, ensureCompany, hydrated, signIn, snap } from "./helpers";

test("sign out, a wrong password is refused, the right one signs in", async ({ page }) => {
  const acc = account();
  await signIn(page, acc);
  // Named for who is signed in, on the page the server sent and once hydrated.
  await expect(page.getByRole("button", { name: `Account menu for ${acc.email}` })).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole("button", { name: `Account menu for ${acc.email}` })).toBeVisible();
  await page.getByTestId("user-menu").click();
  await page.getByTestId("sign-out").click();
  await expect(page).toHaveURL(/\/signin$/);
  await hydrated(page);
  // Setup is offered only once.
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();

  await page.getByLabel("Email").fill(acc.email);
  await page.getByLabel("Password", { exact: true }).fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("sign-in-error")).toHaveText("Email or password is incorrect.");
  await snap(page, "03-sign-in-error");

  await page.getByLabel("Password", { exact: true }).fill(acc.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
});

test("after sign-in the page goes on to `next` only when it stays on the site", async ({ browser }) => {
  const acc = account();
  ensureCompany(acc);
  // Resolved by the browser's own URL parser once the page has hydrated: dot segments go, and
  // what a browser would read as another host (a backslash, a tab inside "//") falls back.
  const cases: [string, RegExp][] = [
    ["/a/../settings", /\/settings$/],
    ["/\\evil.example", /\/dashboard$/],
    ["/\t/evil.example/", /\/dashboard$/],
  ];
  for (const [next, landing] of cases) {
    const context = await browser.newContext(test.info().project.use);
    const page = await context.newPage();
    await page.goto(`/signin?next=${encodeURIComponent(next)}`);
    await hydrated(page);
    await page.getByLabel("Email").fill(acc.email);
    await page.getByLabel("Password", { exact: true }).fill(acc.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page, next).toHaveURL(landing);
    await context.close();
  }
});

test("what was typed before the page's script loaded is what the hydrated form sends", async ({ browser }) => {
  const acc = account();
  ensureCompany(acc);
  const context = await browser.newContext(test.info().project.use);
  const page = await context.newPage();
  // The page's wasm is held back until the fields are filled, as on a slow connection.
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route(/\/pkg\/plugboard\.[^/]*\.wasm$/, async (route) => {
    await released;
    await route.continue();
  });
  await page.goto("/signin?next=%2Fsettings", { waitUntil: "domcontentloaded" });
  await page.getByLabel("Email").fill(acc.email);
  await page.getByLabel("Password", { exact: true }).fill(acc.password);
  expect(await page.locator("body").getAttribute("data-hydrated")).toBeNull();
  release();
  await hydrated(page);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/settings$/);
  await context.close();
});

test("without JavaScript the sign-in form still works, and no password ever lands in a URL", async ({ browser }) => {
  const acc = account();
  ensureCompany(acc);
  const context = await browser.newContext({ ...test.info().project.use, javaScriptEnabled: false });
  const page = await context.newPage();
  const urls: string[] = [];
  page.on("request", (request) => urls.push(request.url()));
  await page.goto("/signin?next=%2Fsettings");
  await page.getByLabel("Email").fill(acc.email);
  await page.getByLabel("Password", { exact: true }).fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("sign-in-error")).toHaveText("Email or password is incorrect.");
  await page.getByLabel("Email").fill(acc.email);
  await page.getByLabel("Password", { exact: true }).fill(acc.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();

  // The change-password form cannot send before its script runs: its button waits, Enter does
  // nothing, and the passwords never land in a URL (a form without a method would GET them).
  await page.locator("#current_password").fill(acc.password);
  await page.locator("#new_password").fill("a brand new passphrase");
  await page.locator("#confirm_password").fill("a brand new passphrase");
  await expect(page.getByRole("button", { name: "Change password" })).toBeDisabled();
  await page.locator("#confirm_password").press("Enter");
  await page.waitForTimeout(500);
  await expect(page).toHaveURL(/\/settings$/);
  const leaked = urls.filter((url) => /password|passphrase|correct%20horse|not%20the/.test(url));
  expect(leaked).toEqual([]);
  await context.close();
});

test("pages carry a Content-Security-Policy and still hydrate under it", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/.test(message.text())) violations.push(message.text());
  });
  const response = await page.goto("/signin");
  expect(response?.headers()["content-security-policy"]).toContain("script-src 'self' 'nonce-");
  await hydrated(page);
  await signIn(page);
  await page.goto("/settings");
  await hydrated(page);
  await expect(page.getByTestId("audit-log")).toContainText(`Added admin ${account().email}`);
  await page.getByTestId("audit-log").scrollIntoViewIfNeeded();
  await snap(page, "09-settings-audit-log");
  expect(violations).toEqual([]);
});
