import { test, expect, Page } from "@playwright/test";

const REFERRER = process.env.E2E_REFERRER_EMAIL ?? "";
// The e2e script gives the referrer the administrator's password.
const PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? "";

async function hydrated(page: Page) {
  await expect(page.locator("html[data-hydrated]")).toHaveCount(1);
}

async function signInWithKeyboard(page: Page) {
  await page.goto("/login");
  await page.getByLabel("E-naslov").focus();
  await page.keyboard.type(REFERRER);
  await page.keyboard.press("Tab");
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("profile-link")).toBeVisible();
}

async function type(page: Page, label: string, text: string) {
  await page.getByLabel(label).focus();
  await page.keyboard.type(text);
}

async function fillAlert(page: Page) {
  await page.getByLabel("1. Telefon za povratni klic").fill("041 555 123");
  await type(page, "2. Kraj (naslov, ekipa NMP ali oddelek)", "NMP Celje, reanimobil 1");
  await type(page, "3. Starost (ocena, leta)", "54");
  await type(page, "4. Minut od zastoja", "20");
  await page.getByLabel("5. Zastoj").selectOption("witnessed_bystander_cpr");
  await type(page, "6. Čas brez pretoka (min do začetka stisov), če je znan", "2");
  await page.getByLabel("7. Začetni ritem").selectOption("vf_pvt");
  await type(page, "8. Zadnji EtCO2", "3,1");
  await type(page, "9. Minut do prihoda v center", "25");
}

async function referralCount(page: Page): Promise<number> {
  await page.goto("/referrals");
  return page.locator("tbody tr").count();
}

test("an ECPR alert from sign-in to confirmation, by keyboard alone", async ({ page }) => {
  await signInWithKeyboard(page);
  // The alert's page is a plain form: ready at once on a slow phone, no bundle to download.
  const bundles: string[] = [];
  page.on("request", (r) => {
    if (/\/pkg\/.*\.(js|wasm)$/.test(r.url())) bundles.push(r.url());
  });
  await page.goto("/referrals/new/ecpr");
  await hydrated(page);
  await page.waitForLoadState("networkidle");
  expect(bundles).toEqual([]);
  // Phone first: the call button is the first thing in the page's content.
  const firstLink = page.locator("main a").first();
  await expect(firstLink).toHaveAttribute("data-testid", "call-now");
  await expect(firstLink).toHaveAttribute("href", /^tel:\+/);
  await fillAlert(page);
  await page.getByLabel("Terminalna bolezen").focus();
  await page.keyboard.press("Space");
  await page.getByLabel("9. Minut do prihoda v center").focus();
  await page.keyboard.press("Enter");
  const confirmation = page.getByTestId("confirmation");
  await expect(confirmation).toContainText("Napotitev je poslana");
  await expect(confirmation.locator(".reference")).toHaveText(/^ECMO-\d{4}-\d{4}$/);
  await expect(confirmation).toContainText("2 min");
  await expect(confirmation.getByTestId("call-now")).toBeVisible();
  // The rules flagged the terminal illness; the answers are all there.
  await expect(page.getByTestId("support-contra").locator('[data-rule="ECPR-PREARREST"]')).toBeVisible();
  await expect(page.locator("dl.facts").last()).toContainText("NMP Celje, reanimobil 1");
});

test("the case clock counts from the collapse and the referral, and moves on by itself", async ({ page }) => {
  await signInWithKeyboard(page);
  await page.goto("/referrals/new/ecpr");
  await fillAlert(page);
  await page.getByRole("button", { name: "Pošlji ECPR alarm" }).click();
  await expect(page.getByTestId("confirmation")).toBeVisible();
  // Right at page load (the server counted it), then moving with the browser's clock.
  await page.clock.install();
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("clock-collapse")).toHaveText("20 min");
  await expect(page.getByTestId("clock-referral")).toHaveText("0 min");
  await page.clock.fastForward("05:00");
  await expect(page.getByTestId("clock-referral")).toHaveText("5 min");
  await expect(page.getByTestId("clock-collapse")).toHaveText("25 min");
});

