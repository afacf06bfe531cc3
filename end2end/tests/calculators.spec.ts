import { test, expect } from "@playwright/test";

test.describe("score calculators", () => {
  test("results update as you type, kPa and decimal commas included", async ({ page }) => {
    await page.goto("/calculators");
    await expect(page.locator("html[data-hydrated]")).toHaveCount(1);
    const murray = page.locator("#murray");
    await murray.getByLabel("Rentgenogram prsnega koša: kvadranti s konsolidacijo").fill("4");
    await murray.getByLabel("Razmerje PaO2/FiO2").fill("10,7");
    await murray.getByLabel("Enota").selectOption("kpa");
    await expect(page.getByTestId("result-murray")).toContainText("Še manjka");
    await murray.getByLabel("PEEP (cmH2O)").fill("15");
    await murray.getByLabel(/Statična podajnost/).fill("18");
    await expect(page.getByTestId("figure-murray")).toHaveText("4.00");
    await expect(page.getByTestId("result-murray")).toContainText("Dosega prag za napotitev");
  });

  test("an impossible value is named beside its field with the allowed range", async ({ page }) => {
    await page.goto("/calculators");
    await expect(page.locator("html[data-hydrated]")).toHaveCount(1);
    const peep = page.locator("#murray").getByLabel("PEEP (cmH2O)");
    await peep.fill("55");
    await expect(page.locator("#murray-peep_cmh2o-error")).toHaveText("mora biti od 0 do 40 cmH2O");
    await expect(peep).toHaveAttribute("aria-invalid", "true");
  });

  test("the SCAI stage and the VIS, in Slovene and in English", async ({ page }) => {
    await page.goto("/calculators");
    await expect(page.locator("html[data-hydrated]")).toHaveCount(1);
    const scai = page.locator("#scai");
    await expect(page.getByTestId("figure-scai")).toHaveText("A");
    await scai.getByLabel("Laktat zdaj (mmol/L)").fill("3,4");
    await scai.getByLabel("Noradrenalin (µg/kg/min)").fill("0,2");
    await expect(page.getByTestId("figure-scai")).toHaveText("C");
    // One vasopressor plus a device, with hypoperfusion: deteriorating.
    await scai.getByLabel(/Deluje mehanska podpora obtoku/).check();
    await expect(page.getByTestId("figure-scai")).toHaveText("D");
    await expect(page.getByTestId("result-scai")).toContainText("poslabšanje");
    await expect(page.getByTestId("result-scai")).toContainText("mehanska podpora ob vazoaktivnem zdravilu");
    const vis = page.locator("#vis");
    await vis.getByLabel("Noradrenalin (µg/kg/min)").fill("0,3");
    await vis.getByLabel("Dobutamin (µg/kg/min)").fill("5");
    await expect(page.getByTestId("figure-vis")).toHaveText("35");

    await page.goto("/lang/en?next=/calculators");
    await expect(page.locator("html[data-hydrated]")).toHaveCount(1);
    await page.locator("#scai").getByLabel("Ongoing CPR").check();
    await expect(page.getByTestId("figure-scai")).toHaveText("E");
    await expect(page.getByTestId("result-scai")).toContainText("extremis");
    await page.locator("#vis").getByLabel(/Vasopressin/).fill("0.04");
    await expect(page.getByTestId("result-vis")).toContainText("Weight (kg)");
    await page.locator("#vis").getByLabel("Weight (kg)").fill("80");
    await expect(page.getByTestId("figure-vis")).toHaveText("5");
  });

  test.describe("without JavaScript", () => {
    test.use({ javaScriptEnabled: false });

    test("the form is computed by the server", async ({ page }) => {
      await page.goto("/calculators");
      const preserve = page.locator("#preserve");
      await preserve.getByLabel("Starost (leta)").fill("60");
      await preserve.getByLabel("Indeks telesne mase (kg/m²)").fill("24");
      await preserve.getByLabel("Mehanska ventilacija pred ECMO (dnevi)").fill("7");
      await preserve.getByLabel("Točke SOFA").fill("14");
      await preserve.getByLabel("PEEP (cmH2O)").fill("10");
      await preserve.getByLabel("Tlak platoja (cmH2O)").fill("30");
      await preserve.getByLabel("Imunska oslabelost").check();
      await preserve.getByRole("button", { name: "Izračunaj" }).click();
      await expect(page.getByTestId("figure-preserve")).toHaveText("8");
      await expect(page.getByTestId("result-preserve")).toContainText("16 %");
      // The values stay in the form.
      await expect(page.locator("#preserve").getByLabel("Točke SOFA")).toHaveValue("14");
    });
  });
});
