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
