import { expect, Page } from "@playwright/test";
import { VV, signIn, fillSteps, start, test } from "./support";

// The test script's administrator also works referrals (roles admin and ecmo_clinician).
const CLINICIAN = process.env.E2E_ADMIN_EMAIL ?? "";
const PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? "";

async function signInCentre(page: Page) {
  await page.goto("/login");
  await page.getByLabel("E-naslov").fill(CLINICIAN);
  await page.getByLabel("Geslo").fill(PASSWORD);
  await page.getByRole("button", { name: "Prijava" }).click();
  await expect(page.getByTestId("profile-link")).toBeVisible();
}

async function openStep(page: Page, to: string) {
  const step = page.getByTestId(`step-${to}`);
  // Under consultation the decisions' forms are open already.
  if ((await step.getAttribute("open")) === null) await step.locator("summary").click();
  return step;
}

test("the whole journey: sent, seen live, acknowledged, information asked and given, accepted with the mobile team", async ({ newPage }) => {
  const centre = await newPage();
  const referrer = await newPage();
  await signInCentre(centre);
  // The browser's clock, moved by the test: the waiting times follow it without a fetch.
  await centre.clock.install();
  await centre.goto("/queue");
  await expect(centre.locator("html[data-hydrated]")).toHaveCount(1);
  await expect(centre.getByTestId("live-state")).toContainText("V živo");
  // A mark on the window: it survives only if the queue page is never reloaded.
  await centre.evaluate(() => ((window as unknown as { mark: number }).mark = 42));

  await signIn(referrer);
  await start(referrer, "VV");
  await fillSteps(referrer, VV);
  await referrer.getByRole("button", { name: "Pošlji napotitev" }).click();
  const reference = (await referrer.getByTestId("confirmation").locator(".reference").textContent()) ?? "";
  expect(reference).toMatch(/^ECMO-\d{4}-\d{4}$/);

  // The referrer's page follows the referral: a mark on its window survives only without a reload.
  await expect(referrer.locator("html[data-hydrated]")).toHaveCount(1);
  await expect(referrer.getByTestId("receipt")).toContainText("center še ni potrdil prevzema");
  await referrer.evaluate(() => ((window as unknown as { mark: number }).mark = 7));

  const row = centre.getByTestId(`queue-row-${reference}`);
  await expect(row).toBeVisible({ timeout: 10_000 });
  await expect(row.getByTestId("queue-status")).toContainText("Poslano");
  expect(await centre.evaluate(() => (window as unknown as { mark?: number }).mark)).toBe(42);
  await expect(row.locator(".waiting")).toContainText("0 min / cilj 15 min");
  await expect(row).not.toHaveClass(/overdue/);
  await centre.clock.fastForward("16:00");
  // One more tick of the 30-s timer at the new time.
  await centre.clock.runFor(31_000);
  await expect(row.locator(".waiting")).toContainText(/1[67] min \/ cilj 15 min/);
  await expect(row.locator(".waiting")).toContainText("zamuda");
  await expect(row).toHaveClass(/overdue/);

  await row.getByRole("link", { name: reference }).click();
  await centre.getByTestId("do-ACKNOWLEDGED").click();
  await expect(centre.getByTestId("status")).toHaveText("Prejem potrjen");
  // Within 5 s, without a reload, the referrer reads who acknowledged it.
  await expect(referrer.getByTestId("receipt")).toContainText("prevzel(a)", { timeout: 5_000 });
  await expect(referrer.getByTestId("receipt")).toContainText("Prejem potrjen");
  expect(await referrer.evaluate(() => (window as unknown as { mark?: number }).mark)).toBe(7);
  const request = await openStep(centre, "INFO_REQUESTED");
  await request.getByLabel("Nova plinska analiza arterijske krvi").check();
  await request.getByLabel("Sporočilo napotnemu zdravniku (nasvet)").fill("Prosim plinsko analizo po 1 h na trebuhu.");
  await request.getByLabel("Interna opomba (samo center)").fill("Verjetno kandidat.");
  await request.getByTestId("do-INFO_REQUESTED").click();
  await expect(centre.getByTestId("status")).toHaveText("Zahtevani dodatni podatki");

  // The referrer sees what is asked (never the centre's note) and answers with an update.
  await referrer.reload();
  const asked = referrer.getByTestId("info-request");
  await expect(asked).toContainText("Nova plinska analiza arterijske krvi");
  await expect(asked).toContainText("po 1 h na trebuhu");
  await expect(referrer.locator("body")).not.toContainText("Verjetno kandidat");
  await expect(referrer.locator("html[data-hydrated]")).toHaveCount(1);
  const form = referrer.getByTestId("update-form");
  await form.getByLabel("Kaj je novega (besedilo)").fill("Po 1 h na trebuhu.");
  await form.locator('[name="taken_at"]').fill("2026-11-21T06:00");
  await form.locator('[name="ph"]').fill("7,21");
  await form.locator('[name="pao2"]').fill("6,5");
  await form.locator('[name="fio2"]').fill("1");
  await form.getByRole("button", { name: "Dodaj dopolnitev" }).click();
  await expect(referrer.getByTestId("version-2")).toContainText("Po 1 h na trebuhu");

  await centre.reload();
  await expect(centre.getByTestId("status")).toHaveText("V obravnavi (posvet)");
  const accept = await openStep(centre, "ACCEPTED_MOBILE_TEAM");
  await accept.getByTestId("do-ACCEPTED_MOBILE_TEAM").click();
  // Without the ETA and the team the form does not go (the server refuses it too: see
  // the API tests); nothing changes.
  await expect(accept.locator('input[name="eta_min"]:invalid')).toHaveCount(1);
  await expect(centre.getByTestId("status")).toHaveText("V obravnavi (posvet)");
  const retry = accept;
  await retry.getByLabel("Predviden prihod (min)").fill("50");
  await retry.getByLabel("Ekipa (kdo pride)").fill("Dr. Novak, perfuzionist Kos");
  await retry.getByLabel("Sporočilo napotnemu zdravniku (nasvet)").fill("Pustite desno femoralno veno prosto.");
  await retry.getByTestId("do-ACCEPTED_MOBILE_TEAM").click();
  await expect(centre.getByTestId("status")).toHaveText("Sprejet – pride mobilna ECMO ekipa");

  await referrer.reload();
  await expect(referrer.getByTestId("decision-state")).toContainText("Sprejet – pride mobilna ECMO ekipa");
  await expect(referrer.getByTestId("decision-eta")).toHaveText("50 min");
  await expect(referrer.getByTestId("decision-team")).toHaveText("Dr. Novak, perfuzionist Kos");
  await expect(referrer.getByTestId("decision-advice")).toContainText("femoralno");
  await expect(referrer.getByTestId("pre-transfer")).toContainText("Navzkrižno testirana kri");
  await expect(referrer.getByTestId("centre-actions")).toHaveCount(0);
  // The referrer ticks what is ready; the centre sees it with the time and who ticked it.
  await referrer.getByLabel("Urinski kateter").check();
  await referrer.getByLabel(/Navzkrižno testirana kri/).check();
  await referrer.getByTestId("save-pre-transfer").click();
  await expect(referrer.getByTestId("prep-urinary").getByTestId("prep-when")).toBeVisible();
  await expect(referrer.getByLabel("Urinski kateter")).toBeChecked();
  await centre.reload();
  await expect(centre.getByTestId("prep-urinary").getByTestId("prep-when")).toContainText("✓");
  await expect(centre.getByTestId("prep-blood").getByTestId("prep-when")).toBeVisible();
  await expect(centre.getByTestId("prep-lines").getByTestId("prep-when")).toHaveCount(0);

  // The centre's record: the audit trail lists the referrer's views too, and exports.
  await centre.reload();
  await centre.getByTestId("audit-trail").locator("summary").click();
  await expect(centre.getByTestId("audit-trail")).toContainText("napotitev odprta");
  await expect(centre.getByTestId("audit-trail")).toContainText("priprava na premestitev shranjena");
  const download = centre.waitForEvent("download");
  await centre.getByTestId("audit-export").click();
  expect((await download).suggestedFilename()).toBe(`${reference}-audit.csv`);
});

test("the queue and the figures without JavaScript, on a phone", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 375, height: 800 } });
  const page = await context.newPage();
  await signInCentre(page);
  await page.goto("/queue");
  await expect(page.getByTestId("queue")).toBeVisible();
  await expect(page.getByTestId("live-state")).toContainText("Osvežite stran");
  await page.getByTestId("queue-filters").locator("select[name=\"pathway\"]").selectOption("ecpr");
  await page.getByTestId("queue-filters").getByRole("button", { name: "Prikaži" }).click();
  await expect(page).toHaveURL(/pathway=ecpr/);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(wide).toBeLessThanOrEqual(375);
  await page.goto("/kpi");
  await expect(page.getByTestId("kpi-total")).toBeVisible();
  await expect(page.locator("svg.bar-chart").first()).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await context.close();
});
