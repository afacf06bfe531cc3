//! The on-call roster and what follows a new referral: the on-call physician is told in
//! the submission's transaction, the backup and then the whole team when nobody
//! acknowledges in time, and the referrer hears of receipt and acknowledgement. Timers are
//! rows (`referral_escalations.next_at`), read by a loop on every instance; an escalation
//! is taken by a conditional update of its level, so it is sent once however many
//! instances look and however often the server restarts.
use super::accounts::audit::{self, Event};
use super::accounts::service::authorize;
use super::accounts::tokens;
use super::accounts::RequestIdentity;
use super::notify::{self, About, Contact, Kind, Recipient};
use super::outbox;
use super::referrals::Referrals;
use super::time::{from_local, local_display};
use super::timeline::{self, Step};
use crate::domain::account::{roles_from_csv, Role};
use crate::domain::checklist::parse_local;
use crate::domain::fields::{FieldError, FieldErrors};
use crate::domain::i18n::Lang;
use crate::domain::policy::Action;
use crate::domain::roster;
use crate::domain::triage::{Evaluation, Pathway};
use crate::domain::workflow as wf;
use crate::error::AppError;
use crate::wire::oncall::{AckView, DeliveryRow, DeliveryState, RosterView, ShiftView};
use serde_json::json;
use sqlx::AnyConnection;

mod deliveries;
mod shifts;

const DAY_MS: i64 = 86_400_000;
/// How long an acknowledgement link works.
const ACK_LINK_TTL_MS: i64 = DAY_MS;
const TEAM_EMAIL: &str = "team_email";

pub struct ShiftInput {
    pub starts_local: String,
    pub ends_local: String,
    pub primary_user_id: String,
    pub backup_user_id: String,
    pub perfusionist: String,
    pub coordinator: String,
}

/// An account to notify.
#[derive(Clone, Debug)]
pub(super) struct Person {
    pub(super) id: i64,
    email: String,
    pub(super) name: String,
    lang: Lang,
}

impl Person {
    pub(super) fn recipient(&self) -> Recipient {
        Recipient {
            email: self.email.clone(),
            user_id: Some(self.id),
            lang: Some(self.lang),
        }
    }
}

pub(super) async fn person(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<Person>, sqlx::Error> {
    let row: Option<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, email, name, language FROM users WHERE id = $1 AND active = TRUE",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(id, email, name, language)| Person {
        id,
        email,
        name,
        lang: crate::wire::accounts::parse_language(&language),
    }))
}

/// Active users with `role`, optionally only those who chose the optional notification `kind`.
/// The centre's date today (`weeks` = 0) or of the coming Monday (`weeks` = 1), as
/// `YYYY-MM-DD`.
fn local_date(now: i64, weeks: i64) -> String {
    let local = super::time::to_local(now);
    let midnight = local - local.rem_euclid(DAY_MS);
    // 1 January 1970 was a Thursday: days since then, plus 3, modulo 7 is 0 on Mondays.
    let weekday = (midnight / DAY_MS + 3).rem_euclid(7);
    let day = if weeks == 0 {
        midnight
    } else {
        midnight + (7 - weekday) * DAY_MS
    };
    crate::domain::checklist::format_local(day)[..10].to_owned()
}

/// A shift to write, in wall-clock milliseconds of the centre's zone.
pub(crate) struct NewShift<'a> {
    pub starts_local: i64,
    pub ends_local: i64,
    pub primary: i64,
    pub backup: Option<i64>,
    pub perfusionist: &'a str,
    pub coordinator: &'a str,
}

