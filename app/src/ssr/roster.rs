//! Filling the roster in minutes: a repeating pattern for a period (previewed with its
//! overlaps and gaps before anything is written), a copy of last week, and each
//! clinician's calendar feed of their own shifts.
use super::accounts::audit::{self, Event};
use super::accounts::service::authorize;
use super::accounts::tokens::random_token;
use super::accounts::RequestIdentity;
use super::oncall::{insert_shift, people_with, NewShift};
use super::referrals::Referrals;
use super::time::{from_local, local_display};
use crate::domain::account::Role;
use crate::domain::checklist::parse_local;
use crate::domain::fields::{FieldError, FieldErrors};
use crate::domain::policy::Action;
use crate::domain::roster::{
    self, overlaps, Pattern, Planned, WeekCrew, MAX_PLAN_DAYS, ROTATION_WEEKS,
};
use crate::error::AppError;
use crate::wire::oncall::{PlanInput, PlanView, PlannedView};
use serde_json::json;
use std::collections::HashMap;

const DAY_MS: i64 = 86_400_000;
/// How far back and ahead a calendar feed reaches.
const FEED_PAST_MS: i64 = 31 * DAY_MS;
const FEED_AHEAD_MS: i64 = 190 * DAY_MS;

/// Midnight of a `YYYY-MM-DD` date, wall clock.
fn parse_date(text: &str) -> Option<i64> {
    let text = text.trim();
    (text.len() == 10)
        .then(|| crate::domain::checklist::parse_date(text))
        .flatten()
}

/// Minutes after midnight of an `HH:MM` time.
fn parse_time(text: &str) -> Option<i64> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m) = (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?);
    (h.to_string().len() <= 2
        && m.to_string().len() <= 2
        && (0..24).contains(&h)
        && (0..60).contains(&m))
    .then_some(h * 60 + m)
}

