//! A program's notes: where its data is not the document's own — values a document leaves to
//! local practice, or example figures standing in for an annex that is not at hand — the
//! program says so to everyone who reads it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("programs"))
                .add_column(text(Alias::new("notes")).default(""))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("programs"))
                .drop_column(Alias::new("notes"))
                .to_owned(),
        )
        .await
    }
}
