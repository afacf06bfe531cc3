import { test, expect, Page, Browser } from "@playwright/test";
import { VV, VA, signIn, answer, fillSteps, start } from "./support";

async function referralCount(page: Page): Promise<number> {
  await page.goto("/referrals");
  return page.locator("tbody tr").count();
}

test("a complete VV referral, with the decision support following the answers", async ({ page }) => {
  await signIn(page);
  await start(page, "VV");
  await fillSteps(page, VV, async (step) => {
    if (step === 4) {
      // The blood gases are in: EOLIA's second criterion shows before the step is saved.
      await expect(page.locator("html[data-hydrated]")).toHaveCount(1);
      await expect(page.getByTestId("support-indication").locator('[data-rule="VV-EOL-2"]')).toBeVisible();
    }
  });
  await expect(page.getByTestId("review-ready")).toBeVisible();
  await expect(page.getByTestId("support-indication").locator('[data-rule="VV-NHS-1"]')).toBeVisible();
  // The rules' ids are the centre's shorthand; the referrer reads the text alone.
  await expect(page.getByTestId("support-indication")).not.toContainText("VV-NHS-1");
  await expect(page.getByTestId("score-murray")).toContainText("3,5".replace(",", "."));
  await expect(page.getByTestId("gas-table")).toContainText("7,28");
  await page.getByRole("button", { name: "Pošlji napotitev" }).click();
  const confirmation = page.getByTestId("confirmation");
  await expect(confirmation.locator(".reference")).toHaveText(/^ECMO-\d{4}-\d{4}$/);
  await expect(confirmation).toContainText("15 min");
  await expect(confirmation.getByTestId("call-now")).toBeVisible();
  await expect(page.getByTestId("support-indication").locator('[data-rule="VV-EOL-2"]')).toBeVisible();
  await expect(page.getByTestId("pf-chart").locator("circle")).toHaveCount(3);

  // An update with a new blood gas: a mistake is named and nothing typed is lost.
  await expect(page.locator("html[data-hydrated]")).toHaveCount(1);
  const form = page.getByTestId("update-form");
  await form.getByLabel("Kaj je novega (besedilo)").fill("Ponovno na trebuhu 16 ur, brez izboljšanja.");
  await form.locator('[name="taken_at"]').fill("2026-11-21T06:00");
  await form.locator('[name="ph"]').fill("9,9");
  await form.locator('[name="pao2"]').fill("6,8");
  await form.locator('[name="fio2"]').fill("1");
  await form.getByRole("button", { name: "Dodaj dopolnitev" }).click();
  await expect(form).toContainText("od 6,5 do 8");
  await expect(form.locator('[name="note"]')).toHaveValue("Ponovno na trebuhu 16 ur, brez izboljšanja.");
  await form.locator('[name="ph"]').fill("7,22");
  await form.getByRole("button", { name: "Dodaj dopolnitev" }).click();
  await expect(page.getByTestId("version-2")).toContainText("brez izboljšanja");
  await expect(page.getByTestId("pf-chart").locator("circle")).toHaveCount(4);

  // A message to the centre appears in the thread.
  await page.getByLabel("Novo sporočilo").fill("Prosim za klic na 03 423 3000.");
  await page.getByRole("button", { name: "Pošlji sporočilo" }).click();
  await expect(page.getByTestId("messages")).toContainText("Prosim za klic na 03 423 3000.");
});

test("an unusual value is confirmed beside its field; an impossible one stops the step", async ({ page }) => {
  await signIn(page);
  await start(page, "VV");
  await page.getByTestId("step-1").click();
  await answer(page, "weight_kg", "4000");
  await page.getByTestId("next").click();
  await expect(page).toHaveURL(/step=1&check=1/);
  await expect(page.locator("#f-weight_kg-msg")).toContainText("od 25 do 350 kg");
  await expect(page.locator('[name="weight_kg"]')).toHaveValue("4000");
  await answer(page, "weight_kg", "300");
  await page.getByTestId("next").click();
  await expect(page.getByTestId("warning-weight_kg")).toContainText("potrdite");
  await page.getByTestId("warning-weight_kg").getByRole("checkbox").check();
  await page.getByTestId("next").click();
  await expect(page).toHaveURL(/step=2$/);
});

