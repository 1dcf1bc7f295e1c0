import { execFileSync } from "node:child_process";
import { basename } from "node:path";
import { expect, Page, test, TestInfo } from "@playwright/test";

export const PASSWORD = "correct horse battery";

/** The admin of the first-run spec's installation (its own server and database). */
export const ADMIN = {
  company: "Acme Corporation",
  name: "Ada Admin",
  email: "ada@acme.test",
  password: PASSWORD,
};

export type Account = { company: string; email: string; password: string };

/**
 * The company a spec works in: one per spec file and project (desktop, phone), so specs are
 * independent of each other and run in parallel.
 */
export function account(info: TestInfo = test.info()): Account {
  const slug = `${basename(info.file, ".spec.ts")}-${info.project.name}`;
  return { company: `Acme ${slug}`, email: `ada+${slug}@acme.test`, password: PASSWORD };
}

/** Creates the company and its admin the way an operator does (`plugboard admin create`). */
export function ensureCompany(acc: Account) {
  try {
    execFileSync(
      "../target/release/plugboard",
      ["admin", "create", "--company", acc.company, "--email", acc.email, "--password", acc.password],
      { env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL ?? "", RUST_LOG: "error" }, stdio: "pipe" },
    );
  } catch (e) {
    const stderr = String((e as { stderr?: Buffer }).stderr ?? "");
    if (!stderr.includes("already has an admin")) throw e;
  }
}

export const isPhone = (info: TestInfo = test.info()) => info.project.name === "phone";

/** Screenshots kept as test artifacts under end2end/artifacts/ (phone ones end in -phone). */
export async function snap(page: Page, name: string) {
  // Let transitions (theme colours, modal fade-in) settle so the picture shows the final state.
  await page.waitForTimeout(400);
  await page.screenshot({ path: artifact(name), fullPage: true });
}

/** A dialog as the viewport shows it (a full-page capture misdraws fixed overlays). */
export async function snapDialog(page: Page, name: string) {
  await page.waitForTimeout(400);
  await page.screenshot({ path: artifact(name) });
}

export function artifact(name: string) {
  return `artifacts/${name}${isPhone() ? "-phone" : ""}.png`;
}

/** The page is interactive once the app has hydrated. */
export async function hydrated(page: Page) {
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
}

/** Signs in as the spec's admin (creating its company first). */
export async function signIn(page: Page, acc: Account = account()) {
  ensureCompany(acc);
  await page.goto("/signin");
  await hydrated(page);
  await page.getByLabel("Email").fill(acc.email);
  await page.getByLabel("Password", { exact: true }).fill(acc.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await hydrated(page);
}

/** Opens the main menu where it hides behind the hamburger (phones). */
export async function openMenu(page: Page) {
  if (isPhone()) await page.getByRole("button", { name: "Open navigation" }).click();
}

/** An API key of the account's company, made the way an operator does (`plugboard api-key create`). */
export function createApiKey(acc: Account, name: string, scopes: string[]): string {
  const out = execFileSync(
    "../target/release/plugboard",
    ["api-key", "create", "--company", acc.company, "--name", name, "--scopes", scopes.join(",")],
    { env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL ?? "", RUST_LOG: "error" }, stdio: "pipe" },
  );
  return out.toString().trim();
}

/** Lets the account's admin set up provider apps, as an operator does (`plugboard admin operator`). */
export function makeOperator(acc: Account) {
  execFileSync(
    "../target/release/plugboard",
    ["admin", "operator", "--company", acc.company, "--email", acc.email],
    { env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL ?? "", RUST_LOG: "error" }, stdio: "pipe" },
  );
}
