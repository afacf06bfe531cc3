// What several browser tests share: the accounts the test script made, the answers of a
// complete VV and VA checklist, and the steps that fill them in.
import { test as base, expect, BrowserContext, BrowserContextOptions, Page } from "@playwright/test";
import * as fs from "fs";
import * as path from "path";

// Without SMTP the server writes each mail as a .eml file here (see scripts/e2e.sh).
const MAIL_DIR = process.env.E2E_MAIL_DIR ?? "";

export const REFERRER = process.env.E2E_REFERRER_EMAIL ?? "";
export const PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? "";

export type Answers = Record<string, string | string[]>;

// One answer set per step, keyed by the form's field names (as typed on a Slovene keyboard).
export const VV: Answers[] = [
  {
    discussion: "Gripa A, ARDS: P/F pod 80 kljub legi na trebuhu. Kandidat za VV-ECMO?",
    department: "icu", referring_doctor: "Dr. Ana Novak", doctor_grade: "specialist",
    callback_phone: "03 423 3000", patient_name: "Janez Primer", treatment_limitation: "full_treatment",
  },
  {
    age_years: "46", sex: "male", weight_kg: "92", height_cm: "181", clinical_frailty_scale: "2",
    comorbidities: ["diabetes"], pregnancy: "not_applicable",
  },
  {
    primary_diagnosis: "Gripa A, ARDS", resp_diagnosis: "viral_pneumonia", reversibility: "reversible",
    admission_at: "2026-11-18T14:10", intubation_at: "2026-11-19T02:30", cardiac_arrest: "no",
    transfusion_restrictions: "none",
  },
  {
    ventilation_mode: "pc", plateau_cmh2o: "31", pip_cmh2o: "33",
    tidal_volume_ml: "450", respiratory_rate: "30", prone: "done_no_response", neuromuscular_blockade: "yes",
    cxr_quadrants: "4",
  },
  {
    "blood_gases.0.taken_at": "2026-11-20T06:00", "blood_gases.0.site": "arterial", "blood_gases.0.ph": "7,28",
    "blood_gases.0.pao2": "7,4", "blood_gases.0.paco2": "7,9", "blood_gases.0.fio2": "1", "blood_gases.0.peep_cmh2o": "14",
    "blood_gases.1.taken_at": "2026-11-20T10:00", "blood_gases.1.site": "arterial", "blood_gases.1.ph": "7,26",
    "blood_gases.1.pao2": "7,1", "blood_gases.1.paco2": "8,2", "blood_gases.1.fio2": "1", "blood_gases.1.peep_cmh2o": "14",
    "blood_gases.2.taken_at": "2026-11-20T14:00", "blood_gases.2.site": "arterial", "blood_gases.2.ph": "7,25",
    "blood_gases.2.pao2": "6,9", "blood_gases.2.paco2": "8,4", "blood_gases.2.fio2": "1", "blood_gases.2.peep_cmh2o": "14",
  },
  { heart_rate: "112", sbp_mmhg: "105", dbp_mmhg: "55", noradrenaline: "0,12" },
  { creatinine_umol_l: "98", sofa: "9" },
  {
    gcs: "3", brain_ct: "not_done", anticoagulation_contraindications: ["none"], rv_function: "mildly_reduced",
    vascular_access: "free",
  },
];

export const VA: Answers[] = [
  {
    discussion: "Kardiogeni šok po PCI kljub IABP in dvema zdraviloma: VA-ECMO?",
    department: "coronary_unit", referring_doctor: "Dr. Marko Kos", doctor_grade: "trainee",
    responsible_consultant: "Dr. Petra Zupan", callback_phone: "02 321 1000", patient_name: "Marija Primer",
    treatment_limitation: "full_treatment",
  },
  {
    age_years: "58", sex: "female", weight_kg: "70", height_cm: "165", clinical_frailty_scale: "3",
    comorbidities: ["none"], pregnancy: "not_pregnant",
  },
  {
    primary_diagnosis: "STEMI sprednje stene, kardiogeni šok", va_causes: ["ami"], save_diagnoses: ["other"],
    reversibility: "possibly_reversible", admission_at: "2026-11-20T09:00", intubation_at: "2026-11-20T11:30",
    shock_onset_at: "2026-11-20T10:15", cardiac_arrest: "no", transfusion_restrictions: "none",
  },
  { pip_cmh2o: "24" },
  {
    "blood_gases.0.taken_at": "2026-11-20T11:00", "blood_gases.0.site": "arterial", "blood_gases.0.ph": "7,29",
    "blood_gases.0.hco3_mmol_l": "16", "blood_gases.0.lactate_mmol_l": "4,1",
    "blood_gases.1.taken_at": "2026-11-20T13:00", "blood_gases.1.site": "arterial", "blood_gases.1.ph": "7,22",
    "blood_gases.1.hco3_mmol_l": "13", "blood_gases.1.lactate_mmol_l": "6,3",
  },
  {
    heart_rate: "118", heart_rhythm: "sinus", sbp_mmhg: "78", dbp_mmhg: "50", dobutamine: "7,5",
    mcs: "iabp", hypoperfusion_signs: "yes", escalating_support: "on",
  },
  { bilirubin_umol_l: "20" },
  {
    gcs: "3", pupils: "normal", brain_ct: "not_done", anticoagulation_contraindications: ["none"],
    anticoagulants: ["heparin", "aspirin"], lvef_pct: "15", rv_function: "mildly_reduced",
    aortic_regurgitation: "none", aortic_dissection: "excluded", stemi: "yes",
    coronary_angiography: "done_revascularised", vascular_access: "free",
  },
];

