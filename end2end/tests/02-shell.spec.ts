import { expect, test } from "@playwright/test";
import { hydrated, isPhone, openMenu, signIn, snap } from "./helpers";

test("the three tabs are routes: click through, deep link, back button", async ({ page }) => {
  await signIn(page);
  await page.goto("/integrations/connected");
  await hydrated(page);
  // Nothing sticks out sideways on a desktop window either.
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  const tabs = page.getByRole("navigation", { name: "Integrations sections" });

  await tabs.getByRole("link", { name: "Available" }).click();
  await expect(page).toHaveURL(/\/integrations\/available$/);
  await expect(page.getByRole("heading", { name: "Available Integrations" })).toBeVisible();
  await expect(tabs.getByRole("link", { name: "Available" })).toHaveAttribute("aria-current", "page");

  await tabs.getByRole("link", { name: "API & Webhooks" }).click();
  await expect(page).toHaveURL(/\/integrations\/api$/);
  await expect(page.getByRole("heading", { name: "API Access" })).toBeVisible();
  await snap(page, "04-api-tab");

  await page.goBack();
  await expect(page).toHaveURL(/\/integrations\/available$/);
  await expect(page.getByRole("heading", { name: "Available Integrations" })).toBeVisible();

  await page.goto("/integrations/api");
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "API Access" })).toBeVisible();

  await tabs.getByRole("link", { name: "Connected" }).click();
  await expect(page.getByRole("heading", { name: "Connected Integrations (0)" })).toBeVisible();
  await expect(page.getByText("No integrations connected yet")).toBeVisible();
});

test("the header search opens the Available tab filtered by the query", async ({ page }) => {
  await signIn(page);
  const field = page.getByRole("searchbox", { name: "Search integrations" });
  const toggle = page.getByRole("button", { name: "Search integrations" });
  if (isPhone()) {
    // On a phone the field waits behind a search button, one tap away, and gets the focus.
    await expect(field).toBeHidden();
    await toggle.click();
    await expect(field).toBeFocused();
    await snap(page, "05-phone-search");
  } else {
    await expect(toggle).toBeHidden();
  }
  await field.fill("slack");
  await field.press("Enter");
  await expect(page).toHaveURL(/\/integrations\/available\?q=slack$/);
  await expect(field).toBeVisible({ visible: !isPhone() });
  await expect(page.getByTestId("provider-slack")).toBeVisible();
  await expect(page.getByTestId("provider-grid").locator("li")).toHaveCount(1);
  await expect(page.getByLabel("Filter integrations")).toHaveValue("slack");
});

test("every sidebar entry leads to a page", async ({ page }) => {
  await signIn(page);
  const nav = page.getByRole("navigation", { name: "Main navigation" });
  for (const [name, heading] of [["Dashboard", "Dashboard"], ["Settings", "Settings"], ["Integrations", "Integrations"]]) {
    await openMenu(page);
    await nav.getByRole("link", { name }).click();
    await expect(page.getByRole("heading", { name: heading, level: 1 })).toBeVisible();
  }
  await page.getByRole("link", { name: "Help" }).click();
  await expect(page.getByRole("heading", { name: "Help", level: 1 })).toBeVisible();
});

test("dark mode toggles and the choice persists across reloads", async ({ page }) => {
  await signIn(page);
  const html = page.locator("html");
  const toggle = page.getByTestId("theme-toggle");
  await expect(toggle).toHaveAttribute("aria-pressed", "false");
  await toggle.click();
  await expect(html).toHaveAttribute("data-theme", "dark");
  const darkBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await snap(page, "05-dark-mode");

  await page.reload();
  await hydrated(page);
  await expect(html).toHaveAttribute("data-theme", "dark");
  await expect(page.getByTestId("theme-toggle")).toHaveAttribute("aria-pressed", "true");
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(darkBg);

  await page.getByTestId("theme-toggle").click();
  await expect(html).toHaveAttribute("data-theme", "light");
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe(darkBg);
});

test("the system dark preference applies until the admin chooses", async ({ browser }) => {
  const context = await browser.newContext({ ...test.info().project.use, colorScheme: "dark" });
  const page = await context.newPage();
  await signIn(page);
  await expect(page.getByTestId("theme-toggle")).toHaveAttribute("aria-pressed", "true");
  // The dark palette (--bg #0b0c10) is in force without any stored choice.
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe("rgb(11, 12, 16)");
  await context.close();
});

