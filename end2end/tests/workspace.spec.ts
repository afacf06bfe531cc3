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

test("the queue triages at a glance on a phone and a desk; keys acknowledge and assign; an acceptance takes three taps", async ({ newPage }) => {
  // Three referrals through the API, as a hospital's system would send them.
  const referrer = await newPage();
  await signIn(referrer);
  const send = async (data: Record<string, unknown>) => {
    const sent = await referrer.request.post("/api/v1/referrals", {
      headers: { "idempotency-key": `e2e-triage-${data.pathway}-${Date.now()}` },
      data,
    });
    expect(sent.status()).toBe(201);
    return (await sent.json()).reference as string;
  };
  const gas = (taken_at: string, pao2_kpa: number, lactate_mmol_l?: number) =>
    ({ taken_at, site: "arterial", pao2_kpa, fio2: 1, ...(lactate_mmol_l ? { lactate_mmol_l } : {}) });
  const vv = await send({
    pathway: "vv", discussion: "ARDS, VV-ECMO?", callback_phone: "03 423 3000", age_years: 46, sex: "male",
    primary_diagnosis: "Gripa A, ARDS", blood_gases: [gas("2026-11-20T06:00", 9.0), gas("2026-11-20T12:00", 6.0)],
  });
  const va = await send({
    pathway: "va", discussion: "Šok, VA-ECMO?", callback_phone: "02 321 1000", age_years: 58, sex: "female",
    primary_diagnosis: "STEMI, kardiogeni šok", weight_kg: 70, noradrenaline: 0.4, dobutamine: 7.5,
    blood_gases: [gas("2026-11-20T11:00", 12.5, 4.1), gas("2026-11-20T13:00", 11.8, 6.3)],
  });
  const ecpr = await send({
    pathway: "ecpr", callback_phone: "+386 41 123 456", location: "NMP Celje", age_years: 50,
    minutes_since_collapse: 12, no_flow_min: 2, collapse: "witnessed_bystander_cpr", initial_rhythm: "vf_pvt", known: [],
  });

  const centre = await newPage();
  await signInCentre(centre);
  await centre.clock.install();
  const row = (reference: string) => centre.getByTestId(`queue-row-${reference}`);
  const figure = (reference: string) => row(reference).getByTestId("triage-figure");
  for (const width of [375, 1280]) {
    await centre.setViewportSize({ width, height: 900 });
    await centre.goto("/queue");
    await expect(centre.locator("html[data-hydrated]")).toHaveCount(1);
    await expect(row(vv).getByTestId("triage-who")).toHaveText("46 let · M");
    await expect(row(vv).getByTestId("triage-reason")).toHaveText("Gripa A, ARDS");
    await expect(figure(vv)).toHaveText("P/F 45 mmHg ↓ · < 80 že 6 h");
    await expect(row(va).getByTestId("triage-who")).toHaveText("58 let · Ž");
    await expect(figure(va)).toHaveText("laktat 6,3 mmol/L ↑ · 2 vazoaktivni zdravili, VIS 48");
    await expect(figure(ecpr)).toHaveText(/^kolaps pred 1[23] min · brez pretoka 2 min · VF \/ pVT$/);
    expect(await centre.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
  }
  // The minutes since collapse move on without a reload.
  await centre.evaluate(() => ((window as unknown as { mark: number }).mark = 1));
  await centre.clock.fastForward("05:00");
  await centre.clock.runFor(31_000);
  await expect(figure(ecpr)).toContainText(/kolaps pred 1[78] min/);
  expect(await centre.evaluate(() => (window as unknown as { mark?: number }).mark)).toBe(1);
  // Only what needs a decision now: the ECPR alert is there, the fresh VV referral is not.
  await centre.goto("/queue?urgent=1");
  await expect(row(ecpr)).toBeVisible();
  await expect(row(vv)).toHaveCount(0);

  // Keys: the VV referral's row takes the focus, `a` acknowledges it and `m` assigns it.
  await centre.goto("/queue");
  await expect(centre.locator("html[data-hydrated]")).toHaveCount(1);
  await expect(centre.getByTestId("queue-keys")).toBeVisible();
  await row(vv).locator("a.queue-link").focus();
  await centre.keyboard.press("a");
  await expect(row(vv).getByTestId("queue-status")).toHaveText("Prejem potrjen", { timeout: 10_000 });
  await expect(row(vv).getByTestId("since-acknowledged")).toHaveText(/^prejem potrjen pred \d+ min$/);
  await row(vv).locator("a.queue-link").focus();
  await centre.keyboard.press("m");
  await expect(row(vv)).toContainText("E2E Administrator", { timeout: 10_000 });
  // `j` moves to the next row, `k` back.
  await centre.locator("tr[data-queue-row]").nth(0).locator("a.queue-link").focus();
  await centre.keyboard.press("j");
  await expect(centre.locator("tr[data-queue-row]").nth(1).locator("a.queue-link")).toBeFocused();
  await centre.keyboard.press("k");
  await expect(centre.locator("tr[data-queue-row]").nth(0).locator("a.queue-link")).toBeFocused();

  // Accepting the VA referral with the mobile team from the queue: three taps (typing aside).
  await row(va).getByTestId("quick-ack").click(); // 1
  await expect(row(va).getByTestId("queue-status")).toHaveText("Prejem potrjen", { timeout: 10_000 });
  await row(va).locator("a.queue-link").click(); // 2
  const accept = centre.getByTestId("step-ACCEPTED_MOBILE_TEAM");
  await expect(accept).toHaveAttribute("open", "");
  await accept.getByLabel("Predviden prihod (min)").fill("40");
  await accept.getByLabel("Ekipa (kdo pride)").fill("Dr. Novak");
  await accept.getByTestId("do-ACCEPTED_MOBILE_TEAM").click(); // 3
  await expect(centre.getByTestId("status")).toHaveText("Sprejet – pride mobilna ECMO ekipa");
  const timeline = centre.getByTestId("timeline");
  await expect(timeline).toContainText("prejem potrjen");
  await expect(timeline).toContainText("V obravnavi (posvet)");
  await expect(timeline).toContainText("Sprejet – pride mobilna ECMO ekipa");
});
