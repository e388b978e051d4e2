//! A program's rule for one pilot type together with its lists — the organisation kinds that
//! may apply and the departments that lead the type — which are rows of `program_rule_values`
//! (one per item, matched to the letter; a removed item is retired, not deleted).

use crate::audit::writer::WriteTx;
use crate::error::ApiResult;
use entities::{
    AcceptanceStep, OrganizationKind, PilotType, RuleList, program_rule_value, program_type_rule,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};

/// The rule of one pilot type with its current lists.
#[derive(Debug, Clone)]
pub struct TypeRule {
    pub model: program_type_rule::Model,
    pub applicant_kinds: Vec<OrganizationKind>,
    /// Empty when the program names no lead department for the type.
    pub lead_departments: Vec<String>,
    /// What an acceptance attempt must have completed before it may pass.
    pub acceptance_steps: Vec<AcceptanceStep>,
    /// Unified social credit codes of the park management committees that may apply (Hechi:
    /// the autonomous region's key industrial park list); empty: no list.
    pub eligible_parks: Vec<String>,
}

/// The lists of a type rule, as written.
#[derive(Debug, Clone, Copy)]
pub struct Lists<'a> {
    pub applicant_kinds: &'a [OrganizationKind],
    pub lead_departments: &'a [String],
    pub acceptance_steps: &'a [AcceptanceStep],
    pub eligible_parks: &'a [String],
}

impl TypeRule {
    /// Who acts on pilots of this type in `program`, and which stages they pass.
    pub fn chain(&self, program: &entities::program::Model) -> crate::workflow::transitions::Chain {
        crate::workflow::transitions::Chain::of(program, &self.model, self.lead_departments.clone())
    }

    /// The rule with the current (unretired) items among `values`, in the order they were made.
    pub fn assemble(model: program_type_rule::Model, values: &[program_rule_value::Model]) -> Self {
        let current = |list: RuleList| {
            values
                .iter()
                .filter(move |v| v.rule_id == model.id && v.list == list && v.retired_at.is_none())
                .map(|v| v.value.clone())
        };
        TypeRule {
            applicant_kinds: current(RuleList::ApplicantKind)
                .filter_map(|k| k.parse().ok())
                .collect(),
            lead_departments: current(RuleList::LeadDepartment).collect(),
            acceptance_steps: current(RuleList::AcceptanceStep)
                .filter_map(|s| s.parse().ok())
                .collect(),
            eligible_parks: current(RuleList::EligiblePark).collect(),
            model,
        }
    }
}

/// The rule of `pilot_type` in a program, with its lists; `None` when the type is not admitted.
pub async fn of_type(
    db: &impl ConnectionTrait,
    program_id: i64,
    pilot_type: PilotType,
) -> ApiResult<Option<TypeRule>> {
    let Some(model) = program_type_rule::Entity::find()
        .filter(program_type_rule::Column::ProgramId.eq(program_id))
        .filter(program_type_rule::Column::PilotType.eq(pilot_type))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let values = program_rule_value::Entity::find()
        .filter(program_rule_value::Column::RuleId.eq(model.id))
        .order_by_asc(program_rule_value::Column::Id)
        .all(db)
        .await?;
    Ok(Some(TypeRule::assemble(model, &values)))
}

/// Makes a rule's lists hold exactly `lists`: new items are added, items no longer listed are
/// retired; every change is audited.
pub async fn write_lists(tx: &mut WriteTx, rule_id: i64, lists: Lists<'_>) -> ApiResult<()> {
    let existing = program_rule_value::Entity::find()
        .filter(program_rule_value::Column::RuleId.eq(rule_id))
        .filter(program_rule_value::Column::RetiredAt.is_null())
        .all(tx.conn())
        .await?;
    let wanted: Vec<(RuleList, String)> = lists
        .applicant_kinds
        .iter()
        .map(|k| (RuleList::ApplicantKind, k.as_str().to_owned()))
        .chain(
            lists
                .lead_departments
                .iter()
                .map(|d| (RuleList::LeadDepartment, d.clone())),
        )
        .chain(
            lists
                .acceptance_steps
                .iter()
                .map(|s| (RuleList::AcceptanceStep, s.as_str().to_owned())),
        )
        .chain(
            lists
                .eligible_parks
                .iter()
                .map(|c| (RuleList::EligiblePark, c.clone())),
        )
        .collect();
    for old in &existing {
        if !wanted
            .iter()
            .any(|(l, v)| *l == old.list && *v == old.value)
        {
            let mut m = old.clone().into_active_model();
            m.retired_at = Set(Some(tx.now()));
            tx.update("RETIRE", old, m).await?;
        }
    }
    let mut added: Vec<(RuleList, String)> = Vec::new();
    for (list, value) in wanted {
        let held = existing.iter().any(|e| e.list == list && e.value == value)
            || added.iter().any(|(l, v)| *l == list && *v == value);
        if !held {
            added.push((list, value.clone()));
            tx.insert(program_rule_value::ActiveModel {
                rule_id: Set(rule_id),
                list: Set(list),
                value: Set(value),
                retired_at: Set(None),
                ..Default::default()
            })
            .await?;
        }
    }
    Ok(())
}