/// Writes one shift (its instants from the wall-clock times, across daylight-saving
/// changes); every way of adding shifts comes through here.
pub(crate) async fn insert_shift(
    conn: &mut AnyConnection,
    shift: &NewShift<'_>,
    created_by: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO oncall_shifts (starts_at, ends_at, starts_local, ends_local, primary_user_id, backup_user_id, \
         perfusionist, coordinator, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(from_local(shift.starts_local))
    .bind(from_local(shift.ends_local))
    .bind(crate::domain::checklist::format_local(shift.starts_local))
    .bind(crate::domain::checklist::format_local(shift.ends_local))
    .bind(shift.primary)
    .bind(shift.backup)
    .bind(shift.perfusionist)
    .bind(shift.coordinator)
    .bind(created_by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

pub(super) async fn people_with(
    conn: &mut AnyConnection,
    role: Role,
    optional: Option<&str>,
) -> Result<Vec<Person>, sqlx::Error> {
    let rows: Vec<(i64, String, String, String, String, String)> = sqlx::query_as(
        "SELECT id, email, name, language, roles, notify_optional FROM users WHERE active = TRUE ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|r| roles_from_csv(&r.4).contains(&role))
        .filter(|r| optional.is_none_or(|k| r.5.split(',').any(|c| c == k)))
        .map(|(id, email, name, language, _, _)| Person {
            id,
            email,
            name,
            lang: crate::wire::accounts::parse_language(&language),
        })
        .collect())
}

/// (shift id, primary, backup) of the shift covering `at`; the latest-starting when
/// shifts overlap.
async fn shift_at(
    conn: &mut AnyConnection,
    at: i64,
) -> Result<Option<(i64, i64, Option<i64>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, primary_user_id, backup_user_id FROM oncall_shifts \
         WHERE starts_at <= $1 AND ends_at > $1 ORDER BY starts_at DESC, id DESC LIMIT 1",
    )
    .bind(at)
    .fetch_optional(&mut *conn)
    .await
}

/// The team address an administrator set, if any.
async fn team_email_set(conn: &mut AnyConnection) -> Result<Option<String>, sqlx::Error> {
    let set: Option<(String,)> = sqlx::query_as("SELECT value FROM app_settings WHERE key = $1")
        .bind(TEAM_EMAIL)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(set.map(|(v,)| v).filter(|v| !v.is_empty()))
}

/// What the notifications of one referral need to know about it.
pub(crate) struct Notice {
    pub id: i64,
    pub reference: String,
    pub hospital: String,
    pub pathway: Pathway,
    pub evaluation: Evaluation,
    pub referrer_id: i64,
    pub contact: Contact,
}

impl Notice {
    pub(super) fn about<'a>(&'a self, public_url: &'a str, acknowledge_min: u32) -> About<'a> {
        About {
            id: self.id,
            reference: &self.reference,
            hospital: &self.hospital,
            pathway: self.pathway,
            evaluation: &self.evaluation,
            acknowledge_min,
            public_url,
            contact: &self.contact,
        }
    }
}

impl Referrals {
    /// The team's distribution address: as set by an administrator, else `ECMO_TEAM_EMAIL`.
    async fn team_email(&self, conn: &mut AnyConnection) -> Result<Option<String>, sqlx::Error> {
        Ok(team_email_set(conn)
            .await?
            .or_else(|| self.config.team_email.clone()))
    }

    /// The team: its address, or every active ECMO clinician when there is none — never nobody.
    pub(super) async fn team(
        &self,
        conn: &mut AnyConnection,
    ) -> Result<Vec<Recipient>, sqlx::Error> {
        if let Some(address) = self.team_email(conn).await? {
            return Ok(vec![Recipient::team(&address)]);
        }
        Ok(people_with(conn, Role::EcmoClinician, None)
            .await?
            .iter()
            .map(Person::recipient)
            .collect())
    }

    async fn ack_link(
        &self,
        conn: &mut AnyConnection,
        referral_id: i64,
        user_id: Option<i64>,
        now: i64,
    ) -> Result<String, sqlx::Error> {
        let token = tokens::random_token();
        let hash = tokens::digest(&token);
        sqlx::query(
            "INSERT INTO acknowledge_tokens (token_hash, referral_id, user_id, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(hash)
        .bind(referral_id)
        .bind(user_id)
        .bind(now + ACK_LINK_TTL_MS)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        Ok(format!(
            "{}/referrals/{referral_id}/acknowledge?token={token}",
            self.config.public_url
        ))
    }

    pub(super) async fn send_to(
        &self,
        conn: &mut AnyConnection,
        kind: Kind,
        about: &About<'_>,
        recipients: &[Recipient],
        with_ack_link: bool,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        let mut seen: Vec<&str> = Vec::new();
        for to in recipients {
            if seen.contains(&to.email.as_str()) {
                continue;
            }
            seen.push(&to.email);
            let link = if with_ack_link {
                Some(self.ack_link(conn, about.id, to.user_id, now).await?)
            } else {
                None
            };
            let mail = notify::mail(kind, about, to, link.as_deref());
            outbox::enqueue(conn, &mail, &self.config.message_id_domain).await?;
        }
        Ok(())
    }

    /// Tells the on-call physician (and the team address when there is one), starts the
    /// escalation timer, and confirms receipt to the referrer — all on the submission's
    /// connection, inside its transaction.
    #[tracing::instrument(skip_all)]
    pub(crate) async fn announce(
        &self,
        conn: &mut AnyConnection,
        notice: &Notice,
        now: i64,
    ) -> Result<(), AppError> {
        let scai = notice.evaluation.scai.map(|s| s.stage);
        let first = self.config.timeouts.first(notice.pathway, scai);
        let about = notice.about(&self.config.public_url, first);
        let shift = shift_at(conn, now).await?;
        let mut recipients = Vec::new();
        let primary = match shift {
            Some((_, primary, _)) => person(conn, primary).await?,
            None => None,
        };
        match &primary {
            Some(p) => {
                recipients.push(p.recipient());
                if let Some(address) = self.team_email(conn).await? {
                    recipients.push(Recipient::team(&address));
                }
            }
            None => {
                recipients.extend(self.team(conn).await?);
                let admins: Vec<Recipient> = people_with(conn, Role::Admin, None)
                    .await?
                    .iter()
                    .map(Person::recipient)
                    .collect();
                self.send_to(conn, Kind::NoShift, &about, &admins, false, now)
                    .await?;
                tracing::warn!(
                    referral_id = notice.id,
                    "no on-call shift covers this referral; the team was told"
                );
            }
        }
        recipients.extend(
            people_with(conn, Role::EcmoClinician, Some("all_referrals"))
                .await?
                .iter()
                .map(Person::recipient),
        );
        self.send_to(conn, Kind::NewReferral, &about, &recipients, true, now)
            .await?;
        sqlx::query(
            "INSERT INTO referral_escalations (referral_id, level, next_at, shift_id) VALUES ($1, 0, $2, $3)",
        )
        .bind(notice.id)
        .bind(now + i64::from(first) * 60_000)
        .bind(shift.map(|s| s.0))
        .execute(&mut *conn)
        .await?;
        if let Some(referrer) = person(conn, notice.referrer_id).await? {
            self.send_to(
                conn,
                Kind::Receipt,
                &about,
                &[referrer.recipient()],
                false,
                now,
            )
            .await?;
        }
        Ok(())
    }

    pub(super) async fn notice(
        &self,
        conn: &mut AnyConnection,
        id: i64,
    ) -> Result<Option<Notice>, sqlx::Error> {
        let row: Option<(String, String, String, String, i64, String)> = sqlx::query_as(
            "SELECT r.reference, h.name, r.pathway, r.evaluation, r.created_by, r.data FROM referrals r \
             JOIN hospitals h ON h.id = r.hospital_id WHERE r.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        let Some((reference, hospital, pathway, evaluation, referrer_id, data)) = row else {
            return Ok(None);
        };
        // A stored referral's answers or evaluation that do not decode are an error, never
        // "no contact" or "no flags".
        let data: serde_json::Value =
            serde_json::from_str(&data).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        let evaluation =
            serde_json::from_str(&evaluation).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        let pathway = crate::domain::triage::Pathway::from_code(&pathway).ok_or_else(|| {
            sqlx::Error::Decode(format!("stored pathway {pathway:?} is unknown").into())
        })?;
        Ok(Some(Notice {
            id,
            reference,
            hospital,
            pathway,
            evaluation,
            referrer_id,
            contact: Contact::from_data(&data),
        }))
    }

    /// Sends every escalation that is due now. Returns how many were sent by this call.
    #[tracing::instrument(skip_all)]
    pub async fn escalate_due(&self) -> Result<usize, AppError> {
        let now = self.clock.now_ms();
        let due: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT referral_id, level FROM referral_escalations \
             WHERE next_at IS NOT NULL AND next_at <= $1 AND acknowledged_at IS NULL \
             ORDER BY next_at LIMIT 50",
        )
        .bind(now)
        .fetch_all(&self.db.pool)
        .await?;
        let mut sent = 0;
        for (id, level) in due {
            if self.escalate(id, level, now).await? {
                sent += 1;
            }
        }
        if sent > 0 {
            self.wake_outbox();
        }
        Ok(sent)
    }

    /// Moves one referral's escalation from `level` on, if no one else has.
    async fn escalate(&self, id: i64, level: i64, now: i64) -> Result<bool, AppError> {
        let _turn = self.db.write_turn().await;
        let mut tx = self.db.begin().await?;
        let Some(notice) = self.notice(&mut tx, id).await? else {
            return Ok(false);
        };
        let scai = notice.evaluation.scai.map(|s| s.stage);
        let first = self.config.timeouts.first(notice.pathway, scai);
        let second = self.config.timeouts.second(notice.pathway, scai);
        let backup = if level == 0 {
            match shift_at(&mut tx, now).await? {
                Some((_, _, Some(backup))) => person(&mut tx, backup).await?,
                _ => None,
            }
        } else {
            None
        };
        // Level 1 is the backup; without one, the team is told at once.
        let (new_level, next_at) = match backup {
            Some(_) => (1, Some(now + i64::from(second) * 60_000)),
            None => (2, None),
        };
        let claimed = sqlx::query(
            "UPDATE referral_escalations SET level = $1, next_at = $2 \
             WHERE referral_id = $3 AND level = $4 AND acknowledged_at IS NULL AND next_at IS NOT NULL",
        )
        .bind(new_level)
        .bind(next_at)
        .bind(id)
        .bind(level)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed != 1 {
            return Ok(false);
        }
        let waited = if level == 0 { first } else { first + second };
        let about = notice.about(&self.config.public_url, waited);
        let recipients = match &backup {
            Some(b) => vec![b.recipient()],
            None => self.team(&mut tx).await?,
        };
        let kind = Kind::Escalation {
            level: new_level as u8,
            waited_min: waited,
        };
        self.send_to(&mut tx, kind, &about, &recipients, true, now)
            .await?;
        let to = if backup.is_some() { "backup" } else { "team" };
        let detail = json!({ "level": new_level, "to": to, "waited_min": waited });
        timeline::record(
            &mut tx,
            Step {
                referral_id: id,
                at: now,
                actor: None,
                kind: "escalated",
                status: None,
                detail: &detail,
            },
        )
        .await?;
        audit::record(
            &mut tx,
            Event::system("referral_escalated", "referral", id, detail),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(
            referral_id = id,
            level = new_level,
            to,
            "referral escalated"
        );
        metrics::counter!("ecmo_escalations_total", "level" => new_level.to_string(), "to" => to)
            .increment(1);
        Ok(true)
    }

    pub(crate) fn wake_outbox(&self) {
        if let Some(signal) = &self.config.outbox_signal {
            signal.notify_one();
        }
    }

    /// The acknowledgement page's facts, for centre clinicians.
    #[tracing::instrument(skip_all, fields(id = id))]
    pub async fn acknowledge_view(
        &self,
        identity: &RequestIdentity,
        id: i64,
    ) -> Result<AckView, AppError> {
        authorize(identity, Action::WorkReferrals)?;
        let row: Option<AckRow> = sqlx::query_as(
            "SELECT r.reference, h.name, r.pathway, e.acknowledged_at, u.name FROM referrals r \
             JOIN hospitals h ON h.id = r.hospital_id \
             LEFT JOIN referral_escalations e ON e.referral_id = r.id \
             LEFT JOIN users u ON u.id = e.acknowledged_by WHERE r.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.db.pool)
        .await?;
        let (reference, hospital, pathway, at, by) = row.ok_or(AppError::NotFound)?;
        Ok(AckView {
            referral_id: id,
            reference,
            hospital,
            pathway: super::db::decode_pathway(&pathway, id)?,
            acknowledged: at.map(|at| (by.unwrap_or_default(), local_display(at))),
        })
    }

    /// Acknowledges a referral for the signed-in clinician. With a link's token, the token
    /// must be this referral's, unused and unexpired (and the clinician's, when it was
    /// sent to them). Acknowledging again changes nothing.
    #[tracing::instrument(skip_all, fields(id = id))]
    pub async fn acknowledge(
        &self,
        identity: &RequestIdentity,
        id: i64,
        token: Option<&str>,
    ) -> Result<(), AppError> {
        authorize(identity, Action::WorkReferrals)?;
        let user = identity.user.as_ref().ok_or(AppError::SignIn)?;
        let now = self.clock.now_ms();
        let _turn = self.db.write_turn().await;
        let mut tx = self.db.begin().await?;
        if self.notice(&mut tx, id).await?.is_none() {
            return Err(AppError::NotFound);
        }
        if let Some(token) = token {
            let used = sqlx::query(
                "UPDATE acknowledge_tokens SET used_at = $1 WHERE token_hash = $2 AND referral_id = $3 \
                 AND used_at IS NULL AND expires_at > $1 AND (user_id IS NULL OR user_id = $4)",
            )
            .bind(now)
            .bind(tokens::digest(token))
            .bind(id)
            .bind(user.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if used != 1 {
                return Err(FieldErrors::single("token", FieldError::LinkInvalid).into());
            }
        }
        let first = sqlx::query(
            "UPDATE referral_escalations SET acknowledged_at = $1, acknowledged_by = $2, next_at = NULL \
             WHERE referral_id = $3 AND acknowledged_at IS NULL",
        )
        .bind(now)
        .bind(user.id)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if first == 0 {
            // Already acknowledged (by this clinician or another): nothing more to do.
            tx.commit().await?;
            return Ok(());
        }
        let (hospital_id, pathway, status): (i64, String, String) =
            sqlx::query_as("SELECT hospital_id, pathway, status FROM referrals WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        // Only an alert moves to ACKNOWLEDGED; a referral the centre has already acted on
        // keeps its state.
        let status = super::db::decode_status(&status, id)?;
        let moved = matches!(status, wf::Status::Submitted | wf::Status::EcprAlert);
        if moved {
            let current = super::workflow::Current {
                hospital_id,
                pathway: super::db::decode_pathway(&pathway, id)?,
                status,
            };
            let mut detail = serde_json::Map::new();
            detail.insert("from".into(), json!(current.status));
            detail.insert("via_link".into(), json!(token.is_some()));
            self.apply(
                &mut tx,
                identity,
                id,
                &current,
                wf::Status::Acknowledged,
                detail,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.wake_outbox();
        // Otherwise only the escalation stopped, which the queue does not show.
        if moved {
            self.changes.referral_written(now);
        }
        Ok(())
    }

    /// The colleagues following a referral; with `optional`, only those who chose it.
    pub(super) async fn followers(
        &self,
        conn: &mut AnyConnection,
        id: i64,
        optional: Option<&str>,
    ) -> Result<Vec<Recipient>, sqlx::Error> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT f.user_id, u.notify_optional FROM referral_followers f JOIN users u ON u.id = f.user_id \
             WHERE f.referral_id = $1",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::new();
        for (user_id, chosen) in rows {
            if optional.is_some_and(|k| !chosen.split(',').any(|c| c == k)) {
                continue;
            }
            if let Some(p) = person(conn, user_id).await? {
                out.push(p.recipient());
            }
        }
        Ok(out)
    }

    /// Tells the other side of a referral's thread about a new message: the referrer and
    /// followers when the centre writes; the clinician who acknowledged it (else the team)
    /// when the referring hospital writes.
    #[tracing::instrument(skip_all, fields(id = id))]
    pub(crate) async fn announce_message(
        &self,
        conn: &mut AnyConnection,
        id: i64,
        author_is_centre: bool,
        author_id: i64,
        now: i64,
    ) -> Result<(), AppError> {
        let Some(notice) = self.notice(conn, id).await? else {
            return Ok(());
        };
        let about = notice.about(&self.config.public_url, 0);
        let mut to = Vec::new();
        if author_is_centre {
            if let Some(referrer) = person(conn, notice.referrer_id).await? {
                to.push(referrer.recipient());
            }
            to.extend(self.followers(conn, id, Some("messages")).await?);
        } else {
            let acknowledged: Option<(Option<i64>,)> = sqlx::query_as(
                "SELECT acknowledged_by FROM referral_escalations WHERE referral_id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
            match acknowledged.and_then(|a| a.0) {
                Some(clinician) => {
                    if let Some(p) = person(conn, clinician).await? {
                        to.push(p.recipient());
                    }
                }
                None => to.extend(self.team(conn).await?),
            }
        }
        let author_email: Option<(String,)> =
            sqlx::query_as("SELECT email FROM users WHERE id = $1")
                .bind(author_id)
                .fetch_optional(&mut *conn)
                .await?;
        let to: Vec<Recipient> = to
            .into_iter()
            .filter(|r| author_email.as_ref().is_none_or(|(e,)| *e != r.email))
            .collect();
        self.send_to(conn, Kind::Message, &about, &to, false, now)
            .await?;
        Ok(())
    }
}

/// reference, hospital, pathway, acknowledged at, acknowledged by
type AckRow = (String, String, String, Option<i64>, Option<String>);
