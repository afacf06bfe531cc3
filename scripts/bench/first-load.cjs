// What a first visit to each page downloads (bytes on the wire, brotli where the browser
// accepts it): the page, the styles, the framework and the code of the page's own islands.
// Each page in a fresh browser context (empty cache). Run by scripts/first-load-size.sh.
const { chromium } = require("playwright");

const base = process.env.SIZE_BASE_URL;
const referrer = { email: process.env.SIZE_REFERRER_EMAIL, password: process.env.SIZE_PASSWORD };
const clinician = { email: process.env.SIZE_CLINICIAN_EMAIL, password: process.env.SIZE_PASSWORD };

async function signedIn(browser, who) {
  const context = await browser.newContext();
  const response = await context.request.post(`${base}/api/v1/session`, { data: who });
  if (!response.ok()) throw new Error(`sign-in failed: ${response.status()}`);
  return context;
}

async function measure(context, path) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.clearBrowserCache");
  let bytes = 0;
  let requests = 0;
  cdp.on("Network.loadingFinished", (e) => {
    bytes += e.encodedDataLength;
    requests += 1;
  });
  await page.goto(`${base}${path}`);
  await page.locator("html[data-hydrated]").waitFor({ state: "attached", timeout: 30_000 });
  await page.waitForLoadState("networkidle");
  await page.close();
  return { bytes, requests };
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  const anonymous = await browser.newContext();
  const doctor = await signedIn(browser, referrer);
  const started = await doctor.request.post(`${base}/api/referrals/draft-start`, {
    form: { pathway: "vv" },
    headers: { origin: base },
  });
  const draft = await started.text();
  const centre = await signedIn(browser, clinician);
  const pages = [
    ["home, anonymous", anonymous, "/"],
    ["home, referring doctor", doctor, "/"],
    ["ECPR alert form", doctor, "/referrals/new/ecpr"],
    ["checklist step (VV, step 1)", doctor, `/referrals/drafts/${draft}`],
    ["queue", centre, "/queue"],
    ["calculators", anonymous, "/calculators"],
  ];
  for (const [name, context, path] of pages) {
    // A fresh context per page: nothing cached from the one before.
    const fresh = await browser.newContext({ storageState: await context.storageState() });
    const { bytes, requests } = await measure(fresh, path);
    console.log(`${name.padEnd(32)} ${String(bytes).padStart(9)} bytes (${Math.round(bytes / 1024)} KB) in ${requests} responses`);
    await fresh.close();
  }
  await browser.close();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
