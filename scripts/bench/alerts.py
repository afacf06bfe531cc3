#!/usr/bin/env python3
"""Alert-path figures on a running release server (not a test; see `make bench-alerts`).

Measures, against the server at $BASE with its mail going to the SMTP sink this script runs
on $SMTP_PORT (the server must be started with ECMO_SMTP_URL=smtp://127.0.0.1:$SMTP_PORT?tls=none,
ECMO_TEAM_EMAIL=team@bench.test and ECMO_TRUSTED_PROXIES=127.0.0.1, so that X-Forwarded-For
stands for many client addresses):

  flood    an ECPR alert's time from the API's 201 to the team mail's acceptance by the SMTP
           server while 2,000 password-reset requests arrive from 80 addresses;
  signins  the server's peak RSS and the ECPR submission time while 600 sign-ins with wrong
           passwords arrive at once from 600 addresses.

Accounts: $REFERRER_EMAIL / $PASSWORD (a referrer of a hospital) and $CLINICIAN_EMAIL.
The server's process id is $SERVER_PID (for RSS).
"""
import asyncore
import http.cookiejar
import json
import os
import smtpd
import statistics
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

BASE = os.environ.get("BASE", "http://127.0.0.1:3300")
SMTP_PORT = int(os.environ.get("SMTP_PORT", "2626"))
REFERRER = os.environ["REFERRER_EMAIL"]
CLINICIAN = os.environ["CLINICIAN_EMAIL"]
PASSWORD = os.environ["PASSWORD"]
PID = int(os.environ["SERVER_PID"])

received = []  # (monotonic time, recipients, subject)
lock = threading.Lock()


class Sink(smtpd.SMTPServer):
    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        subject = next((l for l in text.splitlines() if l.lower().startswith("subject:")), "")
        with lock:
            received.append((time.monotonic(), tuple(rcpttos), subject))


def run_sink():
    Sink(("127.0.0.1", SMTP_PORT), None, decode_data=False)
    asyncore.loop(timeout=0.05)


def opener():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def post(op, path, body=None, form=None, headers=None):
    headers = dict(headers or {})
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        headers.setdefault("Origin", BASE)
    else:
        data = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(BASE + path, data=data, headers=headers, method="POST")
    try:
        with op.open(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except Exception as e:  # noqa: BLE001 - a refused connection counts as a failure
        return 0, str(e).encode()


def sign_in(email):
    op = opener()
    status, _ = post(op, "/api/v1/session", {"email": email, "password": PASSWORD})
    assert status == 200, f"sign-in of {email}: {status}"
    return op


ALERT = {
    "pathway": "ecpr", "callback_phone": "+386 41 555 123", "location": "NMP Celje",
    "age_years": 54, "minutes_since_collapse": 20, "collapse": "witnessed_bystander_cpr",
    "no_flow_min": 2, "initial_rhythm": "vf_pvt", "etco2_kpa": 3.1, "eta_min": 25,
}


def send_alert(op):
    """(seconds the submission took, reference, monotonic time of the 201)."""
    started = time.monotonic()
    status, body = post(op, "/api/v1/referrals", ALERT, headers={"Idempotency-Key": str(uuid.uuid4())})
    done = time.monotonic()
    assert status == 201, f"alert: {status} {body[:200]!r}"
    return done - started, json.loads(body)["reference"], done


def team_mail_at(reference, timeout=120):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with lock:
            for at, to, subject in received:
                if "team@bench.test" in to and reference in subject:
                    return at
        time.sleep(0.01)
    return None


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def rss_mib():
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def flood(referrer):
    def reset(i):
        address = f"10.1.{i % 80}.{1 + i % 200}"
        return post(opener(), "/api/account/forgot", form={"email": CLINICIAN},
                    headers={"X-Forwarded-For": address})[0]

    latencies = []
    statuses = {}
    with ThreadPoolExecutor(max_workers=64) as pool:
        started = time.monotonic()
        futures = [pool.submit(reset, i) for i in range(2000)]
        for _ in range(30):
            _, reference, at = send_alert(referrer)
            delivered = team_mail_at(reference)
            latencies.append(None if delivered is None else delivered - at)
            time.sleep(0.05)
        for f in futures:
            statuses[f.result()] = statuses.get(f.result(), 0) + 1
        flood_s = time.monotonic() - started
    lost = sum(1 for l in latencies if l is None)
    got = [l for l in latencies if l is not None]
    resets_mailed = sum(1 for _, to, s in received if CLINICIAN in to)
    print(f"flood: 2000 reset requests in {flood_s:.1f} s, statuses {statuses}; "
          f"reset mails to the clinician: {resets_mailed}")
    print(f"flood: 30 ECPR alerts, 201 -> SMTP accepted: p50 {statistics.median(got)*1000:.0f} ms, "
          f"p99 {pct(got, 99)*1000:.0f} ms, max {max(got)*1000:.0f} ms, undelivered {lost}")


def threads():
    return len(os.listdir(f"/proc/{PID}/task"))


def signins(referrer):
    peak = [rss_mib()]
    most_threads = [threads()]
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            peak.append(rss_mib())
            most_threads.append(threads())
            time.sleep(0.02)

    def attempt(i):
        address = f"10.2.{i // 250}.{1 + i % 250}"
        return post(opener(), "/api/v1/session", {"email": f"nobody{i}@bench.test", "password": "wrong password 1"},
                    headers={"X-Forwarded-For": address})[0]

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    before = rss_mib()
    statuses = {}
    times = []
    with ThreadPoolExecutor(max_workers=600) as pool:
        barrier_start = time.monotonic()
        futures = [pool.submit(attempt, i) for i in range(600)]
        time.sleep(0.2)
        for _ in range(5):
            took, _, _ = send_alert(referrer)
            times.append(took)
        for f in futures:
            statuses[f.result()] = statuses.get(f.result(), 0) + 1
        wall = time.monotonic() - barrier_start
    stop.set()
    watcher.join()
    print(f"signins: 600 at once in {wall:.1f} s, statuses {statuses}; RSS {before:.0f} MiB before, "
          f"peak {max(peak):.0f} MiB, at most {max(most_threads)} threads")
    print(f"signins: ECPR submission during the flood: "
          + ", ".join(f"{t*1000:.0f} ms" for t in times))


def main():
    threading.Thread(target=run_sink, daemon=True).start()
    time.sleep(0.3)
    referrer = sign_in(REFERRER)
    which = sys.argv[1:] or ["flood", "signins"]
    if "flood" in which:
        flood(referrer)
    if "signins" in which:
        signins(referrer)


if __name__ == "__main__":
    main()