export async function signIn(page: Page) {
  await page.goto("/login");
  await page.getByLabel("E-naslov").fill(REFERRER);
  await page.getByLabel("Geslo").fill(PASSWORD);
  await page.getByRole("button", { name: "Prijava" }).click();
  await expect(page.getByTestId("profile-link")).toBeVisible();
}

/** Sets one answer whatever its control: text, select, radio or tick boxes. */
export async function answer(page: Page, name: string, value: string | string[]) {
  const form = page.locator("#checklist-form");
  if (Array.isArray(value)) {
    for (const v of value) await form.locator(`input[name="${name}"][value="${v}"]`).check();
    return;
  }
  const control = form.locator(`[name="${name}"]`).first();
  const tag = await control.evaluate((e) => e.tagName.toLowerCase());
  const type = await control.getAttribute("type");
  if (tag === "select") await control.selectOption(value);
  else if (type === "radio") await form.locator(`input[name="${name}"][value="${value}"]`).check();
  else if (type === "checkbox") await control.check();
  else await control.fill(value);
}

export async function fillSteps(page: Page, steps: Answers[], beforeNext?: (step: number) => Promise<void>) {
  for (let i = 0; i < steps.length; i++) {
    await expect(page).toHaveURL(i === 0 ? /\/referrals\/drafts\/\d+/ : new RegExp(`step=${i}$`));
    for (const [name, value] of Object.entries(steps[i])) await answer(page, name, value);
    if (beforeNext) await beforeNext(i);
    await page.getByTestId("next").click();
  }
  await expect(page).toHaveURL(/step=review/);
}

export async function start(page: Page, pathway: "VV" | "VA") {
  await page.goto("/referrals/new");
  await page.getByRole("button", { name: `Začni napotitev ${pathway}` }).click();
  await expect(page).toHaveURL(/\/referrals\/drafts\/\d+$/);
}

/** The text/plain part of a raw message, with its transfer encoding undone. */
function plainText(raw: string): string {
  const text = raw.replace(/\r\n/g, "\n");
  const parts = text.split(/\n--[^\n]+\n/);
  const plain = parts.find((p) => /content-type: text\/plain/i.test(p)) ?? text;
  const [headers, ...body] = plain.split("\n\n");
  const content = body.join("\n\n");
  if (/content-transfer-encoding: base64/i.test(headers)) {
    return Buffer.from(content.replace(/\s+/g, ""), "base64").toString("utf8");
  }
  if (/content-transfer-encoding: quoted-printable/i.test(headers)) {
    const joined = content.replace(/=\n/g, "");
    return Buffer.from(
      joined.replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16))),
      "latin1",
    ).toString("utf8");
  }
  return content;
}

/**
 * Waits for a mail to `to` and returns the link in it that starts with `prefix`: from the
 * newest such mail written at or after `since` (epoch ms), as an earlier run's mail to the
 * same address holds a link that was already used.
 */
export async function mailLink(to: string, prefix: string, since = 0): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const files = fs.existsSync(MAIL_DIR)
      ? fs
          .readdirSync(MAIL_DIR)
          .filter((f) => f.endsWith(".eml"))
          .map((f) => ({ file: f, mtime: fs.statSync(path.join(MAIL_DIR, f)).mtimeMs }))
          .filter((m) => m.mtime >= since)
          .sort((a, b) => b.mtime - a.mtime)
          .map((m) => m.file)
      : [];
    for (const file of files) {
      const raw = fs.readFileSync(path.join(MAIL_DIR, file), "utf8");
      if (!new RegExp(`^To: .*${to.replace(/[.+]/g, "\\$&")}`, "mi").test(raw)) continue;
      const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const match = plainText(raw).match(new RegExp(`https?://[^\\s]+${escaped}[^\\s]*`));
      if (match) return new URL(match[0]).pathname + new URL(match[0]).search;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${to} with a link to ${prefix}`);
}

// A test that needs several people at once opens each in a context of their own with
// `newPage`; the contexts are closed when the test ends, so no page of one test (and its
// live streams and timers) runs on into the next. Script errors of every page are printed
// when a test fails.
export const test = base.extend<{ newPage: (options?: BrowserContextOptions) => Promise<Page> }>({
  newPage: async ({ browser }, use, testInfo) => {
    const contexts: BrowserContext[] = [];
    const errors: string[] = [];
    await use(async (options) => {
      const context = await browser.newContext(options);
      contexts.push(context);
      const page = await context.newPage();
      page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(`${page.url()}: ${m.text()}`);
      });
      return page;
    });
    if (testInfo.status !== testInfo.expectedStatus && errors.length > 0) {
      console.log(`script errors in "${testInfo.title}":\n  ${errors.join("\n  ")}`);
    }
    for (const context of contexts) await context.close();
  },
});
