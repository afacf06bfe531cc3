//! The two migration folders (SQLite and PostgreSQL) are kept by hand; this test migrates
//! a fresh database of each and finds the same tables, the same columns with the same
//! (mapped) types and nullability, and the same named indexes on the same columns.
use crate::helpers::*;
use ecmo_referral_app::ssr::db::Db;
use std::collections::BTreeMap;

/// table → column → (type family, not null)
type Columns = BTreeMap<String, BTreeMap<String, (String, bool)>>;
/// index name → (table, columns in order, unique)
type Indexes = BTreeMap<String, (String, Vec<String>, bool)>;

/// A declared type reduced to what both databases store alike.
fn family(declared: &str) -> String {
    let t = declared.to_ascii_lowercase();
    let family = match t.as_str() {
        "integer" | "bigint" | "int" | "smallint" | "bigserial" | "serial" => "integer",
        "text" | "character varying" | "varchar" => "text",
        "boolean" | "bool" => "boolean",
        "real" | "double precision" | "double" | "float" => "real",
        "blob" | "bytea" => "bytes",
        other => other,
    };
    family.to_owned()
}

/// The tables this project's migrations make (not the migrator's own, not SQLite's).
fn ours(table: &str) -> bool {
    !table.starts_with("_sqlx") && !table.starts_with("sqlite_")
}

async fn sqlite_schema(db: &Db) -> (Columns, Indexes) {
    let tables: Vec<(String,)> =
        sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    let mut columns = Columns::new();
    let mut indexes = Indexes::new();
    for (table,) in tables.into_iter().filter(|(t,)| ours(t)) {
        let rows: Vec<(String, String, i64, i64)> =
            sqlx::query_as("SELECT name, type, \"notnull\", pk FROM pragma_table_info($1)")
                .bind(&table)
                .fetch_all(&db.pool)
                .await
                .unwrap();
        columns.insert(
            table.clone(),
            rows.into_iter()
                // A primary key column is never null in either database.
                .map(|(name, ty, not_null, pk)| (name, (family(&ty), not_null == 1 || pk > 0)))
                .collect(),
        );
        let listed: Vec<(String, i64, String)> =
            sqlx::query_as("SELECT name, \"unique\", origin FROM pragma_index_list($1)")
                .bind(&table)
                .fetch_all(&db.pool)
                .await
                .unwrap();
        // Indexes made by CREATE INDEX (origin `c`), not those behind PRIMARY KEY and
        // UNIQUE constraints, whose names the two databases choose differently.
        for (name, unique, _) in listed.into_iter().filter(|(_, _, origin)| origin == "c") {
            let cols: Vec<(String,)> =
                sqlx::query_as("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(&name)
                    .fetch_all(&db.pool)
                    .await
                    .unwrap();
            indexes.insert(
                name,
                (
                    table.clone(),
                    cols.into_iter().map(|(c,)| c).collect(),
                    unique == 1,
                ),
            );
        }
    }
    (columns, indexes)
}

async fn postgres_schema(db: &Db) -> (Columns, Indexes) {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text \
         FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let mut columns = Columns::new();
    for (table, column, ty, nullable) in rows.into_iter().filter(|r| ours(&r.0)) {
        columns
            .entry(table)
            .or_default()
            .insert(column, (family(&ty), nullable == "NO"));
    }
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT indexname::text, tablename::text, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let mut indexes = Indexes::new();
    for (name, table, definition) in rows {
        // Constraints' own indexes (`…_pkey`, `…_key`) have no CREATE INDEX of ours.
        if !ours(&table) || name.ends_with("_pkey") || name.ends_with("_key") {
            continue;
        }
        let columns = definition
            .split_once(" USING ")
            .and_then(|(_, rest)| rest.split_once('('))
            .and_then(|(_, rest)| rest.split_once(')'))
            .map(|(cols, _)| cols.split(',').map(|c| c.trim().to_owned()).collect())
            .unwrap_or_default();
        let unique = definition.starts_with("CREATE UNIQUE INDEX");
        indexes.insert(name, (table, columns, unique));
    }
    (columns, indexes)
}

#[test]
fn sqlite_and_postgresql_migrate_to_the_same_schema() {
    if postgres_available() {
        runtime().block_on(compare_schemas());
    }
}

async fn compare_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite =
        ecmo_referral_server::db::open(&fresh_database_url(DbKind::Sqlite, dir.path()).await)
            .await
            .unwrap();
    let postgres =
        ecmo_referral_server::db::open(&fresh_database_url(DbKind::Postgres, dir.path()).await)
            .await
            .unwrap();
    let (sqlite_columns, sqlite_indexes) = sqlite_schema(&sqlite).await;
    let (postgres_columns, postgres_indexes) = postgres_schema(&postgres).await;
    assert!(
        sqlite_columns.contains_key("referrals"),
        "{sqlite_columns:?}"
    );
    assert_eq!(
        sqlite_columns.keys().collect::<Vec<_>>(),
        postgres_columns.keys().collect::<Vec<_>>(),
        "the same tables"
    );
    for (table, columns) in &sqlite_columns {
        assert_eq!(
            columns, &postgres_columns[table],
            "table {table}: columns (type, not null) on SQLite, then PostgreSQL"
        );
    }
    assert!(!sqlite_indexes.is_empty());
    assert_eq!(
        sqlite_indexes, postgres_indexes,
        "named indexes (table, columns, unique) on SQLite, then PostgreSQL"
    );
}
