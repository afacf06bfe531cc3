# The two commands a newcomer needs; both install missing tools first.
.PHONY: run test lint fmt api-fuzz bench bench-size bench-wasm-crates bench-lighthouse bench-referrals bench-workspace bench-alerts

run:   ## build a release and serve it on http://127.0.0.1:3000 with demo data
	scripts/run.sh

test:  ## every test: unit, integration (SQLite + PostgreSQL), browser
	scripts/test.sh

lint:  ## formatting and clippy for the server (ssr) and browser (hydrate) builds
	cargo fmt --all -- --check
	cargo clippy --workspace --features ecmo-referral-app/ssr --all-targets -- -D warnings
	cargo clippy -p ecmo-referral-app --features hydrate --target wasm32-unknown-unknown -- -D warnings

fmt:
	cargo fmt --all

api-fuzz:  ## schemathesis against /api/v1/openapi.json on the release build (part of make test)
	scripts/install-tools.sh --test
	scripts/api-fuzz.sh

bench-size:  ## the bundle's sizes and each page's first-visit download (release build)
	scripts/first-load-size.sh

bench-wasm-crates:  ## what the browser bundle is made of, by crate (twiggy; release build)
	scripts/wasm-crates.sh

bench-lighthouse:  ## Lighthouse performance (mobile) of the checklist step, ECPR form and home page
	scripts/bench-lighthouse.sh

bench:  ## time all clinical rules and scores for one complete referral (not a test)
	cargo bench -p ecmo-referral-app --bench triage

bench-referrals:  ## referral submissions/s and latency through the API on SQLite (needs wrk)
	scripts/bench-referrals.sh

bench-workspace:  ## queue and quality-figure pages with 10,000 referrals on SQLite (needs wrk)
	scripts/bench-workspace.sh

bench-alerts:  ## ECPR alert delivery during a reset flood; RSS and alert time under 600 sign-ins
	scripts/bench-alerts.sh
