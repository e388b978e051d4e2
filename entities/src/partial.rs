//! Rows read with only some of their columns.
//!
//! A list page that shows three fields of a plan need not carry, decode and allocate the
//! other fourteen. [`PartialRow`] decodes a model from a row holding only the [`Columns`]
//! asked for, in column order, by position; every column not read holds its type's
//! [`Unread`] value. Which code may look at such a model is the reader's rule: the API hands
//! partial models only to fields that named, at compile time, every column they read.

use crate::values::Dec;
use sea_orm::{
    ConnectionTrait, DbErr, EntityTrait, IdenStatic, Iterable, QueryResult, QuerySelect,
    QueryTrait, Select,
};

/// A set of a table's columns, by their position in the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Columns(u64);

impl Columns {
    /// Every column.
    pub const ALL: Columns = Columns(u64::MAX);
    /// No column.
    pub const NONE: Columns = Columns(0);

    /// The columns of `R` named `names`.
    ///
    /// # Panics
    /// On a name that is not a column of `R`: the names come from the code, not from a request.
    pub fn named<R: PartialRow>(names: &[&str]) -> Columns {
        names.iter().fold(Columns::NONE, |set, name| {
            let i = R::names()
                .iter()
                .position(|n| n == name)
                .unwrap_or_else(|| panic!("no column {name} in {}", R::names().join(", ")));
            Columns(set.0 | 1 << i)
        })
    }

    /// Both sets.
    #[must_use]
    pub fn union(self, other: Columns) -> Columns {
        Columns(self.0 | other.0)
    }

    /// Whether the column at `index` is in the set.
    pub fn has(self, index: usize) -> bool {
        self.0 & (1 << index) != 0
    }

    /// Whether the set holds every column of `R`.
    pub fn covers<R: PartialRow>(self) -> bool {
        (0..R::names().len()).all(|i| self.has(i))
    }

    /// The names of the set's columns in `R`, in column order.
    pub fn names<R: PartialRow>(self) -> impl Iterator<Item = &'static str> {
        R::names()
            .iter()
            .enumerate()
            .filter(move |(i, _)| self.has(*i))
            .map(|(_, n)| *n)
    }
}

/// What a column not read holds in a partial model.
pub trait Unread {
    /// The stand-in value.
    fn unread() -> Self;
}

impl<T> Unread for Option<T> {
    fn unread() -> Self {
        None
    }
}

macro_rules! unread_by_default {
    ($($ty:ty),+ $(,)?) => {$(
        impl Unread for $ty {
            fn unread() -> Self {
                Default::default()
            }
        }
    )+};
}

unread_by_default!(
    i32,
    i64,
    bool,
    String,
    Dec,
    chrono::NaiveDate,
    chrono::DateTime<chrono::Utc>,
);

/// A model that can be decoded from a row holding some of its columns.
pub trait PartialRow: Sized {
    /// The column names, in the model's order.
    fn names() -> &'static [&'static str];
    /// The model from `row`, which holds the columns of `columns` in column order.
    fn decode(row: &QueryResult, columns: Columns) -> Result<Self, DbErr>;
}

/// The rows `select` finds, holding `columns` (every column: [`Columns::ALL`]), each decoded
/// by position. Faster than `Select::all` even for whole rows: sea-orm decodes a model by
/// column name, building the name and looking it up in the row for every column of every row.
pub async fn read<E, C>(db: &C, select: Select<E>, columns: Columns) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: PartialRow,
    C: ConnectionTrait,
{
    // An entity's select lists its columns in the model's order (checked by
    // `every_partial_row_names_its_table_columns_in_order`).
    let select = if columns.covers::<E::Model>() {
        select
    } else {
        columns
            .names::<E::Model>()
            .fold(select.select_only(), |select, name| {
                let column = E::Column::iter()
                    .find(|c| c.as_str() == name)
                    .expect("a partial row names its table's columns");
                select.column(column)
            })
    };
    db.query_all(&select.into_query())
        .await?
        .iter()
        .map(|row| E::Model::decode(row, columns))
        .collect()
}

