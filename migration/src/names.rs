//! Small builders the table-creating migrations share.

use sea_orm_migration::prelude::*;

/// A table or column name.
pub fn n(name: &str) -> Alias {
    Alias::new(name)
}

/// A foreign key from `table.column` to `to.id`, refusing deletion of the referenced row.
pub fn fk(table: &str, column: &str, to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(n(table), n(column))
        .to(n(to), n("id"))
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

/// Runs the script written for the connection's backend: `postgres` on PostgreSQL, `sqlite`
/// otherwise (triggers and functions are written per backend).
pub async fn run_for_backend(
    m: &SchemaManager<'_>,
    postgres: &str,
    sqlite: &str,
) -> Result<(), DbErr> {
    let sql = match m.get_database_backend() {
        sea_orm_migration::sea_orm::DbBackend::Postgres => postgres,
        _ => sqlite,
    };
    m.get_connection().execute_unprepared(sql).await?;
    Ok(())
}

/// Runs `sql` on PostgreSQL only (what SQLite already does another way, or needs not).
pub async fn run_on_postgres(m: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    if m.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::Postgres {
        m.get_connection().execute_unprepared(sql).await?;
    }
    Ok(())
}
