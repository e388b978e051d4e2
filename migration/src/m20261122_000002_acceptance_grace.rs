//! A program's acceptance period: construction end plus a grace of days (zero unless the
//! program says otherwise), after which acceptance can no longer be requested.

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
                .add_column(integer(Alias::new("acceptance_grace_days")).default(0))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("programs"))
                .drop_column(Alias::new("acceptance_grace_days"))
                .to_owned(),
        )
        .await
    }
}
