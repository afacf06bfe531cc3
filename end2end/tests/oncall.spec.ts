import { expect, Page } from "@playwright/test";
import { PASSWORD, REFERRER, mailLink, signIn, test } from "./support";

// The test script's administrator is also an ECMO clinician: it can be on call.
const CLINICIAN = process.env.E2E_ADMIN_EMAIL ?? "";

async function signInCentre(page: Page) {
  await page.goto("/login");
  await page.getByLabel("E-naslov").fill(CLINICIAN);
  await page.getByLabel("Geslo").fill(PASSWORD);
  await page.getByRole("button", { name: "Prijava" }).click();
  await expect(page.getByTestId("profile-link")).toBeVisible();
}

/** A wall-clock time in the centre's zone, as a datetime-local field takes it. */
function ljubljana(offsetHours: number): string {
  const at = new Date(Date.now() + offsetHours * 3_600_000);
  const text = new Intl.DateTimeFormat("sv-SE", {
    timeZone: "Europe/Ljubljana", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hour12: false,
  }).format(at);
  return text.replace(" ", "T");
}

test("a shift on the roster: its physician is mailed a new referral and acknowledges from the link", async ({ newPage }) => {
  const centre = await newPage();
  await signInCentre(centre);
  await centre.goto("/roster");
  const form = centre.getByTestId("shift-form");
  await form.getByLabel("Začetek").fill(ljubljana(-1));
  await form.getByLabel("Konec").fill(ljubljana(11));
  await form.getByLabel("Dežurni zdravnik").selectOption({ label: "E2E Administrator" });
  await form.getByRole("button", { name: "Dodaj dežurstvo" }).click();
  await expect(centre.getByTestId("oncall-now")).toContainText("E2E Administrator");

  // The referring hospital sends an ECPR alert through the API.
  const referrer = await newPage();
  await signIn(referrer);
  expect(REFERRER).not.toBe("");
  const sent = await referrer.request.post("/api/v1/referrals", {
    headers: { "idempotency-key": `e2e-oncall-${Date.now()}` },
    data: {
      pathway: "ecpr", callback_phone: "+386 41 123 456", location: "NMP Celje", age_years: 50,
      minutes_since_collapse: 15, collapse: "witnessed_bystander_cpr", initial_rhythm: "vf_pvt", known: [],
    },
  });
  expect(sent.status()).toBe(201);
  const { id, reference } = await sent.json();

  // The on-call physician's mail: a link that asks for one click once signed in.
  const link = await mailLink(CLINICIAN, `/referrals/${id}/acknowledge?token=`);
  await centre.goto(link);
  await expect(centre.locator("h1")).toContainText(reference);
  await centre.getByRole("button", { name: "Potrdi prejem" }).click();
  await expect(centre).toHaveURL(new RegExp(`/referrals/${id}\\?acknowledged=1`));
  await expect(centre.getByTestId("status")).toHaveText("Prejem potrjen");
  // The same link again does nothing more and says so.
  await centre.goto(link);
  await expect(centre.getByTestId("already-acknowledged")).toContainText("E2E Administrator");

  // Every mail of it is listed with its state.
  await centre.goto("/notifications");
  const deliveries = centre.getByTestId("deliveries");
  await expect(deliveries).toContainText("Nova napotitev (dežurni)");
  await expect(deliveries).toContainText("Center je prevzel");
});

test("a month of day and night shifts in one form: previewed with its gaps, saved, on a phone", async ({ newPage }) => {
  const centre = await newPage({ viewport: { width: 375, height: 800 } });
  await signInCentre(centre);
  await centre.goto("/roster");
  const form = centre.getByTestId("plan-form");
  await form.getByLabel("Prvi dan").fill("2027-02-01");
  await form.getByLabel("Zadnji dan").fill("2027-02-28");
  await expect(form.getByLabel("Začetek dnevnega")).toHaveValue("08:00");
  await expect(form.getByLabel("Začetek nočnega (prazno: 24 ur)")).toHaveValue("20:00");
  await form.locator('select[name="day[0]"]').selectOption({ label: "E2E Administrator" });
  await form.getByTestId("plan-preview-button").click();
  // The preview is the page itself, reached with a plain GET: nothing is written yet.
  await expect(centre).toHaveURL(/from_date=2027-02-01/);
  const preview = centre.getByTestId("plan-preview");
  await expect(preview.locator("h2")).toContainText("56");
  await expect(centre.getByTestId("plan-gaps")).toContainText("1. 2. 2027 00:00 – 1. 2. 2027 08:00");
  expect(await centre.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await preview.getByRole("button", { name: "Shrani načrt" }).click();
  await expect(centre.getByTestId("roster-notice")).toHaveText("Shranjenih dežurstev: 56.");
  // The physician's own calendar address, made with one click.
  await centre.getByTestId("calendar-renew").click();
  await expect(centre.getByTestId("calendar-url")).toHaveValue(/\/calendar\/[A-Za-z0-9_-]+\.ics$/);
  const address = new URL(await centre.getByTestId("calendar-url").inputValue());
  const feed = await centre.request.get(address.pathname);
  expect(feed.status()).toBe(200);
  expect(await feed.text()).toContain("BEGIN:VEVENT");

  // A bad plan says which field, in view, and changes nothing.
  await centre.goto("/roster?from_date=2027-04-01&to_date=2027-03-01&day_start=08:00&night_start=&day%5B0%5D=");
  await expect(centre.getByTestId("plan-error")).toContainText("Zadnji dan");
  await expect(centre.getByTestId("plan-error")).toContainText("1. teden, dnevno dežurstvo");
});