test("a double-clicked submit makes one referral", async ({ page }) => {
  await signInWithKeyboard(page);
  const before = await referralCount(page);
  await page.goto("/referrals/new/ecpr");
  await hydrated(page);
  await fillAlert(page);
  await page.getByRole("button", { name: "Pošlji ECPR alarm" }).dblclick();
  await expect(page.getByTestId("confirmation")).toBeVisible();
  expect(await referralCount(page)).toBe(before + 1);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the ECPR alert is sent and confirmed, and a mistake is named beside its field", async ({ page }) => {
    await page.goto("/login");
    await page.getByLabel("E-naslov").fill(REFERRER);
    await page.getByLabel("Geslo").fill(PASSWORD);
    await page.getByRole("button", { name: "Prijava" }).click();
    await page.goto("/referrals/new/ecpr");
    await fillAlert(page);
    await page.getByLabel("3. Starost (ocena, leta)").fill("12");
    await page.getByRole("button", { name: "Pošlji ECPR alarm" }).click();
    await expect(page.locator("#field-age_years-error")).toContainText("18");
    await summaryInViewWithFocus(page);
    // Everything typed is still there: only the mistake needs correcting.
    await expect(page.getByLabel("2. Kraj (naslov, ekipa NMP ali oddelek)")).toHaveValue("NMP Celje, reanimobil 1");
    await expect(page.getByLabel("7. Začetni ritem")).toHaveValue("vf_pvt");
    await expect(page.getByLabel("8. Zadnji EtCO2")).toHaveValue("3,1");
    await page.getByLabel("3. Starost (ocena, leta)").fill("54");
    await page.getByRole("button", { name: "Pošlji ECPR alarm" }).click();
    await expect(page.getByTestId("confirmation")).toContainText("Napotitev je poslana");
  });
});

test.describe("on a phone (375 px)", () => {
  test.use({ viewport: { width: 375, height: 800 } });

  test("a mistake in the alert brings the error summary into view with the focus", async ({ page }) => {
    await signInWithKeyboard(page);
    await page.goto("/referrals/new/ecpr");
    await hydrated(page);
    await fillAlert(page);
    await page.getByLabel("3. Starost (ocena, leta)").fill("12");
    await page.getByRole("button", { name: "Pošlji ECPR alarm" }).click();
    await summaryInViewWithFocus(page);
    await expect(page.getByLabel("4. Minut od zastoja")).toHaveValue("20");
    await page.getByTestId("error-summary").getByRole("link").first().click();
    await expect(page.locator("#field-age_years")).toBeInViewport();
    await expect(page.locator("#field-age_years")).toHaveValue("12");
  });

  test("a signed-in doctor's alert and confirmation do not scroll sideways", async ({ page }) => {
    await signInWithKeyboard(page);
    await page.goto("/referrals/new/ecpr");
    await hydrated(page);
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth);
    expect(await overflow()).toBeLessThanOrEqual(375);
    await fillAlert(page);
    await page.getByRole("button", { name: "Pošlji ECPR alarm" }).click();
    await expect(page.getByTestId("confirmation")).toBeVisible();
    expect(await overflow()).toBeLessThanOrEqual(375);
    // Answers read as words and numbers, not as codes.
    await expect(page.locator("dl.facts").last()).toContainText("ob prisotnosti, laično oživljanje");
    await expect(page.locator("dl.facts").last()).not.toContainText("54.0");
  });
});

/** The error summary is on screen (not scrolled away) and has the focus. */
async function summaryInViewWithFocus(page: Page) {
  const summary = page.getByTestId("error-summary");
  await expect(summary).toBeInViewport();
  await expect(summary).toBeFocused();
}

// The idle sign-out comes while the alert is typed: nothing is lost, and the alert is sent
// right after sign-in, once.
for (const js of [true, false]) {
  test.describe(js ? "expired session, JavaScript" : "expired session, no JavaScript", () => {
    test.use({ javaScriptEnabled: js });

    test("an ECPR alert posted after the session expired is sent after sign-in, once", async ({ page, context }) => {
      await signInWithKeyboard(page);
      const before = await referralCount(page);
      await page.goto("/referrals/new/ecpr");
      if (js) await hydrated(page);
      await fillAlert(page);
      await context.clearCookies({ name: "ecmo_session" });
      // A plain form with or without scripts: the post itself goes on to sign in.
      await page.getByRole("button", { name: "Pošlji ECPR alarm" }).click();
      await expect(page).toHaveURL(/\/login\?next=/);
      await expect(page.getByTestId("kept-notice")).toBeVisible();
      await page.getByLabel("E-naslov").fill(REFERRER);
      await page.getByLabel("Geslo").fill(PASSWORD);
      await page.getByRole("button", { name: "Prijava" }).click();
      await expect(page.getByTestId("confirmation")).toContainText("Napotitev je poslana");
      await expect(page.locator("dl.facts").last()).toContainText("NMP Celje, reanimobil 1");
      expect(await referralCount(page)).toBe(before + 1);
      await page.goto("/resume");
      expect(await referralCount(page)).toBe(before + 1);
    });
  });
}