test("a complete VA referral on a phone, with the dose helper", async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  await signIn(page);
  const before = await referralCount(page);
  await start(page, "VA");
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth);
  const widest = () =>
    page.evaluate(() =>
      Array.from(document.querySelectorAll("body *"))
        .filter((e) => e.getBoundingClientRect().right > 376)
        .slice(0, 5)
        .map((e) => `${e.tagName}.${e.className}#${e.id}`)
        .join(", "),
    );
  await fillSteps(page, VA, async (step) => {
    expect(await overflow(), await widest()).toBeLessThanOrEqual(375);
    if (step === 5) {
      await expect(page.locator("html[data-hydrated]")).toHaveCount(1);
      // 4 mg in 50 mL at 26.25 mL/h for 70 kg = 0.5 µg/kg/min of noradrenaline.
      const helper = page.getByTestId("dose-helper");
      await helper.getByTestId("dose-mg").fill("4");
      await helper.getByTestId("dose-ml").fill("50");
      await helper.getByTestId("dose-rate").fill("26,25");
      await expect(helper.getByTestId("dose-result")).toContainText("0,5 µg/kg/min");
      await helper.getByTestId("dose-insert").click();
      await expect(page.locator('[name="noradrenaline"]')).toHaveValue("0,5");
      await expect(page.getByTestId("scai")).toContainText("D");
    }
  });
  await expect(page.getByTestId("review-ready")).toBeVisible();
  expect(await overflow(), await widest()).toBeLessThanOrEqual(375);
  // Sent with a double click: one referral.
  await page.getByRole("button", { name: "Pošlji napotitev" }).dblclick();
  const confirmation = page.getByTestId("confirmation");
  await expect(confirmation).toContainText("10 min");
  expect(await overflow(), await widest()).toBeLessThanOrEqual(375);
  await expect(page.getByTestId("scai")).toContainText("D");
  await expect(page.getByTestId("support-indication").locator('[data-rule="VA-T1"]')).toBeVisible();
  expect(await referralCount(page)).toBe(before + 1);
});

test("a draft survives closing the browser and is resumed from the home page", async ({ browser }) => {
  const first = await browser.newContext();
  const page = await first.newPage();
  await signIn(page);
  await start(page, "VV");
  await expect(page.locator("html[data-hydrated]")).toHaveCount(1);
  const saved = page.waitForResponse((r) => r.url().includes("draft-autosave") && r.ok());
  // A name of its own, so that the drafts of earlier runs on the same database don't match.
  const patient = `Bolnik Osnutek ${Date.now().toString(36)}`;
  await answer(page, "referring_doctor", "Dr. Nočna Izmena");
  await answer(page, "patient_name", patient);
  await saved;
  const draftUrl = page.url();
  await first.close();

  const second = await browser.newContext();
  const again = await second.newPage();
  await signIn(again);
  await again.goto("/");
  const drafts = again.getByTestId("drafts");
  await expect(drafts).toContainText(patient);
  await drafts.getByRole("link", { name: patient }).click();
  await expect(again).toHaveURL(draftUrl);
  await expect(again.locator('[name="referring_doctor"]')).toHaveValue("Dr. Nočna Izmena");
  await second.close();
});

test("the review ends with Send, and discarding a draft asks first", async ({ page }) => {
  await signIn(page);
  await start(page, "VV");
  await expect(page.locator("html[data-hydrated]")).toHaveCount(1);
  const saved = page.waitForResponse((r) => r.url().includes("draft-autosave") && r.ok());
  const patient = `Bolnik Zavrzi ${Date.now().toString(36)}`;
  await answer(page, "patient_name", patient);
  await saved;
  await page.goto(page.url().replace(/\?.*$/, "") + "?step=review");
  // The last control of the review is Send.
  const controls = page.locator(".review").locator("button, a, input:not([type=hidden]), select, textarea, summary");
  await expect(controls.last()).toContainText("Pošlji napotitev");
  // One tap on "discard" only opens the question; the draft is still there.
  const confirm = page.getByRole("button", { name: "Da, zavrzi osnutek" });
  await expect(confirm).toBeHidden();
  await page.getByText("Zavrzi osnutek …").click();
  await expect(confirm).toBeVisible();
  await page.goto("/");
  await expect(page.getByTestId("drafts")).toContainText(patient);
  await page.goBack();
  await page.getByText("Zavrzi osnutek …").click();
  await page.getByRole("button", { name: "Da, zavrzi osnutek" }).click();
  await expect(page).toHaveURL(/\/\?discarded=1$/);
  await expect(page.getByText(patient)).toHaveCount(0);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the same VV referral, step by step to confirmation", async ({ page }) => {
    await signIn(page);
    await start(page, "VV");
    // A fourth sample is added by the server when asked.
    await fillSteps(page, VV, async (step) => {
      if (step === 4) {
        await page.getByTestId("add-gas").click();
        await expect(page.getByTestId("gas-3")).toBeVisible();
        await expect(page.locator('[name="blood_gases.2.ph"]')).toHaveValue("7,25");
      }
    });
    await expect(page.getByTestId("review-ready")).toBeVisible();
    await expect(page.getByTestId("support-indication").locator('[data-rule="VV-EOL-2"]')).toBeVisible();
    await page.getByRole("button", { name: "Pošlji napotitev" }).click();
    await expect(page.getByTestId("confirmation").locator(".reference")).toHaveText(/^ECMO-\d{4}-\d{4}$/);
  });
});