/// Makes models partial rows: each module's model with every one of its fields, in order
/// (the struct literal the macro builds fails to compile if one is missing).
macro_rules! partial_rows {
    ($($module:ident { $($field:ident),+ $(,)? })+) => {
        $(
            impl PartialRow for crate::$module::Model {
                fn names() -> &'static [&'static str] {
                    &[$(stringify!($field)),+]
                }

                fn decode(row: &QueryResult, columns: Columns) -> Result<Self, DbErr> {
                    // The model's position of each field, and the row's of each column read.
                    let mut positions = 0..;
                    let mut read = 0..;
                    Ok(crate::$module::Model {$(
                        $field: if positions.next().is_some_and(|at| columns.has(at)) {
                            row.try_get_by_index(read.next().unwrap_or_default())?
                        } else {
                            Unread::unread()
                        },
                    )+})
                }
            }
        )+

        #[cfg(test)]
        mod column_names {
            use super::PartialRow;
            use sea_orm::{IdenStatic, Iterable};

            #[test]
            fn every_partial_row_names_its_table_columns_in_order() {$(
                let columns: Vec<&str> =
                    <crate::$module::Column as Iterable>::iter().map(|c| c.as_str()).collect();
                assert_eq!(
                    <crate::$module::Model as PartialRow>::names(),
                    columns.as_slice(),
                    stringify!($module)
                );
                // A set is one bit per column.
                assert!(columns.len() <= 64, stringify!($module));
            )+}
        }
    };
}

partial_rows! {
    pilot {
        id, code, program_id, applicant_id, region_code, county_code, municipality_code,
        province_code, pilot_type, status, name, boundary, area_km2, population, baseline_year,
        baseline_emissions, park_level, has_unmet_carbon_market_obligations,
        has_falsified_emission_data, has_serious_pollution_case, notice_starts_on,
        notice_ends_on, designated_at, rectification_deadline, title, version, created_at,
        updated_at,
    }
    plan {
        id, pilot_id, kind, title, plan_version, period_start_year, period_end_year, summary,
        document_name, document_media_type, document_size, document_sha256, status,
        published_at, version, created_at, updated_at,
    }
    financing_source {
        id, pilot_id, key_project_id, fund_id, kind, provider, committed_amount,
        disbursed_amount, reference_number, committed_on, disbursed_on, status, version,
        created_at, updated_at,
    }
    key_project {
        id, pilot_id, name, field, planned_investment, expected_annual_reduction, starts_on,
        ends_on, status, progress_percent, regional_task_id, version, created_at, updated_at,
    }
    indicator {
        id, pilot_id, code, name, category, unit, direction, baseline_value, target_value,
        target_year, version, created_at, updated_at,
    }
    indicator_actual {
        id, indicator_id, pilot_id, period_end, value, note, reported_by, created_at,
    }
    workflow_event {
        id, pilot_id, action, from_status, to_status, actor_sub, actor_role, actor_region,
        actor_name, comment, occurred_at,
    }
    organization {
        id, name, kind, credit_code, region_code, municipality_code, province_code,
        park_level, version, created_at, updated_at,
    }
    region { code, name, level, parent_code }
    program {
        id, name, authority, document_number, level, region_code, code_prefix,
        application_opens_on, application_closes_on, construction_starts_on,
        construction_ends_on, notice_working_days, re_review_interval_months,
        acceptance_grace_days, notes, version, created_at, updated_at,
    }
    audit_event {
        seq, occurred_at, actor_sub, actor_role, actor_region, actor_org, entity_type,
        entity_id, pilot_id, plan_id, action, before, after, request_id, prev_hash, hash,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan;

    #[test]
    fn a_set_names_its_columns_in_column_order() {
        let set = Columns::named::<plan::Model>(&["status", "id", "kind"]);
        assert_eq!(
            set.names::<plan::Model>().collect::<Vec<_>>(),
            ["id", "kind", "status"]
        );
        assert!(set.has(0) && set.has(2) && !set.has(1));
        assert!(!set.covers::<plan::Model>());
        assert!(Columns::ALL.covers::<plan::Model>());
        let more = set.union(Columns::named::<plan::Model>(&["title"]));
        assert_eq!(more.names::<plan::Model>().count(), 4);
    }

    #[test]
    #[should_panic(expected = "no column colour")]
    fn a_name_that_is_not_a_column_is_a_programming_error() {
        Columns::named::<plan::Model>(&["colour"]);
    }
}
