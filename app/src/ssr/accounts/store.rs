//! Queries for users and hospitals. The stored account, with its password hash, never
//! leaves the server: it is deliberately not `Serialize`.
use crate::domain::account::{roles_from_csv, CurrentUser, Role};
use crate::domain::i18n::Lang;
use crate::wire::accounts::{HospitalOption, HospitalRecord, UserSummary};
use sqlx::AnyConnection;

#[derive(Clone)]
pub struct StoredUser {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub phone: String,
    pub roles: String,
    pub hospital_id: Option<i64>,
    pub hospital_name: Option<String>,
    pub password_hash: Option<String>,
    pub active: bool,
    pub email_confirmed: bool,
    pub approved: bool,
    pub language: String,
    pub session_epoch: i64,
    pub created_at: i64,
}

/// A boolean column as 0/1: the Any driver reads no SQLite BOOLEAN, and CAST keeps the
/// type BIGINT on both databases.
fn flag(column: &str, alias: &str) -> String {
    format!("CAST(CASE WHEN {column} THEN 1 ELSE 0 END AS BIGINT) AS {alias}")
}

impl<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> for StoredUser {
    fn from_row(row: &'r sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row;
        Ok(Self {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            name: row.try_get("name")?,
            phone: row.try_get("phone")?,
            roles: row.try_get("roles")?,
            hospital_id: row.try_get("hospital_id")?,
            hospital_name: row.try_get("hospital_name")?,
            password_hash: row.try_get("password_hash")?,
            active: row.try_get::<i64, _>("active")? != 0,
            email_confirmed: row.try_get::<i64, _>("email_confirmed")? != 0,
            approved: row.try_get::<i64, _>("approved")? != 0,
            language: row.try_get("language")?,
            session_epoch: row.try_get("session_epoch")?,
            created_at: row.try_get("created_at")?,
        })
    }
}

impl std::fmt::Debug for StoredUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The hash and the email stay out of logs and panics.
        f.debug_struct("StoredUser")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl StoredUser {
    /// Whether this account may sign in at all (given the right password).
    pub fn can_sign_in(&self) -> bool {
        self.active && self.email_confirmed && self.approved && self.password_hash.is_some()
    }

    pub fn lang(&self) -> Lang {
        crate::wire::accounts::parse_language(&self.language)
    }

    pub fn current(&self) -> CurrentUser {
        CurrentUser {
            id: self.id,
            email: self.email.clone(),
            name: self.name.clone(),
            phone: self.phone.clone(),
            roles: roles_from_csv(&self.roles),
            hospital_id: self.hospital_id,
            hospital_name: self.hospital_name.clone(),
            language: self.lang(),
        }
    }

    pub fn summary(&self) -> UserSummary {
        UserSummary {
            id: self.id,
            email: self.email.clone(),
            name: self.name.clone(),
            phone: self.phone.clone(),
            roles: roles_from_csv(&self.roles),
            hospital_id: self.hospital_id,
            hospital_name: self.hospital_name.clone(),
            active: self.active,
            email_confirmed: self.email_confirmed,
            approved: self.approved,
            invitation_pending: self.password_hash.is_none(),
            created_at: self.created_at,
        }
    }
}

pub fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::Sl => "sl",
        Lang::En => "en",
    }
}

fn user_columns() -> String {
    format!(
        "u.id, u.email, u.name, u.phone, u.roles, u.hospital_id, h.name AS hospital_name, \
         u.password_hash, {}, {}, {}, u.language, u.session_epoch, u.created_at \
         FROM users u LEFT JOIN hospitals h ON h.id = u.hospital_id",
        flag("u.active", "active"),
        flag("u.email_confirmed", "email_confirmed"),
        flag("u.approved", "approved"),
    )
}

pub async fn user_by_email(
    conn: &mut AnyConnection,
    email: &str,
) -> Result<Option<StoredUser>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {} WHERE u.email = $1", user_columns()))
        .bind(email)
        .fetch_optional(&mut *conn)
        .await
}

pub async fn user_by_id(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<StoredUser>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {} WHERE u.id = $1", user_columns()))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
}

pub async fn all_users(conn: &mut AnyConnection) -> Result<Vec<StoredUser>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {} ORDER BY u.approved, u.active DESC, u.name, u.id",
        user_columns()
    ))
    .fetch_all(&mut *conn)
    .await
}

/// (email, language) of the active users who hold `role`: the administrators told about
/// accounts waiting for approval, the clinicians told about new referrals.
pub async fn active_with_role(
    conn: &mut AnyConnection,
    role: Role,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT email, roles, language FROM users WHERE active = TRUE")
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows
        .into_iter()
        .filter(|(_, roles, _)| roles_from_csv(roles).contains(&role))
        .map(|(email, _, language)| (email, language))
        .collect())
}

#[derive(Clone, Debug, sqlx::FromRow)]
struct HospitalRow {
    id: i64,
    name: String,
    city: String,
    icu_phone: String,
    email_domains: String,
    active: i64,
    seeded: i64,
}

fn hospital_columns() -> String {
    format!(
        "id, name, city, icu_phone, email_domains, {}, {} FROM hospitals",
        flag("active", "active"),
        flag("seeded", "seeded")
    )
}

impl From<HospitalRow> for HospitalRecord {
    fn from(row: HospitalRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            city: row.city,
            icu_phone: row.icu_phone,
            email_domains: row.email_domains,
            active: row.active != 0,
            seeded: row.seeded != 0,
        }
    }
}

pub async fn hospitals(
    conn: &mut AnyConnection,
    only_active: bool,
) -> Result<Vec<HospitalRecord>, sqlx::Error> {
    let filter = if only_active {
        "WHERE active = TRUE"
    } else {
        ""
    };
    let rows: Vec<HospitalRow> = sqlx::query_as(&format!(
        "SELECT {} {filter} ORDER BY name",
        hospital_columns()
    ))
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Id and name of the active hospitals, for the registration form and integrations.
pub async fn hospital_options(
    conn: &mut AnyConnection,
) -> Result<Vec<HospitalOption>, sqlx::Error> {
    Ok(hospitals(conn, true)
        .await?
        .into_iter()
        .map(|h| HospitalOption {
            id: h.id,
            name: h.name,
        })
        .collect())
}

pub async fn hospital(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<HospitalRecord>, sqlx::Error> {
    let row: Option<HospitalRow> =
        sqlx::query_as(&format!("SELECT {} WHERE id = $1", hospital_columns()))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.map(Into::into))
}

/// A hospital named by its id or its exact name (for the command line).
pub async fn hospital_by_id_or_name(
    conn: &mut AnyConnection,
    text: &str,
) -> Result<Option<HospitalRecord>, sqlx::Error> {
    if let Ok(id) = text.trim().parse::<i64>() {
        return hospital(conn, id).await;
    }
    let row: Option<HospitalRow> = sqlx::query_as(&format!(
        "SELECT {} WHERE LOWER(name) = LOWER($1)",
        hospital_columns()
    ))
    .bind(text.trim())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(Into::into))
}

pub async fn meta_flag(conn: &mut AnyConnection, key: &str) -> Result<bool, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as("SELECT value FROM app_meta WHERE key = $1")
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.is_some_and(|(v,)| v == "true"))
}

pub async fn set_meta_flag(
    conn: &mut AnyConnection,
    key: &str,
    value: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO app_meta (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(if value { "true" } else { "false" })
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub const REQUIRES_APPROVAL: &str = "registration_requires_approval";
