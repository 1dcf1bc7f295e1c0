// Page-load benchmark: loads Plugboard's pages in Debian's headless Chromium the way a mobile
// admin on a slow network gets them (Lighthouse's mobile profile: CPU 4x slower, 1.6 Mbit/s
// down, 750 kbit/s up, 150 ms round trips), cold (a new browser profile, empty cache) and on a
// reload, and prints what was transferred and when the page was painted and hydrated.
// Run by scripts/bench-page, which starts the release build on a fresh database.
// Usage: node bench/page-load.mjs <base url> <email> <password> [runs]
// With PAGE_BENCH_DETAIL=1 it also lists each file of a page's last cold load: bytes on the wire
// and decoded, and when its request started and its last byte arrived.
import { chromium } from "@playwright/test";

const [base, email, password, runsArg] = process.argv.slice(2);
if (!base || !email || !password) {
  console.error("usage: node bench/page-load.mjs <base url> <email> <password> [runs]");
  process.exit(2);
}
const runs = Number(runsArg ?? 3);

const PROFILES = [
  { name: "throttled (4x CPU, 1.6 Mbit/s, 150 ms RTT)", cpu: 4, down: 1.6e6, up: 750e3, rtt: 150 },
  { name: "unthrottled (loopback)", cpu: 1, down: -1, up: -1, rtt: 0 },
];
const PAGES = [
  { path: "/signin", signedIn: false },
  { path: "/dashboard", signedIn: true },
  { path: "/integrations/api", signedIn: true },
];

// Records when <body data-hydrated="true"> appears (the app sets it once hydration is done),
// on the page's own clock (milliseconds since navigation start).
function markHydration() {
  new MutationObserver((_, observer) => {
    if (document.body?.dataset.hydrated === "true") {
      window.__hydratedAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated"] });
}

async function throttle(context, page, profile) {
  const cdp = await context.newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: profile.cpu });
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: profile.rtt,
    downloadThroughput: profile.down > 0 ? profile.down / 8 : -1,
    uploadThroughput: profile.up > 0 ? profile.up / 8 : -1,
  });
}

// Waits for hydration and reads the load's figures from the page's performance timeline.
async function measure(page) {
  await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 120_000 });
  return page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const resources = performance.getEntriesByType("resource");
    const paint = performance.getEntriesByName("first-contentful-paint")[0];
    const wasm = resources.filter((r) => r.name.endsWith(".wasm"));
    return {
      transferred: nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0),
      wasmTransferred: wasm.reduce((sum, r) => sum + r.transferSize, 0),
      wasmDecoded: wasm.reduce((sum, r) => sum + r.decodedBodySize, 0),
      requests: 1 + resources.length,
      files: [nav, ...resources].map((r) => ({
        name: new URL(r.name).pathname,
        transferred: r.transferSize,
        decoded: r.decodedBodySize,
        start: r.startTime,
        end: r.responseEnd,
      })),
      firstPaint: paint ? paint.startTime : NaN,
      hydrated: window.__hydratedAt,
    };
  });
}

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
try {
  // Signs in once, unthrottled, for the session cookie the signed-in pages are loaded with.
  const signIn = await browser.newContext();
  const page = await signIn.newPage();
  await signIn.addInitScript(markHydration);
  await page.goto(`${base}/signin`);
  await page.waitForFunction(() => window.__hydratedAt !== undefined);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/dashboard$/);
  const session = await signIn.storageState();
  await signIn.close();

  const kb = (bytes) => `${(bytes / 1024).toFixed(0)} KB`;
  const ms = (t) => `${(t / 1000).toFixed(2)} s`;
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const profile of PROFILES) {
    console.log(`\n${profile.name}, median of ${runs} runs (each a new browser profile)`);
    for (const target of PAGES) {
      const cold = [];
      const reload = [];
      for (let run = 0; run < runs; run++) {
        const context = await browser.newContext(
          target.signedIn ? { storageState: session } : {},
        );
        await context.addInitScript(markHydration);
        const page = await context.newPage();
        await throttle(context, page, profile);
        await page.goto(`${base}${target.path}`, { waitUntil: "commit" });
        cold.push(await measure(page));
        await page.reload({ waitUntil: "commit" });
        reload.push(await measure(page));
        await context.close();
      }
      for (const [label, loads] of [["cold", cold], ["reload", reload]]) {
        console.log(
          `  ${target.path.padEnd(18)} ${label.padEnd(6)} ` +
            `${kb(median(loads.map((l) => l.transferred))).padStart(7)} transferred ` +
            `(wasm ${kb(median(loads.map((l) => l.wasmTransferred)))} of ${kb(median(loads.map((l) => l.wasmDecoded)))}), ` +
            `${median(loads.map((l) => l.requests))} requests; ` +
            `first paint ${ms(median(loads.map((l) => l.firstPaint)))}, ` +
            `hydrated ${ms(median(loads.map((l) => l.hydrated)))}`,
        );
      }
      if (process.env.PAGE_BENCH_DETAIL === "1") {
        const last = cold[cold.length - 1];
        for (const file of last.files) {
          console.log(
            `      ${file.name.padEnd(60)} ${String(file.transferred).padStart(7)} B ` +
              `(${String(file.decoded).padStart(7)} decoded) ${ms(file.start)} -> ${ms(file.end)}`,
          );
        }
      }
    }
  }
} finally {
  await browser.close();
}
