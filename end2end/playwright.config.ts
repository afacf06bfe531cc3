import { defineConfig, devices } from "@playwright/test";

// The server is started by scripts/e2e.sh on a fresh database; this file only drives
// Debian's chromium (never a downloaded browser).
export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  // A test that fails and then passes is reported as flaky (and counted so in the test
  // summary) instead of failing the run; a second failure fails it.
  retries: 1,
  reporter: [["list"]],
  use: {
    baseURL: process.env.E2E_BASE_URL ?? "http://127.0.0.1:3100",
    // A Slovene browser: the app follows Accept-Language until a language is chosen.
    locale: "sl-SI",
    trace: "off",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], locale: "sl-SI" } }],
});
