import { expect, Page } from "@playwright/test";
import { mailLink, test } from "./support";

const ADMIN_EMAIL = process.env.E2E_ADMIN_EMAIL ?? "";
const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? "";
const PASSWORD = "kisik membrana Vrhnika 42";

async function hydrated(page: Page) {
  await expect(page.locator("html[data-hydrated]")).toHaveCount(1);
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("E-naslov").fill(email);
  await page.getByLabel("Geslo").fill(password);
  await page.getByRole("button", { name: "Prijava" }).click();
  await expect(page.getByTestId("profile-link")).toBeVisible();
}

test("an invited doctor sets a password, signs in and signs out", async ({ page, newPage }) => {
  const email = `nova.${Date.now()}@sb-celje.si`;
  await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.goto("/admin/users");
  await hydrated(page);
  const invite = page.locator("form").filter({ has: page.locator("#invite-role") });
  await invite.getByLabel("Ime in priimek").fill("Nova Zdravnica");
  await invite.getByLabel("E-naslov").fill(email);
  await invite.getByLabel("Vloga", { exact: true }).selectOption("referrer");
  await invite.getByLabel("Bolnišnica (za napotne zdravnike)").selectOption({ label: "SB Celje" });
  await invite.getByRole("button", { name: "Pošlji povabilo" }).click();
  await expect(page.getByText("Povabilo je poslano.")).toBeVisible();
  await expect(page.getByTestId(`user-${email}`)).toContainText("povabljen");

  const link = await mailLink(email, "/account/invitation");
  const invitee = await newPage({ locale: "sl-SI" });
  await invitee.goto(link);
  await hydrated(invitee);
  await invitee.getByLabel("Geslo", { exact: true }).fill("geslo");
  await invitee.getByLabel("Ponovite geslo").fill("geslo");
  await invitee.getByRole("button", { name: "Nastavi geslo" }).click();
  await expect(invitee.locator("#field-password-error")).toContainText("preveč predvidljivo");
  await invitee.getByLabel("Geslo", { exact: true }).fill(PASSWORD);
  await invitee.getByLabel("Ponovite geslo").fill(PASSWORD);
  await invitee.getByRole("button", { name: "Nastavi geslo" }).click();
  await expect(invitee).toHaveURL(/\/login\?password_set=1/);
  await expect(invitee.getByText("Geslo je nastavljeno.")).toBeVisible();

  await signIn(invitee, email, PASSWORD);
  await expect(invitee.getByTestId("profile-link")).toHaveText("Nova Zdravnica");
  await invitee.getByTestId("sign-out").click();
  await expect(invitee.getByTestId("sign-in-link")).toBeVisible();
  await invitee.goto("/profile");
  await expect(invitee).toHaveURL(/\/login\?next=\/profile/);
});

test("self-registration accepts a hospital's domain, refuses another, and waits for approval", async ({ page, newPage }) => {
  const stamp = Date.now();
  await page.goto("/register");
  await hydrated(page);
  const fill = async (email: string) => {
    await page.getByLabel("Ime in priimek").fill("Janez Novak");
    await page.getByLabel("Službeni e-naslov").fill(email);
    await page.getByLabel("Bolnišnica").selectOption({ label: "SB Celje" });
    await page.getByLabel("Geslo", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Ponovite geslo").fill(PASSWORD);
    await page.getByRole("button", { name: "Registracija" }).click();
  };
  await fill(`janez.${stamp}@gmail.com`);
  await expect(page.locator("#field-email-error")).toContainText("službeni e-naslov");
  const email = `janez.${stamp}@sb-celje.si`;
  await fill(email);
  await expect(page.getByRole("status")).toContainText("poslali povezavo");

  const link = await mailLink(email, "/account/confirm");
  const registrant = await newPage({ locale: "sl-SI" });
  await registrant.goto(link);
  await hydrated(registrant);
  await registrant.getByRole("button", { name: "Potrdi e-naslov" }).click();
  await expect(registrant.getByRole("status")).toContainText("še odobriti");

  const admin = await newPage({ locale: "sl-SI" });
  await signIn(admin, ADMIN_EMAIL, ADMIN_PASSWORD);
  await admin.goto("/admin/users");
  await hydrated(admin);
  const row = admin.getByTestId(`user-${email}`);
  await expect(row).toContainText("čaka na odobritev");
  await row.getByRole("button", { name: "Odobri" }).click();
  await expect(row).toContainText("aktiven");

  await signIn(registrant, email, PASSWORD);
  await expect(registrant.getByTestId("profile-link")).toHaveText("Janez Novak");
});

test("a forgotten password is reset through the emailed link", async ({ page, newPage }) => {
  const email = "referrer@sb-celje.si"; // a demonstration account
  await page.goto("/account/forgot");
  await hydrated(page);
  await page.getByLabel("E-naslov").fill(email);
  const since = Date.now();
  await page.getByRole("button", { name: "Pošlji povezavo" }).click();
  await expect(page.getByRole("status")).toContainText("Če za ta e-naslov obstaja račun");
  const link = await mailLink(email, "/account/reset", since);
  const other = await newPage({ locale: "sl-SI" });
  await other.goto(link);
  await hydrated(other);
  await other.getByLabel("Novo geslo").fill(PASSWORD);
  await other.getByLabel("Ponovite geslo").fill(PASSWORD);
  await other.getByRole("button", { name: "Nastavi geslo" }).click();
  await expect(other).toHaveURL(/\/login\?password_set=1/);
  await signIn(other, email, PASSWORD);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("signing in works, and a wrong password says so on the page", async ({ page }) => {
    await page.goto("/login");
    await page.getByLabel("E-naslov").fill(ADMIN_EMAIL);
    await page.getByLabel("Geslo").fill("not the password");
    await page.getByRole("button", { name: "Prijava" }).click();
    await expect(page.getByRole("alert")).toContainText("Napačen e-naslov ali geslo");
    await page.getByLabel("E-naslov").fill(ADMIN_EMAIL);
    await page.getByLabel("Geslo").fill(ADMIN_PASSWORD);
    await page.getByRole("button", { name: "Prijava" }).click();
    await expect(page.getByTestId("profile-link")).toHaveText("E2E Administrator");
    await page.goto("/admin/hospitals");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Napotne bolnišnice");
  });
});

test.describe("subject access on a phone", () => {
  test.use({ viewport: { width: 375, height: 740 } });

  test("a request without a reason names the field; with one the data downloads", async ({ page }) => {
    await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await page.goto("/admin/subject-access");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Zahteva za dostop do podatkov");
    await page.getByLabel("Številka bolnika (KZZ)").fill("123456789");
    await page.getByRole("button", { name: "Prenesi podatke (JSON)" }).click();
    await expect(page).toHaveURL(/\/admin\/subject-access\?error=reason$/);
    await expect(page.locator("#field-reason-error")).toBeVisible();
    await expect(page.locator("#field-reason-error")).not.toBeEmpty();
    // Nothing wider than the phone.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);

    await page.getByLabel("Številka bolnika (KZZ)").fill("123456789");
    await page.getByLabel(/^Razlog/).fill("Pisna zahteva 7/2026");
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Prenesi podatke (JSON)" }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^subject-access-\d{8}-\d{4}\.json$/);

    await page.goto("/lang/en?next=/admin/subject-access");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Subject access request");
  });
});
