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
