import { test, expect, Page } from "@playwright/test";

/** Fails the test on any console error, e.g. a Content-Security-Policy violation. */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(msg.text());
  });
  page.on("pageerror", (err) => errors.push(String(err)));
  return errors;
}

async function hydrated(page: Page) {
  await expect(page.locator("html[data-hydrated]")).toHaveCount(1);
}

test.describe("with JavaScript", () => {
  test("a second visit downloads no part of the bundle again", async ({ page }) => {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.enable");
    const fromCache = new Set<string>();
    const responses: { id: string; url: string; status: number; disk: boolean }[] = [];
    cdp.on("Network.requestServedFromCache", (e) => fromCache.add(e.requestId));
    cdp.on("Network.responseReceived", (e) => {
      if (e.response.url.includes("/pkg/")) {
        responses.push({ id: e.requestId, url: e.response.url, status: e.response.status, disk: !!e.response.fromDiskCache });
      }
    });
    await page.goto("/calculators");
    await hydrated(page);
    const first = responses.splice(0);
    // The first visit fetches the bundle, named by its contents and to be kept for good, and
    // the code of this page's islands only.
    expect(first.filter((r) => /\/v\/[0-9a-f]{16}\/pkg\/ecmo-referral\.wasm$/.test(r.url)).map((r) => r.status)).toEqual([200]);
    expect(first.some((r) => /split_calculator_loader_\w+\.wasm$/.test(r.url))).toBe(true);
    expect(first.some((r) => /split_checklist_step_loader_\w+\.wasm$/.test(r.url))).toBe(false);
    await page.goto("/");
    await hydrated(page);
    responses.splice(0);
    await page.goto("/calculators");
    await hydrated(page);
    // Back on the page: everything comes from the browser's cache, nothing over the network.
    const fetched = responses.filter((r) => !r.disk && !fromCache.has(r.id));
    expect(fetched.map((r) => `${r.status} ${r.url}`)).toEqual([]);
  });

  test("a page without islands downloads no script and no bundle", async ({ page }) => {
    const fetched: string[] = [];
    page.on("request", (r) => {
      if (/\/pkg\/.*\.(js|wasm)$/.test(r.url())) fetched.push(r.url());
    });
    await page.goto("/");
    await hydrated(page);
    await page.waitForLoadState("networkidle");
    expect(fetched).toEqual([]);
    // A page with an island loads the framework and starts it.
    await page.goto("/calculators");
    await hydrated(page);
    expect(fetched.some((url) => /\/pkg\/ecmo-referral\.wasm$/.test(url))).toBe(true);
  });

  test("the home page's details open and say what a click does", async ({ page }) => {
    const errors = collectErrors(page);
    await page.goto("/");
    await hydrated(page);
    const summary = page.getByTestId("details-vv").locator("summary");
    await expect(summary.locator("span:visible")).toHaveText("Pokaži, kaj potrebuje center");
    await summary.click();
    await expect(summary.locator("span:visible")).toHaveText("Skrij podrobnosti");
    await expect(page.getByTestId("details-vv")).toHaveAttribute("open", "");
    await expect(page.getByTestId("details-vv").locator("p")).toBeVisible();
    expect(errors).toEqual([]);
  });

  test("the language switch keeps the page and is remembered", async ({ page }) => {
    const errors = collectErrors(page);
    await page.goto("/calculators");
    await hydrated(page);
    await expect(page.locator("h1")).toHaveText("Kalkulatorji točkovnikov");
    await page.getByRole("link", { name: "EN", exact: true }).click();
    await expect(page).toHaveURL(/\/calculators$/);
    await expect(page.locator("h1")).toHaveText("Score calculators");
    await hydrated(page);
    // The choice is remembered by the server on the next visit.
    await page.goto("/");
    await expect(page.locator("h1")).toHaveText("Present an ECMO candidate early");
    await page.getByRole("link", { name: "SL", exact: true }).click();
    await expect(page.locator("h1")).toHaveText("Predstavite kandidata za ECMO zgodaj");
    expect(errors).toEqual([]);
  });

  test("the centre's phone number is a tel: link on every page", async ({ page }) => {
    for (const path of ["/", "/no/such/page"]) {
      await page.goto(path);
      const phone = page.getByTestId("centre-phone");
      await expect(phone).toBeVisible();
      expect(await phone.getAttribute("href")).toMatch(/^tel:\+?\d{6,}$/);
    }
  });

  test("an unknown address shows a helpful 404", async ({ page }) => {
    const response = await page.goto("/no/such/page");
    expect(response?.status()).toBe(404);
    await expect(page.locator("h1")).toHaveText("Strani ni mogoče najti");
    await page.getByRole("link", { name: "Nazaj na domačo stran" }).click();
    await expect(page).toHaveURL(/\/$/);
  });

  test("demo installations say so on every page", async ({ page }) => {
    await page.goto("/");
    await expect(page.locator(".demo-banner")).toBeVisible();
  });

  test("keyboard users reach the content and the phone first", async ({ page }) => {
    await page.goto("/");
    await hydrated(page);
    await page.keyboard.press("Tab");
    await expect(page.locator(".skip-link")).toBeFocused();
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    await expect(page.getByTestId("centre-phone")).toBeFocused();
  });
});

test.describe("on a phone (375 px)", () => {
  test.use({ viewport: { width: 375, height: 740 } });

  test("nothing scrolls sideways and the phone number is visible", async ({ page }) => {
    await page.goto("/");
    await hydrated(page);
    await expect(page.getByTestId("centre-phone")).toBeInViewport();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the page reads, the details open and the language switch works", async ({ page }) => {
    await page.goto("/");
    await expect(page.locator("h1")).toHaveText("Predstavite kandidata za ECMO zgodaj");
    await expect(page.getByTestId("centre-phone")).toBeVisible();
    await page.getByTestId("details-ecpr").locator("summary").click();
    await expect(page.getByTestId("details-ecpr").locator("p")).toBeVisible();
    await page.getByRole("link", { name: "EN", exact: true }).click();
    await expect(page.locator("h1")).toHaveText("Present an ECMO candidate early");
    await expect(page).toHaveURL(/\/$/);
    await page.getByRole("link", { name: "SL", exact: true }).click();
    await expect(page.locator("h1")).toHaveText("Predstavite kandidata za ECMO zgodaj");
  });
});