impl Referrals {
    /// Checks a plan against the roster; with `save`, writes its shifts in one transaction.
    #[tracing::instrument(skip_all)]
    pub async fn plan_shifts(
        &self,
        identity: &RequestIdentity,
        input: &PlanInput,
        save: bool,
    ) -> Result<PlanView, AppError> {
        authorize(identity, Action::ManageRoster)?;
        let admin = identity.user.as_ref().ok_or(AppError::SignIn)?;
        let mut conn = self.db.pool.acquire().await?;
        let clinicians: HashMap<i64, String> = people_with(&mut conn, Role::EcmoClinician, None)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        drop(conn);
        let pattern = checked_pattern(input, &clinicians)?;
        let planned = pattern.shifts();
        let spans: Vec<(i64, i64)> = planned
            .iter()
            .map(|p| (from_local(p.starts), from_local(p.ends)))
            .collect();
        let (Some(first), Some(last)) = (spans.first(), spans.last()) else {
            return Err(FieldErrors::single("day[0]", FieldError::Missing).into());
        };
        // Overlaps anywhere the plan's shifts reach; gaps over its days, midnight to
        // midnight (a plan from 08:00 leaves the first night to the roster as it is).
        let (from, to) = (first.0, last.1);
        let (days_from, days_to) = (
            from_local(pattern.first_day),
            from_local(pattern.first_day + pattern.days * DAY_MS),
        );
        let existing: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT starts_at, ends_at FROM oncall_shifts WHERE ends_at > $1 AND starts_at < $2",
        )
        .bind(from.min(days_from))
        .bind(to.max(days_to))
        .fetch_all(&self.db.pool)
        .await?;
        let all: Vec<(i64, i64)> = existing.iter().chain(spans.iter()).copied().collect();
        let span_label =
            |(a, b): (i64, i64)| format!("{} – {}", local_display(a), local_display(b));
        let name = |id: i64| clinicians.get(&id).cloned().unwrap_or_default();
        let view = PlanView {
            shifts: planned
                .iter()
                .zip(&spans)
                .map(|(p, span)| PlannedView {
                    label: span_label(*span),
                    primary: name(p.primary),
                    backup: p.backup.map(name),
                })
                .collect(),
            overlaps: overlaps(&spans, &existing)
                .into_iter()
                .map(span_label)
                .collect(),
            gaps: roster::gaps(&all, days_from, days_to)
                .into_iter()
                .map(span_label)
                .collect(),
            saved: save,
        };
        if save {
            let now = self.clock.now_ms();
            let mut tx = self.db.begin().await?;
            for p in &planned {
                insert_shift(&mut tx, &new_shift(p), admin.id, now).await?;
            }
            audit::record(
                &mut tx,
                Event::by(
                    identity,
                    "shifts_planned",
                    "roster",
                    "plan",
                    json!({ "shifts": planned.len(), "from": from, "to": to }),
                ),
            )
            .await?;
            tx.commit().await?;
        }
        Ok(view)
    }

    /// Copies the shifts that start in the seven days before `week_start` (a date) to the
    /// same wall-clock times one week later; returns how many.
    #[tracing::instrument(skip_all)]
    pub async fn copy_week(
        &self,
        identity: &RequestIdentity,
        week_start: &str,
    ) -> Result<usize, AppError> {
        authorize(identity, Action::ManageRoster)?;
        let admin = identity.user.as_ref().ok_or(AppError::SignIn)?;
        let start = parse_date(week_start)
            .ok_or_else(|| FieldErrors::single("week_start", FieldError::NotADate))?;
        let rows: Vec<(String, String, i64, Option<i64>, String, String)> = sqlx::query_as(
            "SELECT starts_local, ends_local, primary_user_id, backup_user_id, perfusionist, coordinator \
             FROM oncall_shifts WHERE starts_at >= $1 AND starts_at < $2 ORDER BY starts_at, id",
        )
        .bind(from_local(start - 7 * DAY_MS))
        .bind(from_local(start))
        .fetch_all(&self.db.pool)
        .await?;
        let now = self.clock.now_ms();
        let mut tx = self.db.begin().await?;
        let mut copied = 0;
        for (starts, ends, primary, backup, perfusionist, coordinator) in &rows {
            let (Some(s), Some(e)) = (parse_local(starts), parse_local(ends)) else {
                tracing::error!("a stored shift's local time does not parse");
                return Err(AppError::Internal);
            };
            let shift = NewShift {
                starts_local: s + 7 * DAY_MS,
                ends_local: e + 7 * DAY_MS,
                primary: *primary,
                backup: *backup,
                perfusionist,
                coordinator,
            };
            insert_shift(&mut tx, &shift, admin.id, now).await?;
            copied += 1;
        }
        audit::record(
            &mut tx,
            Event::by(
                identity,
                "shifts_copied",
                "roster",
                "copy",
                json!({ "shifts": copied, "week_start": start }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(copied)
    }

    /// The reader's calendar address (with its token), if they have made one. Reading
    /// only: pages render it, and a page view never writes.
    #[tracing::instrument(skip_all)]
    pub async fn calendar_link(
        &self,
        identity: &RequestIdentity,
    ) -> Result<Option<String>, AppError> {
        authorize(identity, Action::ViewCentreOperations)?;
        let user = identity.user.as_ref().ok_or(AppError::SignIn)?;
        let mut conn = self.db.pool.acquire().await?;
        let kept = calendar_token(&mut conn, user.id).await?;
        Ok(kept.map(|token| self.calendar_address(&token)))
    }

    fn calendar_address(&self, token: &str) -> String {
        format!(
            "{}/calendar/{token}.ics",
            self.config.public_url.trim_end_matches('/')
        )
    }

    /// Makes the reader's calendar address, replacing any earlier one (which stops
    /// working).
    #[tracing::instrument(skip_all)]
    pub async fn renew_calendar_link(
        &self,
        identity: &RequestIdentity,
    ) -> Result<String, AppError> {
        authorize(identity, Action::ViewCentreOperations)?;
        let user = identity.user.as_ref().ok_or(AppError::SignIn)?;
        let token = random_token();
        let mut tx = self.db.begin().await?;
        let kept = calendar_token(&mut tx, user.id).await?;
        sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1")
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO calendar_feeds (user_id, token, created_at) VALUES ($1, $2, $3)")
            .bind(user.id)
            .bind(&token)
            .bind(self.clock.now_ms())
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            Event::by(
                identity,
                if kept.is_some() {
                    "calendar_link_renewed"
                } else {
                    "calendar_link_made"
                },
                "user",
                user.id,
                json!({}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(self.calendar_address(&token))
    }

    /// The iCalendar feed behind a calendar address: the owner's shifts, as physician on
    /// call or as backup, from a month back to half a year ahead. An unknown token, or one
    /// of an account no longer active, is not found.
    #[tracing::instrument(skip_all)]
    pub async fn calendar_feed(&self, token: &str) -> Result<String, AppError> {
        use icalendar::{Calendar, Component, EventLike};
        let owner: Option<(i64,)> = sqlx::query_as(
            "SELECT f.user_id FROM calendar_feeds f JOIN users u ON u.id = f.user_id \
             WHERE f.token = $1 AND u.active = TRUE",
        )
        .bind(token)
        .fetch_optional(&self.db.pool)
        .await?;
        let Some((user,)) = owner else {
            return Err(AppError::NotFound);
        };
        let now = self.clock.now_ms();
        let shifts: Vec<(i64, i64, i64, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, starts_at, ends_at, primary_user_id, backup_user_id FROM oncall_shifts \
             WHERE (primary_user_id = $1 OR backup_user_id = $1) AND ends_at > $2 AND starts_at < $3 \
             ORDER BY starts_at, id LIMIT 1000",
        )
        .bind(user)
        .bind(now - FEED_PAST_MS)
        .bind(now + FEED_AHEAD_MS)
        .fetch_all(&self.db.pool)
        .await?;
        let instant = |ms: i64| {
            chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms).ok_or(AppError::Internal)
        };
        let host = http::Uri::try_from(self.config.public_url.as_str())
            .ok()
            .and_then(|uri| uri.host().map(str::to_owned))
            .unwrap_or_else(|| "ecmo-referral".to_owned());
        let mut calendar = Calendar::new();
        calendar.name("ECMO");
        for (id, starts, ends, primary, _) in shifts {
            let summary = if primary == user {
                "Dežurstvo ECMO / ECMO on call"
            } else {
                "Nadomestno dežurstvo ECMO / ECMO backup"
            };
            calendar.push(
                icalendar::Event::new()
                    .uid(&format!("shift-{id}@{host}"))
                    .timestamp(instant(now)?)
                    .starts(instant(starts)?)
                    .ends(instant(ends)?)
                    .summary(summary)
                    .done(),
            );
        }
        Ok(calendar.done().to_string())
    }
}

fn new_shift(p: &Planned) -> NewShift<'static> {
    NewShift {
        starts_local: p.starts,
        ends_local: p.ends,
        primary: p.primary,
        backup: p.backup,
        perfusionist: "",
        coordinator: "",
    }
}

/// The plan's pattern, every field checked and every error reported at once.
fn checked_pattern(
    input: &PlanInput,
    clinicians: &HashMap<i64, String>,
) -> Result<Pattern, AppError> {
    let mut errors = FieldErrors::default();
    let first = parse_date(&input.from_date);
    if first.is_none() {
        errors.add("from_date", FieldError::NotADate);
    }
    let last = parse_date(&input.to_date);
    let days = match (first, last) {
        (_, None) => {
            errors.add("to_date", FieldError::NotADate);
            None
        }
        (Some(f), Some(l)) => {
            let days = (l - f) / DAY_MS + 1;
            if !(1..=MAX_PLAN_DAYS).contains(&days) {
                errors.add(
                    "to_date",
                    FieldError::PlanLength {
                        max_days: MAX_PLAN_DAYS,
                    },
                );
            }
            Some(days)
        }
        (None, Some(_)) => None,
    };
    let day_start = parse_time(&input.day_start);
    if day_start.is_none() {
        errors.add("day_start", FieldError::NotATime);
    }
    let night_start = match input.night_start.trim() {
        "" => None,
        text => match (parse_time(text), day_start) {
            (Some(n), Some(d)) if n > d => Some(n),
            (Some(_), Some(_)) => {
                errors.add("night_start", FieldError::EndBeforeStart);
                None
            }
            _ => {
                errors.add("night_start", FieldError::NotATime);
                None
            }
        },
    };
    let person = |list: &[String], i: usize| -> Result<Option<i64>, ()> {
        match list.get(i).map(|s| s.trim()).unwrap_or_default() {
            "" => Ok(None),
            text => text
                .parse::<i64>()
                .ok()
                .filter(|id| clinicians.contains_key(id))
                .map(Some)
                .ok_or(()),
        }
    };
    let mut weeks = Vec::new();
    for i in 0..ROTATION_WEEKS {
        let field = |name: &str| format!("{name}[{i}]");
        let (day, night, backup) = (
            person(&input.day, i),
            person(&input.night, i),
            person(&input.backup, i),
        );
        for (name, value) in [("day", &day), ("night", &night), ("backup", &backup)] {
            if value.is_err() {
                errors.add(&field(name), FieldError::UnknownClinician);
            }
        }
        match (day, night, backup) {
            (Ok(Some(day)), Ok(night), Ok(backup)) => {
                if backup.is_some() && (backup == Some(day) || backup == night) {
                    errors.add(
                        &field("backup"),
                        FieldError::OneOf {
                            other: field("day"),
                        },
                    );
                }
                weeks.push(WeekCrew { day, night, backup });
            }
            (Ok(None), Ok(None), Ok(None)) => {}
            (Ok(None), _, _) => errors.add(&field("day"), FieldError::Missing),
            _ => {}
        }
    }
    if weeks.is_empty() && errors.get("day[0]").is_none() {
        errors.add("day[0]", FieldError::Missing);
    }
    match (first, days, day_start) {
        (Some(first_day), Some(days), Some(day_start_min)) if errors.is_empty() => Ok(Pattern {
            first_day,
            days,
            day_start_min,
            night_start_min: night_start,
            weeks,
        }),
        _ => Err(errors.into()),
    }
}

/// The token of a clinician's calendar address, if they have made one.
async fn calendar_token(
    conn: &mut sqlx::AnyConnection,
    user_id: i64,
) -> Result<Option<String>, sqlx::Error> {
    let kept: Option<(String,)> =
        sqlx::query_as("SELECT token FROM calendar_feeds WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(kept.map(|(token,)| token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_as_the_form_sends_them() {
        assert!(parse_date("2026-12-01").is_some());
        assert_eq!(parse_date("2026-12-01 "), parse_date("2026-12-01"));
        assert_eq!(parse_date("2026-12-1"), None);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_time("08:00"), Some(480));
        assert_eq!(parse_time("20:30"), Some(1230));
        assert_eq!(parse_time("24:00"), None);
        assert_eq!(parse_time("8"), None);
        assert_eq!(parse_time("-1:00"), None);
    }
}
