import { defineConfig } from "@playwright/test";

// scripts/test builds the release app, makes a fresh database and sets E2E_DATABASE_URL.
const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
// The test OAuth provider (oauth2-mock-server) and its control port; Slack's Web API contract
// server (support/slack-api.mjs: OAuth, channels, chat.postMessage) beside them.
export const oauthPort = port + 90;
export const controlURL = `http://127.0.0.1:${port + 91}`;
const oauthURL = `http://127.0.0.1:${oauthPort}`;
export const slackURL = `http://127.0.0.1:${port + 92}`;
// Stripe's and Zendesk's account calls (support/account-apis.mjs), which check pasted keys.
const accountsURL = `http://127.0.0.1:${port + 93}`;
// Discord's OAuth (a grant that creates a channel webhook) and Execute Webhook (support/discord-api.mjs).
export const discordURL = `http://127.0.0.1:${port + 94}`;
// Microsoft's identity platform and Graph for Teams (support/teams-api.mjs).
const teamsURL = `http://127.0.0.1:${port + 95}`;
// The SMTP relay email forwards go through (support/smtp-relay.mjs): SMTP here, its control port
// one above.
const smtpPort = port + 96;
export const relayURL = `http://127.0.0.1:${smtpPort + 1}`;
const provider = (prefix: string) => ({
  [`${prefix}_CLIENT_ID`]: "plugboard-e2e-client",
  [`${prefix}_CLIENT_SECRET`]: "plugboard-e2e-secret",
  [`${prefix}_AUTHORIZE_URL`]: `${oauthURL}/authorize`,
  [`${prefix}_TOKEN_URL`]: `${oauthURL}/token`,
  [`${prefix}_REVOKE_URL`]: `${oauthURL}/revoke`,
});

// First-run setup needs an installation with no company yet: its own server and database.
const firstRunPort = port + 2;
const firstRunURL = `http://127.0.0.1:${firstRunPort}`;

const server = (listen: number, databaseUrl: string) => ({
  command: "./target/release/plugboard serve",
  cwd: "..",
  url: `http://127.0.0.1:${listen}/healthz`,
  reuseExistingServer: false,
  timeout: 120_000,
  stdout: "pipe" as const,
  stderr: "pipe" as const,
  env: {
    DATABASE_URL: databaseUrl,
    LEPTOS_SITE_ADDR: `127.0.0.1:${listen}`,
    PUBLIC_URL: `http://127.0.0.1:${listen}`,
    RUST_LOG: "warn",
    // A throw-away key: the browser suite's databases are dropped afterwards.
    PLUGBOARD_MASTER_KEY: "dGVzdC1vbmx5LW1hc3Rlci1rZXktMzItYnl0ZXMhISE=",
    SLACK_CLIENT_ID: "plugboard-test-client",
    SLACK_CLIENT_SECRET: "plugboard-test-secret",
    SLACK_AUTHORIZE_URL: `${slackURL}/oauth/v2/authorize`,
    SLACK_TOKEN_URL: `${slackURL}/api/oauth.v2.access`,
    SLACK_REVOKE_URL: `${slackURL}/api/auth.revoke`,
    SLACK_API_BASE_URL: `${slackURL}/api`,
    DISCORD_CLIENT_ID: "plugboard-test-client",
    DISCORD_CLIENT_SECRET: "plugboard-test-secret",
    DISCORD_AUTHORIZE_URL: `${discordURL}/oauth2/authorize`,
    DISCORD_TOKEN_URL: `${discordURL}/api/oauth2/token`,
    DISCORD_REVOKE_URL: `${discordURL}/api/oauth2/token/revoke`,
    DISCORD_API_BASE_URL: `${discordURL}/api`,
    MICROSOFT_TEAMS_CLIENT_ID: "plugboard-test-client",
    MICROSOFT_TEAMS_CLIENT_SECRET: "plugboard-test-secret",
    MICROSOFT_TEAMS_AUTHORIZE_URL: `${teamsURL}/common/oauth2/v2.0/authorize`,
    MICROSOFT_TEAMS_TOKEN_URL: `${teamsURL}/common/oauth2/v2.0/token`,
    MICROSOFT_TEAMS_API_BASE_URL: `${teamsURL}/v1.0`,
    PLUGBOARD_CONVERSATION_URL: "https://app.example.test/conversations/{conversation_id}",
    PLUGBOARD_SMTP_URL: `smtp://plugboard:relay-secret@127.0.0.1:${smtpPort}`,
    PLUGBOARD_EMAIL_FROM: "Plugboard <notifications@plugboard.test>",
    PLUGBOARD_INBOUND_EMAIL_DOMAIN: "in.plugboard.test",
    POSTMARK_INBOUND_USERNAME: "postmark",
    POSTMARK_INBOUND_PASSWORD: "e2e-inbound-secret",
    STRIPE_API_BASE_URL: `${accountsURL}/stripe/v1`,
    ZENDESK_API_BASE_URL: `${accountsURL}/zendesk/{subdomain}/api/v2`,
    ...provider("SALESFORCE"),
    // HubSpot's endpoints at the OAuth contract server but no client: its app is set up in the
    // UI (04-integrations.spec.ts).
    HUBSPOT_AUTHORIZE_URL: `${oauthURL}/authorize`,
    HUBSPOT_TOKEN_URL: `${oauthURL}/token`,
    // Webhook specs deliver to a receiver on 127.0.0.1 over plain http, with quick retries.
    PLUGBOARD_ALLOW_HTTP_WEBHOOKS: "true",
    PLUGBOARD_ALLOW_PRIVATE_WEBHOOKS: "true",
    PLUGBOARD_WEBHOOK_RETRY_SCHEDULE: "0,1,1",
  },
});

export default defineConfig({
  testDir: "./tests",
  // Each spec file works in a company of its own (helpers.ts), so files run in parallel; the
  // tests within a file run in order. Every spec runs on a desktop and on a phone.
  fullyParallel: false,
  workers: 2,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      // Debian's Chromium; Playwright never downloads a browser here.
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [
    { name: "first-run", testMatch: /first-run\.spec\.ts/, use: { baseURL: firstRunURL } },
    { name: "desktop", testIgnore: /first-run/, use: { viewport: { width: 1280, height: 800 } } },
    {
      name: "phone",
      testIgnore: /first-run/,
      use: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
      // One project at a time: the provider stand-in's log is shared.
      dependencies: ["desktop"],
    },
  ],
  webServer: [
    {
      command: `node support/oauth-provider.mjs ${oauthPort} ${port + 91}`,
      url: `${controlURL}/log`,
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      command: `node support/slack-api.mjs ${port + 92}`,
      url: `${slackURL}/_control/count`,
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      command: `node support/account-apis.mjs ${port + 93}`,
      url: `${accountsURL}/stripe/v1/account`,
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      command: `node support/discord-api.mjs ${port + 94}`,
      url: `${discordURL}/_control/messages`,
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      command: `node support/teams-api.mjs ${port + 95}`,
      url: `${teamsURL}/_control/messages`,
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      command: `node support/smtp-relay.mjs ${smtpPort}`,
      url: `${relayURL}/_control/messages`,
      reuseExistingServer: false,
      timeout: 30_000,
    },
    server(port, process.env.E2E_DATABASE_URL ?? ""),
    server(firstRunPort, process.env.E2E_FIRST_RUN_DATABASE_URL ?? ""),
  ],
});