test("a page whose code cannot be fetched (a deploy replaced it) loads afresh once, then says so", async ({ page }) => {
  await signIn(page);
  // The Settings page's code, refused as a server that no longer has this build's files would.
  let refusing = true;
  let refused = 0;
  await page.route(/\/pkg\/split___settings_route_view_[^/]*\.wasm$/, async (route) => {
    if (!refusing) return route.continue();
    refused++;
    await route.fulfill({ status: 404, contentType: "text/plain", body: "Not found" });
  });
  await page.evaluate(() => ((window as unknown as { oldScript: boolean }).oldScript = true));
  await openMenu(page);
  await page.getByRole("navigation").getByRole("link", { name: "Settings" }).click();
  // The tab loads the page it was going to afresh, to get the current build: the old page's
  // script and its marker are gone.
  await expect(page).toHaveURL(/\/settings$/);
  await expect
    .poll(() =>
      page
        .evaluate(() => (window as unknown as { oldScript?: boolean }).oldScript ?? false)
        .catch(() => true),
    )
    .toBe(false);
  // Still refused as that page hydrates: no reload loop, a notice with a way on instead.
  const notice = page.getByTestId("code-load-failed");
  await expect(notice).toBeVisible();
  await expect(notice).toContainText("Part of this page could not be loaded");
  expect(refused).toBe(2);
  await expect(notice.getByRole("link", { name: "Reload" })).toHaveAttribute("href", /\/settings$/);
  // The files are back (the new build's): the link brings a working app.
  refusing = false;
  await notice.getByRole("link", { name: "Reload" }).click();
  await hydrated(page);
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();
  await expect(page.getByTestId("code-load-failed")).toHaveCount(0);
});

test.describe("phone (390x844)", () => {
  // The phone project only; the desktop one has no hamburger and a wider grid.
  test.beforeEach(() => test.skip(!isPhone(), "phone layout"));

  test("the hamburger opens the sidebar; following a link closes it", async ({ page }) => {
    await signIn(page);
    await page.goto("/integrations/connected");
    await hydrated(page);
    const sidebar = page.getByRole("navigation", { name: "Main navigation" });
    await expect(sidebar).not.toBeInViewport();
    await expect(page.getByRole("button", { name: "Open navigation" })).toBeVisible();
    // The tabs scroll sideways instead of wrapping or overflowing the page.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await snap(page, "06-mobile-closed");

    await page.getByRole("button", { name: "Open navigation" }).click();
    await expect(sidebar).toBeInViewport();
    await snap(page, "07-mobile-sidebar-open");

    await sidebar.getByRole("link", { name: "Settings" }).click();
    await expect(page).toHaveURL(/\/settings$/);
    await expect(sidebar).not.toBeInViewport();
  });
});

test("the bundle is named by its content, sent precompressed and cached for a year", async ({ page }) => {
  await page.goto("/signin");
  await hydrated(page);
  // The shared bundle, and the page's own chunks where the server preloads them.
  const wasm = await page
    .locator('link[rel="preload"][href$=".wasm"]')
    .evaluateAll((links) => links.map((link) => link.getAttribute("href")));
  expect(wasm).toContainEqual(expect.stringMatching(/^\/pkg\/plugboard\.[A-Za-z0-9_-]{22}\.wasm$/));
  const css = await page.locator('link[rel="stylesheet"]').first().getAttribute("href");
  expect(css).toMatch(/^\/pkg\/plugboard\.[A-Za-z0-9_-]{22}\.css$/);
  for (const href of [...wasm, css]) {
    expect(href).toMatch(/^\/pkg\/[A-Za-z0-9_]+\.[A-Za-z0-9_-]{22}\.(wasm|css)$/);
    const res = await page.request.get(href!, { headers: { "Accept-Encoding": "br" } });
    expect(res.status()).toBe(200);
    expect(res.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(res.headers()["content-encoding"]).toBe("br");
    // Unchanged since the browser's copy: 304, nothing sent again.
    const again = await page.request.get(href!, {
      headers: { "If-Modified-Since": res.headers()["last-modified"] },
    });
    expect(again.status()).toBe(304);
  }
  // Pages carry private data: never stored.
  const signin = await page.request.get("/signin");
  expect(signin.headers()["cache-control"]).toBe("no-store");
});

test("the bundle is split by page: the sign-in page loads its own code, not the other pages'", async ({
  page,
}) => {
  await page.goto("/signin");
  await hydrated(page);
  const loaded = await page.evaluate(() =>
    performance.getEntriesByType("resource").map((entry) => new URL(entry.name).pathname),
  );
  expect(loaded).toContainEqual(expect.stringMatching(/^\/pkg\/split___sign_in_route_view_/));
  for (const other of ["dashboard", "api", "api_docs", "settings", "connected", "available"]) {
    expect(loaded).not.toContainEqual(expect.stringMatching(new RegExp(`^/pkg/split___${other}_route_view_`)));
  }
  // Another page's code comes when that page is first shown.
  await signIn(page);
  await page.goto("/settings");
  await hydrated(page);
  const settings = await page.evaluate(() =>
    performance.getEntriesByType("resource").map((entry) => new URL(entry.name).pathname),
  );
  expect(settings).toContainEqual(expect.stringMatching(/^\/pkg\/split___settings_route_view_/));
});
