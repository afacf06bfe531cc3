//! Demonstration data for a first look: example email domains for the referring hospitals
//! (which the migrations seed from the specification) and one account per role. Seeded
//! only into a database without accounts and only when asked (`ECMO_DEMO=1`); the
//! passwords are printed once, to the console, and stored hashed.
use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
use argon2::Argon2;
use ecmo_referral_app::ssr::{db::Db, time::now_ms};
use rand::distr::{Alphanumeric, SampleString};

/// Example email domains of referring hospitals, so that self-registration can be tried.
const HOSPITALS: &[(&str, &str, &str)] = &[
    ("SB Celje", "Celje", "sb-celje.si"),
    ("SB Novo mesto", "Novo mesto", "sb-nm.si"),
    ("SB Murska Sobota", "Rakičan", "sb-ms.si"),
    ("SB Slovenj Gradec", "Slovenj Gradec", "sb-sg.si"),
    ("SB Izola", "Izola", "sb-izola.si"),
    (
        "SB dr. Franca Derganca Nova Gorica",
        "Šempeter pri Gorici",
        "bolnisnica-go.si",
    ),
    ("SB Jesenice", "Jesenice", "sb-jesenice.si"),
    ("SB Brežice", "Brežice", "sb-brezice.si"),
    ("SB Ptuj", "Ptuj", "sb-ptuj.si"),
    ("SB Trbovlje", "Trbovlje", "sb-trbovlje.si"),
    (
        "Bolnišnica Topolšica",
        "Topolšica",
        "bolnisnica-topolsica.si",
    ),
    (
        "Univerzitetna klinika Golnik",
        "Golnik",
        "klinika-golnik.si",
    ),
    ("UKC Maribor", "Maribor", "ukc-mb.si"),
];

/// An account created for the demonstration, with its one-time clear-text password.
pub struct DemoAccount {
    pub email: String,
    pub role: &'static str,
    pub password: String,
}

/// Seeds the demo data when the database has no accounts yet. Returns the accounts
/// created, or an empty list when the database was already in use.
pub async fn seed_if_empty(db: &Db) -> anyhow::Result<Vec<DemoAccount>> {
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(&db.pool)
        .await?;
    if count > 0 {
        return Ok(Vec::new());
    }
    let now = now_ms();
    let mut tx = db.begin().await?;
    for (name, city, domain) in HOSPITALS {
        sqlx::query(
            "INSERT INTO hospitals (name, city, email_domains, active, created_at) VALUES ($1, $2, $3, TRUE, $4) \
             ON CONFLICT (name) DO UPDATE SET email_domains = excluded.email_domains",
        )
        .bind(*name)
        .bind(*city)
        .bind(*domain)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    let (celje,): (i64,) = sqlx::query_as("SELECT id FROM hospitals WHERE name = $1")
        .bind("SB Celje")
        .fetch_one(&mut *tx)
        .await?;
    let people = [
        (
            "referrer@sb-celje.si",
            "Demo napotni zdravnik",
            "referrer",
            Some(celje),
        ),
        (
            "clinician@ecmo.demo",
            "Demo ECMO clinician",
            "ecmo_clinician",
            None,
        ),
        (
            "admin@ecmo.demo",
            "Demo administrator",
            "admin,ecmo_clinician",
            None,
        ),
    ];
    let mut accounts = Vec::new();
    for (email, name, roles, hospital) in people {
        let password = Alphanumeric.sample_string(&mut rand::rng(), 16);
        let hash = hash_password(password.clone()).await?;
        sqlx::query(
            "INSERT INTO users (email, name, roles, hospital_id, password_hash, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, TRUE, $6)",
        )
        .bind(email)
        .bind(name)
        .bind(roles)
        .bind(hospital)
        .bind(hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        accounts.push(DemoAccount {
            email: email.to_owned(),
            role: roles.split(',').next().unwrap_or(roles),
            password,
        });
    }
    sqlx::query(
        "INSERT INTO app_meta (key, value) VALUES ('demo_data', 'true') \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(accounts)
}

/// Whether this database holds demonstration data (shown as a banner on every page).
pub async fn is_demo(db: &Db) -> anyhow::Result<bool> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT value FROM app_meta WHERE key = 'demo_data'")
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.is_some_and(|(v,)| v == "true"))
}

/// Argon2id with the crate's defaults, off the async runtime: hashing is deliberately slow.
async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
    })
    .await?
}