// Nothing blocks a referral: the minimal set and "unknown" for the rest are enough, on a
// phone with JavaScript and on a desktop without it.
for (const js of [true, false]) {
  // VA on the phone with scripts, VV on the desktop without.
  const pathway = js ? "VA" : "VV";
  const expected = js ? "sbp_mmhg" : "plateau_cmh2o";
  test.describe(js ? "minimal VA, phone, JavaScript" : "minimal VV, desktop, no JavaScript", () => {
    test.use({
      javaScriptEnabled: js,
      viewport: js ? { width: 375, height: 812 } : { width: 1280, height: 800 },
    });

    test(`a ${pathway} referral with the minimal set and unknowns is sent and lists what is not given`, async ({ page }) => {
      await signIn(page);
      await start(page, pathway);
      await answer(page, "discussion", "Kardiogeni šok, ponoči brez UZ srca.");
      await answer(page, "callback_phone", "02 321 1000");
      await page.getByTestId("unknown-department").check();
      await page.getByTestId("next").click();
      await expect(page).toHaveURL(/step=1$/);
      await answer(page, "age_years", "58");
      await page.getByTestId("unknown-weight_kg").check();
      await page.getByTestId("step-7").click();
      await expect(page).toHaveURL(/step=7$/);
      await page.getByTestId("unknown-lvef_pct").check();
      await page.getByTestId("step-8").click();
      await expect(page).toHaveURL(/step=review/);
      await expect(page.getByTestId("review-ready")).toBeVisible();
      const notGiven = page.getByTestId("not-given");
      await expect(notGiven.getByTestId("not-given-lvef_pct")).toContainText("ni znano / ni izmerjeno");
      await expect(notGiven.getByTestId("not-given-weight_kg")).toContainText("ni znano / ni izmerjeno");
      await expect(notGiven.getByTestId(`not-given-${expected}`)).toContainText("ni vneseno");
      await page.getByRole("button", { name: "Pošlji napotitev" }).click();
      await expect(page.getByTestId("confirmation").locator(".reference")).toHaveText(/^ECMO-\d{4}-\d{4}$/);
      await expect(page.getByTestId("not-given-lvef_pct")).toContainText("ni znano / ni izmerjeno");
    });
  });
}

// A step with a mistake comes back with the error summary at the top, in view and focused,
// each entry a link to its field.
for (const js of [true, false]) {
  test.describe(js ? "error summary, phone, JavaScript" : "error summary, phone, no JavaScript", () => {
    test.use({ javaScriptEnabled: js, viewport: { width: 375, height: 812 } });

    test("a step with an error shows the summary in view with focus", async ({ page }) => {
      await signIn(page);
      await start(page, "VV");
      await page.getByTestId("step-1").click();
      await answer(page, "age_years", "15");
      await answer(page, "weight_kg", "4000");
      await page.getByTestId("next").click();
      await expect(page).toHaveURL(/step=1&check=1.*#error-summary$/);
      const summary = page.getByTestId("error-summary");
      await expect(summary).toBeInViewport();
      await expect(summary).toBeFocused();
      await expect(summary.getByRole("link")).toHaveCount(2);
      await summary.getByRole("link", { name: /Telesna masa/ }).click();
      await expect(page.locator("#f-weight_kg")).toBeInViewport();
      // Correcting a value keeps the focus where the doctor types.
      const age = page.locator("#f-age_years");
      await age.focus();
      await page.keyboard.press("End");
      await page.keyboard.type("0");
      await page.waitForTimeout(300);
      await page.keyboard.type("8");
      await expect(age).toBeFocused();
      await expect(age).toHaveValue("1508");
    });
  });
}

test.describe("faster on a phone", () => {
  test.use({ viewport: { width: 375, height: 812 } });

  test("a VV referral starts from the signed-in home in one tap, its first question on the first screen", async ({ page }) => {
    await signIn(page);
    await page.goto("/");
    const quick = page.getByTestId("quick-start");
    await expect(quick.getByTestId("home-start-ecpr")).toBeVisible();
    await quick.getByRole("button", { name: "VV-ECMO — dihalna odpoved" }).click();
    await expect(page).toHaveURL(/\/referrals\/drafts\/\d+$/);
    await expect(page.locator("#f-discussion")).toBeInViewport();
    // Who refers is taken from the profile.
    await expect(page.locator('[name="referring_doctor"]')).not.toHaveValue("");
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  });
});
